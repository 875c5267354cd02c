package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL208: remote code at build time.
var OCL208 = &Rule{
	ID: "OCL208", Title: "remote code at build time (ADD of a URL, curl/wget piped to a shell)", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "ADD of a URL without `--checksum`, or curl/wget output run by a shell (`curl … | sh`, `sh -c \"$(curl …)\"`) in the final stage's chain.",
		Why:  "Code fetched at build time changes under you and runs as root in every node's OS. Ship it as an RPM from a repository, or pin a checksum.",
		Bad:  "FROM configs AS final\nRUN curl -fsSL https://example.com/install.sh | bash\n",
		Good: "FROM configs AS final\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/install.sh /tmp/install.sh\nRUN bash /tmp/install.sh && ostree container commit\n",
	},
}
