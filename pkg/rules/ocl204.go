package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL204: writes under /var.
var OCL204 = &Rule{
	ID: "OCL204", Title: "a RUN or COPY writes under /var", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "COPY/ADD to /var, or a RUN that writes a path under /var (redirection, mkdir, cp, curl -o…) and neither removes nor moves it away in the same RUN. A directory made under /var in a RUN that also writes a tmpfiles.d entry is the documented workaround (for example /var/opt for packages that install into /opt, moved to /usr with a tmpfiles.d link) and is not flagged.",
		Why:  "Nodes keep their own /var across updates: content written there reaches a node only on its first boot from this image, never on upgrades. Put files under /usr or /etc, or create them at boot with systemd-tmpfiles.",
		Bad:  "FROM configs AS final\nRUN mkdir -p /var/lib/myapp && echo 'x' > /var/lib/myapp/config && ostree container commit\n",
		Good: "FROM configs AS final\nRUN mkdir -p /usr/share/myapp && echo 'x' > /usr/share/myapp/config && \\\n    echo 'C /var/lib/myapp/config - - - - /usr/share/myapp/config' > /usr/lib/tmpfiles.d/myapp.conf && \\\n    ostree container commit\n",
	},
}
