package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL201: the final stage changes files after its last ostree container commit.
var OCL201 = &Rule{
	ID: "OCL201", Title: "the final stage changes files after its last `ostree container commit`", Severity: findings.SeverityInfo,
	Checker: Containerfile, Targets: Layering, Scope: Shipped,
	Doc: Doc{
		What: "The final stage installs or writes files in a RUN, and no RUN from that one on calls `ostree container commit` (or `bootc container lint`). Cleanup after the commit in the same RUN (`dnf clean all`, `rm -rf /var/cache/*`) is fine, and so is a COPY after it. Not checked for bootc images, where bootc discourages `ostree container commit`.",
		Why:  "`ostree container commit` at the end of a RUN empties /tmp and checks that /var holds nothing the node would never see, so the layer is a clean OS update. The build and the rollout work without it (the operator's own configs stage ends with one, and its e2e tests omit it), so this is information, not a warning or an error.",
		Bad:  "FROM configs AS final\nRUN dnf install -y autofs && dnf clean all\n",
		Good: "FROM configs AS final\nRUN dnf install -y autofs && ostree container commit && dnf clean all\n",
	},
}
