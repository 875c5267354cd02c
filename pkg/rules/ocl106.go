package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL106: a package manager call that would prompt.
var OCL106 = &Rule{
	ID: "OCL106", Title: "dnf/yum call that would prompt (no -y/--assumeyes)", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: AllTargets, Scope: AllStages,
	Doc: Doc{
		What: "`dnf` or `yum` install, remove, upgrade, group install… without `-y`, `--assumeyes` or `--setopt=assumeyes=1`, in any stage.",
		Why:  "The build has no terminal: dnf reads 'N' from the closed stdin and aborts, failing the build. Add `-y`. microdnf and rpm-ostree never prompt and are not flagged.",
		Bad:  "FROM configs AS final\nRUN dnf install autofs && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
	},
}
