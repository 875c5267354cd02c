package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL421: the image has 100 or more layers (ceiling 128).
var OCL421 = &Rule{
	ID: "OCL421", Title: "the image has 100 or more layers (ceiling 128)", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Variants: []Variant{
		{Name: "over", Severity: findings.SeverityError, When: "128 layers or more"},
	},
	Doc: Doc{
		What: "The image has 100 or more layers (a warning), or 128 or more (an error).",
		Why:  "Every RUN, COPY and ADD adds a layer; at 128 layers an image can no longer be layered on or pulled as an OS update. Join RUN instructions and squash build stages.",
		Bad:  "FROM configs AS final\nRUN dnf install -y a\nRUN dnf install -y b\n# ... a hundred more\n",
		Good: "FROM configs AS final\nRUN dnf install -y a b && dnf clean all\n",
	},
}
