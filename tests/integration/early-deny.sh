#!/bin/bash
# Deny lists at boot (DESIGN.md, "Fleet immunity"; lastgood-deny.d(5)): a
# module whose SHA-256 a list names is withheld at every boot, already
# before udev when the image holds it (the lists are copied into the
# image), whatever the counter or the level, and whatever lastgood.allow=
# or lastgood.release= say. A denied item is not a change: a new build
# that is denied does not arm the host, costs no try and no EFI variable
# write. Each is an "item denied" event with the list's file and line and
# the item's fingerprint. Bad lists: a world-writable file is ignored with
# the reason, a bad line is ignored and said, a list denying an in-tree
# module is honoured and said.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

DENIED_ID=9e4cca18777541b5a0e7af80d37aeb7e
LIST=/etc/lastgood/deny.d/fleet.list

make_roots
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=5
rebuild_image
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=5"

# A new nvidia build lands, and the fleet's list already denies it.
update_module updates/dkms/nvidia.ko
sha=$(sha256sum "$S/lib/modules/$KVER/updates/dkms/nvidia.ko" | cut -d' ' -f1)
rules_sha=$(printf 'rules: 666\n' | sha256sum | cut -d' ' -f1)
mkdir -p "$S/etc/lastgood/deny.d"
cat > "$S$LIST" <<LIST
# written by lastgoodctl fleet --deny-list
sha256:$sha module nvidia -  # 3 hosts, first seen 2026-07-19T04:09:00Z
sha256:$rules_sha content /etc/falco/rules.d/a.yaml falco
sha256:1234 module short-hex
LIST
chmod 0644 "$S$LIST"

efi_before=$(efi_snapshot)
rebuild_image
[ "$(efi_snapshot)" = "$efi_before" ] || fail "the image build armed the host for a denied module"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=5"
[ -f "$R$LIST" ] || fail "the list is not in the image"
check
ok "a denied new build is no change: the image build does not arm"

boot
expect_conf nvidia
printf 'module\tnvidia\tdenied\t-\t-\t%s:2\n' "$LIST" | expect_file "$R/run/lastgood/withheld"
expect_decision BOOT_SEQ=5
expect_events "module nvidia denied by $LIST:2: withheld (not a change, nothing counted)"
grep -q "^MESSAGE_ID=$DENIED_ID\$" "$R/run/lastgood/events" || fail "no item-denied MESSAGE_ID"
grep -q "^LASTGOOD_ITEM_SHA256=sha256:$sha\$" "$R/run/lastgood/events" || fail "no LASTGOOD_ITEM_SHA256"
grep -q "^LASTGOOD_DENY_LIST=$LIST:2\$" "$R/run/lastgood/events" || fail "no LASTGOOD_DENY_LIST"
check
expect_kmsg "deny list $LIST, line 4: fingerprint of the wrong length (64 hex digits); the line is ignored"
[ "$(efi_snapshot)" = "$efi_before" ] || fail "a boot with a denied module wrote the EFI variables"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=5"
expect_no_intree
ok "withheld before udev and at pre-switch, one event, not armed, no EFI write"

# pre-udev alone (the image's copy of the list): the module is withheld
# before udev could load it.
rm -rf "$R/run" && mkdir -p "$R/run"
pre_udev
expect_conf nvidia
check
ok "pre-udev withholds it from the image's own list"

# Whatever the level, allow= or release= say.
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=20
boot
grep -q "^module	nvidia	denied	-	-	$LIST:2\$" "$R/run/lastgood/withheld" || fail "level 2: not denied: $(cat "$R/run/lastgood/withheld")"
check
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=30
set_cmdline lastgood.allow=nvidia lastgood.release=nvidia
boot
expect_conf nvidia
set_cmdline lastgood.mode=normal
boot
expect_conf nvidia
set_cmdline lastgood.mode=off
boot
expect_conf
set_cmdline
ok "denied at level 2, with allow=/release=, in mode normal; off does nothing"

# The list's file writable by others: ignored as a whole, with the reason.
chmod 0666 "$S$LIST"
rebuild_image
boot
expect_conf
expect_kmsg "deny list $LIST is writable by others; it is ignored"
# Without the list, the new build is a change: the image build armed.
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=31"
chmod 0644 "$S$LIST"
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=30
rebuild_image
ok "a world-writable list is ignored, and said (and the denied build counts again)"

# A list through a symlinked folder is never read.
mv "$S/etc/lastgood/deny.d" "$S/etc/lastgood/deny.real"
ln -s deny.real "$S/etc/lastgood/deny.d"
rm -rf "$R/run" && mkdir -p "$R/run"
pre_switch
expect_conf
expect_kmsg "deny list /etc/lastgood/deny.d is reached through a symlink; it is ignored"
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=31"
rm "$S/etc/lastgood/deny.d"
mv "$S/etc/lastgood/deny.real" "$S/etc/lastgood/deny.d"
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=30
ok "a deny.d reached through a symlink is not read (the new build arms)"

# An in-tree module named by the administrator's list: honoured, and said.
efi_sha=$(sha256sum "$S/lib/modules/$KVER/kernel/fs/efivarfs/efivarfs.ko" | cut -d' ' -f1)
printf 'sha256:%s module efivarfs\n' "$efi_sha" > "$S/etc/lastgood/deny.d/intree.list"
printf 'sha256:%s module virtio_net  # wrong bytes: not withheld\n' "$rules_sha" >> "$S/etc/lastgood/deny.d/intree.list"
rebuild_image
boot
expect_conf efivarfs nvidia
expect_kmsg "deny list names the in-tree module efivarfs: withheld as the list says"
grep -q "virtio_net" "$R/run/modprobe.d/lastgood.conf" && fail "virtio_net withheld by name alone"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=30"
ok "an in-tree module denied by its fingerprint is withheld; a name alone withholds nothing"

# The list line removed: the build is now a change like any other.
rm "$S/etc/lastgood/deny.d/intree.list"
sed -i '/module nvidia/d' "$S$LIST"
rebuild_image
expect_state "armed=1 tries=0 level=0 unproven=0 boot_seq=30"
ok "without its line, the new build arms the host"

checks_done
