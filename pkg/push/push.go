// Package push copies a built image to a registry the way the cluster's
// build pod does (`buildah push --authfile <push secret> --digestfile`):
// containers/image copy from any transport to docker://, blobs the registry
// already has skipped, blobs held by another repository of the same
// registry mounted, transient failures retried with backoff, and the
// digested pullspec returned for the MachineOSConfig.
package push

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ocl-build/ocl-build/internal/ownedtemp"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"

	"github.com/ocl-build/ocl-build/internal/atomicfile"
	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/internal/sigpolicy"
	"github.com/ocl-build/ocl-build/internal/storehold"
)

// Defaults for the retry loop. Three retries with a doubling delay from one
// second (1 s, 2 s, 4 s) ride out a registry restart or a load balancer
// hiccup in about 7 s, yet a registry that is really down fails within
// seconds rather than minutes. Each attempt re-runs the whole copy, but
// blobs that reached the registry in an earlier attempt are then skipped,
// so a retry only re-sends what was lost.
// They are regretry's, as for every registry transfer.
const (
	DefaultRetries    = regretry.DefaultRetries
	DefaultRetryDelay = regretry.DefaultDelay
)

// DefaultPolicyPath is where podman and skopeo read their signature policy.
const DefaultPolicyPath = sigpolicy.DefaultPath

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

	// AuthFile holds the push credentials (.dockerconfigjson / auth.json);
	// empty means $REGISTRY_AUTH_FILE, then the containers/image defaults.
	AuthFile string
	// CertDir holds *.crt CA files (and client cert/key pairs) for the
	// destination; empty means /etc/containers/certs.d/<host>.
	CertDir string
	// TLSVerify requires HTTPS with a verified certificate unless
	// registries.conf marks the registry insecure. The zero value is
	// false: callers build Options with TLSVerify: true unless the user
	// asked otherwise (the CLI's default is true).
	TLSVerify bool
	// RegistriesConf overrides /etc/containers/registries.conf (mirrors,
	// blocked and insecure registries are honoured either way).
	RegistriesConf string
	// SignaturePolicy overrides /etc/containers/policy.json. With neither,
	// an accept-anything policy is used, as the cluster's build pod does.
	SignaturePolicy string
	// BlobInfoCacheDir is where containers/image remembers which registry
	// repositories hold which blobs (what makes cross-repository mounts
	// possible). Empty means the containers/image default that buildah,
	// podman and skopeo share (/var/lib/containers/cache as root), so a
	// push knows about the blobs the build pulled.
	BlobInfoCacheDir string

	// DigestFile, if set, receives the manifest digest (sha256:…, no
	// newline, like buildah's --digestfile) once the push succeeded;
	// written atomically, so a failed push leaves the old content.
	DigestFile string

	// Retries is how many times a transient failure (5xx, 429, connection
	// reset or refused, timeout, truncated response) is retried; negative
	// means none, and 0 means DefaultRetries. RetryDelay is the first
	// delay (0: DefaultRetryDelay); it doubles each retry up to 30 s.
	Retries    int
	RetryDelay time.Duration
	// StallTimeout ends an attempt that moved no data for this long (a
	// registry that stopped answering); the retry rules then apply. 0
	// means 60 s (regretry.DefaultStallTimeout), negative no limit.
	StallTimeout time.Duration

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

	sys, err := o.systemContext()
	if err != nil {
		return nil, err
	}
	tmp, err := ownedtemp.Dir("", "push")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	policyFile, err := sigpolicy.Path(o.SignaturePolicy, tmp)
	if err != nil {
		return nil, err
	}
	sys.SignaturePolicyPath = policyFile
	pc, err := sigpolicy.Context(policyFile)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()

	policy := regretry.Policy{Retries: o.Retries, Delay: o.RetryDelay}
	notice := func(err error, wait time.Duration, n, of int) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "%s: %v; retrying in %s (%d/%d)\n", where, err, wait, n, of)
		}
	}

	res := &Result{Dest: named.String()}
	var counts blobCounter
	progress := make(chan types.ProgressProperties, 64)
	countsDone := make(chan struct{})
	watch := regretry.NewCopyWatch(o.StallTimeout, "starting the push", "sending")
	go func() {
		counts.consume(watch.Relay(progress))
		close(countsDone)
	}()

	copyOpts := &copy.Options{
		ReportWriter:     o.Progress,
		SourceCtx:        sys,
		DestinationCtx:   sys,
		Progress:         progress,
		ProgressInterval: 500 * time.Millisecond,
	}
	var manifestBytes []byte
	for attempt := 0; ; attempt++ {
		res.Attempts = attempt + 1
		actx, settle := watch.Attempt(ctx)
		manifestBytes, err = copy.Image(actx, pc, destRef, srcRef, copyOpts)
		if err = settle(err); err == nil || !policy.Retry(ctx, attempt, err, notice) {
			break
		}
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// Interrupted while waiting to retry: say so, for exit 130/143.
		err = fmt.Errorf("%w while waiting to retry after: %v", ctx.Err(), err)
	}
	close(progress)
	<-countsDone
	res.BlobsCopied, res.BlobsReused, res.BytesRead = counts.totals()
	if err != nil {
		return nil, describe(where, named, sys.AuthFilePath, err)
	}

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
			return nil, nil, fmt.Errorf("destination %q: push goes to a registry (docker://host/repo:tag), not %s:", dest, t)
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

func (o Options) systemContext() (*types.SystemContext, error) {
	auth := o.AuthFile
	if auth == "" {
		auth = os.Getenv("REGISTRY_AUTH_FILE")
	}
	if auth != "" {
		if _, err := os.Stat(auth); err != nil {
			return nil, fmt.Errorf("authfile: %w", err)
		}
	}
	if o.CertDir != "" {
		fi, err := os.Stat(o.CertDir)
		if err != nil {
			return nil, fmt.Errorf("cert-dir: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("cert-dir: %s is not a directory", o.CertDir)
		}
	}
	if o.RegistriesConf != "" {
		if _, err := os.Stat(o.RegistriesConf); err != nil {
			return nil, fmt.Errorf("registries.conf: %w", err)
		}
	}
	sys := &types.SystemContext{
		AuthFilePath:             auth,
		DockerCertPath:           o.CertDir,
		SystemRegistriesConfPath: o.RegistriesConf,
		BlobInfoCacheDir:         o.BlobInfoCacheDir,
		DockerRegistryUserAgent:  "ocl-build",
	}
	if !o.TLSVerify {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
		sys.OCIInsecureSkipTLSVerify = true
	}
	// With TLSVerify the setting stays undefined, so a registry marked
	// insecure in registries.conf is treated as podman treats it.
	return sys, nil
}

// describe names the registry and the operation, and turns an
// authentication failure into advice about the credentials file (never its
// content).
func describe(where string, named reference.Named, authFile string, err error) error {
	if IsUnauthorized(err) {
		src := authFile
		if src == "" {
			src = "the default credentials (podman login / $REGISTRY_AUTH_FILE)"
		}
		return fmt.Errorf("%s: unauthorized: the credentials for %s in %s were refused: %w",
			where, reference.Domain(named), src, err)
	}
	if IsUntrustedCertificate(err) {
		return fmt.Errorf("%s: %w (%s)", where, err, UntrustedCertificateHint)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// UntrustedCertificateHint is what to do when a registry's certificate is
// not trusted; it names the CLI flags of CertDir and TLSVerify.
const UntrustedCertificateHint = "the registry's certificate is not trusted: give its CA with --cert-dir DIR, or skip verification with --tls-verify=false"

// IsUntrustedCertificate reports whether err is a TLS certificate
// verification failure (unknown CA, wrong host name, expired).
func IsUntrustedCertificate(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) ||
		strings.Contains(err.Error(), "x509: certificate signed by unknown authority")
}

// IsUnauthorized reports whether err is the registry refusing the
// credentials (401, or 403/denied).
func IsUnauthorized(err error) bool {
	return regretry.IsUnauthorized(err)
}

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
