#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Deny lists at run time (lastgood-deny.d(5)): the watchdog moves denied
# agent content away the moment it is written -- renamed into place,
# rewritten in place, or created and written -- puts the last good copy
# back, and neither arms nor writes the EFI variables. A list that changes
# while the watchdog runs is picked up without a restart, and content
# already on disk that it now denies is moved away at once. A content
# folder reached through a symlink is never followed.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

MSG_DENIED=9e4cca18777541b5a0e7af80d37aeb7e
wd_setup_root
C="$ROOT/etc/falco/rules.d"
bus_start boot-complete.target=inactive
efi() { (cd "$ROOT/sys/firmware/efi/efivars" && find . -type f -exec md5sum {} + | sort); }

echo "== baseline: a proven boot"
state_set armed=0 tries=0 level=0 boot_seq=4
"$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "baseline"
state_has armed=0 tries=0 || fail "baseline not proven"

bad='rule: crash the host'
bad_sha=$(printf '%s\n' "$bad" | sha256sum | cut -d' ' -f1)
mkdir -p "$ROOT/etc/lastgood/deny.d"
printf '# fleet\nsha256:%s content /etc/falco/rules.d/a.yaml falco  # 2 hosts\n' "$bad_sha" \
        >"$ROOT/etc/lastgood/deny.d/fleet.list"
efi_before=$(efi)

wd_start --stable-sec=0 --prove-sec=3600
grep -q "Deny lists read: 1 entry" "$T/daemon.log" || fail "lists not read at start"

echo "== renamed into place: moved away, the last good copy back"
printf '%s\n' "$bad" >"$T/new.yaml"
t0=$(date +%s%N)
mv "$T/new.yaml" "$C/a.yaml"
wait_for 20 grep -qx "rule: one" "$C/a.yaml" || fail "denied a.yaml not rolled back"
t1=$(date +%s%N)
echo "   rolled back in $(((t1 - t0) / 1000000)) ms"
q=$(grep -rlx "$bad" "$ROOT/var/lib/lastgood/quarantine")
[ -n "$q" ] || fail "the denied file is not in the quarantine"

echo "== rewritten in place (the good file truncated and written): the same"
printf '%s\n' "$bad" >"$C/a.yaml"
wait_for 20 grep -qx "rule: one" "$C/a.yaml" || fail "rewritten a.yaml not rolled back"

echo "== a new file written with the denied bytes (created, then written)"
printf '%s\n' "$bad" >"$C/c.yaml"
wait_for 20 test ! -e "$C/c.yaml" || fail "denied new c.yaml not moved away"
state_has armed=0 tries=0 || fail "a denied file armed the host"
[ "$(efi)" = "$efi_before" ] || fail "a denial wrote the EFI variables"
n=$(journal_json MESSAGE_ID="$MSG_DENIED" | wc -l)
[ "$n" = 3 ] || fail "$n item-denied events, expected 3"
journal_json MESSAGE_ID="$MSG_DENIED" | grep "\"LASTGOOD_ITEM_SHA256\":\"sha256:$bad_sha\"" >/dev/null ||
        fail "no fingerprint in the event"
journal_json MESSAGE_ID="$MSG_DENIED" | grep '"LASTGOOD_DENY_LIST":"/etc/lastgood/deny.d/fleet.list:2"' >/dev/null ||
        fail "no list line in the event"
[ "$(journal_json MESSAGE_ID="$MSG_ARMED" | wc -l)" = 0 ] || fail "armed by a denied file"

echo "== a list changing while the watchdog runs: picked up, and content on disk it denies is moved"
other='rule: also bad'
echo "$other" >"$C/b.yaml"
wait_for 50 state_has armed=1 || fail "a non-denied change did not arm"
other_sha=$(printf '%s\n' "$other" | sha256sum | cut -d' ' -f1)
printf 'sha256:%s content /etc/falco/rules.d/b.yaml falco\n' "$other_sha" >"$ROOT/etc/lastgood/deny.d/more.list.tmp"
mv "$ROOT/etc/lastgood/deny.d/more.list.tmp" "$ROOT/etc/lastgood/deny.d/more.list"
wait_for 30 grep -qx "rule: two" "$C/b.yaml" || fail "b.yaml not rolled back after the list changed"
grep -q "Deny lists read: 2 entries" "$T/daemon.log" || fail "the new list was not read"

echo "== a list made writable by others: ignored from then on"
chmod 0666 "$ROOT/etc/lastgood/deny.d/more.list"
wait_for 30 grep -q "more.list is writable by others; it is ignored" "$T/daemon.log" || fail "no reason said"
echo "$other" >"$C/b.yaml"
sleep 0.5
grep -qx "$other" "$C/b.yaml" || fail "an ignored list still denied"

echo "== a content folder swapped for a symlink: never followed"
mkdir -p "$T/elsewhere"
printf '%s\n' "$bad" >"$T/elsewhere/a.yaml"
mv "$C" "$C.real"
ln -s "$T/elsewhere" "$C"
sleep 0.5
grep -qx "$bad" "$T/elsewhere/a.yaml" || fail "a file behind a symlinked folder was touched"
wd_stop || fail "stop"
echo "ok"
