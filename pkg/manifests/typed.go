package manifests

import (
	"fmt"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
)

// Decode converts the document into a typed API object with the CRD's
// defaults applied, as the API server stores it (fields the type does not
// know are dropped, as the API server would).
func Decode(d *Document, into any) error {
	obj := d.Object
	if v, err := DefaultValidator(); err == nil {
		obj = v.Default(obj)
	}
	if err := fromMap(obj, into); err != nil {
		return &InputError{File: d.File, Line: d.Line, Msg: fmt.Sprintf("%s %q: %v", d.Kind, d.Name, err)}
	}
	return nil
}

func want(d *Document, kind string) error {
	if d.Kind != kind {
		return &InputError{File: d.File, Line: d.Line, Field: "kind", Msg: fmt.Sprintf("is %s, want %s", d.Kind, kind)}
	}
	return nil
}

// MachineOSConfig decodes a MachineOSConfig document, defaults applied.
func MachineOSConfig(d *Document) (*mcfgv1.MachineOSConfig, error) {
	var o mcfgv1.MachineOSConfig
	if err := want(d, KindMachineOSConfig); err != nil {
		return nil, err
	}
	return &o, Decode(d, &o)
}

// MachineConfigPool decodes a MachineConfigPool document.
func MachineConfigPool(d *Document) (*mcfgv1.MachineConfigPool, error) {
	var o mcfgv1.MachineConfigPool
	if err := want(d, KindMachineConfigPool); err != nil {
		return nil, err
	}
	return &o, Decode(d, &o)
}

// MachineConfig decodes a MachineConfig document.
func MachineConfig(d *Document) (*mcfgv1.MachineConfig, error) {
	var o mcfgv1.MachineConfig
	if err := want(d, KindMachineConfig); err != nil {
		return nil, err
	}
	return &o, Decode(d, &o)
}

// Secret decodes a Secret document.
func Secret(d *Document) (*corev1.Secret, error) {
	var o corev1.Secret
	if err := want(d, KindSecret); err != nil {
		return nil, err
	}
	return &o, Decode(d, &o)
}
