package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL102: the last stage does not descend from configs.
var OCL102 = &Rule{
	ID: "OCL102", Title: "the last stage does not descend from configs", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: []Target{OnCluster}, Scope: Shipped,
	Doc: Doc{
		What: "The content has stages, and the last one is not built FROM `configs`, directly or through earlier stages. A base named by a build argument with no value is not judged (its value is unknown).",
		Why:  "The operator's template ends with a stage named `configs` that holds the rendered MachineConfig; the last stage wins, so a last stage built from any other image gives the node an image without its MachineConfig. A file that is meant to be built elsewhere (FROM the RHCOS image) is linted as out-of-cluster instead: `--target out-of-cluster`, or let `--target auto` see its base.",
		Bad:  "FROM registry.access.redhat.com/ubi9/ubi AS final\nRUN dnf install -y autofs && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all && ostree container commit\n",
	},
}
