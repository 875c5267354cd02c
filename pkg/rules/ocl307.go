package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL307: the pool is missing or selects the wrong MachineConfigs.
var OCL307 = &Rule{
	ID: "OCL307", Title: "the MachineConfigPool is missing or does not select its own role's MachineConfigs", Severity: findings.SeverityError,
	Checker: Manifests, Targets: []Target{OnCluster},
	Variants: []Variant{{Name: "worker-role", Severity: findings.SeverityWarning,
		When: "a custom pool's selector leaves out the worker role's MachineConfigs (its nodes miss the base worker configuration)"},
		{Name: "not-given", Severity: findings.SeverityInfo,
			When: "the pool is not among the validated documents, so its selectors were not checked (it may exist on the cluster)"}},
	Doc: Doc{
		What: "The pool's machineConfigSelector is missing, invalid, or does not select MachineConfigs of its own role. A pool that is not among the given documents is only noted (info): it may exist on the cluster.",
		Why:  "The pool renders a configuration without its own MachineConfigs, so the image and the nodes miss them.",
		Bad:  "kind: MachineConfigPool\nmetadata:\n  name: worker-automount\nspec:\n  machineConfigSelector:\n    matchLabels:\n      machineconfiguration.openshift.io/role: worker\n",
		Good: "kind: MachineConfigPool\nmetadata:\n  name: worker-automount\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - key: machineconfiguration.openshift.io/role\n      operator: In\n      values: [worker, worker-automount]\n",
	},
}
