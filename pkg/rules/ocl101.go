package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL101: retired. It said content without FROM was an error; it is not.
var OCL101 = &Rule{
	ID: "OCL101", Title: "there is no FROM (retired: content without FROM is valid)", Severity: findings.SeverityInfo,
	Checker: Containerfile, Targets: []Target{OnCluster}, Scope: WholeFile,
	Retired: "Content without a FROM is valid on the cluster: the operator pastes it after its own `configs` stage, so its lines run at the end of that stage (the operator's own QE tests rely on it), and an empty content builds the `configs` stage itself.",
	Doc: Doc{
		What: "Nothing: this rule is never reported.",
		Why:  "It used to flag content without FROM as an error, which failed files the cluster builds without complaint.",
		Good: "RUN dnf install -y autofs && dnf clean all\n",
	},
}
