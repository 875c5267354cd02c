package manifests

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/internal/testutil/gomod"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
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
	Name                string     `json:"name"`
	InitialCRDPatches   []crdPatch `json:"initialCRDPatches"`
	Initial             string     `json:"initial"`
	Updated             string     `json:"updated"`
	Expected            string     `json:"expected"`
	ExpectedError       string     `json:"expectedError"`
	ExpectedStatusError string     `json:"expectedStatusError"`
}

func openshiftAPIDir(t *testing.T) string {
	return gomod.Dir(t, "github.com/openshift/api")
}

// TestOpenShiftCRDSuite runs every case of openshift/api's own CRD tests for
// MachineOSConfig, MachineConfigPool and MachineConfig (onCreate, and
// onUpdate through ValidateUpdate: oldSelf, ratcheting, status subresource,
// CRD patches) through our validator and demands the same outcome: accepted
// cases store exactly `expected` (after pruning and defaulting), refused ones
// fail with a message that contains `expectedError`/`expectedStatusError`.
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
	counts, updates := map[string]int{}, map[string]int{}
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
						runUpdateCase(t, v, crd, c)
					})
					updates[crd]++
				}
			}
		}
	}
	t.Logf("onCreate cases run: %v; onUpdate cases run: %v", counts, updates)
	if counts["machineosconfigs.machineconfiguration.openshift.io"] < 6 || updates["machineosconfigs.machineconfiguration.openshift.io"] < 3 {
		t.Errorf("expected at least 6+3 MachineOSConfig cases, ran %d+%d", counts["machineosconfigs.machineconfiguration.openshift.io"], updates["machineosconfigs.machineconfiguration.openshift.io"])
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

type crdPatch struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// patchedValidator builds a validator from the embedded CRD with the case's
// JSON patches applied (the harness installs such a CRD to store an object
// that the real CRD would refuse).
func patchedValidator(t *testing.T, crdName string, patches []crdPatch) *Validator {
	t.Helper()
	plural, _, _ := strings.Cut(crdName, ".")
	raw, err := crdFS.ReadFile("crds/0000_80_machine-config_01_" + plural + ".crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd any
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	for _, p := range patches {
		crd = applyPatch(t, crd, strings.Split(strings.TrimPrefix(p.Path, "/"), "/"), p)
	}
	out, err := yaml.Marshal(crd)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewValidator(out)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func applyPatch(t *testing.T, node any, path []string, p crdPatch) any {
	t.Helper()
	key := strings.NewReplacer("~1", "/", "~0", "~").Replace(path[0])
	switch n := node.(type) {
	case map[string]any:
		if len(path) == 1 {
			switch p.Op {
			case "remove":
				delete(n, key)
			case "add", "replace":
				n[key] = p.Value
			default:
				t.Fatalf("patch op %q not supported", p.Op)
			}
			return n
		}
		n[key] = applyPatch(t, n[key], path[1:], p)
		return n
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(n) {
			t.Fatalf("patch path %s: bad index %q", p.Path, key)
		}
		if len(path) == 1 {
			switch p.Op {
			case "remove":
				return append(n[:i:i], n[i+1:]...)
			case "replace":
				n[i] = p.Value
				return n
			}
			t.Fatalf("patch op %q on a list item not supported", p.Op)
		}
		n[i] = applyPatch(t, n[i], path[1:], p)
		return n
	}
	t.Fatalf("patch path %s does not exist", p.Path)
	return nil
}

// runUpdateCase does what the harness does for onUpdate: create `initial`
// (under the patched CRD when the case has initialCRDPatches), write its
// status through the status subresource, then, under the real CRD, update
// the object to `updated` (expectedError) and its status (expectedStatusError),
// and compare the stored object with `expected` (or `updated`).
func runUpdateCase(t *testing.T, v *Validator, crdName string, c crdCase) {
	pv := v
	if len(c.InitialCRDPatches) > 0 {
		pv = patchedValidator(t, crdName, c.InitialCRDPatches)
	}
	initial := decodeObj(t, c.Initial)
	md, _ := initial["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		initial["metadata"] = md
	}
	md["generateName"] = "test-"
	created, err := pv.Validate(initial)
	if err != nil || len(created.Errors) > 0 {
		t.Fatalf("initial object should create: %v %v", err, created.Errors.ToAggregate())
	}
	stored := created.Object
	if st, ok := initial["status"]; ok {
		withStatus := runtimeDeepCopy(stored)
		withStatus["status"] = st
		r, err := pv.ValidateUpdate(withStatus, stored, true)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("initial status should update: %v %v", err, r.Errors.ToAggregate())
		}
		stored = r.Object
	}
	updated := decodeObj(t, c.Updated)
	umd, _ := updated["metadata"].(map[string]any)
	if umd == nil {
		umd = map[string]any{}
		updated["metadata"] = umd
	}
	smd := stored["metadata"].(map[string]any)
	umd["name"], umd["generateName"] = smd["name"], smd["generateName"]
	r, err := v.ValidateUpdate(updated, stored, false)
	if err != nil {
		t.Fatal(err)
	}
	if expectedRefusal(t, "update", r, c.ExpectedError) {
		return
	}
	stored = r.Object
	if st, ok := updated["status"]; ok {
		withStatus := runtimeDeepCopy(updated)
		withStatus["status"] = st
		r, err := v.ValidateUpdate(withStatus, stored, true)
		if err != nil {
			t.Fatal(err)
		}
		if expectedRefusal(t, "status update", r, c.ExpectedStatusError) {
			return
		}
		stored = r.Object
	} else if c.ExpectedStatusError != "" {
		t.Fatalf("case expects a status error but has no status")
	}
	expected := c.Expected
	if strings.TrimSpace(expected) == "" {
		expected = c.Updated
	}
	want := decodeObj(t, expected)
	wmd, _ := want["metadata"].(map[string]any)
	if wmd == nil {
		wmd = map[string]any{}
		want["metadata"] = wmd
	}
	wmd["name"], wmd["generateName"] = smd["name"], smd["generateName"]
	// komega.IgnoreAutogeneratedMetadata, as the harness compares.
	stored = runtimeDeepCopy(stored)
	for _, k := range []string{"resourceVersion", "uid", "generation", "creationTimestamp", "managedFields"} {
		delete(stored["metadata"].(map[string]any), k)
	}
	if !reflect.DeepEqual(stored, want) {
		got, _ := yaml.Marshal(stored)
		t.Fatalf("stored object differs from expected:\ngot:\n%s\nwant:\n%s", got, expected)
	}
}

func runtimeDeepCopy(m map[string]any) map[string]any { return k8sruntime.DeepCopyJSON(m) }

// expectedRefusal checks an update's outcome against the case: with an
// expected error, r must be refused with a message containing it (and the
// case ends there: true); without one, r must be accepted.
func expectedRefusal(t *testing.T, what string, r Result, expected string) bool {
	t.Helper()
	if expected != "" {
		if len(r.Errors) == 0 || !strings.Contains(r.Errors.ToAggregate().Error(), expected) {
			t.Fatalf("%s: got %v, want an error containing %q", what, r.Errors.ToAggregate(), expected)
		}
		return true
	}
	if len(r.Errors) > 0 {
		t.Fatalf("%s refused: %v", what, r.Errors.ToAggregate())
	}
	return false
}
