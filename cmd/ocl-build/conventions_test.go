package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

const conventionsContainerfile = "FROM configs AS final\nRUN echo hi\n"

// -o is a format everywhere; every -o has completion; no command takes a
// file through -o any more.
func TestOutputIsAFormatEverywhere(t *testing.T) {
	root := newRootCmd(nil, &bytes.Buffer{}, &bytes.Buffer{})
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if f := c.Flags().Lookup("output"); f != nil {
			n++
			if f.Shorthand != "o" {
				t.Errorf("%s: --output has no -o", c.CommandPath())
			}
			if !strings.HasPrefix(f.Usage, "output format: ") {
				t.Errorf("%s: --output is not a format: %q", c.CommandPath(), f.Usage)
			}
			if _, ok := c.GetFlagCompletionFunc("output"); !ok {
				t.Errorf("%s: -o values do not complete", c.CommandPath())
			}
		}
		// --format survives only as a hidden old name of -o.
		if f := c.Flags().Lookup("format"); f != nil && (!f.Hidden || c.Flags().Lookup("output") == nil) {
			t.Errorf("%s: a visible --format (use addOutputFlag)", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	if n < 10 {
		t.Errorf("only %d commands have -o", n)
	}
}

func TestManifestsOutput(t *testing.T) {
	dir := t.TempDir()
	cf := filepath.Join(dir, "Containerfile")
	os.WriteFile(cf, []byte(conventionsContainerfile), 0o644)
	base := []string{"manifests", "--pool", "infra", "--push-secret", "push", "--push-spec", "registry.example/ocl/infra:latest"}

	// The default is a YAML stream on stdout.
	code, out, errOut := runCLI(t, "", append(base, "--containerfile", cf)...)
	var m map[string]any
	if code != 0 || yaml.Unmarshal([]byte(out), &m) != nil || m["kind"] != "MachineOSConfig" {
		t.Fatalf("yaml: code %d\n%s%s", code, out, errOut)
	}
	// -o json is a List, and no file named json appears.
	code, out, errOut = runCLI(t, "", append(base, "--containerfile", cf, "--with-pool", "-o", "json")...)
	var list struct {
		Kind  string
		Items []struct{ Kind string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || list.Kind != "List" || len(list.Items) != 2 || list.Items[1].Kind != "MachineConfigPool" {
		t.Fatalf("json: code %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat("json"); !os.IsNotExist(err) {
		t.Error("-o json wrote a file named json")
	}
	// The Containerfile comes from stdin with -, and is required.
	if code, out, _ := runCLI(t, conventionsContainerfile, append(base, "--containerfile", "-")...); code != 0 || !strings.Contains(out, "RUN echo hi") {
		t.Errorf("--containerfile -: code %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "", base...); code != exitInput || !strings.Contains(errOut, "--containerfile") {
		t.Errorf("no --containerfile: code %d %q", code, errOut)
	}
	// The old spelling -o FILE: refused, naming the new flag; nothing written.
	old := filepath.Join(dir, "layering.yaml")
	code, out, errOut = runCLI(t, "", append(base, "--containerfile", cf, "-o", old)...)
	if code != exitInput || out != "" || !strings.Contains(errOut, "--output-file "+old) {
		t.Errorf("-o FILE: code %d stdout %q stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("-o FILE wrote the file")
	}
	// --output-file writes it; - is stdout, except with credentials.
	if code, _, errOut := runCLI(t, "", append(base, "--containerfile", cf, "--output-file", old)...); code != 0 {
		t.Fatalf("--output-file: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(old); !strings.Contains(string(b), "kind: MachineOSConfig") {
		t.Errorf("--output-file content:\n%s", b)
	}
	if code, out, _ := runCLI(t, "", append(base, "--containerfile", cf, "--output-file", "-")...); code != 0 || !strings.Contains(out, "kind: MachineOSConfig") {
		t.Errorf("--output-file -: %d", code)
	}
	code, out, errOut = runCLI(t, "", append(base, "--containerfile", cf, "--push-secret-file", pullsecretsDir+"push-secret.json", "--output-file", "-")...)
	if code != exitInput || out != "" || !strings.Contains(errOut, "never written to stdout") {
		t.Errorf("credentials to stdout: code %d stdout %q stderr %q", code, out, errOut)
	}
}

func TestSecretMergeOutput(t *testing.T) {
	dir := t.TempDir()
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	in := []string{"secret", "merge", abs(pullsecretsDir + "pull-secret.json"), abs(pullsecretsDir + "push-secret.json")}
	// The old -o - wrote a 0600 file named "-": now refused, naming --output-file.
	t.Chdir(dir)
	for _, old := range []string{"-", "merged.json"} {
		code, out, errOut := runCLI(t, "", append(in, "-o", old)...)
		if code != exitInput || out != "" || !strings.Contains(errOut, "--output-file") {
			t.Errorf("-o %s: code %d stdout %q stderr %q", old, code, out, errOut)
		}
		if _, err := os.Stat(old); !os.IsNotExist(err) {
			t.Errorf("-o %s wrote a file", old)
		}
	}
	if code, out, errOut := runCLI(t, "", append(in, "--output-file", "-")...); code != exitInput || out != "" || !strings.Contains(errOut, "never to stdout") {
		t.Errorf("--output-file -: code %d stdout %q stderr %q", code, out, errOut)
	}
	// A Secret manifest as JSON.
	p := filepath.Join(dir, "secret.json")
	if code, _, errOut := runCLI(t, "", append(in, "--secret", "pull-and-push", "-o", "json", "--output-file", p)...); code != 0 {
		t.Fatalf("-o json: %d %s", code, errOut)
	}
	var sec struct {
		Kind     string
		Metadata struct{ Name string }
	}
	b, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if json.Unmarshal(b, &sec) != nil || sec.Kind != "Secret" || sec.Metadata.Name != "pull-and-push" || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret json (%v):\n%s", fi.Mode(), b)
	}
	if code, _, errOut := runCLI(t, "", append(in, "-o", "yaml", "--output-file", p)...); code != exitInput || !strings.Contains(errOut, "--secret") {
		t.Errorf("-o yaml without --secret: %d %q", code, errOut)
	}
}

// yaml where it fits: findings, secret check, version.
func TestYAMLOutputs(t *testing.T) {
	cf := filepath.Join(t.TempDir(), "Containerfile")
	os.WriteFile(cf, []byte("FROM configs AS final\nCOPY ./x /x\n"), 0o644)
	code, out, _ := runCLI(t, "", "lint", "-o", "yaml", cf)
	var fs struct{ Findings []map[string]any }
	if code != exitFindings || yaml.Unmarshal([]byte(out), &fs) != nil || len(fs.Findings) == 0 || fs.Findings[0]["rule"] != "OCL104" {
		t.Errorf("lint -o yaml: code %d\n%s", code, out)
	}
	// --format is kept as the old name of -o.
	_, viaFormat, _ := runCLI(t, "", "lint", "--format", "json", cf)
	_, viaO, _ := runCLI(t, "", "lint", "-o", "json", cf)
	if viaFormat != viaO || !strings.HasPrefix(viaO, "{") {
		t.Errorf("--format json and -o json differ:\n%s\n%s", viaFormat, viaO)
	}
	code, out, _ = runCLI(t, "", "secret", "check", pullsecretsDir+"pull-secret.json", "-o", "yaml")
	if code != 0 || yaml.Unmarshal([]byte(out), &map[string]any{}) != nil || !strings.Contains(out, "registry: ") {
		t.Errorf("secret check -o yaml: %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	for _, f := range []string{"json", "yaml"} {
		code, out, errOut := runCLI(t, "", "version", "-o", f)
		var vi versionInfo
		if code != 0 || yaml.Unmarshal([]byte(out), &vi) != nil {
			t.Fatalf("version -o %s: %d %s %s", f, code, out, errOut)
		}
		if !strings.HasPrefix(vi.GoVersion, "go1.") || !strings.Contains(vi.Platform, "/") || vi.Version == "" {
			t.Errorf("version -o %s: %+v", f, vi)
		}
		// Test binaries carry the module graph too.
		for _, lib := range []string{"buildah", "containers/image", "containers/storage", "openshift/api"} {
			if !strings.HasPrefix(vi.Libraries[lib], "v") {
				t.Errorf("version -o %s: no %s version: %v", f, lib, vi.Libraries)
			}
		}
	}
	code, out, _ := runCLI(t, "", "--version")
	if code != 0 || !strings.HasPrefix(out, "ocl-build ") || !strings.Contains(out, "commit ") {
		t.Errorf("--version: %d %q", code, out)
	}
}

// Every command refuses a bad --log-level before doing anything.
func TestLogLevelRefusedEverywhere(t *testing.T) {
	root := newRootCmd(nil, &bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" || c.Runnable() == false {
			continue
		}
		// Whatever arguments the command takes, the flag is refused first.
		var code int
		var out, errOut string
		for _, args := range [][]string{nil, {"x"}, {"x", "y"}} {
			code, out, errOut = runCLI(t, "", append([]string{c.Name(), "--log-level", "bogus"}, args...)...)
			if !strings.Contains(errOut, "arg(s)") {
				break
			}
		}
		if code != exitInput || out != "" || !strings.Contains(errOut, `--log-level "bogus"`) {
			t.Errorf("%s --log-level bogus: code %d stdout %q stderr %q", c.Name(), code, out, errOut)
		}
	}
}

// Run as a kubectl or oc plugin, help says so.
func TestPluginName(t *testing.T) {
	defer func(f func() string) { progName = f }(progName)
	for prog, want := range map[string]string{"kubectl-ocl_build": "kubectl ocl-build", "oc-ocl_build": "oc ocl-build", "ocl-build": "ocl-build"} {
		progName = func() string { return prog }
		code, out, _ := runCLI(t, "", "lint", "--help")
		if code != 0 || !strings.Contains(out, "\n  "+want+" lint [FILE|-]... [flags]") || !strings.Contains(out, "| "+want+" lint -o sarif -") {
			t.Errorf("%s: code %d\n%s", prog, code, out)
		}
		if want != "ocl-build" && strings.Contains(out, "\n  ocl-build ") {
			t.Errorf("%s: an example still says ocl-build:\n%s", prog, out)
		}
	}
}

func TestValueCompletion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "build", "--storage-driver", ""}, []string{"overlay", "vfs"}},
		{[]string{"__complete", "rpmdiff", "-o", ""}, []string{"text", "json", "markdown", "yaml"}},
		{[]string{"__complete", "lint", "--enable", ""}, []string{"OCL214\t"}},
		{[]string{"__complete", "build", "--mosc", "../../testdata/manifests/seed-machineosconfig.yaml", "--pool", ""}, []string{"worker-automount"}},
		{[]string{"__complete", "version", "--log-level", ""}, []string{"debug", "error"}},
		{[]string{"__complete", "check", "--openshift-version", ""}, []string{"4.19\n", "4.22\n"}},
	} {
		code, out, _ := runCLI(t, "", c.args...)
		for _, w := range c.want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("%v: code %d, lacks %q:\n%s", c.args, code, w, out)
			}
		}
	}
}

// The help's value names are words, not a shell command taken from backticks.
func TestHelpValueNames(t *testing.T) {
	_, out, _ := runCLI(t, "", "build", "--help")
	if strings.Contains(out, "--machineconfigs oc get") || !strings.Contains(out, "--machineconfigs strings") {
		t.Errorf("--machineconfigs value name:\n%s", out)
	}
	_, out, _ = runCLI(t, "", "manifests", "--help")
	if strings.Contains(out, "Containerfile.example") {
		t.Error("manifests still defaults --containerfile to Containerfile.example")
	}
}

// make docs: a man page per command, from the same commands as --help.
func TestManPagesGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man")
	if code, _, errOut := runCLI(t, "", "__gendocs", dir); code != 0 {
		t.Fatalf("__gendocs: %d %s", code, errOut)
	}
	for page, want := range map[string]string{
		"ocl-build.1":              `.TH "OCL-BUILD" "1"`,
		"ocl-build-build.1":        `\fB--storage-driver\fP=`,
		"ocl-build-secret-merge.1": `\fB--output-file\fP=""`,
		"ocl-build-manifests.1":    `\fB-o\fP, \fB--output\fP="yaml"`,
	} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q (%v)", page, want, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), "__gendocs") {
			t.Errorf("the hidden generator has a page: %s", e.Name())
		}
	}
	if len(ents) < 15 {
		t.Errorf("only %d man pages", len(ents))
	}
}

// The libraries' own log lines (a "level=error … layer not known" after
// Ctrl-C) reach stderr only when --log-level asks for them.
func TestLibraryLogsOnlyWhenAsked(t *testing.T) {
	defer logrus.SetOutput(os.Stderr)
	var quiet, asked bytes.Buffer
	if code := run([]string{"version"}, strings.NewReader(""), &bytes.Buffer{}, &quiet); code != 0 {
		t.Fatal(code)
	}
	logrus.Error("layer not known")
	if quiet.Len() != 0 {
		t.Errorf("a library log line without --log-level: %q", quiet.String())
	}
	if code := run([]string{"--log-level", "error", "version"}, strings.NewReader(""), &bytes.Buffer{}, &asked); code != 0 {
		t.Fatal(code)
	}
	logrus.Error("layer not known")
	logrus.Warn("below the level")
	if !strings.Contains(asked.String(), "level=error") || !strings.Contains(asked.String(), "layer not known") || strings.Contains(asked.String(), "below the level") {
		t.Errorf("--log-level error: %q", asked.String())
	}
}
