#!/usr/bin/env bash
# bench/push.bench.sh: `ocl-build push` against `skopeo copy` (Debian's, the
# same containers/image engine), and the bytes a changed image uploads.
#
# 1. The fixture's RHCOS stand-in (9 layers, ~100 MB compressed) is pushed
#    by both tools, alternating, PUSH_BENCH_RUNS times each (default 5),
#    from an oci: layout (layers sent as they are) and from containers
#    storage (layers compressed on the way, what follows a build). Every
#    push goes to a fresh repository behind a fresh counting proxy on
#    127.0.0.1 (pushbench proxy): the blob info cache keys locations by
#    host:port, so neither tool can mount from an earlier run and every
#    push really uploads. Median seconds and the ratio ocl-build/skopeo
#    (target <= 1.05).
# 2. One new 8 MiB layer on top of the pushed image (pushbench addlayer),
#    pushed to the same repository under a new tag, then to another
#    repository of the same registry: bytes the registry received (counted
#    by the proxy) against that layer's size (target <= 1.05).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH CGO_ENABLED=1
TAGS=${TAGS:-cni containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper}
RUNS=${PUSH_BENCH_RUNS:-5}
bin=${OCL_BUILD:-bin/ocl-build}

tmp=$(mktemp -d /var/tmp/ocl-push-bench.XXXXXX)
proxies=()
cleanup() {
	for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -x "$tmp/fixture" ] && "$tmp/fixture" down --state "$tmp/state" >/dev/null 2>&1 || true
	# containers/storage's overlay driver bind-mounts its own directory.
	awk -v p="$tmp/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -x "$bin" ] || go build -tags "$TAGS" -o "$bin" ./cmd/ocl-build
go build -tags "$TAGS" -o "$tmp/fixture" ./internal/fixture/cmd/fixture
go build -o "$tmp/pushbench" ./pkg/push/internal/pushbench
command -v skopeo >/dev/null || { echo "skopeo not installed (Debian package skopeo)" >&2; exit 2; }

# shellcheck disable=SC1090
source "$("$tmp/fixture" up --state "$tmp/state")"
certs=$OCL_FIXTURE_CERT_DIR

# proxy_up NAME: starts a counting proxy; sets PROXY_HOST, PROXY_PID,
# PROXY_STATS and PROXY_AUTH (the push credential for that host, 0600).
proxy_up() {
	local out="$tmp/$1.addr"
	PROXY_STATS="$tmp/$1.stats.json"
	"$tmp/pushbench" proxy -upstream "$OCL_FIXTURE_PUSH_REGISTRY" -ca "$OCL_FIXTURE_CA_FILE" \
		-cert "$OCL_FIXTURE_RUN_DIR/tls/server.crt" -key "$OCL_FIXTURE_RUN_DIR/tls/server.key" \
		-stats "$PROXY_STATS" >"$out" &
	PROXY_PID=$!
	proxies+=("$PROXY_PID")
	for _ in $(seq 100); do [ -s "$out" ] && [ -s "$PROXY_STATS" ] && break; sleep 0.05; done
	PROXY_HOST=$(head -1 "$out")
	PROXY_AUTH="$tmp/$1.auth.json"
	(umask 077; printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$PROXY_HOST" \
		"$(printf '%s:%s' "$OCL_FIXTURE_PUSH_USER" "$OCL_FIXTURE_PUSH_PASSWORD" | base64 -w0)" >"$PROXY_AUTH")
}
proxy_stat() { # FIELD: the proxy's current counter
	kill -USR1 "$PROXY_PID"; sleep 0.2
	jq -r ".$1" "$PROXY_STATS"
}
proxy_reset() { kill -USR2 "$PROXY_PID"; sleep 0.2; }
proxy_down() { kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; }

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The sources: the base image as an OCI layout and in a private overlay store.
skopeo copy --quiet --src-authfile "$OCL_FIXTURE_PULL_SECRET" --src-cert-dir "$certs" \
	"docker://$OCL_FIXTURE_BASE_IMAGE" "oci:$tmp/base:base"
store="containers-storage:[overlay@$tmp/store/root+$tmp/store/runroot]"
skopeo copy --quiet "oci:$tmp/base:base" "${store}localhost/bench/base:latest"
base_bytes=$(skopeo inspect --raw "oci:$tmp/base:base" | jq '[.layers[].size] | add')
echo "image: $OCL_FIXTURE_BASE_IMAGE, $(skopeo inspect --raw "oci:$tmp/base:base" | jq '.layers | length') layers, $base_bytes bytes compressed"

bench_source() { # LABEL SRC
	local label=$1 src=$2 i t0 t1
	: >"$tmp/ocl.times"; : >"$tmp/skopeo.times"
	for i in $(seq "$RUNS"); do
		for tool in ocl skopeo; do
			proxy_up "$label-$tool-$i"
			t0=$(now)
			if [ $tool = ocl ]; then
				"$bin" push --quiet --authfile "$PROXY_AUTH" --cert-dir "$certs" "$src" "$PROXY_HOST/bench/$label-ocl-$i:latest" >/dev/null
			else
				skopeo copy --quiet --dest-authfile "$PROXY_AUTH" --dest-cert-dir "$certs" "$src" "docker://$PROXY_HOST/bench/$label-skopeo-$i:latest"
			fi
			t1=$(now)
			echo "$t1 - $t0" | bc -l >>"$tmp/$tool.times"
			printf '  %-6s run %d: %6.2f s, %d bytes uploaded\n' "$tool" "$i" "$(tail -1 "$tmp/$tool.times")" "$(proxy_stat BytesUploaded)"
			proxy_down
		done
	done
	local mo ms
	mo=$(median <"$tmp/ocl.times"); ms=$(median <"$tmp/skopeo.times")
	printf '%s: ocl-build push median %.2f s, skopeo copy median %.2f s, ratio %.3f (target <= 1.05)\n' \
		"$label" "$mo" "$ms" "$(echo "$mo / $ms" | bc -l)"
}

echo "== push to a fresh repository, $RUNS alternating runs each"
bench_source oci "oci:$tmp/base:base"
bench_source containers-storage "${store}localhost/bench/base:latest"

echo "== one changed layer"
layer=$("$tmp/pushbench" addlayer -src "$tmp/base" -dst "$tmp/changed" -size $((8 << 20)))
proxy_up changed
"$bin" push --quiet --authfile "$PROXY_AUTH" --cert-dir "$certs" "oci:$tmp/base:base" "$PROXY_HOST/ocl/os-image:v1" >/dev/null
proxy_reset
"$bin" push --quiet --authfile "$PROXY_AUTH" --cert-dir "$certs" "oci:$tmp/changed" "$PROXY_HOST/ocl/os-image:v2" >/dev/null
same=$(proxy_stat BytesUploaded)
printf 'same repository, new tag: %d bytes uploaded for a %d-byte layer, ratio %.4f (target <= 1.05)\n' "$same" "$layer" "$(echo "$same / $layer" | bc -l)"
proxy_reset
"$bin" push --quiet --authfile "$PROXY_AUTH" --cert-dir "$certs" "oci:$tmp/changed" "$PROXY_HOST/other-team/os-image:v2" >/dev/null
other=$(proxy_stat BytesUploaded); mounts=$(proxy_stat MountsAccepted)
printf 'another repository of the registry: %d bytes uploaded, %d blobs mounted\n' "$other" "$mounts"
proxy_down
