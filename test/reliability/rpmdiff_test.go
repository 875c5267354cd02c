package reliability

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
)

// baseLayers reads the base image's layer digests straight from the
// registry (bottom first): the ground truth for which layer holds the
// rpmdb.
func baseLayers(t *testing.T) []string {
	t.Helper()
	digests, _ := baseLayerDigests(t)
	return digests
}

// baseLayerDigests is baseLayers with each layer's compressed size.
func baseLayerDigests(t *testing.T) (digests []string, sizes []int64) {
	t.Helper()
	ref, err := name.ParseReference(world.BaseImage)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, world.RemoteOptions(false)...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		digests, sizes = append(digests, l.Digest.String()), append(sizes, l.Size)
	}
	return digests, sizes
}

type rpmdiffJSON struct {
	Base, Target *struct {
		Ref          string `json:"ref"`
		Layer        string `json:"layer"`
		PackageCount int    `json:"packageCount"`
	}
	Upgraded, Downgraded, Removed, Added []json.RawMessage
}

// rpmdiffViaProxy diffs the base image read through the proxy against
// the base image read directly: the answer must be "no change" with the
// base set's package count, from the layer that really holds the rpmdb.
func rpmdiffViaProxy(t *testing.T, p *proxied, o runOpts, extra ...string) (result, *rpmdiffJSON) {
	t.Helper()
	args := append([]string{"rpmdiff", "docker://" + p.ref(world.BaseImage), "docker://" + world.BaseImage,
		"--authfile", p.authFile, "--cert-dir", p.certDir, "--format", "json"}, extra...)
	r := run(t, o, args...)
	if r.code != 0 {
		return r, nil
	}
	var out rpmdiffJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("rpmdiff --format json: %v\n%s", err, r)
	}
	return r, &out
}

func checkBaseDiff(t *testing.T, out *rpmdiffJSON) {
	t.Helper()
	layers := baseLayers(t)
	if out.Base == nil || out.Base.PackageCount != world.BasePackages {
		t.Fatalf("base side %+v, want %d packages", out.Base, world.BasePackages)
	}
	if out.Base.Layer != layers[4] {
		t.Errorf("rpmdb found in layer %s, the fixture has it in the fifth, %s", out.Base.Layer, layers[4])
	}
	if n := len(out.Upgraded) + len(out.Downgraded) + len(out.Removed) + len(out.Added); n != 0 {
		t.Errorf("the same image diffs to %d changes", n)
	}
}

// Transient faults on the layer downloads: retried, and the answer is right.
func TestRpmdiffTransientFaults(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(
		faultproxy.Rule{Name: "503-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 503, Times: 2},
		faultproxy.Rule{Name: "429-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 429, RetryAfter: "1", Times: 1},
		faultproxy.Rule{Name: "reset-mid-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Reset, AfterBytes: 256 << 10, MinBody: 1 << 20, Times: 1},
	)
	r, out := rpmdiffViaProxy(t, p, runOpts{timeout: 3 * time.Minute})
	if r.code != 0 {
		t.Fatalf("rpmdiff through transient faults failed:\n%s\nproxy saw:\n%s", r, p.faultLog())
	}
	checkBaseDiff(t, out)
	for _, rule := range []string{"503-blob", "429-blob", "reset-mid-blob"} {
		if p.Hits(rule) == 0 {
			t.Errorf("fault %s was never injected", rule)
		}
	}
}

// A connection reset part-way through a layer alone: containers/image
// resumes the download with a Range request, so this passes even without
// retries of our own.
func TestRpmdiffResetMidLayer(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "reset-mid-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Reset, AfterBytes: 256 << 10, MinBody: 1 << 20, Times: 1})
	r, out := rpmdiffViaProxy(t, p, runOpts{})
	if r.code != 0 {
		t.Fatalf("rpmdiff through mid-layer resets failed:\n%s\nproxy saw:\n%s", r, p.faultLog())
	}
	checkBaseDiff(t, out)
	if p.Hits("reset-mid-blob") == 0 {
		t.Error("the reset was never injected")
	}
}

// A registry that keeps failing: exit 2 soon, naming the registry and what
// was being fetched.
func TestRpmdiffPersistentFault(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "503", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 503})
	r, _ := rpmdiffViaProxy(t, p, runOpts{timeout: 2 * time.Minute})
	if r.code != 2 {
		t.Fatalf("want exit 2\n%s", r)
	}
	if r.elapsed > 60*time.Second {
		t.Errorf("gave up only after %s", r.elapsed)
	}
	msg := lastLine(r.stderr)
	if !strings.Contains(msg, p.Addr()) || !strings.Contains(msg, "503") || !(strings.Contains(msg, "layer") || strings.Contains(msg, "config")) {
		t.Errorf("error %q does not name the registry, the status and the blob being fetched", msg)
	}
	t.Logf("failed after %s and %d requests: %s", r.elapsed.Round(time.Millisecond), len(p.Events()), msg)
}

// A corrupted or truncated layer is refused by its digest, and nothing
// read from it is cached for the next run.
func TestRpmdiffCorruptLayer(t *testing.T) {
	needWorld(t)
	layers, sizes := baseLayerDigests(t)
	rpmdbLayer, size := layers[4], sizes[4]
	for _, c := range []struct {
		name string
		rule faultproxy.Rule
		// resumable: the connection closes early, which containers/image
		// may mend with a Range request for the rest; success is then
		// right, provided the answer is.
		resumable bool
	}{
		// A byte in the middle of the deflate stream: decoding usually
		// breaks, or yields garbage that the tar reader rejects.
		{name: "corrupt-mid", rule: faultproxy.Rule{Name: "bad", Method: "GET", Path: rpmdbLayer, Kind: faultproxy.Corrupt, AfterBytes: 4096}},
		// A byte of the gzip trailer (CRC-32): every byte of the tar
		// decodes fine, so only the blob's digest (or gzip's CRC, if the
		// stream is read to its end) can tell.
		{name: "corrupt-trailer", rule: faultproxy.Rule{Name: "bad", Method: "GET", Path: rpmdbLayer, Kind: faultproxy.Corrupt, AfterBytes: size - 6}},
		// Every request for the layer is cut: no resume can mend it.
		{name: "truncate", rule: faultproxy.Rule{Name: "bad", Method: "GET", Path: rpmdbLayer, Kind: faultproxy.Truncate, AfterBytes: 64 << 10}},
		// Cut 8 bytes short (the gzip trailer) once: resumed, or refused.
		{name: "truncate-trailer", rule: faultproxy.Rule{Name: "bad", Method: "GET", Path: rpmdbLayer, Kind: faultproxy.Truncate, AfterBytes: size - 8, Times: 1},
			resumable: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := proxy(t, world.ReleaseRegistry)
			_ = p.SetRules(c.rule)
			home := t.TempDir()
			// Only the proxied image is read: the direct one would fill
			// the memo with good layers.
			r := run(t, runOpts{home: home}, "rpmdiff", "docker://"+p.ref(world.BaseImage), "docker://"+p.ref(world.BaseImage),
				"--authfile", p.authFile, "--cert-dir", p.certDir, "--format", "json")
			if p.Hits("bad") == 0 {
				t.Fatalf("the fault was never injected:\n%s", p.faultLog())
			}
			var bad []string
			if c.resumable && r.code == 0 {
				var out rpmdiffJSON
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
					t.Fatal(err)
				}
				checkBaseDiff(t, &out)
				t.Logf("resumed after the cut: %s", strings.Join(strings.Split(strings.TrimSpace(p.faultLog()), "\n")[2:], "; "))
				return
			}
			if r.code == 0 {
				bad = append(bad, "rpmdiff used the damaged layer and answered exit 0")
			} else if !strings.Contains(r.stderr, strings.TrimPrefix(rpmdbLayer, "sha256:")[:12]) {
				t.Errorf("error does not name the layer %s:\n%s", rpmdbLayer, r.stderr)
			}
			cached := filepath.Join(home, ".cache", "ocl-build", "rpmdiff")
			_ = filepath.Walk(cached, func(path string, fi os.FileInfo, err error) error {
				if err == nil && strings.Contains(path, strings.TrimPrefix(rpmdbLayer, "sha256:")) {
					bad = append(bad, "the damaged layer was cached at "+path)
				}
				return nil
			})
			if len(bad) > 0 {
				t.Fatalf("%s:\n%s", strings.Join(bad, "; "), r)
			}
			t.Logf("%s layer: exit %d: %s", c.name, r.code, lastLine(r.stderr))
		})
	}
}

// A registry that stops answering mid-layer must not hang rpmdiff: the
// attempt is given up after --stall-timeout, the layer is fetched again
// (what was already read is skipped), and the answer is right.
func TestRpmdiffStalledRegistry(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Stall, AfterBytes: 64 << 10, MinBody: 1 << 20, Times: 1})
	r, out := rpmdiffViaProxy(t, p, runOpts{timeout: stallBudget + 5*time.Second}, "--stall-timeout", stallTimeout)
	if p.Hits("stall") == 0 {
		t.Fatalf("the stall was never injected:\n%s", p.faultLog())
	}
	if r.timedOut || r.code != 0 {
		t.Fatalf("rpmdiff did not recover from a stalled layer download:\n%s\nproxy saw:\n%s", r, p.faultLog())
	}
	checkBaseDiff(t, out)
	if !strings.Contains(r.stderr, "stalled: no data for "+stallTimeout+"; retrying") || !strings.Contains(r.stderr, p.Addr()) {
		t.Errorf("the retry after the stall is not announced with the registry:\n%s", r.stderr)
	}
	if r.elapsed > stallBudget {
		t.Errorf("recovering took %s", r.elapsed)
	}
	t.Logf("recovered from the stall in %s", r.elapsed.Round(time.Millisecond))
}

// A registry that stops answering for good: rpmdiff gives up after its
// attempts, each cut at --stall-timeout, naming the registry.
func TestRpmdiffStalledRegistryPersistent(t *testing.T) {
	needWorld(t)
	p := proxy(t, world.ReleaseRegistry)
	_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/manifests/`, Kind: faultproxy.Stall})
	r, _ := rpmdiffViaProxy(t, p, runOpts{timeout: 45 * time.Second}, "--stall-timeout", "1s")
	if p.Hits("stall") == 0 {
		t.Fatalf("the stall was never injected:\n%s", p.faultLog())
	}
	if r.timedOut {
		t.Fatalf("rpmdiff hung on a registry that never answers:\n%s", r)
	}
	if r.code != 2 {
		t.Errorf("want exit 2\n%s", r)
	}
	// 4 attempts (3 retries) of 1 s and 1 + 2 + 4 s between them.
	if r.elapsed > 25*time.Second {
		t.Errorf("gave up only after %s", r.elapsed)
	}
	msg := lastLine(r.stderr)
	if !strings.Contains(msg, "reading the manifest and config from "+p.Addr()+": stalled: no data for 1s") || !strings.Contains(msg, "(4 attempts)") {
		t.Errorf("error %q does not name the registry, the operation, the stall and the attempts", msg)
	}
	if n := p.Hits("stall"); n != 4 {
		t.Errorf("%d stalled requests, want 4 (1 + 3 retries)", n)
	}
	t.Logf("gave up after %s: %s", r.elapsed.Round(time.Millisecond), msg)
}
