#!/usr/bin/env bash
# Runs staticcheck (installed by hack/deps.d/staticcheck.sh) over the module
# with the build tags of `make build` ($TAGS), so the tagged files are
# checked too. Its default checks apply; a finding that is wrong for one line
# is silenced there with `//lint:ignore CHECK reason`, never here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
sc=$(bash hack/deps.d/staticcheck.sh --print-path)
"$sc" -tags "${TAGS:-}" ./...
