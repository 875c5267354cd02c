// Package build pre-builds an On-Cluster Layering Containerfile with the
// buildah library the way the Machine Config Operator's build pod does
// (buildah bud, chroot isolation, host network, the operator's mounts and
// proxy build args), into a local containers/storage store.
package build
