#!/usr/bin/env bash
# Installs what ocl-build needs on a Debian 12 machine, idempotently:
# the Debian packages listed in hack/apt/*.txt (one per line, # comments),
# the Go modules, then each hack/deps.d/*.sh (extra, cached downloads).
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(cat hack/apt/*.txt 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing Debian packages: ${missing[*]} (run as root to install)" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH=/usr/local/go/bin:$PATH
go mod download

for s in hack/deps.d/*.sh; do
	[ -e "$s" ] || continue
	bash "$s"
done
