#!/usr/bin/env bash
# Install every Debian package the build and the test suite need
# (.ci/packages, one name per line). Debian 12 (bookworm).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

sudo=
if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "deps: run as root or install sudo" >&2; exit 1; }
        sudo=sudo
fi

mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$top/.ci/packages" | grep -v '^$' | sort -u)
missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
        echo "deps: all ${#pkgs[@]} packages present"
        exit 0
fi
echo "deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
