#!/bin/bash
# A real dracut run with module 90lastgood, over the installed kernel of
# Debian's linux-image-cloud-amd64. Debian's dracut conflicts with
# initramfs-tools, so dracut and dracut-core are unpacked (apt-get download,
# dpkg-deb -x) into the temporary folder and run from there
# (dracutbasedir). Two images: a systemd initrd (units ordered before udev
# and before the switch) and a non-systemd one (pre-udev/pre-pivot hooks).
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

kver=$(cd /lib/modules && ls -d *-cloud-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kver" ] || fail "no linux-image-cloud-amd64 kernel installed (see .ci/packages)"
# The release as a pattern (Debian 13's has a '+').
kre=$(printf '%s' "$kver" | sed 's/[.+]/\\&/g')

# The .debs: $LASTGOOD_DRACUT_DEBS, else downloaded once into the build
# tree's fixture cache (kept across runs, so later runs need no network).
# Debian 13 ships dracut-install (the binary dracut-core runs) apart.
debs=${LASTGOOD_DRACUT_DEBS:-$MKMOD_CACHE/dracut-debs}
pkgs="dracut dracut-core"
apt-cache show dracut-install > /dev/null 2>&1 && pkgs="$pkgs dracut-install"
if ! ls "$debs"/dracut_*.deb "$debs"/dracut-core_*.deb > /dev/null 2>&1; then
        mkdir -p "$debs.tmp.$$"
        (cd "$debs.tmp.$$" && apt-get download $pkgs > /dev/null 2>&1) ||
                { rm -rf "$debs.tmp.$$"; fail "cannot download dracut and dracut-core from the Debian archive"; }
        mkdir -p "$debs"
        mv "$debs.tmp.$$"/*.deb "$debs/"
        rm -rf "$debs.tmp.$$"
fi
D=$T/dracut
mkdir -p "$D" "$T/empty" "$T/tmp"
for f in "$debs"/dracut_*.deb "$debs"/dracut-core_*.deb "$debs"/dracut-install_*.deb; do
        [ -f "$f" ] || continue
        dpkg-deb -x "$f" "$D"
done
[ -x "$D/usr/bin/dracut" ] || fail "dracut not unpacked"
cp -r "$top_srcdir/initramfs-hook/dracut/90lastgood" "$D/usr/lib/dracut/modules.d/"

host=$T/host
mkdir -p "$host/etc/lastgood/agents.d" "$host/lib/modules"
ln -s "/lib/modules/$kver" "$host/lib/modules/$kver"
printf '[Boot]\nThreshold=3\n' > "$host/etc/lastgood/lastgood.conf"
printf '[Agent]\nUnits=falco.service\nOnSafeMode=disable\n' > "$host/etc/lastgood/agents.d/falco.conf"
# An agent whose content holds a secret (a 6-digit PIN, root's only): the
# manifest lists it, the world-readable image must not (issue 18, row 5).
printf '[Agent]\nUnits=vault.service\nContent=/etc/vault/*\nOnSafeMode=rollback\n' > "$host/etc/lastgood/agents.d/vault.conf"
mkdir -p "$host/etc/vault"
echo 482915 > "$host/etc/vault/pin-secret"
chmod 0600 "$host/etc/vault/pin-secret"
"$HELPER" "$host" manifest "$kver"
grep -q '^content /etc/vault/pin-secret ' "$host/var/lib/lastgood/manifest" || fail "the test's manifest lacks the content file"
pin_fp=$("$HELPER" "$host" fingerprint "$kver" /etc/vault/pin-secret)
# no_secret DIR: the unpacked image lists no agent content (its manifest
# is the host's modules) and holds no content path or fingerprint.
no_secret() {
        diff <(grep '^module ' "$1/var/lib/lastgood/manifest") <(grep '^module ' "$host/var/lib/lastgood/manifest") ||
                fail "the image's manifest modules differ from the host's"
        ! grep -rqs '^content ' "$1/var/lib/lastgood" || fail "the image lists agent content"
        ! grep -rqaF -e /etc/vault/pin-secret -e "$pin_fp" "$1" || fail "the image discloses the root-only content file"
}
# Deny lists: both folders go into the image, a symlinked list does not.
mkdir -p "$host/etc/lastgood/deny.d" "$host/usr/lib/lastgood/deny.d"
printf 'sha256:%064d module lgcrash\n' 1 > "$host/etc/lastgood/deny.d/fleet.list"
printf 'sha256:%064d module lgcrash\n' 2 > "$host/usr/lib/lastgood/deny.d/vendor.list"
ln -s fleet.list "$host/etc/lastgood/deny.d/link.list"
mkdir -p "$R/sys/firmware/efi/efivars"
export LASTGOOD_EARLY=$EARLY LASTGOOD_ROOT=$host

build() {
        local img=$1 mods=$2
        dracutbasedir=$D/usr/lib/dracut "$D/usr/bin/dracut" --force --no-hostonly --no-compress \
                --kver "$kver" -m "$mods" --conf /dev/null --confdir "$T/empty" --tmpdir "$T/tmp" \
                "$img" > "$img.log" 2>&1 || { tail -30 "$img.log" >&2; fail "dracut failed ($mods)"; }
        case " $mods " in
        *" lastgood "*) grep -q 'Including module: lastgood' "$img.log" || fail "dracut did not include lastgood ($mods)" ;;
        esac
        # An uncompressed image ends in a way lsinitramfs reports; the list is whole.
        lsinitramfs "$img" 2> /dev/null > "$img.list" || true
        [ -s "$img.list" ] || fail "cannot list $img"
}
has() {
        grep -qE "$2" "$1.list" || fail "$(basename "$1") lacks $2"
}
common() {
        local img=$1 lib
        has "$img" '^usr/sbin/lastgood-early$'
        # A sanitizer build (the ASan pass of the suite) also needs the
        # sanitizer runtimes and what only they need (libstdc++): not a part
        # of what ships, and not what this test is about.
        for lib in $(ldd "$EARLY" | awk '$3 ~ /^\// { print $3 }'); do
                if ldd "$EARLY" | grep libasan >/dev/null && [[ $(basename "$lib") =~ ^lib(asan|ubsan|lsan|stdc\+\+)\. ]]; then
                        continue
                fi
                has "$img" "/$(basename "$lib")$"
        done
        # libkmod is opened on first use (dlopen()): the module installs it.
        has "$img" '/libkmod\.so\.2$'
        has "$img" "^usr/lib/modules/$kre/kernel/fs/efivarfs/efivarfs\\.ko(\\.xz|\\.zst)?$"
        has "$img" "^usr/lib/modules/$kre/kernel/drivers/firmware/efi/efi-pstore\\.ko(\\.xz|\\.zst)?$"
        has "$img" "^usr/lib/modules/$kre/kernel/drivers/watchdog/softdog\\.ko(\\.xz|\\.zst)?$"
        has "$img" '^etc/lastgood/lastgood\.conf$'
        has "$img" '^etc/lastgood/agents\.d/falco\.conf$'
        has "$img" '^var/lib/lastgood/manifest$'
        has "$img" '^var/lib/lastgood/initramfs\.inventory$'
        has "$img" '^etc/lastgood/deny\.d/fleet\.list$'
        has "$img" '^usr/lib/lastgood/deny\.d/vendor\.list$'
        ! grep -q 'link\.list' "$img.list" || fail "$(basename "$img"): a symlinked deny list went into the image"
}

# What lastgood adds (with bytes): each image is built without it first.
# A systemd initrd has libsystemd of its own; lastgood brings none.
build "$T/sd-base.img" "bash systemd systemd-initrd base"
build "$T/sd.img" "bash systemd systemd-initrd base lastgood"
echo "== what lastgood adds to the systemd dracut image (bytes path)"
initramfs_added "$T/sd-base.img" "$T/sd.img" | sed 's/^/   /'
common "$T/sd.img"
has "$T/sd.img" '^usr/lib/systemd/system/lastgood-pre-udev\.service$'
has "$T/sd.img" '^usr/lib/systemd/system/sysinit\.target\.wants/lastgood-pre-udev\.service$'
has "$T/sd.img" '^usr/lib/systemd/system/lastgood-pre-switch\.service$'
has "$T/sd.img" '^usr/lib/systemd/system/initrd\.target\.wants/lastgood-pre-switch\.service$'
mkdir -p "$T/sdx"
(cd "$T/sdx" && cpio -id --quiet < "$T/sd.img" 2> /dev/null) || true
u=$T/sdx/usr/lib/systemd/system
grep -q '^Before=.*systemd-udevd\.service.*systemd-udev-trigger\.service' "$u/lastgood-pre-udev.service" ||
        fail "pre-udev unit not ordered before udev"
grep -q '^After=initrd-root-fs\.target' "$u/lastgood-pre-switch.service" &&
        grep -q '^Before=.*initrd-switch-root\.target' "$u/lastgood-pre-switch.service" ||
        fail "pre-switch unit not ordered between the root mount and the switch"
grep -q -- '--sysroot=/sysroot' "$u/lastgood-pre-switch.service" || fail "pre-switch unit lacks --sysroot"
if command -v systemd-analyze > /dev/null; then
        systemd-analyze verify --man=no "$u/lastgood-pre-udev.service" "$u/lastgood-pre-switch.service" \
                > "$T/verify" 2>&1 || true
        if grep -E 'lastgood-pre-(udev|switch)\.service:' "$T/verify" | grep -v 'Command .* is not executable'; then
                fail "systemd-analyze verify complains about the units"
        fi
fi
ok "systemd initrd: binary, libraries, efivarfs, manifest, units ordered before udev and before the switch"
no_secret "$T/sdx"
ok "systemd initrd: the manifest's modules, no agent content path or fingerprint"

build "$T/nosd-base.img" "bash base"
build "$T/nosd.img" "bash base lastgood"
echo "== what lastgood adds to the non-systemd dracut image (bytes path)"
initramfs_added "$T/nosd-base.img" "$T/nosd.img" | sed 's/^/   /'
common "$T/nosd.img"
# (dracut 106, Debian 13, keeps its hooks under var/lib/dracut.)
has "$T/nosd.img" '^(usr|var)/lib/dracut/hooks/pre-udev/[0-9]+-lastgood-pre-udev\.sh$'
has "$T/nosd.img" '^(usr|var)/lib/dracut/hooks/pre-pivot/[0-9]+-lastgood-pre-pivot\.sh$'
ok "non-systemd initrd: binary, libraries, efivarfs, manifest, pre-udev and pre-pivot hooks"
mkdir -p "$T/nosdx"
(cd "$T/nosdx" && cpio -id --quiet < "$T/nosd.img" 2> /dev/null) || true
no_secret "$T/nosdx"
ok "non-systemd initrd: the manifest's modules, no agent content path or fingerprint"

[ -z "$(ls -A "$R/sys/firmware/efi/efivars")" ] || fail "store written although nothing changed"
ok "unchanged module set: not armed"

# A third-party module appears in the kernel's tree: the rebuild arms, and
# the image's build-time inventory names it.
rm "$host/lib/modules/$kver"
mkdir -p "$host/lib/modules/$kver"
ln -s "/lib/modules/$kver/kernel" "$host/lib/modules/$kver/kernel"
cp -a "/lib/modules/$kver/modules.order" "$host/lib/modules/$kver/"
"$MODS/mkmod.sh" "$host/lib/modules/$kver/updates/dkms/vendor.ko" license=Proprietary srcversion=V1
build "$T/nosd2.img" "bash base lastgood"
[ "$(state)" = "armed=1 tries=0 level=0 unproven=0 boot_seq=0" ] || fail "not armed after a changed rebuild: $(state)"
mkdir -p "$T/x2"
(cd "$T/x2" && cpio -id --quiet var/lib/lastgood/initramfs.inventory < "$T/nosd2.img" 2> /dev/null) || true
grep -q '^module vendor updates/dkms/vendor\.ko ' "$T/x2/var/lib/lastgood/initramfs.inventory" ||
        fail "the image's inventory lacks the new module"
ok "rebuild with a changed third-party set arms the counter; the image's inventory names the new module"
