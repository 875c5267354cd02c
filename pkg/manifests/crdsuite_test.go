package manifests

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// crdSuite is the format of openshift/api's machineconfiguration/v1/tests
// files, which its own envtest harness runs against a real API server.
type crdSuite struct {
	Name         string   `json:"name"`
	CRDName      string   `json:"crdName"`
	FeatureGates []string `json:"featureGates"`
	Tests        struct {
		OnCreate []crdCase `json:"onCreate"`
		OnUpdate []crdCase `json:"onUpdate"`
	} `json:"tests"`
}

type crdCase struct {
	Name                string `json:"name"`
	Initial             string `json:"initial"`
	Updated             string `json:"updated"`
	Expected            string `json:"expected"`
	ExpectedError       string `json:"expectedError"`
	ExpectedStatusError string `json:"expectedStatusError"`
}

func openshiftAPIDir(t *testing.T) string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", "github.com/openshift/api").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/openshift/api: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatal("github.com/openshift/api is not in the module cache; run go mod download")
	}
	return dir
}

// TestOpenShiftCRDSuite runs every onCreate case of openshift/api's own CRD
// tests for MachineOSConfig and MachineConfigPool through our validator and
// demands the same outcome: accepted cases store exactly `expected` (after
// pruning and defaulting), refused ones fail with a message that contains
// `expectedError`.
//
// Both CRDs ship as a single manifest merged over every feature set
// ("api.openshift.io/merged-by-featuregates"), the one a Default cluster
// installs, so the feature-gated suites ([TechPreview] PinnedImages) run
// against the same manifest and must agree as well.
func TestOpenShiftCRDSuite(t *testing.T) {
	v, err := DefaultValidator()
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(openshiftAPIDir(t), "machineconfiguration", "v1", "tests")
	counts := map[string]int{}
	for _, crd := range []string{"machineosconfigs.machineconfiguration.openshift.io", "machineconfigpools.machineconfiguration.openshift.io", "machineconfigs.machineconfiguration.openshift.io"} {
		files, _ := filepath.Glob(filepath.Join(base, crd, "*.yaml"))
		if len(files) == 0 {
			t.Fatalf("no test suites under %s", filepath.Join(base, crd))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// A file may hold several suites (one per feature set).
			for _, part := range strings.Split(string(data), "\n---\n") {
				var s crdSuite
				if err := yaml.Unmarshal([]byte(part), &s); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if s.CRDName != crd {
					t.Fatalf("%s: suite for %q", f, s.CRDName)
				}
				for _, c := range s.Tests.OnCreate {
					t.Run(crd+"/"+s.Name+"/"+c.Name, func(t *testing.T) {
						runCreateCase(t, v, c)
					})
					counts[crd]++
				}
				for _, c := range s.Tests.OnUpdate {
					t.Run(crd+"/"+s.Name+"/onUpdate/"+c.Name, func(t *testing.T) {
						t.Skip("onUpdate cases compare against a stored old object (oldSelf, ratcheting, status subresource); ocl-build validates creation only")
					})
				}
			}
		}
	}
	t.Logf("onCreate cases run: %v", counts)
	if counts["machineosconfigs.machineconfiguration.openshift.io"] < 6 {
		t.Errorf("expected at least 6 MachineOSConfig onCreate cases, ran %d", counts["machineosconfigs.machineconfiguration.openshift.io"])
	}
}

func decodeObj(t *testing.T, s string) map[string]any {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := utiljson.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// runCreateCase does what openshift/api's harness (tests/generator.go) does
// against envtest: give the object generateName "test-", create it, and
// compare the stored object with `expected` (or `initial` when expected is
// empty) apart from the server-set name.
func runCreateCase(t *testing.T, v *Validator, c crdCase) {
	initial := decodeObj(t, c.Initial)
	md, _ := initial["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		initial["metadata"] = md
	}
	md["generateName"] = "test-"
	res, err := v.Validate(initial)
	if err != nil {
		t.Fatal(err)
	}
	if c.ExpectedError != "" {
		if len(res.Errors) == 0 {
			t.Fatalf("accepted; openshift/api expects refusal with %q", c.ExpectedError)
		}
		msg := res.Errors.ToAggregate().Error()
		if !strings.Contains(msg, c.ExpectedError) {
			t.Fatalf("error %q does not contain the expected %q", msg, c.ExpectedError)
		}
		return
	}
	if len(res.Errors) > 0 {
		t.Fatalf("refused: %v", res.Errors.ToAggregate())
	}
	expected := c.Expected
	if strings.TrimSpace(expected) == "" {
		expected = c.Initial
	}
	{
		want := decodeObj(t, expected)
		wmd, _ := want["metadata"].(map[string]any)
		if wmd == nil {
			wmd = map[string]any{}
			want["metadata"] = wmd
		}
		gmd := res.Object["metadata"].(map[string]any)
		wmd["name"], wmd["generateName"] = gmd["name"], gmd["generateName"]
		if !reflect.DeepEqual(res.Object, want) {
			got, _ := yaml.Marshal(res.Object)
			t.Fatalf("stored object differs from expected:\ngot:\n%s\nwant:\n%s", got, expected)
		}
	}
}
