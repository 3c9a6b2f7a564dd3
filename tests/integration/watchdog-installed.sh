#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A change installed for the next boot (the initramfs hook's
# arm-if-changed, or lastgoodctl arm, leave /run/lastgood/changed): a module
# replaced on disk does not run in this boot. When the boot then stays up
# long enough to be healthy again and proven (update-initramfs, or a reboot
# an hour after a DKMS upgrade), the proof must keep the new module at its
# previous last-known-good entry, so that the next boot sees it as changed
# and counts it. (e2e: tests/e2e/scenario-update-then-reboot.sh.)
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"
EARLY="$top_builddir/lastgood-early"

wd_setup_root
mkdir -p "$T/image"
MK="$top_srcdir/tests/fixtures/modules/mkmod.sh"
M="$ROOT/lib/modules/$KVER"
vm="vermagic=$KVER SMP mod_unload modversions"
"$MK" "$M/extra/lgmod.ko" license=GPL "$vm" srcversion=G00D0001
"$MK" "$M/extra/other.ko" license=GPL "$vm" srcversion=0THER001
depmod -b "$ROOT" "$KVER" 2>/dev/null || true
bus_start boot-complete.target=inactive

# fp NAME: the module's fingerprint in the last-known-good manifest.
fp() { awk -v n="$1" '$1 == "module" && $2 == n { print $5 }' "$ROOT/var/lib/lastgood/manifest"; }
n_hook_events() { journal_json MESSAGE_ID="$MSG_ARMED" | grep -c '"MESSAGE":"initramfs rebuilt' || true; }
proofs_at_least() { [ "$(grep -c "Boot proven (prove-sec)" "$T/daemon.log" || true)" -ge "$1" ]; }

echo "== baseline: the last known good"
state_set armed=1 tries=1 boot_seq=3
"$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "baseline"
state_has armed=0 tries=0 || fail "baseline not proven"
good=$(fp lgmod)
[ -n "$good" ] || fail "lgmod not in the manifest"
other=$(fp other)

echo "== a boot proven by ProveSec, then the module replaced and the initramfs rebuilt"
printf 'LEVEL=0\nMODE=auto\nBOOT_SEQ=3\n' >"$ROOT/run/lastgood/decision"
wd_start --stable-sec=1 --prove-sec=1
boot_complete
wait_for 100 proofs_at_least 1 || fail "not proven by ProveSec"
"$MK" "$M/extra/lgmod.ko.new" license=GPL "$vm" srcversion=BAD00002
mv "$M/extra/lgmod.ko.new" "$M/extra/lgmod.ko"
depmod -b "$ROOT" "$KVER" 2>/dev/null || true
"$EARLY" --root="$ROOT" --kernel-release="$KVER" --image-dir="$T/image" arm-if-changed >/dev/null ||
        fail "arm-if-changed"
state_has armed=1 tries=0 || fail "the hook did not arm for the next boot"
wait_for 50 grep -q "the health window starts again" "$T/daemon.log" || fail "health window not restarted"

echo "== healthy again and proven again: the new module keeps its previous entry"
wait_for 100 proofs_at_least 2 || fail "not proven again after the health window"
wd_stop || fail "stop"
state_has armed=0 tries=0 || fail "the second proof did not clear the counter"
[ "$(fp lgmod)" = "$good" ] || fail "the never-loaded module became the last known good ($(fp lgmod) != $good)"
[ "$(fp other)" = "$other" ] || fail "an unchanged module lost its entry"
grep -q "keep their previous last-known-good entry" "$T/daemon.log" || fail "the kept item was not logged"

echo "== the next boot sees the module as changed: armed and counted"
printf 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro\n' >"$ROOT/proc/cmdline"
"$EARLY" --root="$ROOT" --kernel-release="$KVER" pre-udev >/dev/null 2>&1 || true
"$EARLY" --root="$ROOT" --kernel-release="$KVER" pre-switch --sysroot="$ROOT" >/dev/null 2>&1 || true
state_has armed=1 tries=1 || fail "the next boot was not counted"

echo "== the hook's armed event reaches the journal by the shutdown at the latest"
state_set armed=0 tries=0 boot_seq=5
rm -f "$ROOT/run/lastgood/events" "$ROOT/run/lastgood/events.sent" "$ROOT/var/lib/lastgood/manifest"
"$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "prove-now"
"$MK" "$M/extra/lgmod.ko.new" license=GPL "$vm" srcversion=BAD00003
mv "$M/extra/lgmod.ko.new" "$M/extra/lgmod.ko"
wd_start --stable-sec=3600 --prove-sec=3600
boot_complete
"$EARLY" --root="$ROOT" --kernel-release="$KVER" --image-dir="$T/image" arm-if-changed >/dev/null ||
        fail "arm-if-changed"
state_has armed=1 || fail "the hook did not arm"
n0=$(n_hook_events)
shutdown_queued
wd_stop || fail "stop"
[ "$(n_hook_events)" = $((n0 + 1)) ] || fail "the hook's armed event was lost (or sent twice)"

echo "== lastgoodctl good (--prove-now) proves what is on disk"
state_set armed=0 tries=0 boot_seq=5
"$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "prove-now"
[ "$(fp lgmod)" != "$good" ] || fail "lastgoodctl good / --prove-now kept the module at its old entry"
echo OK
