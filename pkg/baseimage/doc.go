// Package baseimage decides which RHCOS base and extensions images a build
// starts from, the way the cluster knows them: given outright, from a
// release payload's image-references, or from the machine-config-osimageurl
// ConfigMap; and looks up the digest a reference currently points at.
package baseimage
