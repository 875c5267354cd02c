// Package configdiff predicts what the cluster does when a pool's
// MachineConfigs change from one set to another: whether the On-Cluster
// Layering image is rebuilt, whether nodes reboot, which change is applied
// live (and how), and which the daemon refuses. The rules are the
// OpenShift version's (ocpversion.Profile: RebuildTriggers, NodeDisruption),
// read from the Machine Config Operator's RequiresRebuild
// (pkg/controller/common/helpers.go, release-4.20+), the daemon's
// machineConfigDiff and node disruption calculation (pkg/daemon/update.go)
// and the reconcilability rules (pkg/controller/common/reconcile.go).
package configdiff
