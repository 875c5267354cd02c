// Command ocl-build lints, pre-builds, diffs, pushes and writes the manifests
// of On-Cluster Layering images for OpenShift 4.19+, off the cluster.
package main
