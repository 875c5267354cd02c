package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL202: install without cleaning the package cache.
var OCL202 = &Rule{
	ID: "OCL202", Title: "dnf/yum install without `dnf clean all` after it in the same RUN", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "A RUN of the final stage (or a stage it descends from) installs, upgrades or downgrades with dnf, yum or microdnf and does not run `dnf clean all` (or remove /var/cache/dnf) after it in the same RUN, nor mount a cache there. A clean placed before the install does not count. Builder stages are not checked: their cache never ships.",
		Why:  "The package cache and metadata stay in the layer, in every node's image and every node's download. End the RUN with `dnf clean all`, or mount a cache at /var/cache/dnf.",
		Bad:  "FROM configs AS final\nRUN dnf clean all && dnf install -y autofs\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
	},
}
