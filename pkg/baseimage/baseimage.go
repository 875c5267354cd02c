package baseimage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/shortnames"
	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
	"sigs.k8s.io/yaml"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"

	"github.com/ocl-build/ocl-build/internal/regretry"
	"github.com/ocl-build/ocl-build/pkg/image"
	"github.com/ocl-build/ocl-build/pkg/mco"
	"github.com/ocl-build/ocl-build/pkg/registry"
)

// Tags of the release payload's image-references that name the base images.
const (
	TagRHCOS           = "rhel-coreos"
	TagRHCOSExtensions = "rhel-coreos-extensions"

	imageReferencesPath = "release-manifests/image-references"
	releaseMetadataPath = "release-manifests/release-metadata"
)

// Options: exactly one of BaseImage, Release, OSImageURLFile.
type Options struct {
	BaseImage, ExtensionsImage string
	Release                    string // release payload pull spec
	OSImageURLFile             string // machine-config-osimageurl ConfigMap YAML
	// OSImageURL is the ConfigMap already read from OSImageURLFile (which
	// then only names it): a caller that read it, perhaps from standard
	// input, does not have it read twice.
	OSImageURL *mco.OSImageURLConfig
}

// Resolved names the images and where they came from.
type Resolved struct {
	BaseImage       string
	ExtensionsImage string // may be empty (no extensions image known)
	// Source says how they were found, for the user: "--base-image",
	// "release quay.io/…:4.19.0 (4.19.0)", "ConfigMap in FILE".
	Source string
	// ReleaseVersion and OSImageURL when the source states them.
	ReleaseVersion, OSImageURL string
	// FromConfigMap: ReleaseVersion is the ConfigMap's releaseVersion (else
	// the release payload's).
	FromConfigMap bool
	// Tags holds the release payload's image-references tags (nil for the
	// other sources): the OS image streams' images are among them.
	Tags map[string]string
}

// VersionCandidates are the OpenShift versions this source states, for
// ocpversion.Resolve: the ConfigMap's releaseVersion or the payload's
// version.
func (r *Resolved) VersionCandidates() []ocpversion.Candidate {
	if r == nil || r.ReleaseVersion == "" {
		return nil
	}
	src := ocpversion.SourceReleasePayload
	if r.FromConfigMap {
		src = ocpversion.SourceConfigMap
	}
	return []ocpversion.Candidate{{Value: r.ReleaseVersion, Source: src}}
}

// StreamImages returns the base and extensions images of a pool's OS image
// stream: the payload's tags of that stream, e.g. rhel-coreos-10 and
// rhel-coreos-10-extensions. stream ""
// means the pool names none, so the version's default stream applies
// (rhel-10 from 5.0: a 5.x payload's default images are its rhel-coreos-10
// tags). For the rhel-9 stream they are BaseImage and ExtensionsImage;
// empty strings when the version has no streams.
func (r *Resolved) StreamImages(p ocpversion.Profile, stream string) (base, ext string, err error) {
	if p.OSImageStream == ocpversion.OSImageStreamNone {
		return "", "", nil
	}
	named := stream != ""
	if !named {
		stream = p.DefaultOSImageStream()
	}
	t, err := p.OSImageStreamTags(stream)
	if err != nil {
		return "", "", err
	}
	if t.Base == TagRHCOS {
		// BaseImage is the rhel-coreos image (named, so that a rhel-9 pool
		// on 5.x, whose default is rhel-10, gets it too).
		return r.BaseImage, r.ExtensionsImage, nil
	}
	if r.Tags == nil {
		if !named {
			// The version's default, not the pool's choice: the caller
			// decides (ApplyVersion warns and keeps the given images).
			return "", "", errDefaultStreamUnknown
		}
		return "", "", fmt.Errorf("the pool uses OS image stream %s, whose images are the release payload's %s and %s tags: give --release (%s names only the rhel-coreos images)", stream, t.Base, t.Extensions, r.Source)
	}
	base, ext = r.Tags[t.Base], r.Tags[t.Extensions]
	if base == "" {
		return "", "", fmt.Errorf("OS image stream %s: %s has no %s tag (OS image streams arrived in 4.21 payloads)", stream, r.Source, t.Base)
	}
	return base, ext, nil
}

// errDefaultStreamUnknown: the version's default stream is not rhel-9, and
// the source names only the rhel-coreos (rhel-9) images.
var errDefaultStreamUnknown = errors.New("the default OS image stream's images are not known")

// Resolve picks the images. Only Release touches the network (reg carries
// the credentials, TLS settings and retry policy for the payload's
// registry).
func Resolve(ctx context.Context, o Options, reg registry.Options) (*Resolved, error) {
	n := 0
	for _, s := range []string{o.BaseImage, o.Release, o.OSImageURLFile} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, errors.New("no base image: give --base-image, --release or --osimageurl")
	case n > 1:
		return nil, errors.New("choose the base image with one of --base-image, --release or --osimageurl")
	case o.ExtensionsImage != "" && o.BaseImage == "":
		return nil, errors.New("--extensions-image goes with --base-image")
	}
	switch {
	case o.BaseImage != "":
		base, err := Qualify(ctx, o.BaseImage, reg)
		if err != nil {
			return nil, err
		}
		ext := o.ExtensionsImage
		if ext != "" {
			if ext, err = Qualify(ctx, ext, reg); err != nil {
				return nil, err
			}
		}
		return &Resolved{BaseImage: base, ExtensionsImage: ext, Source: "--base-image"}, nil
	case o.OSImageURLFile != "":
		var c mco.OSImageURLConfig
		if o.OSImageURL != nil {
			c = *o.OSImageURL
		} else {
			var err error
			if c, err = mco.LoadOSImageURLConfig(o.OSImageURLFile); err != nil {
				return nil, err
			}
		}
		return &Resolved{
			BaseImage: c.BaseOSContainerImage, ExtensionsImage: c.BaseOSExtensionsContainerImage,
			Source:         "ConfigMap " + o.OSImageURLFile,
			ReleaseVersion: c.ReleaseVersion, OSImageURL: c.OSImageURL, FromConfigMap: true,
		}, nil
	}
	rel, err := ReadRelease(ctx, o.Release, reg)
	if err != nil {
		return nil, err
	}
	src := "release " + o.Release
	if rel.Version != "" {
		src += " (" + rel.Version + ")"
	}
	return &Resolved{BaseImage: rel.RHCOS, ExtensionsImage: rel.RHCOSExtensions, Source: src, ReleaseVersion: rel.Version, Tags: rel.Tags}, nil
}

// Qualify resolves a short name (no registry host: "rhcos:4.19") the way
// podman and buildah do, with registries.conf's aliases and
// unqualified-search-registries: each candidate registry is asked in turn,
// and the first that has the image names it. A fully qualified name is
// returned as it is, without the network. The cluster only ever uses
// qualified names; this is for the admin's own --base-image.
func Qualify(ctx context.Context, name string, reg registry.Options) (string, error) {
	if !shortnames.IsShortName(strings.TrimPrefix(name, "docker://")) {
		return name, nil
	}
	sys, done, err := reg.SystemContext()
	if err != nil {
		return "", err
	}
	defer done()
	res, err := shortnames.Resolve(sys, name)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", name, err)
	}
	var errs []error
	for _, c := range res.PullCandidates {
		ir, err := docker.NewReference(c.Value)
		if err == nil {
			if _, err = digestOnce(ctx, sys, ir, reg.Stall()); err == nil {
				return c.Value.String(), nil
			}
		}
		errs = append(errs, registry.Speak(err))
	}
	return "", fmt.Errorf("image %s: %w", name, res.FormatPullErrors(errs))
}

// Release is what a payload says about RHCOS.
type Release struct {
	Version         string
	RHCOS           string // tag rhel-coreos
	RHCOSExtensions string // tag rhel-coreos-extensions (may be absent)
	// Tags holds every image-references tag, name → pull spec.
	Tags map[string]string
}

// imageStream is the part of image.openshift.io/v1 ImageStream we read.
type imageStream struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Tags []struct {
			Name string `json:"name"`
			From *struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"from"`
		} `json:"tags"`
	} `json:"spec"`
}

// ParseImageReferences reads release-manifests/image-references.
func ParseImageReferences(data []byte) (*Release, error) {
	var is imageStream
	if err := yaml.Unmarshal(data, &is); err != nil {
		return nil, fmt.Errorf("%s: %v", imageReferencesPath, err)
	}
	if is.Kind != "ImageStream" {
		return nil, fmt.Errorf("%s: kind is %q, want ImageStream", imageReferencesPath, is.Kind)
	}
	r := &Release{Version: is.Metadata.Name, Tags: map[string]string{}}
	for i, t := range is.Spec.Tags {
		if t.From == nil || t.From.Name == "" {
			return nil, fmt.Errorf("%s: spec.tags[%d] (%s): from.name is empty", imageReferencesPath, i, t.Name)
		}
		r.Tags[t.Name] = t.From.Name
	}
	r.RHCOS, r.RHCOSExtensions = r.Tags[TagRHCOS], r.Tags[TagRHCOSExtensions]
	if r.RHCOS == "" {
		return nil, fmt.Errorf("%s: no %q tag (this payload does not name an RHCOS image; OpenShift 4.12+ payloads do)", imageReferencesPath, TagRHCOS)
	}
	return r, nil
}

// ReadRelease reads just the payload's release-manifests files and parses
// them. The layers are read through pkg/image like every other registry
// read: from the top down, stopping once both files are decided, each
// layer digest-checked, whiteouts and opaque directories honoured, with
// retries and the stall watchdog of reg.
func ReadRelease(ctx context.Context, ref string, reg registry.Options) (*Release, error) {
	opts := image.Options{Registry: reg, Limits: releaseLimits}
	if reg.Notice != nil {
		opts.OnRetry = func(what string, err error, wait time.Duration, n, of int) {
			reg.Notice(fmt.Sprintf("release %s: %s: %v; retrying in %s (%d/%d)", ref, what, registry.Speak(err), wait, n, of))
		}
	}
	im, err := image.Open(ctx, "docker://"+strings.TrimPrefix(ref, "docker://"), opts)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", ref, unwrapImageError(err))
	}
	defer im.Close()
	files, err := image.ReadFiles(ctx, im, []string{imageReferencesPath, releaseMetadataPath})
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", ref, unwrapImageError(err))
	}
	data, ok := files[imageReferencesPath]
	if !ok {
		return nil, fmt.Errorf("release %s: no /%s in the image: is it a release payload?", ref, imageReferencesPath)
	}
	r, err := ParseImageReferences(data)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", ref, err)
	}
	if meta, ok := files[releaseMetadataPath]; ok {
		var m struct {
			Version string `json:"version"`
		}
		if yaml.Unmarshal(meta, &m) == nil && m.Version != "" {
			r.Version = m.Version
		}
	}
	return r, nil
}

// releaseLimits: a release manifest file is kept in memory, so the
// kept-file limit is pkg/image's in-memory size; the rest are its defaults.
var releaseLimits = image.Limits{MaxFileBytes: image.MemoryFileLimit}

// unwrapImageError drops pkg/image's "REF: " prefix, which our own
// "release REF: " already says.
func unwrapImageError(err error) error {
	var ie *image.Error
	if errors.As(err, &ie) {
		return ie.Err
	}
	return err
}

// dockerRef accepts "host/repo:tag" or "docker://host/repo:tag".
func dockerRef(ref string) (types.ImageReference, error) {
	return docker.ParseReference("//" + strings.TrimPrefix(ref, "docker://"))
}

// Digest asks the registry which manifest digest ref points at now (a ref
// by digest is returned as is, without the network). It is the first
// registry contact of a build: retried like every registry read, each
// attempt under the stall watchdog, and its final error names the image,
// speaks registry and counts the attempts.
func Digest(ctx context.Context, ref string, reg registry.Options) (digest.Digest, error) {
	ir, err := dockerRef(ref)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", ref, err)
	}
	if c, ok := ir.DockerReference().(interface{ Digest() digest.Digest }); ok {
		return c.Digest(), nil
	}
	sys, done, err := reg.SystemContext()
	if err != nil {
		return "", err
	}
	defer done()
	host := reference.Domain(ir.DockerReference())
	reg.WarnPlainHTTP(ctx, sys, host)
	where := "image " + ref
	for attempt := 0; ; attempt++ {
		d, err := digestOnce(ctx, sys, ir, reg.Stall())
		if err == nil {
			return d, nil
		}
		if !reg.Retry.Retry(ctx, attempt, err, reg.RetryNotice(where)) {
			return "", reg.Describe(where, host, err, attempt+1)
		}
	}
}

// digestOnce is one attempt, which the watchdog ends after stall of
// silence (the whole exchange is one small request).
func digestOnce(ctx context.Context, sys *types.SystemContext, ir types.ImageReference, stall time.Duration) (d digest.Digest, err error) {
	actx, wd := regretry.NewWatchdog(ctx, stall)
	wd.Kick()
	defer func() {
		if wd.Stop() && err != nil && ctx.Err() == nil {
			err = fmt.Errorf("reading the manifest digest: %w", wd.Err())
		}
	}()
	return docker.GetDigest(actx, sys, ir)
}

// ApplyVersion resolves the OpenShift version from cands (in order: the
// flag, the cluster) followed by what this source states, and puts the
// version's profile and the images of the pool's OS image stream into ro.
// With no candidate and a profile already in ro, that profile stays.
func (r *Resolved) ApplyVersion(cands []ocpversion.Candidate, ro *mco.RenderOptions) (ocpversion.Detected, error) {
	var d ocpversion.Detected
	stated := false
	for _, c := range append(append([]ocpversion.Candidate{}, cands...), r.VersionCandidates()...) {
		stated = stated || c.Value != ""
	}
	if !stated && !ro.Profile.Version.IsZero() {
		d = ocpversion.Detected{Profile: ro.Profile, Version: ro.Profile.Version, Source: "caller"}
	} else {
		var err error
		if d, err = ocpversion.Resolve(append(cands, r.VersionCandidates()...)...); err != nil {
			return d, err
		}
		ro.Profile = d.Profile
	}
	stream := ro.OSImageStream
	if stream == "" {
		stream = mco.PoolOSImageStream(mco.FindPool(ro.PoolName, ro.MachineConfigPools))
	}
	if ro.StreamBaseImage == "" {
		b, e, err := r.StreamImages(d.Profile, stream)
		switch {
		case errors.Is(err, errDefaultStreamUnknown):
			if r.FromConfigMap {
				// The ConfigMap names the rhel-coreos (rhel-9) images only;
				// right for a cluster upgraded from 4.x, whose default stays
				// rhel-9.
				d.Warnings = append(d.Warnings, fmt.Sprintf("OpenShift %s defaults pools without spec.osImageStream to %s on clusters installed at %s, but %s names only the rhel-coreos (rhel-9) images: building from those, as a cluster upgraded from 4.x does (give --release to build the %s images)", d.Profile.Version, d.Profile.DefaultOSImageStream(), d.Profile.Version, r.Source, d.Profile.DefaultOSImageStream()))
			}
			return d, nil
		case err != nil:
			return d, err
		}
		if stream == "" && r.Tags != nil && b != "" && b != r.BaseImage {
			d.Warnings = append(d.Warnings, fmt.Sprintf("the pool names no OS image stream: building from %s (%s), the default of clusters installed at OpenShift %s; a cluster upgraded from 4.x keeps rhel-9 (set the pool's spec.osImageStream.name: rhel-9 to build that)", d.Profile.DefaultOSImageStream(), b, d.Profile.Version))
		}
		ro.StreamBaseImage, ro.StreamExtensionsImage = b, e
	}
	return d, nil
}
