package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL110: `ostree commit` where `ostree container commit` was meant.
var OCL110 = &Rule{
	ID: "OCL110", Title: "`ostree commit` instead of `ostree container commit`", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: AllTargets, Scope: AllStages,
	Doc: Doc{
		What: "A RUN calls `ostree commit` without `--repo`: the repository commit command, not the container one.",
		Why:  "`ostree commit` writes a commit into an OSTree repository and needs a branch; in an image build it stops with \"A branch must be specified with --branch, or use --orphan\" (or cannot open the repository), and the build fails. The command that finishes a layer is `ostree container commit`.",
		Bad:  "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all && ostree commit\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all && ostree container commit\n",
	},
}
