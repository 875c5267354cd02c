#!/usr/bin/env bash
# Demo: the seed article's secrets and objects without jq or hand-written
# YAML: merge the pull secrets, check them, write the MachineOSConfig and
# its pool (validated against the openshift/api CRDs), validate the result.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${OCL_BUILD:-bin/ocl-build}
ps=testdata/pullsecrets
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cf=Containerfile.example
[ -e "$cf" ] || cf=$out/Containerfile
[ -e "$cf" ] || printf 'FROM configs AS final\nRUN dnf install -y autofs libsss_autofs openldap-clients \\\n    && dnf clean all \\\n    && ostree container commit\n' >"$cf"

echo "== ocl-build secret merge (what jq -s '.[0] * .[1]' does; file mode 0600, nothing printed)"
"$bin" secret merge "$ps/pull-secret.json" "$ps/push-secret.yaml" --output-file "$out/pull-and-push-secret.json"
ls -l "$out/pull-and-push-secret.json" | awk '{print $1, $NF}'
cmp <(jq -S . "$out/pull-and-push-secret.json") <(jq -S -s '.[0] * .[1]' "$ps/pull-secret.json" "$ps/push-secret.json") && echo "same as jq"

echo "== ocl-build secret check (coverage, token subject and expiry; tokens never shown)"
"$bin" secret check "$out/pull-and-push-secret.json" \
	--registry quay.io/openshift-release-dev/ocp-v4.0-art-dev \
	--registry image-registry.openshift-image-registry.svc:5000

echo "== ocl-build manifests --with-pool (MachineOSConfig + MachineConfigPool + 2 Secrets)"
"$bin" manifests --containerfile "$cf" --pool worker-automount --with-pool \
	--push-spec image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:v1 \
	--push-secret push-secret --push-secret-file "$ps/push-secret.json" \
	--base-pull-secret pull-and-push-secret --base-pull-secret-file "$out/pull-and-push-secret.json" \
	--output-file "$out/layering.yaml"
grep -v dockerconfigjson: "$out/layering.yaml" | sed -n '1,45p'

echo "== ocl-build validate (schema + CEL + cross-object + embedded lint)"
"$bin" validate "$out/layering.yaml" && echo "clean"

echo "== ocl-build validate on the seed's own objects (its :latest tag and its annotation: typo)"
"$bin" validate testdata/manifests/seed-*.yaml || true

echo "== a 5000-character Containerfile breaks the CRD (manifests would refuse to write it)"
"$bin" validate testdata/manifests/bad-content-too-long.yaml testdata/manifests/seed-machineconfigpool.yaml | grep 'Too long' || true
