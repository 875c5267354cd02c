package rules

import "github.com/ocl-build/ocl-build/pkg/findings"

// OCL107: an ARG with no default that something uses.
var OCL107 = &Rule{
	ID: "OCL107", Title: "an ARG with no default is used", Severity: findings.SeverityError,
	Checker: Containerfile, Targets: []Target{OnCluster}, Scope: AllStages,
	Doc: Doc{
		What: "An `ARG NAME` without a default is used later (`$NAME`, `${NAME}`) without a fallback (`${NAME:-x}`).",
		Why:  "The cluster passes only HTTP_PROXY, HTTPS_PROXY and NO_PROXY as build arguments (buildah adds the TARGET*/BUILD* platform ones), so any other ARG is empty there: a FROM line fails and a RUN gets an empty word. Give it a default. Out of cluster and with bootc you pass your own `--build-arg`s, so the rule does not apply there.",
		Bad:  "FROM configs AS final\nARG VERSION\nRUN dnf install -y autofs-$VERSION && dnf clean all\n",
		Good: "FROM configs AS final\nARG VERSION=5.1.7\nRUN dnf install -y autofs-$VERSION && dnf clean all\n",
	},
}
