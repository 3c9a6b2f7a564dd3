#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot time lastgood adds: the same guest image booted with lastgood's hook
# enabled and with lastgood.mode=off on the kernel command line, alternately,
# BOOTS times each (default 5), steady state (after a proven boot). Reported:
# the median time to the serial line of multi-user.target, as the guest's
# own clock saw it (kernel start -> multi-user, /proc/uptime) and as the host
# saw it (QEMU start -> the line appearing in the serial log, polled every
# 50 ms; includes the firmware).
#
#   bench/boot-time.sh [BOOTS]     (root; the e2e rig's requirements)
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"
BOOTS="${1:-5}"
[[ "$BOOTS" -ge 1 ]] || { echo "usage: $0 [BOOTS]" >&2; exit 2; }

e2e_begin boot-time
e2e_new_guest bench --module good
e2e_seal
e2e_boot_proven   # first boot: lastgood records the last known good

# Boot once in the background and time the multi-user line from the host.
timed_boot() {
        local t0 wall="" n
        n=$((E2E_BOOTN + 1))
        t0=$(date +%s.%N)
        ( e2e_boot "$@" e2e.wait=0 >/dev/null 2>&1; echo "$E2E_RESULT" >"$W/result" ) &
        local pid=$!
        while kill -0 "$pid" 2>/dev/null; do
                if [[ -z "$wall" ]] && grep -aq '^E2E: reached multi-user' "$E2E_GUEST_DIR/logs/boot-$n.log" 2>/dev/null; then
                        wall=$(echo "$(date +%s.%N) - $t0" | bc)
                fi
                sleep 0.05
        done
        wait "$pid"
        E2E_BOOTN=$n
        E2E_LOG="$E2E_GUEST_DIR/logs/boot-$n.log"
        [[ "$(cat "$W/result")" == poweroff ]] || e2e_die "bench boot $n: $(cat "$W/result")"
        printf '%s %s\n' "$(e2e_serial_grep '^E2E: reached multi-user' | sed 's/.*uptime=//' | tr -d '\r')" "$wall"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$W/on"; : >"$W/off"
for i in $(seq 1 "$BOOTS"); do
        timed_boot >>"$W/on"
        timed_boot lastgood.mode=off >>"$W/off"
        e2e_log "round $i: on $(tail -1 "$W/on")  off $(tail -1 "$W/off")"
done

on_guest=$(cut -d' ' -f1 "$W/on" | median); off_guest=$(cut -d' ' -f1 "$W/off" | median)
on_wall=$(cut -d' ' -f2 "$W/on" | median); off_wall=$(cut -d' ' -f2 "$W/off" | median)
printf '\nboot time to multi-user.target, median of %d boots each (QEMU TCG, OVMF, %s)\n' "$BOOTS" "$E2E_KVER"
printf '%-22s %12s %12s\n' "" "guest clock" "host wall"
printf '%-22s %10.2f s %10.2f s\n' "lastgood enabled" "$on_guest" "$on_wall"
printf '%-22s %10.2f s %10.2f s\n' "lastgood.mode=off" "$off_guest" "$off_wall"
printf '%-22s %+10.2f s %+10.2f s\n' "added by lastgood" "$(echo "$on_guest - $off_guest" | bc)" "$(echo "$on_wall - $off_wall" | bc)"
printf '\nall samples (guest host):\n  on:  %s\n  off: %s\n' "$(tr '\n' ';' <"$W/on")" "$(tr '\n' ';' <"$W/off")"
