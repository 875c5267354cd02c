package push_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"github.com/ocl-build/ocl-build/pkg/push"
)

func TestMain(m *testing.M) { testutil.ReexecMain(m) }

// The build's output lives in containers storage: push from there, the way
// build.StoreOptions.Reference names it.
func TestPushFromContainersStorage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("containers storage with the vfs driver needs root here")
	}
	w := fixture.Start(t)
	dir := t.TempDir()
	storeRef := fmt.Sprintf("containers-storage:[vfs@%s+%s]localhost/ocl/stored:latest", filepath.Join(dir, "root"), filepath.Join(dir, "runroot"))

	// Put an image into a private store with containers/image itself.
	testutil.CopyImage(t, storeRef, testutil.OCILayout(t, testutil.RandomOCIImage(t, 200<<10, 2)))

	o := baseOptions(w, storeRef, w.PushRegistry+"/ocl/from-storage:v1")
	o.Registry.BlobInfoCacheDir = t.TempDir()
	res, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := registryDigest(t, w, w.PushRegistry+"/ocl/from-storage:v1"); got != res.Digest.String() {
		t.Fatalf("registry has %s, push said %s", got, res.Digest)
	}
	// 2 layers (compressed on the way) and the config: what was uploaded
	// is what the registry's manifest lists, what was read is the
	// uncompressed layers.
	m := registryManifest(t, w, w.PushRegistry+"/ocl/from-storage:v1")
	want := m.Config.Size
	for _, l := range m.Layers {
		want += l.Size
	}
	if res.BlobsCopied != 3 || res.BytesUploaded != want || res.BytesRead < 2*200<<10 {
		t.Fatalf("copied %d blobs, %d bytes uploaded (registry: %d), %d read: want 3 blobs and at least 400 KiB read", res.BlobsCopied, res.BytesUploaded, want, res.BytesRead)
	}

	// The same stored image to another repository: the blob info cache
	// knows the compressed form of each stored layer and where it lives,
	// so no layer is compressed or uploaded again (containers/image sends
	// the small config to a new repository rather than mounting it).
	o.Dest = w.PushRegistry + "/ocl/from-storage-2:v1"
	again, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest != res.Digest || again.BlobsReused < 2 || again.BytesUploaded > m.Config.Size {
		t.Fatalf("second push from storage: digest %s (first %s), %d blobs / %d bytes sent, %d reused; want the same digest, the 2 layers reused, at most the %d-byte config sent",
			again.Digest, res.Digest, again.BlobsCopied, again.BytesUploaded, again.BlobsReused, m.Config.Size)
	}
}
