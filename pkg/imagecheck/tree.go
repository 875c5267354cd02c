package imagecheck

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ocl-build/ocl-build/pkg/image"
)

// Node is one visible entry of an image's merged filesystem.
type Node struct {
	Type byte  // tar.TypeDir, tar.TypeReg, tar.TypeSymlink, tar.TypeLink, or another tar type
	Size int64 // regular files
	Link string
	// Layer is the index (0 = bottom) of the layer the entry comes from;
	// -1 for a root filesystem directory.
	Layer int
	// Data is the content of small regular files the tree was asked to keep.
	Data []byte
}

// IsDir, IsReg and IsSymlink say what the node is.
func (n *Node) IsDir() bool { return n.Type == tar.TypeDir }
func (n *Node) IsReg() bool {
	return n.Type == tar.TypeReg || n.Type == tar.TypeLink
}
func (n *Node) IsSymlink() bool { return n.Type == tar.TypeSymlink }

// Tree is an image's merged filesystem (overlay semantics applied), with no
// file contents except kept ones. Paths are clean and relative to the
// root ("usr/lib/modules").
type Tree struct {
	Nodes map[string]*Node
	// Layers is the number of layers it was built from (0 for a rootfs).
	Layers int
	// NonUTF8 lists visible paths whose name or symlink target is not
	// valid UTF-8 (as Go quotes them).
	NonUTF8 []string
}

// keepMax bounds a kept file: the files the checks read (passwd, group,
// sysusers.d, tmpfiles.d, kargs.d, prepare-root.conf) are small text.
const keepMax = 1 << 20

// keepForChecks are the files whose content the checks read.
func keepForChecks(p string) bool {
	switch p {
	case "etc/passwd", "etc/group", "usr/lib/ostree/prepare-root.conf", "etc/ostree/prepare-root.conf":
		return true
	}
	dir, base := path.Split(p)
	switch strings.TrimSuffix(dir, "/") {
	case "usr/lib/sysusers.d", "etc/sysusers.d":
		return strings.HasSuffix(base, ".conf")
	case "usr/lib/tmpfiles.d", "etc/tmpfiles.d":
		return strings.HasSuffix(base, ".conf")
	case "usr/lib/bootc/kargs.d":
		return strings.HasSuffix(base, ".toml")
	}
	return false
}

// ReadTree reads every layer of im (top first) into one merged tree; for a
// root filesystem directory it walks the directory. keep selects regular
// files whose content is kept (nil: the checks' own files).
func ReadTree(ctx context.Context, im *image.Image, keep func(string) bool) (*Tree, error) {
	ls, err := ReadLayers(ctx, im, keep)
	if err != nil {
		return nil, err
	}
	if ls == nil {
		return readDir(ctx, im.Path, keepOr(keep))
	}
	return MergeLayers(ls), nil
}

func keepOr(keep func(string) bool) func(string) bool {
	if keep == nil {
		return keepForChecks
	}
	return keep
}

// Layer is what one layer holds, read once: its entries in order, its
// whiteouts and opaque directories. Merge them with MergeLayers.
type Layer struct {
	Index     int
	Paths     []string
	Nodes     []*Node
	Whiteouts []string
	Opaque    []string
	nonUTF8   map[string]bool
}

// ReadLayers reads each layer of a container image once (nil, nil for a
// root filesystem directory, which has no layers).
func ReadLayers(ctx context.Context, im *image.Image, keep func(string) bool) ([]*Layer, error) {
	keep = keepOr(keep)
	switch im.Kind {
	case image.KindRootfs:
		return nil, nil
	case image.KindContainer:
	default:
		return nil, &image.Error{Ref: im.Ref, Err: fmt.Errorf("a %s holds no file tree", im.Kind)}
	}
	out := make([]*Layer, len(im.Layers))
	for i := range im.Layers {
		rc, err := im.OpenLayer(ctx, i)
		if err != nil {
			return nil, &image.Error{Ref: im.Ref, Err: err}
		}
		l, err := readLayer(ctx, i, tar.NewReader(rc), keep)
		if err == nil {
			// to the end, so the blob's digest is checked before use
			_, err = io.Copy(io.Discard, rc)
		}
		rc.Close()
		if err != nil {
			return nil, &image.Error{Ref: im.Ref, Err: fmt.Errorf("layer %s: %w", im.Layers[i].Digest, err)}
		}
		out[i] = l
	}
	return out, nil
}

// TreeFromTars builds a tree from uncompressed tar streams, bottom layer
// first (tests, fuzzing, callers holding layers of their own).
func TreeFromTars(ctx context.Context, layers []io.Reader, keep func(string) bool) (*Tree, error) {
	var ls []*Layer
	for i, r := range layers {
		l, err := readLayer(ctx, i, tar.NewReader(r), keepOr(keep))
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		ls = append(ls, l)
	}
	return MergeLayers(ls), nil
}

func readLayer(ctx context.Context, index int, tr *tar.Reader, keep func(string) bool) (*Layer, error) {
	l := &Layer{Index: index, nonUTF8: map[string]bool{}}
	at := map[string]int{} // a later entry at the same path replaces the earlier
	limits := image.DefaultLimits
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if n >= limits.MaxEntries {
			return nil, fmt.Errorf("%w: more than %d entries", image.ErrTooManyEntries, limits.MaxEntries)
		}
		h, err := tr.Next()
		if err == io.EOF {
			return l, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar: %w", err)
		}
		if len(h.Name) > limits.MaxPathBytes || len(h.Linkname) > limits.MaxPathBytes {
			return nil, fmt.Errorf("%w: entry name or link target over %d bytes", image.ErrHeaderTooLarge, limits.MaxPathBytes)
		}
		p := image.CleanPath(h.Name)
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		if base == ".wh..wh..opq" {
			l.Opaque = append(l.Opaque, dir)
			continue
		}
		if strings.HasPrefix(base, ".wh.") {
			l.Whiteouts = append(l.Whiteouts, path.Join(dir, strings.TrimPrefix(base, ".wh.")))
			continue
		}
		if p == "" {
			continue
		}
		// tar.Reader has already turned the legacy '\x00' type into TypeReg
		// (or TypeDir for a name ending in /).
		node := &Node{Type: h.Typeflag, Size: h.Size, Link: h.Linkname, Layer: index}
		if node.Type == tar.TypeReg && keep(p) && h.Size <= keepMax {
			data, err := io.ReadAll(io.LimitReader(tr, keepMax+1))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			node.Data = data
		}
		if !utf8.ValidString(h.Name) || (node.IsSymlink() && !utf8.ValidString(h.Linkname)) {
			l.nonUTF8[p] = true
		}
		if k, ok := at[p]; ok {
			l.Nodes[k] = node
			continue
		}
		at[p] = len(l.Paths)
		l.Paths = append(l.Paths, p)
		l.Nodes = append(l.Nodes, node)
	}
}

// MergeLayers applies overlay semantics to layers (bottom first): an upper
// entry replaces a lower one (directories merge), and whiteouts, opaque
// directories and non-directories hide what lower layers hold beneath.
func MergeLayers(layers []*Layer) *Tree {
	b := &treeBuilder{
		t:         &Tree{Nodes: map[string]*Node{}, Layers: len(layers)},
		whiteouts: map[string]bool{}, opaque: map[string]bool{}, badNames: map[string]bool{},
	}
	for i := len(layers) - 1; i >= 0; i-- {
		l := layers[i]
		for k, p := range l.Paths {
			n := l.Nodes[k]
			if !b.visible(p, n.IsDir()) {
				continue
			}
			if _, ok := b.t.Nodes[p]; ok { // a directory merging with one above: the upper one's metadata wins
				continue
			}
			b.t.Nodes[p] = n
			if l.nonUTF8[p] {
				b.badNames[p] = true
			}
			// A tar may name a file without its directories; they exist.
			for a := path.Dir(p); a != "." && a != ""; a = path.Dir(a) {
				if _, ok := b.t.Nodes[a]; ok {
					break
				}
				b.t.Nodes[a] = &Node{Type: tar.TypeDir, Layer: l.Index}
			}
		}
		for _, w := range l.Whiteouts {
			b.whiteouts[w] = true
		}
		for _, o := range l.Opaque {
			b.opaque[o] = true
		}
	}
	return b.finish()
}

type treeBuilder struct {
	t *Tree
	// hidden: whiteouts and opaque directories of the layers above the one
	// being merged; a lower entry at or under one is not visible.
	whiteouts, opaque map[string]bool
	badNames          map[string]bool
}

// visible reports whether a lower layer's entry at p still shows: nothing
// above holds p (except a directory, which merges), no ancestor above is a
// non-directory, and no whiteout or opaque directory above covers it.
func (b *treeBuilder) visible(p string, isDir bool) bool {
	if n, ok := b.t.Nodes[p]; ok && (!n.IsDir() || !isDir) {
		return false
	}
	if b.whiteouts[p] {
		return false
	}
	for a := path.Dir(p); a != "." && a != "/" && a != ""; a = path.Dir(a) {
		if b.whiteouts[a] || b.opaque[a] {
			return false
		}
		if n, ok := b.t.Nodes[a]; ok && !n.IsDir() {
			return false
		}
	}
	return true
}

func (b *treeBuilder) finish() *Tree {
	// A hard link shows its target's size and (kept) content.
	for _, n := range b.t.Nodes {
		if n.Type == tar.TypeLink {
			if t, ok := b.t.Nodes[image.CleanPath(n.Link)]; ok && t.Type == tar.TypeReg {
				n.Size, n.Data = t.Size, t.Data
			}
		}
	}
	for p := range b.badNames {
		b.t.NonUTF8 = append(b.t.NonUTF8, fmt.Sprintf("%q", "/"+p))
	}
	sort.Strings(b.t.NonUTF8)
	return b.t
}

// readDir walks a root filesystem directory without following symlinks.
func readDir(ctx context.Context, root string, keep func(string) bool) (*Tree, error) {
	t := &Tree{Nodes: map[string]*Node{}}
	n := 0
	err := filepath.WalkDir(root, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n++; n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rel, err := filepath.Rel(root, full)
		if err != nil || rel == "." {
			return err
		}
		p := filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		node := &Node{Layer: -1}
		switch {
		case fi.IsDir():
			node.Type = tar.TypeDir
		case fi.Mode()&fs.ModeSymlink != 0:
			node.Type = tar.TypeSymlink
			if node.Link, err = os.Readlink(full); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			node.Type, node.Size = tar.TypeReg, fi.Size()
			if keep(p) && fi.Size() <= keepMax {
				if node.Data, err = os.ReadFile(full); err != nil {
					return err
				}
			}
		default:
			node.Type = tar.TypeChar // a device, fifo or socket: "other"
		}
		t.Nodes[p] = node
		if !utf8.ValidString(p) || (node.IsSymlink() && !utf8.ValidString(node.Link)) {
			t.NonUTF8 = append(t.NonUTF8, fmt.Sprintf("%q", "/"+p))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, err)
	}
	sort.Strings(t.NonUTF8)
	return t, nil
}

// Lookup returns the node at p (no symlink following).
func (t *Tree) Lookup(p string) (*Node, bool) {
	n, ok := t.Nodes[image.CleanPath(p)]
	return n, ok
}

// Resolve follows symlinks in every component of p inside the image (an
// absolute target restarts at the image root; ".." never leaves it).
func (t *Tree) Resolve(p string) (string, error) {
	rest := strings.Split(image.CleanPath(p), "/")
	cur := ""
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = image.CleanPath(path.Dir("/" + cur))
			continue
		}
		next := path.Join(cur, c)
		n, ok := t.Nodes[next]
		if !ok || !n.IsSymlink() {
			cur = next
			continue
		}
		if hops++; hops > image.MaxSymlinkHops {
			return "", fmt.Errorf("%s: %w", p, image.ErrSymlinkLoop)
		}
		if strings.HasPrefix(n.Link, "/") {
			cur = "" // absolute: from the image root; else from the link's directory
		}
		rest = append(strings.Split(n.Link, "/"), rest...)
	}
	return cur, nil
}

// Children lists the direct entries of directory p, sorted.
func (t *Tree) Children(p string) []string {
	p = image.CleanPath(p)
	prefix := p + "/"
	if p == "" {
		prefix = ""
	}
	var out []string
	for q := range t.Nodes {
		if strings.HasPrefix(q, prefix) && !strings.Contains(q[len(prefix):], "/") && q != p {
			out = append(out, q)
		}
	}
	sort.Strings(out)
	return out
}

// Under lists every entry strictly below directory p, sorted.
func (t *Tree) Under(p string) []string {
	prefix := image.CleanPath(p) + "/"
	var out []string
	for q := range t.Nodes {
		if strings.HasPrefix(q, prefix) {
			out = append(out, q)
		}
	}
	sort.Strings(out)
	return out
}
