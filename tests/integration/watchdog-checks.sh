#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile health checks in /etc/lastgood/health.d/: each one that hangs,
# fork-bombs, prints megabytes or dies by a signal is a failure, bounded by
# CheckTimeoutSec=, and leaves no process behind; none can hang the
# watchdog. Each alone through --check (lastgood-check.service), then all
# of them at once in the daemon.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

wd_setup_root
H="$ROOT/etc/lastgood/health.d"
TAG="lgtest$$"

mkcheck() { # mkcheck NAME BODY
        printf '#!/bin/bash\n# %s\n%s\n' "$TAG" "$2" >"$H/$1"
        chmod +x "$H/$1"
}
leftovers() { pgrep -f "$TAG" || true; }

# check_alone NAME BODY EXPECTED-REASON: --check fails, in bounded time,
# with the reason in the log, and nothing of the check is left running.
check_alone() {
        local name=$1 body=$2 reason=$3 rc=0 t0 t1
        rm -f "$H"/*
        mkcheck "$name" "$body"
        : >"$T/check.log"
        t0=$(date +%s%N)
        "$WD" --root="$ROOT" --kernel-release="$KVER" --check --check-timeout-sec=2 \
                --bus-address=unix:path=/nonexistent 2>"$T/check.log" || rc=$?
        t1=$(date +%s%N)
        [ "$rc" = 1 ] || fail "$name: --check exited $rc"
        grep -q "Health check $name $reason" "$T/check.log" || fail "$name: no '$reason' in: $(cat "$T/check.log")"
        [ $(((t1 - t0) / 1000000)) -lt 6000 ] || fail "$name took $(((t1 - t0) / 1000000)) ms"
        wait_for 30 test -z "$(leftovers)" || fail "$name left processes: $(leftovers)"
        echo "ok: $name ($(((t1 - t0) / 1000000)) ms)"
}

echo "== a passing check, and one leaving a background process behind"
mkcheck pass 'exit 0'
mkcheck background "sleep 600 & exit 0"
"$WD" --root="$ROOT" --kernel-release="$KVER" --check --check-timeout-sec=2 2>"$T/check.log" ||
        fail "passing checks failed: $(cat "$T/check.log")"
wait_for 30 test -z "$(leftovers)" || fail "background process left: $(leftovers)"

check_alone hang 'sleep 600' "did not finish within 2 s, killed"
check_alone forkbomb 'while :; do (sleep 600 &) ; done' "did not finish within 2 s, killed"
check_alone flood 'yes "megabytes of output"' "printed more than 1048576 bytes, killed"
check_alone segv 'kill -SEGV $$' "killed by signal SEGV"
check_alone exit3 'echo "disk check failed"; exit 3' "exited with status 3"
grep -q "disk check failed" "$T/check.log" || fail "output of a failing check not logged"

echo "== all at once in the daemon: unhealthy, bounded, the daemon stays alive"
rm -f "$H"/*
mkcheck a-pass 'exit 0'
mkcheck b-hang 'sleep 600'
mkcheck c-forkbomb 'while :; do (sleep 600 &) ; done'
mkcheck d-flood 'yes "megabytes of output"'
mkcheck e-segv 'kill -SEGV $$'
bus_start boot-complete.target=inactive
state_set armed=1 tries=1 boot_seq=3
WD_WATCHDOG_USEC=400000 wd_start --stable-sec=0 --prove-sec=0 --check-timeout-sec=2
boot_complete
wait_for 100 grep -q "Boot unhealthy" "$T/daemon.log" || fail "no unhealthy verdict"
for c in b-hang c-forkbomb d-flood e-segv; do
        grep "Boot unhealthy" "$T/daemon.log" | grep "$c" >/dev/null || fail "reason lacks $c"
done
grep "Boot unhealthy" "$T/daemon.log" | grep "a-pass" >/dev/null && fail "a passing check was blamed"
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "healthy despite failing checks"
state_has armed=1 tries=1 unproven=0 || fail "state changed by an unhealthy boot"
# The watchdog was fed while the checks ran (2 s > 0.4 s).
n=$(grep -c WATCHDOG=1 "$T/notify.log" || true)
[ "$n" -ge 4 ] || fail "watchdog not fed during checks ($n pings)"
# Truncated output in the log, the daemon's memory bounded.
grep -q "output (.*truncated)" "$T/daemon.log" || fail "flood output not truncated"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$DPID/status")
[ "$rss" -lt 16384 ] || fail "daemon RSS $rss kB after the flood"
wait_for 30 test -z "$(leftovers)" || fail "processes left: $(leftovers)"
journal_json MESSAGE_ID="$MSG_UNHEALTHY" | grep '"LASTGOOD_REASON":".*b-hang' >/dev/null || fail "unhealthy event lacks reason"
wd_stop || fail "daemon did not stop cleanly"
echo OK
