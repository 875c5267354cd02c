#!/usr/bin/env bash
# Installs staticcheck (honnef.co/go/tools, pinned below) into
# ~/.cache/ocl-build/bin/staticcheck-<version>, once per version, from the Go
# module proxy; `go install pkg@version` builds it with its own go.mod and
# leaves ours alone. Override the cache root with OCL_BUILD_CACHE. Prints
# nothing when cached; with --print-path, the binary's path.
set -euo pipefail
export PATH=/usr/local/go/bin:$PATH
# 2025.1.1 is v0.6.1 (the proxy knows only the v0.x tags).
version=v0.6.1
root=${OCL_BUILD_CACHE:-$HOME/.cache/ocl-build}
dest=$root/bin/staticcheck-$version
if [ ! -x "$dest" ]; then
	mkdir -p "$root/bin"
	tmp=$(mktemp -d "$root/bin/.staticcheck.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "deps: installing staticcheck $version -> $dest" >&2
	GOBIN=$tmp GOFLAGS=-buildvcs=false go install "honnef.co/go/tools/cmd/staticcheck@$version"
	mv "$tmp/staticcheck" "$dest"
fi
if [ "${1:-}" = --print-path ]; then echo "$dest"; fi
