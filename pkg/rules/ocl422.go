package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL422: packages conflict with the MachineConfig's kernelType or extensions.
var OCL422 = &Rule{
	ID: "OCL422", Title: "packages conflict with the MachineConfig's kernelType or extensions", Severity: findings.SeverityError,
	Checker: Image, Targets: Layering,
	Doc: Doc{
		What: "The image holds two kernel flavours, a kernel other than the pool's kernelType (on versions that build kernelType into the image), an extension's package the Containerfile removed, or kernel-devel for another kernel.",
		Why:  "The node boots something other than the MachineConfig asks for, or the daemon's checks fail after the update. Let kernelType and extensions manage these packages.",
		Bad:  "FROM configs AS final\nRUN dnf install -y kernel-rt-core && dnf clean all\n",
		Good: "# MachineConfig\nspec:\n  kernelType: realtime\n",
	},
}
