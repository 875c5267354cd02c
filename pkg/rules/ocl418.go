package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL418: content in /run or /tmp.
var OCL418 = &Rule{
	ID: "OCL418", Title: "content in /run or /tmp", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "Anything under /run or /tmp in the image, except what the container runtime injects (bootc container lint: nonempty-run-tmp).",
		Why:  "/run and /tmp are tmpfs on a node: anything the image ships there is hidden, a leftover of the build. Clean it up in the RUN that made it.",
		Bad:  "FROM configs AS final\nRUN curl -o /tmp/agent.rpm https://example.com/agent.rpm && dnf install -y /tmp/agent.rpm\n",
		Good: "FROM configs AS final\nRUN curl -o /tmp/agent.rpm https://example.com/agent.rpm && dnf install -y /tmp/agent.rpm && rm /tmp/agent.rpm && dnf clean all\n",
	},
}
