package rpmdiff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/pkg/image"
)

// DefaultDBPaths are where rpm keeps its database when the image's macros do
// not say otherwise, in the order a tie in one layer is broken: rpm-ostree
// (RHCOS) uses usr/share/rpm, Fedora ≥ 36 usr/lib/sysimage/rpm, RHEL var/lib/rpm.
var DefaultDBPaths = []string{"usr/share/rpm", "usr/lib/sysimage/rpm", "var/lib/rpm"}

// macroFile tells the rpm macro files apart; their order is rpm's load order,
// so a later definition of %_dbpath wins.
var macroFiles = []*regexp.Regexp{
	regexp.MustCompile(`^usr/lib/rpm/macros$`),
	regexp.MustCompile(`^usr/lib/rpm/macros\.d/macros\.[^/]+$`),
	regexp.MustCompile(`^usr/lib/rpm/platform/[^/]+/macros$`),
	regexp.MustCompile(`^usr/lib/rpm/redhat/macros$`),
	regexp.MustCompile(`^etc/rpm/macros\.[^/]+$`),
	regexp.MustCompile(`^etc/rpm/macros$`),
	regexp.MustCompile(`^etc/rpm/[^/]+/macros$`),
}

// OSReleasePaths are read by inspect, in os-release(5) order.
var OSReleasePaths = []string{"etc/os-release", "usr/lib/os-release"}

func macroRank(p string) int {
	for i, re := range macroFiles {
		if re.MatchString(p) {
			return i
		}
	}
	return -1
}

// keep selects what a layer index retains: database files anywhere (their
// directory is only known once symlinks and macros are resolved), rpm macro
// files and os-release.
func keep(p string) bool {
	if isDBFileName(path.Base(p)) || macroRank(p) >= 0 {
		return true
	}
	for _, o := range OSReleasePaths {
		if p == o {
			return true
		}
	}
	return false
}

// cacheVersion changes whenever what a cached layer entry means changes.
const cacheVersion = 1

// layerEntry is everything rpmdiff needs from one layer; it is what the
// cache stores under the layer's digest.
type layerEntry struct {
	Version int               `json:"version"`
	Index   *image.LayerIndex `json:"index"`
	// DBs maps a directory holding database files to what reading it gave.
	DBs map[string]*dbResult `json:"dbs,omitempty"`
}

type dbResult struct {
	File     string    `json:"file"`
	Format   Format    `json:"format"`
	Packages []Package `json:"packages,omitempty"`
	Err      string    `json:"err,omitempty"`
}

// Reader reads rpm databases out of images. One Reader shares work between
// images: a layer both images hold is read once, and the on-disk cache
// remembers every layer read.
type Reader struct {
	opts image.Options

	// Progress, when set, is called before a layer is streamed from an
	// image (not for layers answered by the cache).
	Progress func(Progress)

	mu   sync.Mutex
	memo map[string]*layerEntry
}

// Progress describes the layer about to be read.
type Progress struct {
	Ref    string
	Layer  int // position from the top, 1-based
	Layers int
	Digest string
	Size   int64 // compressed; -1 if unknown
}

// NewReader returns a Reader using opts to reach images and its CacheDir.
func NewReader(opts image.Options) *Reader {
	return &Reader{opts: opts, memo: map[string]*layerEntry{}}
}

// ReadPackages returns the effective rpm database of ref.
func ReadPackages(ctx context.Context, ref string, opts image.Options) (*DB, error) {
	return NewReader(opts).Read(ctx, ref)
}

// Read opens ref and returns its effective rpm database.
func (r *Reader) Read(ctx context.Context, ref string) (*DB, error) {
	im, err := image.Open(ctx, ref, r.opts)
	if err != nil {
		return nil, err
	}
	defer im.Close()
	db, _, err := r.read(ctx, im, false)
	return db, err
}

// read locates the database in an opened image. With wantOSRelease it keeps
// reading lower layers until os-release is found (inspect).
func (r *Reader) read(ctx context.Context, im *image.Image, wantOSRelease bool) (*DB, []byte, error) {
	fail := func(err error) (*DB, []byte, error) {
		var ie *image.Error
		if errors.As(err, &ie) {
			return nil, nil, err
		}
		return nil, nil, &image.Error{Ref: im.Ref, Err: err}
	}
	switch im.Kind {
	case image.KindRPMDBFile:
		pkgs, err := readLocalFile(im.Path)
		if err != nil {
			return fail(err)
		}
		base := filepath.Base(im.Path)
		f := base
		if formatOf(base) == "" {
			f = sniffMain(im.Path)
		}
		return &DB{Ref: im.Ref, Path: filepath.Dir(im.Path), File: base, Format: formatOf(f), Packages: pkgs}, nil, nil
	case image.KindRPMDBDir:
		name, format, pkgs, err := readLocalDir(im.Path)
		if err != nil {
			return fail(err)
		}
		return &DB{Ref: im.Ref, Path: im.Path, File: name, Format: format, Packages: pkgs}, nil, nil
	}

	var stack image.Stack
	var entries []*layerEntry
	var found *DB
	var osRelease []byte
	read := 0
	n := len(im.Layers)
	if im.Kind == image.KindRootfs {
		n = 1
	}
	// While layer i is examined, layer i-1 is already being streamed: the
	// work is decompression-bound, so a second core halves it, and at most
	// one layer is read in vain (it still lands in the cache).
	type result struct {
		e     *layerEntry
		fresh bool
		err   error
	}
	aheadCtx, cancelAhead := context.WithCancel(ctx)
	var next chan result
	defer func() {
		// Stop the read-ahead and wait for it: the image is closed next.
		cancelAhead()
		if next != nil {
			<-next
		}
	}()
	start := func(i int) chan result {
		ch := make(chan result, 1)
		go func() {
			e, fresh, err := r.layer(aheadCtx, im, i)
			ch <- result{e, fresh, err}
		}()
		return ch
	}
	next = start(n - 1)
	for i := n - 1; i >= 0; i-- {
		res := <-next
		next = nil
		if i > 0 && res.err == nil {
			next = start(i - 1)
		}
		e, fresh, err := res.e, res.fresh, res.err
		if err != nil {
			return fail(err)
		}
		if fresh {
			read++
		}
		stack = append(stack, e.Index)
		entries = append(entries, e)
		if found == nil {
			db, err := locate(stack, entries)
			if err != nil {
				return fail(err)
			}
			found = db
		}
		if wantOSRelease && osRelease == nil {
			osRelease = findOSRelease(stack)
		}
		if found != nil && (!wantOSRelease || osRelease != nil) {
			break
		}
	}
	if found == nil {
		for _, c := range candidates(stack) {
			if _, err := stack.Resolve(c); err != nil {
				return fail(fmt.Errorf("%w: %v", ErrNoRPMDB, err))
			}
		}
		return fail(fmt.Errorf("%w (looked for %s in %s, following symlinks and %%_dbpath)", ErrNoRPMDB,
			strings.Join(namesOf(), ", "), strings.Join(candidates(stack), ", ")))
	}
	found.Ref = im.Ref
	found.LayersRead = read
	return found, osRelease, nil
}

func namesOf() []string {
	var s []string
	for _, m := range mainFiles {
		s = append(s, m.name)
	}
	return s
}

func findOSRelease(stack image.Stack) []byte {
	for _, p := range OSReleasePaths {
		rp, err := stack.Resolve(p)
		if err != nil {
			continue
		}
		if e, ok := stack.Lookup(rp); ok && e.File != nil {
			return e.File.Data
		}
	}
	return nil
}

// candidates are the database directories to look in, macro setting first.
func candidates(stack image.Stack) []string {
	var out []string
	if p := macroDBPath(stack); p != "" {
		out = append(out, p)
	}
	for _, d := range DefaultDBPaths {
		if len(out) == 0 || out[0] != d {
			out = append(out, d)
		}
	}
	return out
}

var dbpathLine = regexp.MustCompile(`^\s*%_dbpath\s+(\S.*?)\s*$`)

// rpm's own directory macros, enough to expand the %_dbpath values seen in
// practice (%{_var}/lib/rpm, %{_usr}/share/rpm, …).
var dirMacros = map[string]string{
	"_var": "/var", "_localstatedir": "/var", "_usr": "/usr", "_prefix": "/usr",
	"_sysconfdir": "/etc", "_usrlibrpm": "/usr/lib/rpm", "_lib": "lib64", "_libdir": "/usr/lib64",
	"_datadir": "/usr/share", "_sharedstatedir": "/var/lib",
}
var macroRef = regexp.MustCompile(`%\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// macroDBPath is the %_dbpath of the visible macro files, "" when none sets
// one we can expand without running a shell (%(...) is ignored).
func macroDBPath(stack image.Stack) string {
	type mf struct {
		path string
		rank int
		data []byte
	}
	var files []mf
	seen := map[string]bool{}
	for _, ix := range stack {
		for p := range ix.Files {
			r := macroRank(p)
			if r < 0 || seen[p] {
				continue
			}
			seen[p] = true
			if e, ok := stack.Lookup(p); ok && e.File != nil {
				files = append(files, mf{p, r, e.File.Data})
			}
		}
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].rank != files[j].rank {
			return files[i].rank < files[j].rank
		}
		return files[i].path < files[j].path
	})
	val := ""
	for _, f := range files {
		for _, line := range strings.Split(string(f.data), "\n") {
			m := dbpathLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if v, ok := expandDirMacros(m[1]); ok {
				val = v
			}
		}
	}
	if val == "" {
		return ""
	}
	return image.CleanPath(val)
}

func expandDirMacros(v string) (string, bool) {
	if strings.Contains(v, "%(") || strings.Contains(v, "%{lua") {
		return "", false
	}
	ok := true
	out := macroRef.ReplaceAllStringFunc(v, func(m string) string {
		name := macroRef.FindStringSubmatch(m)[1]
		if d, found := dirMacros[name]; found {
			return d
		}
		ok = false
		return m
	})
	return out, ok && strings.HasPrefix(out, "/")
}

// locate finds the effective database in the layers read so far (stack is
// top-first). It returns nil, nil when lower layers must be read.
func locate(stack image.Stack, entries []*layerEntry) (*DB, error) {
	type hit struct {
		layer int
		cand  int
		main  int
		dir   string
	}
	var best *hit
	var loopErr error
	for ci, c := range candidates(stack) {
		dir, err := stack.Resolve(c)
		if err != nil {
			loopErr = err // only fatal if nothing else holds a database
			continue
		}
		for mi, m := range mainFiles {
			e, ok := stack.Lookup(path.Join(dir, m.name))
			if !ok || e.File == nil {
				continue
			}
			h := &hit{e.Layer, ci, mi, dir}
			if best == nil || h.layer < best.layer || (h.layer == best.layer && (h.cand < best.cand || (h.cand == best.cand && h.main < best.main))) {
				best = h
			}
		}
	}
	if best == nil {
		_ = loopErr // lower layers may still hold one; read() reports loops at the end
		return nil, nil
	}
	le := entries[best.layer]
	res := le.DBs[best.dir]
	if res == nil || res.File != mainFiles[best.main].name {
		return nil, fmt.Errorf("%w: %s/%s could not be read", ErrCorrupt, best.dir, mainFiles[best.main].name)
	}
	if res.Err != "" {
		return nil, fmt.Errorf("%s/%s: %s", best.dir, res.File, res.Err)
	}
	return &DB{Path: best.dir, File: res.File, Format: res.Format, Layer: le.Index.Digest, Packages: res.Packages}, nil
}

// layer returns layer i's entry from the memo, the disk cache, or by reading
// it (fresh = true).
func (r *Reader) layer(ctx context.Context, im *image.Image, i int) (*layerEntry, bool, error) {
	key := ""
	if im.Kind == image.KindContainer {
		key = im.Layers[i].Digest
		r.mu.Lock()
		e := r.memo[key]
		r.mu.Unlock()
		if e != nil {
			return e, false, nil
		}
		if e := r.loadCache(key); e != nil {
			r.mu.Lock()
			r.memo[key] = e
			r.mu.Unlock()
			return e, false, nil
		}
	}
	if r.Progress != nil && im.Kind == image.KindContainer {
		r.Progress(Progress{Ref: im.Ref, Layer: len(im.Layers) - i, Layers: len(im.Layers), Digest: im.Layers[i].Digest, Size: im.Layers[i].Size})
	}
	spool, err := ownedtemp.Dir("", "rpmdiff-spool")
	if err != nil {
		return nil, false, err
	}
	defer os.RemoveAll(spool)
	var ix *image.LayerIndex
	if im.Kind == image.KindRootfs {
		ix, err = image.IndexDir(ctx, im.Path, keep, spool, r.opts.Limits)
	} else {
		ix, err = im.IndexLayer(ctx, i, keep, spool)
	}
	if err != nil {
		return nil, false, err
	}
	e := buildEntry(ix)
	if key != "" {
		r.storeCache(key, e)
		r.mu.Lock()
		r.memo[key] = e
		r.mu.Unlock()
	}
	return e, true, nil
}

// buildEntry reads every database found in the layer (from that layer's
// files alone) and drops the database bytes from the index.
func buildEntry(ix *image.LayerIndex) *layerEntry {
	e := &layerEntry{Version: cacheVersion, Index: ix, DBs: map[string]*dbResult{}}
	dirs := map[string]bool{}
	for p := range ix.Files {
		if isDBFileName(path.Base(p)) {
			dirs[path.Dir(p)] = true
		}
	}
	for d := range dirs {
		for _, m := range mainFiles {
			k, ok := ix.Files[path.Join(d, m.name)]
			if !ok {
				continue
			}
			files := map[string]func() (io.ReadCloser, error){m.name: k.Open}
			if m.format == FormatSQLite {
				for _, s := range sidecars {
					if sk, ok := ix.Files[path.Join(d, s)]; ok {
						files[s] = sk.Open
					}
				}
			}
			res := &dbResult{File: m.name, Format: m.format}
			pkgs, err := readDBFiles(m.name, files)
			if err != nil {
				res.Err = oneLine(err.Error())
			} else {
				res.Packages = pkgs
			}
			e.DBs[d] = res
			break
		}
	}
	for p, k := range ix.Files {
		if isDBFileName(path.Base(p)) {
			ix.Files[p] = &image.KeptFile{Size: k.Size, Mode: k.Mode}
		}
	}
	return e
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// CacheDir is where layer entries are kept for opts.
func CacheDir(opts image.Options) string {
	if opts.CacheDir == "-" {
		return ""
	}
	if opts.CacheDir != "" {
		return opts.CacheDir
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "ocl-build", "rpmdiff")
}

func (r *Reader) cachePath(key string) string {
	dir := CacheDir(r.opts)
	if dir == "" {
		return ""
	}
	alg, hex, ok := strings.Cut(key, ":")
	if !ok || strings.ContainsAny(alg+hex, "/\\.") || hex == "" {
		return ""
	}
	return filepath.Join(dir, fmt.Sprintf("v%d", cacheVersion), alg, hex+".json")
}

func (r *Reader) loadCache(key string) *layerEntry {
	p := r.cachePath(key)
	if p == "" {
		return nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var e layerEntry
	if json.Unmarshal(b, &e) != nil || e.Version != cacheVersion || e.Index == nil || e.Index.Digest != key {
		return nil // unreadable entries are simply recomputed
	}
	if e.DBs == nil {
		e.DBs = map[string]*dbResult{}
	}
	return &e
}

// storeCache is best effort: a read-only cache dir must not fail a diff.
func (r *Reader) storeCache(key string, e *layerEntry) {
	p := r.cachePath(key)
	if p == "" {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(p), 0o700) != nil {
		return
	}
	_ = atomicfile.WriteFile(p, b, 0o600)
}
