package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL214 (opt-in): packages without a version.
var OCL214 = &Rule{
	ID: "OCL214", Title: "package installed without a version (opt-in)", Severity: findings.SeverityInfo, OptIn: true,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "dnf/yum/microdnf/rpm-ostree install of a package name with no version.",
		Why:  "Off by default: the cluster rebuilds the image against every new RHCOS base, where a pinned version often no longer resolves. Turn it on (`override: {OCL214: info}`) when the repositories are frozen and reproducibility matters more.",
		Bad:  "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs-5.1.7-58.el9 && dnf clean all\n",
	},
}
