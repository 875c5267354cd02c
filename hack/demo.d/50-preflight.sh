#!/usr/bin/env bash
# Demo: the tool's main job in one command. Starts the fixture world (a TLS +
# htpasswd release registry holding an RHCOS-like base image and a release
# payload, a second registry as the push target, an RPM repo), runs
# `ocl-build preflight` on Containerfile.example against the release payload
# with the merged pull secret and --push, shows the summary and the written
# MachineOSConfig, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${OCL_BUILD:-bin/ocl-build}
export PATH=/usr/local/go/bin:$PATH

if [ "$(id -u)" != 0 ]; then
	echo "== preflight demo skipped: building with chroot isolation needs root"
	exit 0
fi

work=$(mktemp -d)
state=$work/fixture
started=
cleanup() {
	if [ -n "$started" ]; then
		go run ./internal/fixture/cmd/fixture down --state "$state" >/dev/null 2>&1 || true
	fi
	# containers/storage keeps its overlay graph root bind-mounted.
	{ findmnt -rn -o TARGET | grep "^$work/" | sort -r | while read -r m; do umount "$m" 2>/dev/null || true; done; } || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== starting the fixture world (first run builds it: several minutes)"
env_file=$(go run ./internal/fixture/cmd/fixture up --state "$state")
started=1
# shellcheck disable=SC1090
source "$env_file"
echo "   release payload $OCL_FIXTURE_RELEASE_IMAGE"
push_to=${OCL_FIXTURE_PUSH_IMAGE%:*}:worker-automount-demo
echo "   push target     $push_to"

echo "== ocl-build preflight (lint → render → build → rpm diff → checks → push → manifests)"
set +e
"$bin" preflight --containerfile Containerfile.example --pool worker-automount \
	--release "$OCL_FIXTURE_RELEASE_IMAGE" --authfile "$OCL_FIXTURE_MERGED_SECRET" \
	--cert-dir "$OCL_FIXTURE_CERT_DIR" --yum-repos-dir "$OCL_FIXTURE_YUM_REPOS_DIR" \
	--root "$work/storage" --runroot "$work/runroot" \
	--push "$push_to" --manifests-dir "$work/manifests" --with-pool --fallback \
	--report "$work/report.json" 2>"$work/preflight.log"
rc=$?
set -e
if [ "$rc" -ge 2 ]; then
	echo "preflight failed (exit $rc); last lines of its log:"
	tail -n 30 "$work/preflight.log"
	exit "$rc"
fi
echo "   exit status $rc ($(jq -r '.steps | map(.name + " " + (.seconds*10|round/10|tostring) + "s") | join(", ")' "$work/report.json"))"

echo "== the written MachineOSConfig ($work/manifests/machineosconfig.yaml)"
cat "$work/manifests/machineosconfig.yaml"
echo "== the out-of-cluster fallback names the pushed digest"
grep -E 'name:|osImageURL:' "$work/manifests/"99-*-osimageurl.yaml
echo "== ocl-build validate on what was written"
"$bin" validate "$work/manifests/machineosconfig.yaml" "$work/manifests/machineconfigpool.yaml" && echo "clean" || true
