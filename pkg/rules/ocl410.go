package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL410: an API base directory (/dev /proc /sys /run /tmp /var) is missing or not a directory.
var OCL410 = &Rule{
	ID: "OCL410", Title: "an API base directory (/dev /proc /sys /run /tmp /var) is missing or not a directory", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "One of /dev, /proc, /sys, /run, /tmp or /var is missing from the image or is not a directory (bootc container lint: api-base-directories).",
		Why:  "systemd mounts its API file systems on these directories and bootc needs /var: the node does not boot without them. Do not remove or replace them.",
		Bad:  "FROM configs AS final\nRUN rm -rf /tmp && ln -s /var/tmp /tmp\n",
		Good: "FROM configs AS final\nRUN rm -rf /tmp/* \n",
	},
}
