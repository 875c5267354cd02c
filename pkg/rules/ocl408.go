package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL408: more than one kernel in /usr/lib/modules.
var OCL408 = &Rule{
	ID: "OCL408", Title: "more than one kernel in /usr/lib/modules", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "More than one /usr/lib/modules/$kver directory holds a vmlinuz (bootc container lint: kernel).",
		Why:  "An OS image boots exactly one kernel; with two, which one boots is undefined and the other wastes space. A kernel swap must remove the old kernel packages (dnf swap, rpm-ostree override replace).",
		Bad:  "FROM configs AS final\nRUN dnf install -y kernel-rt-core && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf -y swap kernel-core kernel-rt-core && dnf clean all\n",
	},
}
