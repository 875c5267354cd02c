package mco

import (
	"errors"
	"strings"
	"testing"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// The operator's own expected MachineOSBuild names, for the inputs its
// TestMachineOSBuild builds (pkg/controller/build/buildrequest/
// machineosbuild_test.go; objects from test/helpers and
// pkg/controller/build/fixtures/objects.go, whose image constants really
// read "…@sha256 string = …"): release-4.19 (1a6905d980fd) hashes the
// osimageurl ConfigMap and expects worker-55592464e51104dcc274a300565fec9e;
// release-4.22 (9027c94cde45) hashes the rendered MachineConfig's images
// and release annotation and expects worker-699e6be74658adcb3ff2b48f32cd1584.
const (
	fxBase    = "registry.hostname.com/org/repo@sha256 string = 220a60ecd4a3c32c282622a625a54db9ba0ff55b5ba9c29c7064a2bc358b6a3e"
	fxExt     = "registry.hostname.com/org/repo@sha256 string = 5fb4ba1a651bae8057ec6b5cdafc93fa7e0b7d944d6f02a4b751de4e15464def"
	fxRelease = "release-version"
	fxOSImage = "registry.hostname.com/org/repo@sha256 string = 5be476dce1f7c1fbaf41bf9c0097e1725d7d26b74ea93543989d1a2b76fef4a5"
)

func fxInputs() MachineOSBuildInputs {
	mosc := &mcfgv1.MachineOSConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "worker"},
		Spec: mcfgv1.MachineOSConfigSpec{
			MachineConfigPool:     mcfgv1.MachineConfigPoolReference{Name: "worker"},
			Containerfile:         []mcfgv1.MachineOSContainerfile{},
			ImageBuilder:          mcfgv1.MachineOSImageBuilder{ImageBuilderType: mcfgv1.JobBuilder},
			RenderedImagePushSpec: "registry.hostname.com/org/repo:latest",
		},
	}
	pool := &mcfgv1.MachineConfigPool{ObjectMeta: metav1.ObjectMeta{Name: "worker"}}
	rendered := &mcfgv1.MachineConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "rendered-worker-1", Annotations: map[string]string{
			ReleaseImageVersionAnnotation: fxRelease, GeneratedByControllerAnnotation: "controller-version",
		}},
		Spec: mcfgv1.MachineConfigSpec{OSImageURL: fxBase, BaseOSExtensionsContainerImage: fxExt},
	}
	return MachineOSBuildInputs{MachineOSConfig: mosc, Pool: pool, Rendered: rendered,
		OSImageURL: &OSImageURLConfig{BaseOSContainerImage: fxBase, BaseOSExtensionsContainerImage: fxExt, OSImageURL: fxOSImage, ReleaseVersion: fxRelease}}
}

func TestMachineOSBuildNameMatchesTheOperatorPerVersion(t *testing.T) {
	want := map[string]string{
		"4.19": "worker-55592464e51104dcc274a300565fec9e",
		"4.20": "worker-55592464e51104dcc274a300565fec9e",
		"4.21": "worker-55592464e51104dcc274a300565fec9e",
		"4.22": "worker-699e6be74658adcb3ff2b48f32cd1584",
		"4.23": "worker-699e6be74658adcb3ff2b48f32cd1584",
		"5.0":  "worker-699e6be74658adcb3ff2b48f32cd1584",
		"5.2":  "worker-699e6be74658adcb3ff2b48f32cd1584",
	}
	for v, w := range want {
		p := ocpversion.MustLookup(v)
		b, err := PredictMachineOSBuild(p, fxInputs())
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if b.Name != w {
			t.Errorf("%s: %s, want %s", v, b.Name, w)
		}
		if got := string(b.Spec.RenderedImagePushSpec); got != "registry.hostname.com/org/repo:"+w {
			t.Errorf("%s: push spec %s", v, got)
		}
		if b.Labels[LabelTargetPool] != "worker" || b.Labels[LabelMachineOSConfig] != "worker" || b.Labels[LabelRenderedMachineConfig] != "" || len(b.Labels) != 3 {
			t.Errorf("%s: labels %v", v, b.Labels)
		}
		if n, err := MachineOSBuildName(p, fxInputs()); err != nil || n != w {
			t.Errorf("%s: MachineOSBuildName %s %v", v, n, err)
		}
	}
	// Each version hashes only its own inputs: 4.21 ignores the rendered
	// MachineConfig, 4.22 the ConfigMap (which it does not even need).
	in := fxInputs()
	in.Rendered.Annotations[ReleaseImageVersionAnnotation] = "other"
	if n, _ := MachineOSBuildName(ocpversion.MustLookup("4.21"), in); n != want["4.21"] {
		t.Errorf("4.21 hashed the rendered MachineConfig: %s", n)
	}
	if n, _ := MachineOSBuildName(ocpversion.MustLookup("4.22"), in); n == want["4.22"] {
		t.Error("4.22 ignored the rendered MachineConfig's release annotation")
	}
	in = fxInputs()
	in.OSImageURL = nil
	if n, err := MachineOSBuildName(ocpversion.MustLookup("4.22"), in); err != nil || n != want["4.22"] {
		t.Errorf("4.22 without the ConfigMap: %s %v", n, err)
	}
}

// Where the operator refuses to name a build, so creates none.
func TestMachineOSBuildRefusedInputs(t *testing.T) {
	for _, c := range []struct {
		version string
		change  func(*MachineOSBuildInputs)
		want    string
	}{
		{"4.19", func(in *MachineOSBuildInputs) { in.OSImageURL = nil }, "ConfigMap, which is missing"},
		{"4.21", func(in *MachineOSBuildInputs) { in.MachineOSConfig.Spec.MachineConfigPool.Name = "other" }, `names pool "other", not "worker"`},
		{"4.22", func(in *MachineOSBuildInputs) { in.Rendered = nil }, "rendered MachineConfig"},
		{"4.22", func(in *MachineOSBuildInputs) { in.Rendered.Name = "99-worker" }, "not a rendered MachineConfig"},
		{"4.23", func(in *MachineOSBuildInputs) { delete(in.Rendered.Annotations, GeneratedByControllerAnnotation) }, "generated-by-controller-version"},
		{"5.0", func(in *MachineOSBuildInputs) { in.Rendered.Annotations[ReleaseImageVersionAnnotation] = "" }, "release-image-version"},
		{"4.20", func(in *MachineOSBuildInputs) { in.MachineOSConfig.Spec.RenderedImagePushSpec = "Not A Ref" }, "renderedImagePushSpec"},
	} {
		in := fxInputs()
		c.change(&in)
		_, err := PredictMachineOSBuild(ocpversion.MustLookup(c.version), in)
		if !errors.Is(err, ErrNoMachineOSBuild) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: %v", c.version, c.want, err)
		}
	}
	// 4.19 does not need the rendered MachineConfig or its annotations.
	in := fxInputs()
	in.Rendered = nil
	if _, err := PredictMachineOSBuild(ocpversion.MustLookup("4.19"), in); err != nil {
		t.Errorf("4.19 without the rendered MachineConfig: %v", err)
	}
}
