#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The runtime change watch of lastgood-watchdog: agent content changes
# (inotify) and third-party module loads arm the counter (before healthy:
# this boot counts; after: it stays unproven), and a content file that
# reappears matching a persistently withheld item is withheld again
# (moved, never deleted).
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"
# --test-module-add: the test build.
WD=$WD_TEST

wd_setup_root
C="$ROOT/etc/falco/rules.d"
MK="$top_srcdir/tests/fixtures/modules/mkmod.sh"
M="$ROOT/lib/modules/$KVER"
vm="vermagic=$KVER SMP mod_unload modversions"
"$MK" "$M/kernel/drivers/net/e1000e.ko" intree=Y license=GPL "$vm"
"$MK" "$M/extra/oldmod.ko" license=GPL "$vm" srcversion=0LD00001
depmod -b "$ROOT" "$KVER" 2>/dev/null || true
bus_start boot-complete.target=inactive

echo "== baseline: a proven boot with d.yaml withheld"
echo "rule: bad" >"$C/d.yaml"
printf 'content\t/etc/falco/rules.d/d.yaml\tchanged\tfalco\n' >"$ROOT/run/lastgood/withheld"
printf 'LEVEL=1\nMODE=auto\nBOOT_SEQ=4\n' >"$ROOT/run/lastgood/decision"
state_set armed=1 tries=1 level=1 boot_seq=4
"$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "baseline"
state_has armed=0 tries=0 level=0 || fail "baseline not proven"
grep -qa "d.yaml" "$(QUAR_VAR)" || fail "d.yaml not in the cold record"
grep -q oldmod "$ROOT/var/lib/lastgood/manifest" || fail "module not in the manifest"
# Next boot: the apply unit moved d.yaml away (same file, same inode).
mkdir -p "$T/away"
mv "$C/d.yaml" "$T/away/d.yaml"
rm -f "$ROOT/run/lastgood/withheld"
printf 'LEVEL=0\nMODE=auto\nBOOT_SEQ=4\n' >"$ROOT/run/lastgood/decision"

echo "== content change before healthy: armed, this boot counted"
wd_start --stable-sec=0 --prove-sec=3600
echo "rule: five" >"$C/e.yaml"
wait_for 50 state_has armed=1 tries=1 boot_seq=5 || fail "content change did not arm"
journal_json MESSAGE_ID="$MSG_ARMED" | grep '"LASTGOOD_ITEM":"/etc/falco/rules.d/e.yaml"' >/dev/null || fail "no armed event"

echo "== the withheld file reappears: withheld again, moved not deleted"
mv "$T/away/d.yaml" "$C/d.yaml"
wait_for 50 test ! -e "$C/d.yaml" || fail "d.yaml not withheld again"
q=$(find "$ROOT/var/lib/lastgood/quarantine" -name d.yaml)
[ -n "$q" ] && grep -q "rule: bad" "$q" || fail "d.yaml not in the quarantine"
journal_json MESSAGE_ID="$MSG_WITHHELD" | grep 'd.yaml' >/dev/null || fail "no withheld event"

echo "== a new version of it is a change, not withheld"
echo "rule: fixed" >"$C/d.yaml"
sleep 0.5
grep -q "rule: fixed" "$C/d.yaml" || fail "a new version was withheld"
wd_stop || fail "stop"

echo "== content change after healthy: armed, this boot counted, the health window starts again"
state_set armed=0 tries=0 boot_seq=5
rm -f "$ROOT/run/lastgood/healthy"
wd_start --stable-sec=4 --prove-sec=3600
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "not healthy"
echo "rule: two, changed" >"$C/b.yaml"
wait_for 50 state_has armed=1 tries=1 unproven=0 boot_seq=6 || fail "change after healthy"
wait_for 20 test ! -e "$ROOT/run/lastgood/healthy" || fail "healthy marker kept after a change"
grep -q "the health window starts again" "$T/daemon.log" || fail "health window not restarted"
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "not healthy again StableSec after the change"
wd_stop || fail "stop"

echo "== module loads: third-party new arms, in-tree and unchanged do not"
"$MK" "$M/extra/newmod.ko" license=GPL "$vm" srcversion=NEW00001
depmod -b "$ROOT" "$KVER" 2>/dev/null || true
state_set armed=0 tries=0 boot_seq=6
stub SetUnit string:boot-complete.target string:inactive uint32:0
wd_start --stable-sec=0 --prove-sec=3600 --test-module-add=e1000e --test-module-add=oldmod
sleep 0.5
state_has armed=0 tries=0 || fail "in-tree or unchanged module armed"
wd_stop || fail "stop"
wd_start --stable-sec=0 --prove-sec=3600 --test-module-add=newmod
wait_for 50 state_has armed=1 tries=1 || fail "new third-party module did not arm"
journal_json MESSAGE_ID="$MSG_ARMED" | grep '"LASTGOOD_ITEM":"newmod"' >/dev/null || fail "no armed event for newmod"
wd_stop || fail "stop"
echo OK
