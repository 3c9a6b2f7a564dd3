#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The boot-time cost of deny lists and fingerprints (issue #20):
#
#   pre-switch, steady state, no list            (the baseline)
#   pre-switch, steady state, a 100,000-entry list (target: under 20 ms more)
#   pre-switch, steady state, a 40 MB third-party module in the manifest:
#     its SHA-256 is cached by the stat key, so the file is not even opened
#     (strace) and the time is the baseline's; with the manifest gone it is
#     read and hashed once (the cost a steady boot never pays).
#
# On the fake module tree of the integration tests (tests/fixtures/modules)
# in a temporary root; timed with hyperfine (warm cache, medians); peak
# memory (max RSS) with GNU time; the CPU time (perf stat's task-clock,
# the mean of RUNS) too, since on a loaded machine the wall-clock medians
# are mostly waiting for a CPU.
#
#   bench/deny.sh [BUILDDIR]        (make bench-deny)
#
# Environment: RUNS (hyperfine runs per case, default 30), ENTRIES (100000).
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
if [ $# -ge 1 ]; then
        top_builddir=$(cd "$1" && pwd)
elif [ -z "${top_builddir:-}" ]; then
        if [ -x ./lastgood-early ]; then top_builddir=$PWD; else top_builddir=$top_srcdir; fi
fi
export top_srcdir top_builddir
RUNS=${RUNS:-30}
ENTRIES=${ENTRIES:-100000}
for t in hyperfine strace python3 /usr/bin/time; do
        command -v "$t" >/dev/null || { echo "deny: $t is needed" >&2; exit 2; }
done
[ -x "$top_builddir/tests/integration/early-helper" ] ||
        make -s -C "$top_builddir" tests/integration/early-helper
. "$top_srcdir/tests/integration/early-lib.sh"

make_roots
# A 40 MB third-party module (a GPU driver's size), in the manifest.
big="$S/lib/modules/$KVER/updates/dkms/biggpu.ko"
"$MODS/mkmod.sh" "$big" license=GPL srcversion=BIG00001
head -c $((40 * 1024 * 1024)) /dev/urandom >>"$big"
"$HELPER" "$S" manifest "$KVER"
rebuild_image
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=5

run_switch() {
        "$EARLY" --root="$R" --kernel-release="$KVER" pre-switch --sysroot="$S" 2>/dev/null
}
export -f run_switch
export EARLY R S KVER

json=$T/hf.json
median_ms() { python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$json"; }
bench() { # NAME
        rm -rf "$R/run" && mkdir -p "$R/run"
        hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$json" \
                "$EARLY --root=$R --kernel-release=$KVER pre-switch --sysroot=$S" >/dev/null 2>&1 ||
                hyperfine --warmup 3 --runs "$RUNS" --export-json "$json" \
                        "$EARLY --root=$R --kernel-release=$KVER pre-switch --sysroot=$S 2>/dev/null" >/dev/null
        printf '%-52s %8s ms' "$1" "$(median_ms)"
        rm -rf "$R/run" && mkdir -p "$R/run"
        /usr/bin/time -o "$T/rss" -f '%M' "$EARLY" --root="$R" --kernel-release="$KVER" pre-switch --sysroot="$S" \
                >/dev/null 2>&1
        rss=$(tail -n 1 "$T/rss")
        printf '   max RSS %6s KiB' "$rss"
        cpu=-
        if command -v perf >/dev/null; then
                cpu=$(perf stat -x, -e task-clock -r "$RUNS" "$EARLY" --root="$R" --kernel-release="$KVER" \
                        pre-switch --sysroot="$S" 2>&1 >/dev/null | awk -F, '/task-clock/ { printf "%.2f", $1 }')
        fi
        printf '   CPU %6s ms\n' "${cpu:--}"
        LAST_CPU=$cpu
}

echo "pre-switch over the fixture tree (+ a 40 MB module), $RUNS runs each, medians:"
bench "steady, no deny list"
base=$(median_ms) base_cpu=$LAST_CPU

mkdir -p "$S/etc/lastgood/deny.d"
python3 - "$S/etc/lastgood/deny.d/fleet.list" "$ENTRIES" <<'PY'
import hashlib, sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("# generated: %d entries\n" % n)
    for i in range(n):
        h = hashlib.sha256(b"entry %d" % i).hexdigest()
        kind = "module" if i % 2 else "content"
        name = ("mod%d" % i) if i % 2 else ("/opt/agent/content/C-%08d.sys" % i)
        f.write("sha256:%s %s %s -  # %d hosts, first seen 2026-07-19T04:09:00Z\n" % (h, kind, name, i % 50 + 1))
PY
chmod 0644 "$S/etc/lastgood/deny.d/fleet.list"
printf '   (the list: %s entries, %s bytes)\n' "$ENTRIES" "$(stat -c %s "$S/etc/lastgood/deny.d/fleet.list")"
bench "steady, $ENTRIES-entry deny list"
with=$(median_ms) with_cpu=$LAST_CPU
python3 -c 'import sys; print("   the list costs %.2f ms wall clock, %s ms CPU (target: under 20 ms)" % (float(sys.argv[2]) - float(sys.argv[1]), ("%.2f" % (float(sys.argv[4]) - float(sys.argv[3]))) if sys.argv[3] not in ("", "-") else "-"))' \
        "$base" "$with" "${base_cpu:--}" "${with_cpu:--}"
rm -f "$S/etc/lastgood/deny.d/fleet.list"

rm -rf "$R/run" && mkdir -p "$R/run"
strace -f -e trace=openat,open -o "$T/strace" "$EARLY" --root="$R" --kernel-release="$KVER" pre-switch --sysroot="$S" 2>/dev/null
if grep -q 'biggpu' "$T/strace"; then
        echo "   steady pre-switch OPENED the 40 MB module: $(grep biggpu "$T/strace" | head -n 1)"
else
        echo "   steady pre-switch does not open the 40 MB module (strace): its SHA-256 comes from the manifest"
fi
mv "$S/var/lib/lastgood/manifest" "$T/manifest.saved"
bench "no manifest: every third-party file hashed (once)"
mv "$T/manifest.saved" "$S/var/lib/lastgood/manifest"
