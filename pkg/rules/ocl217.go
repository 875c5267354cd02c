package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL217: /etc/rhsm-host removed and not restored.
var OCL217 = &Rule{
	ID: "OCL217", Title: "/etc/rhsm-host removed and not restored", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: Layering, Scope: Shipped,
	Doc: Doc{
		What: "A RUN removes /etc/rhsm-host (so dnf uses the entitlement the build mounts) and no later command in the final stage's chain links it back to /run/secrets/rhsm.",
		Why:  "RHCOS ships /etc/rhsm-host as a link to /run/secrets/rhsm, which is how entitled containers on the node find the host's subscription. Removing it is the usual way to make an entitled build work, but the node image then lacks it. Restore it in the same RUN, as the operator's own entitled test does: `ln -s /run/secrets/rhsm /etc/rhsm-host`.",
		Bad:  "FROM configs AS final\nRUN rm -rf /etc/rhsm-host && rpm-ostree install buildah && ostree container commit\n",
		Good: "FROM configs AS final\nRUN rm -rf /etc/rhsm-host && rpm-ostree install buildah && \\\n    ln -s /run/secrets/rhsm /etc/rhsm-host && ostree container commit\n",
	},
}
