package reliability

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
)

// preflight whose push fails for good leaves --manifests-dir and --report
// as they were (or, for the report, complete); the same run against a
// healthy registry then writes everything, Secrets 0600, and no other
// output holds a credential.
func TestPreflightOutputsAfterPushFailure(t *testing.T) {
	p := proxy(t, world.PushRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "503", Path: `/blobs/`, Kind: faultproxy.Status, Code: 503})
	s := newStore(t)
	out := t.TempDir()
	manifests := filepath.Join(out, "manifests")
	if err := os.Mkdir(manifests, 0o755); err != nil {
		t.Fatal(err)
	}
	oldMOSC := "# previous run's MachineOSConfig\n"
	oldReport := `{"previous":true}`
	report := filepath.Join(out, "report.json")
	mustWrite(t, filepath.Join(manifests, "machineosconfig.yaml"), oldMOSC)
	mustWrite(t, report, oldReport)
	cf := containerfile(t, "FROM configs AS final\nRUN echo preflight > /etc/ocl-preflight && ostree container commit\n")
	args := []string{"preflight", "--containerfile", cf, "--base-image", world.BaseImage,
		"--authfile", p.authFile, "--cert-dir", p.certDir, "--yum-repos-dir", world.YumReposDir,
		"--push", p.Addr() + "/ocl-reliability/preflight:v1", "--manifests-dir", manifests, "--with-secrets",
		"--report", report, "--tag", "localhost/ocl-reliability/preflight:latest"}
	args = append(args, s.flags()...)
	home := t.TempDir()

	r := run(t, runOpts{home: home, timeout: 4 * time.Minute}, args...)
	if r.code != 2 {
		t.Fatalf("preflight with a failing push registry: want exit 2\n%s", tail(r.String(), 4000))
	}
	if msg := lastLine(r.stderr); !strings.Contains(r.stderr, p.Addr()) {
		t.Errorf("the failure does not name the registry: %s", msg)
	}
	t.Logf("failed push: exit %d after %s: %s", r.code, r.elapsed.Round(time.Millisecond), tail(lastLine(r.stderr), 300))
	if b, _ := os.ReadFile(filepath.Join(manifests, "machineosconfig.yaml")); string(b) != oldMOSC {
		t.Errorf("machineosconfig.yaml changed after a failed push:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(manifests, "secrets.yaml")); err == nil {
		t.Errorf("secrets.yaml written although the push failed")
	}
	if b, _ := os.ReadFile(report); string(b) != oldReport && !json.Valid(b) {
		t.Errorf("--report holds neither the old content nor complete JSON:\n%s", b)
	}
	onlyFile(t, manifests, "machineosconfig.yaml")
	noSecretsInTree(t, out, nil)
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("temp files left: %v", l)
	}

	_ = p.SetRules()
	r = run(t, runOpts{home: home, timeout: 4 * time.Minute}, args...)
	if r.code != 0 {
		t.Fatalf("preflight against a healthy registry:\n%s", tail(r.String(), 4000))
	}
	b, _ := os.ReadFile(filepath.Join(manifests, "machineosconfig.yaml"))
	if string(b) == oldMOSC || !strings.Contains(string(b), "kind: MachineOSConfig") {
		t.Errorf("machineosconfig.yaml not rewritten:\n%s", b)
	}
	if b, _ := os.ReadFile(report); !json.Valid(b) || string(b) == oldReport {
		t.Errorf("--report not rewritten as JSON")
	}
	sec := filepath.Join(manifests, "secrets.yaml")
	fi, err := os.Stat(sec)
	if err != nil {
		t.Fatalf("secrets.yaml: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secrets.yaml is mode %v, want 0600", fi.Mode().Perm())
	}
	// Secret manifests hold credentials on purpose; nothing else may.
	noSecretsInTree(t, out, func(p string) bool { return p == sec })
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("temp files left: %v", l)
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SIGINT while preflight pushes (the registry stalls an upload): the
// process ends within 10 s, leaves no build containers, mounts or temp
// files, and the next run succeeds.
func TestPreflightInterruptDuringPush(t *testing.T) {
	p := proxy(t, world.PushRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "PATCH", Kind: faultproxy.Stall})
	s := newStore(t)
	home := t.TempDir()
	manifests := t.TempDir()
	cf := containerfile(t, "FROM configs AS final\nRUN echo interrupted-push > /etc/ocl-preflight && ostree container commit\n")
	args := append([]string{"preflight", "--containerfile", cf, "--base-image", world.BaseImage,
		"--authfile", p.authFile, "--cert-dir", p.certDir, "--yum-repos-dir", world.YumReposDir,
		"--push", p.Addr() + "/ocl-reliability/preflight-int:v1", "--manifests-dir", manifests,
		"--tag", "localhost/ocl-reliability/preflight-int:latest"}, s.flags()...)
	pr := startBin(t, home, args...)
	if !waitFor(3*time.Minute, func() bool { return p.Hits("stall") > 0 }) {
		t.Fatalf("the push never started:\n%s", tail(pr.errText(), 3000))
	}
	time.Sleep(300 * time.Millisecond)
	code, took := interrupt(t, pr, syscall.SIGINT)
	afterInterrupt(t, s, home, syscall.SIGINT, code, took, pr.errText())
	if ents, _ := os.ReadDir(manifests); len(ents) > 0 {
		t.Errorf("--manifests-dir got %d files from an interrupted run", len(ents))
	}

	_ = p.SetRules()
	r := run(t, runOpts{home: home, timeout: 4 * time.Minute}, args...)
	if r.code != 0 {
		t.Fatalf("preflight after the interrupt:\n%s", tail(r.String(), 4000))
	}
}
