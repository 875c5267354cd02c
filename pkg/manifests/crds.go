package manifests

import "embed"

//go:generate go run ./internal/gencrds

// crdFS holds the CRD manifests of github.com/openshift/api that the
// validator enforces, copied from the module by `go generate`.
//
//go:embed crds/*.yaml
var crdFS embed.FS
