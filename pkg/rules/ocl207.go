package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL207: the final stage ends as a non-root user.
var OCL207 = &Rule{
	ID: "OCL207", Title: "final stage ends with a non-root USER", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "The last USER in the final stage's chain is not root.",
		Why:  "A node ignores the image's user, but the tools that extend or inspect the image (and the operator's own steps) expect root. End the final stage as root.",
		Bad:  "FROM configs AS final\nUSER 1000\n",
		Good: "FROM configs AS final\nUSER 1000\nRUN id\nUSER root\n",
	},
}
