package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL209: ENV/ARG names that look like secrets.
var OCL209 = &Rule{
	ID: "OCL209", Title: "ENV/ARG whose name looks like a secret", Severity: findings.SeverityWarning,
	Checker: Containerfile, Targets: AllTargets, Scope: Shipped,
	Doc: Doc{
		What: "ENV or ARG in the final stage's chain whose name has a word like PASSWORD, TOKEN, SECRET, KEY or CREDENTIALS (not …_FILE, …_PATH, PUBLIC…).",
		Why:  "ENV values are stored in the image config and ARG values in its history, readable by anyone who can pull the image. Use the entitlement or rpm-gpg secrets the cluster mounts, or `RUN --mount=type=secret`.",
		Bad:  "FROM configs AS final\nENV REGISTRY_TOKEN=abc123\n",
		Good: "FROM configs AS final\nENV REGISTRY_TOKEN_FILE=/run/secrets/registry-token\n",
	},
}
