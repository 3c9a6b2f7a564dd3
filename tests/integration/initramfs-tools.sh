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
sed -i 's/^MODULES=.*/MODULES=dep/; s/^COMPRESS=.*/COMPRESS=gzip/' "$conf/initramfs.conf"
install -D -m 0755 "$src/hooks/lastgood" "$conf/hooks/lastgood"
install -D -m 0755 "$src/scripts/init-top/lastgood" "$conf/scripts/init-top/lastgood"
install -D -m 0755 "$src/scripts/local-bottom/lastgood" "$conf/scripts/local-bottom/lastgood"

# The host's lastgood files, in a root of their own (its module tree is the
# installed kernel's).
mkdir -p "$host/etc/lastgood/agents.d" "$host/lib/modules" "$host/var/lib/lastgood"
ln -s "/lib/modules/$kver" "$host/lib/modules/$kver"
printf '[Boot]\nThreshold=3\n' > "$host/etc/lastgood/lastgood.conf"
printf '[Agent]\nUnits=falco.service\nOnSafeMode=keep\n' > "$host/etc/lastgood/agents.d/falco.conf"
"$HELPER" "$host" manifest "$kver"
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
has '^usr/lib/modules/'"$kver"'/kernel/fs/efivarfs/efivarfs\.ko$'
has '^usr/lib/modules/'"$kver"'/kernel/drivers/firmware/efi/efi-pstore\.ko$'
has '^usr/lib/modules/'"$kver"'/kernel/drivers/watchdog/softdog\.ko$'
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
cmp -s "$T/x/var/lib/lastgood/manifest" "$host/var/lib/lastgood/manifest" || fail "manifest copy differs"
# The binary in the image runs (its libraries are all there).
ldd "$T/x/usr/sbin/lastgood-early" > /dev/null
# With /proc in a mount namespace of its own (a sanitizer build reads
# /proc/self/maps; nothing leaks to the host).
mkdir -p "$T/x/proc"
if [ "$(id -u)" = 0 ]; then
        unshare -m sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /usr/sbin/lastgood-early --help' _ "$T/x" \
                > /dev/null 2>&1 || fail "lastgood-early does not run inside the image"
fi
ok "image's lastgood-early runs"

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
