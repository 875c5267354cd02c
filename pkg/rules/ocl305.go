package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL305: a token in a secret expires soon or has expired.
var OCL305 = &Rule{
	ID: "OCL305", Title: "a service-account token in a secret expires within 30 days", Severity: findings.SeverityWarning,
	Checker: Manifests, Targets: []Target{OnCluster},
	Variants: []Variant{{Name: "expired", Severity: findings.SeverityError, When: "the token has already expired"}},
	Doc: Doc{
		What: "A pull or push secret holds a service-account token (a JWT) that expires within 30 days, or has expired; the message gives the date.",
		Why:  "Builds start failing on the expiry date, with an authentication error long after the MachineOSConfig was applied. Rotate the token or use a long-lived one.",
		Bad:  "data:\n  .dockerconfigjson: <a token that expires next week>\n",
		Good: "data:\n  .dockerconfigjson: <a token valid for a year, or a long-lived one>\n",
	},
}
