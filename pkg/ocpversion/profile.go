package ocpversion

import (
	"fmt"
	"sort"
)

// Template names one variant of the operator's Containerfile template
// (pkg/controller/build/buildrequest/assets/Containerfile.on-cluster-build-template).
type Template int

const (
	// Template419: release-4.18/4.19. The extensions step runs only when both
	// an extensions image and extension packages are known, as one RUN that
	// writes a repo file and calls rpm-ostree install; no kernel step.
	Template419 Template = iota + 1
	// Template420: release-4.20 and every later branch (identical text
	// through release-5.2 and main). The extensions step runs whenever an
	// extensions image is known, as a `bash <<'EOF'` script with
	// `set -xeuo pipefail`, optional extension packages and the kernelType
	// swap through `dnf -y shell`.
	Template420
)

func (t Template) String() string {
	switch t {
	case Template419:
		return "4.19"
	case Template420:
		return "4.20"
	}
	return fmt.Sprintf("Template(%d)", int(t))
}

// OSImageStream says how far a version supports MachineConfigPool
// spec.osImageStream (payload tags rhel-coreos-10, rhel-coreos-10-extensions).
type OSImageStream int

const (
	OSImageStreamNone        OSImageStream = iota // the field does not exist
	OSImageStreamTechPreview                      // 4.21, 4.22: behind TechPreviewNoUpgrade
	OSImageStreamDefault                          // 4.23+: generally available
)

// Rebuild triggers of release-4.20+ (pkg/controller/build: RequiresRebuild):
// only these rendered-MachineConfig fields rebuild the image.
const (
	TriggerOSImageURL      = "osImageURL"
	TriggerKernelType      = "kernelType"
	TriggerExtensions      = "extensions"
	TriggerKernelArguments = "kernelArguments"
)

// Profile is what the on-cluster build does in one OpenShift version.
type Profile struct {
	Version Version
	// MCOBranch is the machine-config-operator branch the facts come from.
	MCOBranch string

	// Template is the Containerfile template variant.
	Template Template
	// ImagesFromRenderedMachineConfig: the build's FROM and extensions image
	// come from the rendered MachineConfig's spec.osImageURL and
	// spec.baseOSExtensionsContainerImage (release-4.22+, buildrequest.go),
	// so an osImageURL MachineConfig becomes the base; before, from the
	// machine-config-osimageurl ConfigMap.
	ImagesFromRenderedMachineConfig bool
	// ValidatesContainerfile: the rendered Containerfile is parsed with the
	// imagebuilder parser before any build Job exists, and a syntax error
	// fails the MachineOSBuild without a build (release-4.23+,
	// buildrequest.go validateContainerfileSyntax).
	ValidatesContainerfile bool

	// Extensions maps each supported extension to its packages
	// (pkg/controller/common/helpers.go SupportedExtensions).
	Extensions map[string][]string
	// KernelPackages maps kernelType (default, realtime, 64k-pages) to the
	// packages the template swaps (GetPackagesForSupportedKernelType,
	// release-4.20+). Nil where the image gets no kernel step.
	KernelPackages map[string][]string

	// BuildAttempts is how often buildah-build.sh tries `bud` and `push`
	// (release-4.19: up to 3; release-4.20+: once).
	BuildAttempts int
	// RebuildTriggers lists the rendered-MachineConfig fields whose change
	// rebuilds the image; nil means every change of the rendered config
	// rebuilds (release-4.19).
	RebuildTriggers []string
	// MOSBHashFromRenderedMachineConfig: the MachineOSBuild name hash is
	// computed from the rendered MachineConfig with OSImageURL blanked and
	// the release version from its annotation (release-4.22+).
	MOSBHashFromRenderedMachineConfig bool

	// UnitEnableTrap: a MachineConfig that enables a unit shipped only by
	// the layered image makes the node loop on update (OCPBUGS-56648).
	// Real on 4.19; fixed by MCO PR #5086 in 4.21, backported to 4.20.
	UnitEnableTrap bool
	// MOSCNameMustMatchPool: the MachineOSConfig CRD carries the CEL rule
	// "name must match spec.machineConfigPool.name" (vendored CRD in
	// release-4.21+, absent in release-4.19/4.20).
	MOSCNameMustMatchPool bool
	// StrictPullSecrets: the build controller decodes the base image pull
	// secret and the push secret strictly before it creates the build
	// (pkg/secrets, release-4.20+, called from canonicalizePullSecret in
	// pkg/controller/build/buildrequest/helpers.go): JSON decoding with
	// unknown fields disallowed, so a key beside "auths" at the top, or a
	// registry entry key other than username, password, email and auth (an
	// identitytoken, say), refuses the secret; and a Secret carrying both
	// .dockerconfigjson and .dockercfg is refused
	// (ValidateKubernetesImageRegistrySecret). release-4.19
	// (ConvertSecretToDockerconfigJSON in pkg/controller/common/dockerconfig.go)
	// checks only that the Secret's type names a non-empty key and passes a
	// config with a non-empty "auths" to the build as written.
	StrictPullSecrets bool
	// PullSecretIgnoresCredHelpers: under StrictPullSecrets the top-level
	// credHelpers and credsStore keys are ignored instead of refused (MCO
	// commit "improve JSON unmarshalling for secret decoding", on
	// release-4.20, 4.21, 4.23 and later, not on release-4.22, whose
	// decodeDockerConfigBytes in pkg/secrets/secrets.go refuses them).
	PullSecretIgnoresCredHelpers bool
	// DefaultStream is the OS image stream of a pool without
	// spec.osImageStream on a cluster installed at this version
	// (GetBuiltinDefaultStreamName in pkg/osimagestream/streams.go:
	// rhel-9 for 4.x, rhel-10 from 5.0). A cluster upgraded from 4.x keeps
	// its OSImageStream's rhel-9 default.
	DefaultStream string
	// OSImageStream support for pools.
	OSImageStream OSImageStream
	// NodeDisruption are the default node disruption policies: what the
	// daemon does for a file, unit or SSH key change it applies without a
	// new image (see disruption.go).
	NodeDisruption DisruptionPolicies
	// PreBuiltImageAnnotation: the
	// machineconfiguration.openshift.io/pre-built-image annotation exists
	// (install-time image mode, release-4.21+).
	PreBuiltImageAnnotation bool
}

// LayeredKernelType reports whether a pool's kernelType reaches a node
// that runs a layered image. On 4.19 the daemon skips the kernel switch for
// On-Cluster Layering pools and the template has no kernel step, so the
// node keeps the base image's kernel.
func (p Profile) LayeredKernelType() bool { return p.KernelPackages != nil }

// Rebuilds reports whether a change of the named rendered-MachineConfig
// field rebuilds the image.
func (p Profile) Rebuilds(field string) bool {
	if p.RebuildTriggers == nil {
		return true
	}
	for _, f := range p.RebuildTriggers {
		if f == field {
			return true
		}
	}
	return false
}

// ExtensionPackages returns the packages of one extension, and whether the
// version knows it.
func (p Profile) ExtensionPackages(name string) ([]string, bool) {
	pk, ok := p.Extensions[name]
	return append([]string(nil), pk...), ok
}

// ExtensionNames lists the supported extensions, sorted.
func (p Profile) ExtensionNames() []string {
	out := make([]string, 0, len(p.Extensions))
	for n := range p.Extensions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ExtensionOf returns the extension that ships pkg, if any.
func (p Profile) ExtensionOf(pkg string) (string, bool) {
	for _, n := range p.ExtensionNames() {
		for _, q := range p.Extensions[n] {
			if q == pkg {
				return n, true
			}
		}
	}
	return "", false
}
