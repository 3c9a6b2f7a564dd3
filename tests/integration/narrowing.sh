#!/bin/bash
# Narrowing after level 2, through the real binaries (lastgood-early
# pre-udev and pre-switch, lastgood-watchdog --prove-now, lastgoodctl), on
# the fake module tree of early-lib.sh: falco (an agent with its module and
# unit), nvidia, vboxdrv, vendor_blob and zfs.
#
# The host's unchanged zfs crashes it at every boot where it loads; an
# unrelated nvidia update arms the counter. Level 1 withholds nvidia (the
# changed set): the host still crashes. Level 2 withholds everything
# third-party: the boot is proven. The following boots re-admit the
# suspects (falco first, then modules in halves); the search ends with only
# zfs persistently withheld, falco's unit not masked, nvidia loaded.
# Then: the administrator's words and lastgoodctl reset end a narrowing,
# lastgoodctl status shows one, a power cut in a proof loses nothing, a
# corrupt state is no narrowing.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

# --crash-after-step: the test build of the daemon (tests/integration/test-hooks.sh).
WD=$top_builddir/tests/integration/lastgood-watchdog-test
CTL=$top_builddir/lastgoodctl
NARROW=$S/var/lib/lastgood/narrowing
EXPORT=$T/export
ID_NARROWING=7dc2bf4fc2304e85b2bdb5dc504b4bde
ID_RELEASED=02a4660dc9834676abaff33688fb8024

make_roots
# A definition of an agent that is not installed (no unit file, no module),
# as lastgood ships several: level 2 masks its unit, but it ran nothing and
# is no suspect (searching it would only cost boots), nor a verdict.
printf '[Agent]\nUnits=ghost-sensor.service\nModules=ghostmod\nOnSafeMode=disable\n' \
        > "$S/etc/lastgood/agents.d/ghost.conf"
rebuild_image
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=7
mkdir -p "$S/proc"

# The main system: /run survives the switch; the watchdog proves the boot.
prove() {
        rm -rf "$S/run" && cp -a "$R/run" "$S/run"
        cp "$R/proc/cmdline" "$S/proc/cmdline"
        "$WD" --root="$S" --kernel-release="$KVER" --prove-now --journal-export="$EXPORT" 2>> "$T/wd.log" ||
                fail "the watchdog failed: $(tail -5 "$T/wd.log")"
}
# One boot of the host: zfs crashes it unless withheld (the boot never
# reaches the main system: nothing is proven). Returns 1 on a crash.
host_boot() {
        boot
        expect_no_intree
        if grep -qx 'blacklist zfs' "$R/run/modprobe.d/lastgood.conf" 2> /dev/null; then
                prove
                return 0
        fi
        return 1
}
withheld_names() {
        [ -f "$R/run/lastgood/withheld" ] && cut -f2 "$R/run/lastgood/withheld" | sort | tr '\n' ' '
        true
}
quarantine() {
        { "$CTL" --root="$S" --kernel-release="$KVER" status --json || true; } | python3 -c '
import json, sys
print(" ".join(sorted(json.load(sys.stdin)["quarantine"])))'
}
# export_count MESSAGE_ID [ITEM]: entries of the watchdog's journal export.
export_count() {
        python3 - "$EXPORT" "$@" << 'PY'
import sys
path, mid = sys.argv[1], sys.argv[2]
item = sys.argv[3] if len(sys.argv) > 3 else None
n = 0
for entry in open(path).read().split("\n\n"):
    f = dict(l.split("=", 1) for l in entry.splitlines() if "=" in l)
    if f.get("MESSAGE_ID") == mid and (item is None or f.get("LASTGOOD_ITEM") == item):
        n += 1
print(n)
PY
}
expect_count() { # expect_count N MESSAGE_ID [ITEM]
        local got
        got=$(export_count "${@:2}")
        [ "$got" = "$1" ] || fail "expected $1 journal entries ${*:2}, got $got"
        check
}

# --- The nvidia update arms; zfs crashes level 0 and level 1 boots.
update_module updates/dkms/nvidia.ko
rebuild_image
for b in 1 2 3 4; do
        ! host_boot || fail "boot $b did not crash (withheld: $(withheld_names))"
done
expect_state "armed=1 tries=2 level=1 unproven=0 boot_seq=11"
host_boot || fail "the level-2 boot crashed"
grep -q '^LEVEL=2$' "$S/run/lastgood/decision" || fail "not a level-2 boot"
check
grep -q $'^unit\tghost-sensor.service\tall-third-party' "$R/run/lastgood/withheld" || fail "level 2 did not mask ghost's unit"
check
# Proven: nothing went to the cold record, the suspects to the narrowing.
[ -z "$(quarantine)" ] || fail "the level-2 proof recorded $(quarantine)"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=12"
[ -f "$NARROW" ] || fail "no narrowing state"
check
[ "$(grep -v '^#' "$NARROW" | grep -c $'\theld\t')" = 5 ] || fail "not 5 suspects: $(cat "$NARROW")"
check
! grep -q ghost "$NARROW" || fail "an agent not installed is a suspect: $(cat "$NARROW")"
check
expect_count 1 "$ID_NARROWING"
ok "level 2 proven: five suspects (falco, nvidia, vboxdrv, vendor_blob, zfs; not ghost, not installed), none in the cold record"
cp -a "$NARROW" "$T/narrowing.start"
cp -a "$R/sys/firmware/efi/efivars" "$T/efivars.start"

# status shows it: falco comes first, alone.
{ "$CTL" --root="$S" --kernel-release="$KVER" status || true; } > "$T/status.txt"
grep -q '^    Narrowing: in progress, 5 suspects left' "$T/status.txt" || fail "status: $(cat "$T/status.txt")"
check
{ "$CTL" --root="$S" --kernel-release="$KVER" status --json || true; } | python3 -c '
import json, sys
n = json.load(sys.stdin)["narrowing"]
assert n["suspects_left"] == 5, n
assert n["readmitted"] == ["falco"], n
assert n["held_back"] == ["nvidia", "vboxdrv", "vendor_blob", "zfs"], n
assert n["cleared"] == [] and n["guilty"] == [], n
' || fail "status --json"
check
ok "lastgoodctl status (text and JSON) shows the narrowing: falco re-admitted first"

# --- The search. Probe 1: the agent alone, back on.
host_boot || fail "falco's probe crashed"
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=13"
[ "$(withheld_names)" = "nvidia vboxdrv vendor_blob zfs " ] || fail "probe 1 withheld: $(withheld_names)"
check
grep -q 'narrowing: re-admitting falco this boot, 5 suspects left' "$R/dev/kmsg" || fail "no kmsg step"
check
expect_count 1 "$ID_RELEASED" falco
expect_count 1 "$ID_RELEASED" falco-kmod.service
# Probe 2: nvidia and vboxdrv.
host_boot || fail "probe 2 crashed"
[ "$(withheld_names)" = "vendor_blob zfs " ] || fail "probe 2 withheld: $(withheld_names)"
check
expect_count 1 "$ID_RELEASED" nvidia
expect_count 1 "$ID_RELEASED" vboxdrv
# Probe 3: vendor_blob.
host_boot || fail "probe 3 crashed"
[ "$(withheld_names)" = "zfs " ] || fail "probe 3 withheld: $(withheld_names)"
check
expect_count 1 "$ID_RELEASED" vendor_blob
# Probe 4: zfs, which crashes Threshold (2) boots in a row.
! host_boot || fail "zfs's probe did not crash"
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=16"
! host_boot || fail "zfs's probe did not crash twice"
expect_state "armed=1 tries=2 level=0 unproven=0 boot_seq=17"
# The next boot names it: cold record, withheld, the level back to 0.
host_boot || fail "the boot after the search crashed"
grep -q 'narrowing names module zfs' "$R/dev/kmsg" || fail "zfs not named: $(cat "$R/dev/kmsg")"
check
[ "$(withheld_names)" = "zfs " ] || fail "final boot withheld: $(withheld_names)"
check
grep -q $'^module\tzfs\tquarantine' "$R/run/lastgood/withheld" || fail "zfs not withheld from the cold record"
check
[ "$(quarantine)" = zfs ] || fail "cold record: $(quarantine)"
check
expect_no_file "$NARROW"
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=18"
ok "search: 6 boots (3 proven probes, zfs's probe failed twice), zfs alone in the cold record"

# --- Steady state afterwards: falco's unit runs, nvidia loads, zfs stays out.
before=$(efi_snapshot)
host_boot || fail "steady boot crashed"
expect_conf zfs
expect_withheld "module zfs quarantine -"
[ "$(efi_snapshot)" = "$before" ] || fail "the steady boot wrote the EFI variables"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=18"
expect_count 0 "$ID_RELEASED" zfs
ok "afterwards: steady state, only zfs withheld (falco-kmod.service unmasked, nvidia loaded)"

# --- The administrator's words end a narrowing: suspects released.
restart_narrowing() {
        cp -a "$T/narrowing.start" "$NARROW"
        rm -rf "$R/sys/firmware/efi/efivars" && cp -a "$T/efivars.start" "$R/sys/firmware/efi/efivars"
        : > "$EXPORT"
}
for word in lastgood.mode=normal lastgood.allow=vboxdrv lastgood.release=all lastgood.block=nvidia lastgood.reset; do
        restart_narrowing
        set_cmdline "$word"
        boot
        grep -q "narrowing ended by ${word%%=*}" "$R/dev/kmsg" || fail "$word: $(cat "$R/dev/kmsg")"
        check
        ! grep -q 'all-third-party' "$R/run/lastgood/withheld" 2> /dev/null || fail "$word: suspects withheld"
        check
        prove
        expect_no_file "$NARROW"
        expect_count 1 "$ID_NARROWING"
        expect_count 6 "$ID_RELEASED" # falco's unit and module, 4 modules
done
set_cmdline
ok "lastgood.mode=normal, allow=, release=, block=, reset end a narrowing cleanly"

restart_narrowing
"$CTL" --root="$S" --kernel-release="$KVER" reset > "$T/reset.txt"
grep -q 'Narrowing ended' "$T/reset.txt" || fail "reset: $(cat "$T/reset.txt")"
check
expect_no_file "$NARROW"
ok "lastgoodctl reset ends a narrowing"

# --- Power cut during a probe's proof (the watchdog killed after each
# step of the proven write that matters): the search still ends with zfs
# alone, a probe recorded before the cut is not run again and one lost in
# it is run again.
for step in 3 4 6; do
        restart_narrowing
        boot
        rm -rf "$S/run" && cp -a "$R/run" "$S/run"
        cp "$R/proc/cmdline" "$S/proc/cmdline"
        rc=0
        "$WD" --root="$S" --kernel-release="$KVER" --prove-now --crash-after-step=$step 2>> "$T/wd.log" || rc=$?
        [ "$rc" = 137 ] || fail "step $step: the watchdog was not killed (rc $rc)"
        check
        n=0
        while [ -f "$NARROW" ] && [ $n -lt 20 ]; do
                host_boot || true
                n=$((n + 1))
        done
        expect_no_file "$NARROW"
        [ "$(quarantine)" = zfs ] || fail "step $step: cold record $(quarantine)"
        check
        [ "$(withheld_names)" = "zfs " ] || fail "step $step: withheld $(withheld_names)"
        check
done
ok "power cut after the proven write's steps 3, 4, 6 of a probe's proof: the search ends the same"

# --- A corrupt state is no narrowing: reported, nothing withheld for it,
# removed by the watchdog.
restart_narrowing
printf 'VERSION=1\nBAD=9999\n' > "$NARROW"
boot
grep -q 'narrowing state corrupt' "$R/dev/kmsg" || fail "corrupt state not reported"
check
! grep -q 'all-third-party' "$R/run/lastgood/withheld" 2> /dev/null || fail "corrupt state withheld suspects"
check
prove
expect_no_file "$NARROW"
ok "a corrupt narrowing state: reported, no narrowing, removed"

checks_done
