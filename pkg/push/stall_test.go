package push_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/ocl-build/ocl-build/internal/faultproxy"
	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"github.com/ocl-build/ocl-build/pkg/push"
)

// stallProxy puts a fault proxy in front of the push registry and returns
// options pushing a fresh image through it.
func stallProxy(t *testing.T, w *fixture.World, repo string) (*faultproxy.Proxy, push.Options) {
	t.Helper()
	p, err := faultproxy.Start(faultproxy.Options{Upstream: "https://" + w.PushRegistry, UpstreamTLS: w.Transport().TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	certs := t.TempDir()
	ca, err := os.ReadFile(w.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(certs, "fixture-ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteCA(certs); err != nil {
		t.Fatal(err)
	}
	auth := filepath.Join(t.TempDir(), "auth.json")
	cred := base64.StdEncoding.EncodeToString([]byte(w.PushUser + ":" + w.PushPassword))
	if err := os.WriteFile(auth, []byte(`{"auths":{"`+p.Addr()+`":{"auth":"`+cred+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	src := testutil.OCILayout(t, testutil.RandomOCIImage(t, 1<<20, 2))
	return p, push.Options{
		Src: src, Dest: p.Addr() + "/" + repo,
		Registry: registry.Options{AuthFile: auth, CertDir: certs, Retry: regretry.Policy{Delay: 50 * time.Millisecond},
			StallTimeout: 500 * time.Millisecond, BlobInfoCacheDir: t.TempDir()},
	}
}

func TestPushStall(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the fixture world; not in -short")
	}
	w := fixture.Start(t)

	t.Run("once", func(t *testing.T) {
		// The registry takes an upload and never answers, once: that
		// attempt is given up after the stall timeout and the retry lands
		// the image.
		p, o := stallProxy(t, w, "ocl/stall-once:v1")
		_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "PATCH", Kind: faultproxy.Stall, Times: 1})
		start := time.Now()
		res, err := push.Push(context.Background(), o)
		if err != nil {
			t.Fatalf("push through one stall: %v", err)
		}
		if p.Hits("stall") != 1 || res.Attempts != 2 {
			t.Errorf("%d stalls, %d attempts; want 1 and 2", p.Hits("stall"), res.Attempts)
		}
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("took %s", took)
		}
		if !strings.HasPrefix(res.PullSpec, p.Addr()+"/ocl/stall-once@sha256:") {
			t.Errorf("pullspec %s", res.PullSpec)
		}
	})

	t.Run("persistent", func(t *testing.T) {
		p, o := stallProxy(t, w, "ocl/stall-always:v1")
		o.Registry.Retry.Retries = 1
		_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "PATCH", Kind: faultproxy.Stall})
		start := time.Now()
		_, err := push.Push(context.Background(), o)
		took := time.Since(start)
		if err == nil {
			t.Fatal("pushed to a registry that never answers")
		}
		msg := err.Error()
		if !errors.Is(err, regretry.ErrStalled) || !strings.Contains(msg, "push to "+p.Addr()+"/ocl/stall-always:v1") ||
			!strings.Contains(msg, "stalled: no data for 500ms") || !strings.Contains(msg, "blob sha256:") {
			t.Errorf("error %q does not name the registry, the blob and the stall", msg)
		}
		// Two attempts of 500 ms each plus one 50 ms delay, and setup.
		if took > 10*time.Second || p.Hits("stall") < 2 {
			t.Errorf("gave up after %s and %d stalled requests", took, p.Hits("stall"))
		}
	})

	t.Run("interrupt", func(t *testing.T) {
		// The user's cancellation is not a stall and is not retried.
		p, o := stallProxy(t, w, "ocl/stall-cancel:v1")
		o.Registry.StallTimeout = time.Minute
		_ = p.SetRules(faultproxy.Rule{Name: "stall", Method: "PATCH", Kind: faultproxy.Stall})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		_, err := push.Push(ctx, o)
		if !errors.Is(err, context.Canceled) || errors.Is(err, regretry.ErrStalled) {
			t.Errorf("cancelled push: %v, want context.Canceled and no stall", err)
		}
		if p.Hits("stall") != 1 {
			t.Errorf("%d stalled requests, want 1 (no retry after a cancel)", p.Hits("stall"))
		}
	})
}
