package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containers/image/v5/pkg/compression"
	"github.com/containers/image/v5/transports"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/storehold"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// Options say how to reach an image and how much work a layer may cost.
type Options struct {
	// Registry is how docker:// images are reached: credentials, TLS,
	// registries.conf, and for every read of the manifest, config and
	// layers the retry policy and stall watchdog (with its rate floor).
	// Local transports do not fail transiently and get neither.
	Registry registry.Options
	// Limits bound what a hostile layer can make us do; zero fields take defaults.
	Limits Limits
	// CacheDir is where readers built on this package (rpmdiff) remember
	// per-layer results, keyed by layer digest. Empty: the user cache dir;
	// "-": no cache.
	CacheDir string
	// OnRetry, if set, hears of each retry of a registry read.
	OnRetry RetryNotice
	// StagingDir is where a registry blob the caller spools goes (the
	// free-space check of a declared blob size looks there); empty: the
	// temp dir.
	StagingDir string
}

// Limits bound the work done per layer. A layer beyond a limit is an error,
// never a silent truncation.
type Limits struct {
	// MaxLayerBytes caps the decompressed size of one layer (gzip bombs).
	MaxLayerBytes int64
	// MaxFileBytes caps a single file a caller asks to keep (e.g. an rpmdb).
	MaxFileBytes int64
	// MaxEntries caps the number of tar entries in one layer, and the number
	// of directories its index records (so memory stays proportional to it).
	MaxEntries int
	// MaxPathBytes caps an entry's name and link target. Indexing records
	// every ancestor directory of a name, so a megabyte-long name would cost
	// quadratic time; Linux's PATH_MAX is far below any real need to exceed.
	MaxPathBytes int
}

// DefaultLimits: far above any real RHCOS layer (the whole OS is ~4 GiB
// uncompressed, its rpmdb ~30 MiB), far below what exhausts a laptop.
// A tar entry's extended header (PAX records, GNU long name or link) is
// bounded separately by archive/tar at MaxTarHeaderBytes: ErrHeaderTooLarge.
var DefaultLimits = Limits{MaxLayerBytes: 64 << 30, MaxFileBytes: 2 << 30, MaxEntries: 10_000_000, MaxPathBytes: 4096}

// MaxTarHeaderBytes is archive/tar's own bound on one entry's PAX header or
// GNU long name/link data (not configurable; larger ones are ErrHeaderTooLarge).
const MaxTarHeaderBytes = 1 << 20

func (l Limits) withDefaults() Limits {
	if l.MaxLayerBytes <= 0 {
		l.MaxLayerBytes = DefaultLimits.MaxLayerBytes
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultLimits.MaxFileBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxPathBytes <= 0 {
		l.MaxPathBytes = DefaultLimits.MaxPathBytes
	}
	return l
}

// Kind says what a reference turned out to be.
type Kind string

const (
	KindContainer Kind = "image"      // any containers/image transport
	KindRootfs    Kind = "rootfs"     // a directory holding a root filesystem
	KindRPMDBDir  Kind = "rpmdb-dir"  // a directory holding rpmdb files
	KindRPMDBFile Kind = "rpmdb-file" // a single rpmdb file
)

// Layer is one layer blob, bottom-most first in Image.Layers.
type Layer struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size"` // compressed size as the manifest states; -1 if unknown
	MediaType string `json:"mediaType,omitempty"`
}

// Config is the part of the image configuration admins look at.
type Config struct {
	Labels       map[string]string `json:"labels,omitempty"`
	Created      *time.Time        `json:"created,omitempty"`
	Architecture string            `json:"architecture,omitempty"`
	OS           string            `json:"os,omitempty"`
}

// Image is an opened reference. Close it.
type Image struct {
	Ref    string // as given by the user
	Kind   Kind
	Path   string // local path for the non-container kinds
	Layers []Layer
	Config Config
	// ManifestDigest identifies the image instance (empty for local paths).
	ManifestDigest string

	limits Limits
	src    types.ImageSource
	img    types.Image
	blobs  []types.BlobInfo // what to ask src for, layer by layer
	// release drops the hold on a containers-storage store (nil otherwise).
	release func()
	// done removes what the SystemContext needed (a private credentials
	// copy); nil for local paths.
	done func()

	// How registry reads are retried and watched (see fetch.go).
	registry string // host[:port] of a docker:// image, "" otherwise
	reg      registry.Options
	retry    regretry.Policy
	stall    time.Duration
	floor    int64
	onRetry  RetryNotice
	// guard refuses redirects that would carry the credentials to another
	// scheme or port (registry.RedirectGuard); nil for local images.
	guard *registry.RedirectGuard
}

// Error names the image a failure is about, so the CLI can print one line.
type Error struct {
	Ref string
	Err error
}

func (e *Error) Error() string { return e.Ref + ": " + oneLine(e.Err.Error()) }
func (e *Error) Unwrap() error { return e.Err }

// ErrNotFound marks a reference that names nothing (no such path/image).
var ErrNotFound = errors.New("image not found")

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// hasTransport reports whether ref starts with a registered transport name,
// e.g. "docker://", "oci:", "containers-storage:".
func hasTransport(ref string) bool {
	i := strings.Index(ref, ":")
	if i <= 0 {
		return false
	}
	return transports.Get(ref[:i]) != nil
}

// Open resolves ref. A reference with a transport prefix goes through
// containers/image; anything else must be an existing local path.
func Open(ctx context.Context, ref string, opts Options) (*Image, error) {
	im := &Image{Ref: ref, limits: opts.Limits.withDefaults()}
	if !hasTransport(ref) {
		if err := im.openLocal(ref); err != nil {
			return nil, &Error{Ref: ref, Err: err}
		}
		return im, nil
	}
	ir, err := alltransports.ParseImageName(ref)
	if err != nil {
		return nil, &Error{Ref: ref, Err: err}
	}
	// A containers-storage: reference has just opened its store; Close
	// (or a failure below) shuts it down so no overlay mount outlives us.
	im.release = storehold.Acquire(ir)
	if err := im.openContainer(ctx, ir, opts); err != nil {
		im.release()
		return nil, err
	}
	return im, nil
}

func (im *Image) openLocal(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: no such file or directory, and no transport prefix (docker://, oci:, oci-archive:, docker-archive:, containers-storage:)", ErrNotFound)
		}
		return err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	im.Path = abs
	switch {
	case !st.IsDir():
		im.Kind = KindRPMDBFile
	case looksLikeRPMDBDir(abs):
		im.Kind = KindRPMDBDir
	default:
		im.Kind = KindRootfs
	}
	return nil
}

// RPMDBFileNames are the main database files of the three rpm backends.
var RPMDBFileNames = []string{"rpmdb.sqlite", "Packages.db", "Packages"}

func looksLikeRPMDBDir(dir string) bool {
	for _, n := range RPMDBFileNames {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// Close releases the image source and, for containers-storage, the store
// once no other open Image uses it. Close streams from OpenLayer first.
func (im *Image) Close() error {
	var err error
	if im.src != nil {
		err = im.src.Close()
	}
	if im.release != nil {
		im.release()
	}
	if im.done != nil {
		im.done()
	}
	return err
}

// TotalSize is the sum of the compressed layer sizes (unknown sizes count 0).
func (im *Image) TotalSize() int64 {
	var n int64
	for _, l := range im.Layers {
		if l.Size > 0 {
			n += l.Size
		}
	}
	return n
}

// OpenLayer streams layer i (0 = bottom) decompressed, capped at the
// MaxLayerBytes limit. The caller closes it.
func (im *Image) OpenLayer(ctx context.Context, i int) (io.ReadCloser, error) {
	if im.src == nil || i < 0 || i >= len(im.Layers) {
		return nil, fmt.Errorf("no layer %d in %s", i, im.Ref)
	}
	rc, err := im.openBlob(ctx, i)
	if err != nil {
		return nil, err
	}
	// A blob is trusted only once its bytes hash to its digest: a
	// corrupted or truncated download must never be used (or cached).
	var raw io.ReadCloser = &ctxReader{ctx: ctx, rc: rc}
	if d := im.blobs[i].Digest; d.Validate() == nil {
		raw = &verifyingReader{rc: raw, want: d.String(), v: d.Verifier()}
	}
	return decompressLimited(raw, im.limits.MaxLayerBytes)
}

// withTLSHint says what to do when a registry's certificate is not trusted.
func withTLSHint(err error) error {
	if registry.IsUntrustedCertificate(err) {
		return fmt.Errorf("%w (%s)", err, registry.UntrustedCertificateHint)
	}
	return err
}

// ErrDigestMismatch: a blob's bytes do not hash to the digest that names it.
var ErrDigestMismatch = errors.New("blob does not match its digest")

// verifyingReader hashes a blob as it streams and turns its EOF into
// ErrDigestMismatch when the bytes were not the ones named.
type verifyingReader struct {
	rc   io.ReadCloser
	want string
	v    interface {
		io.Writer
		Verified() bool
	}
}

func (r *verifyingReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	_, _ = r.v.Write(p[:n])
	if err == io.EOF && !r.v.Verified() {
		return n, fmt.Errorf("%w %s (corrupted or truncated download)", ErrDigestMismatch, r.want)
	}
	return n, err
}

func (r *verifyingReader) Close() error { return r.rc.Close() }

// ctxReader ends a stream once ctx is done, also for sources (local
// files) that do not watch the context themselves.
type ctxReader struct {
	ctx context.Context
	rc  io.ReadCloser
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.rc.Read(p)
}

func (c *ctxReader) Close() error { return c.rc.Close() }

// decompressLimited undoes whatever compression the stream has and fails
// once more than max bytes come out.
func decompressLimited(rc io.ReadCloser, max int64) (io.ReadCloser, error) {
	d, _, err := compression.AutoDecompress(rc)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return &limitedReadCloser{r: d, under: rc, left: max, max: max}, nil
}

// ErrLayerTooLarge is returned once a layer decompresses beyond MaxLayerBytes.
var ErrLayerTooLarge = errors.New("layer exceeds the decompressed size limit")

// The other per-layer limits, each named in the error that hits it.
var (
	// ErrFileTooLarge: a file to keep is bigger than MaxFileBytes.
	ErrFileTooLarge = errors.New("file exceeds the kept-file size limit")
	// ErrTooManyEntries: more than MaxEntries entries or recorded directories.
	ErrTooManyEntries = errors.New("layer exceeds the entry limit")
	// ErrHeaderTooLarge: an entry's name or link target is over MaxPathBytes,
	// or its PAX/GNU extended header over MaxTarHeaderBytes.
	ErrHeaderTooLarge = errors.New("tar header exceeds the header size limit")
)

type limitedReadCloser struct {
	r     io.ReadCloser
	under io.ReadCloser
	left  int64
	max   int64
}

func (l *limitedReadCloser) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One probe byte tells "exactly at the limit" from "beyond it".
		var b [1]byte
		if n, _ := l.r.Read(b[:]); n > 0 {
			return 0, fmt.Errorf("%w (%d bytes)", ErrLayerTooLarge, l.max)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err == io.EOF {
		// Whatever follows the compressed data (a trailer, padding)
		// is part of the blob: read it so its digest is checked.
		if _, derr := io.Copy(io.Discard, io.LimitReader(l.under, l.max)); derr != nil {
			return n, derr
		}
	}
	return n, err
}

func (l *limitedReadCloser) Close() error {
	err := l.r.Close()
	if e := l.under.Close(); err == nil {
		err = e
	}
	return err
}
