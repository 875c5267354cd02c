package manifests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// MachineOSConfigOptions are the inputs of the MachineOSConfig the seed
// article writes by hand.
type MachineOSConfigOptions struct {
	Pool           string                   // MachineConfigPool name; also the MachineOSConfig's name (a CEL rule demands it)
	PushSpec       string                   // renderedImagePushSpec, host[:port]/path:tag
	PushSecret     string                   // renderedImagePushSecret name
	BasePullSecret string                   // baseImagePullSecret name; empty: the cluster's global pull secret
	Containerfile  string                   // content of the NoArch (or Arch) entry
	Arch           mcfgv1.ContainerfileArch // default NoArch, the only entry 4.19 builds
}

// NewMachineOSConfig builds the MachineOSConfig for a pool (imageBuilder Job,
// the only builder type of v1).
func NewMachineOSConfig(o MachineOSConfigOptions) *mcfgv1.MachineOSConfig {
	arch := o.Arch
	if arch == "" {
		arch = mcfgv1.NoArch
	}
	m := &mcfgv1.MachineOSConfig{
		TypeMeta:   metav1.TypeMeta{APIVersion: MachineConfigGroupVersion, Kind: KindMachineOSConfig},
		ObjectMeta: metav1.ObjectMeta{Name: o.Pool},
		Spec: mcfgv1.MachineOSConfigSpec{
			MachineConfigPool:       mcfgv1.MachineConfigPoolReference{Name: o.Pool},
			ImageBuilder:            mcfgv1.MachineOSImageBuilder{ImageBuilderType: mcfgv1.JobBuilder},
			RenderedImagePushSecret: mcfgv1.ImageSecretObjectReference{Name: o.PushSecret},
			RenderedImagePushSpec:   mcfgv1.ImageTagFormat(o.PushSpec),
		},
	}
	if o.BasePullSecret != "" {
		m.Spec.BaseImagePullSecret = &mcfgv1.ImageSecretObjectReference{Name: o.BasePullSecret}
	}
	if o.Containerfile != "" {
		m.Spec.Containerfile = []mcfgv1.MachineOSContainerfile{{ContainerfileArch: arch, Content: o.Containerfile}}
	}
	return m
}

// PoolLabel is the label the seed puts on a custom pool, which the operator
// also sets on its own pools.
func PoolLabel(pool string) string { return "pools.operator.machineconfiguration.openshift.io/" + pool }

// NewMachineConfigPool builds a custom pool as the seed article does: it
// takes the MachineConfigs of both worker and its own role, selects nodes
// labelled node-role.kubernetes.io/NAME, and starts paused so that nothing
// rolls out before the image is built.
func NewMachineConfigPool(name string) *mcfgv1.MachineConfigPool {
	return &mcfgv1.MachineConfigPool{
		TypeMeta: metav1.TypeMeta{APIVersion: MachineConfigGroupVersion, Kind: KindMachineConfigPool},
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: map[string]string{PoolLabel(name): ""},
		},
		Spec: mcfgv1.MachineConfigPoolSpec{
			MachineConfigSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: mcfgv1.MachineConfigRoleLabelKey, Operator: metav1.LabelSelectorOpIn, Values: []string{"worker", name},
			}}},
			NodeSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/" + name: ""}},
			Paused:       true,
		},
	}
}

// Marshal writes objects (typed API objects, or maps) as one multi-document
// YAML stream. Server-set fields that typed objects carry empty
// (creationTimestamp: null, status: {}) are left out.
func Marshal(objs ...any) ([]byte, error) {
	var b bytes.Buffer
	for i, o := range objs {
		js, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i+1, err)
		}
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil {
			return nil, fmt.Errorf("object %d: %w", i+1, err)
		}
		dropEmptyServerFields(m)
		y, err := yaml.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i+1, err)
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return b.Bytes(), nil
}

func dropEmptyServerFields(m map[string]any) {
	if md, ok := m["metadata"].(map[string]any); ok {
		if md["creationTimestamp"] == nil {
			delete(md, "creationTimestamp")
		}
	}
	if st, ok := m["status"].(map[string]any); ok && isEmpty(st) {
		delete(m, "status")
	}
	// MachineConfigPoolSpec.configuration is status-like (the operator
	// fills it) and not omitempty.
	if spec, ok := m["spec"].(map[string]any); ok && m["kind"] == KindMachineConfigPool {
		if c, ok := spec["configuration"].(map[string]any); ok && isEmpty(c) {
			delete(spec, "configuration")
		}
	}
}

// isEmpty is true for a status holding only zero values (what a typed
// object with an unset status marshals to).
func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range t {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	case []any:
		return len(t) == 0
	case string:
		return t == ""
	case float64:
		return t == 0
	case bool:
		return !t
	}
	return false
}

// TrimContainerfile normalises Containerfile text for embedding: CRLF to LF
// and no trailing blank lines (the seed embeds it with `|-`).
func TrimContainerfile(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimRight(s, "\n\t ")
}
