package ocpversion

import (
	"fmt"
	"strings"
)

// Oldest is the first version with the MachineOSConfig v1 API. Earlier
// versions serve only v1alpha1 (TechPreview) and are refused.
var Oldest = Version{4, 19}

// profiles holds one entry per OpenShift version, oldest first. Each entry
// starts from the one before it and names only what changed, with the
// operator branch the change was read from.
var profiles = buildProfiles()

func buildProfiles() []Profile {
	var out []Profile
	add := func(v string, change func(p *Profile)) {
		var p Profile
		if len(out) > 0 {
			p = out[len(out)-1].clone()
		}
		p.Version = MustParse(v)
		p.MCOBranch = "release-" + v
		change(&p)
		out = append(out, p)
	}
	add("4.19", func(p *Profile) {
		p.Template = Template419
		p.Extensions = map[string][]string{
			"two-node-ha":          {"pacemaker", "pcs", "fence-agents-all"},
			"wasm":                 {"crun-wasm"},
			"ipsec":                {"NetworkManager-libreswan", "libreswan"},
			"usbguard":             {"usbguard"},
			"kerberos":             {"krb5-workstation", "libkadm5"},
			"kernel-devel":         {"kernel-devel", "kernel-headers"},
			"sandboxed-containers": {"kata-containers"},
			"sysstat":              {"sysstat"},
		}
		p.BuildAttempts = 3
		p.UnitEnableTrap = true
		p.DefaultStream = StreamRHEL9
		p.NodeDisruption = disruption419()
	})
	add("4.20", func(p *Profile) {
		p.Template = Template420
		p.KernelPackages = map[string][]string{
			"default":   {"kernel", "kernel-core", "kernel-modules", "kernel-modules-core", "kernel-modules-extra"},
			"realtime":  {"kernel-rt-core", "kernel-rt-modules", "kernel-rt-modules-extra", "kernel-rt-kvm"},
			"64k-pages": {"kernel-64k-core", "kernel-64k-modules", "kernel-64k-modules-core", "kernel-64k-modules-extra"},
		}
		p.BuildAttempts = 1
		p.RebuildTriggers = []string{TriggerOSImageURL, TriggerKernelType, TriggerExtensions, TriggerKernelArguments}
		p.UnitEnableTrap = false // OCPBUGS-70259/-71196 backports of MCO PR #5086
		p.StrictPullSecrets = true
		p.PullSecretIgnoresCredHelpers = true
	})
	add("4.21", func(p *Profile) {
		p.MOSCNameMustMatchPool = true
		p.OSImageStream = OSImageStreamTechPreview
		p.PreBuiltImageAnnotation = true
	})
	add("4.22", func(p *Profile) {
		p.ImagesFromRenderedMachineConfig = true
		p.MOSBHashFromRenderedMachineConfig = true
		delete(p.Extensions, "wasm")
		// release-4.22's pkg/secrets lacks the credHelpers tolerance that
		// release-4.20, 4.21 and 4.23 carry.
		p.PullSecretIgnoresCredHelpers = false
		add422(&p.NodeDisruption)
	})
	add("4.23", func(p *Profile) {
		p.ValidatesContainerfile = true
		p.OSImageStream = OSImageStreamDefault
		p.Extensions["ipsec"] = []string{"NetworkManager-libreswan", "libreswan", "openvswitch3.5-ipsec"}
		p.PullSecretIgnoresCredHelpers = true
	})
	add("5.0", func(p *Profile) {
		p.DefaultStream = StreamRHEL10
	})
	add("5.1", func(p *Profile) {})
	add("5.2", func(p *Profile) {})
	return out
}

func (p Profile) clone() Profile {
	c := p
	c.Extensions = cloneMap(p.Extensions)
	c.KernelPackages = cloneMap(p.KernelPackages)
	c.NodeDisruption = p.NodeDisruption.clone()
	c.RebuildTriggers = append([]string(nil), p.RebuildTriggers...)
	if p.RebuildTriggers == nil {
		c.RebuildTriggers = nil
	}
	return c
}

func cloneMap(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	c := make(map[string][]string, len(m))
	for k, v := range m {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// Known lists the versions ocl-build has a profile for, oldest first.
func Known() []Version {
	out := make([]Version, len(profiles))
	for i, p := range profiles {
		out[i] = p.Version
	}
	return out
}

// Newest is the newest version ocl-build has a profile for.
func Newest() Version { return profiles[len(profiles)-1].Version }

// KnownString is Known as "4.19, 4.20, …" for messages and help.
func KnownString() string {
	var s []string
	for _, v := range Known() {
		s = append(s, v.String())
	}
	return strings.Join(s, ", ")
}

// Lookup returns the profile of v. A version newer than every profile gets
// the newest one and a warning; a version before 4.19 is an error.
func Lookup(v Version) (Profile, string, error) {
	if v.Less(Oldest) {
		return Profile{}, "", fmt.Errorf("OpenShift %s is not supported: the MachineOSConfig v1 API that ocl-build targets arrived in %s (earlier versions serve only machineconfiguration.openshift.io/v1alpha1, TechPreview)", v, Oldest)
	}
	for _, p := range profiles {
		if p.Version == v {
			return p.clone(), "", nil
		}
	}
	newest := profiles[len(profiles)-1]
	if newest.Version.Less(v) {
		return newest.clone(), fmt.Sprintf("OpenShift %s is newer than every version ocl-build knows (%s); using the %s profile", v, KnownString(), newest.Version), nil
	}
	// A gap between known versions cannot happen with a contiguous table;
	// fall back to the newest older profile.
	var best Profile
	for _, p := range profiles {
		if p.Version.Less(v) {
			best = p
		}
	}
	return best.clone(), fmt.Sprintf("no profile for OpenShift %s; using %s", v, best.Version), nil
}
