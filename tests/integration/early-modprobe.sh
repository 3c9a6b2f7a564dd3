#!/bin/bash
# The modprobe.d file lastgood-early writes, read by the real modprobe
# (kmod, not a mock): `modprobe -C DIR --dirname=ROOT -S KVER` over the fake
# module tree (indexed by the real depmod). A withheld module is refused
# by name (install /bin/false, which modprobe really runs) and by alias
# (blacklist); an in-tree module, by name and by alias,
# still resolves to its insmod. A control configuration with the blacklist
# line alone shows why the contract wants both lines.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

make_roots_updated
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=1
boot
expect_conf nvidia vendor_blob

NV_ALIAS=pci:v000010DEd00001EB8sv000010DEsd000012A2bc03sc02i00
E1000E_ALIAS=pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00
m="$S/lib/modules/$KVER"
mp() {
        modprobe -C "$R/run/modprobe.d" --dirname="$S" -S "$KVER" "$@"
}
# expect_out WANT CMD...: the command succeeds and prints exactly WANT
# (modprobe ends its lines with a blank).
expect_out() {
        local want=$1 out
        shift
        out=$("$@" 2>&1) || fail "$* failed: $out"
        [ "$(printf '%s\n' "$out" | sed 's/ *$//')" = "$want" ] || fail "$*: '$out', expected '$want'"
        check
}

# kmod parses the file: its configuration dump has both lines of each.
mp --showconfig > "$T/showconfig"
for n in nvidia vendor_blob; do
        grep -qx "blacklist $n" "$T/showconfig" || fail "modprobe -c lacks blacklist $n"
        grep -qx "install $n /bin/false" "$T/showconfig" || fail "modprobe -c lacks install $n"
        check
done
ok "modprobe --showconfig reads both lines of each withheld module"

# By name: refused; the dry run shows the install command, the real run
# executes /bin/false and fails (no kernel is asked for anything).
expect_out "install /bin/false" mp -n -v nvidia
expect_out "install /bin/false" mp --show-depends nvidia
expect_out "install /bin/false" mp -n -v vendor-blob
# (vendor_blob: a name no real host has loaded, which modprobe would
# report as done without running anything.)
if mp vendor-blob 2> "$T/mp.err"; then
        fail "modprobe vendor-blob succeeded despite install /bin/false"
fi
grep -q "Error running install command '/bin/false' for module vendor_blob" "$T/mp.err" ||
        fail "modprobe vendor-blob did not run /bin/false: $(cat "$T/mp.err")"
check
ok "withheld nvidia and vendor-blob refused by name (install /bin/false run by the real modprobe)"

# By alias, as udev loads (--use-blacklist), and without -b: the blacklist
# line makes kmod ignore the module's own aliases, nothing is loaded.
expect_out "" mp -n -v -b "$NV_ALIAS"
expect_out "" mp -n -v "$NV_ALIAS"
ok "withheld nvidia by PCI alias: nothing resolves, with and without udev's -b"

# In-tree modules still resolve, by name and by alias (udev's way).
expect_out "insmod $m/kernel/drivers/net/e1000e.ko" mp -n -v e1000e
expect_out "insmod $m/kernel/drivers/net/e1000e.ko" mp --show-depends e1000e
expect_out "insmod $m/kernel/drivers/net/e1000e.ko" mp -n -v -b "$E1000E_ALIAS"
expect_out "insmod $m/kernel/fs/efivarfs/efivarfs.ko" mp -n -v efivarfs
# Third-party modules that did not change are not touched at level 1.
expect_out "insmod $m/updates/zfs.ko.xz" mp -n -v zfs
ok "in-tree e1000e (by name and alias), efivarfs and the unchanged zfs resolve to insmod"

# Control: without lastgood's file the alias loads nvidia; with the
# blacklist line alone, loading by name still works - hence both lines.
mkdir -p "$T/none" "$T/blonly"
expect_out "insmod $m/updates/dkms/nvidia.ko" modprobe -C "$T/none" --dirname="$S" -S "$KVER" -n -v -b "$NV_ALIAS"
echo "blacklist nvidia" > "$T/blonly/x.conf"
expect_out "insmod $m/updates/dkms/nvidia.ko" modprobe -C "$T/blonly" --dirname="$S" -S "$KVER" -n -v nvidia
ok "control: no file loads nvidia by alias; blacklist alone does not stop loading by name"

# Level 2: every third-party module refused, every in-tree one resolves.
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=10
boot
expect_conf falco nvidia vboxdrv vendor_blob zfs
for n in falco nvidia vboxdrv vendor_blob zfs; do
        expect_out "install /bin/false" mp -n -v "$n"
done
for p in kernel/fs/efivarfs/efivarfs.ko kernel/drivers/net/virtio_net.ko kernel/drivers/net/e1000e.ko \
        kernel/fs/pstore/efi_pstore.ko; do
        n=$(basename "$p" .ko)
        expect_out "insmod $m/$p" mp -n -v "$n"
done
ok "level 2: the five third-party modules refused, the four in-tree ones resolve"

checks_done
