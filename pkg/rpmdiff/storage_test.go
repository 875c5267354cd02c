//go:build !fuzzonly

// Left out of the fuzzing build (hack/fuzz.sh, tag fuzzonly): what it imports
// would be compiled again with coverage instrumentation for nothing.

package rpmdiff

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocl-build/ocl-build/internal/testutil"
)

func TestMain(m *testing.M) { testutil.ReexecMain(m) }

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
	testutil.CopyImage(t, store, src)
	want := mustRead(t, NewReader(noCache()), src)
	got := mustRead(t, NewReader(noCache()), store)
	sameLines(t, "containers-storage", lines(got.Packages), lines(want.Packages))
	if got.Path != "usr/share/rpm" || got.LayersRead != 1 {
		t.Fatalf("located %q after reading %d layers", got.Path, got.LayersRead)
	}
}
