package containerfile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
	"github.com/ocl-build/ocl-build/pkg/rules"
)

const repoRoot = "../.."

// The documented example must be clean: no finding at all by default.
func TestContainerfileExampleIsClean(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "Containerfile.example"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := LintFile("Containerfile.example", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 0 {
		t.Fatalf("Containerfile.example has findings:\n%s", dump(fs))
	}
	// With the opt-in rule on, the three unversioned packages are one info.
	fs, _ = LintFile("Containerfile.example", data, allOn)
	if len(fs) != 1 || fs[0].Rule != rules.OCL214.ID || fs[0].Line != 3 ||
		!strings.Contains(fs[0].Message, "autofs, libsss_autofs, openldap-clients") {
		t.Fatalf("with OCL214 on:\n%s", dump(fs))
	}
}

// testdata/containerfiles/good has no error or warning; bad has at least one error.
func TestExamples(t *testing.T) {
	for _, dir := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/containerfiles", dir, "*"))
		if len(files) == 0 {
			t.Fatalf("no examples in %s", dir)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := LintFile(f, data, Options{})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			worst := findings.SeverityNone
			for _, x := range fs {
				worst = max(worst, x.Severity)
			}
			if dir == "good" && worst >= findings.SeverityWarning {
				t.Errorf("%s should be clean:\n%s", f, dump(fs))
			}
			if dir == "bad" && worst < findings.SeverityError {
				t.Errorf("%s should have errors:\n%s", f, dump(fs))
			}
		}
	}
}

func TestEveryContainerfileRuleFiresOnBadExamples(t *testing.T) {
	seen := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/containerfiles/bad/*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fs, err := LintFile(f, data, allOn)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range fs {
			seen[x.Rule] = true
		}
	}
	for _, r := range rules.Of(rules.Containerfile) {
		if !seen[r.ID] && r.ID != rules.OCL103.ID { // OCL103 needs 4 KiB: its own table covers it
			t.Errorf("no bad example triggers %s", r.ID)
		}
	}
}

func TestMachineOSConfigPositions(t *testing.T) {
	path := filepath.Join(repoRoot, "testdata/containerfiles/mosc/worker.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := LintFile("worker.yaml", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type at struct {
		rule      string
		line, col int
	}
	var got []at
	for _, f := range fs {
		got = append(got, at{f.Rule, f.Line, f.Column})
	}
	want := []at{
		{rules.OCL106.ID, 13, 13}, // literal block: "        RUN dnf install" -> dnf at column 13
		{rules.OCL202.ID, 13, 13},
		{rules.OCL302.ID, 29, 3},  // the containerFile key of the second object
		{rules.OCL211.ID, 31, 59}, // inside a double-quoted one-line scalar
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("positions:\n got %v\nwant %v\n%s", got, want, dump(fs))
	}
}

func TestYAMLScalarStyles(t *testing.T) {
	cases := map[string]struct {
		yaml      string
		line, col int
	}{
		"literal":       {"kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: |\n      FROM configs AS final\n      RUN yum remove foo\n", 6, 11},
		"literal keep":  {"kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: |+\n\n      FROM configs AS final\n      RUN yum remove foo\n", 7, 11},
		"folded":        {"kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: >\n      FROM configs AS final\n\n      RUN yum remove foo\n", 7, 11},
		"single quoted": {"kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: 'FROM configs AS final\n\n      RUN yum remove foo'\n", 6, 11},
		"double quoted": {"kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: \"FROM configs AS final\\nRUN yum remove foo\"\n", 4, 42},
		"json":          {`{"kind":"MachineOSConfig","spec":{"containerFile":[{"content":"FROM configs AS final\nRUN yum remove foo"}]}}`, 1, 91},
		"list":          {"kind: List\nitems:\n- kind: MachineOSConfig\n  spec:\n    containerFile:\n    - content: |\n        FROM configs AS final\n        RUN yum remove foo\n", 8, 13},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			name := "m.yaml"
			if strings.HasPrefix(c.yaml, "{") {
				name = "m.json"
			}
			fs, err := LintFile(name, []byte(c.yaml), Options{})
			if err != nil {
				t.Fatal(err)
			}
			wantAt(t, fs, rules.OCL106.ID, c.line, c.col)
		})
	}
}

func TestBadInput(t *testing.T) {
	big := []byte("FROM configs AS final\n" + strings.Repeat("# padding\n", 1100000))
	cases := []struct {
		name, file string
		data       []byte
		want       string // in the one-line message
		line       int
	}{
		{"binary", "Containerfile", []byte("\x7fELF\x02\x01\x01\x00\x00"), "not a text file", 1},
		{"invalid utf-8", "Containerfile", []byte("FROM configs AS final\nRUN echo \xff\xfe\n"), "not valid UTF-8", 2},
		{"10 MB", "Containerfile", big, "too large", 0},
		{"other kind", "cm.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), "no MachineOSConfig in this YAML (found ConfigMap)", 0},
		{"yaml without kind", "x.yaml", []byte("a: 1\n"), "kind: missing: every Kubernetes object needs apiVersion and kind", 1},
		{"broken yaml", "x.yaml", []byte("kind: MachineOSConfig\nspec: [\n"), "malformed YAML", 2},
		{"duplicate key", "m.yaml", []byte("apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: a\n  name: b\n"), `key "name" already set in map`, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := LintFile(c.file, c.data, Options{})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want *InputError, got %v (findings %v)", err, fs)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) || !strings.HasPrefix(msg, c.file) || strings.Contains(msg, "\n") || ie.Line != c.line {
				t.Fatalf("message %q (line %d), want %q at line %d", msg, ie.Line, c.want, c.line)
			}
		})
	}
}

// What the API server refuses in a MachineOSConfig is a finding of the
// chosen version's CRD (OCL301) at the field's line, as validate reports it,
// not unreadable input.
func TestMachineOSConfigSchemaFindings(t *testing.T) {
	const head = "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: worker\n"
	const rest = "  machineConfigPool: {name: worker}\n  imageBuilder: {imageBuilderType: Job}\n  renderedImagePushSecret: {name: s}\n  renderedImagePushSpec: quay.io/a/b:c\n"
	cases := []struct {
		name, yaml, want string
		line             int
	}{
		{"content missing", head + "spec:\n  containerFile:\n  - containerfileArch: NoArch\n" + rest, "spec.containerFile[0].content: Required value", 7},
		{"content not a string", head + "spec:\n  containerFile:\n  - content: [a]\n" + rest, "spec.containerFile[0].content: Invalid value", 7},
		{"no spec", head, "spec: Required value", 1},
		{"no apiVersion", "kind: MachineOSConfig\nmetadata: {name: w}\n", "apiVersion is missing: want machineconfiguration.openshift.io/v1", 1},
		{"v1alpha1", "apiVersion: machineconfiguration.openshift.io/v1alpha1\nkind: MachineOSConfig\nspec:\n  buildInputs: {}\n", "move spec.buildInputs.containerFile to spec.containerFile", 1},
		{"name apart from pool", strings.Replace(head, "name: worker", "name: other", 1) + "spec:\n" + rest, "MachineOSConfig name must match the referenced MachineConfigPool", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := LintFile("m.yaml", []byte(c.yaml), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Rule == rules.OCL301.ID && f.Severity == findings.SeverityError && f.Line == c.line && strings.Contains(f.Message, c.want) {
					return
				}
			}
			t.Fatalf("no OCL301 error at line %d containing %q:\n%s", c.line, c.want, dump(fs))
		})
	}
	// 4.20's CRD has no name/pool rule: the same object passes there.
	y := strings.Replace(head, "name: worker", "name: other", 1) + "spec:\n" + rest
	p420 := ocpversion.MustLookup("4.20")
	fs, err := LintFile("m.yaml", []byte(y), Options{Profile: &p420})
	if err != nil || len(fs) != 0 {
		t.Fatalf("4.20: %v %s", err, dump(fs))
	}
}

func TestIsYAML(t *testing.T) {
	for src, want := range map[string]bool{
		"FROM configs AS final\n":                    false,
		"# comment\nfrom configs\n":                  false,
		"ARG X=1\nFROM configs\n":                    false,
		"apiVersion: v1\nkind: x\n":                  true,
		"---\nkind: MachineOSConfig\n":               true,
		"# a comment\nkind: MachineOSConfig\n":       true,
		"- a\n":                                      true,
		`{"kind":"MachineOSConfig"}`:                 true,
		"hello world\n":                              false,
		"RUN: x\n":                                   true,
		"\ufeffFROM configs AS final\n":              false,
		"# escape=`\nFROM configs AS final\nRUN a\n": false,
	} {
		if got := IsYAML("input", []byte(src)); got != want {
			t.Errorf("IsYAML(%q) = %v, want %v", src, got, want)
		}
	}
	if !IsYAML("mosc.yml", []byte("FROM x")) {
		t.Error("the .yml extension decides")
	}
}

func TestPragmas(t *testing.T) {
	src := `# ocl-build global ignore=OCL210
FROM configs AS last
# ocl-build ignore=OCL202, OCL106   (vendor repo, no cache)
RUN dnf install x && \
    ostree container commit
RUN dnf install y && ostree container commit
`
	fs, err := LintContent("Containerfile", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule+"@"+strconv.Itoa(f.Line))
	}
	want := []string{"OCL212@4", "OCL106@6", "OCL202@6"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	fs, _ = LintContent("Containerfile", "# ocl-build global ignore=all\nRUN dnf install x\n", Options{})
	if len(fs) != 0 {
		t.Fatalf("ignore=all left %v", fs)
	}
}

func TestInstalledPackages(t *testing.T) {
	src := `FROM registry.example.com/ubi9 AS builder
RUN dnf install -y gcc make
FROM configs AS base
RUN dnf install -y autofs 'libsss_autofs >= 2.9' && dnf clean all
FROM base AS final
RUN sh -c 'microdnf install openldap-clients autofs' && \
    rpm-ostree install tree && \
    dnf -y install /tmp/local.rpm @core $EXTRA && \
    dnf -y group install "Development Tools" && \
    dnf remove -y nano && \
    ostree container commit
`
	got, err := InstalledPackages(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"autofs", "libsss_autofs", "openldap-clients", "tree"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	ex, _ := os.ReadFile(filepath.Join(repoRoot, "Containerfile.example"))
	got, err = InstalledPackages(string(ex))
	if err != nil || !reflect.DeepEqual(got, []string{"autofs", "libsss_autofs", "openldap-clients"}) {
		t.Fatalf("example: %v %v", got, err)
	}
	if _, err := InstalledPackages("FROM configs\nRUN <<EOF\nunterminated\n"); err == nil {
		t.Fatal("unparsable content should be an error")
	}
}

// The checks and the list agree: every Containerfile rule in rules.All has
// one check here (retired ones none), and every check belongs to a rule.
func TestChecksMatchTheList(t *testing.T) {
	for _, r := range rules.All() {
		_, has := checks[r.ID]
		want := r.Checker == rules.Containerfile && r.Retired == ""
		if has != want {
			t.Errorf("%s: check registered %v, want %v", r.ID, has, want)
		}
	}
	for id := range checks {
		if _, ok := rules.ByID(id); !ok {
			t.Errorf("check for %s, which is not in rules.All", id)
		}
	}
}

// Every Containerfile rule's page examples do what the page says: Bad fires
// the rule, Good does not, for each target the rule applies to.
func TestRulePageExamples(t *testing.T) {
	for _, r := range rules.Of(rules.Containerfile) {
		for _, tg := range r.Targets {
			opts := Options{Enable: []string{r.ID}, Target: tg}
			if r.Doc.Bad != "" && r.ID != rules.OCL103.ID { // OCL103's example is abbreviated
				fs, err := LintContent("Containerfile", r.Doc.Bad, opts)
				if err != nil || !hasRule(fs, r.ID) {
					t.Errorf("%s (%s): the Bad example does not fire it (%v):\n%s", r.ID, tg, err, dump(fs))
				}
			}
			if r.Doc.Good == "" {
				t.Errorf("%s: no Good example", r.ID)
				continue
			}
			fs, err := LintContent("Containerfile", r.Doc.Good, opts)
			if err != nil || hasRule(fs, r.ID) {
				t.Errorf("%s (%s): the Good example fires it (%v):\n%s", r.ID, tg, err, dump(fs))
			}
		}
	}
}

func hasRule(fs []findings.Finding, id string) bool {
	for _, f := range fs {
		if f.Rule == id {
			return true
		}
	}
	return false
}

// Every finding a rule emits carries the catalogue's severity, a position
// inside the file, and one line of text.
func TestFindingShape(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/containerfiles/*/*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fs, err := LintFile(f, data, allOn)
		if err != nil {
			continue
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, x := range fs {
			r, ok := rules.ByID(x.Rule)
			if !ok || !severityOf(r, x.Severity) || x.Line < 1 || x.Line > lines || x.Column < 1 ||
				strings.Contains(x.Message, "\n") || x.File != f {
				t.Errorf("%s: malformed finding %+v", f, x)
			}
		}
	}
}

// severityOf: s is the rule's severity, or one of its variants'.
func severityOf(r *rules.Rule, s findings.Severity) bool {
	if s == r.SeverityFor(nil) {
		return true
	}
	for _, v := range r.Variants {
		if v.Severity == s {
			return true
		}
	}
	return false
}
