#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl arm --if-changed and the package-manager hooks that call it
# (arm-hook, /etc/kernel/postinst.d/zz-lastgood), against a temporary root
# whose last known good is made by the real watchdog's proven write: an
# unchanged set writes nothing to the EFI variables, a DKMS update, new
# agent content, another kernel or an unreadable manifest arm, and the
# hooks never fail the package operation.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
CTL=$top_builddir/lastgoodctl
WD=$top_builddir/lastgood-watchdog
HOOK=$top_builddir/hooks/arm-hook
KPOST=$top_builddir/hooks/zz-lastgood
MODS=$top_srcdir/tests/fixtures/modules
export MKMOD_CACHE=${MKMOD_CACHE:-$top_builddir/tests/fixtures-cache}
KVER=6.1.0-lgarm
export LASTGOOD_ARM_HOOK=$HOOK
GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R=$T/root
fail() {
        echo "FAIL: $*" >&2
        exit 1
}

"$MODS/build-tree.sh" "$R" "$KVER" 2>/dev/null
mkdir -p "$R"/{proc,run,sys/firmware/efi/efivars,var/lib/lastgood} "$R"/etc/lastgood/agents.d "$R"/etc/falco/rules.d
echo "ro quiet" >"$R/proc/cmdline"
printf '[Agent]\nUnits=falco.service\nContent=/etc/falco/rules.d/*\nOnSafeMode=rollback\n' \
        >"$R/etc/lastgood/agents.d/falco.conf"
echo "rules: 1" >"$R/etc/falco/rules.d/a.yaml"
export EFIVARFS_PATH=$R/sys/firmware/efi/efivars/ LIBEFIVAR_OPS=efivarfs
STATE=$R/sys/firmware/efi/efivars/LastGoodState-$GUID

ctl() { "$CTL" --root="$R" --kernel-release="$KVER" "$@"; }
prove() {
        "$WD" --root="$R" --kernel-release="$KVER" --prove-now >"$T/prove.log" 2>&1 || fail "prove: $(cat "$T/prove.log")"
}
armed() { { ctl status --json || true; } | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["armed"] else 1)'; }
# efivars: names, sizes, mtimes and contents (any write changes it).
efi() { (cd "$R/sys/firmware/efi/efivars" && find . -type f -printf '%p %s %T@\n' | sort && find . -type f -exec cat {} + | md5sum); }
expect_no_write() { # CMD...: runs CMD, fails when the EFI variables changed
        local before
        before=$(efi)
        "$@" >"$T/out" 2>&1 || fail "$* exited $?: $(cat "$T/out")"
        [ "$(efi)" = "$before" ] || fail "$* wrote the EFI variables: $(cat "$T/out")"
}
expect_arms() { # CMD...
        "$@" >"$T/out" 2>&1 || fail "$* exited $?: $(cat "$T/out")"
        armed || fail "$* did not arm: $(cat "$T/out")"
}

echo "== proven, unchanged: nothing written"
prove
! armed || fail "not a proven steady state"
expect_no_write ctl arm --if-changed
grep -q "Nothing to change: the third-party set of $KVER is the last known good" "$T/out" || fail "message: $(cat "$T/out")"
LASTGOODCTL=$CTL LASTGOOD_ROOT=$R expect_no_write "$HOOK" "$KVER"
LASTGOODCTL=$CTL LASTGOOD_ROOT=$R expect_no_write "$KPOST" "$KVER" /boot/vmlinuz-$KVER
# A proof from no record writes none: steady state never creates one.
[ ! -e "$STATE" ] || fail "a record was created in steady state"

echo "== a DKMS module rebuilt: armed, once"
rm -f "$R/lib/modules/$KVER/updates/dkms/nvidia.ko"
"$MODS/mkmod.sh" "$R/lib/modules/$KVER/updates/dkms/nvidia.ko" license=NVIDIA srcversion=NEWBUILD1
LASTGOODCTL=$CTL LASTGOOD_ROOT=$R expect_arms "$HOOK" "$KVER"
expect_no_write ctl arm --if-changed # armed already: no second write
prove

echo "== new agent content: armed"
expect_no_write ctl arm --if-changed
echo "rules: 2" >"$R/etc/falco/rules.d/b.yaml"
expect_arms ctl arm --if-changed
prove

echo "== the hook of a newly installed kernel: armed (no last known good for it)"
mkdir -p "$R/lib/modules/6.2.0-new"
cp -a "$R/lib/modules/$KVER/." "$R/lib/modules/6.2.0-new/"
LASTGOODCTL=$CTL LASTGOOD_ROOT=$R expect_arms "$KPOST" 6.2.0-new /boot/vmlinuz-6.2.0-new
prove

echo "== an unreadable manifest: armed (the safe side)"
manifest=$(readlink -f "$R/var/lib/lastgood/manifest")
head -c 500 /dev/urandom >"$manifest"
expect_arms ctl arm --if-changed
prove

echo "== the hooks never fail: no lastgoodctl, a missing root, no argument"
LASTGOODCTL=$T/nonexistent "$HOOK" "$KVER" 2>"$T/err" || fail "arm-hook failed without lastgoodctl"
grep -q "lastgoodctl not found" "$T/err" || fail "no warning: $(cat "$T/err")"
LASTGOODCTL=$CTL LASTGOOD_ROOT=$T/no-such-root "$HOOK" "$KVER" 2>"$T/err" || fail "arm-hook failed on a bad root"
grep -q "cannot arm the boot counter" "$T/err" || fail "no warning: $(cat "$T/err")"
LASTGOODCTL=$CTL LASTGOOD_ROOT=$R "$KPOST" || fail "zz-lastgood without arguments"
LASTGOOD_ARM_HOOK=$T/removed "$KPOST" "$KVER" || fail "zz-lastgood after the package was removed"

echo "== /var/lib/lastgood: one mode, whoever makes it first"
# The watchdog's unit says StateDirectoryMode=0700; the hook on a host
# without EFI variables (file store) makes the folder first, and the proof
# too: the same mode, and the folders above it stay searchable.
unit_mode=$(sed -n 's/^StateDirectoryMode=//p' "$top_srcdir/units/lastgood-watchdog.service.in")
[ "$unit_mode" = 0700 ] || fail "the unit's StateDirectoryMode= is $unit_mode"
R2=$T/nonefi
mkdir -p "$R2"/{proc,run,etc} "$R2/lib/modules/$KVER"
echo "ro quiet" >"$R2/proc/cmdline"
LASTGOODCTL=$CTL LASTGOOD_ROOT=$R2 LIBEFIVAR_OPS=none "$HOOK" "$KVER" 2>"$T/err" || fail "arm-hook: $(cat "$T/err")"
[ -f "$R2/var/lib/lastgood/state" ] || fail "the hook wrote no state file: $(cat "$T/err")"
[ "$(stat -c %04a "$R2/var/lib/lastgood")" = "$unit_mode" ] ||
        fail "the hook made /var/lib/lastgood $(stat -c %04a "$R2/var/lib/lastgood"), the unit wants $unit_mode"
[ "$(stat -c %a "$R2/var/lib")" = 755 ] && [ "$(stat -c %a "$R2/var")" = 755 ] || fail "folders above it not 0755"
rm -rf "$R2/var"
LIBEFIVAR_OPS=none "$WD" --root="$R2" --kernel-release="$KVER" --prove-now >"$T/prove.log" 2>&1 ||
        fail "prove-now: $(cat "$T/prove.log")"
[ "$(stat -c %04a "$R2/var/lib/lastgood")" = "$unit_mode" ] ||
        fail "the proof made /var/lib/lastgood $(stat -c %04a "$R2/var/lib/lastgood")"
echo OK
