package reliability

import (
	"encoding/json"
	"fmt"
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
	needWorld(t)
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
	needWorld(t)
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

// SIGINT or SIGTERM at each phase of preflight before the push (the push
// is TestPreflightInterruptDuringPush): the base-image pull, a RUN step
// and the final commit. Each time the process ends within 10 s with
// 128+signal, leaves no build container, mount or temp file (the
// entitlement copy included), writes no manifest, and a second run on
// the same store succeeds.
func TestPreflightInterruptPhases(t *testing.T) {
	needWorld(t)
	for _, c := range []struct {
		phase string
		sig   syscall.Signal
		cf    string
		rules []faultproxy.Rule
		// ready reports that the phase is under way.
		ready func(p *proxied, stderr string) bool
	}{
		{phase: "pull", sig: syscall.SIGTERM,
			cf:    "FROM configs AS final\nRUN echo pulled > /etc/ocl-phase\n",
			rules: []faultproxy.Rule{{Name: "stall", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Stall, AfterBytes: 64 << 10, MinBody: 1 << 20, Times: 1}},
			ready: func(p *proxied, _ string) bool { return p.Hits("stall") > 0 }},
		{phase: "run", sig: syscall.SIGINT,
			cf:    "FROM configs AS final\nRUN echo ocl-phase-sleeping && sleep 120\n",
			ready: func(_ *proxied, stderr string) bool { return strings.Count(stderr, "ocl-phase-sleeping") >= 2 }},
		{phase: "commit", sig: syscall.SIGTERM,
			// 512 MiB of new file: the final commit takes seconds.
			cf:    "FROM configs AS final\nRUN dd if=/dev/zero of=/var/ocl-phase-big bs=1M count=512 status=none && echo ocl-phase-written\n",
			ready: func(_ *proxied, stderr string) bool { return strings.Contains(stderr, "] COMMIT ") }},
	} {
		t.Run(c.phase, func(t *testing.T) {
			p := proxy(t, world.ReleaseRegistry)
			_ = p.SetRules(c.rules...)
			s := newStore(t)
			home := t.TempDir()
			manifests := t.TempDir()
			ent := t.TempDir()
			token := "ENTITLEMENT-KEY-" + c.phase + "-" + fmt.Sprint(time.Now().UnixNano())
			mustWrite(t, filepath.Join(ent, "4242-key.pem"), token)
			cf := containerfile(t, c.cf)
			args := append([]string{"preflight", "--containerfile", cf, "--base-image", p.ref(world.BaseImage),
				"--authfile", p.authFile, "--cert-dir", p.certDir, "--yum-repos-dir", world.YumReposDir,
				"--entitlement-dir", ent, "--manifests-dir", manifests, "--push-spec", "registry.example/ocl/phase:latest",
				"--tag", "localhost/ocl-reliability/phase-" + c.phase + ":latest"}, s.flags()...)
			pr := startBin(t, home, args...)
			if !waitFor(3*time.Minute, func() bool { return c.ready(p, pr.errText()) || pr.exited() }) || pr.exited() {
				t.Fatalf("the %s phase never started (exit %d):\n%s", c.phase, pr.code, tail(pr.errText(), 3000))
			}
			if c.phase == "run" {
				time.Sleep(300 * time.Millisecond)
				if privateCopies(t, tmpDirFor(home), token) == 0 {
					t.Errorf("no staged copy of the entitlement found in TMPDIR during the RUN step")
				}
			}
			code, took := interrupt(t, pr, c.sig)
			afterInterrupt(t, s, home, c.sig, code, took, pr.errText())
			if strings.Contains(pr.errText(), "ocl-phase-written") && c.phase == "commit" && strings.Contains(pr.errText(), "Successfully tagged") {
				t.Errorf("the commit finished before the signal: the test proved nothing")
			}
			if n := privateCopies(t, tmpDirFor(home), token); n > 0 {
				t.Errorf("%d copies of the entitlement left after %s", n, c.sig)
			}
			if ents, _ := os.ReadDir(manifests); len(ents) > 0 {
				t.Errorf("--manifests-dir got %d files from an interrupted run", len(ents))
			}

			_ = p.SetRules()
			second := containerfile(t, "FROM configs AS final\nRUN echo second > /etc/ocl-phase\n")
			args[2] = second
			r := run(t, runOpts{home: home, timeout: 4 * time.Minute}, args...)
			if r.code != 0 {
				t.Fatalf("preflight after the interrupt:\n%s", tail(r.String(), 4000))
			}
			if _, err := os.Stat(filepath.Join(manifests, "machineosconfig.yaml")); err != nil {
				t.Errorf("the second run wrote no MachineOSConfig: %v", err)
			}
			if l := leftovers(t, home); len(l) > 0 {
				t.Errorf("the second run left %v in TMPDIR", l)
			}
		})
	}
}
