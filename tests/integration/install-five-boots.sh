#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installing is enough: `make install DESTDIR=` into a temporary root where
# no unit is enabled, then five boots driven through the installed
# binaries as systemd would run them: lastgood-early (both stages), the
# generator, and then only the units the generator pulled in (the apply
# unit, the check unit, the watchdog against a stub service manager),
# each boot healthy and ended by an orderly shutdown. A DKMS update lands
# before boot 3 and agent content changes before boot 4. At the end
# nothing is withheld and nothing is armed. Then, as a control, three
# boots of the same host without the watchdog: they count and end in
# safe mode, which is what the generator's pull-in prevents.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

MODS=$top_srcdir/tests/fixtures/modules
export MKMOD_CACHE=${MKMOD_CACHE:-$top_builddir/tests/fixtures-cache}
D=$T/dest
ROOT=$D
I=$T/initramfs

echo "== make install DESTDIR="
${MAKE:-make} -C "$top_builddir" install DESTDIR="$D" >"$T/install.log" 2>&1 || {
        tail -n 20 "$T/install.log" >&2
        fail "make install"
}
installed() { # NAME: the one installed executable of that name
        local f
        f=$(find "$D" -name "$1" -type f -perm -u+x | head -n 2)
        [ -n "$f" ] && [ "$(echo "$f" | wc -l)" = 1 ] || fail "$1 installed ${f:-nowhere}"
        echo "$f"
}
EARLY=$(installed lastgood-early)
GEN=$(installed lastgood-generator)
APPLY=$(installed lastgood-apply)
WD=$(installed lastgood-watchdog)
CTL=$(installed lastgoodctl)
[ -f "$(find "$D" -name lastgood-watchdog.service)" ] || fail "lastgood-watchdog.service not installed"
[ -f "$(find "$D" -name lastgood-check.service)" ] || fail "lastgood-check.service not installed"
# Nobody ran `systemctl enable`: no wants/requires links anywhere.
links=$(find "$D" -type l -path '*.target.*' || true)
[ -z "$links" ] || fail "make install enabled units: $links"

echo "== the host: a module tree, an agent, EFI variables"
"$MODS/build-tree.sh" "$D" "$KVER" 2>/dev/null
mkdir -p "$D"/{proc/sys/kernel,dev,run,sys/firmware/efi/efivars,var/lib/lastgood} \
        "$D"/etc/lastgood/agents.d "$D"/etc/falco/rules.d
echo 0 >"$D/proc/sys/kernel/tainted"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" >"$D/proc/cmdline"
printf '[Agent]\nUnits=falco.service\nModules=falco\nContent=/etc/falco/rules.d/*\nOnSafeMode=rollback\n' \
        >"$D/etc/lastgood/agents.d/falco.conf"
echo "rules: 1" >"$D/etc/falco/rules.d/a.yaml"
export EFIVARFS_PATH="$D/sys/firmware/efi/efivars/" LIBEFIVAR_OPS=efivarfs

# What the initramfs hook does at update-initramfs: copy the config, the
# manifest and the modules of the initramfs, arm when they changed.
rebuild_image() {
        local p
        rm -rf "$I"
        mkdir -p "$I"/{proc,dev,run,sys/firmware/efi/efivars,etc,var/lib/lastgood}
        cp "$D/proc/cmdline" "$I/proc/cmdline"
        : >"$I/dev/kmsg"
        for p in kernel/fs/efivarfs/efivarfs.ko updates/dkms/nvidia.ko; do
                mkdir -p "$(dirname "$I/lib/modules/$KVER/$p")"
                cp -p "$D/lib/modules/$KVER/$p" "$I/lib/modules/$KVER/$p"
        done
        cp -a "$D/etc/lastgood" "$I/etc/"
        [ ! -f "$D/var/lib/lastgood/manifest" ] || cp -pL "$D/var/lib/lastgood/manifest" "$I/var/lib/lastgood/manifest"
        "$EARLY" --root="$D" --kernel-release="$KVER" --image-dir="$I" arm-if-changed >"$T/arm.out"
        # What the administrator reads during the install: true sentences.
        grep -qx "lastgood: $1" "$T/arm.out" || fail "update-initramfs said: $(cat "$T/arm.out") (expected: $1)"
}

bus_start boot-complete.target=inactive shutdown.target=inactive

# boot N [nowatchdog]: one boot of the host, ended by an orderly shutdown.
boot() {
        local n=$1 g=$T/gen/$1 rc=0
        echo "-- boot $n (before: $(state_get))"
        rm -rf "$I/run" "$D/run" "$g"
        mkdir -p "$I/run" "$D/run" "$g"/{normal,early,late}
        : >"$D/dev/kmsg"
        "$EARLY" --root="$I" --kernel-release="$KVER" pre-udev 2>>"$T/early.log" || fail "pre-udev exited $?"
        "$EARLY" --root="$I" --kernel-release="$KVER" pre-switch --sysroot="$D" 2>>"$T/early.log" ||
                fail "pre-switch exited $?"
        cp -a "$I/run/." "$D/run/" # /run moves to the real root at the switch
        "$GEN" --root="$D" --kernel-release="$KVER" "$g/normal" "$g/early" "$g/late" || fail "generator exited $?"
        # systemd starts what the generator pulled in, and only that.
        pulled() { # DIR/LINK: a link to a unit that is installed
                local l=$g/$1
                [ -L "$l" ] && [ -f "$D$(readlink "$l")" ]
        }
        pulled early/sysinit.target.wants/lastgood-apply.service || fail "apply unit not pulled in"
        "$APPLY" --root="$D" --kernel-release="$KVER" 2>>"$T/apply.log" || fail "apply exited $?"
        if [ "${2:-}" = nowatchdog ]; then
                echo "   (no watchdog this boot)"
                return
        fi
        pulled normal/multi-user.target.wants/lastgood-watchdog.service || fail "watchdog not pulled in"
        pulled normal/boot-complete.target.requires/lastgood-check.service || fail "check unit not pulled in"
        stub SetUnit string:boot-complete.target string:inactive uint32:0
        stub SetUnit string:shutdown.target string:inactive uint32:0
        wd_start --stable-sec=0 --prove-sec=3600
        "$WD" --root="$D" --kernel-release="$KVER" --check 2>>"$T/daemon.log" || rc=$?
        [ "$rc" = 0 ] || fail "lastgood-check failed ($rc)"
        boot_complete
        wait_for 100 test -e "$D/run/lastgood/healthy" || fail "boot $n never healthy"
        shutdown_queued
        wd_stop || fail "watchdog exit status at shutdown"
}

# nothing_withheld: this boot withheld nothing, and the next has no reason to.
nothing_withheld() {
        [ ! -e "$D/run/modprobe.d/lastgood.conf" ] || fail "modules withheld: $(cat "$D/run/modprobe.d/lastgood.conf")"
        [ ! -s "$D/run/lastgood/withheld" ] || fail "withheld: $(cat "$D/run/lastgood/withheld")"
        grep -qx "LEVEL=0" "$D/run/lastgood/decision" || fail "level: $(cat "$D/run/lastgood/decision")"
}

rebuild_image "no last known good yet; the first healthy boot will record one"
echo "== five healthy boots"
for n in 1 2 3 4 5; do
        case $n in
        3) # apt upgrades a DKMS driver, the initramfs is rebuilt
                rm -f "$D/lib/modules/$KVER/updates/dkms/nvidia.ko"
                "$MODS/mkmod.sh" "$D/lib/modules/$KVER/updates/dkms/nvidia.ko" license=NVIDIA srcversion=NEW0003
                rebuild_image "third-party modules of $KVER differ from the last known good: counting armed"
                ;;
        4) # the agent pulls new content
                echo "rules: 2" >"$D/etc/falco/rules.d/b.yaml" ;;
        esac
        boot $n
        nothing_withheld
        state_has armed=0 tries=0 level=0 || fail "boot $n not proven"
done
{ "$CTL" --root="$D" --kernel-release="$KVER" status --json || true; } >"$T/status.json" || fail "lastgoodctl status"
"$PY" - "$T/status.json" <<'PY' || fail "status: $(cat "$T/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["armed"] is False and s["tries"] == 0 and s["level"] == 0, s
assert s["withheld"] == [] and s["quarantine"] == [], s
PY
[ ! -e "$(QUAR_VAR)" ] || [ "$(stat -c %s "$(QUAR_VAR)")" -le 16 ] || fail "cold record written"
grep -q "rules: 2" "$D/etc/falco/rules.d/b.yaml" || fail "content touched"

echo "== control: the same host without the watchdog drifts into safe mode"
echo "rules: 3" >"$D/etc/falco/rules.d/b.yaml"
boot 6 nowatchdog
boot 7 nowatchdog
boot 8 nowatchdog
grep -qx "LEVEL=1" "$D/run/lastgood/decision" || fail "control did not escalate: $(cat "$D/run/lastgood/decision")"
echo OK
