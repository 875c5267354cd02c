package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL216: repository files left in /etc/yum.repos.d.
var OCL216 = &Rule{
	ID: "OCL216", Title: "repository files left in /etc/yum.repos.d", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "The final stage's chain adds repository definitions (a COPY or write into /etc/yum.repos.d, `dnf config-manager --add-repo`, installing epel-release or a centos-release package, redhat.repo from subscription-manager) and does not remove them afterwards.",
		Why:  "The repository files ship in the node image: every node then points at EPEL, CentOS or the build's subscription, a later `rpm-ostree install` on a node mixes them in, and a redhat.repo carries the build host's entitlement paths. On the cluster, give repositories to the build through the etc-yum-repos-d ConfigMap (mounted into every RUN, never shipped), or remove the files in the same RUN that used them.",
		Bad:  "FROM configs AS final\nRUN dnf install -y epel-release && dnf install -y htop && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y epel-release && dnf install -y htop && dnf remove -y epel-release && dnf clean all\n",
	},
}
