package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL203: OS-wide upgrade.
var OCL203 = &Rule{
	ID: "OCL203", Title: "OS-wide upgrade (dnf update/upgrade/distro-sync, rpm-ostree upgrade)", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: Layering, Scope: Shipped,
	Doc: Doc{
		What: "`dnf upgrade`, `dnf update`, `dnf distro-sync` or `yum update` with no package named, or `rpm-ostree upgrade`, in the final stage's chain.",
		Why:  "The base image comes from the OpenShift release and is tested as a whole; an OS-wide upgrade replaces it with whatever the repositories hold today, differently at every rebuild. Upgrade named packages only. Not checked for bootc images, whose base is yours to choose and where `dnf -y update` is common practice.",
		Bad:  "FROM configs AS final\nRUN dnf -y upgrade && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf -y upgrade openssl && dnf clean all\n",
	},
}
