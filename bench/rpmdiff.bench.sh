#!/usr/bin/env bash
# rpmdiff at RHCOS scale against the peer pipeline and the physical floor
# (issue 6). Generated layers are cached in ~/.cache/ocl-build/bench-rpmdiff.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH CGO_ENABLED=1
TAGS=${TAGS:-"cni containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper"}
[ -x bin/ocl-build ] || go build -tags "$TAGS" -o bin/ocl-build ./cmd/ocl-build
go run -tags "$TAGS" ./testdata/rpmdiff/benchgen -bin bin/ocl-build "$@"
