// Package mco models what the Machine Config Operator 4.19 does before an
// On-Cluster Layering build: it merges the pool's MachineConfigs into the
// rendered MachineConfig (as the render controller does), renders the
// Containerfile that wraps the user's content (as the build controller does),
// and lays out the build context the build pod sees.
//
// Everything here is pinned to release-4.19 behaviour; comments say where a
// choice mirrors the operator and where ocl-build has to decide on its own
// because it runs without a cluster.
package mco
