//go:build tools

// Package depspin keeps the modules that later capabilities need pinned in
// go.mod at the versions known to compile together with buildah v1.39.0,
// so `go mod tidy` does not drop them before their first real importer lands.
package depspin

import (
	_ "github.com/anchore/go-rpmdb/pkg"
	_ "github.com/containers/buildah/imagebuildah"
	_ "github.com/containers/image/v5/copy"
	_ "github.com/containers/storage"
	_ "github.com/coreos/ignition/v2/config/v3_5"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/knqyf263/go-rpm-version"
	_ "github.com/moby/buildkit/frontend/dockerfile/instructions"
	_ "github.com/moby/buildkit/frontend/dockerfile/parser"
	_ "github.com/openshift/api/machineconfiguration/v1"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/spf13/cobra"
	_ "github.com/vbauerster/mpb/v8"
	_ "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	_ "mvdan.cc/sh/v3/syntax"
	_ "sigs.k8s.io/yaml"
)
