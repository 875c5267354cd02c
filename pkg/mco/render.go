package mco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

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
}

var (
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	noSpace      = regexp.MustCompile(`^\S+$`)
)

// Render produces the rendered MachineConfig, the Containerfile and the
// rest of the build context, as the 4.19 render and build controllers would.
func Render(opts RenderOptions) (*Rendered, error) {
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
	if opts.ExtensionsImage != "" && !noSpace.MatchString(opts.ExtensionsImage) {
		return nil, fmt.Errorf("extensions image %q contains whitespace", opts.ExtensionsImage)
	}

	selected, err := SelectMachineConfigs(pool, FindPool(pool, opts.MachineConfigPools), opts.MachineConfigs)
	if err != nil {
		return nil, err
	}
	ordered := MergeOrder(selected)
	merged, err := MergeMachineConfigs(ordered, opts.BaseImage, opts.ExtensionsImage)
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
	if merged.Spec.OSImageURL != opts.BaseImage {
		ann[OSImageURLOverriddenAnnotation] = "true"
	}
	if len(ann) > 0 {
		merged.Annotations = ann
	}
	if p := FindPool(pool, opts.MachineConfigPools); p != nil && p.UID != "" {
		t := true
		merged.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: mcfgAPIVersion, Kind: "MachineConfigPool", Name: p.Name, UID: p.UID,
			Controller: &t, BlockOwnerDeletion: &t,
		}}
	}

	pkgs, err := ExtensionPackages(merged.Spec.Extensions)
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
			LabelBaseImage:         opts.BaseImage,
		},
	}
	for _, c := range ordered {
		r.Sources = append(r.Sources, c.Name)
	}
	r.PoolConfiguration = PoolConfiguration(name, ordered)
	if len(selected) == 0 && len(opts.MachineConfigs) > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("none of the %d MachineConfigs is selected by pool %s; the rendered config is empty", len(opts.MachineConfigs), pool))
	}
	if r.HasExtensions && opts.ExtensionsImage == "" {
		// The operator's template skips the step silently in this case.
		r.Warnings = append(r.Warnings, fmt.Sprintf("the MachineConfigs ask for extensions (%s) but no extensions image is known; the extensions step is left out, as on a cluster without one", strings.Join(merged.Spec.Extensions, ", ")))
	}
	if merged.Spec.OSImageURL != opts.BaseImage {
		r.Warnings = append(r.Warnings, fmt.Sprintf("a MachineConfig sets osImageURL %s; with On-Cluster Layering the build still starts FROM %s and the built image replaces it", merged.Spec.OSImageURL, opts.BaseImage))
	}
	if p := FindPool(pool, opts.MachineConfigPools); p != nil && p.Spec.Configuration.Name != "" && p.Spec.Configuration.Name != name {
		// A pool exported from the cluster names the config it rendered:
		// a different name means different inputs (MachineConfigs or images).
		r.Warnings = append(r.Warnings, fmt.Sprintf("MachineConfigPool %s on the cluster uses %s, but these inputs render %s: the MachineConfigs or base images differ from the cluster's", pool, p.Spec.Configuration.Name, name))
	}
	if opts.MachineOSConfig != nil {
		tag, err := ImageTag(mosc, r.PoolConfiguration, opts.MachineOSConfig.Spec, OSImageURLConfig{
			BaseOSContainerImage:           opts.BaseImage,
			BaseOSExtensionsContainerImage: opts.ExtensionsImage,
			OSImageURL:                     opts.OSImageURL,
			ReleaseVersion:                 opts.ReleaseVersion,
		})
		if err != nil {
			return nil, err
		}
		r.ImageTag = tag
	}
	r.Containerfile = renderContainerfile(containerfileInput{
		base:      opts.BaseImage,
		extImage:  opts.ExtensionsImage,
		packages:  pkgs,
		rendered:  name,
		pool:      pool,
		mosc:      mosc,
		userInput: opts.Containerfile,
	})
	return r, nil
}

type containerfileInput struct {
	base, extImage, rendered, pool, mosc, userInput string
	packages                                        []string
}

// renderContainerfile writes the 4.19 on-cluster Containerfile: the same
// instructions in the same order (our own comments and spacing). The base
// image is a literal pull spec on both FROM lines, as on the cluster.
func renderContainerfile(in containerfileInput) string {
	var b strings.Builder
	w := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	w("# On-cluster build of MachineOSConfig "+in.mosc+" (pool "+in.pool+"), rendered by ocl-build",
		"# as the Machine Config Operator 4.19 renders it. The last stage is the image.",
		"",
		"# Stage 1: unpack the rendered MachineConfig (base64 of gzip of JSON) so the",
		"# compressed copy stays out of the final image.",
		"FROM "+in.base+" AS extract",
		"COPY ./"+MachineConfigGzPath+" /tmp/machineconfig.json.gz",
		"RUN mkdir -p /etc/machine-config-daemon && \\",
		"\tcat /tmp/machineconfig.json.gz | base64 -d | gunzip - > /etc/machine-config-daemon/currentconfig",
		"",
		"# Stage 2: the base image with the MachineConfig's files, units and users",
		"# applied by Ignition, then committed as an ostree container.",
		"FROM "+in.base+" AS configs",
		"COPY --from=extract /etc/machine-config-daemon/currentconfig /etc/machine-config-daemon/currentconfig",
		`RUN container="oci" exec -a ignition-apply /usr/lib/dracut/modules.d/30ignition/ignition --ignore-unsupported <(cat /etc/machine-config-daemon/currentconfig | jq '.spec.config') && \`,
		"\tostree container commit",
	)
	if in.extImage != "" && len(in.packages) > 0 {
		w("",
			"# Extensions: the extensions image is bind-mounted as a local rpm-md repo.",
			"RUN --mount=type=bind,from="+in.extImage+",source=/,target="+extensionsMountTarget+",bind-propagation=rshared,z \\",
			`    echo -e "[coreos-extensions]\n\`,
			`enabled=1\n\`,
			`metadata_expire=1m\n\`,
			`baseurl=`+extensionsMountTarget+`/usr/share/rpm-ostree/extensions/\n\`,
			`gpgcheck=0\n\`,
			`skip_if_unavailable=False" > /etc/yum.repos.d/coreos-extensions.repo && \`,
			`    chmod 644 /etc/yum.repos.d/coreos-extensions.repo && \`,
			`    extensions="`+strings.Join(in.packages, " ")+`" && \`,
			`    echo "Installing extension packages: $extensions" && \`,
			`    rpm-ostree install $extensions && \`,
			`    rm /etc/yum.repos.d/coreos-extensions.repo`,
			"RUN ostree container commit",
		)
	}
	w("",
		"# Fixed tmpfiles entries for usbguard and libreswan (ipsec).",
		"RUN test ! -f /usr/lib/tmpfiles.d/usbguard.conf || rm /usr/lib/tmpfiles.d/usbguard.conf",
		`RUN echo -e "d /var/log/usbguard 0755 root root -\nd /var/lib/ipsec 0700 root root -\nd /var/lib/ipsec/nss 0700 root root -" > /usr/lib/tmpfiles.d/usbguard_ipsec.conf`,
		"",
		"# The cluster's additional trust bundle (an empty file when there is none).",
		"COPY ./"+CABundleName+" /etc/pki/ca-trust/source/anchors/"+CABundleName,
		"RUN update-ca-trust",
		"",
		"LABEL "+LabelMachineConfig+"="+in.rendered,
		"LABEL "+LabelMachineConfigPool+"="+in.pool,
		"LABEL "+LabelBaseImage+"="+in.base,
	)
	if in.userInput != "" {
		w("", "# MachineOSConfig "+in.mosc+": containerFile (NoArch), verbatim from here on.")
		b.WriteString(in.userInput)
		if !strings.HasSuffix(in.userInput, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
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
