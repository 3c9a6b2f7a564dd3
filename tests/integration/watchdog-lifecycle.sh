#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgood-watchdog end to end against a stub service manager: healthy,
# proven (ProveSec and orderly shutdown), neutral shutdown, late crash
# bookkeeping, a mere stop, lastgood.mode=off, the watchdog ping, the
# initramfs events forwarded exactly once, and the journal.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"
. "$top_srcdir/tests/integration/store-lib.sh"

wd_setup_root
bus_start boot-complete.target=inactive

echo "== healthy, then proven after ProveSec"
state_set armed=1 tries=1 boot_seq=5
# One event of the initramfs in the spool.
printf 'MESSAGE_ID=%s\nPRIORITY=5\nSYSLOG_IDENTIFIER=lastgood\nMESSAGE=Boot counted (from the spool)\nLASTGOOD_TRIES=1\nLASTGOOD_BOOT_SEQ=5\n\n' \
        "$MSG_COUNTED" >"$ROOT/run/lastgood/events"
wd_start --stable-sec=0 --prove-sec=3600
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "healthy before boot-complete.target"
state_has armed=1 tries=1 unproven=0
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "never healthy"
# Healthy proves nothing and gives nothing back: no write of the hot
# record, the late-crash note on disk instead.
state_has armed=1 tries=1 unproven=0 || fail "healthy wrote the hot record"
[ "$(cat "$ROOT/var/lib/lastgood/healthy-boot")" = 5 ] || fail "no late-crash note for boot 5"
[ ! -e "$ROOT/var/lib/lastgood/manifest" ] || fail "manifest written before proven"
# Watchdog pings at half of WATCHDOG_USEC (1 s).
sleep 1.2
n=$(grep -c "WATCHDOG=1" "$T/notify.log" || true)
[ "$n" -ge 2 ] || fail "expected watchdog pings, got $n"
echo "== late crash: killed while healthy-but-unproven; the try stays spent"
wd_kill
state_has armed=1 tries=1 unproven=0 || fail "late crash bookkeeping"
echo "== the next boot (counted by lastgood-early) reports the late crash"
state_set armed=1 tries=2 boot_seq=6
rm -f "$ROOT/run/lastgood/healthy"
stub SetUnit string:boot-complete.target string:inactive uint32:0
wd_start --stable-sec=0 --prove-sec=3600
wait_for 50 test ! -e "$ROOT/var/lib/lastgood/healthy-boot" || fail "late-crash note not consumed"
wd_kill
journal_json MESSAGE_ID="$MSG_UNHEALTHY" | grep '"LASTGOOD_REASON":"late-crash"' >/dev/null || fail "no late-crash event"
state_has armed=1 tries=2 || fail "the late-crash report changed the hot record"

echo "== proven by ProveSec"
wd_start --stable-sec=0 --prove-sec=1
boot_complete
wait_for 100 state_has armed=0 unproven=0 tries=0 || fail "not proven after ProveSec"
[ ! -e "$ROOT/var/lib/lastgood/healthy-boot" ] || fail "late-crash note left after the proof"
grep -q "current/manifest" <(readlink "$ROOT/var/lib/lastgood/manifest") || fail "manifest link"
grep -q "a.yaml" "$ROOT/var/lib/lastgood/manifest" || fail "manifest lacks content"
cmp "$ROOT/etc/falco/rules.d/a.yaml" "$(lastgood_copy "$ROOT" falco /etc/falco/rules.d/a.yaml)" ||
        fail "last good copy"
state_get | grep "last_proven=0" >/dev/null && fail "last proven time not set"
wd_stop || fail "stop after proven"

echo "== the spool was forwarded exactly once"
n=$(journal_json MESSAGE_ID="$MSG_COUNTED" | grep -c "from the spool" || true)
[ "$n" = 1 ] || fail "spooled event forwarded $n times"

echo "== journal: healthy and proven with their fields"
journal_json MESSAGE_ID="$MSG_HEALTHY" | grep '"SYSLOG_IDENTIFIER":"lastgood"' >/dev/null || fail "no healthy event"
journal_json MESSAGE_ID="$MSG_PROVEN" | grep '"LASTGOOD_KERNEL":"'"$KVER"'"' >/dev/null || fail "no proven event with kernel"

echo "== neutral: orderly shutdown before healthy does not count"
state_set armed=1 tries=2 boot_seq=7 level=0
stub SetUnit string:boot-complete.target string:inactive uint32:0
wd_start --stable-sec=0 --prove-sec=3600
shutdown_queued
wd_stop || fail "stop at shutdown"
state_has armed=1 tries=1 unproven=0 || fail "neutral shutdown"
[ ! -e "$ROOT/var/lib/lastgood/generations/2" ] || fail "proven write at a neutral shutdown"

echo "== orderly shutdown after healthy: proven"
stub SetUnit string:shutdown.target string:inactive uint32:0
echo "rule: three" >"$ROOT/etc/falco/rules.d/c.yaml"
state_set armed=1 tries=1 boot_seq=8
rm -f "$ROOT/run/lastgood/healthy"
wd_start --stable-sec=0 --prove-sec=3600
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "not healthy"
shutdown_queued
wd_stop || fail "stop at shutdown"
state_has armed=0 tries=0 unproven=0 || fail "shutdown after healthy not proven"
grep -q "c.yaml" "$ROOT/var/lib/lastgood/manifest" || fail "new manifest at shutdown"

echo "== a mere stop after healthy records nothing"
stub SetUnit string:shutdown.target string:inactive uint32:0
state_set armed=1 tries=1 boot_seq=9
rm -f "$ROOT/run/lastgood/healthy"
wd_start --stable-sec=0 --prove-sec=3600
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "not healthy"
wd_stop || fail "stop"
state_has armed=1 tries=1 || fail "a stop must not prove"

echo "== lastgood.mode=off: READY, nothing written"
echo "root=/dev/sda1 lastgood.mode=off" >"$ROOT/proc/cmdline"
state_set armed=1 tries=1 boot_seq=9
rm -f "$ROOT/run/lastgood/healthy"
before=$(cd "$ROOT" && find . -printf '%p %s %T@\n' | sort | sha256sum)
wd_start --stable-sec=0 --prove-sec=0
boot_complete
sleep 0.5
wd_stop || fail "stop in off mode"
after=$(cd "$ROOT" && find . -printf '%p %s %T@\n' | sort | sha256sum)
[ "$before" = "$after" ] || fail "mode=off wrote something"
echo OK
