// Command kube-apiserver is the upstream Kubernetes API server, unmodified,
// built from k8s.io/kubernetes at the version pinned in go.mod. The fixture
// (internal/fixture) runs it against a loopback etcd so cluster tests talk to
// a real API server with real CRD validation, RBAC and server-side apply.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
