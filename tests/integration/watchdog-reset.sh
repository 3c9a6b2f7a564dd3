#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgood-watchdog releases the hang reset of an armed boot (lib/reset/reset.h)
# when the boot is healthy: the deadline lastgood-early left running on the
# watchdog device is stopped (WDIOS_DISABLECARD, magic close), once, with a
# reset-on-failure event; a device another program holds now (systemd's
# RuntimeWatchdogSec=) is left to it; a boot without a hang reset (steady,
# or not armed) never opens the device. The device is a plain file of the
# test root that lastgood-watchdog-wdt (tests/unit/wdt-emul.c) treats as a
# watchdog driver.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"
WD="$top_builddir/tests/integration/lastgood-watchdog-wdt"
MSG_RESET=c1777c1426114746bc56bdfbf1d02426

wd_setup_root
mkdir -p "$ROOT/dev"
RESET_SET='kernel.panic=set 10 0 -
kernel.panic_on_oops=set 1 0 -
kernel.softlockup_panic=set 1 0 -
kernel.hardlockup_panic=set 1 0 -
hang-reset=set 900 0 /dev/watchdog0'

# one_boot WHAT: a fresh boot-complete.target and daemon, until healthy.
one_boot() {
        [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null || true
        bus_start boot-complete.target=inactive
        state_set armed=1 tries=1 boot_seq=5
        wd_start --stable-sec=0 --prove-sec=3600
        boot_complete
        wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "never healthy ($1)"
        wd_stop || fail "daemon failed ($1)"
        rm -f "$ROOT/run/lastgood/healthy"
}

echo "== armed boot: the deadline is released at healthy"
printf '%s\n' "$RESET_SET" > "$ROOT/run/lastgood/reset"
: > "$ROOT/dev/watchdog0"
echo "settimeout 900" > "$ROOT/dev/watchdog0.log"
one_boot "armed"
[ "$(cat "$ROOT/dev/watchdog0")" = V ] || fail "no magic close: '$(cat "$ROOT/dev/watchdog0")'"
[ "$(cat "$ROOT/dev/watchdog0.log")" = "settimeout 900
disable" ] || fail "device log: $(cat "$ROOT/dev/watchdog0.log")"
[ "$(tail -n 1 "$ROOT/run/lastgood/reset")" = "hang-reset=released 900 0 /dev/watchdog0" ] ||
        fail "reset file: $(cat "$ROOT/run/lastgood/reset")"
[ "$(head -n 4 "$ROOT/run/lastgood/reset")" = "$(head -n 4 <<< "$RESET_SET")" ] || fail "panic settings changed"
journal_json MESSAGE_ID="$MSG_RESET" > "$T/reset.json"
[ "$(wc -l < "$T/reset.json")" = 1 ] || fail "expected one reset event, got $(wc -l < "$T/reset.json")"
grep -q '"MESSAGE":"hang reset released: the boot did not hang, /dev/watchdog0 stopped"' "$T/reset.json" ||
        fail "event: $(cat "$T/reset.json")"
grep -q '"LASTGOOD_ITEM":"hang-reset"' "$T/reset.json" && grep -q '"LASTGOOD_REASON":"released"' "$T/reset.json" ||
        fail "event fields: $(cat "$T/reset.json")"
{ "$top_builddir/lastgoodctl" --root="$ROOT" status --json || true; } | python3 -c '
import json, sys
h = [i for i in json.load(sys.stdin)["reset_on_failure"] if i["name"] == "hang-reset"][0]
assert h == {"name": "hang-reset", "status": "released", "in_force": False, "value": 900, "device": "/dev/watchdog0"}, h
' || fail "lastgoodctl status --json after the release"
{ "$top_builddir/lastgoodctl" --root="$ROOT" status || true; } | grep '\[not in force\] hang reset released: the boot did not hang, /dev/watchdog0 stopped' >/dev/null ||
        fail "lastgoodctl status after the release"
echo "ok - released once at healthy: WDIOS_DISABLECARD, 'V', the file says released, one event (lastgoodctl status: not in force)"

echo "== a second healthy in the same boot (daemon restarted): nothing more"
one_boot "again"
[ "$(cat "$ROOT/dev/watchdog0")" = V ] || fail "device written again"
[ "$(wc -l < "$ROOT/dev/watchdog0.log")" = 2 ] || fail "device opened again: $(cat "$ROOT/dev/watchdog0.log")"
echo "ok - released only once"

echo "== another program holds the device: left to it"
printf '%s\n' "$RESET_SET" > "$ROOT/run/lastgood/reset"
: > "$ROOT/dev/watchdog0"
rm -f "$ROOT/dev/watchdog0.log"
LG_TEST_WDT_BUSY=1 one_boot "busy"
[ ! -s "$ROOT/dev/watchdog0" ] && [ ! -e "$ROOT/dev/watchdog0.log" ] || fail "busy device touched"
[ "$(tail -n 1 "$ROOT/run/lastgood/reset")" = "hang-reset=set 900 0 /dev/watchdog0" ] || fail "busy: reset file changed"
grep -q "held by another program now (its watchdog rules)" "$T/daemon.log" || fail "busy not logged"
echo "ok - busy device: untouched, logged"

echo "== no hang reset this boot (steady, or not armed on this host): the device is never opened"
for f in "" "hang-reset=unavailable 0 19 -" "hang-reset=off 0 0 -" "garbage"; do
        if [ -n "$f" ]; then echo "$f" > "$ROOT/run/lastgood/reset"; else rm -f "$ROOT/run/lastgood/reset"; fi
        : > "$ROOT/dev/watchdog0"
        rm -f "$ROOT/dev/watchdog0.log"
        one_boot "steady '$f'"
        [ ! -s "$ROOT/dev/watchdog0" ] && [ ! -e "$ROOT/dev/watchdog0.log" ] || fail "device touched ('$f')"
done
echo "ok - no reset file, unavailable, off, garbage: device untouched"

echo "== lastgoodctl good proves the boot: it stops the hang reset too"
printf '%s\n' "$RESET_SET" > "$ROOT/run/lastgood/reset"
: > "$ROOT/dev/watchdog0"
state_set armed=1 tries=1 boot_seq=6
"$top_builddir/lastgoodctl" --root="$ROOT" --kernel-release="$KVER" good > "$T/good.out" || fail "good failed: $(cat "$T/good.out")"
grep -qx 'Hang reset released: /dev/watchdog0 stopped.' "$T/good.out" || fail "good said: $(cat "$T/good.out")"
[ "$(cat "$ROOT/dev/watchdog0")" = V ] || fail "good: no magic close"
[ "$(tail -n 1 "$ROOT/run/lastgood/reset")" = "hang-reset=released 900 0 /dev/watchdog0" ] || fail "good: reset file"
state_has armed=0 tries=0 || fail "good did not prove"
echo "ok - lastgoodctl good: proven, hang reset released"

# Issue 18, row 9: the panic settings of an armed boot go back to the
# values lastgood found (0) once the boot is proven or the host is no
# longer armed, not for the whole uptime: an oops a user can trigger must
# not reboot a steady host. A value someone changed since is theirs.
set_panic() { # the kernel's values as lastgood-early left them, and its file
        echo 10 >"$ROOT/proc/sys/kernel/panic"
        for k in panic_on_oops softlockup_panic hardlockup_panic; do echo 1 >"$ROOT/proc/sys/kernel/$k"; done
        printf '%s\n' "$RESET_SET" >"$ROOT/run/lastgood/reset"
        : >"$ROOT/dev/watchdog0"
}
sysctls() { for k in panic panic_on_oops softlockup_panic hardlockup_panic; do printf '%s ' "$(cat "$ROOT/proc/sys/kernel/$k")"; done; }

echo "== proven: the panic settings go back; one changed since is kept"
set_panic
echo 2 >"$ROOT/proc/sys/kernel/softlockup_panic" # the administrator's sysctl -w
[ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null || true
bus_start boot-complete.target=inactive
state_set armed=1 tries=1 boot_seq=7
rm -f "$T/export"
wd_start --stable-sec=0 --prove-sec=1
boot_complete
[ "$(sysctls)" = "10 1 2 1 " ] || fail "changed before the proof: $(sysctls)"
wait_for 100 grep -q "Boot proven (prove-sec)" "$T/daemon.log" || fail "not proven"
wd_stop || fail "daemon failed"
[ "$(sysctls)" = "0 0 2 0 " ] || fail "after the proof: $(sysctls)"
[ "$(head -n 4 "$ROOT/run/lastgood/reset")" = "kernel.panic=restored 0 0 -
kernel.panic_on_oops=restored 0 0 -
kernel.softlockup_panic=kept 2 0 -
kernel.hardlockup_panic=restored 0 0 -" ] || fail "reset file: $(cat "$ROOT/run/lastgood/reset")"
journal_json MESSAGE_ID="$MSG_RESET" LASTGOOD_REASON=restored >"$T/restored.json"
[ "$(wc -l <"$T/restored.json")" = 3 ] || fail "expected 3 restored events: $(cat "$T/restored.json")"
{ "$top_builddir/lastgoodctl" --root="$ROOT" status || true; } |
        grep -q '\[not in force\] kernel.panic back to 0: the boot is proven or the host no longer armed' ||
        fail "lastgoodctl status after the restore"
echo "ok - proven: panic, panic_on_oops, hardlockup_panic back to 0 (3 events), softlockup_panic=2 kept"

echo "== not armed at start (e.g. lastgoodctl reset, a proof of an earlier run): put back at once"
set_panic
rm -f "$(STATE_VAR)"
[ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null || true
bus_start boot-complete.target=inactive
wd_start --stable-sec=3600 --prove-sec=3600
[ "$(sysctls)" = "0 0 0 0 " ] || fail "not armed: $(sysctls)"
wd_stop || fail "daemon failed"
echo "ok - a host not armed keeps none of lastgood's panic settings"

echo "== lastgoodctl good: the panic settings go back with the hang reset"
set_panic
state_set armed=1 tries=1 boot_seq=8
"$top_builddir/lastgoodctl" --root="$ROOT" --kernel-release="$KVER" good >"$T/good.out" || fail "good failed: $(cat "$T/good.out")"
[ "$(sysctls)" = "0 0 0 0 " ] || fail "after lastgoodctl good: $(sysctls)"
grep -qx 'Panic settings back to the values found (4).' "$T/good.out" || fail "good said: $(cat "$T/good.out")"
echo "ok - lastgoodctl good: panic settings back to 0"
