package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/ocl-build/ocl-build/pkg/mco"
)

const renderTD = "../../testdata/render"

func TestRenderCommandMatchesGoldenAndWritesContext(t *testing.T) {
	ctx := filepath.Join(t.TempDir(), "ctx")
	code, out, errOut := runCLI(t, "", "render",
		"--mosc", filepath.Join(renderTD, "mosc.yaml"),
		"--machineconfigs", filepath.Join(renderTD, "machineconfigs"),
		"--osimageurl", filepath.Join(renderTD, "osimageurl.yaml"),
		"--additional-trust-bundle", filepath.Join(renderTD, "bundle.crt"),
		"--context", ctx)
	if code != 0 {
		t.Fatalf("code=%d stderr=%s", code, errOut)
	}
	// The ConfigMap says 4.19.10: the operator's 4.19 template, rendered
	// from the same inputs (pkg/mco/testdata/golden, case "plain").
	sameInstructions(t, out, filepath.Join(goldenTD, "4.19", "plain.containerfile"))
	for _, s := range []string{"OpenShift 4.19 (from machine-config-osimageurl ConfigMap (releaseVersion))\n", "rendered rendered-worker-automount-", "3 MachineConfigs: 00-worker-base, 99-worker-override, 10-automount", "ARM64 containerFile entry is ignored", "image tag on the cluster: worker-automount-"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
	cf, _ := os.ReadFile(filepath.Join(ctx, "Containerfile"))
	ca, _ := os.ReadFile(filepath.Join(ctx, "openshift-config-user-ca-bundle.crt"))
	bundle, _ := os.ReadFile(filepath.Join(renderTD, "bundle.crt"))
	gz, err := os.ReadFile(filepath.Join(ctx, "machineconfig", "machineconfig.json.gz"))
	if err != nil || string(cf) != out || string(ca) != string(bundle) {
		t.Fatalf("context: gz err=%v, Containerfile same=%v, CA same=%v", err, string(cf) == out, string(ca) == string(bundle))
	}
	mc, err := mco.DecodeMachineConfig(gz)
	if err != nil || !strings.Contains(out, "LABEL machineconfig="+mc.Name+"\n") {
		t.Fatalf("decoded %v, err %v", mc, err)
	}
}

const goldenTD = "../../pkg/mco/testdata/golden"

// sameInstructions compares a Containerfile with a golden rendered by the
// operator's template, instruction by instruction (comments and the blank or
// comment lines of heredoc scripts aside), as pkg/mco's golden test does.
func sameInstructions(t *testing.T, got, goldenFile string) {
	t.Helper()
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	norm := func(cf string) []string {
		res, err := parser.Parse(strings.NewReader(cf))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range res.AST.Children {
			s := n.Original
			for _, h := range n.Heredocs {
				for _, l := range strings.Split(h.Content, "\n") {
					if tl := strings.TrimSpace(l); tl != "" && !strings.HasPrefix(tl, "#") {
						s += "\n" + l
					}
				}
			}
			out = append(out, s)
		}
		return out
	}
	if w, g := norm(string(want)), norm(got); !reflect.DeepEqual(w, g) {
		t.Fatalf("render differs from %s:\nwant %q\ngot  %q", goldenFile, w, g)
	}
}

// --openshift-version picks the operator; without it the ConfigMap's
// releaseVersion does; a version before 4.19 is refused.
func TestRenderCommandOpenShiftVersion(t *testing.T) {
	args := []string{"render", "--containerfile", "-", "--machineconfigs", filepath.Join(renderTD, "extensions"),
		"--osimageurl", filepath.Join(renderTD, "osimageurl.yaml")}
	user := "FROM configs AS final\nRUN rpm -q usbguard krb5-workstation\n"
	for v, golden := range map[string]string{"4.20": "4.20", "4.22": "4.22", "4.23": "main"} {
		code, out, errOut := runCLI(t, user, append(args, "--openshift-version", v)...)
		if code != 0 {
			t.Fatalf("%s: code=%d %s", v, code, errOut)
		}
		sameInstructions(t, out, filepath.Join(goldenTD, golden, "extensions.containerfile"))
		// The ConfigMap says 4.19.10: the flag wins, the disagreement is said.
		if !strings.Contains(errOut, "OpenShift "+v+" (from --openshift-version)\n") || !strings.Contains(errOut, "warning: machine-config-osimageurl ConfigMap (releaseVersion) says OpenShift 4.19 but --openshift-version says "+v) {
			t.Errorf("%s: stderr %s", v, errOut)
		}
	}
	code, _, errOut := runCLI(t, user, append(args, "--openshift-version", "9.1")...)
	if code != 0 || !strings.Contains(errOut, "OpenShift 9.1 (from --openshift-version), 5.2 profile") || !strings.Contains(errOut, "warning: OpenShift 9.1 is newer") {
		t.Errorf("9.1: code=%d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, user, append(args, "--openshift-version", "4.18")...)
	if code != 2 || !strings.Contains(errOut, "v1alpha1") {
		t.Errorf("4.18: code=%d %s", code, errOut)
	}
	// No version anywhere: the newest profile, with a warning naming the flag.
	code, _, errOut = runCLI(t, user, "render", "--containerfile", "-", "--base-image", "b", "--extensions-image", "e")
	if code != 0 || !strings.Contains(errOut, "(from default)") || !strings.Contains(errOut, "pass --openshift-version") {
		t.Errorf("default: code=%d %s", code, errOut)
	}
}

func TestRenderCommandQuietAndShowMachineConfig(t *testing.T) {
	code, out, errOut := runCLI(t, "FROM configs\nRUN true\n", "render", "-q",
		"--containerfile", "-", "--base-image", "registry.example/rhcos@sha256:aa",
		"--machineconfigs", filepath.Join(renderTD, "extensions"), "--show", "machineconfig")
	if code != 0 || errOut != "" {
		t.Fatalf("code=%d stderr=%q", code, errOut)
	}
	for _, s := range []string{"kind: MachineConfig", "name: rendered-worker-", "- usbguard", "kernelType: default", "version: 3.5.0"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestRenderCommandBadInputExits2(t *testing.T) {
	inv := filepath.Join(renderTD, "invalid")
	cf := filepath.Join(renderTD, "user.Containerfile")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--base-image", "b"}, "--containerfile FILE or --mosc FILE"},
		{[]string{"--containerfile", cf, "--mosc", "x", "--base-image", "b"}, "not both"},
		{[]string{"--containerfile", cf}, "no base image"},
		{[]string{"--containerfile", cf, "--release", "quay.io/x:4.19"}, "does not pull the release payload"},
		{[]string{"--containerfile", cf, "--base-image", "b", "--osimageurl", "f"}, "one of --base-image, --release or --osimageurl"},
		{[]string{"--containerfile", "/nonexistent/Containerfile", "--base-image", "b"}, "/nonexistent/Containerfile"},
		{[]string{"--containerfile", cf, "--base-image", "b", "--machineconfigs", filepath.Join(inv, "setuid-mode.yaml")}, `setuid-mode.yaml:1: MachineConfig "50-setuid"`},
		{[]string{"--mosc", filepath.Join(renderTD, "osimageurl.yaml"), "--base-image", "b"}, "no MachineOSConfig"},
		{[]string{"--mosc", filepath.Join(renderTD, "mosc.yaml"), "--pool", "worker", "--base-image", "b"}, `is for pool "worker-automount"`},
		{[]string{"--containerfile", cf, "--base-image", "b", "--additional-trust-bundle", cf}, "neither PEM certificates nor a ConfigMap"},
		{[]string{"--containerfile", cf, "--osimageurl", filepath.Join(renderTD, "mosc.yaml")}, "want ConfigMap"},
		{[]string{"--containerfile", cf, "--base-image", "b", "--show", "yaml"}, "--show"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, "", append([]string{"render"}, c.args...)...)
		if code != exitInput || out != "" || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: code=%d stdout=%q stderr=%q, want exit 2 and one line with %q", c.args, code, out, errOut, c.want)
		}
	}
}

func TestRenderCommandContextRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "local"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "render", "--containerfile", filepath.Join(renderTD, "user.Containerfile"), "--base-image", "b", "--context", dir)
	if code != exitInput || !strings.Contains(errOut, "holds local") {
		t.Fatalf("code=%d stderr=%q", code, errOut)
	}
}

func TestRenderCommandMOSCFileWithPoolAndMachineConfigs(t *testing.T) {
	mosc, err := os.ReadFile(filepath.Join(renderTD, "mosc.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := os.ReadFile(filepath.Join(renderTD, "machineconfigs", "pool.yaml"))
	mc, _ := os.ReadFile(filepath.Join(renderTD, "machineconfigs", "10-automount.yaml"))
	other := strings.ReplaceAll(string(mosc), "worker-automount", "infra")
	p := filepath.Join(t.TempDir(), "all.yaml")
	if err := os.WriteFile(p, []byte(string(mosc)+"---\n"+other+"---\n"+string(pool)+"---\n"+string(mc)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "render", "--mosc", p, "--base-image", "b")
	if code != exitInput || !strings.Contains(errOut, "holds 2 MachineOSConfigs (worker-automount, infra); choose one with --pool") {
		t.Fatalf("code=%d stderr=%q", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "render", "--mosc", p, "--pool", "worker-automount", "--base-image", "b",
		"--machineconfigs", filepath.Join(renderTD, "machineconfigs", "00-worker-base.yaml"))
	if code != 0 || !strings.Contains(errOut, "2 MachineConfigs: 00-worker-base, 10-automount") || !strings.Contains(out, "LABEL machineconfigpool=worker-automount\n") {
		t.Fatalf("code=%d stderr=%q", code, errOut)
	}
}
