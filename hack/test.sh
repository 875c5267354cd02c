#!/usr/bin/env bash
# `make test`: go vet, staticcheck, the tests, and every fuzz target for
# FUZZTIME (hack/fuzz.sh), run so that a cold run on 2 cores stays short.
#
# - The packages with the longest tests (test/reliability, cmd/ocl-build,
#   the fixture tool) are named first: go test schedules in the order given,
#   so they start as soon as their binaries are linked instead of last,
#   where test/reliability alone used to run for 8 minutes on one busy core.
# - The fuzz step runs beside go test at a low CPU priority. Most of its time
#   is compiling every package again with coverage instrumentation (8 minutes
#   cold), which fills the CPU that the end-to-end tests leave idle while they
#   wait on builds, registries and the API server (a third of 2 cores).
#   Its output is printed after the tests'; either failing fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
tags="${TAGS:-}"
timeout="${GOTEST_TIMEOUT:-35m}"

go vet -tags "$tags" ./...
bash hack/staticcheck.sh

fuzzlog=$(mktemp)
# Created once go test is done: the fuzz targets still to come then use
# both cores (hack/fuzz.sh).
export FUZZ_UNTHROTTLE="$fuzzlog.testsdone"
fuzzpid=
cleanup() {
	[ -n "$fuzzpid" ] && kill -- -"$fuzzpid" 2>/dev/null
	rm -f "$fuzzlog" "$FUZZ_UNTHROTTLE"
}
trap cleanup EXIT
# Its own process group (set -m), so an interrupted run stops all of it.
set -m
# One fuzzing worker per target (FUZZPARALLEL): each still fuzzes for its
# FUZZTIME while the other core serves the tests.
FUZZPARALLEL=1 nice -n 15 bash hack/fuzz.sh >"$fuzzlog" 2>&1 &
fuzzpid=$!
set +m

testrc=0
# -s -w: no symbol table or DWARF in the test binaries (stack traces and
# file:line come from the pcln table, which stays): linking the big ones
# takes half the time, 41 of them.
# -vet=off: go vet ./... above ran every analyzer go test's own vet pass
# would (a subset), which type-checked every package a second time: 2 to 3
# minutes of CPU on a cold run.
go test -tags "$tags" -timeout "$timeout" -ldflags "-s -w" -vet=off \
	./test/reliability ./cmd/ocl-build ./internal/fixture/... ./... || testrc=$?
touch "$FUZZ_UNTHROTTLE"
# The fuzzing may now have the CPU the tests had.
[ -n "$fuzzpid" ] && renice -n 0 -g "$fuzzpid" >/dev/null 2>&1 || true

fuzzrc=0
wait "$fuzzpid" || fuzzrc=$?
fuzzpid=
sed 's/^/fuzz | /' "$fuzzlog"
if [ "$testrc" != 0 ] || [ "$fuzzrc" != 0 ]; then
	echo "make test: go test exit $testrc, fuzz exit $fuzzrc" >&2
	exit 1
fi
