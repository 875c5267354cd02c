package fuzzseed

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
)

// Layer is one crafted layer blob (a tar stream, gzip-compressed or not).
type Layer struct {
	Name string
	Data []byte
}

// Names of the hostile layers whose outcome tests assert on.
const (
	GzipBomb          = "gzip-bomb-10MiB"
	PAXPath2MiB       = "huge-header-pax-path-2MiB"
	PAXPathDeep       = "huge-header-pax-path-deep-under-1MiB"
	PAXRecords        = "huge-header-pax-records-100k"
	PAXRecordsUnder   = "pax-records-60k-under-1MiB"
	GNULongName2MiB   = "huge-header-gnu-longname-2MiB"
	GNULongNameShort  = "gnu-longname-huge-size-truncated"
	HugeSizePAX       = "huge-size-1e62-pax-rpmdb"
	HugeSizeGNU       = "huge-size-1e62-gnu-base256-rpmdb"
	HugeSizeUnkept    = "huge-size-1e62-unkept-short-body"
	SymlinkLoop       = "symlink-loop"
	AbsoluteSymlink   = "absolute-symlink"
	PathTraversal     = "path-traversal-dotdot"
	HardlinkTraversal = "hardlink-traversal"
)

// HostileLayers are crafted layers that hold no usable rpm database: path
// traversal, absolute symlinks, symlink loops, self hard links, whiteouts,
// bogus databases, huge headers and a gzip bomb. Deterministic: the same
// bytes on every call.
func HostileLayers() []Layer {
	junk := bytes.Repeat([]byte("junk"), 64)
	return []Layer{
		{PathTraversal, Tar(
			Entry{Header: tar.Header{Name: "../../../../etc/rpm/macros", Mode: 0o644}, Body: []byte("%_dbpath /../../x\n")},
			Entry{Header: tar.Header{Name: "/x/Packages", Mode: 0o644}, Body: junk})},
		{AbsoluteSymlink, Tar(
			Entry{Header: tar.Header{Name: "usr/share/rpm", Typeflag: tar.TypeSymlink, Linkname: "/../../../../tmp"}},
			Entry{Header: tar.Header{Name: "tmp/rpmdb.sqlite", Mode: 0o644}, Body: []byte("SQLite format 3\x00garbage")})},
		{"symlink-self-loop", Tar(
			Entry{Header: tar.Header{Name: "var/lib/rpm", Typeflag: tar.TypeSymlink, Linkname: "rpm"}})},
		// a -> b -> a, and both rpm database directories lead into it.
		{SymlinkLoop, Tar(
			Entry{Header: tar.Header{Name: "a", Typeflag: tar.TypeSymlink, Linkname: "b"}},
			Entry{Header: tar.Header{Name: "b", Typeflag: tar.TypeSymlink, Linkname: "/a"}},
			Entry{Header: tar.Header{Name: "usr/share/rpm", Typeflag: tar.TypeSymlink, Linkname: "/a"}},
			Entry{Header: tar.Header{Name: "var/lib/rpm", Typeflag: tar.TypeSymlink, Linkname: "../../a/rpm"}},
			Entry{Header: tar.Header{Name: "a/rpmdb.sqlite", Mode: 0o644}, Body: []byte("SQLite format 3\x00")})},
		{"hardlink-self", Tar(
			Entry{Header: tar.Header{Name: "usr/share/rpm/Packages.db", Typeflag: tar.TypeLink, Linkname: "usr/share/rpm/Packages.db"}})},
		{HardlinkTraversal, Tar(
			Entry{Header: tar.Header{Name: "usr/share/rpm/rpmdb.sqlite", Typeflag: tar.TypeLink, Linkname: "../../../../../etc/shadow"}},
			Entry{Header: tar.Header{Name: "../etc/shadow", Mode: 0o600}, Body: junk})},
		{"whiteouts-opaque-bogus-bdb", Tar(
			Entry{Header: tar.Header{Name: "usr/share/.wh..wh..opq", Mode: 0o644}},
			Entry{Header: tar.Header{Name: "usr/share/rpm/.wh.rpmdb.sqlite", Mode: 0o644}},
			Entry{Header: tar.Header{Name: "var/lib/rpm/Packages.db", Mode: 0o644}, Body: []byte("RpmP\x00\x00\x00\x00\xff\xff\xff\xff")})},
		{"gzip-bogus-bdb-packages", Gzip(Tar(
			Entry{Header: tar.Header{Name: "var/lib/rpm/Packages", Mode: 0o644}, Body: junk}))},
		{GzipBomb, gzipBomb(10 << 20)},
		// Extended headers past archive/tar's 1 MiB bound, compressed so the
		// seed stays small.
		{PAXPath2MiB, Gzip(Concat(PAX(paxRecord("path", strings.Repeat("p", 2<<20))), Tar(Entry{Header: tar.Header{Name: "f", Mode: 0o644}})))},
		{PAXRecords, Gzip(Concat(PAX(records(100_000)), Tar(Entry{Header: tar.Header{Name: "usr/share/rpm/rpmdb.sqlite", Mode: 0o644}})))},
		{GNULongName2MiB, Gzip(Concat(GNUHeader("././@LongLink", 'L', 1<<40), bytes.Repeat([]byte("n"), 2<<20)))},
		// Within archive/tar's bound, but a name of a million bytes and half
		// a million directories: our own path limit must stop it.
		{PAXPathDeep, Gzip(Tar(Entry{Header: tar.Header{Name: strings.Repeat("a/", (1<<20-64)/2) + "rpmdb.sqlite", Mode: 0o644}}))},
		{PAXRecordsUnder, Gzip(Concat(PAX(records(60_000)), Tar(Entry{Header: tar.Header{Name: "etc/os-release", Mode: 0o644}, Body: []byte("ID=x\n")})))},
		// Sizes claimed far beyond the body that follows.
		{GNULongNameShort, Concat(GNUHeader("././@LongLink", 'L', 1<<40), bytes.Repeat([]byte("n"), 1024))},
		{HugeSizePAX, hugeSize("usr/share/rpm/rpmdb.sqlite", tar.FormatPAX)},
		{HugeSizeGNU, hugeSize("var/lib/rpm/Packages", tar.FormatGNU)},
		{HugeSizeUnkept, hugeSize("usr/lib/huge", tar.FormatPAX)},
	}
}

// Entry is one tar member; Size is set from Body and Typeflag defaults to a
// regular file.
type Entry struct {
	tar.Header
	Body []byte
}

// Tar writes the entries as one uncompressed tar stream without its end
// marker. It panics on an entry archive/tar refuses: a bug in a seed, not
// an input.
func Tar(es ...Entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		h := e.Header
		h.Size = int64(len(e.Body))
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if err := tw.WriteHeader(&h); err != nil {
			panic(fmt.Sprintf("fuzzseed: entry with a %d-byte name: %v", len(h.Name), err))
		}
		tw.Write(e.Body)
	}
	// Flush, not Close: no end-of-archive blocks (readers stop cleanly at
	// EOF), which keeps the quoted corpus files small.
	tw.Flush()
	return buf.Bytes()
}

// Gzip compresses b at the best ratio.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// Concat joins byte slices.
func Concat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// GNUHeader is one raw 512-byte GNU tar header block, for what archive/tar's
// writer refuses to produce (long-name 'L'/'K' entries, arbitrary sizes).
// Sizes beyond the octal field use GNU's base-256 encoding.
func GNUHeader(name string, typeflag byte, size int64) []byte {
	return rawHeader(name, typeflag, size, "ustar  \x00")
}

// PAX is a raw PAX extended header ('x') carrying records verbatim, with no
// bound on their size (archive/tar's writer refuses more than 1 MiB).
func PAX(records []byte) []byte {
	pad := make([]byte, (512-len(records)%512)%512)
	return Concat(rawHeader("PaxHeaders/f", 'x', int64(len(records)), "ustar\x0000"), records, pad)
}

// paxRecord encodes one "<length> key=value\n" record; the length counts
// its own digits.
func paxRecord(k, v string) []byte {
	rest := " " + k + "=" + v + "\n"
	n := len(rest) + 1
	for len(fmt.Sprint(n))+len(rest) != n {
		n++
	}
	return []byte(fmt.Sprint(n) + rest)
}

func rawHeader(name string, typeflag byte, size int64, magic string) []byte {
	b := make([]byte, 512)
	copy(b[0:100], name)
	copy(b[100:108], "0000644\x00")
	copy(b[108:116], "0000000\x00")
	copy(b[116:124], "0000000\x00")
	if size < 1<<33 {
		copy(b[124:136], fmt.Sprintf("%011o\x00", size))
	} else {
		b[124] = 0x80
		for i := 135; i > 124; i-- {
			b[i] = byte(size)
			size >>= 8
		}
	}
	copy(b[136:148], "00000000000\x00")
	b[156] = typeflag
	copy(b[257:265], magic)
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

// records are n PAX records of a vendor key tar readers ignore (one key
// repeated, so the seed compresses to almost nothing).
func records(n int) []byte {
	return bytes.Repeat(paxRecord("OCL.pad", "x"), n)
}

// hugeSize is an entry claiming 2^62 bytes followed by four bytes of body.
func hugeSize(name string, format tar.Format) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: 1 << 62, Format: format}); err != nil {
		panic(fmt.Sprintf("fuzzseed: %s: %v", name, err))
	}
	tw.Write([]byte("junk"))
	return buf.Bytes() // no Close: the claimed body never comes
}

// gzipBomb holds n bytes of zeros in files nobody keeps, so only the
// decompressed-size limit can stop it.
func gzipBomb(n int) []byte {
	zero := make([]byte, 1<<20)
	var es []Entry
	for i := 0; i < n; i += len(zero) {
		es = append(es, Entry{Header: tar.Header{Name: fmt.Sprintf("usr/lib/zero%d", i), Mode: 0o644}, Body: zero})
	}
	return Gzip(Tar(es...))
}
