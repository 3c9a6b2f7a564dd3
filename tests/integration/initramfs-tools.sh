#!/bin/bash
# A real mkinitramfs (initramfs-tools) with lastgood's hook and scripts in a
# temporary -d configuration folder, over the installed kernel of Debian's
# linux-image-cloud-amd64: the image holds lastgood-early and its libraries,
# both scripts (init-top ordered before udev), efivarfs, the configuration,
# the manifest and the build-time inventory; rebuilding with a changed
# third-party set arms the counter.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

kver=$(cd /lib/modules && ls -d *-cloud-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kver" ] || fail "no linux-image-cloud-amd64 kernel installed (see .ci/packages)"
command -v mkinitramfs > /dev/null || fail "initramfs-tools not installed (see .ci/packages)"

src=$top_srcdir/initramfs-hook/initramfs-tools
conf=$T/conf
host=$T/host
mkdir -p "$conf" "$R/sys/firmware/efi/efivars"
cp -a /etc/initramfs-tools/. "$conf/"
# MODULES=list: MODULES=dep needs the device of / (none in a chroot, as in
# a Debian 13 package build); what lastgood adds does not depend on it.
sed -i 's/^MODULES=.*/MODULES=list/; s/^COMPRESS=.*/COMPRESS=gzip/' "$conf/initramfs.conf"
install -D -m 0755 "$src/hooks/lastgood" "$conf/hooks/lastgood"
install -D -m 0755 "$src/scripts/init-top/lastgood" "$conf/scripts/init-top/lastgood"
install -D -m 0755 "$src/scripts/local-bottom/lastgood" "$conf/scripts/local-bottom/lastgood"

# The host's lastgood files, in a root of their own (its module tree is the
# installed kernel's).
mkdir -p "$host/etc/lastgood/agents.d" "$host/lib/modules" "$host/var/lib/lastgood"
ln -s "/lib/modules/$kver" "$host/lib/modules/$kver"
printf '[Boot]\nThreshold=3\n' > "$host/etc/lastgood/lastgood.conf"
printf '[Agent]\nUnits=falco.service\nOnSafeMode=keep\n' > "$host/etc/lastgood/agents.d/falco.conf"
# An agent whose content holds a secret (a 6-digit PIN, root's only): the
# manifest lists it, the world-readable image must not (issue 18, row 5).
printf '[Agent]\nUnits=vault.service\nContent=/etc/vault/*\nOnSafeMode=rollback\n' > "$host/etc/lastgood/agents.d/vault.conf"
mkdir -p "$host/etc/vault"
echo 482915 > "$host/etc/vault/pin-secret"
chmod 0600 "$host/etc/vault/pin-secret"
"$HELPER" "$host" manifest "$kver"
grep -q '^content /etc/vault/pin-secret ' "$host/var/lib/lastgood/manifest" || fail "the test's manifest lacks the content file"
pin_fp=$("$HELPER" "$host" fingerprint "$kver" /etc/vault/pin-secret)
# Deny lists: both folders go into the image, a symlinked list does not.
mkdir -p "$host/etc/lastgood/deny.d" "$host/usr/lib/lastgood/deny.d"
printf 'sha256:%064d module lgcrash\n' 1 > "$host/etc/lastgood/deny.d/fleet.list"
printf 'sha256:%064d module lgcrash\n' 2 > "$host/usr/lib/lastgood/deny.d/vendor.list"
ln -s fleet.list "$host/etc/lastgood/deny.d/link.list"

export LASTGOOD_EARLY=$EARLY LASTGOOD_ROOT=$host
build() {
        mkinitramfs -d "$conf" -o "$T/initrd.img" "$kver" 2> "$T/mkinitramfs.err" ||
                { cat "$T/mkinitramfs.err" >&2; fail "mkinitramfs failed"; }
        lsinitramfs "$T/initrd.img" > "$T/list"
}
has() {
        grep -qE "$1" "$T/list" || fail "image lacks $1"
}

# What lastgood adds (with bytes): the same build without its hook and
# scripts first.
mkdir -p "$T/conf-base"
cp -a "$conf/." "$T/conf-base/"
rm -f "$T/conf-base/hooks/lastgood" "$T/conf-base/scripts/init-top/lastgood" "$T/conf-base/scripts/local-bottom/lastgood"
mkinitramfs -d "$T/conf-base" -o "$T/base.img" "$kver" 2> "$T/mkinitramfs-base.err" ||
        { cat "$T/mkinitramfs-base.err" >&2; fail "mkinitramfs without lastgood failed"; }
build
echo "== what lastgood adds to the initramfs-tools image (bytes path)"
initramfs_added "$T/base.img" "$T/initrd.img" | sed 's/^/   /'
ok "lastgood adds no journal, JSON or crypto library"
has '^usr/sbin/lastgood-early$'
for lib in libkmod.so libefivar.so; do
        lib_path=$(ldd "$EARLY" | awk -v l="$lib" 'index($1, l) == 1 { print $3 }')
        [ -n "$lib_path" ] || continue
        has "${lib_path#/}$|/$(basename "$lib_path")$"
done
# libkmod is opened on first use (dlopen()): the hook copies it itself.
has '/libkmod\.so\.2$'
# (kre: the release as a pattern; Debian 13's has a '+'. Modules of
# Debian 13's kernel are .ko.xz.)
kre=$(printf '%s' "$kver" | sed 's/[.+]/\\&/g')
has '^usr/lib/modules/'"$kre"'/kernel/fs/efivarfs/efivarfs\.ko(\.xz|\.zst)?$'
has '^usr/lib/modules/'"$kre"'/kernel/drivers/firmware/efi/efi-pstore\.ko(\.xz|\.zst)?$'
has '^usr/lib/modules/'"$kre"'/kernel/drivers/watchdog/softdog\.ko(\.xz|\.zst)?$'
has '^scripts/init-top/lastgood$'
has '^scripts/local-bottom/lastgood$'
has '^etc/lastgood/lastgood\.conf$'
has '^etc/lastgood/agents\.d/falco\.conf$'
has '^var/lib/lastgood/manifest$'
has '^var/lib/lastgood/initramfs\.inventory$'
has '^etc/lastgood/deny\.d/fleet\.list$'
has '^usr/lib/lastgood/deny\.d/vendor\.list$'
! grep -q 'link\.list' "$T/list" || fail "a symlinked deny list went into the image"
ok "image holds the binary, its libraries, the scripts, efivarfs, softdog and the manifest"

mkdir -p "$T/x"
(cd "$T/x" && zcat "$T/initrd.img" | cpio -id --quiet 2> /dev/null) || unmkinitramfs "$T/initrd.img" "$T/x"
order=$T/x/scripts/init-top/ORDER
[ -f "$order" ] || order=$(find "$T/x" -path '*scripts/init-top/ORDER' | head -1)
lg=$(grep -n 'init-top/lastgood' "$order" | cut -d: -f1)
ud=$(grep -n 'init-top/udev' "$order" | cut -d: -f1)
[ -n "$lg" ] && [ -n "$ud" ] && [ "$lg" -lt "$ud" ] || fail "init-top/lastgood does not run before udev: $(cat "$order")"
ok "init-top/lastgood runs before udev"
# The image's manifest is the module part of the host's, nothing of agent
# content: no path, size, inode or fingerprint (in any file of the image).
diff <(grep '^module ' "$T/x/var/lib/lastgood/manifest") <(grep '^module ' "$host/var/lib/lastgood/manifest") ||
        fail "the image's manifest modules differ from the host's"
! grep -rqs '^content ' "$T/x/var/lib/lastgood" || fail "the image lists agent content: $(grep -rs '^content ' "$T/x/var/lib/lastgood")"
! grep -rqaF -e /etc/vault/pin-secret -e "$pin_fp" "$T/x" || fail "the image discloses the root-only content file"
ok "the image holds the manifest's modules, no agent content path or fingerprint"
# The binary in the image runs (its libraries are all there).
ldd "$T/x/usr/sbin/lastgood-early" > /dev/null
# With /proc in a mount namespace of its own (a sanitizer build reads
# /proc/self/maps; nothing leaks to the host).
mkdir -p "$T/x/proc"
# (In a chroot, a package build's, / is no mount point: its propagation
# cannot change, and that namespace is a private one already.)
ns="unshare -m"
unshare -m true 2> /dev/null || ns="unshare -m --propagation unchanged"
if [ "$(id -u)" = 0 ]; then
        $ns sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /usr/sbin/lastgood-early --help' _ "$T/x" \
                > /dev/null 2>&1 || fail "lastgood-early does not run inside the image"
fi
ok "image's lastgood-early runs"

# pre-udev works from what the image holds (the module part of the manifest
# and the build-time inventory): a safe-mode boot decides level 1, reads
# both as sound, and withholds nothing, since no module changed.
mkdir -p "$T/xefi" "$T/x/run" "$T/x/dev"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro lastgood.mode=safe" > "$T/x/proc/cmdline"
EFIVARFS_PATH="$T/xefi/" LIBEFIVAR_OPS=efivarfs "$EARLY" --root="$T/x" --kernel-release="$kver" pre-udev \
        2> "$T/pre-udev.err" || fail "pre-udev failed in the image: $(cat "$T/pre-udev.err")"
grep -q '^LEVEL=1$' "$T/x/run/lastgood/decision" || fail "pre-udev decided no level 1: $(cat "$T/x/run/lastgood/decision" 2>&1)"
! grep -qi 'corrupt' "$T/pre-udev.err" "$T/x/dev/kmsg" 2> /dev/null || fail "pre-udev: $(cat "$T/pre-udev.err")"
! grep -qs '^blacklist' "$T/x/run/modprobe.d/lastgood.conf" || fail "pre-udev withheld an unchanged module"
ok "pre-udev decides from the image's module manifest and inventory"

# Same set as the manifest: nothing armed, nothing written.
[ -z "$(ls -A "$R/sys/firmware/efi/efivars")" ] || fail "store written although nothing changed"
ok "unchanged module set: not armed"

# A third-party module appears in the kernel's tree: the rebuild arms.
rm "$host/lib/modules/$kver"
mkdir -p "$host/lib/modules/$kver"
cp -a "/lib/modules/$kver/modules.order" "$host/lib/modules/$kver/"
"$MODS/mkmod.sh" "$host/lib/modules/$kver/updates/dkms/vendor.ko" license=Proprietary srcversion=V1
ln -s "/lib/modules/$kver/kernel" "$host/lib/modules/$kver/kernel"
build
[ "$(state)" = "armed=1 tries=0 level=0 unproven=0 boot_seq=0" ] || fail "not armed after a changed rebuild: $(state)"
ok "rebuild with a changed third-party set arms the counter"
