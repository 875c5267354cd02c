//go:build !fuzzonly

// Left out of the fuzzing build (hack/fuzz.sh, tag fuzzonly): what it imports
// would be compiled again with coverage instrumentation for nothing.

package rpmdiff

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/registry"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ocl-build/ocl-build/internal/fixture"
	"github.com/ocl-build/ocl-build/pkg/image"
)

func fixtureKey(name string, epoch int, v, r, arch string) string {
	return name + " " + strconv.Itoa(epoch) + " " + v + " " + r + " " + arch
}

func ourKeys(ps []Package) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fixtureKey(p.Name, p.epoch(), p.Version, p.Release, p.Arch))
	}
	sort.Strings(out)
	return out
}

// Against the fixture world's registry (TLS + htpasswd): the base image,
// a layered image whose rpmdb real rpm updated with the fixture repo's
// packages, every transport agreeing, and the failure modes.
func TestFixtureRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the fixture world (slow); not in -short")
	}
	needRPM(t)
	w := fixture.Start(t)
	ctx := context.Background()
	opts := image.Options{Registry: registry.Options{AuthFile: w.MergedSecretFile, CertDir: w.CertDir}, CacheDir: t.TempDir()}

	// 1. The base image equals the fixture's own package list.
	r := NewReader(opts)
	base, err := r.Read(ctx, "docker://"+w.BaseImage)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range w.BaseRPMs {
		want = append(want, fixtureKey(p.Name, p.Epoch, p.Version, p.Release, p.Arch))
	}
	sort.Strings(want)
	sameLines(t, "base", ourKeys(base.Packages), want)
	if len(base.Packages) != w.BasePackages {
		t.Fatalf("%d packages, fixture says %d", len(base.Packages), w.BasePackages)
	}

	// 2. A layered image: real rpm installs the repo's RPMs (one of them an
	// upgrade of a base package) into a copy of the base rpmdb.
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	if err := w.ExtractBase(rootfs); err != nil {
		t.Fatal(err)
	}
	// The extracted root filesystem is itself a transport.
	fromDir := mustRead(t, NewReader(noCache()), rootfs)
	sameLines(t, "rootfs", ourKeys(fromDir.Packages), want)
	dbDir := filepath.Join(rootfs, filepath.FromSlash(base.Path))
	rpms, _ := filepath.Glob(filepath.Join(w.RepoDir, "*.rpm"))
	if len(rpms) == 0 {
		t.Fatal("no RPMs in the fixture repo")
	}
	args := append([]string{"--dbpath", dbDir, "--define", "_db_backend sqlite", "-U", "--justdb", "--nodeps", "--noscripts", "--nosignature", "--nodigest"}, rpms...)
	if out, err := exec.Command("rpm", args...).CombinedOutput(); err != nil {
		t.Fatalf("rpm -U --justdb: %v\n%s", err, out)
	}
	var dbEnts []ent
	files, _ := os.ReadDir(dbDir)
	for _, f := range files {
		if isDBFileName(f.Name()) {
			b, err := os.ReadFile(filepath.Join(dbDir, f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			dbEnts = append(dbEnts, file(base.Path+"/"+f.Name(), b))
		}
	}
	baseImg, err := w.Image(w.BaseImage)
	if err != nil {
		t.Fatal(err)
	}
	layered, err := mutate.AppendLayers(baseImg, layerOf(t, dbEnts...), layerOf(t, file("etc/auto.master", []byte("/misc /etc/auto.misc\n"))))
	if err != nil {
		t.Fatal(err)
	}
	pushRef := w.PushRegistry + "/" + fixture.PushRepoPath + ":rpmdiff-test"
	if w.PushRegistry == "" {
		pushRef = w.ReleaseRegistry + "/ocl-build-test/rpmdiff:layered"
	}
	tag, err := name.NewTag(pushRef)
	if err != nil {
		t.Fatal(err)
	}
	pushOpts := w.RemoteOptions(w.PushRegistry != "")
	if err := remote.Write(tag, layered, pushOpts...); err != nil {
		t.Fatalf("push %s: %v", pushRef, err)
	}
	target, err := r.Read(ctx, "docker://"+pushRef)
	if err != nil {
		t.Fatal(err)
	}
	if target.LayersRead != 2 {
		t.Errorf("layered image: read %d layers, want only the 2 added on top", target.LayersRead)
	}
	d := Diff(base.Packages, target.Packages)
	var wantAdded, wantUp []string
	inBase := map[string]fixture.Package{}
	for _, p := range w.BaseRPMs {
		inBase[p.Name+"."+p.Arch] = p
	}
	for _, p := range w.RepoPackages {
		if _, ok := inBase[p.Name+"."+p.Arch]; ok {
			wantUp = append(wantUp, p.Name)
		} else {
			wantAdded = append(wantAdded, p.Name+"-"+p.Version+"-"+p.Release+"."+p.Arch)
		}
	}
	sort.Strings(wantAdded)
	var gotAdded, gotUp []string
	for _, p := range d.Added {
		gotAdded = append(gotAdded, p.Name+"-"+p.Version+"-"+p.Release+"."+p.Arch)
	}
	for _, c := range d.Upgraded {
		gotUp = append(gotUp, c.Name)
	}
	sameLines(t, "added", gotAdded, wantAdded)
	sameLines(t, "upgraded", gotUp, wantUp)
	if len(d.Removed)+len(d.Downgraded) != 0 || len(wantUp) == 0 {
		t.Fatalf("diff %s (want %d upgraded)", d.Summary(), len(wantUp))
	}
	t.Logf("fixture diff: %s", d.Summary())

	// 3. The same image as an OCI layout reads the same.
	lp := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(lp, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(layered); err != nil {
		t.Fatal(err)
	}
	viaOCI := mustRead(t, NewReader(noCache()), "oci:"+lp)
	sameLines(t, "oci vs docker", lines(viaOCI.Packages), lines(target.Packages))

	// 4. Warm: a new Reader on the same cache reads no layer at all.
	warm, err := NewReader(opts).Read(ctx, "docker://"+pushRef)
	if err != nil || warm.LayersRead != 0 {
		t.Fatalf("warm read: %v, %d layers", err, warm.LayersRead)
	}

	// 5. Failures: one line naming the image.
	badAuth := filepath.Join(t.TempDir(), "auth.json")
	os.WriteFile(badAuth, []byte(`{"auths":{"`+w.ReleaseRegistry+`":{"auth":"`+"d3Jvbmc6d3Jvbmc="+`"}}}`), 0o600)
	for _, c := range []struct {
		ref  string
		opts image.Options
		has  string
	}{
		{"docker://" + w.BaseImage, image.Options{Registry: registry.Options{AuthFile: badAuth, CertDir: w.CertDir}, CacheDir: "-"}, "authentication required"},
		{"docker://" + w.ReleaseRegistry + "/no/such-image:latest", image.Options{Registry: registry.Options{AuthFile: w.MergedSecretFile, CertDir: w.CertDir}, CacheDir: "-"}, ""},
		{"docker://" + w.BaseImage, image.Options{Registry: registry.Options{AuthFile: w.MergedSecretFile}, CacheDir: "-"}, "certificate"},
	} {
		_, err := ReadPackages(ctx, c.ref, c.opts)
		if err == nil || !strings.HasPrefix(err.Error(), c.ref+": ") || strings.Contains(err.Error(), "\n") ||
			!strings.Contains(strings.ToLower(err.Error()), c.has) {
			t.Errorf("%s: want one line naming the image and %q, got %v", c.ref, c.has, err)
		}
		for _, s := range w.Secrets() {
			if err != nil && strings.Contains(err.Error(), s) {
				t.Errorf("error leaks a secret")
			}
		}
	}
}
