package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL105: a stage named like the operator's.
var OCL105 = &Rule{
	ID: "OCL105", Title: "a stage is named extract or configs", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: []Target{OnCluster}, Scope: AllStages,
	Doc: Doc{
		What: "A stage is aliased `extract` or `configs`.",
		Why:  "The operator's template defines the stages `extract` and `configs`; a stage of the same name shadows them and breaks `FROM configs`. Rename the stage.",
		Bad:  "FROM registry.access.redhat.com/ubi9/ubi AS configs\nRUN make\nFROM configs AS final\n",
		Good: "FROM registry.access.redhat.com/ubi9/ubi AS builder\nRUN make\nFROM configs AS final\nCOPY --from=builder /out/tool /usr/bin/tool\n",
	},
}
