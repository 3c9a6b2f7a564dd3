#!/bin/bash
# Bad state around lastgood-early (issue 3, bad input): a missing or
# corrupt last-known-good manifest (everything counts as changed only at
# level 2: level 1 then withholds nothing), a corrupt copy in the image, a
# read-only real root, /run full (a second build of lastgood-early whose
# write() fails there as on a full tmpfs, tests/integration/early-full.c)
# or unwritable, no efivarfs (file records on the real root; the boot is
# left to lastgood-generator, which is run to show it is counted), EFI
# variables that cannot be written, a corrupt hot record. Each: exit 0, a
# message, and the exact normal outcome.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

make_roots_updated
good_manifest=$T/manifest.good
cp "$S/var/lib/lastgood/manifest" "$good_manifest"
ALL="module falco all-third-party falco|module nvidia all-third-party -|module vboxdrv all-third-party -|module vendor_blob all-third-party -|module zfs all-third-party -|unit falco-kmod.service all-third-party falco"
expect_all() {
        local IFS='|'
        # shellcheck disable=SC2086
        expect_withheld $ALL
        expect_conf falco nvidia vboxdrv vendor_blob zfs
}

# --- No manifest (on the real root nor in the image).
rm -f "$S/var/lib/lastgood/manifest" "$R/var/lib/lastgood/manifest"
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=1
boot
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=2"
expect_conf
expect_events "no usable last-known-good manifest: counting armed"
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=3
boot
expect_conf
expect_withheld
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=4 COUNTED=1
expect_events "boot counted: try 1 of 2 at level 1" "safe mode level 1 in force"
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=5
boot
expect_all
expect_no_intree
ok "no manifest: armed; level 1 withholds nothing (changed set unknown); level 2 every third-party module"

# --- Corrupt manifests, on the real root and copied into the image.
printf 'lastgood-manifest 1\nkernel %s\n' "$KVER" > "$T/m.notrailer"
head -n 5 "$good_manifest" > "$T/m.truncated"
sed 's/^end [0-9]*/end 999/' "$good_manifest" > "$T/m.badcount"
sed '1s/.*/lastgood-manifest 99/' "$good_manifest" > "$T/m.version"
sed '3s/ [0-9a-f]\{16\} / XYZ /' "$good_manifest" > "$T/m.badfield"
head -c 3000 /dev/urandom > "$T/m.random"
: > "$T/m.empty"
for v in notrailer truncated badcount version badfield random empty; do
        cp "$T/m.$v" "$S/var/lib/lastgood/manifest"
        cp "$T/m.$v" "$R/var/lib/lastgood/manifest"
        "$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=10
        boot
        expect_kmsg "last-known-good manifest is corrupt: treated as missing"
        expect_kmsg "the initramfs's copy of the last-known-good manifest is corrupt: treated as missing"
        expect_conf
        expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=11 COUNTED=1
        "$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=10
        boot
        expect_all
        expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=11 COUNTED=1
done
ok "7 corrupt manifests (no trailer, truncated, wrong count, version, field, random, empty): reported, level 1 nothing, level 2 all"

# The image's build-time inventory corrupt: modules read from their files.
cp "$good_manifest" "$S/var/lib/lastgood/manifest"
cp "$good_manifest" "$R/var/lib/lastgood/manifest"
head -c 500 /dev/urandom > "$R/var/lib/lastgood/initramfs.inventory"
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=20
rm -rf "$R/run" && mkdir -p "$R/run" && : > "$R/dev/kmsg"
pre_udev
expect_kmsg "the initramfs's module inventory is corrupt: modules read from their files"
expect_conf nvidia
pre_switch
expect_conf nvidia vendor_blob
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=21 COUNTED=1
ok "corrupt image inventory: reported, the image's changed nvidia still withheld at pre-udev"
rebuild_image

# --- EFI variables that cannot be written (a full or read-only NVRAM): the
# stored level applies, the boot is said not counted, nothing else claims so.
"$HELPER" "$R" state armed=1 tries=1 level=1 boot_seq=30
efi=$R/sys/firmware/efi/efivars
chmod 444 "$efi"/*
chmod 555 "$efi"
efi_before=$(efi_snapshot)
EARLY_PREFIX=without_dac
boot
EARLY_PREFIX=
chmod 755 "$efi"
chmod 644 "$efi"/*
[ "$(efi_snapshot)" = "$efi_before" ] || fail "read-only EFI variables changed"
check
expect_kmsg "cannot write the boot state (Permission denied); this boot is not counted"
! grep -q 'boot counted' "$R/dev/kmsg" || fail "a boot not counted is reported counted"
check
expect_conf nvidia vendor_blob
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=30
expect_events "safe mode level 1 in force" "withholding module nvidia (changed)" "withholding module vendor_blob (changed)"
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=30"
ok "EFI variables not writable: reported, not claimed counted, level 1 in force"

# --- A corrupt hot record: reported, treated as no state, rewritten.
var=$(cd "$efi" && ls LastGoodState-*)
printf '\007\000\000\000garbage-garbage-garbage-garbage' > "$efi/$var"
boot
expect_kmsg "boot state record corrupt, treated as no state and rewritten"
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=1"
expect_conf
ok "corrupt hot record: reported, no state, rewritten (and re-armed by pre-switch)"

# --- A read-only real root: a read-only bind mount in a private mount
# namespace where one can be made, else modes a-w without DAC override.
if unshare -m true 2> /dev/null; then
        ns="unshare -m"
elif unshare -rm true 2> /dev/null; then
        ns="unshare -rm"
else
        ns=
fi
ro_sysroot() {
        if [ -n "$ns" ]; then
                $ns sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
                        sh "$S" "$@"
        else
                without_dac "$@"
        fi
}
[ -n "$ns" ] || chmod -R a-w "$S"
# The stages cannot write to it (the check of the check).
if ro_sysroot touch "$S/var/lib/lastgood/probe" 2> /dev/null; then
        fail "the real root is not read-only for the stages"
fi
check
sys_before=$(snapshot "$S")
"$HELPER" "$R" state armed=1 tries=1 level=1 boot_seq=40
EARLY_PREFIX=ro_sysroot
boot
expect_conf nvidia vendor_blob
expect_decision LEVEL=1 TRIES=2 BOOT_SEQ=41 COUNTED=1
[ -z "$(cat "$T/stderr")" ] || fail "stderr: $(cat "$T/stderr")"
check
# Without EFI variables, the records are files of this read-only root.
(
        unset EFIVARFS_PATH LIBEFIVAR_OPS
        [ -n "$ns" ] || chmod -R u+w "$S/var/lib/lastgood"
        "$HELPER" "$S" state armed=1 tries=1 level=1 boot_seq=50
        [ -n "$ns" ] || chmod -R a-w "$S"
        sys_before=$(snapshot "$S")
        boot
        [ "$(snapshot "$S")" = "$sys_before" ] || fail "the read-only real root changed"
        check
        expect_conf nvidia vendor_blob
        expect_kmsg "no EFI variables: this boot is counted by the main system"
)
EARLY_PREFIX=
[ -n "$ns" ] || chmod -R u+w "$S"
ok "read-only real root (${ns:-modes a-w, no DAC override}): same outcome, EFI or file records, root untouched"

# --- No efivarfs: no EFIVARFS_PATH under --root, as libefivar finds none.
# The file records of the real root give the level; /run/lastgood is left
# to the generator, which counts the boot (run here over the same files).
(
        unset EFIVARFS_PATH LIBEFIVAR_OPS
        rm -f "$efi"/*
        "$HELPER" "$S" state armed=1 tries=0 level=1 boot_seq=60
        sys_before=$(snapshot "$S")
        boot
        [ -z "$(ls -A "$efi")" ] || fail "EFI variables written without efivarfs"
        check
        [ "$(snapshot "$S")" = "$sys_before" ] || fail "the real root changed in the initramfs"
        check
        expect_kmsg "no EFI variables: this boot is counted by the main system"
        expect_conf nvidia vendor_blob
        expect_no_file "$R/run/lastgood/decision"
        expect_no_file "$R/run/lastgood/withheld"
        [ "$("$HELPER" "$S" show)" = "armed=1 tries=0 level=1 unproven=0 boot_seq=60" ] || fail "file record changed"
        check
        # The switch: /run goes along, the generator runs on the real root.
        cp -a "$R/run" "$S/run"
        mkdir -p "$S/proc" "$S/dev" "$T/gen/n" "$T/gen/e" "$T/gen/l"
        cp "$R/proc/cmdline" "$S/proc/cmdline"
        : > "$S/dev/kmsg"
        "$top_builddir/lastgood-generator" --root="$S" --kernel-release="$KVER" "$T/gen/n" "$T/gen/e" "$T/gen/l"
        [ "$("$HELPER" "$S" show)" = "armed=1 tries=1 level=1 unproven=0 boot_seq=61" ] ||
                fail "the generator did not count the boot: $("$HELPER" "$S" show)"
        check
        grep -q '^STAGE=generator$' "$S/run/lastgood/decision" || fail "no generator decision"
        check
        grep -qx 'blacklist nvidia' "$S/run/modprobe.d/lastgood.conf" || fail "generator dropped nvidia"
        check
        rm -rf "$S/run" "$S/proc" "$S/dev"
)
ok "no efivarfs: file records, notice, modprobe.d written, /run/lastgood left to the generator, which counts"

# --- /run full from the start (tmpfs out of pages): no file, no temporary
# file left, the boot still counted and loud on /dev/kmsg.
FULL=$top_builddir/tests/integration/lastgood-early-full
full() {
        LG_TEST_FULL_DIR=$R/run LG_TEST_FULL_BYTES=$budget "$FULL" "$@"
}
EARLY_SAVED=$EARLY
EARLY=full_early
full_early() {
        full "$@"
}
"$HELPER" "$R" state armed=1 tries=1 level=1 boot_seq=70
budget=0
boot
expect_kmsg "cannot write /run/modprobe.d/lastgood.conf (No space left on device); nothing withheld this boot"
expect_kmsg "cannot write /run/lastgood (No space left on device)"
expect_kmsg "safe mode level 1 in force"
[ -z "$(find "$R/run" -type f -size +0)" ] || fail "files written to a full /run: $(find "$R/run" -type f -size +0)"
check
[ -z "$(find "$R/run" -name '*#lastgood*')" ] || fail "temporary files left: $(find "$R/run" -name '*#lastgood*')"
check
expect_state "armed=1 tries=2 level=1 unproven=0 boot_seq=71"
ok "/run full: reported, nothing half-written, no temporary file left, boot counted"

# pre-udev's file in place, /run full at pre-switch: the old file stays whole.
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=80
rm -rf "$R/run" && mkdir -p "$R/run" && : > "$R/dev/kmsg"
EARLY=$EARLY_SAVED
pre_udev
EARLY=full_early
pre_switch
expect_conf nvidia
expect_withheld "module nvidia changed -"
expect_decision LEVEL=1 TRIES=1 BOOT_SEQ=81 COUNTED=1 STAGE=pre-udev
[ -z "$(find "$R/run" -name '*#lastgood*')" ] || fail "temporary files left"
check
ok "/run full at pre-switch: pre-udev's files stay whole"

# Every amount of room from 0 to 2000 bytes: each file is absent or whole,
# as pre-udev (the image's nvidia) or pre-switch (nvidia, vendor_blob)
# wrote it; the modprobe.d file, which protects the boot, goes first.
one_of() { # FILE: absent, or one of the files $T/want.*
        local w
        [ -e "$1" ] || return 0
        for w in "$T"/want.*; do
                cmp -s "$1" "$w" && return 0
        done
        fail "$1 is neither absent nor whole at $budget bytes: $(cat "$1")"
}
budget=2000
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=90
rm -rf "$R/run" && mkdir -p "$R/run"
pre_udev
for f in modprobe.d/lastgood.conf lastgood/withheld lastgood/decision; do
        cp "$R/run/$f" "$T/want.pre-udev.${f##*/}"
done
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=90
boot
for f in modprobe.d/lastgood.conf lastgood/withheld lastgood/decision; do
        cp "$R/run/$f" "$T/want.pre-switch.${f##*/}"
done
grep -qx 'blacklist vendor_blob' "$T/want.pre-switch.lastgood.conf" || fail "2000 bytes were not enough"
check
for budget in $(seq 0 50 1500); do
        "$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=90
        boot
        for f in modprobe.d/lastgood.conf lastgood/withheld lastgood/decision; do
                one_of "$R/run/$f"
        done
        check
        [ -z "$(find "$R/run" -name '*#lastgood*')" ] || fail "temporary files left at $budget bytes"
        check
        if [ "$budget" -ge 250 ]; then
                cmp -s "$R/run/modprobe.d/lastgood.conf" "$T/want.pre-switch.lastgood.conf" ||
                        fail "with $budget bytes the modprobe.d file did not come first"
                check
        fi
        expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=91"
done
EARLY=$EARLY_SAVED
ok "0..1500 bytes of room in /run (31 boots): every file whole or absent, no temporary one left, modprobe.d first, boot counted"

# /run not writable at all: a file where the folder should be, and a
# read-only /run.
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=100
rm -rf "$R/run" && mkdir -p "$R/run" && : > "$R/dev/kmsg"
echo "not a folder" > "$R/run/modprobe.d"
echo "not a folder" > "$R/run/lastgood"
pre_udev
pre_switch
expect_kmsg "cannot write /run/modprobe.d/lastgood.conf (Not a directory); nothing withheld this boot"
expect_kmsg "safe mode level 1 in force"
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=101"
rm -rf "$R/run" && mkdir -p "$R/run" && : > "$R/dev/kmsg"
chmod 555 "$R/run"
EARLY_PREFIX=without_dac
pre_udev
pre_switch
EARLY_PREFIX=
chmod 755 "$R/run"
expect_kmsg "cannot write /run/modprobe.d/lastgood.conf (Permission denied); nothing withheld this boot"
[ -z "$(ls -A "$R/run")" ] || fail "read-only /run written"
check
ok "/run/modprobe.d a file, /run read-only: reported, the boot goes on"

# --- FIFOs where files should be (the manifest on the real root and in
# the image, the configuration, an agent file, /proc/cmdline): never
# waited on (run_early fails on the time limit), read as empty (the agent
# folder's walk passes over what is not a regular file).
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=110
for f in "$S/var/lib/lastgood/manifest" "$R/var/lib/lastgood/manifest" "$S/etc/lastgood/lastgood.conf" \
        "$R/etc/lastgood/lastgood.conf" "$S/etc/lastgood/agents.d/fifo.conf" "$R/proc/cmdline"; do
        rm -f "$f"
        mkfifo "$f"
done
boot
expect_kmsg "last-known-good manifest is corrupt: treated as missing"
expect_all
expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=111 COUNTED=1
ok "FIFOs for the manifests, the configuration, an agent file and /proc/cmdline: no wait, level 2 as usual"

checks_done
