package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// OCL401: a unit enabled by a MachineConfig is missing from the base image.
var OCL401 = &Rule{
	ID: "OCL401", Title: "a MachineConfig enables a systemd unit missing from the base image", Severity: findings.SeverityError,
	Checker: Image, Targets: Layering,
	Versioned: func(p ocpversion.Profile) findings.Severity {
		if p.UnitEnableTrap {
			return findings.SeverityError
		}
		return findings.SeverityInfo
	},
	VersionNote: "An error where the version has the trap (4.19: OCPBUGS-56648). MCO PR #5086 fixed it in 4.21 and it was backported to 4.20 (OCPBUGS-70259/-71196), so from 4.20 the same finding is information: the unit reaches the node with the image.",
	Doc: Doc{
		What: "A MachineConfig enables a systemd unit (enabled set, no contents) that exists only in the built image, not in the base.",
		Why:  "On 4.19 the daemon enables units while still booted into the old image: a unit that exists only in the layered image makes the node loop on update (OCPBUGS-56648). Enable it in the Containerfile (`systemctl enable`) and drop it from the MachineConfig, or apply the MachineConfig after the rollout.",
		Bad:  "# MachineConfig\nspec:\n  config:\n    systemd:\n      units:\n      - name: autofs.service\n        enabled: true\n",
		Good: "# Containerfile\nFROM configs AS final\nRUN dnf install -y autofs && systemctl enable autofs.service && dnf clean all && ostree container commit\n",
	},
}
