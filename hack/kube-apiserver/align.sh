#!/usr/bin/env bash
# Pins every module this module shares with ocl-build's own go.mod to
# ocl-build's version (replace directives), and drops pins no longer needed.
#
# Why: a package compiled with the same version, flags and dependencies is
# compiled once; the Go build cache keys on all three. With the versions
# aligned (and hack/deps.d/kube-apiserver.sh building with cgo on and without
# -trimpath, as `make build` and go test do) the ~800 packages the two builds
# share (the k8s.io libraries, grpc, protobuf, otel, golang.org/x, the
# standard library) are compiled once on a cold machine instead of twice.
# A drifted pin only costs time, never correctness. Run it after changing
# either go.mod; the k8s.io staging pins (kept as they are) must match
# ocl-build's k8s.io versions.
set -euo pipefail
cd "$(dirname "$0")"
export PATH=/usr/local/go/bin:$PATH
ours=$(cd ../.. && go list -m -f '{{.Path}} {{.Version}}' all | sort)
# Drop the pins of an earlier run first, so MVS shows what kube wants now.
for p in $(go mod edit -json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("\n".join(r["Old"]["Path"] for r in d.get("Replace") or [] if not r["Old"]["Path"].startswith("k8s.io/")))'); do
	go mod edit -dropreplace "$p"
done
theirs=$(go list -m -f '{{.Path}} {{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' all | sort)
join <(echo "$ours") <(echo "$theirs") | while read -r mod want have; do
	case "$mod" in k8s.io/*) continue ;; esac
	[ "$want" = "$have" ] || go mod edit -replace "$mod=$mod@$want"
done
go mod tidy
echo "align: $(go mod edit -json | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("Replace") or []))') replace directives"
