#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgood-watchdog reaches the service manager without a D-Bus daemon, over
# systemd's private socket (ROOT/run/systemd/private: the stub as a D-Bus
# server, every client a direct peer), and over the system bus found under
# --root (ROOT/run/dbus/system_bus_socket). On both: boot-complete.target's
# JobRemoved signal (no sender on a direct connection), RequireUnits=,
# healthy, proven at an orderly shutdown, neutral shutdown before healthy,
# a mere stop. Fallbacks: a stale system bus socket, a system bus without
# the manager on it, the D-Bus daemon gone while waiting for boot-complete
# (connected again), nothing at the start and the manager later (the stop
# asks again; the retry connects), nothing at all (fail open).
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

wd_setup_root
PRIVATE="$ROOT/run/systemd/private"

subscribers() {
        local to=--bus="${BUS_ADDR:-$SYSBUS_ADDR}"
        [ -z "$STUB_PEER" ] || to=--peer="$STUB_PEER"
        dbus-send "$to" --print-reply=literal --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1 \
                org.lastgood.Test.Subscribers | awk '{ print $2 }'
}
stub_stop() {
        [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null || true
        [ -n "$STUB_PID" ] && wait "$STUB_PID" 2>/dev/null || true
        STUB_PID=
}
bus_stop() {
        [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null || true
        BUS_PID=
        rm -f "$ROOT/run/dbus/system_bus_socket"
}
# lifecycle NAME: healthy then proven at an orderly shutdown, over whatever
# connection the test set up.
lifecycle() {
        local name=$1 before
        before=$(subscribers)
        stub SetUnit string:boot-complete.target string:inactive uint32:0
        stub SetUnit string:shutdown.target string:inactive uint32:0
        echo "rule: $name" >"$ROOT/etc/falco/rules.d/$name.yaml"
        state_set armed=1 tries=1 boot_seq=20
        rm -f "$ROOT/run/lastgood/healthy"
        : >"$T/daemon.log"
        wd_start --stable-sec=0 --prove-sec=3600
        wait_for 50 test "$(subscribers)" -gt "$before" || fail "$name: the daemon did not subscribe ($(subscribers))"
        [ ! -e "$ROOT/run/lastgood/healthy" ] || fail "$name: healthy before boot-complete.target"
        boot_complete
        wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "$name: JobRemoved not seen, never healthy"
        state_has armed=1 tries=1 unproven=0 || fail "$name: healthy wrote the hot record"
        shutdown_queued
        wd_stop || fail "$name: stop at shutdown"
        state_has armed=0 tries=0 unproven=0 || fail "$name: the orderly shutdown after healthy did not prove"
        grep -q "$name.yaml" "$ROOT/var/lib/lastgood/manifest" || fail "$name: manifest lacks the new content"
        ! grep -q "Cannot tell a shutdown" "$T/daemon.log" || fail "$name: shutdown not told from a stop"
}

echo "== no D-Bus daemon: the private socket"
private_start boot-complete.target=inactive
[ -S "$PRIVATE" ] || fail "no socket at $PRIVATE"
[ ! -e "$ROOT/run/dbus/system_bus_socket" ] || fail "a system bus socket in the test root"
lifecycle private
grep -q "talking to the service manager over its private socket /run/systemd/private" "$T/daemon.log" ||
        fail "the private socket is not reported: $(cat "$T/daemon.log")"
! grep -q "No connection to the service manager" "$T/daemon.log" || fail "private: no connection reported"

echo "== private socket: neutral shutdown before healthy"
stub SetUnit string:boot-complete.target string:inactive uint32:0
stub SetUnit string:shutdown.target string:inactive uint32:0
state_set armed=1 tries=2 boot_seq=21
wd_start --stable-sec=0 --prove-sec=3600
wait_for 50 test "$(subscribers)" -ge 1 || fail "neutral: not subscribed"
shutdown_queued
wd_stop || fail "neutral: stop"
state_has armed=1 tries=1 unproven=0 || fail "private: the shutdown before healthy was not neutral"

echo "== private socket: a mere stop after healthy records nothing"
stub SetUnit string:boot-complete.target string:inactive uint32:0
stub SetUnit string:shutdown.target string:inactive uint32:0
state_set armed=1 tries=1 boot_seq=22
rm -f "$ROOT/run/lastgood/healthy"
wd_start --stable-sec=0 --prove-sec=3600
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "stop: not healthy"
wd_stop || fail "stop"
state_has armed=1 tries=1 || fail "private: a stop proved the boot"
grep -q "Stopped without a shutdown" "$T/daemon.log" || fail "private: the stop was not told from a shutdown"

echo "== private socket: RequireUnits= read over it (--check and the daemon)"
printf '[Health]\nRequireUnits=falco.service\n' >"$ROOT/etc/lastgood/lastgood.conf"
stub SetUnit string:falco.service string:failed uint32:0
rc=0
"$WD" --root="$ROOT" --kernel-release="$KVER" --check 2>"$T/check.log" || rc=$?
[ $rc = 1 ] || fail "--check with falco.service failed: exit $rc"
grep -q "Required unit falco.service is failed" "$T/check.log" || fail "--check: $(cat "$T/check.log")"
stub SetUnit string:falco.service string:active uint32:0
"$WD" --root="$ROOT" --kernel-release="$KVER" --check 2>"$T/check.log" || fail "--check, all active: $(cat "$T/check.log")"
stub SetUnit string:falco.service string:failed uint32:0
stub SetUnit string:boot-complete.target string:inactive uint32:0
state_set armed=1 tries=1 boot_seq=23
rm -f "$ROOT/run/lastgood/healthy"
wd_start --stable-sec=0 --prove-sec=3600
boot_complete
wait_for 100 grep -q "falco.service is failed" "$T/daemon.log" || fail "daemon: RequireUnits= not read over the private socket"
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "healthy with a failed required unit"
wd_stop || fail "stop after unhealthy"
rm -f "$ROOT/etc/lastgood/lastgood.conf" "$ROOT/run/lastgood/healthy"

echo "== a stale system bus socket (nobody listening): the private socket"
mkdir -p "$ROOT/run/dbus"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' \
        "$ROOT/run/dbus/system_bus_socket"
lifecycle stale
grep -q "No system bus (Connection refused): talking to the service manager over its private socket" "$T/daemon.log" ||
        fail "stale: $(cat "$T/daemon.log")"
rm -f "$ROOT/run/dbus/system_bus_socket"
stub_stop

echo "== the system bus under --root"
rm -f "$PRIVATE"
sysbus_start boot-complete.target=inactive
lifecycle sysbus
! grep -q "private socket" "$T/daemon.log" || fail "sysbus: used the private socket"

echo "== the system bus goes away before boot-complete: connected again over the private socket"
stub SetUnit string:boot-complete.target string:inactive uint32:0
stub SetUnit string:shutdown.target string:inactive uint32:0
before=$(subscribers)
private_start boot-complete.target=inactive
STUB_PEER=
state_set armed=1 tries=1 boot_seq=24
rm -f "$ROOT/run/lastgood/healthy"
: >"$T/daemon.log"
wd_start --stable-sec=0 --prove-sec=3600
wait_for 50 test "$(subscribers)" -gt "$before" || fail "gone: not subscribed on the system bus"
bus_stop
STUB_PEER="unix:path=$PRIVATE"
wait_for 100 grep -q "Connected to the service manager again" "$T/daemon.log" || fail "gone: $(cat "$T/daemon.log")"
grep -q "Lost the connection to the service manager" "$T/daemon.log" || fail "gone: the loss was not reported"
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "gone: JobRemoved over the private socket not seen"
shutdown_queued
wd_stop || fail "gone: stop"
state_has armed=0 unproven=0 tries=0 || fail "gone: the shutdown after healthy did not prove"
stub_stop

echo "== nothing at the start, the private socket later: the shutdown is still told"
rm -f "$PRIVATE"
STUB_PEER=
state_set armed=1 tries=2 boot_seq=25
rm -f "$ROOT/run/lastgood/healthy"
: >"$T/daemon.log"
wd_start --stable-sec=0 --prove-sec=3600
grep -q "No connection to the service manager" "$T/daemon.log" || fail "late: no connection not reported"
private_start boot-complete.target=inactive shutdown.target=inactive
shutdown_queued
wd_stop || fail "late: stop"
state_has armed=1 tries=1 unproven=0 || fail "late: the shutdown before healthy was not neutral"
grep -Eq "Asked the service manager again over its private socket|Connected to the service manager again" \
        "$T/daemon.log" || fail "late: $(cat "$T/daemon.log")"
stub_stop

echo "== nothing at the start, the private socket later: connected again, healthy, proven"
rm -f "$PRIVATE"
STUB_PEER=
state_set armed=1 tries=1 boot_seq=26
rm -f "$ROOT/run/lastgood/healthy"
: >"$T/daemon.log"
wd_start --stable-sec=0 --prove-sec=3600
private_start boot-complete.target=inactive shutdown.target=inactive
wait_for 150 grep -q "Connected to the service manager again" "$T/daemon.log" || fail "retry: $(cat "$T/daemon.log")"
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "retry: never healthy"
shutdown_queued
wd_stop || fail "retry: stop"
state_has armed=0 unproven=0 tries=0 || fail "retry: not proven at the shutdown"
stub_stop

echo "== a system bus without the manager on it: the private socket"
rm -f "$PRIVATE"
sysbus_start --no-manager
private_start boot-complete.target=inactive
lifecycle nomanager
grep -q "talking to the service manager over its private socket" "$T/daemon.log" || fail "nomanager: $(cat "$T/daemon.log")"
stub_stop
bus_stop

echo "== a root whose path must be escaped in a D-Bus address"
ODD="$T/odd root,;=%é"
mkdir -p "$ODD/etc/lastgood" "$ODD/proc" "$ODD/run/systemd"
echo "root=/dev/sda1" >"$ODD/proc/cmdline"
printf '[Health]\nRequireUnits=falco.service\n' >"$ODD/etc/lastgood/lastgood.conf"
"$PY" "$STUB" "$T/odd.ready" --private="$ODD/run/systemd/private" falco.service=active 2>"$T/odd.log" &
PIDS+=($!)
wait_for 100 test -s "$T/odd.ready" || fail "odd root: stub did not start: $(cat "$T/odd.log")"
[ -S "$ODD/run/systemd/private" ] || fail "odd root: no socket"
"$WD" --root="$ODD" --kernel-release="$KVER" --check 2>"$T/check.log" || fail "odd root: $(cat "$T/check.log")"
grep -q "over its private socket" "$T/check.log" || fail "odd root: $(cat "$T/check.log")"

echo "== neither: ready, never healthy, a stop records nothing (fail open)"
rm -f "$PRIVATE"
STUB_PEER=
state_set armed=1 tries=1 boot_seq=27
rm -f "$ROOT/run/lastgood/healthy"
: >"$T/daemon.log"
wd_start --stable-sec=0 --prove-sec=0
sleep 0.5
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "neither: healthy without a service manager"
grep -q "No connection to the service manager (No such file or directory)" "$T/daemon.log" ||
        fail "neither: $(cat "$T/daemon.log")"
wd_stop || fail "neither: stop"
state_has armed=1 tries=1 || fail "neither: state changed"
echo OK
