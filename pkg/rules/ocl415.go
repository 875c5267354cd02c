package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
)

// OCL415: content in /var without a systemd tmpfiles.d entry.
var OCL415 = &Rule{
	ID: "OCL415", Title: "content in /var without a systemd tmpfiles.d entry", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "A directory or symlink under /var that no tmpfiles.d line creates, or a file under /var (bootc container lint: var-tmpfiles).",
		Why:  "Content in /var reaches a node only when it is first provisioned, never on an update. Create directories and links at boot with a tmpfiles.d entry under /usr/lib/tmpfiles.d, and keep files under /usr.",
		Bad:  "FROM configs AS final\nRUN mkdir -p /var/lib/myapp\n",
		Good: "FROM configs AS final\nRUN echo 'd /var/lib/myapp 0755 root root -' > /usr/lib/tmpfiles.d/myapp.conf\n",
	},
}
