package rpmdiff

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocl-build/ocl-build/pkg/image"
)

// fuzzLimits are the documented bounds a hostile layer runs into: here
// small, so a gzip bomb or a million entries fail fast.
var fuzzLimits = image.Limits{MaxLayerBytes: 8 << 20, MaxFileBytes: 4 << 20, MaxEntries: 20000}

// locateInLayer runs the whole single-layer pipeline: index the tar
// stream, read every database in it, locate the effective one.
func locateInLayer(t testing.TB, layer []byte, limits image.Limits) (*DB, error) {
	spool := t.TempDir()
	ix, err := image.IndexTar(context.Background(), func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layer)), nil
	}, keep, spool, limits)
	if err != nil {
		return nil, err
	}
	e := buildEntry(ix)
	db, err := locate(image.Stack{ix}, []*layerEntry{e})
	if err == nil && db == nil {
		err = ErrNoRPMDB
	}
	return db, err
}

type hdr struct {
	tar.Header
	body []byte
}

func rawTar(t testing.TB, hs ...hdr) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hs {
		h.Size = int64(len(h.body))
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if err := tw.WriteHeader(&h.Header); err != nil {
			t.Fatal(err)
		}
		tw.Write(h.body)
	}
	tw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func gzipBomb(n int) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(w)
	// Files nobody keeps, so only the decompressed-size limit can stop it.
	zero := make([]byte, 1<<20)
	for i := 0; i < n; i += len(zero) {
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/lib/zero%d", i), Size: int64(len(zero)), Typeflag: tar.TypeReg, Mode: 0o644})
		tw.Write(zero)
	}
	tw.Close()
	w.Close()
	return buf.Bytes()
}

func fuzzSeeds(t testing.TB) [][]byte {
	junk := bytes.Repeat([]byte("junk"), 64)
	return [][]byte{
		rawTar(t, hdr{tar.Header{Name: "../../../../etc/rpm/macros", Mode: 0o644}, []byte("%_dbpath /../../x\n")},
			hdr{tar.Header{Name: "/x/Packages", Mode: 0o644}, junk}),
		rawTar(t, hdr{tar.Header{Name: "usr/share/rpm", Typeflag: tar.TypeSymlink, Linkname: "/../../../../tmp"}, nil},
			hdr{tar.Header{Name: "tmp/rpmdb.sqlite", Mode: 0o644}, []byte("SQLite format 3\x00garbage")}),
		rawTar(t, hdr{tar.Header{Name: "var/lib/rpm", Typeflag: tar.TypeSymlink, Linkname: "rpm"}, nil}),
		rawTar(t, hdr{tar.Header{Name: "usr/share/rpm/Packages.db", Typeflag: tar.TypeLink, Linkname: "usr/share/rpm/Packages.db"}, nil}),
		rawTar(t, hdr{tar.Header{Name: "usr/share/.wh..wh..opq", Mode: 0o644}, nil},
			hdr{tar.Header{Name: "usr/share/rpm/.wh.rpmdb.sqlite", Mode: 0o644}, nil},
			hdr{tar.Header{Name: "var/lib/rpm/Packages.db", Mode: 0o644}, []byte("RpmP\x00\x00\x00\x00\xff\xff\xff\xff")}),
		gz(rawTar(t, hdr{tar.Header{Name: "var/lib/rpm/Packages", Mode: 0o644}, junk})),
		gzipBomb(10 << 20),
	}
}

// Hostile layers: path traversal, absolute symlinks, loops, self hard links,
// whiteouts everywhere, truncated and bogus databases, gzip bombs. Nothing
// may panic, hang, or write outside the spool directory; every failure is
// an error.
func FuzzLocateRPMDB(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, layer []byte) {
		db, err := locateInLayer(t, layer, fuzzLimits)
		if err == nil && (db == nil || db.Path == "" || len(db.Packages) == 0) {
			t.Fatalf("success without a database: %+v", db)
		}
		if db != nil && (filepath.IsAbs(db.Path) || db.Path == ".." || bytes.HasPrefix([]byte(db.Path), []byte("../"))) {
			t.Fatalf("located outside the image root: %q", db.Path)
		}
	})
}

func TestHostileLayers(t *testing.T) {
	_, err := locateInLayer(t, gzipBomb(10<<20), fuzzLimits)
	if !errors.Is(err, image.ErrLayerTooLarge) {
		t.Fatalf("gzip bomb: %v", err)
	}
	// Nothing lands outside the spool, whatever the names say.
	cwd, _ := os.Getwd()
	before, _ := os.ReadDir(filepath.Dir(cwd))
	for _, s := range fuzzSeeds(t) {
		if _, err := locateInLayer(t, s, fuzzLimits); err == nil {
			t.Fatalf("a seed without a real database succeeded")
		}
	}
	after, _ := os.ReadDir(filepath.Dir(cwd))
	if len(before) != len(after) {
		t.Fatal("files appeared next to the package directory")
	}
	// Too many entries.
	var hs []hdr
	for i := 0; i < 30; i++ {
		hs = append(hs, hdr{tar.Header{Name: "d/f" + string(rune('a'+i)), Mode: 0o644}, nil})
	}
	if _, err := locateInLayer(t, rawTar(t, hs...), image.Limits{MaxEntries: 10}); err == nil {
		t.Fatal("entry limit not enforced")
	}
	// A real database in a hostile-looking layer is still found.
	fed := dbFile(t, "fedora35", "rpmdb.sqlite")
	db, err := locateInLayer(t, gz(rawTar(t,
		hdr{tar.Header{Name: "/../usr/share/rpm/rpmdb.sqlite", Mode: 0o644}, fed},
		hdr{tar.Header{Name: "var/lib/rpm", Typeflag: tar.TypeSymlink, Linkname: "/../../usr/share/rpm"}, nil})), image.Limits{})
	if err != nil || db.Path != "usr/share/rpm" || len(db.Packages) != len(rpmQA(t, realDB(t, "fedora35"))) {
		t.Fatalf("%v %+v", err, db)
	}
}
