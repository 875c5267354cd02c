package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL304: the base-image pull secret lacks the release registry.
var OCL304 = &Rule{
	ID: "OCL304", Title: "the base-image pull secret has no credential for the base image's registry", Severity: findings.SeverityError,
	Checker: Manifests, Targets: []Target{OnCluster},
	Variants: []Variant{
		{Name: "not-given", Severity: findings.SeverityInfo, When: "the Secret is not among the validated documents, so its credential was not checked"},
		{Name: "no-namespace", Severity: findings.SeverityWarning, When: "the Secret has no namespace (oc apply puts it into the current project)"},
	},
	Doc: Doc{
		What: "spec.baseImagePullSecret names a Secret without a credential for the registry of the RHCOS base image (quay.io for release payloads).",
		Why:  "spec.baseImagePullSecret replaces the global pull secret (they are not merged): it must hold the release registry's credential too, or the build cannot pull its base. Merge them with `ocl-build secret merge`.",
		Bad:  "spec:\n  baseImagePullSecret:\n    name: push-secret        # holds only the internal registry\n",
		Good: "spec:\n  baseImagePullSecret:\n    name: pull-and-push-secret   # global pull secret + internal registry\n",
	},
}
