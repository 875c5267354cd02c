package preflight

import (
	"bytes"
	"context"
	"strings"
	"testing"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

func rbMC(name, ign string) *mcfgv1.MachineConfig {
	return &mcfgv1.MachineConfig{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"machineconfiguration.openshift.io/role": "worker"}},
		Spec:       mcfgv1.MachineConfigSpec{Config: runtime.RawExtension{Raw: []byte(ign)}},
	}
}

// With the pool's previous MachineConfigs the report predicts the change,
// under the rendered version's rules: a policy.json change rebuilds on
// 4.19 and applies live on 4.20.
func TestPreflightRebuildSection(t *testing.T) {
	old := []*mcfgv1.MachineConfig{rbMC("00-worker", `{"ignition":{"version":"3.5.0"}}`)}
	cur := []*mcfgv1.MachineConfig{rbMC("00-worker", `{"ignition":{"version":"3.5.0"},"storage":{"files":[{"path":"/etc/containers/policy.json","contents":{"source":"data:,%7B%7D"}}]}}`)}
	for v, want := range map[string]string{
		"4.19": "this change rebuilds the image, and the nodes reboot into it",
		"4.20": "no rebuild; the change applies live",
	} {
		be := &fakeBackend{}
		o := pipelineOptions(t, be)
		o.Render.MachineConfigs, o.PreviousMachineConfigs = cur, old
		o.Render.Profile = ocpversion.MustLookup(v)
		rep, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rebuild == nil || rep.Rebuild.Version != v || !strings.Contains(rep.Rebuild.Summary(), want) {
			t.Fatalf("%s: %+v", v, rep.Rebuild)
		}
		var b bytes.Buffer
		rep.Write(&b, "text")
		if !strings.Contains(b.String(), "on the cluster (OpenShift "+v+", from the previous MachineConfigs): "+want) ||
			!strings.Contains(b.String(), "file /etc/containers/policy.json added") {
			t.Errorf("%s text:\n%s", v, b.String())
		}
	}
	// Without previous configs there is no section.
	be := &fakeBackend{}
	rep, _ := Run(context.Background(), pipelineOptions(t, be))
	if rep.Rebuild != nil {
		t.Errorf("no previous configs, yet %+v", rep.Rebuild)
	}
}
