package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/internal/ownedtemp"
	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/sigpolicy"
	"github.com/ocl-build/ocl-build/internal/storehold"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// Defaults of the retry loop: regretry's, as for every registry transfer.
const (
	DefaultRetries    = regretry.DefaultRetries
	DefaultRetryDelay = regretry.DefaultDelay
)

// DefaultPolicyPath is where podman and skopeo read their signature policy.
const DefaultPolicyPath = registry.DefaultPolicyPath

// Options describe one push.
type Options struct {
	// Src is the image to push, in containers/image syntax on any
	// transport: containers-storage:[driver@root+runroot]ID (what
	// build.StoreOptions.Reference gives), oci:DIR[:TAG],
	// oci-archive:FILE, docker-archive:FILE, docker://REF. Without a
	// transport prefix it names an image of the default containers
	// storage, as with `podman push`.
	Src string
	// Dest is the registry reference, host[:port]/repo[:tag], with or
	// without the docker:// prefix. Other transports are refused.
	Dest string

	// Registry holds the push credentials (its AuthFile is the
	// builder's push secret), TLS and registries.conf settings, the
	// signature policy, the blob info cache (empty: the one buildah,
	// podman and skopeo share, so a push knows the blobs the build
	// pulled), and the retry policy and stall watchdog. Each attempt
	// re-runs the whole copy, but blobs that reached the registry in an
	// earlier attempt are then skipped, so a retry only re-sends what was
	// lost.
	Registry registry.Options

	// DigestFile, if set, receives the manifest digest (sha256:…, no
	// newline, like buildah's --digestfile) once the push succeeded;
	// written atomically, so a failed push leaves the old content.
	DigestFile string

	// Progress receives containers/image's report: progress bars when it
	// is a terminal, plain "Copying blob …" lines otherwise; nil for
	// nothing. Retry notices go there too.
	Progress io.Writer
}

// Result is what a successful push produced.
type Result struct {
	Digest   digest.Digest // manifest digest as stored by the registry
	PullSpec string        // host/repo@sha256:…, what nodes rebase to
	// Dest is the destination as resolved (host/repo:tag).
	Dest string
	// BlobsCopied and BlobsReused count the blobs (layers and config)
	// sent versus found at the destination (already there, or mounted
	// from another repository of the same registry); a blob sent by any
	// attempt counts as sent, once.
	BlobsCopied, BlobsReused int
	// BytesUploaded is the size of the blobs sent as the registry stores
	// them (compressed), over all attempts; BytesRead is what was read
	// from the source for them (the same for oci:, archives and
	// registries; uncompressed for containers-storage:).
	BytesUploaded, BytesRead int64
	// Attempts is 1 plus the number of retries that were needed.
	Attempts int
	Duration time.Duration
}

// Push copies o.Src to o.Dest and returns the digested pullspec.
func Push(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	if strings.TrimSpace(o.Src) == "" {
		return nil, errors.New("push: no source image")
	}
	srcRef, err := parseSource(o.Src)
	if err != nil {
		return nil, err
	}
	// Parsing a containers-storage: source opened its store; shut it down
	// when done so overlay's mount of the driver's home does not outlive us.
	defer storehold.Acquire(srcRef)()
	destRef, named, err := parseDest(o.Dest)
	if err != nil {
		return nil, err
	}
	where := "push to " + reference.FamiliarString(named)
	if reference.Domain(named) != "docker.io" {
		where = "push to " + named.String()
	}

	sys, done, err := o.Registry.SystemContext()
	if err != nil {
		return nil, err
	}
	defer done()
	tmp, err := ownedtemp.Dir("", "push")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	policyFile, err := sigpolicy.Path(o.Registry.SignaturePolicy, tmp)
	if err != nil {
		return nil, err
	}
	sys.SignaturePolicyPath = policyFile
	pc, err := sigpolicy.Context(policyFile)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()
	o.Registry.WarnPlainHTTP(ctx, sys, reference.Domain(named))

	res := &Result{Dest: named.String()}
	var counts blobCounter
	cr, err := o.Registry.Copy(ctx, pc, destRef, srcRef, registry.Transfer{
		Where: where, Host: reference.Domain(named),
		Start: "starting the push", Verb: "sending",
		Sys: sys, Report: o.Progress, Events: counts.consume,
	})
	res.BlobsCopied, res.BlobsReused, res.BytesRead = counts.totals()
	if err != nil {
		return nil, err
	}
	res.Attempts = cr.Attempts
	manifestBytes := cr.Manifest

	d, err := manifest.Digest(manifestBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: digest of the pushed manifest: %w", where, err)
	}
	canon, err := reference.WithDigest(reference.TrimNamed(named), d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	res.Digest, res.PullSpec = d, canon.String()
	res.BytesUploaded = uploadedSize(ctx, sys, srcRef, manifestBytes, &counts)
	if o.DigestFile != "" {
		if err := atomicfile.WriteFile(o.DigestFile, []byte(d.String()), 0o644); err != nil {
			return nil, fmt.Errorf("digest file: %w", err)
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

// parseSource accepts any containers/image transport; a bare name means
// the default containers storage.
func parseSource(src string) (types.ImageReference, error) {
	ref, err := alltransports.ParseImageName(src)
	if err == nil {
		return ref, nil
	}
	if !hasTransportPrefix(src) {
		if r, err2 := alltransports.ParseImageName("containers-storage:" + src); err2 == nil {
			return r, nil
		}
	}
	return nil, fmt.Errorf("source image %q: %w", src, err)
}

func hasTransportPrefix(s string) bool {
	t, _, ok := strings.Cut(s, ":")
	return ok && transportName(t)
}

func transportName(t string) bool {
	switch t {
	case "containers-storage", "oci", "oci-archive", "docker-archive", "docker", "dir", "docker-daemon", "sif":
		return true
	}
	return false
}

// parseDest accepts docker://host/repo[:tag] or host/repo[:tag].
func parseDest(dest string) (types.ImageReference, reference.Named, error) {
	if strings.TrimSpace(dest) == "" {
		return nil, nil, errors.New("push: no destination")
	}
	s := dest
	if t, rest, ok := strings.Cut(dest, ":"); ok && transportName(t) {
		if t != "docker" {
			return nil, nil, fmt.Errorf("destination %q: push goes to a registry (docker://host/repo:tag), not to the %s: transport", dest, t)
		}
		s = strings.TrimPrefix(rest, "//")
	}
	ref, err := docker.ParseReference("//" + s)
	if err != nil {
		return nil, nil, fmt.Errorf("destination %q: %w", dest, err)
	}
	named := ref.DockerReference()
	if _, ok := named.(reference.Digested); ok {
		return nil, nil, fmt.Errorf("destination %q: name a tag, not a digest (the registry assigns the digest)", dest)
	}
	return ref, named, nil
}

// UntrustedCertificateHint is what to do when a registry's certificate is
// not trusted; it names the CLI flags of CertDir and TLSVerify.
const UntrustedCertificateHint = registry.UntrustedCertificateHint

// IsUntrustedCertificate reports whether err is a TLS certificate
// verification failure (unknown CA, wrong host name, expired).
func IsUntrustedCertificate(err error) bool { return registry.IsUntrustedCertificate(err) }

// IsUnauthorized reports whether err is the registry refusing the
// credentials (401, or 403/denied).
func IsUnauthorized(err error) bool { return registry.IsUnauthorized(err) }

// blobCounter tallies containers/image's progress events per blob, so a
// blob that a failed attempt began and a retry finished counts once.
type blobCounter struct {
	mu     sync.Mutex
	read   map[digest.Digest]types.ProgressProperties // last Done event of blobs read from the source
	reused map[digest.Digest]bool                     // blobs the destination had or mounted
}

func (c *blobCounter) consume(ch <-chan types.ProgressProperties) {
	c.read, c.reused = map[digest.Digest]types.ProgressProperties{}, map[digest.Digest]bool{}
	for p := range ch {
		c.mu.Lock()
		switch p.Event {
		case types.ProgressEventDone:
			// Done also ends a blob the destination already had (the
			// config takes that path) or an upload refused before it
			// read anything: no bytes read means nothing sent.
			if p.Offset > 0 {
				c.read[p.Artifact.Digest] = p
			} else if p.Artifact.Size != 0 {
				c.reused[p.Artifact.Digest] = true
			}
		case types.ProgressEventSkipped:
			c.reused[p.Artifact.Digest] = true
		}
		c.mu.Unlock()
	}
}

// totals returns the blobs sent, the blobs reused (and never sent), and
// the bytes read for the sent ones.
func (c *blobCounter) totals() (copied, reused int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.read {
		bytes += int64(p.Offset)
	}
	for d := range c.reused {
		if _, ok := c.read[d]; !ok {
			reused++
		}
	}
	return len(c.read), reused, bytes
}

// uploadedSize converts the sent source blobs into the sizes of the blobs
// the registry received: the pushed manifest lists them in source order,
// compressed as stored. When the source cannot be read again the source
// sizes stand in.
func uploadedSize(ctx context.Context, sys *types.SystemContext, srcRef types.ImageReference, pushed []byte, c *blobCounter) int64 {
	_, _, fallback := c.totals()
	c.mu.Lock()
	defer c.mu.Unlock()
	mt := manifest.GuessMIMEType(pushed)
	dm, err := manifest.FromBlob(pushed, mt)
	if err != nil {
		return fallback
	}
	src, err := srcRef.NewImageSource(ctx, sys)
	if err != nil {
		return fallback
	}
	defer src.Close()
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(src, nil))
	if err != nil {
		return fallback
	}
	srcLayers, err := img.LayerInfosForCopy(ctx)
	if err != nil || srcLayers == nil {
		srcLayers = img.LayerInfos()
	}
	dstLayers := dm.LayerInfos()
	index := map[digest.Digest]int{}
	for i, l := range srcLayers {
		index[l.Digest] = i
	}
	srcConfig := img.ConfigInfo().Digest
	var total int64
	for d := range c.read {
		switch i, ok := index[d]; {
		case d == srcConfig:
			total += dm.ConfigInfo().Size
		case ok && len(dstLayers) == len(srcLayers):
			total += dstLayers[i].Size
		default:
			return fallback
		}
	}
	return total
}
