package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL403: a package named in an install is not in the rpm diff.
var OCL403 = &Rule{
	ID: "OCL403", Title: "a package named in dnf install is not in the rpm diff", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "A package named in an install of the final stage's chain was neither added nor upgraded by the build.",
		Why:  "It is already in the base image, or it was not installed: the install line does nothing and may hide a typo or a package dnf resolved to something else.",
		Bad:  "FROM configs AS final\nRUN dnf install -y bash && dnf clean all   # bash is in the base\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
	},
}
