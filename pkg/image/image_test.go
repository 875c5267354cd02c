package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	ctypes "github.com/containers/image/v5/types"
)

type tent struct {
	name, body, link string
	typ              byte
}

func testLayer(t *testing.T, ents ...tent) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ, Linkname: e.link}
		if h.Typeflag == 0 {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, e.body)
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

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
		testLayer(t, tent{name: unitDir + "a.service", body: "old a"}, tent{name: unitDir + "b.service", body: "b"},
			tent{name: "etc/systemd/system/c.service", body: "c"}, tent{name: unitDir + "d.service", body: "d"}),
		testLayer(t, tent{name: unitDir + "a.service", body: "new a"}, tent{name: unitDir + ".wh.b.service"},
			tent{name: "etc/systemd/system/.wh..wh..opq"}, tent{name: "etc/systemd/system/e.service", body: "e"},
			tent{name: unitDir + "f.service", typ: tar.TypeSymlink, link: "d.service"}),
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

func TestSystemContext(t *testing.T) {
	t.Setenv("REGISTRY_AUTH_FILE", "/env/auth.json")
	f := false
	sys := Options{CertDir: "/certs", TLSVerify: &f}.SystemContext()
	if sys.AuthFilePath != "/env/auth.json" || sys.DockerCertPath != "/certs" || sys.DockerInsecureSkipTLSVerify != ctypes.OptionalBoolTrue {
		t.Fatalf("%+v", sys)
	}
	if (Options{AuthFile: "/flag.json"}).SystemContext().AuthFilePath != "/flag.json" {
		t.Fatal("--authfile must win over REGISTRY_AUTH_FILE")
	}
}
