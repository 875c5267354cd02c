package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL213: a pipe without pipefail.
var OCL213 = &Rule{
	ID: "OCL213", Title: "a RUN with a pipe that can hide a failure and no `set -o pipefail`", Severity: findings.SeverityInfo,
	Checker: Containerfile, Targets: AllTargets, Scope: AllStages,
	Doc: Doc{
		What: "A RUN has a pipeline whose left side can fail (`curl … | tar x`) and does not switch on `set -o pipefail` before it. A left side that cannot fail (echo, printf, true, yes) is not flagged.",
		Why:  "A pipeline's status is its last command's: `curl … | tar x` succeeds when curl fails, and the image is built without what it should hold. Start the RUN with `set -o pipefail &&` (the RHCOS /bin/sh is bash).",
		Bad:  "FROM configs AS final\nRUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
		Good: "FROM configs AS final\nRUN set -o pipefail && curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin\n",
	},
}
