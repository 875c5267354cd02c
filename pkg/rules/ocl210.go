package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL210: the last stage is not aliased final.
var OCL210 = &Rule{
	ID: "OCL210", Title: "the last stage is not aliased final", Severity: findings.SeverityInfo,
	Checker: Containerfile, Targets: []Target{OnCluster}, Scope: Shipped,
	Doc: Doc{
		What: "The last stage has no alias, or one other than `final`.",
		Why:  "The documented form is `FROM configs AS final`; the name makes the intent obvious to readers and to `--target final`. Style only.",
		Bad:  "FROM configs\nRUN dnf install -y autofs && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
	},
}
