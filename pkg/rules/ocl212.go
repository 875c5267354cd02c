package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL212: consecutive RUNs.
var OCL212 = &Rule{
	ID: "OCL212", Title: "consecutive RUN instructions that could be one layer", Severity: findings.SeverityInfo,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "Two or more RUN instructions in a row, with the same flags, in the final stage's chain.",
		Why:  "Each RUN is a layer every node downloads; join them with `&&`. Builder stages are not checked: their layers never ship.",
		Bad:  "FROM configs AS final\nRUN dnf install -y autofs\nRUN dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
	},
}
