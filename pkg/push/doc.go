// Package push copies a built image to a registry the way the cluster's
// build pod does (`buildah push --authfile <push secret> --digestfile`):
// containers/image copy from any transport to docker://, blobs the registry
// already has skipped, blobs held by another repository of the same
// registry mounted, transient failures retried with backoff, and the
// digested pullspec returned for the MachineOSConfig.
package push
