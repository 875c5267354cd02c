#!/usr/bin/env bash
# Demo: what the cluster builds for Containerfile.example on the seed
# article's worker-automount pool, and the build context it gets.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${OCL_BUILD:-bin/ocl-build}
td=testdata/render
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

echo "== ocl-build render (pool worker-automount, 3 MachineConfigs, CA bundle)"
"$bin" render \
	--mosc "$td/mosc.yaml" \
	--machineconfigs "$td/machineconfigs" \
	--osimageurl "$td/osimageurl.yaml" \
	--additional-trust-bundle "$td/bundle.crt" \
	--context "$ctx/context"

echo "== build context"
(cd "$ctx/context" && find . -type f -printf '%p %s bytes\n' | sort)
echo "== machineconfig.json.gz decoded the way the extract stage does (base64 -d | gunzip)"
base64 -d "$ctx/context/machineconfig/machineconfig.json.gz" | gunzip - | jq -c '{name: .metadata.name, kernelArguments: .spec.kernelArguments, files: [.spec.config.storage.files[].path]}' 2>/dev/null \
	|| base64 -d "$ctx/context/machineconfig/machineconfig.json.gz" | gunzip - | head -c 400; echo

echo "== the version decides the template: the same inputs for OpenShift 4.20 (ConfigMap says 4.19.10)"
echo "\$ ocl-build render ... --openshift-version 4.20 | diff <(4.19 render) -"
diff <("$bin" render -q --mosc "$td/mosc.yaml" --machineconfigs "$td/machineconfigs" --osimageurl "$td/osimageurl.yaml") \
	<("$bin" render --mosc "$td/mosc.yaml" --machineconfigs "$td/machineconfigs" --osimageurl "$td/osimageurl.yaml" --openshift-version 4.20) \
	| grep '^[<>] [A-Za-z]' | head -20 || true
