#!/bin/bash
# Every failure ends in a reset (DESIGN.md; lib/reset/reset.h), through
# lastgood-early pre-udev and pre-switch under a temporary root whose
# /proc/sys/kernel/{panic,panic_on_oops,softlockup_panic,hardlockup_panic}
# are plain files and whose /dev/watchdog0 is a plain file that the test
# build lastgood-early-wdt (tests/unit/wdt-emul.c) makes behave as a
# watchdog driver: ioctls logged to dev/watchdog0.log, the magic 'V'
# written into the file. After every boot: the exact /proc/sys values, the
# device's log, /run/lastgood/reset and the reset-on-failure events.
# Steady and armed boots, an armed boot at pre-switch, the administrator's
# values and command line (kept), each [Boot] key off, recovery exhausted,
# lastgood.mode=off, and the bad inputs: no watchdog device and no softdog,
# a busy device, /proc/sys read-only or missing, /run/lastgood/reset not
# writable (the deadline is stopped again: nobody could release it).
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"
EARLY=$top_builddir/tests/integration/lastgood-early-wdt
CTL=$top_builddir/lastgoodctl
# status_reset: lastgoodctl status --json's reset_on_failure, one
# "name status in_force value device" line each.
status_reset() {
        { "$CTL" --root="$R" status --json || true; } | python3 -c '
import json, sys
for i in json.load(sys.stdin)["reset_on_failure"]:
    print(i["name"], i["status"], str(i["in_force"]).lower(), i["value"], i["device"] or "-")'
}

make_roots
K=$R/proc/sys/kernel
# set_proc P O S H: the four files ("-": absent); the device file is new.
set_proc() {
        local f v vals=("$@")
        mkdir -p "$K"
        for f in panic panic_on_oops softlockup_panic hardlockup_panic; do
                v=${vals[0]}
                vals=("${vals[@]:1}")
                if [ "$v" = - ]; then rm -f "$K/$f"; else echo "$v" > "$K/$f"; fi
        done
        rm -f "$R/dev/watchdog0" "$R/dev/watchdog0.log"
        : > "$R/dev/watchdog0"
}
expect_proc() {
        local got
        got=$(for f in panic panic_on_oops softlockup_panic hardlockup_panic; do
                cat "$K/$f" 2>/dev/null || echo -; done | tr '\n' ' ')
        [ "$got" = "$* " ] || fail "/proc/sys/kernel is '$got', expected '$* '"
        check
}
# expect_device LOG CONTENT: dev/watchdog0.log and dev/watchdog0
# ("-": absent).
expect_device() {
        local log content
        log=$(cat "$R/dev/watchdog0.log" 2>/dev/null || echo -)
        content=$(cat "$R/dev/watchdog0" 2>/dev/null || echo -)
        [ "$log" = "$1" ] || fail "watchdog log is '$log', expected '$1'"
        [ "$content" = "$2" ] || fail "watchdog device holds '$content', expected '$2'"
        check
}
expect_reset_events() {
        if [ "$(spool_messages reset)" != "$(printf '%s\n' "$@")" ]; then
                diff -u <(printf '%s\n' "$@") <(spool_messages reset) >&2 || true
                fail "reset events differ"
        fi
        check
}
ALL_SET=(
        "kernel.panic set to 10 for this armed boot: a panic reboots after 10 s"
        "kernel.panic_on_oops set to 1 for this armed boot: an oops panics"
        "kernel.softlockup_panic set to 1 for this armed boot: a soft lockup panics"
        "kernel.hardlockup_panic set to 1 for this armed boot: a hard lockup panics"
)
HANG_SET="hang reset armed: /dev/watchdog0 resets the host unless the boot reaches boot-complete.target within 900 s"
armed() {
        "$HELPER" "$R" state armed=1 tries=0 level=0 boot_seq=10
}

# --- Steady state: nothing touched, nothing written, nothing said.
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=7
set_proc 0 0 0 0
boot
expect_proc 0 0 0 0
expect_device - ""
expect_no_file "$R/run/lastgood/reset"
expect_reset_events ""
! grep -q 'panic\|watchdog\|hang' "$R/dev/kmsg" || fail "steady state said: $(cat "$R/dev/kmsg")"
check
[ -z "$(status_reset)" ] || fail "status --json: $(status_reset)"
{ "$CTL" --root="$R" status || true; } | grep -x '   On failure: nothing set up this boot (not armed)' >/dev/null || fail "status: $("$CTL" --root="$R" status)"
check
ok "steady host: /proc/sys untouched, watchdog never opened, no /run/lastgood/reset, no event"

# --- Armed (stock Debian kernel: every value 0): all set before udev.
armed
set_proc 0 0 0 0
rm -rf "$R/run" && mkdir -p "$R/run" && : > "$R/dev/kmsg"
pre_udev
expect_proc 10 1 1 1
expect_device "settimeout 900" ""
expect_file "$R/run/lastgood/reset" <<EOF
kernel.panic=set 10 0 -
kernel.panic_on_oops=set 1 0 -
kernel.softlockup_panic=set 1 0 -
kernel.hardlockup_panic=set 1 0 -
hang-reset=set 900 0 /dev/watchdog0
EOF
expect_reset_events "${ALL_SET[@]}" "$HANG_SET"
expect_kmsg "kernel.panic set to 10 for this armed boot"
expect_kmsg "hang reset armed: /dev/watchdog0"
grep -q '^LASTGOOD_ITEM=hang-reset$' "$R/run/lastgood/events" && grep -q '^LASTGOOD_REASON=set$' "$R/run/lastgood/events" ||
        fail "no LASTGOOD_ITEM/LASTGOOD_REASON fields"
check
pre_switch
expect_device "settimeout 900" ""
[ "$(spool_messages reset | wc -l)" = 5 ] || fail "pre-switch reported the settings again"
check
[ "$(status_reset)" = "kernel.panic set true 10 -
kernel.panic_on_oops set true 1 -
kernel.softlockup_panic set true 1 -
kernel.hardlockup_panic set true 1 -
hang-reset set true 900 /dev/watchdog0" ] || fail "status --json: $(status_reset)"
check
{ "$CTL" --root="$R" status || true; } > "$T/status"
grep -qx '   On failure: \[in force\] kernel.panic set to 10 for this armed boot: a panic reboots after 10 s' "$T/status" &&
        grep -qx '               \[in force\] hang reset armed: /dev/watchdog0 resets the host unless the boot reaches boot-complete.target within 900 s' "$T/status" ||
        fail "status: $(cat "$T/status")"
check
ok "armed boot: panic=10, panic_on_oops, softlockup_panic, hardlockup_panic=1, watchdog started for 900 s and left running; once per boot"

# --- Armed only at pre-switch (the real root differs; the image did not).
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=7
set_proc 0 0 0 0
rm -rf "$R/run" && mkdir -p "$R/run" && : > "$R/dev/kmsg"
pre_udev
expect_proc 0 0 0 0
expect_no_file "$R/run/lastgood/reset"
update_module kernel/drivers/misc/vendor_blob.ko
pre_switch
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=8"
expect_proc 10 1 1 1
expect_device "settimeout 900" ""
expect_reset_events "${ALL_SET[@]}" "$HANG_SET"
ok "armed at pre-switch: the same settings, before the switch to the real root"

# --- The administrator's values and words are kept.
armed
set_proc 30 1 0 0
set_cmdline "softlockup_panic=0" "nmi_watchdog=nopanic"
boot
expect_proc 30 1 0 0
expect_file "$R/run/lastgood/reset" <<EOF
kernel.panic=kept 30 0 -
kernel.panic_on_oops=kept 1 0 -
kernel.softlockup_panic=cmdline 0 0 -
kernel.hardlockup_panic=cmdline 0 0 -
hang-reset=set 900 0 /dev/watchdog0
EOF
expect_reset_events "kernel.panic kept at 30 (already set by the kernel or the administrator)" \
        "kernel.panic_on_oops kept at 1 (already set by the kernel or the administrator)" \
        "kernel.softlockup_panic left at 0: the kernel command line sets it" \
        "kernel.hardlockup_panic left at 0: the kernel command line sets it" "$HANG_SET"
[ "$(status_reset)" = "kernel.panic kept true 30 -
kernel.panic_on_oops kept true 1 -
kernel.softlockup_panic cmdline false 0 -
kernel.hardlockup_panic cmdline false 0 -
hang-reset set true 900 /dev/watchdog0" ] || fail "status --json: $(status_reset)"
check
armed
set_proc 0 0 0 0
set_cmdline "panic=0" "oops=panic"
boot
expect_proc 0 0 1 1
grep -qx 'kernel.panic=cmdline 0 0 -' "$R/run/lastgood/reset" || fail "panic=0 on the command line not kept"
check
set_cmdline
ok "administrator's values (kernel.panic=30) and command line (panic=0, oops=, softlockup_panic=, nmi_watchdog=) kept"

# --- Each [Boot] key turns its setting off; the values of the others.
armed
set_proc 0 0 0 0
printf '[Boot]\nPanicRebootSec=0\nPanicOnOops=no\nSoftLockupPanic=no\nHardLockupPanic=no\nHangResetSec=0\n' \
        > "$R/etc/lastgood/lastgood.conf"
boot
expect_proc 0 0 0 0
expect_device - ""
expect_file "$R/run/lastgood/reset" <<EOF
kernel.panic=off 0 0 -
kernel.panic_on_oops=off 0 0 -
kernel.softlockup_panic=off 0 0 -
kernel.hardlockup_panic=off 0 0 -
hang-reset=off 0 0 -
EOF
armed
set_proc 0 0 0 0
printf '[Boot]\nPanicRebootSec=30\nHangResetSec=3min\nPanicOnOops=no\n' > "$R/etc/lastgood/lastgood.conf"
boot
expect_proc 30 0 1 1
expect_device "settimeout 180" ""
rm -f "$R/etc/lastgood/lastgood.conf"
ok "PanicRebootSec=0, PanicOnOops=no, SoftLockupPanic=no, HardLockupPanic=no, HangResetSec=0: nothing touched; PanicRebootSec=30, HangResetSec=3min used"

# --- Recovery exhausted: no hang reset (lastgood gets out of the way).
"$HELPER" "$R" state armed=1 tries=2 level=3 boot_seq=50
set_proc 0 0 0 0
boot
expect_proc 10 1 1 1
expect_device - ""
grep -qx 'hang-reset=skipped 0 0 -' "$R/run/lastgood/reset" || fail "hang reset not skipped when exhausted"
check
ok "recovery exhausted: the panic settings stay, the watchdog is not started"

# --- lastgood.mode=off: nothing touched.
armed
set_proc 0 0 0 0
set_cmdline lastgood.mode=off
boot
expect_proc 0 0 0 0
expect_device - ""
[ -z "$(ls -A "$R/run")" ] || fail "mode=off wrote to /run: $(find "$R/run")"
check
set_cmdline
ok "lastgood.mode=off on an armed host: /proc/sys, the watchdog and /run untouched"

# --- No watchdog device and no softdog module.
armed
set_proc 0 0 0 0
rm -f "$R/dev/watchdog0"
boot
expect_proc 10 1 1 1
grep -qx 'hang-reset=unavailable 0 19 -' "$R/run/lastgood/reset" || fail "$(cat "$R/run/lastgood/reset")"
check
expect_kmsg "hang reset not in force: no watchdog device and no softdog module"
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=11"
ok "no watchdog device, no softdog: reported, the other settings and the counting go on"

# --- A busy device (another program holds it).
armed
set_proc 0 0 0 0
LG_TEST_WDT_BUSY=1 boot
expect_device - ""
grep -qx 'hang-reset=busy 0 16 /dev/watchdog0' "$R/run/lastgood/reset" || fail "$(cat "$R/run/lastgood/reset")"
check
[ "$(status_reset | tail -n 1)" = "hang-reset busy false 0 /dev/watchdog0" ] || fail "status --json: $(status_reset)"
check
expect_kmsg "hang reset not in force: /dev/watchdog0 is in use by another program (its watchdog rules)"
ok "busy watchdog device: left to its owner, reported"

# --- /proc/sys read-only, then missing.
armed
set_proc 0 0 0 0
LG_TEST_PROC_SYS_RO=1 boot
expect_proc 0 0 0 0
expect_file "$R/run/lastgood/reset" <<EOF
kernel.panic=failed 0 30 -
kernel.panic_on_oops=failed 0 30 -
kernel.softlockup_panic=failed 0 30 -
kernel.hardlockup_panic=failed 0 30 -
hang-reset=set 900 0 /dev/watchdog0
EOF
expect_kmsg "kernel.panic not in force: Read-only file system"
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=11"
armed
set_proc 0 0 0 0
rm -rf "$R/proc/sys"
boot
grep -qx 'kernel.panic=unavailable 0 2 -' "$R/run/lastgood/reset" || fail "$(cat "$R/run/lastgood/reset")"
check
expect_kmsg "kernel.panic not in force: this kernel has no such setting"
expect_no_file "$K/panic"
set_proc 30 0 0 -
armed
boot
expect_proc 30 1 1 -
grep -qx 'kernel.hardlockup_panic=unavailable 0 2 -' "$R/run/lastgood/reset" || fail "$(cat "$R/run/lastgood/reset")"
check
ok "/proc/sys read-only (EROFS) or missing, no hard lockup detector: reported, nothing written, the boot counted"

# --- /run/lastgood/reset cannot be written: nobody could release the
# deadline at healthy, so it is stopped at once.
armed
set_proc 0 0 0 0
rm -rf "$R/run" && mkdir -p "$R/run/lastgood/reset" && : > "$R/dev/kmsg"
pre_udev
expect_proc 10 1 1 1
expect_device "settimeout 900
disable" "V"
expect_kmsg "cannot write /run/lastgood/reset"
expect_kmsg "hang reset stopped again"
ok "/run/lastgood/reset not writable: the watchdog stopped again (magic close), the panic settings stay"

checks_done
