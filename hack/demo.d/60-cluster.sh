#!/usr/bin/env bash
# Demo: the live cluster as input and output. Starts the fixture world with its
# real kube-apiserver (etcd, the openshift/api CRDs, seeded as an installed
# 4.19 cluster), applies the admin's objects with `ocl-build apply`, takes a
# `snapshot`, runs `preflight` offline from it (build and push), then plays the
# operator with the pushed digest (the fixture runs no controllers) while
# `ocl-build status` follows the pool to done.
# The kube-apiserver is built once by `make deps` (hack/deps.d/kube-apiserver.sh,
# ~10 min cold); without the cached binary this step skips unless
# OCL_DEMO_CLUSTER=1, which builds it first.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${OCL_BUILD:-bin/ocl-build}
export PATH=/usr/local/go/bin:$PATH

if [ "$(id -u)" != 0 ]; then
	echo "== cluster demo skipped: its preflight builds with chroot isolation, which needs root"
	exit 0
fi

version=$(cd hack/kube-apiserver && go list -m -f '{{.Version}}' k8s.io/kubernetes)
apiserver=${OCL_BUILD_CACHE:-$HOME/.cache/ocl-build}/kube-apiserver/$version/kube-apiserver
if [ ! -x "$apiserver" ]; then
	if [ "${OCL_DEMO_CLUSTER:-}" != 1 ]; then
		echo "== cluster demo skipped: no cached kube-apiserver $version (make deps builds it once, ~10 min; OCL_DEMO_CLUSTER=1 builds it now)"
		exit 0
	fi
	bash hack/deps.d/kube-apiserver.sh
fi

work=$(mktemp -d)
state=$work/fixture
fx=$work/fixture-bin
started=
cleanup() {
	if [ -n "$started" ]; then
		"$fx" down --state "$state" >/dev/null 2>&1 || true
	fi
	# containers/storage keeps its overlay graph root bind-mounted.
	{ findmnt -rn -o TARGET | grep "^$work/" | sort -r | while read -r m; do umount "$m" 2>/dev/null || true; done; } || true
	rm -rf "$work"
}
trap cleanup EXIT
pool=worker-automount

go build -o "$fx" ./internal/fixture/cmd/fixture
echo "== starting the fixture world and its kube-apiserver"
env_file=$("$fx" up --state "$state" --cluster)
started=1
# shellcheck disable=SC1090
source "$env_file"
kc=$OCL_FIXTURE_KUBECONFIG
echo "   kubeconfig $kc ($(grep -m1 'server:' "$kc" | awk '{print $2}'))"

step() { echo; echo "\$ ocl-build $*"; }
run() {
	local rc=0
	"$bin" "$@" || rc=$?
	echo "(exit $rc)"
}

echo "== the admin's objects, written by ocl-build and applied server-side"
mkdir -p "$work/apply"
"$bin" manifests --containerfile Containerfile.example --pool "$pool" --with-pool \
	--push-spec "${OCL_FIXTURE_PUSH_IMAGE%:*}:$pool" --push-secret push-secret \
	--output-file "$work/apply/layering.yaml"
"$bin" secret merge "$OCL_FIXTURE_PUSH_SECRET" --secret push-secret --namespace openshift-machine-config-operator \
	--output-file "$work/apply/push-secret.yaml"
{ # the RPM repo the build's dnf uses, as the admin's etc-yum-repos-d ConfigMap
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: etc-yum-repos-d\n  namespace: openshift-machine-config-operator\ndata:\n'
	for f in "$OCL_FIXTURE_YUM_REPOS_DIR"/*.repo; do
		printf '  %s: |\n' "$(basename "$f")"
		sed 's/^/    /' "$f"
	done
} >"$work/apply/yum-repos.yaml"
# The diffs are long (whole objects on a first apply): only their summary lines here.
summary() { grep -E '^[A-Za-z]+ .* (created|configured|unchanged)' || true; }
step apply --kubeconfig KUBECONFIG --dry-run=server DIR "| summary"
"$bin" apply --kubeconfig "$kc" --dry-run=server "$work/apply" | summary
step apply --kubeconfig KUBECONFIG DIR "| summary"
"$bin" apply --kubeconfig "$kc" "$work/apply" | summary
step apply --kubeconfig KUBECONFIG DIR "| summary   # again: nothing to do"
"$bin" apply --kubeconfig "$kc" "$work/apply" | summary

echo
echo "== ocl-build snapshot: every build input of the pool as files (Secrets 0600)"
step snapshot --kubeconfig KUBECONFIG --pool "$pool" --dir snap -q
run snapshot --kubeconfig "$kc" --pool "$pool" --dir "$work/snap" -q
(cd "$work/snap" && find . -type f ! -name .ocl-build-snapshot -printf '   %m %P\n' | sort -k2)
push_to=${OCL_FIXTURE_PUSH_IMAGE%:*}:$pool
step preflight --mosc snap/machineosconfig.yaml --machineconfigs snap/machineconfigs "…(the snapshot's files)" --push "$push_to" -q
snap=$work/snap
set +e
pushed=$("$bin" preflight -q --mosc "$snap/machineosconfig.yaml" --machineconfigs "$snap/machineconfigs" \
	--osimageurl "$snap/machine-config-osimageurl.yaml" --additional-trust-bundle "$snap/user-ca-bundle.crt" \
	--authfile "$snap/pull-secret.json" --push-authfile "$snap/push-secret.json" --yum-repos-dir "$snap/yum.repos.d" \
	--cert-dir "$snap/cert-dir" --root "$work/storage" --runroot "$work/runroot" --push "$push_to" 2>"$work/preflight.log")
rc=$?
set -e
echo "$pushed"
echo "(exit $rc)"
if [ "$rc" -ne 0 ]; then
	echo "preflight from the snapshot failed; last lines of its log:"
	tail -n 20 "$work/preflight.log"
	exit "$rc"
fi

echo
echo "== ocl-build status while the operator (played by the fixture) renders the pool"
"$fx" operator --kubeconfig "$kc" --pool "$pool" --step rendered
step status --kubeconfig KUBECONFIG --pool "$pool"
run status --kubeconfig "$kc" --pool "$pool"
echo
echo "== the operator \"builds\" (the MachineOSBuild under the predicted name, preflight's digest) and rolls out"
"$fx" operator --kubeconfig "$kc" --pool "$pool" --step rolled-out --digest "${pushed##*@}" >/dev/null
step status --kubeconfig KUBECONFIG --pool "$pool"
run status --kubeconfig "$kc" --pool "$pool"
