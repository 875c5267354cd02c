package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL301: the CRD schema or a CEL rule refuses the object.
var OCL301 = &Rule{
	ID: "OCL301", Title: "the MachineOSConfig (or pool) fails the CRD schema or a CEL rule", Severity: findings.SeverityError,
	Checker: Manifests, Targets: []Target{OnCluster},
	Variants: []Variant{
		{Name: "unknown-field", Severity: findings.SeverityWarning, When: "a field the CRD does not know (the API server drops it; `oc apply` with strict validation refuses the object)"},
		{Name: "note", Severity: findings.SeverityInfo, When: "a remark about the check itself (CEL rules skipped because the schema failed, status ignored on create)"},
	},
	Doc: Doc{
		What: "The object fails the OpenAPI schema or a CEL rule of its CustomResourceDefinition, or is given twice. The message names the field path and the rule's own message.",
		Why:  "The API server would reject the object, so `oc apply` fails and nothing is built.",
		Bad:  "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: worker\nspec:\n  machineConfigPool:\n    name: worker\n  imageBuilder:\n    imageBuilderType: Docker\n",
		Good: "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: worker\nspec:\n  machineConfigPool:\n    name: worker\n  imageBuilder:\n    imageBuilderType: Job\n  renderedImagePushSecret:\n    name: push-secret\n  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:worker\n",
	},
}
