package manifests

import (
	"encoding/json"
	"fmt"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"sigs.k8s.io/yaml"
)

// Objects are the typed machineconfiguration objects among documents, each
// with the CRD's defaults applied as the API server applies them on create
// (a containerFile entry without containerfileArch is NoArch).
type Objects struct {
	MachineOSConfigs   []*mcfgv1.MachineOSConfig
	MachineConfigPools []*mcfgv1.MachineConfigPool
	MachineConfigs     []*mcfgv1.MachineConfig
	// Source maps "Kind/name" to the document the object came from, so
	// later errors can point back at the input.
	Source map[string]*Document
}

// Load decodes the MachineOSConfigs, MachineConfigPools and MachineConfigs
// among docs; other kinds are left out (Select says why). Each object must
// be machineconfiguration.openshift.io/v1 and named, and appear once; its
// status (the cluster's business, growing with every release) is dropped;
// the CRD's defaults are applied; the rest is decoded strictly, so a
// misspelt spec field is an error. Errors are *InputErrors naming file,
// line and object.
func Load(docs []*Document) (*Objects, error) {
	v, err := DefaultValidator()
	if err != nil {
		return nil, err
	}
	m := &Objects{Source: map[string]*Document{}}
	for _, d := range docs {
		group, _, _ := strings.Cut(d.APIVersion, "/")
		switch d.Kind {
		case KindMachineConfig, KindMachineConfigPool, KindMachineOSConfig:
		default:
			continue
		}
		fail := func(field, format string, a ...any) error {
			return &InputError{File: d.File, Line: d.Position(field).Line, Msg: d.Describe() + ": " + fmt.Sprintf(format, a...)}
		}
		if d.APIVersion != MachineConfigGroupVersion {
			if group == MachineConfigGroup {
				return nil, fail("apiVersion", "%s", OldAPIVersionAdvice(d))
			}
			if group != "" && d.APIVersion != "v1" {
				continue // someone else's kind of the same name
			}
			return nil, fail("apiVersion", "apiVersion is %q, want %q", d.APIVersion, MachineConfigGroupVersion)
		}
		if d.Name == "" {
			return nil, fail("metadata", "metadata.name is empty")
		}
		key := d.Kind + "/" + d.Name
		if prev, dup := m.Source[key]; dup {
			return nil, &InputError{File: d.File, Line: d.Line, Msg: fmt.Sprintf("%s is also defined at %s", d.Describe(), prev.Where())}
		}
		m.Source[key] = d
		obj := v.Default(d.Object)
		delete(obj, "status")
		var stream string
		if d.Kind == KindMachineConfigPool {
			if stream, err = takeOSImageStream(obj); err != nil {
				return nil, fail("spec.osImageStream", "spec.osImageStream: %v", err)
			}
		}
		js, err := json.Marshal(obj)
		if err != nil {
			return nil, fail("", "%v", err)
		}
		strict := func(into any) error {
			if err := yaml.UnmarshalStrict(js, into); err != nil {
				return fail("", "%v", err)
			}
			return nil
		}
		switch d.Kind {
		case KindMachineConfig:
			mc := &mcfgv1.MachineConfig{}
			if err := strict(mc); err != nil {
				return nil, err
			}
			m.MachineConfigs = append(m.MachineConfigs, mc)
		case KindMachineConfigPool:
			p := &mcfgv1.MachineConfigPool{}
			if err := strict(p); err != nil {
				return nil, err
			}
			if stream != "" {
				if p.Annotations == nil {
					p.Annotations = map[string]string{}
				}
				p.Annotations[OSImageStreamAnnotation] = stream
			}
			m.MachineConfigPools = append(m.MachineConfigPools, p)
		case KindMachineOSConfig:
			o := &mcfgv1.MachineOSConfig{}
			if err := strict(o); err != nil {
				return nil, err
			}
			m.MachineOSConfigs = append(m.MachineOSConfigs, o)
		}
	}
	return m, nil
}

// OldAPIVersionAdvice says what to change in a machineconfiguration object
// of another version than v1 (the MachineOSConfig of the v1alpha1
// Technology Preview API that OpenShift 4.16-4.18 served, read from
// vendor/github.com/openshift/api/machineconfiguration/v1alpha1 of the
// operator's release-4.18 branch).
func OldAPIVersionAdvice(d *Document) string {
	if d.Kind != KindMachineOSConfig {
		return fmt.Sprintf("apiVersion %s: %s exists only as %s; change apiVersion", d.APIVersion, d.Kind, MachineConfigGroupVersion)
	}
	return fmt.Sprintf("apiVersion %s is the Technology Preview API of OpenShift 4.16-4.18; OpenShift 4.19 and later build from %s MachineOSConfigs: "+
		"change apiVersion, move spec.buildInputs.containerFile to spec.containerFile, spec.buildInputs.renderedImagePushspec to spec.renderedImagePushSpec, "+
		"spec.buildInputs.renderedImagePushSecret to spec.renderedImagePushSecret, spec.buildInputs.baseImagePullSecret to spec.baseImagePullSecret, "+
		"spec.buildInputs.imageBuilder to spec.imageBuilder, and drop spec.buildInputs (baseOSImagePullspec, baseOSExtensionsImagePullspec, releaseVersion) "+
		"and spec.buildOutputs: v1 takes the images from the cluster", d.APIVersion, MachineConfigGroupVersion)
}

// OSImageStreamAnnotation carries a pool's spec.osImageStream.name on the
// loaded object: the field (OpenShift 4.21+) is newer than the
// openshift/api types ocl-build links, so Load takes it out of the spec
// before the strict decode and keeps it here. Only ocl-build reads it.
const OSImageStreamAnnotation = "ocl-build.openshift.io/os-image-stream"

// takeOSImageStream removes spec.osImageStream ({name: STREAM}) from a
// pool object and returns the stream name.
func takeOSImageStream(obj map[string]any) (string, error) {
	spec, _ := obj["spec"].(map[string]any)
	raw, ok := spec["osImageStream"]
	if !ok {
		return "", nil
	}
	ref, ok := raw.(map[string]any)
	if !ok {
		return "", fmt.Errorf("want {name: STREAM}, not %T", raw)
	}
	for k := range ref {
		if k != "name" {
			return "", fmt.Errorf("want {name: STREAM}: unknown field %q", k)
		}
	}
	name, ok := ref["name"].(string)
	if _, present := ref["name"]; present && !ok {
		return "", fmt.Errorf("want {name: STREAM}: name must be a string")
	}
	delete(spec, "osImageStream")
	return name, nil
}
