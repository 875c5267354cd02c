#!/usr/bin/env bash
# Builds the real kube-apiserver (hack/kube-apiserver, its own Go module) into
# ~/.cache/ocl-build/kube-apiserver/<version>/kube-apiserver, once per version:
# the fixture cluster (internal/fixture, `fixture up --cluster`) runs it for the
# cluster tests and `make demo`. A cold build takes ~10 min on 2 cores (less
# when ocl-build's own packages are already compiled, see below); a warm
# run only checks the binary is there. Override the cache root with
# OCL_BUILD_CACHE (default ~/.cache/ocl-build). Prints nothing when cached.
set -euo pipefail
cd "$(dirname "$0")/../kube-apiserver"
export PATH=/usr/local/go/bin:$PATH
version=$(go list -m -f "{{.Version}}" k8s.io/kubernetes)
[ -n "$version" ] || { echo "kube-apiserver.sh: no k8s.io/kubernetes version in hack/kube-apiserver/go.mod" >&2; exit 1; }
root=${OCL_BUILD_CACHE:-$HOME/.cache/ocl-build}
dest=$root/kube-apiserver/$version/kube-apiserver
[ -x "$dest" ] && exit 0
mkdir -p "$(dirname "$dest")"
# One builder at a time (parallel test packages, make deps in two shells).
exec 9>"$(dirname "$dest")/.lock"
flock 9
[ -x "$dest" ] && exit 0
echo "deps: building kube-apiserver $version -> $dest (about 10 minutes on 2 cores, once)"
tmp=$(mktemp "$dest.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# Built as ocl-build is (cgo on, no -trimpath) and with the versions pinned by
# hack/kube-apiserver/align.sh, so the packages both use (about 800) come
# from the same build cache entries: compiled once on a cold machine. It
# runs on the machine that built it, so linking to its libc costs nothing.
CGO_ENABLED=1 GOFLAGS=-buildvcs=false go build -ldflags "-s -w" -o "$tmp" .
chmod 0755 "$tmp"
mv "$tmp" "$dest"
trap - EXIT
echo "deps: kube-apiserver $version built"
