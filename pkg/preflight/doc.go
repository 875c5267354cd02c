// Package preflight runs the tool's whole job in one go, the way the
// cluster would, before anything reaches the cluster: lint the
// Containerfile, render the on-cluster Containerfile, build it, diff its
// rpm database against the base, run the image checks (OCL4xx), push it,
// and write the MachineOSConfig (plus optionally the pool, the Secrets and
// the out-of-cluster fallback MachineConfig). It returns a typed Report;
// printing is the caller's business.
package preflight
