#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Health check tiers and the taint letters that count, through the real
# watchdog: health.d/required/ (and health.d/ itself) fail the boot,
# health.d/wanted/ is reported and never counted, in --check mode
# (lastgood-check.service) and in the daemon; [Health] TaintFlags= chooses
# the kernel taint letters that make a boot unhealthy (default D W L; K, a
# live patch, is bit 15 and never counts by default).
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

wd_setup_root
H="$ROOT/etc/lastgood/health.d"
mkdir -p "$H/required" "$H/wanted"
n=0
ok() {
        n=$((n + 1))
        echo "ok $n - $*"
}
mkcheck() { # mkcheck PATH EXIT
        printf '#!/bin/sh\necho "check %s says %s"\nexit %s\n' "$1" "$2" "$2" >"$H/$1"
        chmod +x "$H/$1"
}
check_mode() { # check_mode: --check's exit status; its log in $T/check.log
        local rc=0
        "$WD" --root="$ROOT" --kernel-release="$KVER" --check --check-timeout-sec=5 \
                --bus-address=unix:path=/nonexistent 2>"$T/check.log" || rc=$?
        echo "$rc"
}

echo "== --check: a failing wanted check is reported, not counted"
mkcheck required/disk 0
mkcheck wanted/backup 1
mkcheck top 0
[ "$(check_mode)" = 0 ] || fail "--check failed on a wanted check: $(cat "$T/check.log")"
grep -q "Wanted health check wanted/backup failed (not counted)" "$T/check.log" || fail "wanted failure not reported"
ok "--check: wanted/backup fails, exit 0, reported"

mkcheck required/disk 3
[ "$(check_mode)" = 1 ] || fail "--check passed with a failing required check"
grep -q "Health check required/disk " "$T/check.log" || fail "required failure not named: $(cat "$T/check.log")"
ok "--check: required/disk fails, exit 1, named with its tier"
mkcheck required/disk 0
mkcheck top 2
[ "$(check_mode)" = 1 ] || fail "--check passed with a failing top-level check"
ok "--check: a check directly in health.d/ is required"
mkcheck top 0

echo "== daemon: wanted failures do not stop healthy"
bus_start boot-complete.target=inactive
state_set armed=1 tries=1 boot_seq=3
wd_start --stable-sec=0 --prove-sec=3600
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "a failing wanted check kept the boot from healthy"
grep -q "Wanted health check wanted/backup failed (not counted)" "$T/daemon.log" || fail "daemon: wanted not reported"
wd_stop || fail "stop"
ok "daemon: healthy with a failing wanted check, reported in the log"

rm -f "$ROOT/run/lastgood/healthy"
mkcheck required/disk 1
stub SetUnit string:boot-complete.target string:inactive uint32:0
wd_start --stable-sec=0 --prove-sec=3600
boot_complete
wait_for 100 grep -q "Boot unhealthy: .*health check required/disk" "$T/daemon.log" || fail "daemon: required not counted"
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "healthy with a failing required check"
wd_stop || fail "stop"
ok "daemon: a failing required check makes the boot unhealthy"
mkcheck required/disk 0
rm -f "$H/wanted/backup"

# taint_boot VALUE: a boot where the kernel taint becomes VALUE after the
# daemon started; "healthy" or "unhealthy" in $VERDICT (not printed: a
# command substitution would wait for the daemon's helpers).
taint_boot() {
        rm -f "$ROOT/run/lastgood/healthy"
        : >"$T/daemon.log"
        echo 0 >"$ROOT/proc/sys/kernel/tainted"
        stub SetUnit string:boot-complete.target string:inactive uint32:0
        wd_start --stable-sec=0 --prove-sec=3600
        echo "$1" >"$ROOT/proc/sys/kernel/tainted"
        boot_complete
        wait_for 100 sh -c "test -e '$ROOT/run/lastgood/healthy' || grep -q 'Boot unhealthy' '$T/daemon.log'" ||
                fail "no verdict for taint $1"
        wd_stop >/dev/null 2>&1 || fail "stop"
        if [ -e "$ROOT/run/lastgood/healthy" ]; then VERDICT=healthy; else VERDICT=unhealthy; fi
}
# expect_taint VALUE VERDICT MESSAGE
expect_taint() {
        taint_boot "$1"
        [ "$VERDICT" = "$2" ] || fail "$3"
}

echo "== taint letters"
expect_taint 512 unhealthy "default: a new W (512) did not count"
grep -q "kernel taint W appeared" "$T/daemon.log" || fail "the letter is not named"
expect_taint 16384 unhealthy "default: a soft lockup L (bit 14) did not count"
expect_taint 32768 healthy "default: a live patch K (bit 15) counted"
ok "default TaintFlags: W and L (bit 14) count, K (bit 15) does not"
printf '[Health]\nTaintFlags=D\n' >"$ROOT/etc/lastgood/lastgood.conf"
expect_taint 512 healthy "TaintFlags=D: a W counted"
expect_taint 128 unhealthy "TaintFlags=D: a D did not count"
ok "TaintFlags=D: only an oops counts"
printf '[Health]\nTaintFlags=\n' >"$ROOT/etc/lastgood/lastgood.conf"
expect_taint 128 healthy "TaintFlags= (empty): a D counted"
ok "TaintFlags= empty: no taint counts"
printf '[Health]\nTaintFlags=D Q\n' >"$ROOT/etc/lastgood/lastgood.conf"
expect_taint 512 unhealthy "a bad TaintFlags= did not keep the default"
grep -q "TaintFlags=.*not taint letters" "$T/daemon.log" || fail "a bad TaintFlags= is not reported"
ok "a bad TaintFlags= is reported and the default kept"
echo "# $n checks"
