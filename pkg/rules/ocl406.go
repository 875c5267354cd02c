package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL406: both /etc and /usr/etc exist.
var OCL406 = &Rule{
	ID: "OCL406", Title: "both /etc and /usr/etc exist", Severity: findings.SeverityError,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "The image has /usr/etc as well as /etc (bootc container lint: etc-usretc).",
		Why:  "/usr/etc is where ostree keeps the image's default /etc on a node; an image that ships both has undefined behaviour. Put configuration in /etc only.",
		Bad:  "FROM configs AS final\nRUN mkdir -p /usr/etc && cp /etc/chrony.conf /usr/etc/\n",
		Good: "FROM configs AS final\nRUN sed -i 's/^pool .*/pool ntp.example.com iburst/' /etc/chrony.conf\n",
	},
}
