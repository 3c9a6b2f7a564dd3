#!/bin/bash
# lastgood-generator on a host where lastgood-early left its decision under
# /run/lastgood/ (an EFI host): the real binary, run into temporary
# normal/early/late folders; every symlink and file it writes is checked.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

make_root
mkdir -p "$R/sys/firmware/efi"   # an EFI host: the generator never counts here
: >"$R/dev/kmsg"                 # captures what the generator logs
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd)

gen() {
        rm -rf "$T/out"
        mkdir -p "$T/out/normal" "$T/out/early" "$T/out/late"
        "$GEN" --root="$R" --kernel-release="$KVER" "$T/out/normal" "$T/out/early" "$T/out/late"
}
listing() { (cd "$T/out" && find . -mindepth 1 -printf '%p %y %l\n' | sort); }

# Level 1, lastgood-early withheld the disable agent's units, a module and
# content; hostile unit names too.
decision 1 3
{
        printf 'unit\tedr.service\tchanged\tedr\n'
        printf 'unit\tedr-updater.timer\tchanged\tedr\n'
        printf 'module\tfalco\tchanged\tfalco\n'
        printf 'content\t/etc/falco/falco_rules.yaml\tchanged\tfalco\n'
        printf 'unit\t../../../etc/passwd\tchanged\t-\n'
        printf 'unit\tevil/x.service\tchanged\t-\n'
        printf 'unit\t.hidden.service\tchanged\t-\n'
        printf 'unit\tnot-a-unit\tchanged\t-\n'
} >"$R/run/lastgood/withheld"
cp -a "$R/run/lastgood" "$T/run.before"
gen

cat >"$T/expected" <<EOF
./early d 
./early/edr-updater.timer l /dev/null
./early/edr.service l /dev/null
./early/sysinit.target.wants d 
./early/sysinit.target.wants/lastgood-apply.service l $UNITDIR/lastgood-apply.service
./late d 
./normal d 
./normal/boot-complete.target.requires d 
./normal/boot-complete.target.requires/lastgood-check.service l $UNITDIR/lastgood-check.service
./normal/edr-updater.timer.d d 
./normal/edr-updater.timer.d/50-lastgood-apply.conf f 
./normal/edr.service.d d 
./normal/edr.service.d/50-lastgood-apply.conf f 
./normal/falco.service.d d 
./normal/falco.service.d/50-lastgood-apply.conf f 
./normal/falcoctl-artifact-follow.service.d d 
./normal/falcoctl-artifact-follow.service.d/50-lastgood-apply.conf f 
./normal/keeper.service.d d 
./normal/keeper.service.d/50-lastgood-apply.conf f 
./normal/lastgood-watchdog.service.d d 
./normal/lastgood-watchdog.service.d/50-lastgood-content.conf f 
./normal/multi-user.target.wants d 
./normal/multi-user.target.wants/lastgood-watchdog.service l $UNITDIR/lastgood-watchdog.service
./normal/scanner.service.d d 
./normal/scanner.service.d/50-lastgood-apply.conf f 
EOF
listing >"$T/got"
diff -u "$T/expected" "$T/got"
for f in "$T"/out/normal/*.d/50-lastgood-apply.conf; do
        diff -u - "$f" <<'EOF'
# Written by lastgood-generator: agent content is checked first.
[Unit]
After=lastgood-apply.service
EOF
done
# Nothing escaped the output folders, the hand-over is untouched, and the
# module list is lastgood-early's business on this host.
[ ! -e "$T/etc/passwd" ] && [ ! -e "$T/out/evil" ]
diff -r "$T/run.before" "$R/run/lastgood"
[ ! -e "$R/run/modprobe.d/lastgood.conf" ]
[ ! -e "$R/var/lib/lastgood/state" ]
grep -q 'lastgood-generator: Masked edr.service this boot (changed, agent edr)' "$R/dev/kmsg"
grep -q 'Not a unit name, not masked: "../../../etc/passwd"' "$R/dev/kmsg"
grep -q 'Not a unit name, not masked: "evil/x.service"' "$R/dev/kmsg"
grep -q 'Not a unit name, not masked: "not-a-unit"' "$R/dev/kmsg"

# A unit of the same name already in the early folder is not replaced.
rm -rf "$T/out"; mkdir -p "$T/out/normal" "$T/out/early" "$T/out/late"
echo "[Unit]" >"$T/out/early/edr.service"
"$GEN" --root="$R" --kernel-release="$KVER" "$T/out/normal" "$T/out/early" "$T/out/late"
[ "$(cat "$T/out/early/edr.service")" = "[Unit]" ]
[ "$(readlink "$T/out/early/edr-updater.timer")" = /dev/null ]
grep -q 'Cannot mask edr.service: File exists' "$R/dev/kmsg"

# Level 0: no masks, the apply unit and the ordering only.
decision 0 3
gen
listing | grep -v '^./normal' >"$T/got"
diff -u - "$T/got" <<EOF
./early d 
./early/sysinit.target.wants d 
./early/sysinit.target.wants/lastgood-apply.service l $UNITDIR/lastgood-apply.service
./late d 
EOF

# A corrupt hand-over: decided here (read-only on an EFI host), exit 0.
head -c 3000 /dev/urandom >"$R/run/lastgood/decision"
head -c 3000 /dev/urandom >"$R/run/lastgood/withheld"
gen
[ -L "$T/out/early/sysinit.target.wants/lastgood-apply.service" ]
# Whatever the hand-over, the watchdog and the check unit are pulled in:
# a counted boot that nothing could prove would drift into safe mode.
[ "$(readlink "$T/out/normal/multi-user.target.wants/lastgood-watchdog.service")" = "$UNITDIR/lastgood-watchdog.service" ]
[ "$(readlink "$T/out/normal/boot-complete.target.requires/lastgood-check.service")" = "$UNITDIR/lastgood-check.service" ]
[ ! -e "$R/var/lib/lastgood/state" ]

# lastgood.mode=off: nothing at all.
rm -rf "$R/run/lastgood"
echo "ro lastgood.mode=off" >"$R/proc/cmdline"
gen
[ -z "$(listing | grep -v '^./\(normal\|early\|late\) d $')" ]
[ ! -e "$R/run/lastgood" ] && [ ! -e "$R/run/modprobe.d" ]
grep -q 'lastgood.mode=off: nothing done this boot' "$R/dev/kmsg"

# Never fails the boot: unwritable output, a missing root, bad arguments.
echo "ro" >"$R/proc/cmdline"
"$GEN" --root="$R" /nonexistent/n /nonexistent/e /nonexistent/l
"$GEN" --root="$T/no-such-root" "$T/out/normal" "$T/out/early" "$T/out/late"
"$GEN" 2>/dev/null
"$GEN" a b c d 2>/dev/null
echo "generator-basic: ok"
