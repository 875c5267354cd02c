#!/usr/bin/env bash
# `make demo`: the main job on the embedded default (Containerfile.example).
set -euo pipefail
cd "$(dirname "$0")/.."
for s in hack/demo.d/*.sh; do
	[ -e "$s" ] || continue
	bash "$s"
done
