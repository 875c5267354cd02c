package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL414: non-empty log files in /var/log.
var OCL414 = &Rule{
	ID: "OCL414", Title: "non-empty log files in /var/log", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "Regular files with content under /var/log (bootc container lint: var-log).",
		Why:  "Logs are per-machine state, make the image unreproducible and may hold build secrets; a node keeps its own /var anyway. Remove them in the RUN that wrote them.",
		Bad:  "FROM configs AS final\nRUN dnf install -y tcpdump\n",
		Good: "FROM configs AS final\nRUN dnf install -y tcpdump && dnf clean all && rm -rf /var/log/dnf*\n",
	},
}
