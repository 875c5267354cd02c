package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL306: the push spec uses :latest.
var OCL306 = &Rule{
	ID: "OCL306", Title: "the push spec uses the tag latest", Severity: findings.SeverityWarning,
	Checker: Manifests, Targets: []Target{OnCluster},
	Doc: Doc{
		What: "spec.renderedImagePushSpec ends in `:latest`.",
		Why:  "The cluster rewrites the tag to <mosc-name>-<hash>, so the tag written here is a template; `latest` reads as if nodes ran a mutable tag. Use a descriptive tag.",
		Bad:  "spec:\n  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:latest\n",
		Good: "spec:\n  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:worker\n",
	},
}
