package manifests

import (
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// The name == pool CEL rule exists from 4.21 (the MCO's vendored CRD); 4.19
// and 4.20 accept a MachineOSConfig named apart from its pool, and every
// other rule still applies there.
func TestValidatorForVersion(t *testing.T) {
	mosc := func(name, pool, spec string) map[string]any {
		return map[string]any{
			"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineOSConfig",
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{
				"machineConfigPool":       map[string]any{"name": pool},
				"imageBuilder":            map[string]any{"imageBuilderType": "Job"},
				"renderedImagePushSecret": map[string]any{"name": "push-secret"},
				"renderedImagePushSpec":   spec,
			},
		}
	}
	for v, wantRefused := range map[string]bool{"4.19": false, "4.20": false, "4.21": true, "5.2": true} {
		val, err := ValidatorFor(ocpversion.MustLookup(v))
		if err != nil {
			t.Fatal(err)
		}
		r, err := val.Validate(mosc("layered", "worker", "registry.example.com/os:v1"))
		if err != nil {
			t.Fatal(err)
		}
		if refused := len(r.Errors) > 0; refused != wantRefused {
			t.Errorf("%s: name apart from pool refused=%v (%v), want %v", v, refused, r.Errors, wantRefused)
		}
		if wantRefused && !strings.Contains(r.Errors.ToAggregate().Error(), "must match the referenced MachineConfigPool") {
			t.Errorf("%s: %v", v, r.Errors)
		}
		// The push spec rule (a tag or digest) holds in every version.
		if r, _ := val.Validate(mosc("worker", "worker", "registry.example.com/os")); len(r.Errors) == 0 {
			t.Errorf("%s: push spec without a tag accepted", v)
		}
	}
}
