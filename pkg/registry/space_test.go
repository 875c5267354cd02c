package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/oci/layout"
	"github.com/containers/image/v5/types"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/sigpolicy"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// A manifest that claims a 100 GiB layer is refused before any blob is
// fetched, naming the layer, the size and the staging directory (and it
// is not retried: more attempts cannot make room).
func TestPullRefusesLayerLargerThanFreeSpace(t *testing.T) {
	inner := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	var blobGets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			blobGets.Add(1)
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/ocl/huge:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	// Rewrite the manifest: the same layer, declared 100 GiB.
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	const huge = 100 << 30
	m.Layers[0].Size = huge
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v2/ocl/huge/manifests/v1", strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", string(m.MediaType))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("PUT manifest: %v %v", err, resp)
	}
	resp.Body.Close()
	blobGets.Store(0)

	staging := t.TempDir()
	o := registry.Options{TLSVerify: types.OptionalBoolFalse, Retry: regretry.Policy{Retries: 2}}
	sys, done, err := o.SystemContext()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	sys.BigFilesTemporaryDir = staging
	policy, err := sigpolicy.Path("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pc, err := sigpolicy.Context(policy)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	src, err := docker.ParseReference("//" + host + "/ocl/huge:v1")
	if err != nil {
		t.Fatal(err)
	}
	dst, err := layout.ParseReference(filepath.Join(t.TempDir(), "oci") + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.Copy(context.Background(), pc, dst, src, registry.Transfer{
		Where: "pulling " + host + "/ocl/huge:v1", Host: host, Sys: sys,
		Check: func(ctx context.Context) error { return registry.CheckSpace(ctx, sys, src, staging) },
	})
	if !errors.Is(err, registry.ErrNoSpace) {
		t.Fatalf("pull of a 100 GiB layer: %v", err)
	}
	var layer v1.Hash = m.Layers[0].Digest
	msg := err.Error()
	for _, want := range []string{"pulling " + host, layer.String()[:19], "100.0 GiB", staging, "TMPDIR", "(1 attempt)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if n := blobGets.Load(); n != 0 {
		t.Errorf("%d blob GETs before the refusal", n)
	}
}
