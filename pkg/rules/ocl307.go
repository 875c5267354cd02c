package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL307: the pool is missing or selects the wrong MachineConfigs.
var OCL307 = &Rule{
	ID: "OCL307", Title: "the MachineConfigPool is missing or does not select its own role's MachineConfigs", Severity: findings.SeverityError,
	Checker: Manifests, Targets: []Target{OnCluster},
	Variants: []Variant{{Name: "worker-role", Severity: findings.SeverityWarning,
		When: "a custom pool's selector leaves out the worker role's MachineConfigs (its nodes miss the base worker configuration)"}},
	Doc: Doc{
		What: "The MachineOSConfig names a pool that is not among the given documents (and is not master, worker or arbiter), or the pool's machineConfigSelector is missing, invalid, or does not select MachineConfigs of its own role.",
		Why:  "The build waits for a pool that does not exist, or renders a configuration without the pool's own MachineConfigs. (`ocl-build manifests` without --with-pool does not report a missing pool: the pool is then yours to create.)",
		Bad:  "kind: MachineConfigPool\nmetadata:\n  name: worker-automount\nspec:\n  machineConfigSelector:\n    matchLabels:\n      machineconfiguration.openshift.io/role: worker\n",
		Good: "kind: MachineConfigPool\nmetadata:\n  name: worker-automount\nspec:\n  machineConfigSelector:\n    matchExpressions:\n    - key: machineconfiguration.openshift.io/role\n      operator: In\n      values: [worker, worker-automount]\n",
	},
}
