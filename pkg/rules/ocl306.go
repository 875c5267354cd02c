package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL306: retired. It warned about a :latest push tag, which the cluster
// replaces.
var OCL306 = &Rule{
	ID: "OCL306", Title: "the push spec uses the tag latest (retired: the cluster replaces the tag)", Severity: findings.SeverityInfo,
	Checker: Manifests, Targets: []Target{OnCluster},
	Retired: "The cluster replaces the tag of spec.renderedImagePushSpec with <mosc-name>-<hash> and nodes run the image by digest (status.currentImagePullSpec), so the tag written there, latest or not, never names what a node runs.",
	Doc: Doc{
		What: "Nothing: this rule is never reported.",
		Why:  "It used to warn about `:latest` in spec.renderedImagePushSpec, a tag the cluster never pushes.",
		Good: "spec:\n  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:latest\n",
	},
}
