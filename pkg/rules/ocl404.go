package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL404: the build left content in /var, /run or /tmp.
var OCL404 = &Rule{
	ID: "OCL404", Title: "the build left content in /var, /run or /tmp", Severity: findings.SeverityWarning,
	Checker: Image, Targets: AllTargets,
	Doc: Doc{
		What: "The layers the user's content added hold files under /var, /run or /tmp.",
		Why:  "Nodes keep their own /var and mount /run and /tmp fresh: content there never reaches upgraded nodes. End RUNs with `ostree container commit`, or create the content at boot with systemd-tmpfiles.",
		Bad:  "FROM configs AS final\nRUN mkdir -p /var/lib/app && touch /var/lib/app/db\n",
		Good: "FROM configs AS final\nRUN echo 'd /var/lib/app 0755 root root -' > /usr/lib/tmpfiles.d/app.conf && ostree container commit\n",
	},
}
