#!/usr/bin/env bash
# Build everything and show lastgood's main job: a QEMU + OVMF virtual machine
# whose security agent receives bad content, falls into a boot loop, and
# recovers by itself on its last good content.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/tools/deps.sh"
autoreconf -fi >/dev/null
out=${BUILD_ROOT:-$top/build-demo}
mkdir -p "$out" && cd "$out"
[ -f Makefile ] || "$top/configure" -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var
make -s -j"$(nproc)"
export top_srcdir="$top" top_builddir="$out"
exec "$top/tests/e2e/demo.sh"
