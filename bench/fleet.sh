#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl fleet at fleet scale (issue #13): 10,000 hosts, 40,000
# lastgood entries in one journal directory written by the real
# systemd-journal-remote (tests/integration/fleet-gen.py), read in under
# 1 s. Runs the text, --json and --metrics outputs RUNS times each and
# prints the median wall time and the median CPU time (user + system) of
# each; the target is asserted on the CPU time, which does not depend on
# what else the machine runs (on a shared, loaded CI machine the wall time
# only says how long the process waited for a core), and the wall time is
# printed next to it.
#
#   bench/fleet.sh [BUILDDIR]
#
# Environment: HOSTS (10000), RUNS (7), LIMIT (1.0 s), BENCH_OUT (folder
# for the generated journal, default: temporary, removed).
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
B=${1:-${top_builddir:-$PWD}}
CTL=$B/lastgoodctl
[ -x "$CTL" ] || { echo "no $CTL: build first (or give BUILDDIR)" >&2; exit 1; }
REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$REMOTE" ] || REMOTE=/usr/lib/systemd/systemd-journal-remote
HOSTS=${HOSTS:-10000}
RUNS=${RUNS:-7}
LIMIT=${LIMIT:-1.0}

if [ -n "${BENCH_OUT:-}" ]; then
        OUT=$BENCH_OUT
        mkdir -p "$OUT"
else
        OUT=$(mktemp -d)
        trap 'rm -rf "$OUT"' EXIT
fi
J=$OUT/journal-$HOSTS
if [ ! -d "$J" ]; then
        mkdir -p "$J.tmp"
        /usr/bin/python3 "$top_srcdir/tests/integration/fleet-gen.py" "$HOSTS" |
                "$REMOTE" --output="$J.tmp/remote.journal" - 2>/dev/null
        mv "$J.tmp" "$J"
fi
entries=$(journalctl --directory="$J" -o export --no-pager | grep -c '^MESSAGE_ID=' || true)
echo "journal: $HOSTS hosts, $entries entries, $(du -sh "$J" | cut -f1)"

# run ARGS...: one run; prints "WALL CPU" in seconds.
run() {
        local TIMEFORMAT='%R %U %S' t
        t=$( { time "$CTL" fleet --directory="$J" "$@" >/dev/null; } 2>&1)
        awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$t"
}

fail=0
for mode in text --json --metrics; do
        args=()
        [ "$mode" = text ] || args=("$mode")
        run "${args[@]}" >/dev/null # warm the page cache
        for ((i = 0; i < RUNS; i++)); do run "${args[@]}"; done >"$OUT/times"
        wall=$(sort -n -k1,1 "$OUT/times" | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print $1 }')
        cpu=$(sort -n -k2,2 "$OUT/times" | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print $2 }')
        verdict=ok
        if awk -v c="$cpu" -v l="$LIMIT" 'BEGIN { exit !(c >= l) }'; then
                verdict="OVER ${LIMIT} s"
                fail=1
        fi
        printf 'fleet %-9s median of %d: %s s CPU (user+sys), %s s wall  [%s]\n' "$mode" "$RUNS" "$cpu" "$wall" "$verdict"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $fail
