package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL108: package manager after a non-root USER.
var OCL108 = &Rule{
	ID: "OCL108", Title: "package manager called after a non-root USER", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: AllTargets, Scope: AllStages,
	Doc: Doc{
		What: "A RUN installs or removes packages (dnf, yum, rpm, rpm-ostree) after `USER` switched to a non-root user, without sudo.",
		Why:  "Installing packages needs root; dnf and rpm fail and so does the build. Move the install before USER, or switch back with `USER root`.",
		Bad:  "FROM configs AS final\nUSER 1000\nRUN dnf install -y autofs && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
	},
}
