package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL416: users or groups in /etc/passwd or /etc/group without a sysusers.d entry.
var OCL416 = &Rule{
	ID: "OCL416", Title: "users or groups in /etc/passwd or /etc/group without a sysusers.d entry", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "A user in /etc/passwd or a group in /etc/group that no /usr/lib/sysusers.d file declares (bootc container lint: sysusers).",
		Why:  "A node's /etc is merged three ways on update: a user added to the image's /etc/passwd may never appear on a node whose /etc/passwd changed locally. Declare users and groups in /usr/lib/sysusers.d.",
		Bad:  "FROM configs AS final\nRUN useradd --system app\n",
		Good: "FROM configs AS final\nRUN echo 'u app - \"app service\" /var/lib/app' > /usr/lib/sysusers.d/app.conf\n",
	},
}
