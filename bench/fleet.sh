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
# Then `fleet --deny-list` (issue 20) over DENY_SIZES hosts' journals
# (default 50,000 and 100,000: 200,000 and 400,000 entries, 1,000 and 2,000
# verdict fingerprints), DENY_RUNS (3) runs each: the larger must take
# under DENY_LIMIT (10 s) CPU, and the growth from one size to the next no
# more than n log n (with 25 % for noise). The fleet here is one journal
# file (journal-remote --split-mode=none): a file per sender opens one
# journal per host, which is what the time of a split fleet adds.
#
#   bench/fleet.sh [BUILDDIR]
#
# Environment: HOSTS (10000), RUNS (7), LIMIT (1.0 s), DENY_SIZES
# ("50000 100000"), DENY_RUNS (3), DENY_LIMIT (10 s), BENCH_OUT (folder for
# the generated journals, default: temporary, removed).
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
DENY_SIZES=${DENY_SIZES:-50000 100000}
DENY_RUNS=${DENY_RUNS:-3}
DENY_LIMIT=${DENY_LIMIT:-10}

# journal HOSTS: the folder of a generated fleet of HOSTS hosts.
journal() {
        local j=$OUT/journal-$1
        if [ ! -d "$j" ]; then
                rm -rf "$j.tmp"
                mkdir -p "$j.tmp"
                /usr/bin/python3 "$top_srcdir/tests/integration/fleet-gen.py" "$1" |
                        "$REMOTE" --output="$j.tmp/remote.journal" - 2>/dev/null
                mv "$j.tmp" "$j"
        fi
        echo "$j"
}
J=$(journal "$HOSTS")
entries=$(journalctl --directory="$J" -o export --no-pager | grep -c '^MESSAGE_ID=' || true)
echo "journal: $HOSTS hosts, $entries entries, $(du -sh "$J" | cut -f1)"

# run ARGS...: one run; prints "WALL CPU" in seconds.
run() {
        local TIMEFORMAT='%R %U %S' t
        t=$( { time "$CTL" fleet --directory="${RUN_J:-$J}" "$@" >/dev/null; } 2>&1)
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

# fleet --deny-list at two sizes.
prev_n= prev_cpu=
for hosts in $DENY_SIZES; do
        RUN_J=$(journal "$hosts")
        RUN_J=$RUN_J run --deny-list >/dev/null # warm the page cache
        "$CTL" fleet --directory="$RUN_J" --deny-list >"$OUT/list"
        for ((i = 0; i < DENY_RUNS; i++)); do RUN_J=$RUN_J run --deny-list; done >"$OUT/times"
        wall=$(sort -n -k1,1 "$OUT/times" | awk -v n="$DENY_RUNS" 'NR == int((n + 1) / 2) { print $1 }')
        cpu=$(sort -n -k2,2 "$OUT/times" | awk -v n="$DENY_RUNS" 'NR == int((n + 1) / 2) { print $2 }')
        verdict=ok
        if awk -v c="$cpu" -v l="$DENY_LIMIT" 'BEGIN { exit !(c >= l) }'; then
                verdict="OVER ${DENY_LIMIT} s"
                fail=1
        fi
        growth=
        if [ -n "$prev_n" ]; then
                # Measured ratio against n log n's ratio (1.25 for noise).
                read -r ratio bound < <(awk -v a="$prev_cpu" -v b="$cpu" -v m="$prev_n" -v n="$hosts" \
                        'BEGIN { printf "%.2f %.2f\n", b / (a > 0.001 ? a : 0.001), n * log(n) / (m * log(m)) }')
                growth=", x$ratio for x$(awk -v m="$prev_n" -v n="$hosts" 'BEGIN { printf "%.2f", n / m }') hosts (n log n: x$bound)"
                if awk -v r="$ratio" -v b="$bound" 'BEGIN { exit !(r > b * 1.25) }'; then
                        verdict="GROWS FASTER THAN n log n"
                        fail=1
                fi
        fi
        printf 'fleet --deny-list %6d hosts (%d entries): median of %d: %s s CPU, %s s wall%s  [%s]\n' \
                "$hosts" "$(grep -vc '^#' "$OUT/list")" "$DENY_RUNS" "$cpu" "$wall" "$growth" "$verdict"
        prev_n=$hosts prev_cpu=$cpu
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $fail
