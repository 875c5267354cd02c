#!/usr/bin/env bash
# Lint speed: the Go benchmark over the example corpus on one core (target
# >= 10,000 Containerfiles/s), then the CLI on one file, cold process each
# run, with hyperfine (target < 50 ms wall), beside buildah's own parse of
# the same file (`buildah bud --help` is not a parse; there is no Debian
# hadolint, so buildah's start-up is the peer figure for a Go binary of
# this size).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${OCL_BUILD:-bin/ocl-build}
export PATH=/usr/local/go/bin:$PATH

echo "-- go test -bench (pkg/containerfile, -cpu 1)"
go test -tags "${TAGS:-}" -run '^$' -bench 'BenchmarkLint' -benchtime 2s -cpu 1 ./pkg/containerfile/ |
	grep -E '^Benchmark|files/s'

echo "-- CLI: $bin lint Containerfile.example"
if command -v hyperfine >/dev/null; then
	peers=()
	command -v buildah >/dev/null && peers+=("buildah --version")
	hyperfine --warmup 5 --runs 50 -N --export-json /tmp/lint.bench.json \
		"$bin lint Containerfile.example" "$bin version" "${peers[@]}"
	jq -r '.results[] | "\(.command): median \(.median*1000 | floor) ms"' /tmp/lint.bench.json 2>/dev/null || true
else
	for i in 1 2 3 4 5; do /usr/bin/time -f '%e s wall' "$bin" lint Containerfile.example; done
fi
