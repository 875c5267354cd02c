package build

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/pkg/build/buildtest"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
)

// Prune removes exactly the build containers whose owner process is gone
// (one of them still mounted) and the dead owner's temporary directories;
// a running build's container, podman's and buildah's containers, and
// directories without our mark stay.
func TestPruneOnlyDeadOwners(t *testing.T) {
	requireRoot(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	so := testStore(t, DriverOverlay)

	cmd := exec.Command("true")
	must(t, cmd.Run())
	dead := ownedtemp.Prefix + "p" + strconv.Itoa(cmd.Process.Pid) + "s1-0123456789ab"
	alive := buildSuffix()

	store, err := OpenStore(so)
	must(t, err)
	create := func(name string) string {
		c, err := store.CreateContainer("", []string{name}, "", "", "", nil)
		must(t, err)
		return c.ID
	}
	deadMounted := create("base-" + dead)
	deadClash := create("base-" + dead + "-42")
	create("base-" + alive)
	create("base-working-container")                              // buildah's own name
	create("ocl-build-0123456789ab")                              // a name without the owner mark
	create("stoic_" + strings.TrimPrefix(dead, ownedtemp.Prefix)) // podman-style, not ours
	mp, err := store.Mount(deadMounted, "")
	must(t, err)
	if m, _ := MountsUnder(mp); len(m) != 1 {
		t.Fatalf("the container's root is not mounted at %s: %v", mp, m)
	}
	store.Shutdown(false)

	deadDir := filepath.Join(tmp, ownedtemp.Prefix+"pull-p"+strconv.Itoa(cmd.Process.Pid)+"s1-abcdef")
	must(t, os.Mkdir(deadDir, 0o700))
	must(t, os.WriteFile(filepath.Join(deadDir, "partial-blob"), []byte("x"), 0o600))
	liveDir, err := ownedtemp.Dir(tmp, "context")
	must(t, err)
	foreign := filepath.Join(tmp, "podman-build-123")
	must(t, os.Mkdir(foreign, 0o700))

	r, err := Prune(so)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range r.Containers {
		ids = append(ids, c.ID)
		if c.ID == deadMounted && !c.Unmounted {
			t.Errorf("the mounted container was not reported as unmounted")
		}
	}
	want := []string{deadMounted, deadClash}
	sort.Strings(ids)
	sort.Strings(want)
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("reclaimed containers %v, want %v", ids, want)
	}
	if len(r.TempDirs) != 1 || r.TempDirs[0] != deadDir {
		t.Errorf("reclaimed directories %v, want [%s]", r.TempDirs, deadDir)
	}
	for _, p := range []string{liveDir, foreign} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if _, err := os.Stat(deadDir); !os.IsNotExist(err) {
		t.Errorf("%s still exists: %v", deadDir, err)
	}

	store, err = OpenStore(so)
	must(t, err)
	defer store.Shutdown(false)
	ctrs, err := store.Containers()
	must(t, err)
	if len(ctrs) != 4 {
		var names []string
		for _, c := range ctrs {
			names = append(names, c.Names...)
		}
		t.Errorf("want 4 containers left, have %v", names)
	}
	if m, _ := MountsUnder(so.Root); len(m) != 0 {
		t.Errorf("mounts left under the store: %v", m)
	}

	// Nothing left: a second prune reclaims nothing.
	store.Shutdown(false)
	if r, err := Prune(so); err != nil || !r.Empty() {
		t.Errorf("second prune: %+v, %v", r, err)
	}
}

// A RUN that exits 7 fails the build with a StepError whose
// RunExitStatus is 7: the CLI ends with it, as buildah bud does.
func TestFailingRunExitStatus(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)
	so := testStore(t, DriverVFS)
	_, err := Build(context.Background(), Options{
		ContextDir: contextDir(t, "FROM "+reg.BaseImage+"\nRUN echo failing; exit 7\n"),
		Store:      so, Registry: registry.Options{TLSVerify: types.OptionalBoolFalse},
		Tag: "localhost/ocl-build/exit7:latest", NoCache: true,
	})
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("want a StepError, got %v", err)
	}
	if got := se.RunExitStatus(); got != 7 {
		t.Errorf("RunExitStatus = %d, want 7 (%v)", got, err)
	}
	if got := (&oclerr.StepError{Step: "build", Err: err, Failed: true}).ExitCode(); got != 7 {
		t.Errorf("the command would exit %d, want 7", got)
	}
	assertClean(t, so)
}
