#!/usr/bin/env bash
# Fetches the official SARIF 2.1.0 JSON schema (shipped in the npm package
# @microsoft/jest-sarif as lib/schemas/sarif-2.1.0-rtm.5.json) into
# testdata/sarif/, where the SARIF output test validates against it.
# Idempotent: does nothing when the schema is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=testdata/sarif/sarif-2.1.0-rtm.5.json
[ -s "$dest" ] && exit 0
command -v npm >/dev/null || {
	[ "$(id -u)" = 0 ] || { echo "sarif.sh: npm missing (run as root to install)" >&2; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @microsoft/jest-sarif >/dev/null)
tar -xzf "$tmp"/microsoft-jest-sarif-*.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json
mkdir -p testdata/sarif
cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$dest.tmp"
mv "$dest.tmp" "$dest"
echo "deps: SARIF 2.1.0 schema -> $dest"
