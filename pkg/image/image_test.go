package image

import (
	"archive/tar"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/internal/testutil"
)

func testImage(t *testing.T, layers ...v1.Layer) string {
	t.Helper()
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), layers...)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir
}

const unitDir = "usr/lib/systemd/system/"

// FindFiles gives the merged view: later layers replace, whiteouts and
// opaque directories delete, symlinked paths are not files.
func TestFindFilesOverlay(t *testing.T) {
	ref := testImage(t,
		testutil.TarLayer(t, testutil.TarEntry{Name: unitDir + "a.service", Body: "old a"}, testutil.TarEntry{Name: unitDir + "b.service", Body: "b"},
			testutil.TarEntry{Name: "etc/systemd/system/c.service", Body: "c"}, testutil.TarEntry{Name: unitDir + "d.service", Body: "d"}),
		testutil.TarLayer(t, testutil.TarEntry{Name: unitDir + "a.service", Body: "new a"}, testutil.TarEntry{Name: unitDir + ".wh.b.service"},
			testutil.TarEntry{Name: "etc/systemd/system/.wh..wh..opq"}, testutil.TarEntry{Name: "etc/systemd/system/e.service", Body: "e"},
			testutil.TarEntry{Name: unitDir + "f.service", Type: tar.TypeSymlink, Link: "d.service"}),
	)
	im, err := Open(context.Background(), ref, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if im.Kind != KindContainer || len(im.Layers) != 2 {
		t.Fatalf("kind %s, %d layers", im.Kind, len(im.Layers))
	}
	files, err := FindFiles(context.Background(), im, func(p string) bool { return strings.HasSuffix(p, ".service") })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path+"="+string(f.Data))
	}
	want := "etc/systemd/system/e.service=e," + unitDir + "a.service=new a," + unitDir + "d.service=d"
	if strings.Join(got, ",") != want {
		t.Fatalf("got  %v\nwant %s", got, want)
	}
	if files[1].Layer != im.Layers[1].Digest || files[2].Layer != im.Layers[0].Digest {
		t.Fatalf("layers: %+v", files)
	}
}

func TestOpenLocalKinds(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "rootfs/etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "db"), 0o755)
	os.WriteFile(filepath.Join(root, "db/rpmdb.sqlite"), []byte("x"), 0o600)
	for p, k := range map[string]Kind{"rootfs": KindRootfs, "db": KindRPMDBDir, "db/rpmdb.sqlite": KindRPMDBFile} {
		im, err := Open(context.Background(), filepath.Join(root, p), Options{})
		if err != nil || im.Kind != k {
			t.Errorf("%s: %v %v", p, err, im)
		}
	}
	_, err := Open(context.Background(), filepath.Join(root, "nope"), Options{})
	var ie *Error
	if !errors.As(err, &ie) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing path: %v", err)
	}
}

func TestResolveClampsAndLoops(t *testing.T) {
	s := Stack{{Symlinks: map[string]string{"a": "../../../b", "b": "/c/d", "x": "y", "y": "x"}, Dirs: map[string]bool{}, Files: map[string]*KeptFile{}}}
	if got, err := s.Resolve("a/file"); err != nil || got != "c/d/file" {
		t.Fatalf("got %q %v", got, err)
	}
	if _, err := s.Resolve("x/file"); !errors.Is(err, ErrSymlinkLoop) {
		t.Fatalf("loop: %v", err)
	}
	if CleanPath("/../../etc/./passwd") != "etc/passwd" || CleanPath("./") != "" {
		t.Fatal("CleanPath")
	}
}
