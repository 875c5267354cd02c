package imagecheck

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/image"
)

// Against the fixture world: the RHCOS-like base from its TLS+htpasswd
// registry, and a layered image holding the fixture repo's real autofs
// payload (as `dnf install autofs` would put it; uncompressed, since
// libarchive pads its gzip output with zeros Go's gzip reader refuses), pushed to the second
// registry. The base lacks autofs.service: OCL401; a unit nowhere: OCL402.
func TestFixtureAutofs(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the fixture world (slow); not in -short")
	}
	if _, err := exec.LookPath("rpm2archive"); err != nil {
		t.Skip("rpm2archive (Debian package rpm2cpio) is not installed")
	}
	w := fixture.Start(t)
	ctx := context.Background()

	rpms, _ := filepath.Glob(filepath.Join(w.RepoDir, "autofs-*.rpm"))
	if len(rpms) != 1 {
		t.Fatalf("autofs rpm in %s: %v", w.RepoDir, rpms)
	}
	payload := filepath.Join(t.TempDir(), "autofs.tar")
	in, err := os.Open(rpms[0])
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(payload)
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	cmd := exec.Command("rpm2archive", "-n", "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("rpm2archive: %v %s", err, errb.String())
	}
	out.Close()
	layer, err := tarball.LayerFromFile(payload)
	if err != nil {
		t.Fatal(err)
	}
	baseImg, err := w.Image(w.BaseImage)
	if err != nil {
		t.Fatal(err)
	}
	layered, err := mutate.AppendLayers(baseImg, layer)
	if err != nil {
		t.Fatal(err)
	}
	pushRef := w.PushRegistry + "/" + fixture.PushRepoPath + ":imagecheck-test"
	tag, err := name.NewTag(pushRef)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, layered, w.RemoteOptions(true)...); err != nil {
		t.Fatalf("push %s: %v", pushRef, err)
	}

	opts := image.Options{Registry: registry.Options{AuthFile: w.MergedSecretFile, CertDir: w.CertDir}}
	base, err := image.Open(ctx, "docker://"+w.BaseImage, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	built, err := image.Open(ctx, "docker://"+pushRef, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()

	mc := machineConfig(t, enable("autofs.service"), enable("ocl-build-nowhere.service"))
	fs, err := Run(ctx, Input{Base: base, Built: built, Options: opts, MachineConfig: mc, MachineConfigFile: "mc.yaml", File: "Containerfile"})
	if err != nil {
		t.Fatal(err)
	}
	got := byRule(fs)
	if len(got[RuleUnitNotInBase]) != 1 || !strings.HasPrefix(got[RuleUnitNotInBase][0].Message, "autofs.service ") ||
		!strings.Contains(got[RuleUnitNotInBase][0].Message, "/usr/lib/systemd/system/autofs.service") || got[RuleUnitNotInBase][0].File != "mc.yaml" {
		t.Errorf("OCL401: %+v", got[RuleUnitNotInBase])
	}
	if len(got[RuleUnitNotInImage]) != 1 || !strings.HasPrefix(got[RuleUnitNotInImage][0].Message, "ocl-build-nowhere.service ") {
		t.Errorf("OCL402: %+v", got[RuleUnitNotInImage])
	}
	if len(got[RuleVolatileLeft]) != 0 {
		t.Errorf("autofs payload has nothing in /var, /run, /tmp: %+v", got[RuleVolatileLeft])
	}
	for _, f := range fs {
		t.Logf("%s %s: %s", f.Rule, f.Severity, f.Message)
	}

	// The image lints over docker:// with the base subtracted: the real
	// autofs payload breaks none of bootc's fatal checks; what it ships
	// under /run (autofs's tmpfiles-less run dir) or /var is named.
	lint, err := Run(ctx, Input{Base: base, Built: built, Options: opts, Lint: true, ImageFile: pushRef})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range lint {
		t.Logf("lint %s %s: %s", f.Rule, f.Severity, f.Message)
		if f.Severity == findings.SeverityError || f.File != pushRef {
			t.Errorf("unexpected: %+v", f)
		}
	}
	// And the base alone, read through the registry, parses as a whole tree.
	tree, err := ReadTree(ctx, base, nil)
	if err != nil || len(tree.Nodes) < 1000 || tree.Layers != len(base.Layers) {
		t.Fatalf("base tree: %v, %d nodes", err, len(tree.Nodes))
	}
}
