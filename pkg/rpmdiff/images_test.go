package rpmdiff

import (
	"archive/tar"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ocl-build/ocl-build/pkg/image"
)

// ent is one tar entry of a test layer: a file (body), a symlink (link),
// a hard link (hard) or a directory (dir).
type ent struct {
	name string
	body []byte
	link string
	hard string
	dir  bool
}

func file(name string, body []byte) ent { return ent{name: name, body: body} }
func symlink(name, target string) ent   { return ent{name: name, link: target} }

func dbFile(t testing.TB, db, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realDB(t, db), f))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tarOf(t testing.TB, ents []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Mode: 0o644}
		switch {
		case e.dir:
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		case e.link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
		case e.hard != "":
			h.Typeflag, h.Linkname = tar.TypeLink, e.hard
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layerOf(t testing.TB, ents ...ent) v1.Layer {
	t.Helper()
	b := tarOf(t, ents)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func imageOf(t testing.TB, labels map[string]string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config.Labels = labels
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// writeTransports stores img as an OCI layout, an OCI archive and a docker
// archive and returns the three references.
func writeTransports(t testing.TB, img v1.Image) []string {
	t.Helper()
	dir := t.TempDir()
	lp := filepath.Join(dir, "layout")
	p, err := layout.Write(lp, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "latest"})); err != nil {
		t.Fatal(err)
	}
	arch := filepath.Join(dir, "image.oci.tar")
	tarDir(t, lp, arch)
	da := filepath.Join(dir, "image.docker.tar")
	tag, _ := name.NewTag("example.com/test/image:latest")
	if err := tarball.WriteToFile(da, tag, img); err != nil {
		t.Fatal(err)
	}
	return []string{"oci:" + lp + ":latest", "oci-archive:" + arch, "docker-archive:" + da}
}

func tarDir(t testing.TB, src, dst string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		fi, _ := d.Info()
		h, _ := tar.FileInfoHeader(fi, "")
		h.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeRootfs lays ents out as a directory (the merged view of an image).
func writeRootfs(t testing.TB, ents ...ent) string {
	t.Helper()
	root := t.TempDir()
	for _, e := range ents {
		p := filepath.Join(root, filepath.FromSlash(e.name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		var err error
		switch {
		case e.dir:
			err = os.MkdirAll(p, 0o755)
		case e.link != "":
			err = os.Symlink(e.link, p)
		default:
			err = os.WriteFile(p, e.body, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var osRelease = []byte("NAME=\"Red Hat Enterprise Linux CoreOS\"\nID=\"rhcos\"\nVERSION_ID=\"4.19\"\n")

// rhcosLikeBase: rpmdb in sqlite at usr/share/rpm, var/lib/rpm a relative
// symlink to it, %_dbpath set in the macros, os-release behind a symlink.
func rhcosLikeBase(t testing.TB) []v1.Layer {
	return []v1.Layer{
		layerOf(t,
			ent{name: "usr/", dir: true}, ent{name: "usr/share/rpm/", dir: true},
			file("usr/share/rpm/rpmdb.sqlite", dbFile(t, "fedora35", "rpmdb.sqlite")),
			symlink("var/lib/rpm", "../../usr/share/rpm"),
			file("usr/lib/os-release", osRelease), symlink("etc/os-release", "../usr/lib/os-release"),
			file("usr/lib/rpm/macros.d/macros.rpm-ostree", []byte("%_dbpath /usr/share/rpm\n"))),
		layerOf(t, file("usr/bin/tool", []byte("#!/bin/sh\n")), file("etc/motd", []byte("hi\n"))),
	}
}

func mustRead(t *testing.T, r *Reader, ref string) *DB {
	t.Helper()
	db, err := r.Read(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// Every transport and the unpacked directory give the same answer, equal
// to Debian rpm's reading of the same database.
func TestTransportsAgree(t *testing.T) {
	base := imageOf(t, nil, rhcosLikeBase(t)...)
	layered := imageOf(t, map[string]string{"machineconfigpool": "worker"}, append(rhcosLikeBase(t),
		layerOf(t, file("usr/share/rpm/rpmdb.sqlite", dbFile(t, "fedora35-plus-mongo", "rpmdb.sqlite"))),
		layerOf(t, file("usr/bin/mongo", []byte("x"))))...)
	want := lines(rpmQA(t, realDB(t, "fedora35-plus-mongo")))
	wantDiff := Diff(rpmQA(t, realDB(t, "fedora35")), rpmQA(t, realDB(t, "fedora35-plus-mongo")))
	baseRefs := writeTransports(t, base)
	refs := writeTransports(t, layered)
	rootfs := writeRootfs(t, file("usr/share/rpm/rpmdb.sqlite", dbFile(t, "fedora35-plus-mongo", "rpmdb.sqlite")),
		symlink("var/lib/rpm", "../../usr/share/rpm"))
	refs = append(refs, rootfs, filepath.Join(rootfs, "usr/share/rpm"), filepath.Join(rootfs, "var/lib/rpm/rpmdb.sqlite"))
	for i, ref := range refs {
		r := NewReader(noCache())
		db := mustRead(t, r, ref)
		sameLines(t, ref, lines(db.Packages), want)
		if db.Format != FormatSQLite {
			t.Errorf("%s: format %s", ref, db.Format)
		}
		if i < 3 {
			if db.Path != "usr/share/rpm" || db.Layer == "" {
				t.Errorf("%s: located at %q in %q", ref, db.Path, db.Layer)
			}
			// The database is in the third layer from the bottom: only the
			// two layers above it and itself are read.
			if db.LayersRead != 2 {
				t.Errorf("%s: read %d layers, want 2", ref, db.LayersRead)
			}
			b := mustRead(t, r, baseRefs[i])
			got := Diff(b.Packages, db.Packages)
			if got.Summary() != wantDiff.Summary() || strings.Join(nevras(got.Added), ",") != strings.Join(nevras(wantDiff.Added), ",") {
				t.Errorf("%s: diff %s, want %s", ref, got.Summary(), wantDiff.Summary())
			}
			// The layered image's database sits above base's layers, so
			// reading it touched at most one of them (the read-ahead).
			if b.LayersRead < 1 || b.LayersRead > 2 {
				t.Errorf("%s: base read %d layers, want 1 or 2", baseRefs[i], b.LayersRead)
			}
		}
	}
}

// Overlay semantics: whiteouts, opaque directories, symlinks, macros,
// hard links (the ostree container layout), loops.
func TestLocateOverlay(t *testing.T) {
	fed := dbFile(t, "fedora35", "rpmdb.sqlite")
	mongo := dbFile(t, "fedora35-plus-mongo", "rpmdb.sqlite")
	centos := dbFile(t, "centos7-plain", "Packages")
	rocky := dbFile(t, "rockylinux-9", "rpmdb.sqlite")
	cases := []struct {
		name   string
		layers [][]ent // bottom first
		want   string  // go-rpmdb testdata name, "" for an error
		path   string
		errHas string
	}{
		{name: "whiteout hides the upper-priority dir",
			layers: [][]ent{
				{file("var/lib/rpm/Packages", centos)},
				{file("usr/share/rpm/rpmdb.sqlite", fed)},
				{file("usr/share/.wh.rpm", nil), file("usr/share/doc/x", []byte("x"))},
			}, want: "centos7-plain", path: "var/lib/rpm"},
		{name: "whiteout of the file itself",
			layers: [][]ent{
				{file("var/lib/rpm/Packages", centos), file("usr/share/rpm/rpmdb.sqlite", fed)},
				{file("usr/share/rpm/.wh.rpmdb.sqlite", nil)},
			}, want: "centos7-plain", path: "var/lib/rpm"},
		{name: "opaque directory hides lower contents",
			layers: [][]ent{
				{file("usr/share/rpm/rpmdb.sqlite", fed), file("var/lib/rpm/Packages", centos)},
				{file("usr/share/.wh..wh..opq", nil), file("usr/share/doc/y", []byte("y"))},
			}, want: "centos7-plain", path: "var/lib/rpm"},
		{name: "opaque directory keeps its own layer's files",
			layers: [][]ent{
				{file("usr/share/rpm/rpmdb.sqlite", fed)},
				{file("usr/share/rpm/.wh..wh..opq", nil), file("usr/share/rpm/rpmdb.sqlite", mongo)},
			}, want: "fedora35-plus-mongo", path: "usr/share/rpm"},
		{name: "macro dbpath wins in the same layer",
			layers: [][]ent{
				{file("opt/rpmdb/rpmdb.sqlite", rocky), file("usr/share/rpm/rpmdb.sqlite", fed),
					file("etc/rpm/macros.dbpath", []byte("# custom\n%_dbpath %{_prefix}/../opt/rpmdb\n"))},
			}, want: "rockylinux-9", path: "opt/rpmdb"},
		{name: "absolute symlink to a directory elsewhere",
			layers: [][]ent{
				{file("sysroot/rpmstore/rpmdb.sqlite", mongo)},
				{symlink("usr/share/rpm", "/sysroot/rpmstore")},
			}, want: "fedora35-plus-mongo", path: "sysroot/rpmstore"},
		{name: "symlink in an upper layer replaces a lower directory",
			layers: [][]ent{
				{file("usr/lib/sysimage/rpm/rpmdb.sqlite", rocky), file("usr/share/rpm/rpmdb.sqlite", fed)},
				{symlink("usr/share/rpm", "../lib/sysimage/rpm")},
			}, want: "rockylinux-9", path: "usr/lib/sysimage/rpm"},
		{name: "hard link into the ostree object store",
			layers: [][]ent{
				{file("sysroot/ostree/repo/objects/ab/cdef.file", mongo),
					ent{name: "usr/share/rpm/rpmdb.sqlite", hard: "sysroot/ostree/repo/objects/ab/cdef.file"}},
			}, want: "fedora35-plus-mongo", path: "usr/share/rpm"},
		{name: "hard link listed before its target was kept",
			layers: [][]ent{
				{file("sysroot/ostree/repo/objects/ab/cdef.file", centos),
					ent{name: "var/lib/rpm/Packages", hard: "sysroot/ostree/repo/objects/ab/cdef.file"}},
			}, want: "centos7-plain", path: "var/lib/rpm"},
		{name: "path traversal in names stays inside the image",
			layers: [][]ent{
				{file("../../../usr/share/rpm/rpmdb.sqlite", fed)},
			}, want: "fedora35", path: "usr/share/rpm"},
		{name: "symlink loop",
			layers: [][]ent{
				{symlink("usr/share/rpm", "rpm2"), symlink("usr/share/rpm2", "rpm"), symlink("var/lib/rpm", "/usr/share/rpm"),
					symlink("usr/lib/sysimage/rpm", "/var/lib/rpm")},
			}, errHas: "too many levels of symbolic links"},
		{name: "no rpmdb at all",
			layers: [][]ent{{file("etc/hostname", []byte("x"))}}, errHas: "no rpm database found"},
		{name: "truncated database",
			layers: [][]ent{{file("usr/share/rpm/rpmdb.sqlite", fed[:len(fed)/3])}}, errHas: "corrupt or truncated"},
		{name: "not a database",
			layers: [][]ent{{file("var/lib/rpm/Packages", bytes.Repeat([]byte("junk"), 2000))}}, errHas: "corrupt or truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ls []v1.Layer
			for _, l := range c.layers {
				ls = append(ls, layerOf(t, l...))
			}
			ref := writeTransports(t, imageOf(t, nil, ls...))[0]
			db, err := NewReader(noCache()).Read(context.Background(), ref)
			if c.want == "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) || !strings.Contains(err.Error(), ref) {
					t.Fatalf("want an error naming %q and %q, got %v", ref, c.errHas, err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if db.Path != c.path {
				t.Errorf("located at %q, want %q", db.Path, c.path)
			}
			sameLines(t, c.name, lines(db.Packages), lines(rpmQA(t, realDB(t, c.want))))
		})
	}
}

// walDB writes a real SQLite rpmdb whose last transaction (deleting the
// packages named in drop) lives only in the write-ahead log.
func walDB(t *testing.T, drop []string) (main, wal, shm []byte, kept int) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "rpmdb.sqlite")
	if err := os.WriteFile(p, dbFile(t, "fedora35", "rpmdb.sqlite"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// Packages(hnum, blob); Name(key, hnum, idx) maps names to header numbers.
	for _, n := range drop {
		if _, err := db.Exec("DELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Name WHERE key = ?)", n); err != nil {
			t.Fatal(err)
		}
	}
	var count int
	if err := db.QueryRow("SELECT count(*) FROM Packages").Scan(&count); err != nil {
		t.Fatal(err)
	}
	read := func(n string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	main, wal, shm = read("rpmdb.sqlite"), read("rpmdb.sqlite-wal"), read("rpmdb.sqlite-shm")
	if len(wal) == 0 {
		t.Fatal("the test needs a non-empty WAL")
	}
	return main, wal, shm, count
}

func TestWALTravelsWithTheDatabase(t *testing.T) {
	main, wal, shm, kept := walDB(t, []string{"tzdata", "bash"})
	full := len(rpmQA(t, realDB(t, "fedora35")))
	if kept != full-2 {
		t.Fatalf("setup: %d of %d kept", kept, full)
	}
	with := writeTransports(t, imageOf(t, nil, layerOf(t,
		file("usr/share/rpm/rpmdb.sqlite", main), file("usr/share/rpm/rpmdb.sqlite-wal", wal), file("usr/share/rpm/rpmdb.sqlite-shm", shm))))[0]
	db := mustRead(t, NewReader(noCache()), with)
	if len(db.Packages) != kept {
		t.Fatalf("with WAL: %d packages, want %d", len(db.Packages), kept)
	}
	for _, p := range db.Packages {
		if p.Name == "bash" || p.Name == "tzdata" {
			t.Fatalf("%s deleted in the WAL but still listed", p.Name)
		}
	}
	// Same check through a directory on disk (rpmdb-file path with sidecars).
	root := writeRootfs(t, file("rpmdb.sqlite", main), file("rpmdb.sqlite-wal", wal), file("rpmdb.sqlite-shm", shm))
	if db := mustRead(t, NewReader(noCache()), filepath.Join(root, "rpmdb.sqlite")); len(db.Packages) != kept {
		t.Fatalf("local file with WAL: %d packages, want %d", len(db.Packages), kept)
	}
}

// A repeated read is answered from the cache without reading a layer, and
// equals the cold answer.
func TestCacheByLayerDigest(t *testing.T) {
	cache := t.TempDir()
	opts := image.Options{CacheDir: cache}
	ref := writeTransports(t, imageOf(t, nil, rhcosLikeBase(t)...))[1]
	cold := mustRead(t, NewReader(opts), ref)
	if cold.LayersRead != 2 {
		t.Fatalf("cold read %d layers", cold.LayersRead)
	}
	warm := mustRead(t, NewReader(opts), ref)
	if warm.LayersRead != 0 {
		t.Fatalf("warm read %d layers", warm.LayersRead)
	}
	if strings.Join(lines(warm.Packages), "\n") != strings.Join(lines(cold.Packages), "\n") || warm.Path != cold.Path || warm.Layer != cold.Layer {
		t.Fatal("warm answer differs from cold")
	}
	var files []string
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
			if fi, _ := d.Info(); fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s is %v, want private", p, fi.Mode())
			}
		}
		return nil
	})
	if len(files) != 2 {
		t.Fatalf("cache files: %v", files)
	}
	// A damaged entry is recomputed, not trusted.
	for _, f := range files {
		os.WriteFile(f, []byte("{garbage"), 0o600)
	}
	again := mustRead(t, NewReader(opts), ref)
	if again.LayersRead != 2 || len(again.Packages) != len(cold.Packages) {
		t.Fatalf("after corrupting the cache: read %d layers, %d packages", again.LayersRead, len(again.Packages))
	}
}

func TestMissingImageErrors(t *testing.T) {
	for _, ref := range []string{"oci:/nonexistent/layout:latest", "/nonexistent/rootfs", "docker-archive:/nonexistent.tar"} {
		_, err := ReadPackages(context.Background(), ref, noCache())
		var ie *image.Error
		if err == nil || !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), ref+": ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want one line naming the image, got %v", ref, err)
		}
	}
}

func TestInspect(t *testing.T) {
	labels := map[string]string{"machineconfig": "rendered-worker-abc", "machineconfigpool": "worker", "baseOSContainerImage": "quay.io/x/rhcos@sha256:00", "other": "1"}
	ref := writeTransports(t, imageOf(t, labels, rhcosLikeBase(t)...))[2]
	in, err := NewReader(noCache()).Inspect(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if in.MCO.MachineConfigPool != "worker" || in.MCO.MachineConfig != "rendered-worker-abc" || in.MCO.BaseOSContainerImage == "" {
		t.Errorf("labels: %+v", in.MCO)
	}
	if len(in.Layers) != 2 || in.TotalSize <= 0 || in.Architecture != "amd64" {
		t.Errorf("layers %d size %d arch %s", len(in.Layers), in.TotalSize, in.Architecture)
	}
	if in.OSRelease["ID"] != "rhcos" || in.OSRelease["VERSION_ID"] != "4.19" {
		t.Errorf("os-release: %v", in.OSRelease)
	}
	if in.RPMDB == nil || in.RPMDB.Format != FormatSQLite || in.RPMDB.Path != "usr/share/rpm" || in.PackageCount != len(rpmQA(t, realDB(t, "fedora35"))) {
		t.Errorf("rpmdb: %+v count %d", in.RPMDB, in.PackageCount)
	}
}

// Layers both images hold are read once per Reader.
func TestSharedLayersReadOnce(t *testing.T) {
	base := imageOf(t, nil, rhcosLikeBase(t)...)
	noisy := imageOf(t, nil, append(rhcosLikeBase(t), layerOf(t, file("etc/issue", []byte("x"))))...)
	r := NewReader(noCache())
	n := mustRead(t, r, writeTransports(t, noisy)[0])
	if n.LayersRead != 3 {
		t.Fatalf("first image read %d layers, want 3", n.LayersRead)
	}
	b := mustRead(t, r, writeTransports(t, base)[1])
	if b.LayersRead != 0 {
		t.Fatalf("second image read %d layers although all are shared", b.LayersRead)
	}
	if d := Diff(b.Packages, n.Packages); !d.Empty() {
		t.Fatalf("same database, diff %s", d.Summary())
	}
}
