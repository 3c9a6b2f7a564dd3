#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input for lastgood-watchdog, each its own case: a corrupt manifest, a
# corrupt hot record, a full /var, the journal unavailable, no service
# manager and no /proc/cmdline, and hostile content folders (symlinks out,
# FIFOs, sockets, names with newlines). Fail open; nothing is ever deleted.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"
. "$top_srcdir/tests/integration/store-lib.sh"

LIB="$ROOT/var/lib/lastgood"
C="$ROOT/etc/falco/rules.d"
prove() { "$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now --journal-export="$T/export" "$@" 2>>"$T/daemon.log"; }

echo "== corrupt manifest: replaced by the current set, reported, kept aside"
wd_setup_root
state_set armed=1 tries=1 boot_seq=3
prove || fail "first proven write"
state_set armed=1 tries=1 boot_seq=4
rm "$LIB/manifest"
head -c 3000 /dev/urandom >"$LIB/manifest"
cp "$LIB/manifest" "$T/garbage"
prove || fail "proven write over a corrupt manifest"
state_has armed=0 tries=0 || fail "not proven"
grep -q "a.yaml" "$LIB/manifest" || fail "manifest not rewritten"
journal_json MESSAGE_ID="$MSG_CORRUPT" | grep "manifest" >/dev/null || fail "corrupt manifest not reported"
find "$LIB/generations" -path '*legacy*' -name manifest -exec cmp -s {} "$T/garbage" \; -print | grep . >/dev/null ||
        fail "the corrupt manifest was not kept aside"

echo "== corrupt hot record: treated as no state, reported, rewritten"
head -c 36 /dev/urandom >"$(STATE_VAR)"
prove || fail "proven write over a corrupt hot record"
[ "$(state_get)" != corrupt ] || fail "hot record not rewritten"
journal_json MESSAGE_ID="$MSG_CORRUPT" | grep "boot state record" >/dev/null || fail "corrupt state not reported"

echo "== hostile content folder: symlink out, FIFO, socket, newline in a name"
mkdir -p "$T/outside"
echo "secret" >"$T/outside/secret"
ln -s "$T/outside/secret" "$C/link.yaml"
ln -s /etc/shadow "$C/shadow.yaml"
mkfifo "$C/fifo.yaml"
"$PY" -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$C/sock.yaml"
printf 'rule: nl\n' >"$C/new"$'\n'"line.yaml"
ln "$C/a.yaml" "$C/hardlink.yaml"
state_set armed=1 tries=1 boot_seq=5
timeout 20 "$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "hostile folder"
state_has armed=0 || fail "not proven"
CP=/etc/falco/rules.d
[ ! -e "$(lastgood_copy "$ROOT" falco $CP/link.yaml)" ] && [ ! -e "$(lastgood_copy "$ROOT" falco $CP/shadow.yaml)" ] ||
        fail "a symlink was followed into the copies"
! grep -rqs secret "$LIB/generations" "$LIB/store" || fail "outside file copied"
[ ! -e "$(lastgood_copy "$ROOT" falco $CP/fifo.yaml)" ] && [ ! -e "$(lastgood_copy "$ROOT" falco $CP/sock.yaml)" ] ||
        fail "special files copied"
# The index escapes the newline as in the manifest (\x0a).
[ -f "$(lastgood_copy "$ROOT" falco "$CP/new\\x0aline.yaml")" ] || fail "name with a newline not copied"
cmp "$(lastgood_copy "$ROOT" falco $CP/hardlink.yaml)" "$C/a.yaml" || fail "hard-linked content not copied"
[ -p "$C/fifo.yaml" ] && [ -S "$C/sock.yaml" ] && [ -L "$C/link.yaml" ] && [ -e "$T/outside/secret" ] ||
        fail "something was deleted"
rm -f "$C/link.yaml" "$C/shadow.yaml" "$C/fifo.yaml" "$C/sock.yaml" "$C/new"$'\n'"line.yaml" "$C/hardlink.yaml"

echo "== full /var: the proven write fails cleanly, the old last known good stays"
state_set armed=1 tries=1 boot_seq=6
head -c 300000 /dev/urandom >"$C/big.yaml"
before=$(state_get)
old_manifest=$(cat "$LIB/manifest")
# A private mount namespace: a user namespace's (no privileges needed),
# or as root a plain one (a chroot, as in a package build, can create no
# user namespace, and its / is no mount point whose propagation could
# change: its namespace is a private one already).
ns=(unshare -Urm)
if [ "$(id -u)" = 0 ]; then
        ns=(unshare -m)
        unshare -m true 2> /dev/null || ns=(unshare -m --propagation unchanged)
fi
# A tiny tmpfs over /var/lib/lastgood in a private user+mount namespace
# (no privilege needed; the host's /var is never filled).
"${ns[@]}" bash -c '
        set -e
        lib=$1; shift
        cp -a "$lib" "$lib.saved"
        mount -t tmpfs -o size=2m tmpfs "$lib"
        cp -a "$lib.saved/." "$lib/"
        rm -rf "$lib.saved"
        dd if=/dev/zero of="$lib/filler" bs=4k 2>/dev/null || true
        rc=0
        "$@" || rc=$?
        echo "rc=$rc" >"$lib/../rc"
        cat "$lib/manifest" >"$lib/../manifest-seen"
        # Room again: the next attempt must succeed.
        rm -f "$lib/filler"
        if "$@"; then echo ok >"$lib/../second"; fi
' _ "$LIB" "$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log"
[ "$(cat "$ROOT/var/lib/rc")" = rc=1 ] || fail "proven write on a full /var: $(cat "$ROOT/var/lib/rc")"
grep -q "No space left on device" "$T/daemon.log" || fail "ENOSPC not reported"
[ "$(cat "$ROOT/var/lib/manifest-seen")" = "$old_manifest" ] || fail "old manifest damaged on a full /var"
[ -e "$ROOT/var/lib/second" ] || fail "proven write did not succeed once there was room"
[ "$before" != "$(state_get)" ] && state_has armed=0 || fail "hot record after the second attempt"
[ -e "$C/big.yaml" ] || fail "content deleted"

echo "== the journal unavailable: events on stderr, the daemon works, spool kept"
state_set armed=1 tries=1 boot_seq=7
printf 'MESSAGE_ID=%s\nPRIORITY=5\nSYSLOG_IDENTIFIER=lastgood\nMESSAGE=spooled while no journal\n\n' \
        "$MSG_COUNTED" >"$ROOT/run/lastgood/events"
rm -f "$ROOT/run/lastgood/events.sent"
: >"$T/nojournal.log"
# Hide any journald socket in a private mount namespace.
"${ns[@]}" bash -c '[ ! -d /run/systemd ] || mount -t tmpfs tmpfs /run/systemd; exec "$@"' _ \
        "$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/nojournal.log" || fail "no journal: failed"
state_has armed=0 tries=0 || fail "no journal: not proven"
grep -q "lastgood: Boot proven" "$T/nojournal.log" || fail "no journal: event not on stderr"
grep -q "stay spooled" "$T/nojournal.log" || fail "no journal: spool not kept"
# Later, with a journal (here the export), the spool goes exactly once.
prove || fail "forwarding later"
prove || fail "forwarding later, again"
n=$(journal_json MESSAGE_ID="$MSG_COUNTED" | grep -c "spooled while no journal" || true)
[ "$n" = 1 ] || fail "spooled event forwarded $n times"

echo "== no service manager, no /proc/cmdline: ready, never healthy, clean stop"
rm -f "$ROOT/proc/cmdline"
BUS_ADDR=unix:path=/nonexistent/bus
state_set armed=1 tries=1 boot_seq=8
wd_start --stable-sec=0 --prove-sec=0
sleep 0.5
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "healthy without a service manager"
grep -q "No connection to the service manager" "$T/daemon.log" || fail "missing bus not reported"
wd_stop || fail "stop without a bus"
state_has armed=1 tries=1 || fail "state changed without a bus"
echo OK
