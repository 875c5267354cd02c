package rpmdiff

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
)

// TestMain lets containers/storage re-execute the test binary to apply
// layers in a chroot, as ocl-build's main does.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// containers-storage: an image copied into a private vfs store (as podman
// would hold it) reads the same as its OCI layout.
func TestContainersStorageTransport(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("a vfs containers-storage store needs root here")
	}
	layered := imageOf(t, nil, append(rhcosLikeBase(t),
		layerOf(t, file("usr/share/rpm/rpmdb.sqlite", dbFile(t, "fedora35-plus-mongo", "rpmdb.sqlite"))))...)
	src := writeTransports(t, layered)[0]
	dir := t.TempDir()
	store := fmt.Sprintf("containers-storage:[vfs@%s+%s]localhost/rpmdiff-test:latest", filepath.Join(dir, "root"), filepath.Join(dir, "run"))
	srcRef, err := alltransports.ParseImageName(src)
	if err != nil {
		t.Fatal(err)
	}
	dstRef, err := alltransports.ParseImageName(store)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	if _, err := copy.Image(context.Background(), pc, dstRef, srcRef, &copy.Options{}); err != nil {
		t.Fatal(err)
	}
	want := mustRead(t, NewReader(noCache()), src)
	got := mustRead(t, NewReader(noCache()), store)
	sameLines(t, "containers-storage", lines(got.Packages), lines(want.Packages))
	if got.Path != "usr/share/rpm" || got.LayersRead != 1 {
		t.Fatalf("located %q after reading %d layers", got.Path, got.LayersRead)
	}
}
