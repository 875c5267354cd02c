package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL412: ostree's prepare-root.conf is missing or disables composefs.
var OCL412 = &Rule{
	ID: "OCL412", Title: "ostree's prepare-root.conf is missing or disables composefs", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "/usr/lib/ostree/prepare-root.conf (or /etc/ostree/prepare-root.conf) is missing or sets `[composefs] enabled` to no (bootc container lint: baseimage-composefs).",
		Why:  "bootc expects composefs enabled for a verifiable, read-only root. Keep the base image's file.",
		Bad:  "FROM configs AS final\nRUN printf '[composefs]\\nenabled = no\\n' > /usr/lib/ostree/prepare-root.conf\n",
		Good: "FROM configs AS final\nRUN echo kept > /etc/motd\n",
	},
}
