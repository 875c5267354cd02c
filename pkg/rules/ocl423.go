package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// OCL423: kernelType on a layered pool that this OpenShift version does not apply.
var OCL423 = &Rule{
	ID: "OCL423", Title: "kernelType on a layered pool that this OpenShift version does not apply", Severity: findings.SeverityWarning,
	Checker: Image, Targets: Layering,
	Versioned: func(p ocpversion.Profile) findings.Severity {
		if p.LayeredKernelType() {
			return findings.SeverityNone
		}
		return findings.SeverityWarning
	},
	VersionNote: "A warning where the version builds no kernel step into a layered image (4.19); from 4.20 the image carries the kernelType and the rule does not apply.",
	Doc: Doc{
		What: "The pool's rendered MachineConfig sets kernelType realtime or 64k-pages on a version that does not build it into a layered image.",
		Why:  "On OpenShift 4.19 the daemon skips the kernel switch for On-Cluster Layering pools and the build template has no kernel step: the nodes keep the base image's kernel and never get the realtime or 64k-pages one. Upgrade to 4.20+ (the image then carries it), or swap the kernel in the Containerfile.",
		Bad:  "# MachineConfig on a 4.19 layered pool\nspec:\n  kernelType: realtime\n",
		Good: "# 4.20+: kernelType is built into the image\nspec:\n  kernelType: realtime\n",
	},
}
