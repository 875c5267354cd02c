// Package cluster reads, from a live OpenShift cluster, everything the
// Machine Config Operator reads to build a pool's On-Cluster Layering image,
// writes it as files the offline commands take (a snapshot), applies
// ocl-build's manifests with server-side apply, and follows a pool's build
// and rollout.
//
// Connect loads a kubeconfig as oc does (--kubeconfig, else $KUBECONFIG,
// else ~/.kube/config; --context). Client.Read gathers, for one pool: the
// MachineOSConfig, the pool and the MachineConfigs it selects (and the
// rendered MachineConfig it currently uses, to say when they differ), the
// machine-config-osimageurl ConfigMap, ClusterVersion, the base-image pull
// secret (the MachineOSConfig's baseImagePullSecret, else the global pull
// secret), the push secret, openshift-config/user-ca-bundle, the
// etc-yum-repos-d ConfigMap, the etc-pki-rpm-gpg and
// etc-pki-entitlement(-<pool>) Secrets, the cluster Proxy, the
// ImageDigestMirrorSets and ImageTagMirrorSets (as a registries.conf) and
// image.config's additionalTrustedCA (as a cert directory). Reads only:
// nothing on the cluster changes. A forbidden read is a PermissionError
// naming the verb, the resource and the flag that replaces it; an API
// server that cannot be reached is retried like a registry
// (internal/regretry) and then an UnreachableError.
//
// The package knows nothing of cobra; cmd/ocl-build prints.
package cluster
