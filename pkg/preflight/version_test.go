package preflight

import (
	"context"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The version comes from --openshift-version when given, else the base
// source; it is reported and said on the progress stream. On 4.22 an
// osImageURL MachineConfig is what the build starts FROM and what the rpm
// diff compares against; on 4.21 the ConfigMap's image stays.
func TestPipelineVersionAndBaseImage(t *testing.T) {
	custom := "registry.example.com/custom/rhcos@sha256:" + strings.Repeat("d", 64)
	mc := &mcfgv1.MachineConfig{ObjectMeta: metav1.ObjectMeta{Name: "50-os", Labels: map[string]string{"machineconfiguration.openshift.io/role": "worker"}},
		Spec: mcfgv1.MachineConfigSpec{OSImageURL: custom}}
	for _, c := range []struct {
		flag, wantVersion, wantSource, wantFrom string
	}{
		{"4.21", "4.21", ocpversion.SourceFlag, ""},
		{"4.22", "4.22", ocpversion.SourceFlag, custom},
		{"", "5.2", ocpversion.SourceDefault, custom},
	} {
		be := &fakeBackend{}
		o := pipelineOptions(t, be)
		o.Only = BuildSteps
		o.Render.MachineConfigs = []*mcfgv1.MachineConfig{mc}
		o.OpenShiftVersion = []ocpversion.Candidate{{Value: c.flag, Source: ocpversion.SourceFlag}}
		var progress strings.Builder
		o.Progress = &progress
		rep, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		from := c.wantFrom
		if from == "" {
			from = o.Base.BaseImage
		}
		if rep.OpenShift == nil || rep.OpenShift.Version != c.wantVersion || rep.OpenShift.Source != c.wantSource {
			t.Errorf("%q: report %+v", c.flag, rep.OpenShift)
		}
		if !strings.Contains(progress.String(), "==> OpenShift "+c.wantVersion+" (from "+c.wantSource+")") {
			t.Errorf("%q: progress %s", c.flag, progress.String())
		}
		if be.buildOpts.BaseImage != from {
			t.Errorf("%q: build FROM %s, want %s", c.flag, be.buildOpts.BaseImage, from)
		}
		if c.flag == "" && (len(rep.Warnings) == 0 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "--openshift-version")) {
			t.Errorf("default version without a warning: %q", rep.Warnings)
		}
	}
	// A version before 4.19 stops at the base step, naming the flag.
	be := &fakeBackend{}
	o := pipelineOptions(t, be)
	o.OpenShiftVersion = []ocpversion.Candidate{{Value: "4.18", Source: ocpversion.SourceFlag}}
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "--openshift-version") {
		t.Fatalf("4.18: %v", err)
	}
}
