package rpmdiff

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocl-build/ocl-build/internal/fuzzseed"
	"github.com/ocl-build/ocl-build/pkg/image"
)

// fuzzLimits are the documented bounds a hostile layer runs into: here
// small, so a gzip bomb or a million entries fail fast. MaxPathBytes keeps
// its default.
var fuzzLimits = image.Limits{MaxLayerBytes: 8 << 20, MaxFileBytes: 4 << 20, MaxEntries: 20000}

// locateInLayer runs the whole single-layer pipeline (index the tar stream,
// read every database in it, locate the effective one) with its spool
// directory alone in a fresh parent, then proves the layer wrote nothing
// outside the spool: the parent holds only the spool, and nothing under it
// is a symlink or resolves elsewhere.
func locateInLayer(t testing.TB, layer []byte, limits image.Limits) (*DB, error) {
	parent := t.TempDir()
	spool := filepath.Join(parent, "spool")
	if err := os.Mkdir(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := func() (*DB, error) {
		ix, err := image.IndexTar(context.Background(), func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(layer)), nil
		}, keep, spool, limits)
		if err != nil {
			return nil, err
		}
		db, err := locate(image.Stack{ix}, []*layerEntry{buildEntry(ix)})
		if err == nil && db == nil {
			err = ErrNoRPMDB
		}
		return db, err
	}()
	assertConfined(t, parent, spool)
	return db, err
}

func assertConfined(t testing.TB, parent, spool string) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "spool" || !e.IsDir() {
			t.Fatalf("wrote %s (%s) outside the spool directory", e.Name(), e.Type())
		}
	}
	realSpool, err := filepath.EvalSymlinks(spool)
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(spool, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatalf("walking the spool: %v", err)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			t.Fatalf("symlink in the spool: %s", p)
		}
		if r, err := filepath.EvalSymlinks(p); err != nil || (r != realSpool && !strings.HasPrefix(r, realSpool+string(filepath.Separator))) {
			t.Fatalf("%s resolves to %q outside the spool (%v)", p, r, err)
		}
		return nil
	})
}

// Hostile layers: path traversal, absolute symlinks, loops, self hard links,
// whiteouts everywhere, truncated and bogus databases, huge headers, gzip
// bombs. The seeds are testdata/fuzz/FuzzLocateRPMDB (written by
// hack/fuzzcorpus from internal/fuzzseed). Nothing may panic, hang, or write
// outside the spool directory; every failure is an error.
func FuzzLocateRPMDB(f *testing.F) {
	f.Fuzz(func(t *testing.T, layer []byte) {
		db, err := locateInLayer(t, layer, fuzzLimits)
		if err == nil && (db == nil || db.Path == "" || len(db.Packages) == 0) {
			t.Fatalf("success without a database: %+v", db)
		}
		if db != nil && (filepath.IsAbs(db.Path) || db.Path == ".." || strings.HasPrefix(db.Path, "../")) {
			t.Fatalf("located outside the image root: %q", db.Path)
		}
	})
}

// hostileBound: how long any hostile seed may take (the slowest, the gzip
// bomb, takes well under a second; a quadratic path walk took minutes).
const hostileBound = 20 * time.Second

func TestHostileLayers(t *testing.T) {
	// What each seed must fail with; the rest must fail with any error.
	want := map[string][]error{
		fuzzseed.GzipBomb:         {image.ErrLayerTooLarge},
		fuzzseed.PAXPath2MiB:      {image.ErrHeaderTooLarge, tar.ErrFieldTooLong},
		fuzzseed.PAXRecords:       {image.ErrHeaderTooLarge, tar.ErrFieldTooLong},
		fuzzseed.GNULongName2MiB:  {image.ErrHeaderTooLarge, tar.ErrFieldTooLong},
		fuzzseed.PAXPathDeep:      {image.ErrHeaderTooLarge},
		fuzzseed.HugeSizePAX:      {image.ErrFileTooLarge},
		fuzzseed.HugeSizeGNU:      {image.ErrFileTooLarge},
		fuzzseed.HugeSizeUnkept:   {io.ErrUnexpectedEOF},
		fuzzseed.GNULongNameShort: {io.ErrUnexpectedEOF},
		fuzzseed.SymlinkLoop:      {ErrNoRPMDB},
		fuzzseed.PAXRecordsUnder:  {ErrNoRPMDB},
	}
	// The macro's %_dbpath "/../../x" is x inside the image, and the entry
	// "/x/Packages" is there: a bogus database, read where it belongs.
	wantText := map[string]string{fuzzseed.PathTraversal: "x/Packages: corrupt or truncated rpm database"}
	seen := 0
	for _, l := range fuzzseed.HostileLayers() {
		t.Run(l.Name, func(t *testing.T) {
			type result struct {
				db  *DB
				err error
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				db, err := locateInLayer(t, l.Data, fuzzLimits)
				done <- result{db, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(hostileBound):
				t.Fatalf("no answer within %v", hostileBound)
			}
			t.Logf("%v: %v", time.Since(start).Round(time.Millisecond), r.err)
			if r.err == nil {
				t.Fatalf("a layer without a real database succeeded: %+v", r.db)
			}
			if len(r.err.Error()) > 512 {
				t.Errorf("error of %d bytes: a hostile name must not be echoed whole", len(r.err.Error()))
			}
			if w, ok := wantText[l.Name]; ok && !strings.HasPrefix(r.err.Error(), w) {
				t.Errorf("error %q does not start with %q", r.err, w)
			}
			for _, w := range want[l.Name] {
				if !errors.Is(r.err, w) {
					t.Errorf("error %q is not %q", r.err, w)
				}
			}
		})
		if _, ok := want[l.Name]; ok {
			seen++
		}
		if _, ok := wantText[l.Name]; ok {
			seen++
		}
	}
	if seen != len(want)+len(wantText) {
		t.Fatalf("%d of %d expected seeds exist", seen, len(want)+len(wantText))
	}
}

// The loop seed really is a loop: resolving the rpm directory through it
// fails after MaxSymlinkHops rather than spinning.
func TestSymlinkLoopSeed(t *testing.T) {
	for _, l := range fuzzseed.HostileLayers() {
		if l.Name != fuzzseed.SymlinkLoop {
			continue
		}
		ix, err := image.IndexTar(context.Background(), func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(l.Data)), nil
		}, keep, t.TempDir(), fuzzLimits)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"usr/share/rpm", "var/lib/rpm"} {
			if _, err := (image.Stack{ix}).Resolve(p); !errors.Is(err, image.ErrSymlinkLoop) {
				t.Errorf("%s: %v", p, err)
			}
		}
		return
	}
	t.Fatal("no symlink-loop seed")
}

func TestHostileLimits(t *testing.T) {
	// Too many entries.
	var es []fuzzseed.Entry
	for i := 0; i < 30; i++ {
		es = append(es, fuzzseed.Entry{Header: tar.Header{Name: "d/f" + string(rune('a'+i)), Mode: 0o644}})
	}
	if _, err := locateInLayer(t, fuzzseed.Tar(es...), image.Limits{MaxEntries: 10}); !errors.Is(err, image.ErrTooManyEntries) {
		t.Fatalf("entry limit: %v", err)
	}
	// A real database in a hostile-looking layer is still found.
	fed := dbFile(t, "fedora35", "rpmdb.sqlite")
	db, err := locateInLayer(t, fuzzseed.Gzip(fuzzseed.Tar(
		fuzzseed.Entry{Header: tar.Header{Name: "/../usr/share/rpm/rpmdb.sqlite", Mode: 0o644}, Body: fed},
		fuzzseed.Entry{Header: tar.Header{Name: "var/lib/rpm", Typeflag: tar.TypeSymlink, Linkname: "/../../usr/share/rpm"}})), image.Limits{})
	if err != nil || db.Path != "usr/share/rpm" || len(db.Packages) != len(rpmQA(t, realDB(t, "fedora35"))) {
		t.Fatalf("%v %+v", err, db)
	}
}
