package manifests

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/pullsecret"
)

const tdm = "../../testdata/manifests/"

func readAll(t *testing.T, names ...string) []*Document {
	t.Helper()
	var docs []*Document
	for _, n := range names {
		d, err := ReadFile(tdm + n)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d...)
	}
	return docs
}

func ruleSet(fs []findings.Finding) map[string][]findings.Finding {
	m := map[string][]findings.Finding{}
	for _, f := range fs {
		m[f.Rule] = append(m[f.Rule], f)
	}
	return m
}

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestSeedObjectsCheck(t *testing.T) {
	docs := readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml")
	if len(docs) != 4 {
		t.Fatalf("read %d documents", len(docs))
	}
	fs, err := Check(docs, CheckOptions{Now: now, BaseImage: "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:abc"})
	if err != nil {
		t.Fatal(err)
	}
	got := ruleSet(fs)
	// The seed pushes to :latest, which is fine: the cluster replaces the
	// tag (OCL306 is retired). Its pool has `annotation:` where ObjectMeta
	// has `annotations:` (an unknown field, OCL301 warning).
	if len(got["OCL306"]) != 0 {
		t.Errorf("OCL306 is retired: %+v", got["OCL306"])
	}
	if len(got["OCL301"]) != 1 || got["OCL301"][0].Severity != findings.SeverityWarning || !strings.Contains(got["OCL301"][0].Message, `"metadata.annotation"`) || got["OCL301"][0].Line != 5 {
		t.Errorf("OCL301: %+v", got["OCL301"])
	}
	if len(fs) != 1 {
		t.Errorf("unexpected findings: %+v", fs)
	}
}

func TestCrossObjectFailures(t *testing.T) {
	pushOnly := readAll(t, "seed-secrets.yaml")[:1] // push-secret only
	cases := []struct {
		name  string
		docs  []*Document
		opts  CheckOptions
		rule  string
		sev   findings.Severity
		line  int
		inMsg string
	}{
		{"arch only", readAll(t, "arch-only.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml"), CheckOptions{}, "OCL302", findings.SeverityError, 9, "have AMD64"},
		{"pool missing", readAll(t, "seed-machineosconfig.yaml", "seed-secrets.yaml"), CheckOptions{}, "OCL307", findings.SeverityInfo, 8, "not among the given documents: its selectors were not checked"},
		{"pool wrong selector", readAll(t, "seed-machineosconfig.yaml", "pool-wrong-selector.yaml", "seed-secrets.yaml"), CheckOptions{}, "OCL307", findings.SeverityError, 11, "does not select MachineConfigs labelled machineconfiguration.openshift.io/role=worker-automount"},
		{"pool without worker", readAll(t, "seed-machineosconfig.yaml", "pool-without-worker.yaml", "seed-secrets.yaml"), CheckOptions{}, "OCL307", findings.SeverityWarning, 11, "does not select the worker role's MachineConfigs"},
		{"duplicate", readAll(t, "seed-machineosconfig.yaml", "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml"), CheckOptions{}, "OCL301", findings.SeverityError, 5, "is given twice"},
		// push-secret has only the internal registry: as a base pull secret it misses quay.io.
		{"base pull not covered", append(readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml"), withName(t, pushOnly[0], "pull-and-push-secret"), pushOnly[0]), CheckOptions{}, "OCL304", findings.SeverityError, 22, "no credential for quay.io"},
		{"push not covered", append(readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml"), pullOnlyAs(t, "push-secret")...), CheckOptions{}, "OCL303", findings.SeverityError, 25, "has no credential for image-registry.openshift-image-registry.svc:5000"},
		{"token expires soon", readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml"), CheckOptions{Now: time.Date(2035, 12, 20, 0, 0, 0, 0, time.UTC)}, "OCL305", findings.SeverityWarning, 10, "expires on 2036-01-01"},
		{"token expired", readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml"), CheckOptions{Now: time.Date(2036, 2, 1, 0, 0, 0, 0, time.UTC)}, "OCL305", findings.SeverityError, 10, "expired on 2036-01-01"},
		{"content too long", readAll(t, "bad-content-too-long.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml"), CheckOptions{}, "OCL301", findings.SeverityError, 10, "spec.containerFile[0].content: Too long: may not be more than 4096 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.opts.Now.IsZero() {
				c.opts.Now = now
			}
			fs, err := Check(c.docs, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.rule == "" {
				return
			}
			for _, f := range ruleSet(fs)[c.rule] {
				if f.Severity == c.sev && f.Line == c.line && strings.Contains(f.Message, c.inMsg) {
					return
				}
			}
			t.Fatalf("no %s %s at line %d containing %q in %+v", c.sev, c.rule, c.line, c.inMsg, fs)
		})
	}
}

// pullOnlyAs is the global pull secret (no internal registry) as a Secret
// manifest with the given name.
func pullOnlyAs(t *testing.T, name string) []*Document {
	t.Helper()
	c, err := pullsecret.ReadFile("../../testdata/pullsecrets/pull-secret.json")
	if err != nil {
		t.Fatal(err)
	}
	y, err := c.SecretManifest(name, "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDocuments("pull.yaml", y)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func withName(t *testing.T, d *Document, name string) *Document {
	t.Helper()
	nd := *d
	nd.Name = name
	return &nd
}

func TestBadInputsAreInputErrors(t *testing.T) {
	for name, want := range map[string]string{
		"bad-malformed.yaml": ":4: malformed YAML: line 4: did not find expected key",
	} {
		_, err := ReadFile(tdm + name)
		if err == nil || !IsInputError(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an InputError containing %q", name, err, want)
		}
	}
	for name, want := range map[string]string{
		"bad-secret-auth.yaml": `:8: data[.dockerconfigjson].auths["quay.io"].auth: is not base64`,
	} {
		docs, err := ReadFile(tdm + name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Check(docs, CheckOptions{})
		if err == nil || !IsInputError(err) || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), tdm+name+":") {
			t.Errorf("%s: %v, want an InputError containing %q", name, err, want)
		}
	}
}

// Kinds ocl-build does not check (a ConfigMap, an Opaque Secret in a dump)
// are skipped with the reason, not refused; an Opaque Secret that a
// MachineOSConfig names is an error finding.
func TestOtherKindsSkipped(t *testing.T) {
	for name, want := range map[string]string{
		"bad-unknown-kind.yaml": tdm + `bad-unknown-kind.yaml:1: v1 ConfigMap "machine-config-osimageurl" skipped: ocl-build checks`,
		"bad-secret-type.yaml":  tdm + `bad-secret-type.yaml:1: v1 Secret "push-secret" skipped: type Opaque is not a pull secret`,
	} {
		docs := readAll(t, name)
		keep, skipped := Select(docs)
		if len(keep) != 0 || len(skipped) != 1 || !strings.HasPrefix(skipped[0].String(), want) {
			t.Errorf("%s: kept %d, skipped %v; want %q", name, len(keep), skipped, want)
		}
		if fs, err := Check(docs, CheckOptions{Now: now}); err != nil || len(fs) != 0 {
			t.Errorf("%s alone: %v %v", name, fs, err)
		}
	}
	docs := readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml", "bad-secret-type.yaml")
	fs, err := Check(docs, CheckOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Rule == "OCL303" && f.Severity == findings.SeverityError && f.File == tdm+"bad-secret-type.yaml" && f.Line == 6 && strings.Contains(f.Message, `has type "Opaque"`) {
			return
		}
	}
	t.Errorf("named Opaque push secret: no OCL303 error at its type: %+v", fs)
}

func TestEmbeddedLintLinesMapToYAML(t *testing.T) {
	docs := readAll(t, "seed-machineosconfig.yaml")
	var seen string
	var line2 int
	lint := func(file, content string, lineOf func(int) int) ([]findings.Finding, error) {
		seen, line2 = content, lineOf(2)
		// Point at the "RUN" instruction, line 2 column 1 of the content.
		return []findings.Finding{{Line: 2, Column: 1, Rule: "OCL214", Severity: findings.SeverityInfo, Message: "x"}}, nil
	}
	fs, err := Check(docs, CheckOptions{Lint: lint, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(seen, "FROM configs AS final\nRUN dnf install -y") {
		t.Fatalf("lint got %q", seen)
	}
	for _, f := range fs {
		if f.Rule == "OCL214" {
			lines := strings.Split(string(must(os.ReadFile(tdm+"seed-machineosconfig.yaml"))), "\n")
			if f.Line != 12 || f.Column != 7 || line2 != 12 || !strings.HasPrefix(lines[f.Line-1][f.Column-1:], "RUN dnf") {
				t.Fatalf("mapped to %d:%d", f.Line, f.Column)
			}
			return
		}
	}
	t.Fatal("lint finding lost")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestBuildersValidate(t *testing.T) {
	m := NewMachineOSConfig(MachineOSConfigOptions{Pool: "infra-x", PushSpec: "quay.io/acme/os:v1", PushSecret: "push", Containerfile: "FROM configs AS final\nRUN true"})
	p := NewMachineConfigPool("infra-x")
	y, err := Marshal(m, p)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ReadDocuments("gen.yaml", y)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Check(docs, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Severity >= findings.SeverityWarning {
			t.Errorf("generated objects: %+v", f)
		}
	}
	if strings.Contains(string(y), "creationTimestamp") || strings.Contains(string(y), "\nstatus:") || strings.Contains(string(y), " configuration:") {
		t.Errorf("server fields written:\n%s", y)
	}
	// A name the CRD refuses is caught.
	bad := NewMachineOSConfig(MachineOSConfigOptions{Pool: "Bad_Name", PushSpec: "quay.io/acme/os", PushSecret: "push"})
	v, _ := DefaultValidator()
	res, err := v.Validate(toMap(t, bad))
	if err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprint(res.Errors)
	for _, want := range []string{"metadata.name: Invalid value", "spec.renderedImagePushSpec: Invalid value", "spec.machineConfigPool.name"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in %s", want, msg)
		}
	}
}

func toMap(t *testing.T, o any) map[string]any {
	y, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDocuments("x", y)
	if err != nil {
		t.Fatal(err)
	}
	return d[0].Object
}

func TestReadDocumentsLines(t *testing.T) {
	src := "# comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: machineconfiguration.openshift.io/v1\n  kind: MachineConfigPool\n  metadata:\n    name: a\n...\n---\n\n---\napiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata: {name: b}\n"
	docs, err := ReadDocuments("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Name != "a" || docs[1].Name != "b" {
		t.Fatalf("docs %+v", docs)
	}
	if p := docs[0].Position("metadata.name"); p.Line != 9 {
		t.Errorf("a metadata.name at %+v", p)
	}
	if p := docs[1].Position("metadata.name"); p.Line != 16 {
		t.Errorf("b metadata.name at %+v", p)
	}
	if p := docs[1].Position("spec.machineConfigSelector"); p.Line != 14 {
		t.Errorf("missing field falls back to the document: %+v", p)
	}
}

// FuzzManifestYAML: the reader returns documents or an *InputError and never
// panics; documents it returns validate without panicking.
func FuzzManifestYAML(f *testing.F) {
	for _, n := range []string{"seed-machineosconfig.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml", "bad-malformed.yaml", "arch-only.yaml"} {
		f.Add(must(os.ReadFile(tdm + n)))
	}
	f.Add([]byte("---\n--- a: [\n...\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := ReadDocuments("fuzz.yaml", data)
		if err != nil {
			if !IsInputError(err) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_, _ = Check(docs, CheckOptions{Now: now})
	})
}

func TestSecretNamespace(t *testing.T) {
	base := readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml")
	sec := readAll(t, "seed-secrets.yaml")
	for _, c := range []struct {
		ns   string
		sev  findings.Severity
		want string
	}{
		{"", findings.SeverityWarning, "has no namespace"},
		{"default", findings.SeverityError, `is in namespace "default"`},
	} {
		push := *sec[0]
		push.Namespace = c.ns
		fs, err := Check(append(append([]*Document{}, base...), &push, sec[1]), CheckOptions{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		for _, f := range fs {
			ok = ok || (f.Rule == "OCL303" && f.Severity == c.sev && strings.Contains(f.Message, c.want))
		}
		if !ok {
			t.Errorf("ns %q: %+v", c.ns, fs)
		}
	}
}

func TestTypedDecode(t *testing.T) {
	docs := readAll(t, "seed-machineosconfig.yaml", "seed-machineconfigpool.yaml", "seed-secrets.yaml")
	m, err := MachineOSConfig(docs[0])
	if err != nil || m.Spec.MachineConfigPool.Name != "worker-automount" || len(m.Spec.Containerfile) != 1 || m.Spec.BaseImagePullSecret.Name != "pull-and-push-secret" {
		t.Fatalf("mosc %+v %v", m, err)
	}
	p, err := MachineConfigPool(docs[1])
	if err != nil || !p.Spec.Paused || p.Spec.NodeSelector.MatchLabels["node-role.kubernetes.io/worker-automount"] != "" {
		t.Fatalf("pool %+v %v", p, err)
	}
	s, err := Secret(docs[2])
	if err != nil || len(s.Data[".dockerconfigjson"]) == 0 {
		t.Fatalf("secret %v", err)
	}
	if _, err := MachineOSConfig(docs[1]); err == nil || !IsInputError(err) {
		t.Fatal("a pool decoded as a MachineOSConfig")
	}
}

func TestStatusIgnoredOnCreate(t *testing.T) {
	src := "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfigPool\nmetadata:\n  name: worker\nspec: {}\nstatus:\n  machineCount: 3\n"
	docs, err := ReadDocuments("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Check(docs, CheckOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Severity != findings.SeverityInfo || fs[0].Line != 6 || !strings.Contains(fs[0].Message, "status is ignored") {
		t.Fatalf("%+v", fs)
	}
	v, _ := DefaultValidator()
	res, _ := v.Validate(docs[0].Object)
	if _, ok := res.Object["status"]; ok {
		t.Fatal("status stored on create")
	}
}
