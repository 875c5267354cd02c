#!/usr/bin/env bash
# Runs every Go fuzz target in the module for FUZZTIME each (default 20s;
# FuzzLint gets LINT_FUZZTIME, default 30s). Targets are discovered, not listed,
# so a new Fuzz function is fuzzed by `make test` without touching this file.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FUZZTIME:=20s}"
: "${LINT_FUZZTIME:=30s}"
tags="${TAGS:-}"
for pkg in $(go list -tags "$tags" ./...); do
	for fn in $(go test -tags "$tags" -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		t=$FUZZTIME
		[ "$fn" = FuzzLint ] && t=$LINT_FUZZTIME
		echo "fuzz: $pkg $fn for $t"
		go test -tags "$tags" -run '^$' -fuzz "^${fn}\$" -fuzztime "$t" "$pkg"
	done
done
