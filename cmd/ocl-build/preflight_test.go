package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"github.com/ocl-build/ocl-build/pkg/build"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/manifests"
	"github.com/ocl-build/ocl-build/pkg/preflight"
)

func pfReadReport(t *testing.T, path string) *preflight.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r preflight.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v\n%s", path, err, b)
	}
	return &r
}

func pfDirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// Flag and input errors exit 2 before any work; lint errors stop before
// the build (no registry is contacted: the base image does not exist).
func TestPreflightInputsAndLintStop(t *testing.T) {
	dir := t.TempDir()
	cf := bldWriteFile(t, dir, "Containerfile", "FROM configs AS final\nCOPY ./motd /etc/motd\n")
	base := []string{"preflight", "--containerfile", cf, "--base-image", "127.0.0.1:1/none/rhcos:x"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{"--fallback"}, "--fallback needs --push"},
		{[]string{"--format", "xml"}, `-o/--output "xml"`},
		{[]string{"--manifests-dir", dir}, "needs a push spec"},
		{[]string{"--with-secrets", "--push", "127.0.0.1:1/x/y:z"}, "--with-secrets needs --manifests-dir"},
	} {
		code, _, errOut := runCLI(t, "", append(append([]string{}, base...), tc.extra...)...)
		if code != exitInput || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: code %d stderr %q", tc.extra, code, errOut)
		}
	}
	report := filepath.Join(dir, "report.json")
	md := filepath.Join(dir, "out")
	code, out, errOut := runCLI(t, "", append(append([]string{}, base...), "--report", report, "--format", "markdown",
		"--push", "127.0.0.1:1/x/y:z", "--manifests-dir", md)...)
	if code != exitFindings {
		t.Fatalf("lint error: code %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "| error | OCL104 |") || !strings.Contains(out, "Stopped:") {
		t.Errorf("markdown summary:\n%s", out)
	}
	r := pfReadReport(t, report)
	if r.SchemaVersion != preflight.SchemaVersion || r.Status != preflight.StatusFindings || r.Build != nil || len(r.Lint) == 0 || r.Lint[0].Rule != "OCL104" || r.Lint[0].Line != 2 {
		t.Errorf("report: %+v", r)
	}
	if names := pfDirEntries(t, md); len(names) != 0 {
		t.Errorf("manifests written after lint errors: %v", names)
	}
}

// With --mosc, lint findings carry the YAML file's own lines; a config
// that ignores the rule lets the run go on (to the unreachable base image:
// exit 2, naming it).
func TestPreflightMOSCLinesAndConfig(t *testing.T) {
	dir := t.TempDir()
	mosc := bldWriteFile(t, dir, "mosc.yaml", testutil.MachineOSConfigYAML("worker", "registry.example.com/x/y:v1", "FROM configs AS final\nCOPY ./motd /etc/motd\n"))
	report := filepath.Join(dir, "r.json")
	args := []string{"preflight", "--mosc", mosc, "--base-image", "127.0.0.1:1/none/rhcos:x", "--report", report}
	code, _, errOut := runCLI(t, "", args...)
	r := pfReadReport(t, report)
	if code != exitFindings || len(r.Lint) == 0 || r.Lint[0].Rule != "OCL104" || r.Lint[0].File != mosc || r.Lint[0].Line != testutil.MOSCContentLine+1 {
		t.Fatalf("code %d lint %+v\n%s", code, r.Lint, errOut)
	}
	cfg := bldWriteFile(t, dir, "cfg.yaml", "ignored: [OCL104]\n")
	code, _, errOut = runCLI(t, "", append(args, "--config", cfg)...)
	r = pfReadReport(t, report)
	if code != exitInput || !strings.Contains(errOut, "127.0.0.1:1") || r.Error == nil || r.Error.Step != preflight.StepBase {
		t.Errorf("with the rule ignored: code %d report %+v\n%s", code, r, errOut)
	}
	for _, f := range r.Lint {
		if f.Rule == "OCL104" {
			t.Errorf("ignored rule reported: %+v", f)
		}
	}
}

func pfWrongPushSecret(t *testing.T, w *fixture.World, dir string) string {
	auth := base64.StdEncoding.EncodeToString([]byte(w.PushUser + ":not-the-password"))
	b, _ := json.Marshal(map[string]any{"auths": map[string]any{w.PushRegistry: map[string]string{"auth": auth}}})
	p := filepath.Join(dir, "wrong-push.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The proof, against the fixture world: pull and push credentials
// differ; the reported digest is the registry's; the MachineOSConfig
// validates; the fallback MachineConfig names the digest. Then a wrong push
// password (clear error, nothing written), then the OCPBUGS-56648 guard.
func TestPreflightAgainstFixture(t *testing.T) {
	w := e2eWorld(t)
	dir := t.TempDir()
	_, storeFlags := bldStoreFlags(t, build.DriverOverlay)
	pushImage := w.PushRegistry + "/" + fixture.PushRepoPath + ":preflight-test"
	common := append([]string{"preflight",
		"--containerfile", bldRepoPath(t, "Containerfile.example"),
		"--release", w.ReleaseImage,
		"--authfile", w.PullSecretFile, "--cert-dir", w.CertDir,
		"--yum-repos-dir", w.YumReposDir,
		"--push", pushImage,
	}, storeFlags...)

	// 1. Everything fine.
	out1 := filepath.Join(dir, "manifests")
	report := filepath.Join(dir, "report.json")
	code, out, errOut := runCLI(t, "", append(append([]string{}, common...), "--push-authfile", w.PushSecretFile,
		"--manifests-dir", out1, "--with-pool", "--fallback", "--report", report)...)
	if code != 0 {
		t.Fatalf("preflight: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("summary:\n%s", out)
	for _, s := range w.Secrets() {
		if strings.Contains(out+errOut, s) {
			t.Error("a credential appeared in the output")
		}
	}
	r := pfReadReport(t, report)
	if r.Status != preflight.StatusOK || r.Push == nil || r.Base == nil || r.Base.Digest != w.BaseDigest || r.RPMDiff == nil {
		t.Fatalf("report: %+v", r)
	}
	// The fixture payload says 4.19.0-fixture: that version's operator is
	// mirrored, and the run says so.
	if r.OpenShift == nil || r.OpenShift.Version != "4.19" || r.OpenShift.Source != "release payload" || !strings.Contains(out, "OpenShift 4.19 (from release payload)") {
		t.Errorf("version: %+v\n%s", r.OpenShift, out)
	}
	ref, _ := name.ParseReference(pushImage)
	desc, err := remote.Head(ref, w.RemoteOptions(true)...)
	if err != nil {
		t.Fatal(err)
	}
	if r.Push.Digest != desc.Digest.String() || !strings.HasSuffix(r.Push.PullSpec, "@"+desc.Digest.String()) {
		t.Errorf("reported digest %s (%s), registry has %s", r.Push.Digest, r.Push.PullSpec, desc.Digest)
	}
	if !strings.Contains(out, "pushed: "+r.Push.PullSpec) || !strings.Contains(out, "rpm diff: ") || !strings.Contains(out, "Added: autofs-") {
		t.Errorf("summary:\n%s", out)
	}
	fallbackName := preflight.FallbackName("worker") + ".yaml"
	want := []string{preflight.FileMachineConfigPool, preflight.FileMachineOSConfig, fallbackName}
	if got := pfDirEntries(t, out1); strings.Join(got, ",") != strings.Join([]string{fallbackName, preflight.FileMachineConfigPool, preflight.FileMachineOSConfig}, ",") {
		t.Errorf("files %v, want %v", got, want)
	}
	var docs []*manifests.Document
	for _, f := range want {
		d, err := manifests.ReadFile(filepath.Join(out1, f))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d...)
	}
	fs, err := manifests.Check(docs, manifests.CheckOptions{BaseImage: w.BaseImage})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Severity >= findings.SeverityError && f.Rule != "OCL303" && f.Rule != "OCL304" { // the Secrets are not among these files
			t.Errorf("written manifests: %s %s", f.Rule, f.Message)
		}
	}
	fb, _ := os.ReadFile(filepath.Join(out1, fallbackName))
	if !strings.Contains(string(fb), "osImageURL: "+r.Push.PullSpec) || !strings.Contains(string(fb), "machineconfiguration.openshift.io/role: worker") {
		t.Errorf("fallback MachineConfig:\n%s", fb)
	}
	mosc, _ := os.ReadFile(filepath.Join(out1, preflight.FileMachineOSConfig))
	if !strings.Contains(string(mosc), "renderedImagePushSpec: "+pushImage) || !strings.Contains(string(mosc), "dnf install -y") {
		t.Errorf("MachineOSConfig:\n%s", mosc)
	}

	// 2. A wrong push password: exit 2 naming the registry, nothing written.
	out2 := filepath.Join(dir, "manifests-wrong")
	code, _, errOut = runCLI(t, "", append(append([]string{}, common...), "--push-authfile", pfWrongPushSecret(t, w, dir),
		"--manifests-dir", out2, "--fallback", "--quiet")...)
	if code != exitInput || !strings.Contains(errOut, w.PushRegistry) || !strings.Contains(errOut, "push") {
		t.Errorf("wrong push password: code %d stderr %q", code, errOut)
	}
	t.Logf("wrong push password: %s", strings.TrimSpace(errOut))
	if names := pfDirEntries(t, out2); len(names) != 0 {
		t.Errorf("files written despite the failed push: %v", names)
	}

	t.Run("OCL401", func(t *testing.T) {
		// 3. A MachineConfig enabling autofs.service (only in the layered image)
		// and a unit that exists nowhere: OCL401 and OCL402, exit 1, no manifests.
		mc := bldWriteFile(t, dir, "mc.yaml", `apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 60-worker-automount
  labels:
    machineconfiguration.openshift.io/role: worker
spec:
  config:
    ignition:
      version: 3.5.0
    systemd:
      units:
      - name: autofs.service
        enabled: true
      - name: ocl-build-nowhere.service
        enabled: true
`)
		out3 := filepath.Join(dir, "manifests-401")
		report3 := filepath.Join(dir, "report3.json")
		code, out, errOut = runCLI(t, "", append(append([]string{}, common...), "--push-authfile", w.PushSecretFile, "--machineconfigs", mc,
			"--manifests-dir", out3, "--report", report3)...)
		if code != exitFindings {
			t.Fatalf("OCL401 case: code %d\n%s\n%s", code, out, errOut)
		}
		r3 := pfReadReport(t, report3)
		rules := map[string]string{}
		for _, f := range r3.Checks {
			rules[f.Rule] += strings.Fields(f.Message)[0]
		}
		if rules["OCL401"] != "autofs.service" || rules["OCL402"] != "ocl-build-nowhere.service" {
			t.Errorf("checks: %+v", r3.Checks)
		}
		if names := pfDirEntries(t, out3); len(names) != 0 {
			t.Errorf("manifests written despite OCL401: %v", names)
		}
	})
}
