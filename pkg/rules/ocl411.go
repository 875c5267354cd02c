package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL411: /sysroot or the /ostree -> sysroot/ostree link is missing.
var OCL411 = &Rule{
	ID: "OCL411", Title: "/sysroot or the /ostree -> sysroot/ostree link is missing", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "The image lacks the /sysroot directory or the /ostree -> sysroot/ostree link (bootc container lint: baseimage-root).",
		Why:  "An ostree-based OS image needs both to boot; the base image has them. Do not remove them.",
		Bad:  "FROM configs AS final\nRUN rm /ostree\n",
		Good: "FROM configs AS final\nRUN echo kept > /etc/motd\n",
	},
}
