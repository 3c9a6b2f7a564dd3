#!/bin/bash
# Bad module trees of issue 3, through both stages of lastgood-early at
# level 2 (where every third-party file is looked at): unreadable,
# truncated, zero-length and non-ELF .ko files, broken compressed ones, a
# FIFO (never opened: it would block), symlink loops (files and folders),
# a dangling link, folders nested deeper than the walk goes, and module
# file names with shell metacharacters (they must never reach a shell nor
# modprobe.d). Good compressed modules (.ko.xz, .ko.zst) are inventoried,
# fingerprinted and withheld like any other. Each case: exit 0, a message
# with the count of skipped files, and the exact normal outcome.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"

make_roots
m=$S/lib/modules/$KVER
b=$m/updates/bad
mkdir -p "$b"
# The stages run without the capabilities that bypass file modes.
EARLY_PREFIX=without_dac

# --- Unusable files, each skipped (one "skipped" count apiece; the FIFO,
# no regular file, is passed over without a count).
"$MODS/mkmod.sh" "$b/unreadable.ko" license=GPL srcversion=U1
chmod 000 "$b/unreadable.ko"
"$MODS/mkmod.sh" "$b/truncated.ko" license=GPL srcversion=T1
truncate -s 100 "$b/truncated.ko"
: > "$b/zero.ko"
echo "not an ELF file" > "$b/text.ko"
head -c 4096 /dev/urandom > "$b/random.ko"
printf '\177ELF\002\001\001' > "$b/elfheader.ko"
"$MODS/mkmod.sh" "$b/xztruncated.ko.xz" license=GPL srcversion=X1
truncate -s 40 "$b/xztruncated.ko.xz"
echo "garbage, not zstd" > "$b/zstgarbage.ko.zst"
mkfifo "$b/fifo.ko"
ln -s loop2.ko "$b/loop1.ko"
ln -s loop1.ko "$b/loop2.ko"
ln -s nowhere.ko "$b/dangling.ko"
unusable=11
# A folder loop and a link to the top of the tree: never followed.
ln -s .. "$b/up"
ln -s "$m" "$b/top"
# 20 nested folders: deeper than the walk goes (one skipped folder).
deep=$m/extra
for i in $(seq 1 20); do
        deep=$deep/d$i
done
mkdir -p "$deep"
"$MODS/mkmod.sh" "$deep/deepmod.ko" license=GPL srcversion=D1
unusable=$((unusable + 1))
# Shell and modprobe.d syntax in file names (not valid module names), each
# a real module object.
"$MODS/mkmod.sh" "$T/evil.ko" license=GPL srcversion=E1
for n in '$(touch PWNED1)' '`touch PWNED2`' 'a;touch PWNED3;b' 'x y' 'nl
ine' 'a|b' "q'uote"; do
        cp "$T/evil.ko" "$b/$n.ko"
done
unusable=$((unusable + 7))
# A weak-updates/ link to a real module: the same module, not a new one.
mkdir -p "$m/weak-updates"
ln -s ../updates/zfs.ko.xz "$m/weak-updates/zfs.ko.xz"
# .ko.gz: usable only when this libkmod has zlib (as is modprobe).
"$MODS/mkmod.sh" "$m/updates/gzmod.ko.gz" license=GPL srcversion=GZ1
if kmod --version | grep '+ZLIB' >/dev/null ; then
        gz=gzmod
else
        gz=
        unusable=$((unusable + 1))
fi
# Good new compressed modules and a plain one.
"$MODS/mkmod.sh" "$m/updates/newxz.ko.xz" license=GPL srcversion=NX1
"$MODS/mkmod.sh" "$m/extra/newzst.ko.zst" license=GPL srcversion=NZ1
"$MODS/mkmod.sh" "$m/updates/good.ko" license=GPL srcversion=G00D
rebuild_image 2>> "$T/stderr"

mkdir -p "$T/cwd"
cd "$T/cwd"
"$HELPER" "$R" state armed=1 tries=0 level=2 boot_seq=1
boot
cd - > /dev/null
expect_kmsg "$unusable unusable module files skipped"
# shellcheck disable=SC2086
expect_conf falco $gz good newxz newzst nvidia vboxdrv vendor_blob zfs
lines=("module falco all-third-party falco")
[ -z "$gz" ] || lines+=("module gzmod changed -")
lines+=("module good changed -" "module newxz changed -" "module newzst changed -"
        "module nvidia all-third-party -" "module vboxdrv all-third-party -"
        "module vendor_blob all-third-party -" "module zfs all-third-party -"
        "unit falco-kmod.service all-third-party falco")
expect_withheld "${lines[@]}"
expect_decision LEVEL=2 TRIES=1 BOOT_SEQ=2 COUNTED=1
expect_no_intree
ok "level 2 over a bad tree: $unusable unusable files skipped and counted, the new good ones (.ko, .ko.xz, .ko.zst) withheld, no loop followed, the FIFO never opened"

[ -z "$(find "$T" -name 'PWNED*' -print -quit)" ] || fail "a file name reached a shell: $(find "$T" -name 'PWNED*')"
check
bad=$( (grep -v '^#' "$R/run/modprobe.d/lastgood.conf" | cut -d' ' -f2; cut -f2 "$R/run/lastgood/withheld") |
        grep -vxE '[A-Za-z0-9_.-]+' || true)
[ -z "$bad" ] || fail "bad names reached the written files: $bad"
check
! grep -q 'PWNED' "$R/run/modprobe.d/lastgood.conf" "$R/run/lastgood/withheld" "$R/run/lastgood/events" ||
        fail "a bad name reached the written files"
check
ok "shell metacharacters in module file names: never run, never written"

# The same names through the other ways in: an agent's Modules= and the
# command line's block= (the kernel passes the word as it is).
printf '[Agent]\nUnits=evil.service\nModules=$(touch${IFS}PWNED4) ok_mod\nOnSafeMode=disable\n' \
        > "$S/etc/lastgood/agents.d/evil.conf"
rebuild_image 2>> "$T/stderr"
set_cmdline 'lastgood.block=$(touch${IFS}PWNED5),`touch${IFS}PWNED6`,a;touch${IFS}PWNED7,vendor-blob'
"$HELPER" "$R" state armed=1 tries=0 level=0 boot_seq=1
(cd "$T/cwd" && boot)
expect_conf vendor_blob
expect_withheld "module vendor_blob block -"
grep -q 'lastgood: .*evil.conf.*Modules=' "$R/dev/kmsg" || fail "bad Modules= not reported: $(cat "$R/dev/kmsg")"
check
grep -q 'lastgood: .*lastgood.block' "$R/dev/kmsg" || fail "bad lastgood.block= not reported: $(cat "$R/dev/kmsg")"
check
[ -z "$(find "$T" -name 'PWNED*' -print -quit)" ] || fail "a name reached a shell: $(find "$T" -name 'PWNED*')"
check
ok "shell metacharacters in Modules= and lastgood.block=: reported, ignored, never run; the valid vendor-blob blocked"
set_cmdline
rm "$S/etc/lastgood/agents.d/evil.conf"
rebuild_image 2>> "$T/stderr"

# The real modprobe reads the file without complaint.
modprobe -C "$R/run/modprobe.d" --dirname="$S" -S "$KVER" --showconfig > /dev/null 2> "$T/mp.err"
[ ! -s "$T/mp.err" ] || fail "modprobe complains about the file: $(cat "$T/mp.err")"
check
ok "modprobe parses the written file without a warning"

# --- The same tree as the last known good: steady state again, and the
# unusable files (still there) neither arm nor write anything. (The
# watchdog records it; here without DAC override too, as the stages.)
without_dac "$HELPER" "$S" manifest "$KVER"
rebuild_image 2>> "$T/stderr"
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=2
efi_before=$(efi_snapshot)
boot
[ "$(efi_snapshot)" = "$efi_before" ] || fail "a bad tree, proven, wrote the EFI variables"
check
expect_state "armed=0 tries=0 level=0 unproven=0 boot_seq=2"
expect_conf
expect_withheld
ok "the bad tree proven: steady state, nothing armed or written"

# --- A compressed module updated: a change, withheld at level 1; a new
# version that is broken is skipped (it cannot load), not withheld.
rm "$m/extra/vboxdrv.ko.zst"
"$MODS/mkmod.sh" "$m/extra/vboxdrv.ko.zst" license=GPL srcversion=B0B00002
rm "$m/updates/zfs.ko.xz"
"$MODS/mkmod.sh" "$m/updates/zfs.ko.xz" license=CDDL srcversion=2F500002
truncate -s 40 "$m/updates/zfs.ko.xz"
rebuild_image 2>> "$T/stderr"
expect_state "armed=1 tries=0 level=0 unproven=0 boot_seq=2"
"$HELPER" "$R" state armed=1 tries=0 level=1 boot_seq=3
boot
expect_conf vboxdrv
expect_withheld "module vboxdrv changed -"
# (+2: updates/zfs.ko.xz and its weak-updates/ link.)
expect_kmsg "$((unusable + 2)) unusable module files skipped"
ok "updated .ko.zst withheld as changed at level 1; a truncated .ko.xz update (and its weak-updates/ link) skipped, not withheld"

checks_done
