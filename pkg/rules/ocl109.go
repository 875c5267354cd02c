package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL109: an install with nothing to install.
var OCL109 = &Rule{
	ID: "OCL109", Title: "package install with no package named", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: AllTargets, Scope: AllStages,
	Doc: Doc{
		What: "`rpm-ostree install`, `dnf install`, `yum install` or `microdnf install` is called with no package argument (often a list variable that is empty, or a continuation line lost to a comment).",
		Why:  "rpm-ostree stops with \"At least one PACKAGE must be specified\" and dnf with \"Need to pass a list of pkgs to install\": the build fails. Name the packages, or drop the call.",
		Bad:  "FROM configs AS final\nRUN rpm-ostree install && ostree container commit\n",
		Good: "FROM configs AS final\nRUN rpm-ostree install tree && ostree container commit\n",
	},
}
