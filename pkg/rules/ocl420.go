package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL420: content installed under /opt or /usr/local, which are symlinks into /var on a node.
var OCL420 = &Rule{
	ID: "OCL420", Title: "content installed under /opt or /usr/local, which are symlinks into /var on a node", Severity: findings.SeverityWarning,
	Checker: Image, Targets: Layering,
	Doc: Doc{
		What: "Files under /opt or /usr/local when those are symlinks into /var (RHCOS: /opt -> var/opt, /usr/local -> ../var/usrlocal).",
		Why:  "What a build writes there is stored in /var, which a node keeps from its first boot and never updates: the content never reaches existing nodes. Install under /usr (e.g. /usr/lib/<app>) and link with tmpfiles.d.",
		Bad:  "FROM configs AS final\nRUN mkdir -p /opt/vendor && cp /tmp/agent /opt/vendor/\n",
		Good: "FROM configs AS final\nRUN mkdir -p /usr/lib/vendor && cp /tmp/agent /usr/lib/vendor/ && echo 'L /opt/vendor - - - - /usr/lib/vendor' > /usr/lib/tmpfiles.d/vendor.conf && rm /tmp/agent\n",
	},
}
