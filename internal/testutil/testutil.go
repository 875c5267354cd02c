package testutil

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/storage/pkg/reexec"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/internal/storehold"
)

// ReexecMain is the body of TestMain for packages whose tests make
// containers/storage (layer application, chroot isolation) re-execute the
// test binary, as ocl-build's main does.
func ReexecMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// CopyImage copies src to dst, both containers/image references, with an
// accept-anything policy; it is how tests put an image into a private
// containers-storage store. A store dst opened is shut down again, so the
// copy leaves no overlay mount behind.
func CopyImage(t testing.TB, dst, src string) {
	t.Helper()
	srcRef, err := alltransports.ParseImageName(src)
	if err != nil {
		t.Fatal(err)
	}
	dstRef, err := alltransports.ParseImageName(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer storehold.Acquire(dstRef)()
	defer storehold.Acquire(srcRef)()
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	if _, err := copy.Image(context.Background(), pc, dstRef, srcRef, &copy.Options{}); err != nil {
		t.Fatalf("copying %s to %s: %v", src, dst, err)
	}
}

// OCILayout writes img as an OCI layout tagged latest under a fresh temp
// dir and returns its reference, oci:DIR:latest.
func OCILayout(t testing.TB, img v1.Image) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "latest"})); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir + ":latest"
}

// RandomOCIImage is an OCI image (OCI manifest and config media types) of
// the given number of random gzip layers, as buildah writes for the cluster.
func RandomOCIImage(t testing.TB, layerSize int64, layers int) v1.Image {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for i := 0; i < layers; i++ {
		l, err := random.Layer(layerSize, types.OCILayer)
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// MountsUnder lists the mount points at or below dir, from /proc/mounts.
func MountsUnder(t testing.TB, dir string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Clean(dir)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		// /proc/mounts escapes blanks as \040; temp dirs have none.
		if mp := f[1]; mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (buildah's
// step output, status --watch) and a reader at the same time.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
