package testutil

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TarEntry is one entry of a test layer: a regular file unless Type says
// otherwise (tar.TypeDir, tar.TypeSymlink with Link, ...).
type TarEntry struct {
	Name, Body, Link string
	Type             byte
}

// File, Symlink and Dir are the common entries.
func File(name, body string) TarEntry  { return TarEntry{Name: name, Body: body} }
func Symlink(name, to string) TarEntry { return TarEntry{Name: name, Link: to, Type: tar.TypeSymlink} }
func Dir(name string) TarEntry         { return TarEntry{Name: name, Type: tar.TypeDir} }

// TarLayer is an uncompressed OCI layer holding ents in order: files 0644,
// directories 0755.
func TarLayer(t testing.TB, ents ...TarEntry) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Typeflag: e.Type, Linkname: e.Link}
		if h.Typeflag == 0 {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.Body))
		}
		if h.Typeflag == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, e.Body)
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}
