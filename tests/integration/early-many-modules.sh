#!/bin/bash
# 10,000 modules (issue 3, bad input): 7,000 in-tree, 3,000 third-party
# (updates/dkms/, extra/ as .ko.xz) next to the fixture tree. Both stages
# stay inside their own time bound (no "time limit reached"), and the
# outcome is exact: steady state writes nothing, level 1 withholds exactly
# the 10 updated modules, level 2 exactly the 3,005 third-party ones and no
# in-tree one; without a manifest every file is read once and the boot is
# armed. The time of each stage is printed (not asserted: bench/ measures).
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

command -v python3 > /dev/null || fail "python3 is needed to lay out 10,000 files"

make_roots
m=$S/lib/modules/$KVER
vm="vermagic=$KVER SMP mod_unload modversions"
"$MODS/mkmod.sh" "$T/intree.ko" intree=Y license=GPL "$vm"
"$MODS/mkmod.sh" "$T/third.ko" license=Proprietary "$vm" srcversion=MANY0001
"$MODS/mkmod.sh" "$T/third.ko.xz" license=Proprietary "$vm" srcversion=MANY0002
python3 - "$m" "$T" << 'EOF'
import os, shutil, sys
m, t = sys.argv[1], sys.argv[2]
def lay(src, fmt, n, per_dir):
    for i in range(n):
        p = os.path.join(m, fmt.format(d=i // per_dir, i=i))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        shutil.copyfile(os.path.join(t, src), p)
lay("intree.ko", "kernel/drivers/many/d{d:02d}/intree_{i:04d}.ko", 7000, 100)
lay("third.ko", "updates/dkms/many/third_{i:04d}.ko", 2000, 2000)
lay("third.ko.xz", "extra/many/x{d}/xmod_{i:04d}.ko.xz", 1000, 250)
EOF
n=$(find "$m" -name '*.ko*' | wc -l)
[ "$n" = 10009 ] || fail "tree has $n module files"
check
# Expected level-2 set, in the order of the file (strcmp).
mapfile -t third < <({ printf '%s\n' falco nvidia vboxdrv vendor_blob zfs
        printf 'third_%04d\n' $(seq 0 1999)
        printf 'xmod_%04d\n' $(seq 0 999); } | LC_ALL=C sort)

timed() {
        local t0 t1
        t0=$(date +%s%N)
        "$@"
        t1=$(date +%s%N)
        echo "# $*: $(((t1 - t0) / 1000000)) ms"
}

# --- No manifest yet (lastgood just installed): every file read once, armed.
rm -f "$S/var/lib/lastgood/manifest"
rebuild_image
expect_state "armed=1 tries=0 level=0 unproven=0 boot_seq=0"
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=0
rm -rf "$R/run" && mkdir -p "$R/run"
timed pre_udev
timed pre_switch
expect_state "armed=1 tries=1 level=0 unproven=0 boot_seq=1"
expect_conf
expect_events "no usable last-known-good manifest: counting armed"
ok "10,009 modules, no manifest: read once within the time bound, armed, nothing withheld at level 0"

# --- Proven: steady state writes nothing.
"$HELPER" "$S" manifest "$KVER"
[ "$(grep -c '^module ' "$S/var/lib/lastgood/manifest")" = 3005 ] &&
        [ "$(grep -c '^intree ' "$S/var/lib/lastgood/manifest")" = 7004 ] ||
        fail "manifest does not hold 3,005 third-party modules and 7,004 in-tree stat keys"
check
rebuild_image
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=1
efi_before=$(efi_snapshot)
rm -rf "$R/run" && mkdir -p "$R/run"
timed pre_udev
[ -z "$(ls -A "$R/run")" ] || fail "steady-state pre-udev wrote to /run"
check
timed pre_switch
[ "$(efi_snapshot)" = "$efi_before" ] || fail "steady state touched the EFI variables"
check
expect_conf
expect_withheld
expect_decision BOOT_SEQ=1
ok "10,009 modules, proven: steady state, nothing written to the store or withheld"

# --- Level 1: ten of the 3,000 updated, exactly those withheld.
upd=()
for i in 0007 0500 1999; do
        update_module "updates/dkms/many/third_$i.ko"
        upd+=("third_$i")
done
for i in 0000 0001 0249 0250 0500 0751 0999; do
        rm "$m/extra/many/x$((10#$i / 250))/xmod_$i.ko.xz"
        "$MODS/mkmod.sh" "$m/extra/many/x$((10#$i / 250))/xmod_$i.ko.xz" license=GPL "srcversion=UPD$i"
        upd+=("xmod_$i")
done
rebuild_image
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=10
rm -rf "$R/run" && mkdir -p "$R/run"
timed pre_udev
timed pre_switch
expect_conf "${upd[@]}"
lines=()
for n in "${upd[@]}"; do
        lines+=("module $n changed -")
done
expect_withheld "${lines[@]}"
expect_no_intree
ok "level 1 over 10,009 modules: exactly the ten updated ones"

# --- Level 2: all 3,005 third-party modules, no in-tree one.
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=20
rm -rf "$R/run" && mkdir -p "$R/run"
timed pre_udev
timed pre_switch
expect_conf "${third[@]}"
[ "$(wc -l < "$R/run/lastgood/withheld")" = 3006 ] || fail "withheld has $(wc -l < "$R/run/lastgood/withheld") lines"
check
! grep -q intree_ "$R/run/modprobe.d/lastgood.conf" "$R/run/lastgood/withheld" || fail "an in-tree module withheld"
check
expect_no_intree
ok "level 2 over 10,009 modules: the 3,005 third-party modules (and the agent's unit), no in-tree one"

checks_done
