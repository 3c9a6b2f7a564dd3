# Shared setup of the early-*.sh and initramfs-*.sh tests (sourced).
#
# $T      temporary folder, removed on exit
# $S      the real root: a fake module tree (tests/fixtures/modules), an
#         agent (falco, OnSafeMode=rollback) and the manifest of a proven boot
# $R      the initramfs root: /proc/cmdline, /dev/kmsg (a file), /run, the
#         efivarfs folder libefivar is pointed at, copies of the config, the
#         manifest, the build-time inventory and some modules
# boot    one boot: clears /run, runs pre-udev then pre-switch
set -euo pipefail

: "${top_srcdir:?}" "${top_builddir:?}"
EARLY=$top_builddir/lastgood-early
HELPER=$top_builddir/tests/integration/early-helper
MODS=$top_srcdir/tests/fixtures/modules
KVER=6.1.0-lg
export MKMOD_CACHE=${MKMOD_CACHE:-$top_builddir/tests/fixtures-cache}

T=$(mktemp -d)
cleanup() {
        chmod -R u+rwX "$T" 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT
S=$T/sysroot
R=$T/initramfs
export EFIVARFS_PATH=$R/sys/firmware/efi/efivars/ LIBEFIVAR_OPS=efivarfs

fail() {
        echo "FAIL: $*" >&2
        exit 1
}
ok() {
        echo "ok - $*"
}

# Modules copied into the initramfs (cp -p, as copy_file does).
INITRAMFS_MODULES="kernel/fs/efivarfs/efivarfs.ko kernel/drivers/net/virtio_net.ko updates/dkms/nvidia.ko updates/zfs.ko.xz"

make_roots() {
        "$MODS/build-tree.sh" "$S" "$KVER" 2>/dev/null
        mkdir -p "$S/etc/lastgood/agents.d" "$S/etc/falco/rules.d"
        printf '[Agent]\nUnits=falco-kmod.service\nModules=falco\nContent=/etc/falco/rules.d/*\nOnSafeMode=rollback\n' \
                > "$S/etc/lastgood/agents.d/falco.conf"
        echo "rules: 1" > "$S/etc/falco/rules.d/a.yaml"
        mkdir -p "$R/proc" "$R/run" "$R/dev" "$R/sys/firmware/efi/efivars" "$R/etc" "$R/var/lib/lastgood"
        echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" > "$R/proc/cmdline"
        : > "$R/dev/kmsg"
        # The proven boot's manifest, as the watchdog records it.
        "$HELPER" "$S" manifest "$KVER"
        rebuild_image
}

# What the initramfs hook does: copy modules, config, manifest; arm.
rebuild_image() {
        local p
        for p in $INITRAMFS_MODULES; do
                mkdir -p "$(dirname "$R/lib/modules/$KVER/$p")"
                cp -p "$S/lib/modules/$KVER/$p" "$R/lib/modules/$KVER/$p"
        done
        rm -rf "$R/etc/lastgood"
        cp -a "$S/etc/lastgood" "$R/etc/"
        if [ -f "$S/var/lib/lastgood/manifest" ]; then
                cp -p "$S/var/lib/lastgood/manifest" "$R/var/lib/lastgood/manifest"
        else
                rm -f "$R/var/lib/lastgood/manifest"
        fi
        "$EARLY" --root="$S" --kernel-release="$KVER" --image-dir="$R" arm-if-changed > /dev/null
}

set_cmdline() {
        echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet $*" > "$R/proc/cmdline"
}

pre_udev() {
        "$EARLY" --root="$R" --kernel-release="$KVER" pre-udev
}
pre_switch() {
        "$EARLY" --root="$R" --kernel-release="$KVER" pre-switch --sysroot="$S"
}
boot() {
        rm -rf "$R/run" && mkdir -p "$R/run"
        pre_udev
        pre_switch
}

# A new build of a third-party module on the real root (an update lands).
update_module() {
        local rel=$1 name
        name=$(basename "$rel")
        name=${name%%.ko*}
        rm -f "$S/lib/modules/$KVER/$rel"
        "$MODS/mkmod.sh" "$S/lib/modules/$KVER/$rel" license=GPL "srcversion=NEW$RANDOM$RANDOM"
}

state() {
        "$HELPER" "$R" show
}

# expect_file FILE <<EOF ... EOF: exact contents.
expect_file() {
        local want
        want=$(cat)
        [ -f "$1" ] || fail "$1 missing"
        if [ "$(cat "$1")" != "$want" ]; then
                diff -u <(echo "$want") "$1" >&2 || true
                fail "$1 differs"
        fi
}

expect_no_file() {
        [ ! -e "$1" ] || fail "$1 exists: $(cat "$1" 2>/dev/null | head -5)"
}

# decision without the fields that vary between cases
decision() {
        cat "$R/run/lastgood/decision"
}

# In-tree modules must never be named, whatever the level.
expect_no_intree() {
        local f
        for f in "$R/run/modprobe.d/lastgood.conf" "$R/run/lastgood/withheld"; do
                [ -f "$f" ] || continue
                if grep -qwE 'efivarfs|virtio_net|e1000e|efi_pstore' "$f"; then
                        fail "in-tree module named in $f"
                fi
        done
}
