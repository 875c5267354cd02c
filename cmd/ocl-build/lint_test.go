package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/rules"
)

func repoFile(p string) string { return filepath.Join("..", "..", p) }

func TestLintExampleIsClean(t *testing.T) {
	code, out, errOut := runCLI(t, "", "lint", repoFile("Containerfile.example"))
	if code != exitOK || out != "" || errOut != "" {
		t.Fatalf("code=%d stdout=%q stderr=%q", code, out, errOut)
	}
}

func TestLintFindingsExitAndFormat(t *testing.T) {
	f := repoFile("testdata/containerfiles/bad/sh-c.Containerfile")
	code, out, _ := runCLI(t, "", "lint", f)
	want := f + ":3:12: error OCL106: `dnf install` without -y/--assumeyes would prompt, and the build has no terminal to answer\n"
	if code != exitFindings || out != want {
		t.Fatalf("code=%d out=%q", code, out)
	}
	// Below the threshold: still printed, exit 0.
	if code, _, _ := runCLI(t, "", "lint", "--fail-level", "none", f); code != exitOK {
		t.Fatalf("--fail-level none: code=%d", code)
	}
}

func TestLintFailLevel(t *testing.T) {
	src := "FROM configs\nRUN dnf install -y x && dnf clean all && ostree container commit\n" // OCL210 info only
	for level, want := range map[string]int{"error": exitOK, "warning": exitOK, "info": exitFindings, "none": exitOK} {
		code, out, _ := runCLI(t, src, "lint", "--fail-level", level, "-")
		if code != want || !strings.Contains(out, "<stdin>:1:1: info OCL210") {
			t.Errorf("--fail-level %s: code=%d out=%q", level, code, out)
		}
	}
	if code, _, e := runCLI(t, src, "lint", "--fail-level", "loud", "-"); code != exitInput || !strings.Contains(e, "--fail-level") {
		t.Errorf("bad level: code=%d stderr=%q", code, e)
	}
	// --quiet prints only what fails.
	if code, out, _ := runCLI(t, src, "lint", "--quiet", "-"); code != exitOK || out != "" {
		t.Errorf("--quiet: code=%d out=%q", code, out)
	}
}

func TestLintJSONAndSARIF(t *testing.T) {
	f := repoFile("testdata/containerfiles/mosc/worker.yaml")
	code, out, _ := runCLI(t, "", "lint", "--format", "json", f)
	var js struct {
		Findings []struct {
			File, Rule, Severity string
			Line, Column         int
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != exitFindings || len(js.Findings) != 4 {
		t.Fatalf("json: code=%d err=%v out=%s", code, err, out)
	}
	if js.Findings[0].Line != 13 || js.Findings[0].Column != 13 || js.Findings[2].Rule != "OCL302" {
		t.Fatalf("json findings: %+v", js.Findings)
	}
	code, out, _ = runCLI(t, "", "lint", "--format", "sarif", f)
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct{ RuleID string } `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil || code != exitFindings || sarif.Version != "2.1.0" ||
		len(sarif.Runs[0].Results) != 4 || len(sarif.Runs[0].Tool.Driver.Rules) != len(rules.All()) {
		t.Fatalf("sarif: code=%d err=%v", code, err)
	}
	if code, _, e := runCLI(t, "", "lint", "--format", "xml", f); code != exitInput || !strings.Contains(e, `-o/--output "xml"`) {
		t.Fatalf("bad format: %d %q", code, e)
	}
}

func TestLintList(t *testing.T) {
	code, out, _ := runCLI(t, "", "lint", "--list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != len(rules.All()) || !strings.HasPrefix(lines[0], "OCL100  error") ||
		!strings.Contains(out, "OCL214  info (opt-in)") || !strings.Contains(out, "OCL403  warning") ||
		!strings.Contains(out, "OCL101  retired") || !regexp.MustCompile(`OCL102 +error +on-cluster +the last stage`).MatchString(out) {
		t.Fatalf("code=%d out=\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "lint", "--list", "--format", "json")
	var js struct {
		Rules []struct{ ID, Severity, Help string } `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 || js.Rules[1].ID != "OCL101" || js.Rules[1].Help == "" {
		t.Fatalf("json list: %v %s", err, out)
	}
}

func TestLintBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := make([]byte, 10<<20)
	for i := range big {
		big[i] = 'a'
	}
	cases := map[string]struct {
		path string
		want string
	}{
		"binary":        {write("bin", []byte{0x7f, 'E', 'L', 'F', 0, 1, 2, 3}), ":1: not a text file"},
		"invalid utf8":  {write("utf", []byte("FROM configs\nRUN echo \xff\n")), ":2: not valid UTF-8"},
		"10 MB":         {write("big", big), "file is too large (10485760 bytes"},
		"other kind":    {write("cm.yaml", []byte("apiVersion: v1\nkind: ConfigMap\n")), "no MachineOSConfig in this YAML (found ConfigMap)"},
		"duplicate key": {write("dup.yaml", []byte("apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: a\n  name: b\n")), `dup.yaml:5: malformed YAML: line 5: key "name" already set in map`},
		"missing":       {filepath.Join(dir, "nope"), "nope: no such file or directory"},
		"directory":     {dir, "is a directory"},
	}
	for name, c := range cases {
		code, out, errOut := runCLI(t, "", "lint", c.path)
		if code != exitInput || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, c.want) ||
			!strings.HasPrefix(errOut, "ocl-build: ") || strings.Contains(errOut, "goroutine") {
			t.Errorf("%s: code=%d stdout=%q stderr=%q", name, code, out, errOut)
		}
	}
	// A MachineOSConfig the API server would refuse is a finding (exit 1)
	// at the field's line, as validate reports it, not unreadable input.
	code, out, errOut := runCLI(t, "", "lint", repoFile("testdata/containerfiles/mosc/no-content.yaml"))
	if code != exitFindings || errOut != "" || !strings.Contains(out, `no-content.yaml:9:7: error OCL301: MachineOSConfig "worker": spec.containerFile[0].content: Required value`) {
		t.Errorf("no content: code=%d stdout=%q stderr=%q", code, out, errOut)
	}
	// A bad file among good ones: the good ones are still reported, exit 2.
	code, out, errOut = runCLI(t, "", "lint", repoFile("testdata/containerfiles/bad/sh-c.Containerfile"), filepath.Join(dir, "bin"))
	if code != exitInput || !strings.Contains(out, "OCL106") || !strings.Contains(errOut, "not a text file") {
		t.Errorf("mixed: code=%d out=%q err=%q", code, out, errOut)
	}
	// An empty Containerfile is valid content (the image is the configs
	// stage): exit 0, nothing printed, from a file and from stdin.
	if code, out, e := runCLI(t, "", "lint", write("empty", nil)); code != exitOK || out != "" || e != "" {
		t.Errorf("empty file: code=%d out=%q err=%q", code, out, e)
	}
	if code, out, e := runCLI(t, "", "lint", "-"); code != exitOK || out != "" || e != "" {
		t.Errorf("empty stdin: code=%d out=%q err=%q", code, out, e)
	}
	if code, _, e := runCLI(t, "", "lint"); code != exitInput || !strings.Contains(e, "needs a FILE") {
		t.Errorf("no args: %d %q", code, e)
	}
}

func TestLintConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "lint.yaml")
	if err := os.WriteFile(cfg, []byte("ignored: [OCL106]\noverride: {OCL214: warning}\nfailure-threshold: warning\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", "lint", "--config", cfg, repoFile("Containerfile.example"))
	// OCL214 is switched on by its override and raised to warning, which fails.
	if code != exitFindings || !strings.Contains(out, "warning OCL214: installed without a version: autofs, libsss_autofs, openldap-clients") {
		t.Fatalf("code=%d out=%q", code, out)
	}
	code, out, _ = runCLI(t, "", "lint", "--config", cfg, repoFile("testdata/containerfiles/bad/sh-c.Containerfile"))
	if code != exitFindings || strings.Contains(out, "OCL106") || !strings.Contains(out, "OCL214") {
		t.Fatalf("ignored rule: code=%d out=%q", code, out)
	}
	// The flag beats the file's failure-threshold.
	if code, _, _ := runCLI(t, "", "lint", "--config", cfg, "--fail-level", "error", repoFile("Containerfile.example")); code != exitOK {
		t.Fatalf("flag over file: code=%d", code)
	}
	_ = os.WriteFile(cfg, []byte("ignored: [nope]\n"), 0o644)
	if code, _, e := runCLI(t, "", "lint", "--config", cfg, repoFile("Containerfile.example")); code != exitInput || !strings.Contains(e, cfg+": line 1") {
		t.Fatalf("bad config: code=%d stderr=%q", code, e)
	}
	// Found in the working directory without --config.
	wd, _ := os.Getwd()
	abs, _ := filepath.Abs(repoFile("testdata/containerfiles/bad/sh-c.Containerfile"))
	_ = os.WriteFile(filepath.Join(dir, ".ocl-build.yaml"), []byte("ignored: [OCL106]\n"), 0o644)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if code, out, _ := runCLI(t, "", "lint", abs); code != exitOK || out != "" {
		t.Fatalf("cwd config: code=%d out=%q", code, out)
	}
}

func TestLintEnableUnknownRule(t *testing.T) {
	code, _, e := runCLI(t, "", "lint", "--enable", "OCL999", repoFile("Containerfile.example"))
	if code != exitInput || !strings.Contains(e, "OCL999") {
		t.Fatalf("code=%d stderr=%q", code, e)
	}
}

// --target and --openshift-version reach the rules: an out-of-cluster file
// is clean as what it is and fails the on-cluster contract; pcs is the
// two-node-ha extension, and a version before 4.19 is refused.
func TestLintTargetAndVersion(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "Containerfile")
	if err := os.WriteFile(f, []byte("FROM quay.io/openshift-release-dev/ocp-v4.0-art-dev:4.19\nCOPY motd /etc/motd\nRUN dnf install -y pcs && dnf clean all && ostree container commit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, e := runCLI(t, "", "lint", f); code != exitOK || strings.Contains(out, "OCL102") || !strings.Contains(out, "OCL211") || e != "" {
		t.Errorf("auto: code=%d out=%q err=%q", code, out, e)
	}
	if code, out, _ := runCLI(t, "", "lint", "--target", "on-cluster", f); code != exitFindings || !strings.Contains(out, "OCL102") || !strings.Contains(out, "OCL104") {
		t.Errorf("on-cluster: code=%d out=%q", code, out)
	}
	if code, out, _ := runCLI(t, "", "lint", "--openshift-version", "4.19", f); code != exitOK || !strings.Contains(out, `"two-node-ha" (OpenShift 4.19)`) {
		t.Errorf("4.19: code=%d out=%q", code, out)
	}
	if code, _, e := runCLI(t, "", "lint", "--openshift-version", "4.18", f); code != exitInput || !strings.Contains(e, "4.18 is not supported") {
		t.Errorf("4.18: code=%d err=%q", code, e)
	}
	if code, _, e := runCLI(t, "", "lint", "--target", "cluster", f); code != exitInput || !strings.Contains(e, "--target") {
		t.Errorf("bad target: code=%d err=%q", code, e)
	}
	cfg := filepath.Join(dir, "cfg.yaml")
	if err := os.WriteFile(cfg, []byte("target: on-cluster\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "", "lint", "--config", cfg, f); code != exitFindings || !strings.Contains(out, "OCL102") {
		t.Errorf("config target: code=%d out=%q", code, out)
	}
	if err := os.WriteFile(cfg, []byte("target: nowhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, e := runCLI(t, "", "lint", "--config", cfg, f); code != exitInput || !strings.Contains(e, "line 1: target") {
		t.Errorf("bad config target: code=%d err=%q", code, e)
	}
}
