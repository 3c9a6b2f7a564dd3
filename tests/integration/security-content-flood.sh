#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 18, row 1: the agent's own user (uid 65534, who owns falco's
# content folder) writes a file there more often than StableSec, through
# the real lastgood-watchdog (its test build that treats /dev/watchdog0 of
# the root as a watchdog device, tests/unit/wdt-emul.c).
#  1. The hang reset of the armed boot is released when boot-complete.target
#     is reached (its checks passed), although the boot never becomes
#     healthy while the writes go on: a run-time change restarts the proof,
#     never the hang deadline (on the old code the deadline stayed running
#     and reset the host: a failed boot the user caused without a crash).
#  2. The proof is restarted: no healthy, no proof while the writes go on;
#     once they stop, the boot becomes healthy and is proven, and the
#     panic settings go back to the values found (row 9).
#  3. Judging a burst of new files costs in proportion to the files, not
#     to the whole content set for each (it was quadratic: 500 files 2.1 s,
#     3,000 files 63.5 s): the time for 4N files stays within a bound of
#     the time for N, robust under load (near-linear growth, not an
#     absolute time).
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"
WD="$top_builddir/tests/integration/lastgood-watchdog-wdt"
C="$ROOT/etc/falco/rules.d"

wd_setup_root
mkdir -p "$ROOT/dev"
chmod 0755 "$T" "$ROOT" "$ROOT/etc"
for k in panic panic_on_oops softlockup_panic hardlockup_panic; do echo 0 >"$ROOT/proc/sys/kernel/$k"; done
# The last known good, then an armed boot as lastgood-early leaves it.
"$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "baseline proof"
chown -R $AGENT_UID "$ROOT/etc/falco"
state_set armed=1 tries=1 boot_seq=5
printf 'LEVEL=0\nMODE=auto\nBOOT_SEQ=5\nCOUNTED=1\n' >"$ROOT/run/lastgood/decision"
echo 10 >"$ROOT/proc/sys/kernel/panic"
for k in panic_on_oops softlockup_panic hardlockup_panic; do echo 1 >"$ROOT/proc/sys/kernel/$k"; done
printf '%s\n' 'kernel.panic=set 10 0 -' 'kernel.panic_on_oops=set 1 0 -' 'kernel.softlockup_panic=set 1 0 -' \
        'kernel.hardlockup_panic=set 1 0 -' 'hang-reset=set 900 0 /dev/watchdog0' >"$ROOT/run/lastgood/reset"
: >"$ROOT/dev/watchdog0"

echo "== 1. the flood from boot-complete.target on: the hang reset is released all the same"
bus_start boot-complete.target=inactive
wd_start --stable-sec=2 --prove-sec=2
as_agent bash -c 'i=0; while [ ! -e "$2" ] && [ -d "$1" ]; do echo "rules: $i" >"$1/flood-$((i % 4)).yaml"; i=$((i + 1)); sleep 0.5; done' \
        flood "$C" "$T/stop" 2>/dev/null &
FLOOD=$!
PIDS+=($FLOOD)
sleep 1
boot_complete
wait_for 50 grep -q '^hang-reset=released ' "$ROOT/run/lastgood/reset" ||
        fail "the hang reset was not released at boot-complete.target: $(cat "$ROOT/run/lastgood/reset")"
[ "$(cat "$ROOT/dev/watchdog0")" = V ] || fail "no magic close on the device"
grep -qx disable "$ROOT/dev/watchdog0.log" || fail "device not disabled: $(cat "$ROOT/dev/watchdog0.log")"
echo "ok - released at boot-complete.target while the agent's user writes every 0.5 s"

echo "== 2. the proof restarts with every write; it comes once the writes stop"
sleep 5
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "healthy while the content changes every 0.5 s (StableSec=2)"
! grep -q "Boot proven (prove-sec)" "$T/daemon.log" || fail "proven while the content changes"
grep -q "Change seen at run time (content /etc/falco/rules.d/flood-" "$T/daemon.log" || fail "the writes were not seen"
grep -q '^kernel.panic=set ' "$ROOT/run/lastgood/reset" || fail "panic settings gone before the proof"
: >"$T/stop"
wait "$FLOOD" || true
wait_for 100 grep -q "Boot proven (prove-sec)" "$T/daemon.log" || fail "not proven once the writes stopped"
state_has armed=0 tries=0 level=0 || fail "the proof did not clear the record"
for k in panic panic_on_oops softlockup_panic hardlockup_panic; do
        [ "$(cat "$ROOT/proc/sys/kernel/$k")" = 0 ] || fail "kernel.$k stayed $(cat "$ROOT/proc/sys/kernel/$k") after the proof"
done
grep -q '^kernel.panic=restored 0 0 -$' "$ROOT/run/lastgood/reset" || fail "reset file: $(cat "$ROOT/run/lastgood/reset")"
wd_stop || fail "daemon failed"
echo "ok - no healthy, no proof under the flood; proven after it, the panic settings back to 0"

echo "== 3. judging a burst costs what changed (near-linear in the files)"
state_set armed=1 tries=1 boot_seq=6
wd_start --stable-sec=3600 --prove-sec=3600
# judged N: the daemon stopped, N new files of the agent's user, then the
# time (ms) until each has been judged.
judged() {
        local n=$1 before t0 t1
        before=$(grep -c "Change seen at run time" "$T/daemon.log" || true)
        kill -STOP "$DPID"
        as_agent bash -c 'for ((i = 0; i < $2; i++)); do echo "rule: $1-$i" >"$3/burst-$1-$i.yaml"; done' \
                burst "$n" "$n" "$C"
        # The daemon's CPU time, not the wall clock: the suite runs this
        # beside its QEMU guests.
        t0=$(cpu_ms_of "$DPID")
        kill -CONT "$DPID"
        until [ "$(grep -c "Change seen at run time" "$T/daemon.log" || true)" -ge $((before + n)) ]; do
                kill -0 "$DPID" || fail "the daemon died"
                sleep 0.05
        done
        t1=$(cpu_ms_of "$DPID")
        echo $((t1 - t0))
}
small=$(judged 300)
big=$(judged 1200)
echo "  300 new files: ${small} ms of CPU, 1200 more (next to the first 300): ${big} ms"
# Linear: about 4x (more for the larger folder); quadratic: 16x and more.
# The floor keeps a small first figure from making the bound noisy.
floor=$((small > 300 ? small : 300))
[ "$big" -le $((floor * 8)) ] || fail "1200 files took ${big} ms, 300 took ${small} ms: not near-linear"
kill -0 "$DPID" || fail "the daemon died"
wd_stop || fail "daemon failed"
echo "ok - near-linear: 300 files ${small} ms, 1200 files ${big} ms"
