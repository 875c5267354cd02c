package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL413: an empty /etc/hostname or /etc/resolv.conf (injected by the build).
var OCL413 = &Rule{
	ID: "OCL413", Title: "an empty /etc/hostname or /etc/resolv.conf (injected by the build)", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "/etc/hostname or /etc/resolv.conf is an empty file (bootc container lint: buildah-injected).",
		Why:  "buildah and podman bind-mount these files during RUN and may leave empty ones behind; an empty file overrides the node's own. Remove it in the RUN that created it.",
		Bad:  "FROM configs AS final\nRUN touch /etc/resolv.conf\n",
		Good: "FROM configs AS final\nRUN dnf install -y tcpdump && dnf clean all\n",
	},
}
