package reliability

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
)

// sourceImage writes a fresh OCI image (three 2 MiB layers of random
// bytes, so nothing is already in the registry) to an OCI layout and
// returns its oci: reference and manifest digest. containers/image pushes
// an OCI layout's manifest unchanged, so the digest at the registry must
// be this one.
func sourceImage(t *testing.T) (string, v1.Hash) {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for i := 0; i < 3; i++ {
		l, err := random.Layer(2<<20, types.OCILayer)
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "oci")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "src"})); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir + ":src", d
}

// registryDigest asks the push registry directly (no proxy) what the tag
// points at and checks that every blob of the manifest is there, whole.
func registryDigest(t *testing.T, repoTag string) string {
	t.Helper()
	ref, err := name.ParseReference(world.PushRegistry + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, world.RemoteOptions(true)...)
	if err != nil {
		t.Fatalf("reading %s back: %v", ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = copyAll(h, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading a pushed layer back: %v", err)
		}
		want, _ := l.Digest()
		if got := fmt.Sprintf("sha256:%x", h.Sum(nil)); got != want.String() {
			t.Errorf("layer %s in the registry hashes to %s", want, got)
		}
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

var pushArgs = func(p *proxied, src, dest string, extra ...string) []string {
	return append([]string{"push", src, dest, "--authfile", p.authFile, "--cert-dir", p.certDir}, extra...)
}

// Transient faults on every kind of push request: the push retries and
// lands the right digest.
func TestPushTransientFaults(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.PushRegistry)
	if err := p.SetRules(
		faultproxy.Rule{Name: "503-start-upload", Method: "POST", Path: `/blobs/uploads/$`, Kind: faultproxy.Status, Code: 503, Times: 2},
		faultproxy.Rule{Name: "429-head", Method: "HEAD", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 429, RetryAfter: "1", Times: 1},
		faultproxy.Rule{Name: "502-manifest", Method: "PUT", Path: `/manifests/`, Kind: faultproxy.Status, Code: 502, Times: 1},
		faultproxy.Rule{Name: "reset-mid-blob", Method: "PATCH", Path: `/blobs/uploads/`, Kind: faultproxy.Reset, AfterBytes: 512 << 10, MinBody: 1 << 20, Times: 1},
	); err != nil {
		t.Fatal(err)
	}
	src, want := sourceImage(t)
	dir := t.TempDir()
	digestFile := filepath.Join(dir, "digest.txt")
	repoTag := "ocl-reliability/transient:v1"
	r := run(t, runOpts{}, pushArgs(p, src, p.Addr()+"/"+repoTag, "--retry", "6", "--retry-delay", "200ms", "--digestfile", digestFile)...)
	if r.code != 0 {
		t.Fatalf("push through transient faults failed:\n%s\nproxy saw:\n%s", r, p.faultLog())
	}
	for _, rule := range []string{"503-start-upload", "429-head", "502-manifest", "reset-mid-blob"} {
		if p.Hits(rule) == 0 {
			t.Errorf("fault %s was never injected; proxy saw:\n%s", rule, p.faultLog())
		}
	}
	if got := strings.TrimSpace(r.stdout); got != p.Addr()+"/ocl-reliability/transient@"+want.String() {
		t.Errorf("stdout %q, want the pullspec with digest %s", got, want)
	}
	if b, _ := os.ReadFile(digestFile); string(b) != want.String() {
		t.Errorf("--digestfile holds %q, want %s", b, want)
	}
	if got := registryDigest(t, repoTag); got != want.String() {
		t.Errorf("registry holds %s, want %s", got, want)
	}
	t.Logf("pushed through %d faults in %s", p.Hits("503-start-upload")+p.Hits("429-head")+p.Hits("502-manifest")+p.Hits("reset-mid-blob"), r.elapsed.Round(time.Millisecond))
}

// A registry that keeps answering 503: a bounded number of attempts, an
// error naming the registry and the operation, the old --digestfile kept.
func TestPushPersistentFault(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.PushRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "503", Path: `/blobs/`, Kind: faultproxy.Status, Code: 503})
	src, _ := sourceImage(t)
	dir := t.TempDir()
	digestFile := filepath.Join(dir, "digest.txt")
	old := "sha256:" + strings.Repeat("0", 64)
	if err := os.WriteFile(digestFile, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, runOpts{timeout: 90 * time.Second}, pushArgs(p, src, p.Addr()+"/ocl-reliability/down:v1", "--retry", "2", "--retry-delay", "100ms", "--digestfile", digestFile)...)
	if r.code != 2 {
		t.Fatalf("push to a failing registry: want exit 2\n%s", r)
	}
	if r.elapsed > 60*time.Second {
		t.Errorf("gave up only after %s", r.elapsed)
	}
	msg := lastLine(r.stderr)
	if !strings.Contains(msg, p.Addr()) || !strings.Contains(msg, "push") || !strings.Contains(msg, "503") {
		t.Errorf("error %q does not name the registry, the operation and the status", msg)
	}
	if n := strings.Count(r.stderr, "retrying in"); n != 2 {
		t.Errorf("%d retries announced, want 2 (--retry 2):\n%s", n, r.stderr)
	}
	starts := p.Requests("POST", regexp.MustCompile(`/blobs/uploads/$`))
	if b, _ := os.ReadFile(digestFile); string(b) != old {
		t.Errorf("--digestfile changed to %q after a failed push", b)
	}
	onlyFile(t, dir, "digest.txt")
	t.Logf("failed after %s, %d requests (%d upload starts): %s", r.elapsed.Round(time.Millisecond), len(p.Events()), starts, msg)
}

// A registry that accepts the connection and then never answers must not
// hang the push: it has to fail within a bounded time.
func TestPushStalledRegistry(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.PushRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "PATCH", Kind: faultproxy.Stall})
	src, _ := sourceImage(t)
	r := run(t, runOpts{timeout: stallBudget + 5*time.Second}, pushArgs(p, src, p.Addr()+"/ocl-reliability/stall:v1", "--retry", "1", "--retry-delay", "100ms", "--stall-timeout", stallTimeout)...)
	checkStall(t, r, p, "push")
	if n := strings.Count(r.stderr, "stalled: no data for "+stallTimeout); n != 2 {
		t.Errorf("%d stalls reported, want 2 (--retry 1):\n%s", n, r.stderr)
	}
	if p.Hits("stall") != 2 {
		t.Errorf("%d stalled requests, want one per attempt (2)", p.Hits("stall"))
	}
	t.Logf("gave up after %s: %s", r.elapsed.Round(time.Millisecond), lastLine(r.stderr))
}

// stallTimeout is the --stall-timeout the stall tests give: short, so the
// suite stays fast; stallBudget bounds timeout × attempts plus the
// command's own work.
const (
	stallTimeout = "3s"
	stallBudget  = 15 * time.Second
)

func checkStall(t *testing.T, r result, p *proxied, op string) {
	t.Helper()
	if p.Hits("stall") == 0 {
		t.Fatalf("the stall was never injected:\n%s", p.faultLog())
	}
	if r.timedOut {
		t.Fatalf("%s hung on a stalled registry for %s and was killed (--stall-timeout %s not honoured)\n%s", op, r.elapsed.Round(time.Second), stallTimeout, r)
	}
	if r.code != 2 {
		t.Errorf("%s against a stalled registry: want exit 2\n%s", op, r)
	}
	if r.elapsed > stallBudget {
		t.Errorf("%s gave up only after %s", op, r.elapsed)
	}
	if msg := lastLine(r.stderr); !strings.Contains(msg, p.Addr()) || !strings.Contains(msg, "stalled: no data for "+stallTimeout) {
		t.Errorf("error %q does not name the registry and the stall", msg)
	}
}

// Authentication failures are final: no retries, a message that says so.
func TestPushAuthFailureNotRetried(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.PushRegistry)
	_ = p.SetRules()
	src, _ := sourceImage(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"auths":{"`+p.Addr()+`":{"auth":"`+b64("builder:wrong")+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, runOpts{}, "push", "oci:"+strings.TrimPrefix(src, "oci:"), p.Addr()+"/ocl-reliability/auth:v1", "--authfile", bad, "--cert-dir", p.certDir, "--retry", "3", "--retry-delay", "2s")
	if r.code != 2 {
		t.Fatalf("want exit 2\n%s", r)
	}
	if r.elapsed > 10*time.Second {
		t.Errorf("an authentication failure took %s (was it retried?)", r.elapsed)
	}
	if strings.Contains(r.stderr, "retrying") {
		t.Errorf("an authentication failure was retried:\n%s", r.stderr)
	}
	if n := p.Requests("", nil); n == 0 {
		t.Error("the push never reached the registry")
	}
	_ = http.StatusUnauthorized
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// onlyFile fails when dir holds anything but name (a temp file left by a
// non-atomic write, for instance).
func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != name {
			t.Errorf("%s holds %s besides %s", dir, e.Name(), name)
		}
	}
}
