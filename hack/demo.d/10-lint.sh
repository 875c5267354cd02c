#!/usr/bin/env bash
# Demo: lint the seed article's Containerfile (clean), then the examples in
# testdata/containerfiles, good and bad, and a MachineOSConfig YAML whose
# findings point at the YAML file's own lines. Findings are the point here:
# a bad example's exit status 1 does not fail the demo.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${OCL_BUILD:-bin/ocl-build}

show() {
	echo "\$ ocl-build lint $*"
	local rc=0
	"$bin" lint "$@" || rc=$?
	echo "(exit $rc)"
	echo
}

echo "== ocl-build lint: the seed article's Containerfile"
show Containerfile.example
echo "== the same with the opt-in OCL214 (package without a version)"
show --enable OCL214 Containerfile.example
echo "== examples that pass"
for f in testdata/containerfiles/good/*; do show "$f"; done
echo "== examples with mistakes"
for f in testdata/containerfiles/bad/*; do show "$f"; done
echo "== MachineOSConfig YAML: positions are the YAML file's lines"
show testdata/containerfiles/mosc/worker.yaml
show --format json testdata/containerfiles/mosc/arch-only.yaml
echo "== a MachineOSConfig without content: findings at its lines, exit 1"
show testdata/containerfiles/mosc/no-content.yaml
echo "== input that cannot be read is one line on stderr naming it, and exit 2"
show testdata/containerfiles/mosc/missing.yaml
