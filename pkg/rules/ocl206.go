package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL206: container-only instructions in the final stage.
var OCL206 = &Rule{
	ID: "OCL206", Title: "instruction with no effect on a node OS in the final stage", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: Layering, Scope: Shipped,
	Doc: Doc{
		What: "CMD, ENTRYPOINT, EXPOSE, HEALTHCHECK, VOLUME, STOPSIGNAL or ONBUILD in the final stage or a stage it descends from.",
		Why:  "They describe a container, not an operating system: the node boots systemd and ignores them. Use a systemd unit. Not checked for bootc images, which keep CMD and STOPSIGNAL so the image also runs as a container (`CMD [\"/sbin/init\"]`).",
		Bad:  "FROM configs AS final\nRUN dnf install -y nginx && dnf clean all\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
		Good: "FROM configs AS final\nRUN dnf install -y nginx && dnf clean all && systemctl enable nginx.service\n",
	},
}
