#!/bin/bash
# Persistently withheld items (DESIGN.md, "Persistently withheld items"):
# the cold record (LastGoodQuarantine) holds a module, an agent's content
# file and a unit, each with its fingerprint. Whatever the level (steady
# state, 1, 2, exhausted) an item whose fingerprint matches stays withheld,
# already at pre-udev for the image's modules; a new version of the module
# is no longer withheld - it is a change like any other, counted, and
# withheld in its turn (reason changed) once the threshold is reached.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

make_roots
nv=$("$HELPER" "$S" fingerprint "$KVER" nvidia)
rules=$("$HELPER" "$S" fingerprint "$KVER" /etc/falco/rules.d/a.yaml)
"$HELPER" "$R" quarantine module nvidia "$nv" content /etc/falco/rules.d/a.yaml "$rules" unit falco-kmod.service 0
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=5

# --- Steady state (not armed, level 0): the three stay withheld; the
# record is only read.
efi_before=$(efi_snapshot)
rm -rf "$R/run" && mkdir -p "$R/run"
: > "$R/dev/kmsg"
pre_udev
expect_conf nvidia
expect_withheld "module nvidia quarantine -" "unit falco-kmod.service quarantine -"
expect_decision BOOT_SEQ=5 STAGE=pre-udev
pre_switch
expect_conf nvidia
expect_withheld "module nvidia quarantine -" "content /etc/falco/rules.d/a.yaml quarantine falco" \
        "unit falco-kmod.service quarantine -"
expect_decision BOOT_SEQ=5
expect_events "withholding module nvidia (quarantine)" "withholding unit falco-kmod.service (quarantine)" \
        "withholding content /etc/falco/rules.d/a.yaml (quarantine)"
expect_kmsg "withholding module nvidia (quarantine)"
[ "$(efi_snapshot)" = "$efi_before" ] || fail "a steady-state boot with a cold record wrote the EFI variables"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=5"
expect_no_intree
ok "steady state: quarantined module (already at pre-udev), content and unit withheld; EFI variables untouched"

# --- Level 1 with vendor_blob changed: the changed set plus the quarantine.
update_module kernel/drivers/misc/vendor_blob.ko
rebuild_image
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=10
boot
expect_conf nvidia vendor_blob
expect_withheld "module nvidia quarantine -" "module vendor_blob changed -" \
        "content /etc/falco/rules.d/a.yaml quarantine falco" "unit falco-kmod.service quarantine -"
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=11 COUNTED=1
expect_no_intree
ok "level 1: quarantined items and the changed vendor_blob"

# --- Level 2: everything third-party; the quarantined ones keep their reason.
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=20
boot
expect_conf falco nvidia vboxdrv vendor_blob zfs
expect_withheld "module falco all-third-party falco" "module nvidia quarantine -" \
        "module vboxdrv all-third-party -" "module vendor_blob changed -" "module zfs all-third-party -" \
        "content /etc/falco/rules.d/a.yaml quarantine falco" "unit falco-kmod.service quarantine -"
expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=21 COUNTED=1
expect_no_intree
ok "level 2: all third-party, quarantined items with reason quarantine"

# --- Exhausted: nothing more, but the persistently withheld stay withheld.
"$HELPER" "$R" state armed=1 tries=0 level=3 boot_seq=30
boot
expect_conf nvidia
expect_withheld "module nvidia quarantine -" "content /etc/falco/rules.d/a.yaml quarantine falco" \
        "unit falco-kmod.service quarantine -"
expect_decision LEVEL=3 BOOT_SEQ=30 EXHAUSTED=1
expect_kmsg "recovery exhausted: withholding nothing more, leaving it to the boot loader"
ok "level 3: exhausted, yet the quarantined items stay withheld"

# --- A new version of nvidia on the real root, the image not rebuilt yet:
# pre-udev still sees the quarantined copy in the image and withholds it;
# pre-switch sees the new version, which the main system will load: no
# longer withheld.
update_module updates/dkms/nvidia.ko
"$HELPER" "$R" state armed=1 tries=0 level=0 boot_seq=40
rm -rf "$R/run" && mkdir -p "$R/run"
pre_udev
expect_conf nvidia
pre_switch
expect_conf
expect_withheld "content /etc/falco/rules.d/a.yaml quarantine falco" "unit falco-kmod.service quarantine -"
expect_no_intree
ok "new nvidia on the real root only: withheld by pre-udev (image copy matches), released by pre-switch"

# After the rebuild: a change like any other. Armed (state cleared by a
# proven boot first), counted, and withheld in its turn at level 1.
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=50
rebuild_image
expect_state "armed=1 tries=0 level=0 unproven=0 boot_seq=50"
boot
expect_conf
expect_withheld "content /etc/falco/rules.d/a.yaml quarantine falco" "unit falco-kmod.service quarantine -"
expect_decision TRIES=1 BOOT_SEQ=51 COUNTED=1
boot
expect_conf
boot
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=53"
expect_conf nvidia vendor_blob
expect_withheld "module nvidia changed -" "module vendor_blob changed -" \
        "content /etc/falco/rules.d/a.yaml quarantine falco" "unit falco-kmod.service quarantine -"
expect_events "boot counted: try 1 of 2 at level 1" "safe mode level 1 in force" \
        "withholding module nvidia (changed)" "withholding unit falco-kmod.service (quarantine)" \
        "withholding module vendor_blob (changed)" "withholding content /etc/falco/rules.d/a.yaml (quarantine)"
ok "new nvidia in the image too: not withheld, counted, then withheld again as changed at level 1"

# --- The agent's content rewritten (a new file): released like the module.
echo "rules: 3" > "$S/etc/falco/rules.d/a.yaml.new"
mv "$S/etc/falco/rules.d/a.yaml.new" "$S/etc/falco/rules.d/a.yaml"
"$HELPER" "$R" state armed=1 tries=0 level=0 boot_seq=60
boot
expect_conf
expect_withheld "unit falco-kmod.service quarantine -"
ok "new agent content: no longer withheld; the unit (no version) stays until released"

# --- The quarantined module removed from the tree: nothing to match.
"$HELPER" "$R" quarantine module zfs "$("$HELPER" "$S" fingerprint "$KVER" zfs)"
rm "$S/lib/modules/$KVER/updates/zfs.ko.xz" "$R/lib/modules/$KVER/updates/zfs.ko.xz"
"$HELPER" "$R" state armed=1 tries=0 level=0 boot_seq=70
boot
expect_conf
expect_withheld
[ ! -s "$T/stderr" ] || fail "stderr: $(cat "$T/stderr")"
check
ok "quarantined module gone from the tree: nothing withheld, no error"

checks_done
