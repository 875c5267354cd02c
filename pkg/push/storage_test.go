package push_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/storage/pkg/reexec"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/pkg/push"
)

// TestMain lets containers/storage re-execute the test binary for its
// helpers, as main does for ocl-build.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

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
	src, err := alltransports.ParseImageName(ociLayout(t, randomImage(t, 200<<10, 2)))
	if err != nil {
		t.Fatal(err)
	}
	dst, err := alltransports.ParseImageName(storeRef)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	if _, err := copy.Image(context.Background(), pc, dst, src, &copy.Options{}); err != nil {
		t.Fatalf("seeding the store: %v", err)
	}

	o := baseOptions(w, storeRef, w.PushRegistry+"/ocl/from-storage:v1")
	o.BlobInfoCacheDir = t.TempDir()
	res, err := push.Push(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := registryDigest(t, w, w.PushRegistry+"/ocl/from-storage:v1"); got != res.Digest.String() {
		t.Fatalf("registry has %s, push said %s", got, res.Digest)
	}
	// 2 layers (compressed on the way) and the config.
	if res.BlobsCopied != 3 || res.BytesCopied < 2*200<<10 {
		t.Fatalf("copied %d blobs, %d bytes: want 3 blobs, at least the 400 KiB of layer data", res.BlobsCopied, res.BytesCopied)
	}
}
