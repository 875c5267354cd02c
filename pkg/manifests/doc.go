// Package manifests owns the MachineOSConfig, MachineConfigPool,
// MachineConfig and pull Secret objects: typed loading with the CRD's
// defaults, CRD schema and CEL validation per OpenShift version (from the
// embedded openshift/api CRDs), the checks between objects (OCL301-OCL307)
// and writing them.
package manifests
