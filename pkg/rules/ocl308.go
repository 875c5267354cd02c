package rules

import (
	"github.com/ocl-build/ocl-build/pkg/findings"
	"github.com/ocl-build/ocl-build/pkg/ocpversion"
)

// OCL308: a pull or push secret that the version's build controller
// refuses to decode. The facts are the profile's StrictPullSecrets and
// PullSecretIgnoresCredHelpers (pkg/secrets of the operator, release-4.20+;
// release-4.19 pkg/controller/common/dockerconfig.go passes secrets as
// written); pkg/pullsecret Refusals applies them.
var OCL308 = &Rule{
	ID: "OCL308", Title: "a pull or push secret holds keys the build controller refuses (4.20 and later)", Severity: findings.SeverityError,
	Checker: Manifests, Targets: []Target{OnCluster},
	Versioned: func(p ocpversion.Profile) findings.Severity {
		if p.StrictPullSecrets {
			return findings.SeverityError
		}
		return findings.SeverityInfo
	},
	Variants: []Variant{{Name: "later", Severity: findings.SeverityInfo,
		When: "the version in force takes the secret, but a later one refuses it (the message names it): fix it before upgrading"}},
	VersionNote: "An error where the build controller decodes secrets strictly (4.20 and later: unknown JSON fields disallowed, both data keys refused; credHelpers/credsStore ignored except on 4.22). 4.19 passes a secret to the build as written; there (and on any version that takes a secret a later one refuses) the finding is the information variant later, naming the first version that refuses it.",
	Doc: Doc{
		What: "A kubernetes.io/dockerconfigjson or dockercfg Secret has a top-level key other than auths, a registry entry field other than username, password, email and auth (identitytoken, registrytoken, ...), or holds both .dockerconfigjson and .dockercfg.",
		Why:  "From 4.20 the build controller decodes the base image pull secret and the push secret with unknown fields disallowed when it starts the build (buildrequest Secrets, canonicalizePullSecret): starting fails with a decoding error, no build Job is created, and nothing is built. 4.19 hands the secret to buildah as written. Keep only auths with username/password or auth (`ocl-build secret merge` of clean inputs writes that form).",
		Bad:  "{\"auths\": {\"quay.io\": {\"auth\": \"dXNlcjpwYXNz\", \"identitytoken\": \"…\"}}, \"HttpHeaders\": {\"User-Agent\": \"x\"}}\n",
		Good: "{\"auths\": {\"quay.io\": {\"auth\": \"dXNlcjpwYXNz\", \"email\": \"admin@example.com\"}}}\n",
	},
}
