# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers of the lastgood-watchdog daemon tests (sourced).
# Every test gets a temporary root, its own D-Bus daemon with a stub of the
# service manager, and a notify socket; everything is torn down on exit.

: "${top_builddir:?}" "${top_srcdir:?}"
WD="$top_builddir/lastgood-watchdog"
# The test build of the daemon: the same code plus the test hooks
# (--crash-after-step, --test-module-add) that the shipped one lacks.
WD_TEST="$top_builddir/tests/integration/lastgood-watchdog-test"
STUB="$top_srcdir/tests/integration/watchdog-systemd-stub.py"
NOTIFY="$top_srcdir/tests/integration/watchdog-notify.py"
KVER=6.1.0-lgtest
# Debian's interpreter: python3-dbus and python3-gi are installed for it
# (a python3 earlier on PATH, e.g. pyenv, may lack them).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9
JOURNAL_REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$JOURNAL_REMOTE" ] || JOURNAL_REMOTE=/usr/lib/systemd/systemd-journal-remote

T=$(mktemp -d)
ROOT="$T/root"
PIDS=()
DPID=
BUS_PID=
BUS_ADDR=
SYSBUS_ADDR=

wd_cleanup() {
        local p
        [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null || true
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null || true
        rm -rf "$T"
}
trap wd_cleanup EXIT

fail() {
        echo "FAIL: $*" >&2
        echo "  hot record: $(state_get)" >&2
        [ -f "$T/daemon.log" ] && sed 's/^/  daemon: /' "$T/daemon.log" | tail -n 40 >&2
        exit 1
}

# wait_for TENTHS CMD...: poll until CMD succeeds.
wait_for() {
        local n=$1
        shift
        for ((i = 0; i < n; i++)); do
                if "$@"; then return 0; fi
                sleep 0.1
        done
        return 1
}

wd_setup_root() {
        mkdir -p "$ROOT"/{proc/sys/kernel,etc/lastgood/health.d,etc/lastgood/agents.d,var/lib/lastgood,run/lastgood} \
                "$ROOT"/{sys/firmware/efi/efivars,etc/falco/rules.d} "$ROOT/lib/modules/$KVER/kernel" \
                "$ROOT/lib/modules/$KVER/extra"
        echo 0 >"$ROOT/proc/sys/kernel/tainted"
        echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet" >"$ROOT/proc/cmdline"
        cat >"$ROOT/etc/lastgood/agents.d/falco.conf" <<'CONF'
[Agent]
Units=falco.service
Content=/etc/falco/rules.d/*
OnSafeMode=rollback
CONF
        echo "rule: one" >"$ROOT/etc/falco/rules.d/a.yaml"
        echo "rule: two" >"$ROOT/etc/falco/rules.d/b.yaml"
        export EFIVARFS_PATH="$ROOT/sys/firmware/efi/efivars/" LIBEFIVAR_OPS=efivarfs
}

# The hot record, read and written as the store keeps it (efivarfs: a
# 4-byte attribute header, then the 32-byte record of efi/record.c).
STATE_VAR() { echo "$ROOT/sys/firmware/efi/efivars/LastGoodState-$GUID"; }
QUAR_VAR() { echo "$ROOT/sys/firmware/efi/efivars/LastGoodQuarantine-$GUID"; }

# state_set armed=1 tries=1 ...
state_set() {
        python3 "$top_srcdir/tests/integration/hot-record.py" "$(STATE_VAR)" "$@"
}

# state_get: "armed=1 unproven=0 tries=0 level=0 boot_seq=5 last_proven=…"
state_get() {
        python3 - "$(STATE_VAR)" <<'PY'
import struct, sys, zlib
try:
    d = open(sys.argv[1], "rb").read()[4:]
except FileNotFoundError:
    print("none"); sys.exit(0)
if len(d) != 32 or d[:4] != b"LGST" or struct.unpack("<I", d[28:])[0] != zlib.crc32(d[:28]):
    print("corrupt"); sys.exit(0)
seq, lp, cs = struct.unpack("<IQI", d[8:24])
print("armed=%d unproven=%d tries=%d level=%d boot_seq=%d last_proven=%d" %
      (d[5] & 1, (d[5] >> 1) & 1, d[6], d[7], seq, lp))
PY
}

state_has() { # state_has armed=1 tries=0 ...
        local s
        s=" $(state_get) "
        for kv in "$@"; do
                [[ "$s" == *" $kv "* ]] || return 1
        done
}

bus_start() {
        local out
        out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
        BUS_ADDR=$(echo "$out" | sed -n 1p)
        BUS_PID=$(echo "$out" | sed -n 2p)
        [ -n "$BUS_ADDR" ] || fail "no dbus-daemon"
        # A stub of an earlier bus_start left its ready file: without this,
        # a call could reach the new bus before the new stub owns the name
        # (and dbus-daemon would then try to activate the real manager).
        rm -f "$T/stub.ready"
        DBUS_SESSION_BUS_ADDRESS="$BUS_ADDR" "$PY" "$STUB" "$T/stub.ready" "$@" 2>"$T/stub.log" &
        PIDS+=($!)
        wait_for 100 test -s "$T/stub.ready" || fail "systemd stub did not start: $(cat "$T/stub.log")"
}

# The manager on systemd's private socket under the root: the stub as a
# D-Bus server, each client a direct peer; no D-Bus daemon anywhere. The
# daemon is then started without --bus-address and finds it under --root.
# private_start ARGS...: UNIT=STATE as for bus_start.
STUB_PEER=
STUB_PID=
private_start() {
        mkdir -p "$ROOT/run/systemd"
        rm -f "$T/stub.ready"
        "$PY" "$STUB" "$T/stub.ready" --private="$ROOT/run/systemd/private" "$@" 2>"$T/stub.log" &
        STUB_PID=$!
        PIDS+=($STUB_PID)
        wait_for 100 test -s "$T/stub.ready" || fail "private-socket stub did not start: $(cat "$T/stub.log")"
        STUB_PEER="unix:path=$ROOT/run/systemd/private"
        BUS_ADDR=
}

# A D-Bus daemon at the system bus socket under the root (with the stub on
# it when asked: sysbus_start [--no-manager] ARGS...).
sysbus_start() {
        local out manager=1
        if [ "${1:-}" = --no-manager ]; then manager=0; shift; fi
        mkdir -p "$ROOT/run/dbus"
        out=$(dbus-daemon --session --address="unix:path=$ROOT/run/dbus/system_bus_socket" --fork \
                --print-address=1 --print-pid=1)
        SYSBUS_ADDR=$(echo "$out" | sed -n 1p)
        BUS_PID=$(echo "$out" | sed -n 2p)
        [ -n "$SYSBUS_ADDR" ] || fail "no dbus-daemon at the system bus socket"
        BUS_ADDR=
        STUB_PEER=
        [ $manager = 1 ] || return 0
        rm -f "$T/stub.ready"
        DBUS_SESSION_BUS_ADDRESS="$SYSBUS_ADDR" "$PY" "$STUB" "$T/stub.ready" "$@" 2>"$T/stub.log" &
        STUB_PID=$!
        PIDS+=($STUB_PID)
        wait_for 100 test -s "$T/stub.ready" || fail "systemd stub did not start: $(cat "$T/stub.log")"
}

stub() { # stub METHOD ARGS... (org.lastgood.Test)
        local to=--bus="${BUS_ADDR:-$SYSBUS_ADDR}"
        [ -z "$STUB_PEER" ] || to=--peer="$STUB_PEER"
        dbus-send "$to" --print-reply --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1 \
                "org.lastgood.Test.$1" "${@:2}" >/dev/null
}
boot_complete() { stub FinishJob string:boot-complete.target string:done; }
shutdown_queued() { stub SetUnit string:shutdown.target string:inactive uint32:42; }

# wd_start ARGS...: the real daemon, with the test's notify socket.
NPID=
wd_start() {
        [ -n "$NPID" ] && kill "$NPID" 2>/dev/null || true
        rm -f "$T/notify.sock" "$T/notify.log"
        "$PY" "$NOTIFY" "$T/notify.sock" "$T/notify.log" &
        NPID=$!
        PIDS+=($NPID)
        wait_for 50 test -S "$T/notify.sock" || fail "notify listener did not start"
        NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC="${WD_WATCHDOG_USEC:-1000000}" \
                "$WD" --root="$ROOT" --kernel-release="$KVER" ${BUS_ADDR:+--bus-address="$BUS_ADDR"} \
                --journal-export="$T/export" --no-module-watch "$@" 2>>"$T/daemon.log" &
        DPID=$!
        wait_for 100 grep -q "READY=1" "$T/notify.log" || fail "daemon not ready"
}

# wd_stop: SIGTERM and wait; returns the exit status.
wd_stop() {
        local rc=0
        kill -TERM "$DPID"
        wait "$DPID" || rc=$?
        DPID=
        return $rc
}

wd_kill() {
        kill -9 "$DPID"
        wait "$DPID" 2>/dev/null || true
        DPID=
}

# journal_import: the exported events through systemd-journal-remote into a
# journal file, printed by journalctl as JSON (one entry a line).
journal_json() {
        rm -rf "$T/journal"
        mkdir -p "$T/journal"
        "$JOURNAL_REMOTE" --output="$T/journal/remote.journal" "$T/export" 2>"$T/journal-remote.log" ||
                fail "journal-remote: $(cat "$T/journal-remote.log")"
        journalctl --file="$T/journal/remote.journal" -o json --no-pager "$@"
}

MSG_HEALTHY=c4e37499c9ef4c4eb05e8cc6773f08ce
MSG_PROVEN=7c3647799b584874825ece8b306b803b
MSG_UNHEALTHY=1ad7ae27e18e41ed99f2fa0b506c8ae5
MSG_ARMED=b83179c7853e45618ad897dcd4ce5248
MSG_WITHHELD=202bb5539a0b41fb99c1ed313c3c5435
MSG_COUNTED=f512fca8badc4407aed2807c102a59a3
MSG_CORRUPT=b01d199650a743cda75439e341b24aa1
