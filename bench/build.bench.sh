#!/usr/bin/env bash
# `ocl-build build` against Debian's `buildah bud` (issue 5): the same
# rendered context (Containerfile.example unless CONTAINERFILE=…), the same
# fixture base pulled from the same TLS+auth registry, the same storage
# driver (STORAGE_DRIVER, overlay by default), the same /etc/yum.repos.d
# mount, chroot isolation, no cache, the same pull policy (missing: both
# stores hold the images after the warm-up, neither tool pulls), alternating
# runs with the order swapped each round; then a rebuild with nothing changed
# (layer cache), which should take under 2 s.
#
# Like for like: without --layers both commit one layer per committed stage
# (configs, final: two per build; the bench counts them and prints both),
# neither compresses (local storage), both run every RUN through chroot
# isolation. Debian's buildah 1.28 defaults to --pull=true, which asks the
# registry about the base image at each FROM even when the store has it;
# ocl-build's default (and --pull=missing) does not, so bud gets
# --pull=missing. ocl-build still contacts the registry once, to print the
# base image's digest, and renders the context itself: both count against
# it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH CGO_ENABLED=1
TAGS=${TAGS:-"cni containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper"}
RUNS=${RUNS:-5}
DRIVER=${STORAGE_DRIVER:-overlay}
CONTAINERFILE=${CONTAINERFILE:-Containerfile.example}
command -v buildah >/dev/null || { echo "build.bench: Debian's buildah is missing (make deps)" >&2; exit 1; }
work=$(mktemp -d /var/tmp/ocl-build-bench.XXXXXX)
bin=${OCL_BUILD_BIN:-$work/ocl-build}
# The same link flags as `make build` (-s -w: re-executed RUN helpers start
# from a smaller image).
[ -n "${OCL_BUILD_BIN:-}" ] || go build -tags "$TAGS" -ldflags "-s -w" -o "$bin" ./cmd/ocl-build
state=$work/world
cleanup() {
	go run ./internal/fixture/cmd/fixture down --state "$state" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
go run ./internal/fixture/cmd/fixture up --state "$state" >/dev/null
# shellcheck disable=SC1091
source "$state/env"

# One rendered context for both tools, as the cluster hands it to buildah.
# OpenShift 4.19's template (the fixture's version): from 4.20 the template
# runs a heredoc, which Debian's buildah 1.28 does not parse.
version=(--openshift-version 4.19)
ctx=$work/context
"$bin" render --quiet "${version[@]}" --containerfile "$CONTAINERFILE" \
	--base-image "$OCL_FIXTURE_BASE_IMAGE" --extensions-image "$OCL_FIXTURE_EXTENSIONS_IMAGE" \
	--context "$ctx" >/dev/null

ocl_store=(--root "$work/ocl/root" --runroot "$work/ocl/runroot" --storage-driver "$DRIVER")
bud_store=(--root "$work/bud/root" --runroot "$work/bud/runroot" --storage-driver "$DRIVER")
creds=(--authfile "$OCL_FIXTURE_MERGED_SECRET" --cert-dir "$OCL_FIXTURE_CERT_DIR")

ocl_build() {
	"$bin" build --quiet "${version[@]}" --containerfile "$CONTAINERFILE" \
		--base-image "$OCL_FIXTURE_BASE_IMAGE" --extensions-image "$OCL_FIXTURE_EXTENSIONS_IMAGE" \
		"${creds[@]}" --yum-repos-dir "$OCL_FIXTURE_YUM_REPOS_DIR" "${ocl_store[@]}" "$@" >/dev/null
}
# The cluster's build script: the repo dir copied, 0755, mounted z,rw; proxy
# build args always passed; no --layers, as on the cluster (ocl-build's
# --no-cache builds the same way: one commit per stage).
bud_build() {
	local repos
	repos=$(mktemp -d "$work/repos.XXXXXX")
	cp -r "$OCL_FIXTURE_YUM_REPOS_DIR/." "$repos"
	chmod -R 0755 "$repos"
	buildah "${bud_store[@]}" bud --isolation chroot --pull=missing "${creds[@]}" \
		--volume "$repos:/etc/yum.repos.d:z,rw" \
		--build-arg HTTP_PROXY= --build-arg HTTPS_PROXY= --build-arg NO_PROXY= \
		--tag localhost/ocl-build/bench-bud:latest --file "$ctx/Containerfile" "$@" "$ctx" >/dev/null 2>"$work/bud.err" ||
		{ tail -20 "$work/bud.err" >&2; return 1; }
}
secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
# Layers a store holds (containers' layers too: both tools remove theirs).
nlayers() { grep -o '"id":' "$1/${DRIVER}-layers/layers.json" | wc -l; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Warm-up: pull the base and extensions images into both stores.
ocl_build >/dev/null
bud_build >/dev/null

# What one --no-cache build adds to each store: the same work shows as the
# same count.
l0=$(nlayers "$work/ocl/root"); ocl_build --no-cache; ocl_layers=$(($(nlayers "$work/ocl/root") - l0))
l0=$(nlayers "$work/bud/root"); bud_build --no-cache; bud_layers=$(($(nlayers "$work/bud/root") - l0))

: >"$work/ocl.t"; : >"$work/bud.t"
for i in $(seq "$RUNS"); do
	if ((i % 2)); then
		secs ocl_build --no-cache >>"$work/ocl.t"
		secs bud_build --no-cache >>"$work/bud.t"
	else
		secs bud_build --no-cache >>"$work/bud.t"
		secs ocl_build --no-cache >>"$work/ocl.t"
	fi
done
ocl=$(median <"$work/ocl.t"); bud=$(median <"$work/bud.t")
ocl_build >/dev/null # the cache now holds this exact build
: >"$work/re.t"
for i in $(seq "$RUNS"); do secs ocl_build >>"$work/re.t"; done
re=$(median <"$work/re.t")

printf 'build of %s, %s storage, %d alternating runs, medians:\n' "$CONTAINERFILE" "$DRIVER" "$RUNS"
printf '  ocl-build build --no-cache         %6.2f s   (runs: %s)\n' "$ocl" "$(tr '\n' ' ' <"$work/ocl.t")"
printf '  buildah bud --no-cache             %6.2f s   (runs: %s; %s)\n' "$bud" "$(tr '\n' ' ' <"$work/bud.t")" "$(buildah --version | cut -d' ' -f1-3)"
printf '  ratio ocl-build / buildah          %6.3f   (target <= 1.05)\n' "$(echo "$ocl / $bud" | bc -l)"
printf '  layers committed per build         ocl-build %d, buildah %d\n' "$ocl_layers" "$bud_layers"
printf '  ocl-build rebuild, nothing changed %6.2f s   (target < 2)\n' "$re"
