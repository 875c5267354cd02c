// Package mco models what the Machine Config Operator does before an
// On-Cluster Layering build: it merges the pool's MachineConfigs into the
// rendered MachineConfig (as the render controller does), renders the
// Containerfile that wraps the user's content (as the build controller does),
// and lays out the build context the build pod sees.
//
// What differs between OpenShift versions (template variant, where the
// images come from, extensions, kernel packages, the MachineOSBuild name
// hash, the 4.23+ Containerfile check, OS image streams) comes from the
// ocpversion.Profile in RenderOptions; this package holds no version
// numbers of its own. The Containerfile goldens under testdata/golden were
// rendered by the operator's own template of each branch. Comments say
// where a choice mirrors the operator and where ocl-build has to decide on
// its own because it runs without a cluster.
package mco
