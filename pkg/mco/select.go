package mco

import (
	"fmt"
	"reflect"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// DefaultPoolName is the pool ocl-build assumes when neither --pool nor a
// MachineOSConfig names one: layering a custom pool starts from "worker".
const DefaultPoolName = "worker"

// PoolSelector returns the label selector that picks a pool's
// MachineConfigs. With the pool's own MachineConfigPool object, its
// spec.machineConfigSelector (the render controller's rule). Without it,
// ocl-build assumes the convention of the stock and custom pools: "master"
// selects role=master; any other pool P selects role in (worker, P), as the
// seed article's worker-automount pool does (a custom pool inherits worker
// configuration). Document the assumption and pass the pool to be exact.
func PoolSelector(poolName string, pool *mcfgv1.MachineConfigPool) (labels.Selector, error) {
	if pool != nil {
		sel := pool.Spec.MachineConfigSelector
		if sel == nil || reflect.DeepEqual(*sel, metav1.LabelSelector{}) {
			// The operator refuses to render a pool that selects everything
			// (or, with a nil selector, nothing).
			return nil, fmt.Errorf("MachineConfigPool %q: spec.machineConfigSelector is empty; the operator does not render such a pool", pool.Name)
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return nil, fmt.Errorf("MachineConfigPool %q: spec.machineConfigSelector: %w", pool.Name, err)
		}
		return s, nil
	}
	roles := []string{workerRole, poolName}
	if poolName == masterRole || poolName == workerRole {
		roles = []string{poolName}
	}
	return metav1.LabelSelectorAsSelector(&metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: roleLabel, Operator: metav1.LabelSelectorOpIn, Values: roles,
		}},
	})
}

// SelectMachineConfigs returns the configs the pool selects (see
// PoolSelector), in input order.
func SelectMachineConfigs(poolName string, pool *mcfgv1.MachineConfigPool, configs []*mcfgv1.MachineConfig) ([]*mcfgv1.MachineConfig, error) {
	sel, err := PoolSelector(poolName, pool)
	if err != nil {
		return nil, err
	}
	var out []*mcfgv1.MachineConfig
	for _, c := range configs {
		if sel.Matches(labels.Set(c.Labels)) {
			out = append(out, c)
		}
	}
	return out, nil
}

// FindPool returns the MachineConfigPool named name, or nil.
func FindPool(name string, pools []*mcfgv1.MachineConfigPool) *mcfgv1.MachineConfigPool {
	for _, p := range pools {
		if p.Name == name {
			return p
		}
	}
	return nil
}
