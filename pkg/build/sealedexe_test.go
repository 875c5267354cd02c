package build

import (
	"context"
	"github.com/ocl-build/ocl-build/internal/testutil"
	"strings"
	"testing"

	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/ocl-build/ocl-build/pkg/build/buildtest"
	"github.com/ocl-build/ocl-build/pkg/build/internal/sealedreexec"
)

// The RUN's parent (buildah's first re-executed hop) runs from Build's one
// sealed copy of the executable, not from a copy of its own or from disk.
// The first RUN may start before the copy is sealed (it is made alongside
// the pull), so the second RUN is the one that must show it.
func TestRunsStartFromBuildsSealedCopy(t *testing.T) {
	requireRoot(t)
	reg := buildtest.Start(t)
	var out testutil.SyncBuffer
	_, err := Build(context.Background(), Options{
		ContextDir: contextDir(t, "FROM "+reg.BaseImage+"\nRUN true\nRUN echo \"parent-exe=$(stat -c %N /proc/$PPID/exe)\"\n"),
		Store:      testStore(t, DriverOverlay), Registry: registry.Options{TLSVerify: types.OptionalBoolFalse},
		Tag: "localhost/ocl-build/sealed:latest", Out: &out, NoCache: true,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// stat -c %N: '/proc/PID/exe' -> '/memfd:… (deleted)'
	want := "-> '" + sealedreexec.ExeLinkPrefix + " "
	if !strings.Contains(out.String(), want) {
		t.Errorf("the RUN's parent does not run from the build's sealed copy (want %q):\n%s", want, out.String())
	}
}
