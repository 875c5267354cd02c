package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL409: a file name or symlink target is not UTF-8.
var OCL409 = &Rule{
	ID: "OCL409", Title: "a file name or symlink target is not UTF-8", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "A path in the image, or a symlink's target, is not valid UTF-8 (bootc container lint: utf8).",
		Why:  "ostree stores only UTF-8 names: such a file makes the image fail to deploy on a node. Rename it in the step that creates it.",
		Bad:  "FROM configs AS final\nRUN touch \"/etc/caf$(printf '\\\\351').conf\"\n",
		Good: "FROM configs AS final\nRUN touch /etc/cafe.conf\n",
	},
}
