package image

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	cimage "github.com/containers/image/v5/image"
	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// Registry reads are retried and watched. containers/image resumes a
// broken blob download with a Range request and waits out a 429's
// Retry-After itself, but it gives up at the first 5xx and has no read
// timeout at all: a registry that stops sending hangs it forever. So each
// attempt runs under a regretry.Watchdog, and a transient failure (5xx,
// 429, reset, truncation, a stall) starts another attempt after a
// doubling delay, as push does. Local transports get neither: they do not
// fail transiently, and oci-archive's source unpacks a whole archive,
// which no watchdog should cut short.

// RetryNotice is called before the wait that precedes retry number retry
// (1-based) of retries; what names the operation and the registry.
type RetryNotice func(what string, err error, wait time.Duration, retry, retries int)

func (im *Image) configureFetch(ir types.ImageReference, opts Options) {
	im.reg = opts.Registry
	im.retry = opts.Registry.Retry
	im.stall = opts.Registry.Stall()
	im.floor = opts.Registry.Rate()
	im.onRetry = opts.OnRetry
	if ir.Transport().Name() != docker.Transport.Name() {
		im.retry.Retries, im.stall, im.floor = -1, 0, 0
		return
	}
	if named := ir.DockerReference(); named != nil {
		im.registry = reference.Domain(named)
	}
}

// final is the error of the last of n attempts: in registry terms (with
// the credential advice of a refused login) and counted for a registry;
// as it is for a local transport.
func (im *Image) final(err error, n int) error {
	if im.registry == "" {
		return err
	}
	if gerr := im.guard.Err(); gerr != nil {
		err = gerr
	}
	return im.reg.Describe("", im.registry, err, n)
}

// from is " from REGISTRY" for remote images, so errors name it.
func (im *Image) from() string {
	if im.registry == "" {
		return ""
	}
	return " from " + im.registry
}

// again reports whether failed attempt number attempt (0-based) of what
// gets another one, announcing it and waiting its backoff first.
func (im *Image) again(ctx context.Context, attempt int, what string, err error) bool {
	if im.guard.Err() != nil {
		return false // a refused redirect is refused again
	}
	var notice regretry.Notice
	if im.onRetry != nil {
		notice = func(err error, wait time.Duration, n, of int) { im.onRetry(what, err, wait, n, of) }
	}
	return im.retry.Retry(ctx, attempt, err, notice)
}

// openContainer reads the manifest and config of a containers/image
// reference, retrying transient failures.
func (im *Image) openContainer(ctx context.Context, ir types.ImageReference, opts Options) error {
	im.configureFetch(ir, opts)
	sys, done, err := opts.Registry.SystemContext()
	if err != nil {
		return &Error{Ref: im.Ref, Err: err}
	}
	// The SystemContext outlives this call (layers are read through it);
	// its private credentials copy, if any, is removed on Close.
	im.done = done
	if im.registry != "" {
		opts.Registry.WarnPlainHTTP(ctx, sys, im.registry)
		im.guard = registry.NewRedirectGuard(ctx, sys, ir)
	}
	what := "reading the manifest and config" + im.from()
	for attempt := 0; ; attempt++ {
		err := im.openSource(ctx, ir, sys)
		if err == nil {
			return nil
		}
		if !im.again(ctx, attempt, what, err) {
			done()
			return &Error{Ref: im.Ref, Err: im.final(err, attempt+1)}
		}
	}
}

// openSource is one attempt of openContainer. The metadata it reads is
// small, so its watchdog counts from the start of the attempt to its end.
func (im *Image) openSource(ctx context.Context, ir types.ImageReference, sys *types.SystemContext) (err error) {
	actx, wd := regretry.NewWatchdog(im.guard.Context(ctx), im.stall)
	wd.Kick()
	defer func() {
		if wd.Stop() && err != nil && ctx.Err() == nil {
			err = fmt.Errorf("reading the manifest and config%s: %w", im.from(), wd.Err())
		}
	}()
	src, err := ir.NewImageSource(actx, sys)
	if err != nil {
		return withTLSHint(err)
	}
	img, err := cimage.FromUnparsedImage(actx, sys, cimage.UnparsedInstance(src, nil))
	if err != nil {
		src.Close()
		return err
	}
	var digest string
	if raw, _, err := img.Manifest(actx); err == nil {
		if d, err := manifestDigest(raw); err == nil {
			digest = d
		}
	}
	// Some sources (containers-storage) serve layers under other digests
	// than the manifest's; LayerInfosForCopy says which, nil when the
	// manifest's are right.
	blobs := img.LayerInfos()
	if infos, err := src.LayerInfosForCopy(actx, nil); err == nil && infos != nil && len(infos) == len(blobs) {
		blobs = infos
	}
	cfg, err := img.OCIConfig(actx)
	if err != nil {
		src.Close()
		return fmt.Errorf("reading image config: %w", err)
	}
	im.Kind, im.src, im.img, im.blobs, im.ManifestDigest = KindContainer, src, img, blobs, digest
	im.Layers = nil
	for _, l := range blobs {
		im.Layers = append(im.Layers, Layer{Digest: l.Digest.String(), Size: l.Size, MediaType: l.MediaType})
	}
	im.Config = Config{Labels: cfg.Config.Labels, Created: cfg.Created, Architecture: cfg.Architecture, OS: cfg.OS}
	return nil
}

// blobReader streams one layer blob as it is stored (compressed). When an
// attempt fails transiently, mid-stream included, it opens the blob again
// and skips what it already delivered, so the reader above (digest check,
// decompression, tar) sees one uninterrupted stream; the digest check then
// also proves the pieces belong together.
type blobReader struct {
	ctx  context.Context
	im   *Image
	info types.BlobInfo
	what string // "fetching layer sha256:… from host"

	rc      io.ReadCloser      // the current attempt's body; nil between attempts
	wd      *regretry.Watchdog // the current attempt's watchdog
	off     int64              // bytes delivered so far
	attempt int                // failed attempts so far
	err     error              // final error, returned from then on
}

func (im *Image) openBlob(ctx context.Context, i int) (*blobReader, error) {
	b := &blobReader{ctx: ctx, im: im, info: im.blobs[i], what: "fetching layer " + im.Layers[i].Digest + im.from()}
	if err := b.open(); err != nil {
		return nil, err
	}
	return b, nil
}

// open starts a new attempt, retrying while that fails transiently.
func (b *blobReader) open() error {
	for {
		err := b.try()
		if err == nil {
			return nil
		}
		if !b.im.again(b.ctx, b.attempt, b.what, err) {
			b.err = fmt.Errorf("%s: %w", b.what, b.im.final(err, b.attempt+1))
			return b.err
		}
		b.attempt++
	}
}

func (b *blobReader) try() error {
	actx, wd := regretry.NewWatchdog(b.im.guard.Context(b.ctx), b.im.stall)
	wd.SetFloor(b.im.floor)
	wd.Kick()
	rc, _, err := b.im.src.GetBlob(actx, b.info, none.NoCache)
	wd.Pause()
	if err != nil {
		return b.stalled(wd, err, wd.Stop())
	}
	b.rc, b.wd = rc, wd
	// Skip what an earlier attempt delivered.
	buf := make([]byte, 32<<10)
	for left := b.off; left > 0; {
		n, err := b.read(buf[:min(int64(len(buf)), left)])
		left -= int64(n)
		if err == io.EOF && left > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err != nil && left > 0 {
			b.drop()
			return err
		}
	}
	return nil
}

// read is one read of the current attempt, watched.
func (b *blobReader) read(p []byte) (int, error) {
	b.wd.Kick()
	n, err := b.rc.Read(p)
	b.wd.Moved(int64(n))
	b.wd.Pause()
	if err != nil && err != io.EOF {
		err = b.stalled(b.wd, err, b.wd.Fired())
	}
	return n, err
}

// stalled replaces the cancellation the watchdog caused by what happened.
func (b *blobReader) stalled(wd *regretry.Watchdog, err error, fired bool) error {
	if fired && b.ctx.Err() == nil {
		return wd.Err()
	}
	return err
}

func (b *blobReader) drop() {
	if b.rc != nil {
		_ = b.rc.Close() // a second Close of a body is harmless
		b.rc = nil
	}
	if b.wd != nil {
		b.wd.Stop()
		b.wd = nil
	}
}

func (b *blobReader) Read(p []byte) (int, error) {
	for {
		if b.err != nil {
			return 0, b.err
		}
		if b.rc == nil {
			if err := b.open(); err != nil {
				return 0, err
			}
		}
		n, err := b.read(p)
		b.off += int64(n)
		if err == nil || err == io.EOF {
			return n, err
		}
		b.drop()
		if !b.im.again(b.ctx, b.attempt, b.what, err) {
			b.err = fmt.Errorf("%s: %w", b.what, b.im.final(err, b.attempt+1))
			if n > 0 {
				return n, nil // b.err comes with the next Read
			}
			return 0, b.err
		}
		b.attempt++
		if n > 0 {
			return n, nil
		}
	}
}

func (b *blobReader) Close() error {
	var err error
	if b.rc != nil {
		err = b.rc.Close()
	}
	b.drop()
	return err
}
