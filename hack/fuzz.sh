#!/usr/bin/env bash
# Runs every Go fuzz target in the module for FUZZTIME each (default 20s;
# FuzzLint gets LINT_FUZZTIME, default 30s). Targets are discovered, not listed,
# so a new Fuzz function is fuzzed by `make test` without touching this file.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FUZZTIME:=20s}"
: "${LINT_FUZZTIME:=30s}"
# Go minimizes every new interesting input for up to 60 s by default, which
# eats a 20 s budget: the slower targets ran under 250 inputs. One execution
# per minimization keeps them fuzzing (about 10,000 inputs for
# FuzzLocateRPMDB); a crasher is still written whole, just not shrunk.
: "${FUZZMINIMIZETIME:=1x}"
# Fuzzing workers per target; empty: Go's default, one per core. Once the
# file FUZZ_UNTHROTTLE names exists (make test creates it when go test is
# done), the targets still to come get Go's default again.
parallel() {
	if [ -n "${FUZZ_UNTHROTTLE:-}" ] && [ -e "$FUZZ_UNTHROTTLE" ]; then
		return
	fi
	echo ${FUZZPARALLEL:+-parallel $FUZZPARALLEL}
}
# fuzzonly leaves out the test files that only the end-to-end tests need
# (they import the fixture and the container store): everything a fuzzing
# build compiles is compiled again with coverage instrumentation.
tags="${TAGS:-} fuzzonly"
# Targets are found by reading the test files, not with `go test -list`: that
# links every package's test binary (41 links, 2 to 4 minutes) to find 7.
# fuzz_one PKG TARGET TIME: one fuzzing run, the same for a retry.
# -vet=off: make test has vetted every package already (go vet ./...).
fuzz_one() {
	go test -tags "$tags" -ldflags "-s -w" -vet=off $(parallel) -run '^$' -fuzz "^$2\$" -fuzztime "$3" -fuzzminimizetime "$FUZZMINIMIZETIME" "$1"
}
mapfile -t pkgs < <(go list -tags "$tags" -f '{{.ImportPath}} {{.Dir}}' ./...)
for line in "${pkgs[@]}"; do
	pkg=${line%% *} dir=${line#* }
	for fn in $(cat "$dir"/*_test.go 2>/dev/null | sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p'); do
		t=$FUZZTIME
		[ "$fn" = FuzzLint ] && t=$LINT_FUZZTIME
		echo "fuzz: $pkg $fn for $t"
		log=$(mktemp)
		if ! fuzz_one "$pkg" "$fn" "$t" 2>&1 | tee "$log"; then
			# Go's fuzzing engine sometimes ends a run whose time is up with a bare
			# "context deadline exceeded" (a worker still minimizing a new input),
			# which is no finding: no failing input is written. Run that target
			# once more; a real crash (a "Failing input written" line) fails at once.
			if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
				echo "fuzz: $fn stopped on the engine's deadline, not a finding; running it once more"
				fuzz_one "$pkg" "$fn" "$t" || { rm -f "$log"; exit 1; }
			else
				rm -f "$log"
				exit 1
			fi
		fi
		rm -f "$log"
	done
done
