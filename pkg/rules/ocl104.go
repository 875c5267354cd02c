package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL104: COPY/ADD from the build context.
var OCL104 = &Rule{
	ID: "OCL104", Title: "COPY/ADD from the build context", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: []Target{OnCluster}, Scope: AllStages,
	Doc: Doc{
		What: "COPY or ADD reads a local file (no `--from`, not a URL), or a RUN bind-mounts the build context.",
		Why:  "The cluster's build context holds only its own files (the Containerfile, machineconfig/machineconfig.json.gz and the CA bundle), so `COPY ./file` fails there. Copy from an image with `COPY --from=IMAGE`, fetch in a RUN, or write the file with a heredoc. Out of cluster and with bootc the context is yours, so the rule does not apply there.",
		Bad:  "FROM configs AS final\nCOPY motd /etc/motd\n",
		Good: "FROM configs AS final\nCOPY <<EOF /etc/motd\nManaged by On-Cluster Layering\nEOF\n",
	},
}
