// Command gencrds copies the CustomResourceDefinition manifests that
// pkg/manifests validates against out of the github.com/openshift/api module
// (the version go.mod pins) into pkg/manifests/crds, so that they are embedded
// into the binary. Run it with `go generate ./pkg/manifests` after bumping
// openshift/api; it rewrites the files and is safe to re-run.
package main
