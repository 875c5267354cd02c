package storehold_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/transports/alltransports"

	"github.com/ocl-build/ocl-build/internal/storehold"
	"github.com/ocl-build/ocl-build/internal/testutil"
)

func TestMain(m *testing.M) { testutil.ReexecMain(m) }

// An overlay containers-storage store mounts the driver's home while in
// use; it stays up while any hold is left and the last release shuts it
// down (unmounts it). A shut-down store is usable again.
func TestLastReleaseUnmountsOverlayHome(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("an overlay containers-storage store needs root")
	}
	dir := t.TempDir()
	ref := fmt.Sprintf("containers-storage:[overlay@%s+%s]localhost/storehold:latest", filepath.Join(dir, "root"), filepath.Join(dir, "runroot"))
	if _, err := alltransports.ParseImageName(ref); err != nil {
		t.Skipf("no overlay store here: %v", err)
	}
	if len(testutil.MountsUnder(t, dir)) == 0 {
		t.Skip("this overlay driver does not mount its home; nothing to shut down")
	}
	img := testutil.RandomOCIImage(t, 1024, 1)
	// CopyImage holds the store for the copy and releases it after.
	testutil.CopyImage(t, ref, testutil.OCILayout(t, img))
	if m := testutil.MountsUnder(t, dir); len(m) != 0 {
		t.Fatalf("mounts left after seeding the store: %v", m)
	}

	r1, err := alltransports.ParseImageName(ref)
	if err != nil {
		t.Fatal(err)
	}
	release1 := storehold.Acquire(r1)
	r2, err := alltransports.ParseImageName(ref)
	if err != nil {
		t.Fatal(err)
	}
	release2 := storehold.Acquire(r2)
	// Reading a layer reloads the driver after the shutdown: mounted again.
	ctx := context.Background()
	src, err := r2.NewImageSource(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := src.LayerInfosForCopy(ctx, nil)
	if err != nil || len(layers) != 1 {
		t.Fatalf("stored layers: %v, %v", layers, err)
	}
	rc, _, err := src.GetBlob(ctx, layers[0], none.NoCache)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if len(testutil.MountsUnder(t, dir)) == 0 {
		t.Fatal("the store did not come back after a shutdown")
	}
	release1()
	release1() // a second call must not count twice
	if len(testutil.MountsUnder(t, dir)) == 0 {
		t.Fatal("store shut down while a hold was left")
	}
	src.Close()
	release2()
	if m := testutil.MountsUnder(t, dir); len(m) != 0 {
		t.Fatalf("mounts left under the store after the last release: %v", m)
	}
}

func TestOtherTransportsAreNoOps(t *testing.T) {
	r, err := alltransports.ParseImageName("docker://registry.example.com/a/b:c")
	if err != nil {
		t.Fatal(err)
	}
	storehold.Acquire(r)() // must not panic or block
	storehold.Acquire(nil)()
}
