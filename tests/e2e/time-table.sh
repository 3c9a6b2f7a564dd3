#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Where the end-to-end suite's time goes, from the logs of one run:
#   tests/e2e/time-table.sh BUILDDIR [--update README]
# reads BUILDDIR/tests/e2e/*.log (as `make check-e2e` or tools/test-all.sh
# leave them) and prints a Markdown table, one row a scenario: result,
# boots, wall time, time spent in boots, the rest (image builds, waits for
# a guest slot, read-backs), and the slowest boot. With --update README,
# the table replaces the one between the README's time-table markers.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 BUILDDIR [--update README]" >&2; exit 2; }
logs="$1/tests/e2e"
[[ -d "$logs" ]] || { echo "$0: no $logs" >&2; exit 1; }

table() {
        local f name res boots wall inboot slow total=0 totboot=0 n=0
        printf '| scenario | result | boots | wall (s) | in boots (s) | rest (s) | slowest boot (s) |\n'
        printf '|---|---|---|---|---|---|---|\n'
        for f in "$logs"/*.log; do
                name=$(basename "$f" .log)
                [[ -f "$logs/$name.trs" ]] || continue
                res=$(sed -n 's/^:test-result: //p' "$logs/$name.trs" | head -n 1)
                # "boot N (...): RESULT in S s" lines of lib.sh's e2e_boot.
                read -r boots inboot slow < <(sed -n 's/.*\] boot [0-9]* (.*): [a-z]* in \([0-9.]*\) s.*/\1/p' "$f" |
                        awk '{ n++; s += $1; if ($1 > m) m = $1 } END { printf "%d %.0f %.0f\n", n, s, m }')
                # The test's wall time: lib.sh's closing line, else the
                # first and last time stamps of the log.
                wall=$(sed -n 's/.* passed: .*, \([0-9]*\) s$/\1/p' "$f" | tail -n 1)
                if [[ -z "$wall" ]]; then
                        wall=$(sed -n 's/^\[e2e \([0-9:]*\)\].*/\1/p' "$f" | sed -n '1p;$p' |
                                awk -F: '{ t[NR] = $1 * 3600 + $2 * 60 + $3 } END { d = t[2] - t[1]; if (d < 0) d += 86400; print d + 0 }')
                fi
                printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${name#scenario-}" "${res:-?}" "$boots" "$wall" \
                        "$inboot" "$((wall - inboot))" "$slow"
                total=$((total + wall)) totboot=$((totboot + inboot)) n=$((n + 1))
        done
        printf '| **%d tests** | | | %d | %d | %d | |\n' "$n" "$total" "$totboot" "$((total - totboot))"
}

if [[ "${2:-}" == --update ]]; then
        readme=${3:?README}
        t=$(mktemp)
        table >"$t"
        awk -v tf="$t" '
                /<!-- time-table:begin -->/ { print; while ((getline l < tf) > 0) print l; skip = 1; next }
                /<!-- time-table:end -->/ { skip = 0 }
                !skip' "$readme" >"$readme.new"
        mv "$readme.new" "$readme"
        rm -f "$t"
else
        table
fi
