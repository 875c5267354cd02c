package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL303: the push secret lacks the push registry.
var OCL303 = &Rule{
	ID: "OCL303", Title: "the push secret has no credential for the push registry", Severity: findings.SeverityError,
	Checker: Manifests, Targets: []Target{OnCluster},
	Variants: []Variant{
		{Name: "not-given", Severity: findings.SeverityInfo, When: "the Secret is not among the validated documents, so its credential was not checked"},
		{Name: "no-namespace", Severity: findings.SeverityWarning, When: "the Secret has no namespace (oc apply puts it into the current project)"},
	},
	Doc: Doc{
		What: "spec.renderedImagePushSecret names a Secret without a credential for the registry of spec.renderedImagePushSpec, or a Secret outside openshift-machine-config-operator.",
		Why:  "The build pushes with that Secret only; without a credential for the registry the push fails after the whole build.",
		Bad:  "spec:\n  renderedImagePushSecret:\n    name: pull-secret-copy   # holds quay.io only\n  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:worker\n",
		Good: "spec:\n  renderedImagePushSecret:\n    name: push-secret        # holds image-registry.openshift-image-registry.svc:5000\n  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:worker\n",
	},
}
