package reliability

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
	"github.com/ocl-build/ocl-build/internal/fixture"
)

const tags = "cni containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper"

var (
	bin   string         // the ocl-build binary under test
	world *fixture.World // shared by every test: starting one costs seconds
	root  string         // repository root
	// skipReason, when set, skips every test (-short).
	skipReason string
)

// needWorld skips the test when the fixture world was not started.
func needWorld(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		// Run the tests anyway: each one skips, saying why, so -short
		// reports 27 skips rather than a silent "ok".
		skipReason = "reliability tests run the built binary against the fixture world; skipped with -short"
		return m.Run()
	}
	var err error
	root, err = fixture.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "ocl-reliability-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "ocl-build")
	gobin := "go"
	if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
		gobin = "/usr/local/go/bin/go"
	}
	// -s -w: no symbol table or DWARF, which only slow the link down here.
	build := exec.Command(gobin, "build", "-tags", tags, "-ldflags", "-s -w", "-o", bin, "./cmd/ocl-build")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "reliability: go build: %v\n%s", err, out)
		return 1
	}
	w, stop, err := fixture.StartProcess("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability: fixture:", err)
		return 1
	}
	defer stop()
	world = w
	return m.Run()
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
	timedOut       bool
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout\n%s--- stderr\n%s", r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// runOpts tune one run.
type runOpts struct {
	env     []string      // added to a clean environment
	timeout time.Duration // kill after (default 2 min)
	home    string        // HOME and XDG_CACHE_HOME root (default: a fresh temp dir)
}

// run executes the binary and fails the test if stdout or stderr holds a
// secret of the fixture world.
func run(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	if o.timeout == 0 {
		o.timeout = 2 * time.Minute
	}
	if o.home == "" {
		o.home = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(baseEnv(o.home), o.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start), timedOut: ctx.Err() != nil}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	noSecrets(t, "stdout of "+strings.Join(args, " "), r.stdout)
	noSecrets(t, "stderr of "+strings.Join(args, " "), r.stderr)
	return r
}

func baseEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(home, "run"),
		"TMPDIR=" + tmpDirFor(home),
	}
}

// tmpDirFor gives every run its own TMPDIR, so a test can prove the run
// left nothing (credential copies above all) behind.
func tmpDirFor(home string) string {
	d := filepath.Join(home, "tmp")
	_ = os.MkdirAll(d, 0o700)
	return d
}

// noSecrets fails when text holds any password or token of the world.
func noSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range world.Secrets() {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s leaks a credential (%d chars starting %q)", what, len(s), s[:4])
		}
	}
	// The 72-byte head of the push token is what the registry checks:
	// a leak of it is a leak too.
	if p := world.PushPassword; len(p) > 40 && strings.Contains(text, p[:40]) {
		t.Errorf("%s leaks the head of the push token", what)
	}
}

// noSecretsInTree scans every regular file under dir.
func noSecretsInTree(t *testing.T, dir string, skip func(string) bool) {
	t.Helper()
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() || (skip != nil && skip(p)) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil {
			noSecrets(t, p, string(b))
		}
		return nil
	})
}

// proxied is a fault proxy in front of one fixture registry with what a
// client needs to use it: a cert dir trusting both the proxy and the
// fixture, and an auth file whose credentials are filed under the proxy's
// address as well as the real registries'.
type proxied struct {
	*faultproxy.Proxy
	certDir, authFile string
}

func proxy(t *testing.T, upstream string) *proxied {
	t.Helper()
	p, err := faultproxy.Start(faultproxy.Options{Upstream: "https://" + upstream, UpstreamTLS: world.Transport().TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	dir := t.TempDir()
	certDir := filepath.Join(dir, "certs")
	if err := os.Mkdir(certDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(world.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(certDir, "fixture-ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteCA(certDir); err != nil {
		t.Fatal(err)
	}
	user, pass := world.PullUser, world.PullPassword
	if upstream == world.PushRegistry {
		user, pass = world.PushUser, world.PushPassword
	}
	auths := map[string]map[string]string{
		p.Addr():              {"auth": b64(user + ":" + pass)},
		world.ReleaseRegistry: {"auth": b64(world.PullUser + ":" + world.PullPassword)},
		world.PushRegistry:    {"auth": b64(world.PushUser + ":" + world.PushPassword)},
	}
	b, _ := json.Marshal(map[string]any{"auths": auths})
	authFile := filepath.Join(dir, "auth.json")
	if err := os.WriteFile(authFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return &proxied{Proxy: p, certDir: certDir, authFile: authFile}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// viaProxy rewrites a fixture image reference to go through p.
func (p *proxied) ref(image string) string {
	for _, reg := range []string{world.ReleaseRegistry, world.PushRegistry} {
		if rest, ok := strings.CutPrefix(image, reg+"/"); ok {
			return p.Addr() + "/" + rest
		}
	}
	panic("not a fixture image: " + image)
}

// faultLog is what a test prints when it fails: every request the proxy saw.
func (p *proxied) faultLog() string {
	var b strings.Builder
	for _, e := range p.Events() {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// leftovers lists what a run left in its TMPDIR.
func leftovers(t *testing.T, home string) []string {
	t.Helper()
	ents, err := os.ReadDir(tmpDirFor(home))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func copyAll(w interface{ Write([]byte) (int, error) }, r interface{ Read([]byte) (int, error) }) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, werr
			}
			n += int64(k)
		}
		if err != nil {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
	}
}
