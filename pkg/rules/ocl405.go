package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL405: /var/run is not a symlink to /run.
var OCL405 = &Rule{
	ID: "OCL405", Title: "/var/run is not a symlink to /run", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "/var/run in the image is a real directory, not the link ../run (bootc container lint: var-run).",
		Why:  "systemd and every node expect /var/run -> ../run; a directory there is always a bug and hides what services write to /run. Remove it in the step that created it and restore the link.",
		Bad:  "FROM configs AS final\nRUN rm /var/run && mkdir -p /var/run/app\n",
		Good: "FROM configs AS final\nRUN mkdir -p /usr/lib/tmpfiles.d && echo 'd /run/app 0755 root root -' > /usr/lib/tmpfiles.d/app.conf\n",
	},
}
