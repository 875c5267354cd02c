package image_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/pkg/image"
)

// faultyRegistry puts a fault proxy in front of the fixture's release
// registry and returns it with options that reach the base image through
// it (the proxy's CA and the fixture's in one cert dir, the pull
// credentials filed under the proxy's address).
func faultyRegistry(t *testing.T, w *fixture.World) (*faultproxy.Proxy, string, image.Options) {
	t.Helper()
	p, err := faultproxy.Start(faultproxy.Options{Upstream: "https://" + w.ReleaseRegistry, UpstreamTLS: w.Transport().TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	dir := t.TempDir()
	ca, err := os.ReadFile(w.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fixture-ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteCA(dir); err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(w.PullSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	auth := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(auth, []byte(strings.ReplaceAll(string(secret), w.ReleaseRegistry, p.Addr())), 0o600); err != nil {
		t.Fatal(err)
	}
	ref := "docker://" + p.Addr() + strings.TrimPrefix(w.BaseImage, w.ReleaseRegistry)
	return p, ref, image.Options{Registry: registry.Options{AuthFile: auth, CertDir: dir, Retry: regretry.Policy{Delay: 50 * time.Millisecond}}, CacheDir: "-"}
}

// retries records the notices Open and the layer reads give.
type retries struct {
	mu  sync.Mutex
	log []string
}

func (r *retries) notice(what string, err error, wait time.Duration, n, of int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, what+": "+err.Error())
}

func (r *retries) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// readAllLayers reads every layer to its end (digest checked) and returns
// their decompressed sizes.
func readAllLayers(t *testing.T, im *image.Image) []int64 {
	t.Helper()
	var sizes []int64
	for i := range im.Layers {
		rc, err := im.OpenLayer(context.Background(), i)
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func TestRegistryFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the fixture world; not in -short")
	}
	w := fixture.Start(t)

	// The truth, read directly.
	direct, err := image.Open(context.Background(), "docker://"+w.BaseImage, image.Options{Registry: registry.Options{AuthFile: w.PullSecretFile, CertDir: w.CertDir}, CacheDir: "-"})
	if err != nil {
		t.Fatal(err)
	}
	want := readAllLayers(t, direct)
	direct.Close()

	t.Run("transient", func(t *testing.T) {
		p, ref, opts := faultyRegistry(t, w)
		// The manifest and the config fail twice each, a layer breaks
		// mid-body and its resume is refused: all retried.
		_ = p.SetRules(
			faultproxy.Rule{Name: "503-manifest", Method: "GET", Path: `/manifests/`, Kind: faultproxy.Status, Code: 503, Times: 1},
			faultproxy.Rule{Name: "502-blob", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 502, Times: 2},
			faultproxy.Rule{Name: "reset", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Reset, AfterBytes: 200 << 10, MinBody: 1 << 20, Times: 1},
		)
		var rs retries
		opts.OnRetry = rs.notice
		im, err := image.Open(context.Background(), ref, opts)
		if err != nil {
			t.Fatalf("open through transient faults: %v\nproxy saw:\n%s", err, events(p))
		}
		defer im.Close()
		if im.ManifestDigest != w.BaseDigest {
			t.Errorf("manifest digest %s, want %s", im.ManifestDigest, w.BaseDigest)
		}
		if p.Hits("503-manifest") != 1 || p.Hits("502-blob") != 2 {
			t.Errorf("faults injected: 503-manifest %d, 502-blob %d\n%s", p.Hits("503-manifest"), p.Hits("502-blob"), events(p))
		}
		// A layer breaks mid-body and containers/image's resume (a Range
		// request) is refused: we open the blob again and skip what was
		// delivered.
		_ = p.SetRules(
			faultproxy.Rule{Name: "reset", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Reset, AfterBytes: 200 << 10, MinBody: 1 << 20, Times: 1},
			faultproxy.Rule{Name: "503-resume", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 503, Times: 1},
		)
		got := readAllLayers(t, im)
		if len(got) != len(want) {
			t.Fatalf("%d layers, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("layer %d: %d bytes, want %d", i, got[i], want[i])
			}
		}
		if p.Hits("reset") != 1 || p.Hits("503-resume") != 1 {
			t.Errorf("faults injected: reset %d, 503-resume %d\n%s", p.Hits("reset"), p.Hits("503-resume"), events(p))
		}
		if n := len(rs.all()); n != 4 {
			t.Errorf("%d retries announced, want 4 (manifest, config twice, layer): %q", n, rs.all())
		}
		for _, l := range rs.all() {
			if !strings.Contains(l, p.Addr()) {
				t.Errorf("retry notice %q does not name the registry", l)
			}
		}
	})

	t.Run("stall-mid-layer", func(t *testing.T) {
		p, ref, opts := faultyRegistry(t, w)
		opts.Registry.StallTimeout = 500 * time.Millisecond
		var rs retries
		opts.OnRetry = rs.notice
		im, err := image.Open(context.Background(), ref, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer im.Close()
		_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Stall, AfterBytes: 64 << 10, MinBody: 1 << 20, Times: 1})
		start := time.Now()
		got := readAllLayers(t, im)
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("reading through one stall took %s", took)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("layer %d: %d bytes, want %d", i, got[i], want[i])
			}
		}
		if p.Hits("stall") != 1 {
			t.Fatalf("the stall was injected %d times", p.Hits("stall"))
		}
		log := rs.all()
		if len(log) != 1 || !strings.Contains(log[0], "stalled: no data for 500ms") || !strings.Contains(log[0], "fetching layer sha256:") {
			t.Errorf("retry notices %q, want one stall of a layer", log)
		}
	})

	t.Run("stall-persistent", func(t *testing.T) {
		p, ref, opts := faultyRegistry(t, w)
		opts.Registry.StallTimeout, opts.Registry.Retry.Retries = 300*time.Millisecond, 1
		_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "GET", Path: `/manifests/`, Kind: faultproxy.Stall})
		start := time.Now()
		_, err := image.Open(context.Background(), ref, opts)
		took := time.Since(start)
		if err == nil {
			t.Fatal("opened an image whose registry never answers")
		}
		if !errors.Is(err, regretry.ErrStalled) || !strings.Contains(err.Error(), "reading the manifest and config from "+p.Addr()+": stalled: no data for 300ms (2 attempts)") {
			t.Errorf("error %q does not name the registry, the operation, the stall and the attempts", err)
		}
		if took > 10*time.Second || p.Hits("stall") != 2 {
			t.Errorf("gave up after %s and %d stalled requests, want 2 attempts of 300ms", took, p.Hits("stall"))
		}
	})

	t.Run("persistent-503", func(t *testing.T) {
		p, ref, opts := faultyRegistry(t, w)
		opts.Registry.Retry.Retries = 2
		_ = p.SetRules(faultproxy.Rule{Name: "503", Method: "GET", Path: `/blobs/sha256:`, Kind: faultproxy.Status, Code: 503})
		_, err := image.Open(context.Background(), ref, opts)
		if err == nil {
			t.Fatal("opened an image whose blobs all fail")
		}
		if msg := err.Error(); !strings.Contains(msg, p.Addr()) || !strings.Contains(msg, "503") || !strings.Contains(msg, "config") || !strings.Contains(msg, "(3 attempts)") {
			t.Errorf("error %q does not name the registry, the config, the status and 3 attempts", msg)
		}
		if p.Hits("503") != 3 {
			t.Errorf("%d requests answered 503, want 3 (--retry 2)", p.Hits("503"))
		}
	})

	t.Run("not-retried", func(t *testing.T) {
		p, ref, opts := faultyRegistry(t, w)
		_ = p.SetRules(faultproxy.Rule{Name: "404", Method: "GET", Path: `/manifests/`, Kind: faultproxy.Status, Code: 404})
		var rs retries
		opts.OnRetry = rs.notice
		if _, err := image.Open(context.Background(), ref, opts); err == nil {
			t.Fatal("opened a missing image")
		}
		if p.Hits("404") != 1 || len(rs.all()) != 0 {
			t.Errorf("a 404 was retried: %d requests, notices %q", p.Hits("404"), rs.all())
		}
	})
}

func events(p *faultproxy.Proxy) string {
	var b strings.Builder
	for _, e := range p.Events() {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}
