package build

import (
	"context"
	"errors"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/types"
	"golang.org/x/sys/unix"

	"github.com/ocl-build/ocl-build/pkg/build/buildtest"
	"github.com/ocl-build/ocl-build/pkg/oclerr"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// A disk that fills while a step's layer is committed (the RUN itself
// succeeded) is the machine's problem: exit 2, naming the store's
// filesystem and its free space, not "build failed at RUN" with exit 1.
func TestBuildDiskFullAtCommit(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)
	disk := t.TempDir()
	// 48 MiB: room for the base (a few MiB), the vfs copy of it for the
	// RUN, and the RUN's 20 MiB file, but not for committing that file as
	// a new layer beside them.
	if err := unix.Mount("tmpfs", disk, "tmpfs", 0, "size=48m,mode=0700"); err != nil {
		t.Skipf("mounting a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(disk, unix.MNT_DETACH) })
	so := StoreOptions{Root: filepath.Join(disk, "root"), RunRoot: filepath.Join(t.TempDir(), "runroot"), Driver: DriverVFS}
	cf := "FROM " + reg.BaseImage + "\n" +
		`RUN ["bash", "-c", "s=$(printf '%1048575s' x); for i in {1..20}; do echo \"$s\"; done > /big"]` + "\n"
	var out testutil.SyncBuffer
	_, err := Build(context.Background(), Options{
		ContextDir: contextDir(t, cf), Store: so,
		Registry: registry.Options{TLSVerify: types.OptionalBoolFalse}, Tag: "localhost/ocl-build/full:latest", Out: &out,
	})
	if err == nil {
		t.Fatalf("the build fit in 48 MiB; the test needs a commit that does not\n%s", out.String())
	}
	var ns *NoSpaceError
	if !errors.As(err, &ns) {
		t.Fatalf("want a NoSpaceError, got %T: %v\n%s", err, err, out.String())
	}
	msg := err.Error()
	for _, want := range []string{"no space left on device", "while committing STEP 2/2", so.Root + ": ", "free of 48.0 MiB", "--root"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if c := oclerr.ExitCode(err); c != oclerr.ExitInput {
		t.Errorf("exit status %d, want %d (an infrastructure error, not the RUN's)", c, oclerr.ExitInput)
	}
	var se *StepError
	if errors.As(err, &se) && se.RunExitStatus() != 0 {
		t.Errorf("the RUN succeeded, yet its exit status is %d", se.RunExitStatus())
	}
	assertClean(t, so)
	// Nothing of the failed step is left on the disk for the next build to
	// trip over: the store holds the base and its copy at most.
	if ents, _ := os.ReadDir(filepath.Join(so.Root, "vfs", "dir")); len(ents) > 2 {
		t.Errorf("%d layer directories left in the store after the failure", len(ents))
	}
}

// buildah's commit error dumps the step with %+v: its environment carries
// the proxy variables, credentials included. The message keeps the cause
// and drops the dump; the RUN's exit status is not taken from the layer
// applier's "exit status 1".
func TestCommitFailureMessage(t *testing.T) {
	err := errors.New(`committing container for step {Env:[HTTPS_PROXY=http://user:s3cret@proxy:3128 PATH=/usr/bin] Command:run Args:[bash -c echo {a}: b] Flags:[] Attrs:map[json:true] Message:RUN bash -c echo {a}: b Heredocs:[] Original:RUN ["bash", "-c", "echo {a}: b"]}: copying layers: ApplyLayer stderr: write /big: no space left on device exit status 1`)
	got := stepCause(err, `RUN ["bash", "-c", "echo {a}: b"]`)
	if want := "committing the step's layer: copying layers: ApplyLayer stderr: write /big: no space left on device exit status 1"; got != want {
		t.Errorf("stepCause:\n got %q\nwant %q", got, want)
	}
	se := &StepError{Step: "STEP 2/2", Instruction: "RUN x", Err: err}
	if strings.Contains(se.Error(), "s3cret") || strings.Contains(se.Error(), "Heredocs") {
		t.Errorf("step dump in the error: %s", se.Error())
	}
	if !isCommitFailure(err) || isCommitFailure(errors.New("exit status 3")) {
		t.Error("isCommitFailure misclassifies")
	}
	if !isNoSpace(err) || isNoSpace(errors.New("exit status 1")) {
		t.Error("isNoSpace misclassifies")
	}
}
