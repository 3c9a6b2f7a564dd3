#!/bin/bash
# lastgood-early through every level of the contract ("The state machine"),
# on the fake module tree of early-lib.sh: steady state (nothing counted,
# nothing withheld, the EFI variables untouched), counting from an image
# rebuild, threshold reached -> level 1 (exactly the changed third-party
# set), level 2 (every third-party module and the agents), level 3
# (exhausted: nothing withheld, said so, no more NVRAM writes), Allow= and
# lastgood.allow= at levels 1 and 2, Threshold= and lastgood.threshold=.
# After every boot: the exact /run/modprobe.d/lastgood.conf and
# /run/lastgood/ files, and no in-tree module named anywhere.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

make_roots

# --- Steady state: no record at all (a host that never changed).
boot
[ -z "$(ls -A "$R/sys/firmware/efi/efivars")" ] || fail "steady state wrote EFI variables: $(ls "$R/sys/firmware/efi/efivars")"
check
expect_conf
expect_withheld
expect_decision
expect_events
[ ! -s "$R/dev/kmsg" ] || fail "steady state logged: $(cat "$R/dev/kmsg")"
check
ok "no record, nothing changed: nothing written to the store, nothing withheld, nothing logged"

# A proven host has a record: boots leave it alone, file by file (inode,
# mtime, contents), and pre-udev writes nothing at all, not even to /run.
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=7
before=$(efi_snapshot)
for i in 1 2 3; do
        boot
        [ "$(efi_snapshot)" = "$before" ] || fail "steady-state boot $i touched the EFI variables"
        check
        expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=7"
        expect_conf
        expect_withheld
        expect_decision BOOT_SEQ=7
        expect_events
done
rm -rf "$R/run" && mkdir -p "$R/run"
pre_udev
[ -z "$(ls -A "$R/run")" ] || fail "steady-state pre-udev wrote to /run: $(find "$R/run")"
check
[ "$(efi_snapshot)" = "$before" ] || fail "steady-state pre-udev touched the EFI variables"
check
ok "steady state with a record: three boots, EFI variable files untouched (inode, mtime, bytes), pre-udev writes nothing"

# --- An update lands: two third-party modules (one of them in the image)
# and the agent's content change; the initramfs rebuild arms.
update_module updates/dkms/nvidia.ko
update_module kernel/drivers/misc/vendor_blob.ko
echo "rules: 2" > "$S/etc/falco/rules.d/a.yaml"
rebuild_image
expect_state "armed=1 tries=0 level=0 unproven=0 boot_seq=7"
ok "image rebuilt with a changed third-party set: armed, not yet counted"

boot
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=8"
expect_conf
expect_withheld
expect_decision TRIES=1 BOOT_SEQ=8 COUNTED=1
expect_events "boot counted: try 1 of 2 at level 0"
expect_kmsg "boot counted: try 1 of 2 at level 0"
expect_no_intree
boot
expect_state "armed=1 tries=2 level=0 unproven=0 boot_seq=9"
expect_conf
expect_withheld
expect_decision TRIES=2 BOOT_SEQ=9 COUNTED=1
expect_events "boot counted: try 2 of 2 at level 0"
ok "armed: each boot is counted (tries 1, 2), nothing withheld below the threshold"

# --- Threshold reached: level 1 withholds exactly the changed set. pre-udev
# sees only the image's modules (nvidia; vendor_blob is not in the image).
rm -rf "$R/run" && mkdir -p "$R/run"
: > "$R/dev/kmsg"
pre_udev
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=10"
expect_conf nvidia
expect_withheld "module nvidia changed -"
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=10 COUNTED=1 STAGE=pre-udev
expect_no_intree
pre_switch
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=10"
expect_conf nvidia vendor_blob
expect_withheld "module nvidia changed -" "module vendor_blob changed -" \
        "content /etc/falco/rules.d/a.yaml changed falco"
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=10 COUNTED=1
expect_events "boot counted: try 1 of 2 at level 1" "safe mode level 1 in force" \
        "withholding module nvidia (changed)" \
        "withholding module vendor_blob (changed)" \
        "withholding content /etc/falco/rules.d/a.yaml (changed)"
expect_kmsg "safe mode level 1 in force"
expect_kmsg "withholding module vendor_blob (changed)"
expect_no_intree
ok "level 1: pre-udev withholds the image's changed module, pre-switch exactly the changed set (nvidia, vendor_blob, agent content)"

boot
expect_state "armed=1 tries=2 level=1 unproven=0 boot_seq=11"
expect_conf nvidia vendor_blob
expect_decision LEVEL=1 TRIES=2 BOOT_SEQ=11 COUNTED=1

# --- Level 2: every third-party module, the agent disabled (its policy is
# rollback, not keep), changed items keep their stronger reason.
boot
expect_state "armed=1 tries=1 level=2 unproven=0 boot_seq=12"
expect_conf falco nvidia vboxdrv vendor_blob zfs
expect_withheld "module falco all-third-party falco" "module nvidia changed -" \
        "module vboxdrv all-third-party -" "module vendor_blob changed -" "module zfs all-third-party -" \
        "content /etc/falco/rules.d/a.yaml changed falco" "unit falco-kmod.service all-third-party falco"
expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=12 COUNTED=1
expect_kmsg "safe mode level 2 in force"
expect_kmsg "withholding unit falco-kmod.service (all-third-party)"
expect_no_intree
ok "level 2: all five third-party modules and the agent's unit, no in-tree module"
boot
expect_state "armed=1 tries=2 level=2 unproven=0 boot_seq=13"

# --- Level 3: exhausted. Nothing withheld, said loudly, and counting stops
# (a host that loops anyway must not wear its NVRAM out).
boot
expect_state "armed=1 tries=0 level=3 unproven=0 boot_seq=13"
expect_conf
expect_withheld
expect_decision LEVEL=3 BOOT_SEQ=13 EXHAUSTED=1
expect_events "recovery exhausted: withholding nothing more, leaving it to the boot loader"
expect_kmsg "recovery exhausted: withholding nothing more, leaving it to the boot loader"
prio=$(sed -n 's/^<\([0-9]*\)>lastgood: recovery exhausted.*/\1/p' "$R/dev/kmsg")
[ -n "$prio" ] && [ $((prio & 7)) = 4 ] || fail "exhausted is not a warning (<$prio>)"
check
grep -q '^MESSAGE_ID=967cd6dae204458f9c1f906356f7aaf2$' "$R/run/lastgood/events" || fail "no exhausted MESSAGE_ID"
check
before=$(efi_snapshot)
boot
[ "$(efi_snapshot)" = "$before" ] || fail "an exhausted boot wrote the EFI variables"
check
expect_decision LEVEL=3 BOOT_SEQ=13 EXHAUSTED=1
expect_conf
ok "level 3: exhausted, nothing withheld, a warning with its MESSAGE_ID, no NVRAM write on the next boot"

# --- Allow= (configuration, '-' for '_') and lastgood.allow= at level 1 and
# level 2. zfs changes too, so that each list has something to remove.
update_module updates/zfs.ko.xz
mkdir -p "$S/etc/lastgood"
printf '[Modules]\nAllow=vendor-blob\n' > "$S/etc/lastgood/lastgood.conf"
rebuild_image
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=20
set_cmdline lastgood.allow=zfs
boot
expect_conf nvidia
expect_withheld "module nvidia changed -" "content /etc/falco/rules.d/a.yaml changed falco"
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=21 COUNTED=1 OVERRIDE=1
expect_events "administrator override in force (lastgood.mode=auto)" "boot counted: try 1 of 2 at level 1" \
        "safe mode level 1 in force" "withholding module nvidia (changed)" \
        "withholding content /etc/falco/rules.d/a.yaml (changed)"
expect_no_intree
ok "level 1: changed set {nvidia, vendor_blob, zfs} minus Allow=vendor-blob minus lastgood.allow=zfs"

"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=30
set_cmdline lastgood.allow=zfs,falco
boot
expect_conf nvidia vboxdrv
expect_withheld "module nvidia changed -" "module vboxdrv all-third-party -"
expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=31 COUNTED=1 OVERRIDE=1
expect_no_intree
ok "level 2: all third-party minus Allow=vendor-blob, lastgood.allow=zfs and the allowed agent falco (module, unit, content)"

# --- Threshold= in the configuration, lastgood.threshold= over it.
printf '[Boot]\nThreshold=3\n' > "$S/etc/lastgood/lastgood.conf"
rebuild_image
"$HELPER" "$R" state armed=1 tries=2 level=0 boot_seq=40
set_cmdline
boot
expect_state "armed=1 tries=3 level=0 unproven=0 boot_seq=41"
expect_conf
expect_decision TRIES=3 THRESHOLD=3 BOOT_SEQ=41 COUNTED=1
expect_events "boot counted: try 3 of 3 at level 0"
boot
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=42"
expect_conf nvidia vendor_blob zfs
expect_decision LEVEL=1 TRIES=1 THRESHOLD=3 BOOT_SEQ=42 COUNTED=1
ok "Threshold=3: a third try at level 0, level 1 at the fourth boot"

"$HELPER" "$R" state armed=1 tries=1 level=0 boot_seq=50
set_cmdline lastgood.threshold=1
boot
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=51"
expect_conf nvidia vendor_blob zfs
expect_decision LEVEL=1 TRIES=1 THRESHOLD=1 BOOT_SEQ=51 COUNTED=1 OVERRIDE=1
expect_events "administrator override in force (lastgood.mode=auto)" "boot counted: try 1 of 1 at level 1" \
        "safe mode level 1 in force" "withholding module nvidia (changed)" "withholding module zfs (changed)" \
        "withholding module vendor_blob (changed)" "withholding content /etc/falco/rules.d/a.yaml (changed)"
ok "lastgood.threshold=1 over Threshold=3: one failed boot is enough for level 1"

set_cmdline lastgood.threshold=zero
"$HELPER" "$R" state armed=1 tries=1 level=0 boot_seq=60
boot
expect_state "armed=1 tries=2 level=0 unproven=0 boot_seq=61"
expect_decision TRIES=2 THRESHOLD=3 BOOT_SEQ=61 COUNTED=1
grep -q 'lastgood: .*threshold' "$R/dev/kmsg" || fail "bad lastgood.threshold= not reported: $(cat "$R/dev/kmsg")"
check
ok "lastgood.threshold=zero: reported and ignored, Threshold=3 holds"

checks_done
