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
	if len(fs) != 1 || fs[0].Rule != RuleUnversionedPkg || fs[0].Line != 3 ||
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
	for _, want := range []string{RuleNoFrom, RuleNotFromConfigs, RuleCopyContext, RuleReservedStage, RulePromptingPM,
		RuleArgNoDefault, RuleNoCommit, RuleNoClean, RuleOSUpgrade, RuleWritesVar, RuleKernelReplace, RuleNoEffect,
		RuleFinalNonRoot, RuleRemoteCode, RuleSecretName, RuleNotFinal, RuleExtension, RuleMergeRuns, RulePipefail} {
		if !seen[want] {
			t.Errorf("no bad example triggers %s", want)
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
		{RulePromptingPM, 13, 13}, // literal block: "        RUN dnf install" -> dnf at column 13
		{RuleNoClean, 13, 13},
		{RuleNoNoArch, 29, 3},   // the containerFile key of the second object
		{RuleExtension, 31, 59}, // inside a double-quoted one-line scalar
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
			wantAt(t, fs, RulePromptingPM, c.line, c.col)
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
		{"empty", "Containerfile", nil, "file is empty", 0},
		{"blank", "Containerfile", []byte("\n  \n"), "file is empty", 0},
		{"binary", "Containerfile", []byte("\x7fELF\x02\x01\x01\x00\x00"), "not a text file", 1},
		{"invalid utf-8", "Containerfile", []byte("FROM configs AS final\nRUN echo \xff\xfe\n"), "not valid UTF-8", 2},
		{"10 MB", "Containerfile", big, "too large", 0},
		{"other kind", "cm.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), "no MachineOSConfig in this YAML (found ConfigMap)", 0},
		{"yaml without kind", "x.yaml", []byte("a: 1\n"), "no MachineOSConfig", 0},
		{"broken yaml", "x.yaml", []byte("kind: MachineOSConfig\nspec: [\n"), "not valid YAML", 2},
		{"content missing", "m.yaml", []byte("kind: MachineOSConfig\nmetadata:\n  name: worker\nspec:\n  containerFile:\n  - containerfileArch: NoArch\n"), `"worker" spec.containerFile[0] has no content`, 6},
		{"content empty", "m.yaml", []byte("kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: \"\"\n"), "content is empty", 4},
		{"content not a string", "m.yaml", []byte("kind: MachineOSConfig\nspec:\n  containerFile:\n  - content: [a]\n"), "is not a string", 4},
		{"no spec", "m.yaml", []byte("kind: MachineOSConfig\nmetadata: {name: w}\n"), "has no spec", 1},
		{"v1alpha1", "m.yaml", []byte("apiVersion: machineconfiguration.openshift.io/v1alpha1\nkind: MachineOSConfig\nspec:\n  buildInputs: {}\n"), "apiVersion machineconfiguration.openshift.io/v1alpha1", 1},
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

func TestRulesCatalogue(t *testing.T) {
	rs := Rules()
	ids := map[string]bool{}
	for i, r := range rs {
		if ids[r.ID] || r.Short == "" || r.Help == "" || r.Severity < findings.SeverityInfo {
			t.Errorf("bad catalogue entry %+v", r)
		}
		if i > 0 && rs[i-1].ID >= r.ID {
			t.Errorf("catalogue out of order at %s", r.ID)
		}
		ids[r.ID] = true
	}
	for _, id := range []string{"OCL100", "OCL101", "OCL108", "OCL201", "OCL214", "OCL301", "OCL307", "OCL401", "OCL404"} {
		if !ids[id] {
			t.Errorf("catalogue lacks %s", id)
		}
	}
	rs[0].ID = "changed"
	if Rules()[0].ID != "OCL100" {
		t.Error("Rules() must return a copy")
	}
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
			r, ok := ruleByID[x.Rule]
			if !ok || (x.Severity != r.Severity && x.Rule != RuleParse) || x.Line < 1 || x.Line > lines || x.Column < 1 ||
				strings.Contains(x.Message, "\n") || x.File != f {
				t.Errorf("%s: malformed finding %+v", f, x)
			}
		}
	}
}
