package manifests

import (
	"fmt"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	corev1 "k8s.io/api/core/v1"
)

// Decode converts the document into a typed API object (fields the type
// does not know are dropped, as the API server would).
func (d *Document) Decode(into any) error {
	if err := fromMap(d.Object, into); err != nil {
		return &InputError{File: d.File, Line: d.Line, Msg: fmt.Sprintf("%s %q: %v", d.Kind, d.Name, err)}
	}
	return nil
}

func (d *Document) want(kind string) error {
	if d.Kind != kind {
		return &InputError{File: d.File, Line: d.Line, Field: "kind", Msg: fmt.Sprintf("is %s, want %s", d.Kind, kind)}
	}
	return nil
}

// MachineOSConfig decodes a MachineOSConfig document.
func (d *Document) MachineOSConfig() (*mcfgv1.MachineOSConfig, error) {
	var o mcfgv1.MachineOSConfig
	if err := d.want(KindMachineOSConfig); err != nil {
		return nil, err
	}
	return &o, d.Decode(&o)
}

// MachineConfigPool decodes a MachineConfigPool document.
func (d *Document) MachineConfigPool() (*mcfgv1.MachineConfigPool, error) {
	var o mcfgv1.MachineConfigPool
	if err := d.want(KindMachineConfigPool); err != nil {
		return nil, err
	}
	return &o, d.Decode(&o)
}

// MachineConfig decodes a MachineConfig document.
func (d *Document) MachineConfig() (*mcfgv1.MachineConfig, error) {
	var o mcfgv1.MachineConfig
	if err := d.want(KindMachineConfig); err != nil {
		return nil, err
	}
	return &o, d.Decode(&o)
}

// Secret decodes a Secret document.
func (d *Document) Secret() (*corev1.Secret, error) {
	var o corev1.Secret
	if err := d.want(KindSecret); err != nil {
		return nil, err
	}
	return &o, d.Decode(&o)
}
