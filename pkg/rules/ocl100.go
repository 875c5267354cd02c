package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL100: the content does not parse.
var OCL100 = &Rule{
	ID: "OCL100", Title: "the content does not parse", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: AllTargets, Scope: WholeFile,
	Variants: []Variant{{Name: "pragma", Severity: findings.SeverityWarning,
		When: "a malformed `# ocl-build ignore=` comment (it would silently stop suppressing)"}},
	Doc: Doc{
		What: "The Containerfile, or the shell of one of its RUN instructions, does not parse. The message carries the parser's reason and line.",
		Why:  "The cluster builds the content with buildah; a Containerfile or RUN script that does not parse fails the build (from OpenShift 4.23 the operator refuses it before any build Job exists).",
		Bad:  "FROM configs AS final\nRUN if [ -e /etc/motd ]; then echo found\n",
		Good: "FROM configs AS final\nRUN if [ -e /etc/motd ]; then echo found; fi\n",
	},
}
