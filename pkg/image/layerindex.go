package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
)

// KeptFile is a regular file an index kept: small ones in memory, big ones
// spooled to a file the caller owns (removed with the spool directory).
type KeptFile struct {
	Size  int64       `json:"size"`
	Mode  fs.FileMode `json:"mode"`
	Data  []byte      `json:"data,omitempty"`
	Spool string      `json:"-"` // path of the spooled copy, when not in Data
}

// Open returns the kept contents.
func (k *KeptFile) Open() (io.ReadCloser, error) {
	if k.Spool != "" {
		return os.Open(k.Spool)
	}
	return io.NopCloser(strings.NewReader(string(k.Data))), nil
}

// LayerIndex is what one layer says about the paths a caller cares for, plus
// everything needed to apply overlay semantics later without reading the
// layer again: whiteouts, opaque directories, symlinks and directories.
// Paths are clean, relative to the image root ("usr/share/rpm").
type LayerIndex struct {
	Digest    string               `json:"digest"`
	Whiteouts []string             `json:"whiteouts,omitempty"`
	Opaque    []string             `json:"opaque,omitempty"`
	Symlinks  map[string]string    `json:"symlinks,omitempty"`
	Dirs      map[string]bool      `json:"dirs,omitempty"`
	Files     map[string]*KeptFile `json:"files,omitempty"`
	// Others are entries at paths the caller wanted that are not regular
	// files (devices, fifos, dangling hard links): they still hide lower files.
	// Regular files the caller did not want are not recorded at all, so a
	// plain file replacing a lower directory is not seen (never the case for
	// the rpm paths; documented in docs/rpmdiff-json.md).
	Others map[string]bool `json:"others,omitempty"`
}

// MemoryFileLimit: kept files up to this size stay in memory; larger ones
// are spooled to disk so an rpmdb never sits in RAM twice.
const MemoryFileLimit = 1 << 20

// CleanPath maps a tar entry name to a clean path relative to the image
// root; ".." can never climb above the root.
func CleanPath(name string) string {
	p := path.Clean("/" + name)
	return strings.TrimPrefix(p, "/")
}

const whiteoutPrefix = ".wh."
const opaqueMarker = ".wh..wh..opq"

// Keep decides which regular files an index keeps, by clean path.
type Keep func(p string) bool

// IndexLayer streams layer i once (twice only when a kept path is a hard link
// to an earlier entry that was not kept) and returns its index. spoolDir
// receives kept files above MemoryFileLimit.
func (im *Image) IndexLayer(ctx context.Context, i int, keep Keep, spoolDir string) (*LayerIndex, error) {
	if im.Kind != KindContainer {
		return nil, fmt.Errorf("%s is a %s, not an image with layers", im.Ref, im.Kind)
	}
	open := func() (io.ReadCloser, error) { return im.OpenLayer(ctx, i) }
	ix, err := indexTar(ctx, open, keep, spoolDir, im.limits)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", im.Layers[i].Digest, err)
	}
	ix.Digest = im.Layers[i].Digest
	return ix, nil
}

// IndexTar indexes a single uncompressed or compressed tar stream opened by
// open (called again if a second pass is needed). Exposed for tests, fuzzing
// and callers holding a layer blob of their own.
func IndexTar(ctx context.Context, open func() (io.ReadCloser, error), keep Keep, spoolDir string, limits Limits) (*LayerIndex, error) {
	return indexTar(ctx, func() (io.ReadCloser, error) {
		rc, err := open()
		if err != nil {
			return nil, err
		}
		return decompressLimited(rc, limits.withDefaults().MaxLayerBytes)
	}, keep, spoolDir, limits.withDefaults())
}

func indexTar(ctx context.Context, open func() (io.ReadCloser, error), keep Keep, spoolDir string, limits Limits) (*LayerIndex, error) {
	ix := &LayerIndex{Symlinks: map[string]string{}, Dirs: map[string]bool{}, Files: map[string]*KeptFile{}, Others: map[string]bool{}}
	// hard links to keep: link path -> target path
	links := map[string]string{}
	if err := scanTar(ctx, open, limits, func(h *tar.Header, p string, r io.Reader) error {
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		if base == opaqueMarker {
			ix.Opaque = append(ix.Opaque, dir)
			return ix.addDirsLimited(dir, limits)
		}
		if strings.HasPrefix(base, whiteoutPrefix) {
			ix.Whiteouts = append(ix.Whiteouts, path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)))
			return ix.addDirsLimited(dir, limits)
		}
		if p == "" { // the root itself
			return nil
		}
		if err := ix.addDirsLimited(dir, limits); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			ix.Dirs[p] = true
		case tar.TypeSymlink:
			ix.Symlinks[p] = h.Linkname
		case tar.TypeLink:
			if keep(p) {
				links[p] = CleanPath(h.Linkname)
			}
		case tar.TypeReg: // tar.Reader turns the legacy '\x00' type into TypeReg or TypeDir
			if !keep(p) {
				return nil
			}
			k, err := keepFile(r, h.Size, h.FileInfo().Mode(), spoolDir, limits)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			ix.Files[p] = k
		default:
			if keep(p) {
				ix.Others[p] = true
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Hard links: reuse the target if it was kept, else one more pass.
	missing := map[string][]string{}
	for l, t := range links {
		if k, ok := ix.Files[t]; ok {
			ix.Files[l] = k
		} else {
			missing[t] = append(missing[t], l)
		}
	}
	if len(missing) > 0 {
		if err := scanTar(ctx, open, limits, func(h *tar.Header, p string, r io.Reader) error {
			ls, ok := missing[p]
			if !ok || h.Typeflag != tar.TypeReg {
				return nil
			}
			k, err := keepFile(r, h.Size, h.FileInfo().Mode(), spoolDir, limits)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			for _, l := range ls {
				ix.Files[l] = k
			}
			delete(missing, p)
			return nil
		}); err != nil {
			return nil, err
		}
		for _, ls := range missing { // links to nothing: not files
			for _, l := range ls {
				ix.Others[l] = true
			}
		}
	}
	// A kept file's path is not "other".
	for p := range ix.Files {
		delete(ix.Others, p)
	}
	return ix, nil
}

// addDirsLimited records dir and its ancestors, failing once the index holds
// more directories than MaxEntries (names without directory entries could
// otherwise multiply the index's memory by their depth).
func (ix *LayerIndex) addDirsLimited(dir string, limits Limits) error {
	ix.addDirs(dir)
	if len(ix.Dirs) > limits.MaxEntries {
		return fmt.Errorf("%w: more than %d directories", ErrTooManyEntries, limits.MaxEntries)
	}
	return nil
}

func (ix *LayerIndex) addDirs(dir string) {
	for dir != "" && dir != "." && !ix.Dirs[dir] {
		ix.Dirs[dir] = true
		dir = path.Dir(dir)
	}
}

func keepFile(r io.Reader, size int64, mode fs.FileMode, spoolDir string, limits Limits) (*KeptFile, error) {
	if size > limits.MaxFileBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFileTooLarge, size, limits.MaxFileBytes)
	}
	k := &KeptFile{Size: size, Mode: mode}
	if size <= MemoryFileLimit || spoolDir == "" {
		if size > MemoryFileLimit {
			return nil, errors.New("file too large to keep in memory and no spool directory given")
		}
		b, err := io.ReadAll(io.LimitReader(r, size))
		if err != nil {
			return nil, err
		}
		k.Data = b
		return k, nil
	}
	f, err := os.CreateTemp(spoolDir, "kept-*")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := io.Copy(f, io.LimitReader(r, size)); err != nil {
		return nil, err
	}
	k.Spool = f.Name()
	return k, f.Close()
}

func scanTar(ctx context.Context, open func() (io.ReadCloser, error), limits Limits, fn func(h *tar.Header, p string, r io.Reader) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if n >= limits.MaxEntries {
			return fmt.Errorf("%w: more than %d entries", ErrTooManyEntries, limits.MaxEntries)
		}
		h, err := tr.Next()
		if err == io.EOF {
			// Read past the tar end marker to the end of the stream, so
			// the compression trailer and the blob digest are checked
			// before anything from this layer is used.
			if _, err := io.Copy(io.Discard, rc); err != nil {
				return fmt.Errorf("reading the layer to its end: %w", err)
			}
			return nil
		}
		if errors.Is(err, tar.ErrFieldTooLong) {
			return fmt.Errorf("%w: extended header over %d bytes (%w)", ErrHeaderTooLarge, MaxTarHeaderBytes, err)
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		if len(h.Name) > limits.MaxPathBytes || len(h.Linkname) > limits.MaxPathBytes {
			return fmt.Errorf("%w: entry name of %d bytes or link target of %d bytes, limit %d",
				ErrHeaderTooLarge, len(h.Name), len(h.Linkname), limits.MaxPathBytes)
		}
		if err := fn(h, CleanPath(h.Name), tr); err != nil {
			return err
		}
	}
}

// IndexDir indexes a root filesystem directory as if it were one layer.
func IndexDir(ctx context.Context, root string, keep Keep, spoolDir string, limits Limits) (*LayerIndex, error) {
	limits = limits.withDefaults()
	ix := &LayerIndex{Digest: "dir:" + root, Symlinks: map[string]string{}, Dirs: map[string]bool{}, Files: map[string]*KeptFile{}, Others: map[string]bool{}}
	err := filepath.WalkDir(root, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			if fp == root {
				return err
			}
			return nil // unreadable subtrees are simply absent
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(root, fp)
		p := CleanPath(filepath.ToSlash(rel))
		if p == "" {
			return nil
		}
		switch t := d.Type(); {
		case t.IsDir():
			ix.Dirs[p] = true
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(fp)
			if err == nil {
				ix.Symlinks[p] = target
			}
		case t.IsRegular() && keep(p):
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			f, err := os.Open(fp)
			if err != nil {
				return nil
			}
			k, err := keepFile(f, fi.Size(), fi.Mode(), spoolDir, limits)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			ix.Files[p] = k
		default:
			if keep(p) {
				ix.Others[p] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ix, nil
}

// Stack is a sequence of layer indexes, top-most first, read as one merged
// filesystem with overlay semantics: an upper layer's entry, whiteout or
// opaque directory hides what lower layers hold at or under that path.
type Stack []*LayerIndex

// hides reports whether layer ix hides lower layers' path p: p itself is
// present or whited out, or an ancestor is whited out, opaque, or a
// non-directory.
func (ix *LayerIndex) hides(p string) bool {
	if _, ok := ix.Files[p]; ok {
		return true
	}
	if _, ok := ix.Symlinks[p]; ok || ix.Others[p] || ix.Dirs[p] {
		return true
	}
	for _, w := range ix.Whiteouts {
		if w == p || isUnder(p, w) {
			return true
		}
	}
	for _, o := range ix.Opaque {
		if isUnder(p, o) {
			return true
		}
	}
	for a := path.Dir(p); a != "." && a != ""; a = path.Dir(a) {
		if _, ok := ix.Symlinks[a]; ok || ix.Others[a] {
			return true
		}
		if _, ok := ix.Files[a]; ok {
			return true
		}
	}
	return false
}

func isUnder(p, dir string) bool {
	return dir == "" || strings.HasPrefix(p, dir+"/")
}

// Entry is what a Stack lookup finds at a path.
type Entry struct {
	Layer   int // index into the Stack (0 = top)
	File    *KeptFile
	Symlink string
	IsLink  bool
	IsDir   bool
}

// Lookup finds the visible entry at p (no symlink following). ok is false
// when no layer of the stack shows anything at p.
func (s Stack) Lookup(p string) (e Entry, ok bool) {
	p = CleanPath(p)
	for i, ix := range s {
		if ix == nil {
			continue
		}
		if k, found := ix.Files[p]; found {
			return Entry{Layer: i, File: k}, true
		}
		if t, found := ix.Symlinks[p]; found {
			return Entry{Layer: i, Symlink: t, IsLink: true}, true
		}
		if ix.Dirs[p] {
			return Entry{Layer: i, IsDir: true}, true
		}
		if ix.hides(p) {
			return Entry{}, false
		}
	}
	return Entry{}, false
}

// ErrSymlinkLoop is returned when resolving needs more than MaxSymlinkHops.
var ErrSymlinkLoop = errors.New("too many levels of symbolic links")

// MaxSymlinkHops matches Linux's MAXSYMLINKS.
const MaxSymlinkHops = 40

// Resolve follows symlinks in every component of p inside the image, the way
// the kernel would with the image as root: absolute targets restart at the
// image root and ".." never leaves it.
func (s Stack) Resolve(p string) (string, error) {
	rest := strings.Split(CleanPath(p), "/")
	cur := ""
	hops := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		if c == "" || c == "." {
			continue
		}
		next := path.Join(cur, c)
		if c == ".." {
			cur = CleanPath(path.Dir("/" + cur))
			continue
		}
		e, ok := s.Lookup(next)
		if !ok || !e.IsLink {
			cur = next
			continue
		}
		hops++
		if hops > MaxSymlinkHops {
			return "", fmt.Errorf("%s: %w", p, ErrSymlinkLoop)
		}
		if strings.HasPrefix(e.Symlink, "/") {
			cur = ""
		}
		rest = append(strings.Split(e.Symlink, "/"), rest...)
	}
	return cur, nil
}

// File is a regular file found in an image.
type File struct {
	Path  string // clean, relative to the image root
	Layer string // digest of the layer that provides it ("dir:…" for a rootfs)
	Size  int64
	Data  []byte
}

// FindFiles returns every regular file visible in the merged image whose
// path satisfies match, with its contents (each at most MemoryFileLimit
// bytes). It reads every layer, since absence can only be proven that way;
// paths are matched literally, so ask for both "etc/x" and what a symlink
// would make of it if that matters.
func FindFiles(ctx context.Context, im *Image, match func(p string) bool) ([]File, error) {
	var stack Stack
	switch im.Kind {
	case KindRootfs:
		ix, err := IndexDir(ctx, im.Path, match, "", im.limits)
		if err != nil {
			return nil, &Error{Ref: im.Ref, Err: err}
		}
		stack = Stack{ix}
	case KindContainer:
		for i := len(im.Layers) - 1; i >= 0; i-- {
			ix, err := im.IndexLayer(ctx, i, match, "")
			if err != nil {
				return nil, &Error{Ref: im.Ref, Err: err}
			}
			stack = append(stack, ix)
		}
	default:
		return nil, &Error{Ref: im.Ref, Err: fmt.Errorf("a %s holds no file tree", im.Kind)}
	}
	seen := map[string]bool{}
	var out []File
	for _, ix := range stack {
		for p := range ix.Files {
			if seen[p] {
				continue
			}
			seen[p] = true
			e, ok := stack.Lookup(p)
			if !ok || e.File == nil {
				continue
			}
			out = append(out, File{Path: p, Layer: stack[e.Layer].Digest, Size: e.File.Size, Data: e.File.Data})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Path < out[b].Path })
	return out, nil
}

func manifestDigest(raw []byte) (string, error) {
	return digest.FromBytes(raw).String(), nil
}

// ReadFiles returns the regular files at paths in the merged image (each at
// most MemoryFileLimit bytes), reading layers from the top down and
// stopping once every path is decided: found, or hidden by an upper
// layer's whiteout, opaque directory or other entry. A path that is absent
// (or not a regular file) is missing from the map. Every layer read is
// digest-checked, retried and watched like any other layer read.
func ReadFiles(ctx context.Context, im *Image, paths []string) (map[string][]byte, error) {
	if im.Kind != KindContainer {
		return nil, &Error{Ref: im.Ref, Err: fmt.Errorf("a %s holds no layers", im.Kind)}
	}
	want := map[string]bool{}
	for _, p := range paths {
		want[CleanPath(p)] = true
	}
	out := map[string][]byte{}
	var stack Stack
	for i := len(im.Layers) - 1; i >= 0 && len(want) > 0; i-- {
		ix, err := im.IndexLayer(ctx, i, func(p string) bool { return want[p] }, "")
		if err != nil {
			return nil, &Error{Ref: im.Ref, Err: err}
		}
		stack = append(stack, ix)
		for p := range want {
			if !ix.hides(p) {
				continue // this layer says nothing about p
			}
			delete(want, p)
			if e, ok := stack.Lookup(p); ok && e.File != nil {
				out[p] = e.File.Data
			}
		}
	}
	return out, nil
}
