#!/usr/bin/env bash
# `make bench`: every bench/*.bench.sh, each printing its figures beside the peer's.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in bench/*.bench.sh; do
	[ -e "$s" ] || continue
	echo "== $s"
	bash "$s"
done
