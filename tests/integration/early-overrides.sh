#!/bin/bash
# The administrator's words on the kernel command line (DESIGN.md,
# "Administrator override"), each through lastgood-early pre-udev and
# pre-switch: lastgood.mode=safe|strict|normal|off, lastgood.reset,
# lastgood.release=A,B and =all, lastgood.block=A,B. After every boot: the
# exact /run/modprobe.d/lastgood.conf and /run/lastgood/ files and the hot
# record; an override never changes the stored level.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

# The update of the scenario: nvidia (in the image) and vendor_blob change;
# the rebuilt image arms.
make_roots_updated
expect_state "armed=1 tries=0 level=0 unproven=0 boot_seq=0"

# --- lastgood.mode=safe: level 1 this boot, the counter goes on at level 0.
set_cmdline lastgood.mode=safe
boot
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=1"
expect_conf nvidia vendor_blob
expect_withheld "module nvidia changed -" "module vendor_blob changed -"
expect_decision LEVEL=1 MODE=safe TRIES=1 BOOT_SEQ=1 COUNTED=1 OVERRIDE=1
expect_events "administrator override in force (lastgood.mode=safe)" "boot counted: try 1 of 2 at level 1" \
        "safe mode level 1 in force" "withholding module nvidia (changed)" "withholding module vendor_blob (changed)"
expect_kmsg "administrator override in force (lastgood.mode=safe)"
grep -q '^MESSAGE_ID=d6040cbea783455b8c8f8248cd1f3cc8$' "$R/run/lastgood/events" || fail "no override MESSAGE_ID"
check
expect_no_intree
ok "mode=safe: the changed set withheld this boot, stored level stays 0"

# --- lastgood.mode=strict: level 2 this boot.
set_cmdline lastgood.mode=strict
boot
expect_state "armed=1 tries=2 level=0 unproven=0 boot_seq=2"
expect_conf falco nvidia vboxdrv vendor_blob zfs
expect_withheld "module falco all-third-party falco" "module nvidia changed -" \
        "module vboxdrv all-third-party -" "module vendor_blob changed -" "module zfs all-third-party -" \
        "unit falco-kmod.service all-third-party falco"
expect_decision LEVEL=2 MODE=strict TRIES=2 BOOT_SEQ=2 COUNTED=1 OVERRIDE=1
expect_no_intree
ok "mode=strict: every third-party module and the agent this boot, stored level stays 0"

# --- lastgood.mode=normal at a stored level 2: nothing withheld, not even
# the persistently withheld, and counting goes on.
fp=$("$HELPER" "$S" fingerprint "$KVER" vboxdrv)
"$HELPER" "$R" quarantine module vboxdrv "$fp"
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=10
set_cmdline lastgood.mode=normal
boot
expect_state "armed=1 tries=1 level=2 unproven=0 boot_seq=11"
expect_conf
expect_withheld
expect_decision MODE=normal TRIES=1 BOOT_SEQ=11 COUNTED=1 OVERRIDE=1
expect_events "administrator override in force (lastgood.mode=normal)" "boot counted: try 1 of 2 at level 0"
ok "mode=normal: nothing withheld at stored level 2 with a quarantined module; the boot is still counted"

set_cmdline lastgood.mode=normal lastgood.block=zfs
boot
expect_conf zfs
expect_withheld "module zfs block -"
ok "mode=normal with lastgood.block=zfs: only the blocked module"

# --- lastgood.mode=off: nothing at all, nothing written anywhere: the
# EFI variables, /run and the real root are compared byte for byte.
"$HELPER" "$R" state armed=1 tries=1 level=1 boot_seq=20
set_cmdline lastgood.mode=off lastgood.block=zfs lastgood.reset
efi_before=$(efi_snapshot)
sys_before=$(snapshot "$S")
img_before=$(snapshot "$R/var")
boot
[ -z "$(ls -A "$R/run")" ] || fail "mode=off wrote to /run: $(find "$R/run")"
check
[ "$(efi_snapshot)" = "$efi_before" ] || fail "mode=off touched the EFI variables"
check
[ "$(snapshot "$S")" = "$sys_before" ] || fail "mode=off touched the real root"
check
[ "$(snapshot "$R/var")" = "$img_before" ] || fail "mode=off touched the initramfs's /var"
check
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=20"
expect_kmsg "lastgood.mode=off: doing nothing this boot"
ok "mode=off (with block= and reset on the same line): /run empty, EFI variables, real root and image untouched"

# --- lastgood.reset: counter and level cleared, the quarantine kept (the
# quarantined vboxdrv is still withheld, its variable untouched).
qvar=$(cd "$R/sys/firmware/efi/efivars" && ls LastGoodQuarantine-*)
q_before=$(stat -c '%i %s %Y' "$R/sys/firmware/efi/efivars/$qvar"; md5sum < "$R/sys/firmware/efi/efivars/$qvar")
"$HELPER" "$R" state armed=1 tries=1 level=2 boot_seq=30
set_cmdline lastgood.reset
boot
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=31"
expect_conf vboxdrv
expect_withheld "module vboxdrv quarantine -"
expect_decision TRIES=1 BOOT_SEQ=31 COUNTED=1 OVERRIDE=1
expect_events "administrator override in force (lastgood.mode=auto)" "counter and level cleared (lastgood.reset)" \
        "boot counted: try 1 of 2 at level 0" "withholding module vboxdrv (quarantine)"
grep -q '^MESSAGE_ID=b01d199650a743cda75439e341b24aa1$' "$R/run/lastgood/events" || fail "no reset MESSAGE_ID"
check
grep -q '^LASTGOOD_REASON=reset$' "$R/run/lastgood/events" || fail "no LASTGOOD_REASON=reset"
check
[ "$(stat -c '%i %s %Y' "$R/sys/firmware/efi/efivars/$qvar"; md5sum < "$R/sys/firmware/efi/efivars/$qvar")" = "$q_before" ] ||
        fail "lastgood.reset touched the quarantine variable"
check
ok "reset: level 2 -> 0 (said with its MESSAGE_ID), this boot counted as try 1, quarantined vboxdrv still withheld, cold record untouched"

# --- lastgood.release=A,B ('-' for '_') at level 2, and =all.
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=50
set_cmdline lastgood.release=nvidia,vendor-blob
boot
expect_conf falco vboxdrv zfs
expect_withheld "module falco all-third-party falco" "module vboxdrv quarantine -" "module zfs all-third-party -" \
        "unit falco-kmod.service all-third-party falco"
expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=51 COUNTED=1 OVERRIDE=1
expect_no_intree
ok "release=nvidia,vendor-blob at level 2: both load again, the rest stays withheld"

"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=60
set_cmdline lastgood.release=vboxdrv
boot
expect_conf falco nvidia vendor_blob zfs
expect_kmsg "module vboxdrv released by lastgood.release= for this boot"
grep -q '^MESSAGE_ID=02a4660dc9834676abaff33688fb8024$' "$R/run/lastgood/events" || fail "no 'item released' event"
grep -q '^LASTGOOD_ITEM=vboxdrv$' "$R/run/lastgood/events" || fail "the released event does not name vboxdrv"
check
ok "release=vboxdrv at level 2: the quarantined module loads this boot, said with the 'item released' event"

"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=70
set_cmdline lastgood.release=all
boot
expect_conf
expect_withheld
expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=71 COUNTED=1 OVERRIDE=1
[ "$(stat -c '%i %s %Y' "$R/sys/firmware/efi/efivars/$qvar"; md5sum < "$R/sys/firmware/efi/efivars/$qvar")" = "$q_before" ] ||
        fail "lastgood.release touched the quarantine variable (lastgoodctl release removes records)"
check
expect_kmsg "module vboxdrv released by lastgood.release= for this boot"
ok "release=all at level 2: nothing withheld, the cold record is left to lastgoodctl release"

# --- lastgood.reset on a steady host (the current set proven, nothing
# persistently withheld): nothing to clear, nothing written.
"$HELPER" "$S" manifest "$KVER"
rebuild_image
"$HELPER" "$R" quarantine
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=90
efi_before=$(efi_snapshot)
set_cmdline lastgood.reset
boot
[ "$(efi_snapshot)" = "$efi_before" ] || fail "lastgood.reset on a clean counter wrote the EFI variables"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=90"
expect_conf
expect_withheld
expect_decision BOOT_SEQ=90 OVERRIDE=1
expect_events "administrator override in force (lastgood.mode=auto)"
ok "reset with nothing to clear: no NVRAM write, nothing withheld, nothing said cleared"

# --- lastgood.block=A,B on the same steady host (not armed, level 0): an
# in-tree module (the administrator names it) and an agent (its units and
# modules) withheld, nothing counted; release= does not lift a block of the
# same command line.
efi_before=$(efi_snapshot)
set_cmdline lastgood.block=e1000e,falco lastgood.release=all
boot
expect_conf e1000e falco
expect_withheld "module e1000e block -" "module falco block falco" "unit falco-kmod.service block falco"
expect_decision BOOT_SEQ=90 OVERRIDE=1
[ "$(efi_snapshot)" = "$efi_before" ] || fail "lastgood.block= on a steady host wrote the EFI variables"
check
expect_kmsg "withholding module e1000e (block)"
expect_kmsg "withholding unit falco-kmod.service (block)"
ok "block=e1000e,falco: the named in-tree module, the agent's module and unit, release=all does not lift them"

checks_done
