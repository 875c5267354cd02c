package mco

import (
	"github.com/ocl-build/ocl-build/pkg/manifests"

	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"strings"

	"github.com/ocl-build/ocl-build/pkg/ocpversion"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Annotations the render controller puts on a rendered MachineConfig that
// ocl-build can know without a cluster.
const (
	ReleaseImageVersionAnnotation  = "machineconfiguration.openshift.io/release-image-version"
	OSImageURLOverriddenAnnotation = "machineconfiguration.openshift.io/os-image-url-overridden"
)

// Paths of the build context, fixed by the 4.19 build pod.
const (
	ContainerfileName     = "Containerfile"
	MachineConfigGzPath   = "machineconfig/machineconfig.json.gz"
	CABundleName          = "openshift-config-user-ca-bundle.crt"
	extensionsMountTarget = "/tmp/mco-extensions/os-extensions-content"
)

// The three labels the operator puts on every layered image.
const (
	LabelMachineConfig     = "machineconfig"
	LabelMachineConfigPool = "machineconfigpool"
	LabelBaseImage         = "baseOSContainerImage"
)

// RenderOptions are the inputs of one on-cluster build.
type RenderOptions struct {
	// Containerfile is the user's content: the MachineOSConfig's NoArch entry.
	Containerfile string
	// PoolName is spec.machineConfigPool.name; DefaultPoolName when empty.
	PoolName string
	// MOSCName is the MachineOSConfig's name; the pool name when empty (the
	// CRD requires them to be equal).
	MOSCName string
	// MachineConfigs are candidates; the pool's selector picks among them.
	MachineConfigs []*mcfgv1.MachineConfig
	// MachineConfigPools may hold the pool named PoolName; its
	// machineConfigSelector is then used instead of the role convention.
	MachineConfigPools []*mcfgv1.MachineConfigPool
	// BaseImage and ExtensionsImage are the ConfigMap's
	// baseOSContainerImage and baseOSExtensionsContainerImage, as pull specs
	// the build can resolve. BaseImage is required.
	BaseImage, ExtensionsImage string
	// AdditionalTrustBundle is the cluster's user CA bundle (may be empty).
	AdditionalTrustBundle []byte
	// Optional, only for names that must match the cluster's: the
	// ConfigMap's osImageURL and releaseVersion, and the MachineOSConfig as
	// the API server stores it (for ImageTag).
	OSImageURL, ReleaseVersion string
	MachineOSConfig            *mcfgv1.MachineOSConfig

	// Profile is the OpenShift version whose operator is mirrored (template,
	// image source, extensions, kernel packages, name hash, Containerfile
	// check). The zero Profile means 4.19.
	Profile ocpversion.Profile
	// OSImageStream is the pool's spec.osImageStream.name; when empty, the
	// one LoadManifests recorded on the pool (PoolOSImageStream), else the
	// version's default stream.
	OSImageStream string
	// StreamBaseImage and StreamExtensionsImage are that stream's images
	// (payload tags rhel-coreos-10, rhel-coreos-10-extensions for rhel-10).
	// The render controller defaults the rendered MachineConfig's
	// osImageURL and baseOSExtensionsContainerImage to them (4.21+,
	// GetBaseImageContainer). Needed only for a stream other than the
	// version's default, whose images are BaseImage and ExtensionsImage.
	StreamBaseImage, StreamExtensionsImage string
	// Arch is the cluster's GOARCH (64k-pages kernels need arm64);
	// runtime.GOARCH when empty.
	Arch string
}

// Rendered is everything the cluster's build pod gets.
type Rendered struct {
	Containerfile string
	// MachineConfig is the rendered config, named rendered-<pool>-<hash>.
	MachineConfig *mcfgv1.MachineConfig
	// MachineConfigGz is the context's machineconfig.json.gz: base64 text of
	// the gzip of the rendered MachineConfig's JSON.
	MachineConfigGz []byte
	CABundle        []byte
	Labels          map[string]string
	// HasExtensions is true when the rendered config lists extensions;
	// ExtensionPackages are the packages they resolve to.
	HasExtensions     bool
	ExtensionPackages []string
	// Sources are the selected MachineConfigs' names in merge order.
	Sources []string
	// PoolConfiguration is the pool's spec.configuration after the render.
	PoolConfiguration mcfgv1.MachineConfigPoolStatusConfiguration
	// ImageTag is <mosc>-<hash> when RenderOptions.MachineOSConfig was
	// given, else empty.
	ImageTag string
	// Warnings describe inputs the cluster would accept but that probably
	// do not do what the admin meant.
	Warnings []string

	// Profile is the version rendered for.
	Profile ocpversion.Profile
	// BaseImage and ExtensionsImage are what the template got: the FROM of
	// both operator stages and the bind-mounted extensions image (from the
	// ConfigMap up to 4.21, from the rendered MachineConfig from 4.22).
	BaseImage, ExtensionsImage string
	// KernelType is the kernel the image is switched to ("" for none: the
	// default kernel, or a version without the kernel step).
	KernelType string
	// OSImageStream is the pool's stream ("" when the version has none).
	OSImageStream string
}

var (
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	noSpace      = regexp.MustCompile(`^\S+$`)
)

// Render produces the rendered MachineConfig, the Containerfile and the
// rest of the build context, as the render and build controllers of
// opts.Profile's version would.
func Render(opts RenderOptions) (*Rendered, error) {
	prof := opts.Profile
	if prof.Version.IsZero() {
		prof = ocpversion.MustLookup("4.19")
	}
	pool := opts.PoolName
	if pool == "" {
		pool = DefaultPoolName
	}
	mosc := opts.MOSCName
	if mosc == "" {
		mosc = pool
	}
	if !dnsSubdomain.MatchString(pool) || len(pool) > 253 {
		return nil, fmt.Errorf("pool name %q is not a valid Kubernetes object name", pool)
	}
	if !dnsSubdomain.MatchString(mosc) || len(mosc) > 253 {
		return nil, fmt.Errorf("MachineOSConfig name %q is not a valid Kubernetes object name", mosc)
	}
	if opts.BaseImage == "" {
		return nil, fmt.Errorf("no base image: the Containerfile starts FROM the cluster's baseOSContainerImage")
	}
	// These values land on FROM, LABEL and --mount lines: a space or newline
	// would change the instructions.
	if !noSpace.MatchString(opts.BaseImage) {
		return nil, fmt.Errorf("base image %q contains whitespace", opts.BaseImage)
	}
	for _, im := range []struct{ what, ref string }{
		{"extensions image", opts.ExtensionsImage},
		{"stream base image", opts.StreamBaseImage},
		{"stream extensions image", opts.StreamExtensionsImage},
	} {
		if im.ref != "" && !noSpace.MatchString(im.ref) {
			return nil, fmt.Errorf("%s %q contains whitespace", im.what, im.ref)
		}
	}

	selected, err := SelectMachineConfigs(pool, FindPool(pool, opts.MachineConfigPools), opts.MachineConfigs)
	if err != nil {
		return nil, err
	}
	ordered := MergeOrder(selected)
	var warnings []string
	stream, defBase, defExt, err := streamImages(prof, opts, pool, &warnings)
	if err != nil {
		return nil, err
	}
	merged, err := MergeMachineConfigs(ordered, defBase, defExt)
	if err != nil {
		return nil, fmt.Errorf("render pool %s: %w", pool, err)
	}
	name, err := RenderedName(pool, merged.Spec)
	if err != nil {
		return nil, err
	}
	merged.Name = name
	// The cluster's copy has been through the API server, which stores
	// spec.config as a JSON object with sorted keys; mirror that so the
	// image's currentconfig reads the same.
	if merged.Spec.Config.Raw, err = canonicalJSON(merged.Spec.Config.Raw); err != nil {
		return nil, fmt.Errorf("render pool %s: %w", pool, err)
	}
	ann := map[string]string{}
	if opts.ReleaseVersion != "" {
		ann[ReleaseImageVersionAnnotation] = opts.ReleaseVersion
	}
	if merged.Spec.OSImageURL != defBase {
		ann[OSImageURLOverriddenAnnotation] = "true"
	}
	if len(ann) > 0 {
		merged.Annotations = ann
	}
	if p := FindPool(pool, opts.MachineConfigPools); p != nil && p.UID != "" {
		t := true
		merged.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: manifests.MachineConfigGroupVersion, Kind: "MachineConfigPool", Name: p.Name, UID: p.UID,
			Controller: &t, BlockOwnerDeletion: &t,
		}}
	}

	pkgs, err := ExtensionPackages(prof, merged.Spec.Extensions)
	if err != nil {
		return nil, fmt.Errorf("render pool %s: %w", pool, err)
	}
	// The template's images: the ConfigMap's up to 4.21, the rendered
	// MachineConfig's from 4.22 (buildrequest.go renderContainerfile).
	fromImage, extImage := opts.BaseImage, opts.ExtensionsImage
	if prof.ImagesFromRenderedMachineConfig {
		fromImage, extImage = merged.Spec.OSImageURL, merged.Spec.BaseOSExtensionsContainerImage
	}
	kernelType, err := layeredKernelType(prof, merged.Spec.KernelType, opts.Arch)
	if err != nil {
		return nil, fmt.Errorf("render pool %s: %w", pool, err)
	}
	gz, err := EncodeMachineConfig(merged)
	if err != nil {
		return nil, err
	}

	r := &Rendered{
		MachineConfig:     merged,
		MachineConfigGz:   gz,
		CABundle:          append([]byte{}, opts.AdditionalTrustBundle...),
		HasExtensions:     len(pkgs) > 0,
		ExtensionPackages: pkgs,
		Labels: map[string]string{
			LabelMachineConfig:     name,
			LabelMachineConfigPool: pool,
			LabelBaseImage:         fromImage,
		},
		Warnings:        warnings,
		Profile:         prof,
		BaseImage:       fromImage,
		ExtensionsImage: extImage,
		KernelType:      kernelType,
		OSImageStream:   stream,
	}
	for _, c := range ordered {
		r.Sources = append(r.Sources, c.Name)
	}
	r.PoolConfiguration = PoolConfiguration(name, ordered)
	if len(selected) == 0 && len(opts.MachineConfigs) > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("none of the %d MachineConfigs is selected by pool %s; the rendered config is empty", len(opts.MachineConfigs), pool))
	}
	if r.HasExtensions && extImage == "" {
		// The operator's template skips the step silently in this case.
		r.Warnings = append(r.Warnings, fmt.Sprintf("the MachineConfigs ask for extensions (%s) but no extensions image is known; the extensions step is left out, as on a cluster without one", strings.Join(merged.Spec.Extensions, ", ")))
	}
	if merged.Spec.OSImageURL != defBase && !prof.ImagesFromRenderedMachineConfig {
		r.Warnings = append(r.Warnings, fmt.Sprintf("a MachineConfig sets osImageURL %s; with On-Cluster Layering on OpenShift %s the build still starts FROM %s and the built image replaces it (from 4.22 the build starts FROM the osImageURL)", merged.Spec.OSImageURL, prof.Version, fromImage))
	}
	if p := FindPool(pool, opts.MachineConfigPools); p != nil && p.Spec.Configuration.Name != "" && p.Spec.Configuration.Name != name {
		// A pool exported from the cluster names the config it rendered:
		// a different name means different inputs (MachineConfigs or images).
		r.Warnings = append(r.Warnings, fmt.Sprintf("MachineConfigPool %s on the cluster uses %s, but these inputs render %s: the MachineConfigs or base images differ from the cluster's", pool, p.Spec.Configuration.Name, name))
	}
	if opts.MachineOSConfig != nil {
		tag, err := ImageTag(mosc, r.PoolConfiguration, opts.MachineOSConfig.Spec, MOSBHashImages(prof, merged, OSImageURLConfig{
			BaseOSContainerImage:           opts.BaseImage,
			BaseOSExtensionsContainerImage: opts.ExtensionsImage,
			OSImageURL:                     opts.OSImageURL,
			ReleaseVersion:                 opts.ReleaseVersion,
		}))
		if err != nil {
			return nil, err
		}
		r.ImageTag = tag
	}
	in := containerfileInput{
		version:   prof.Version.String(),
		base:      fromImage,
		extImage:  extImage,
		packages:  pkgs,
		rendered:  name,
		pool:      pool,
		mosc:      mosc,
		userInput: opts.Containerfile,
	}
	if kernelType != "" {
		in.kernelType, in.kernelPackages = kernelType, prof.KernelPackages
	}
	switch prof.Template {
	case ocpversion.Template419:
		r.Containerfile = renderContainerfile419(in)
	case ocpversion.Template420:
		r.Containerfile = renderContainerfile420(in)
	default:
		return nil, fmt.Errorf("OpenShift %s: no Containerfile template variant %v", prof.Version, prof.Template)
	}
	if prof.ValidatesContainerfile {
		// release-4.23+ parses the rendered Containerfile before any build
		// Job exists; a failure is final, nothing is built.
		if err := ValidateContainerfileSyntax(r.Containerfile); err != nil {
			return nil, &ContainerfileValidationError{Version: prof.Version, Err: err}
		}
	}
	return r, nil
}

// streamImages decides the pool's OS image stream and the images the render
// controller defaults the rendered MachineConfig's osImageURL and
// baseOSExtensionsContainerImage to.
func streamImages(prof ocpversion.Profile, opts RenderOptions, pool string, warnings *[]string) (stream, base, ext string, err error) {
	stream = opts.OSImageStream
	if stream == "" {
		stream = PoolOSImageStream(FindPool(pool, opts.MachineConfigPools))
	}
	if prof.OSImageStream == ocpversion.OSImageStreamNone {
		if stream != "" {
			// The field does not exist in the pool's CRD of this version:
			// the API server prunes it.
			*warnings = append(*warnings, fmt.Sprintf("MachineConfigPool %s asks for OS image stream %s, but OpenShift %s has no OSImageStream (from 4.21): the field is dropped and the pool builds from the default images", pool, stream, prof.Version))
		}
		return "", opts.BaseImage, opts.ExtensionsImage, nil
	}
	if stream == "" {
		stream = prof.DefaultOSImageStream()
	}
	if _, err := prof.OSImageStreamTags(stream); err != nil {
		return "", "", "", fmt.Errorf("MachineConfigPool %s: spec.osImageStream: %w", pool, err)
	}
	if opts.StreamBaseImage != "" {
		return stream, opts.StreamBaseImage, opts.StreamExtensionsImage, nil
	}
	if stream != prof.DefaultOSImageStream() {
		t, _ := prof.OSImageStreamTags(stream)
		return "", "", "", fmt.Errorf("MachineConfigPool %s uses OS image stream %s: its images are not known (give a release payload, whose %s and %s tags name them)", pool, stream, t.Base, t.Extensions)
	}
	return stream, opts.BaseImage, opts.ExtensionsImage, nil
}

// layeredKernelType is the kernelType the template switches the image to
// (getKernelPackages in buildrequestopts.go, release-4.20+): none for the
// default kernel or for a version without the kernel step; 64k-pages only on
// arm64.
func layeredKernelType(prof ocpversion.Profile, kt, arch string) (string, error) {
	if prof.KernelPackages == nil || kt == "" || kt == KernelTypeDefault {
		return "", nil
	}
	if arch == "" {
		arch = runtime.GOARCH
	}
	if kt == KernelType64kPages && arch != "arm64" {
		return "", fmt.Errorf("kernelType 64k-pages is only supported for aarch64 (the build of OpenShift %s fails on %s)", prof.Version, arch)
	}
	if _, ok := prof.KernelPackages[kt]; !ok {
		return "", fmt.Errorf("kernelType %q has no package set in OpenShift %s", kt, prof.Version)
	}
	return kt, nil
}

type containerfileInput struct {
	version, base, extImage, rendered, pool, mosc, userInput string
	packages                                                 []string
	kernelType                                               string
	kernelPackages                                           map[string][]string
}

// canonicalJSON re-encodes a JSON document with map keys sorted, numbers kept
// as written.
func canonicalJSON(raw []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
