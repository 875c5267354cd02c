package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL417: /boot is missing or not empty.
var OCL417 = &Rule{
	ID: "OCL417", Title: "/boot is missing or not empty", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "The image has no /boot directory, or /boot holds something (other than EFI) (bootc container lint: nonempty-boot).",
		Why:  "The node mounts its own /boot over the image's: content there is hidden. The kernel belongs in /usr/lib/modules/$kver.",
		Bad:  "FROM configs AS final\nRUN cp /usr/lib/modules/*/vmlinuz /boot/\n",
		Good: "FROM configs AS final\nRUN echo kept > /etc/motd\n",
	},
}
