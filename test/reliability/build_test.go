package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
)

// store is a private containers storage for one test.
type store struct{ root, runroot string }

func newStore(t *testing.T) store {
	t.Helper()
	d := t.TempDir()
	s := store{root: filepath.Join(d, "root"), runroot: filepath.Join(d, "runroot")}
	t.Cleanup(func() { unmountUnder(d) })
	return s
}

func (s store) flags() []string {
	return []string{"--root", s.root, "--runroot", s.runroot, "--storage-driver", "overlay"}
}

// unmountUnder lazily unmounts whatever a killed build left under dir, so
// t.TempDir's removal works and later tests see a clean /proc/mounts.
func unmountUnder(dir string) {
	for _, m := range mountsUnder(dir) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
}

func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], dir) {
			out = append(out, f[1])
		}
	}
	// deepest first
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// containersIn lists the working containers recorded in the store: buildah
// makes its build containers volatile, which containers/storage records in
// volatile-containers.json beside containers.json.
func containersIn(t *testing.T, s store) string {
	t.Helper()
	var out []string
	for _, f := range []string{"containers.json", "volatile-containers.json"} {
		b, err := os.ReadFile(filepath.Join(s.root, "overlay-containers", f))
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v != "[]" && v != "null" && v != "" {
			out = append(out, v)
		}
	}
	return strings.Join(out, " ")
}

func containerfile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Containerfile")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func buildArgs(p *proxied, s store, cf, tag string, extra ...string) []string {
	a := []string{"build", "--containerfile", cf, "--base-image", p.ref(world.BaseImage),
		"--authfile", p.authFile, "--cert-dir", p.certDir, "--yum-repos-dir", world.YumReposDir, "--tag", tag}
	a = append(a, s.flags()...)
	return append(a, extra...)
}

// The base-image pull of build through transient faults: it completes
// and the store holds the base image under the registry's digest.
func TestBuildPullTransientFaults(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(
		// Skip 1: the image config (the first blob fetched) passes, the
		// faults hit layer downloads.
		faultproxy.Rule{Name: "503-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 503, Skip: 1, Times: 2},
		faultproxy.Rule{Name: "429-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 429, RetryAfter: "1", Skip: 1, Times: 1},
		faultproxy.Rule{Name: "reset-mid-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Reset, AfterBytes: 256 << 10, MinBody: 1 << 20, Times: 1},
	)
	s := newStore(t)
	cf := containerfile(t, "LABEL io.ocl-build.test=pull-faults\n")
	r := run(t, runOpts{timeout: 4 * time.Minute, env: []string{"OCL_BUILD_NO_CACHE_WARN=1"}}, buildArgs(p, s, cf, "localhost/ocl-reliability/pull:latest", "--log-level", "debug")...)
	if r.code != 0 {
		t.Fatalf("build through transient pull faults failed:\n%s\nproxy saw:\n%s", tail(r.String(), 4000), p.faultLog())
	}
	if !strings.Contains(r.stderr, "digest: "+world.BaseDigest) {
		t.Errorf("build did not report the base digest %s", world.BaseDigest)
	}
	if strings.Contains(r.stderr, "the store's copy of the base image is") {
		t.Errorf("the store holds another base image than the registry's:\n%s", tail(r.stderr, 2000))
	}
	for _, rule := range []string{"503-blob", "429-blob", "reset-mid-blob"} {
		if p.Hits(rule) == 0 {
			t.Errorf("fault %s was never injected", rule)
		}
	}
	// Layers download in parallel, so one attempt may meet several faults.
	if n := strings.Count(r.stderr, "; retrying in "); n == 0 {
		t.Errorf("no retry notice on stderr:\n%s", tail(r.stderr, 3000))
	}
	if c := containersIn(t, s); c != "" {
		t.Errorf("build containers left in the store: %s", c)
	}
}

// A registry that answers 503 to every blob request: the build gives up
// after --retry retries, within a bounded time, naming the registry, the
// image and the status; exit 2 (a registry problem, not the Containerfile).
func TestBuildPullPersistentFault(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "503", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 503})
	s := newStore(t)
	cf := containerfile(t, "LABEL io.ocl-build.test=pull-persistent\n")
	// --output's archive from an earlier run must survive the failure whole.
	outDir := t.TempDir()
	archive := filepath.Join(outDir, "image.tar")
	mustWrite(t, archive, "previous archive\n")
	r := run(t, runOpts{timeout: 2 * time.Minute}, buildArgs(p, s, cf, "localhost/ocl-reliability/pullfail:latest",
		"--retry", "2", "--retry-delay", "200ms", "--output", "oci-archive:"+archive)...)
	if r.code != 2 {
		t.Fatalf("want exit 2\n%s", tail(r.String(), 3000))
	}
	if b, _ := os.ReadFile(archive); string(b) != "previous archive\n" {
		t.Errorf("--output archive changed by a failed build (%d bytes)", len(b))
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 1 {
		t.Errorf("stray files beside the --output archive: %d entries", len(ents))
	}
	if r.elapsed > 30*time.Second {
		t.Errorf("gave up only after %s (backoff 0.2 + 0.4 s)", r.elapsed)
	}
	msg := lastLine(r.stderr)
	for _, want := range []string{"pulling " + p.ref(world.BaseImage), "503", "(3 attempts)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if got := p.Hits("503"); got < 3 {
		t.Errorf("%d faults injected, want one per attempt (3)", got)
	}
	t.Logf("exit 2 after %s: %s", r.elapsed.Round(time.Millisecond), msg)
}

// A registry that stops sending 64 KiB into a layer, once: the attempt is
// given up after --stall-timeout and the next one completes the build.
func TestBuildPullStalledRegistry(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Stall, AfterBytes: 64 << 10, MinBody: 1 << 20, Times: 1})
	s := newStore(t)
	cf := containerfile(t, "LABEL io.ocl-build.test=pull-stall\n")
	r := run(t, runOpts{timeout: 2 * time.Minute}, buildArgs(p, s, cf, "localhost/ocl-reliability/pullstall:latest", "--stall-timeout", "2s")...)
	if r.code != 0 {
		t.Fatalf("build through a stalled pull failed:\n%s\nproxy saw:\n%s", tail(r.String(), 3000), p.faultLog())
	}
	if p.Hits("stall") != 1 {
		t.Errorf("the stall was injected %d times, want 1", p.Hits("stall"))
	}
	if !strings.Contains(r.stderr, "stalled: no data for 2s; retrying in") {
		t.Errorf("no stall notice on stderr:\n%s", tail(r.stderr, 3000))
	}
	t.Logf("built in %s through one stall", r.elapsed.Round(time.Millisecond))
}

// A layer whose bytes are damaged on every download is refused by its
// digest at once (not retried): exit 2 naming the layer, and the store
// never records the base image, so nothing is built from it.
func TestBuildPullCorruptLayer(t *testing.T) {
	needWorld(t)
	layers := baseLayers(t)
	bad := layers[len(layers)/2]
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "corrupt", Method: "GET", Path: bad, Kind: faultproxy.Corrupt, AfterBytes: 4096})
	s := newStore(t)
	cf := containerfile(t, "LABEL io.ocl-build.test=pull-corrupt\n")
	r := run(t, runOpts{timeout: 2 * time.Minute}, buildArgs(p, s, cf, "localhost/ocl-reliability/pullcorrupt:latest", "--retry", "1", "--retry-delay", "100ms")...)
	if r.code != 2 {
		t.Fatalf("want exit 2 for a corrupted layer\n%s", tail(r.String(), 3000))
	}
	if p.Hits("corrupt") == 0 {
		t.Fatalf("the fault was never injected:\n%s", p.faultLog())
	}
	msg := lastLine(r.stderr)
	if !strings.Contains(msg, strings.TrimPrefix(bad, "sha256:")[:12]) && !strings.Contains(msg, "digest") {
		t.Errorf("error %q names neither the layer nor a digest mismatch", msg)
	}
	if b, err := os.ReadFile(filepath.Join(s.root, "overlay-images", "images.json")); err == nil && strings.Contains(string(b), world.BaseDigest) {
		t.Errorf("the store records the base image after a corrupted pull")
	}
	if strings.Contains(r.stderr, "STEP") {
		t.Errorf("the build started despite the failed pull:\n%s", tail(r.stderr, 2000))
	}
	// A digest mismatch is final: the registry serves those bytes under
	// that digest, and fetching them again would not change them.
	if n := strings.Count(r.stderr, "; retrying in "); n != 0 {
		t.Errorf("a digest mismatch was retried %d times", n)
	}
	t.Logf("exit 2 after %s, %d corrupted downloads, %d retry notices: %s", r.elapsed.Round(time.Millisecond), p.Hits("corrupt"), strings.Count(r.stderr, "; retrying in "), msg)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// proc is the binary running in the background.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	stdout bytes.Buffer
	done   chan struct{}
	code   int
	ended  time.Time
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func startBin(t *testing.T, home string, args ...string) *proc {
	t.Helper()
	pr := &proc{done: make(chan struct{})}
	pr.cmd = exec.Command(bin, args...)
	pr.cmd.Env = baseEnv(home)
	pr.cmd.Stdout = lockedWriter{&pr.mu, &pr.stdout}
	pr.cmd.Stderr = lockedWriter{&pr.mu, &pr.stderr}
	pr.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := pr.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := pr.cmd.Wait()
		pr.ended = time.Now()
		pr.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			pr.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				pr.code = 128 + int(ws.Signal())
			}
		}
		close(pr.done)
	}()
	t.Cleanup(func() {
		select {
		case <-pr.done:
		default:
			_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL)
			<-pr.done
		}
	})
	return pr
}

// exited reports whether the process has ended.
func (pr *proc) exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

func (pr *proc) errText() string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.stderr.String()
}

// waitFor polls until cond holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// interrupt sends sig to the process (not its group: as a terminal's
// Ctrl-C would reach a shell's foreground job, the binary must handle it
// on its own) and waits up to 10 s for it to end.
func interrupt(t *testing.T, pr *proc, sig syscall.Signal) (code int, took time.Duration) {
	t.Helper()
	sent := time.Now()
	if err := pr.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pr.done:
		return pr.code, pr.ended.Sub(sent)
	case <-time.After(10 * time.Second):
		t.Errorf("still running 10 s after %s", sig)
		_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL)
		<-pr.done
		return -1, 10 * time.Second
	}
}

// afterInterrupt checks what an interrupted build must leave: no build
// containers, no mounts, nothing in TMPDIR (so no copy of a credential),
// and the exit status of a process killed by the signal.
func afterInterrupt(t *testing.T, s store, home string, sig syscall.Signal, code int, took time.Duration, stderr string) {
	t.Helper()
	want := 128 + int(sig)
	t.Logf("%s: exit %d after %s", sig, code, took.Round(time.Millisecond))
	noSecrets(t, "stderr", stderr)
	if c := containersIn(t, s); c != "" {
		t.Errorf("build containers left in the store after %s: %s", sig, c)
	}
	for _, m := range mountsUnder(s.root) {
		if !strings.HasSuffix(m, "/overlay") { // the driver's own home mount is fine
			t.Errorf("mount left after %s: %s", sig, m)
		}
	}
	tmp := tmpDirFor(home)
	noSecretsInTree(t, tmp, nil)
	if l := leftovers(t, home); len(l) > 0 {
		t.Errorf("temp files left in TMPDIR after %s: %v", sig, l)
	}
	if code != want {
		t.Errorf("exit %d after %s, want %d (128+signal)", code, sig, want)
	}
}

// SIGINT while the base image is being pulled (the registry stalls a
// layer, so the pull is surely in progress), then a clean second run.
func TestBuildInterruptDuringPull(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Stall, AfterBytes: 64 << 10, MinBody: 1 << 20, Times: 1})
	s := newStore(t)
	home := t.TempDir()
	cf := containerfile(t, "LABEL io.ocl-build.test=interrupt-pull\n")
	pr := startBin(t, home, buildArgs(p, s, cf, "localhost/ocl-reliability/intpull:latest")...)
	if !waitFor(60*time.Second, func() bool { return p.Hits("stall") > 0 }) {
		t.Fatalf("the pull never reached the stalled layer:\n%s", pr.errText())
	}
	time.Sleep(300 * time.Millisecond)
	code, took := interrupt(t, pr, syscall.SIGINT)
	afterInterrupt(t, s, home, syscall.SIGINT, code, took, pr.errText())

	_ = p.SetRules()
	r := run(t, runOpts{timeout: 4 * time.Minute}, buildArgs(p, s, cf, "localhost/ocl-reliability/intpull:latest")...)
	if r.code != 0 {
		t.Fatalf("second build after the interrupt failed:\n%s", tail(r.String(), 4000))
	}
}

// SIGTERM while a RUN step is running, then a clean second run on the
// same store.
func TestBuildInterruptDuringRun(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules()
	s := newStore(t)
	home := t.TempDir()
	marker := "ocl-reliability-sleeping"
	cf := containerfile(t, "RUN echo "+marker+" && sleep 120\n")
	// An entitlement (a client key, as the etc-pki-entitlement secret
	// holds) whose copies must stay private and vanish on interrupt.
	ent := t.TempDir()
	token := "ENTITLEMENT-KEY-" + fmt.Sprint(time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(ent, "4242-key.pem"), []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	pr := startBin(t, home, buildArgs(p, s, cf, "localhost/ocl-reliability/intrun:latest", "--entitlement-dir", ent)...)
	if !waitFor(3*time.Minute, func() bool { return strings.Count(pr.errText(), marker) >= 2 }) {
		t.Fatalf("the RUN step never started:\n%s", tail(pr.errText(), 3000))
	}
	time.Sleep(500 * time.Millisecond)
	if len(processesRunning("sleep\x00120")) == 0 {
		t.Errorf("the RUN's sleep is not visible in /proc: the survivor check below would prove nothing")
	}
	copies := privateCopies(t, tmpDirFor(home), token)
	if copies == 0 {
		t.Errorf("no staged copy of the entitlement found in TMPDIR during the RUN step")
	}
	code, took := interrupt(t, pr, syscall.SIGTERM)
	afterInterrupt(t, s, home, syscall.SIGTERM, code, took, pr.errText())
	if n := privateCopies(t, tmpDirFor(home), token); n > 0 {
		t.Errorf("%d copies of the entitlement left after SIGTERM", n)
	}
	if pids := processesRunning("sleep\x00120"); len(pids) > 0 {
		t.Errorf("the RUN's process survived the interrupt: pids %v", pids)
	}

	cf2 := containerfile(t, "RUN echo second run\n")
	r := run(t, runOpts{timeout: 4 * time.Minute}, buildArgs(p, s, cf2, "localhost/ocl-reliability/intrun:latest")...)
	if r.code != 0 {
		t.Fatalf("second build after the interrupt failed:\n%s", tail(r.String(), 4000))
	}
}

// Two preflight runs at once on one store (and one layer cache, one
// HOME): containers/storage locking lets both build, diff and write their
// manifests, each with its own image.
func TestPreflightConcurrentSameStore(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules()
	s := newStore(t)
	home := t.TempDir()
	var wg sync.WaitGroup
	res := make([]result, 2)
	dirs := make([]string, 2)
	for i := range res {
		dirs[i] = t.TempDir()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := string(rune('a' + i))
			cf := containerfile(t, "FROM configs AS final\nRUN echo concurrent "+name+" > /etc/ocl-concurrent\n")
			args := append([]string{"preflight", "--containerfile", cf, "--base-image", p.ref(world.BaseImage),
				"--authfile", p.authFile, "--cert-dir", p.certDir, "--yum-repos-dir", world.YumReposDir,
				"--manifests-dir", dirs[i], "--push-spec", "registry.example/ocl/conc" + name + ":latest",
				"--tag", "localhost/ocl-reliability/conc" + name + ":latest", "--format", "json"}, s.flags()...)
			res[i] = run(t, runOpts{home: home, timeout: 4 * time.Minute}, args...)
		}(i)
	}
	wg.Wait()
	ids := map[string]bool{}
	for i, r := range res {
		if r.code != 0 {
			t.Errorf("preflight %d of 2 failed:\n%s", i, tail(r.String(), 3000))
			continue
		}
		var rep struct {
			Build struct {
				ImageID string `json:"imageID"`
			} `json:"build"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Errorf("preflight %d: report: %v", i, err)
		}
		ids[rep.Build.ImageID] = true
		if _, err := os.Stat(filepath.Join(dirs[i], "machineosconfig.yaml")); err != nil {
			t.Errorf("preflight %d wrote no MachineOSConfig: %v", i, err)
		}
	}
	if len(ids) != 2 && !t.Failed() {
		t.Errorf("two different builds gave image IDs %v", ids)
	}
	if c := containersIn(t, s); c != "" {
		t.Errorf("build containers left in the store: %s", c)
	}
}

// privateCopies counts the files under tmp holding secret and fails the
// test for any that is not 0600 inside a 0700 directory: the rule
// for temp copies of credentials.
func privateCopies(t *testing.T, tmp, secret string) int {
	t.Helper()
	n := 0
	_ = filepath.Walk(tmp, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(secret)) {
			return nil
		}
		n++
		dir, derr := os.Stat(filepath.Dir(p))
		if fi.Mode().Perm() != 0o600 || derr != nil || dir.Mode().Perm() != 0o700 {
			t.Errorf("credential copy %s is mode %v in a %v directory, want 0600 in 0700", p, fi.Mode().Perm(), dir.Mode().Perm())
		} else {
			t.Logf("credential copy %s: mode %v in a %v directory", p, fi.Mode().Perm(), dir.Mode().Perm())
		}
		return nil
	})
	return n
}

// processesRunning lists the pids whose command line contains cmdline
// (arguments NUL-separated, as in /proc/PID/cmdline).
func processesRunning(cmdline string) []string {
	ents, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(cmdline)) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
