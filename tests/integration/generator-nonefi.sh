#!/bin/bash
# lastgood-generator on a host without EFI variables (no /sys/firmware/efi
# under the root, no lastgood-early): it counts the boot against the file
# store, escalates to safe mode, masks the disable agent's units, writes
# /run/modprobe.d/lastgood.conf and hands the decision to the apply unit.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

make_root
: >"$R/dev/kmsg"
prove
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd)

boot() { # a new boot: /run is empty again
        rm -rf "$T/out" "$R/run"
        mkdir -p "$T/out/normal" "$T/out/early" "$T/out/late" "$R/run"
        "$GEN" --root="$R" --kernel-release="$KVER" "$T/out/normal" "$T/out/early" "$T/out/late"
}
spool_count() { grep -c "^MESSAGE_ID=$1\$" "$R/run/lastgood/events" 2>/dev/null || true; }

# The kernel's panic values (lib/reset/reset.h), 0 as on a stock Debian kernel.
mkdir -p "$R/proc/sys/kernel"
for f in panic panic_on_oops softlockup_panic hardlockup_panic; do echo 0 >"$R/proc/sys/kernel/$f"; done
panic_values() { cat "$R"/proc/sys/kernel/{panic,panic_on_oops,softlockup_panic,hardlockup_panic} | tr '\n' ' '; }

# Not armed: nothing counted, nothing written to the store, no setting.
boot
[ "$(panic_values)" = "0 0 0 0 " ]
[ ! -e "$R/run/lastgood/reset" ]
[ "$(state_field record)" = false ]
grep -q '^COUNTED=0$' "$R/run/lastgood/decision"
grep -q '^STAGE=generator$' "$R/run/lastgood/decision"
[ -L "$T/out/early/sysinit.target.wants/lastgood-apply.service" ]
[ "$(readlink "$T/out/early/sysinit.target.wants/lastgood-apply.service")" = "$UNITDIR/lastgood-apply.service" ]
[ ! -e "$R/run/modprobe.d/lastgood.conf" ]

# An agent update arrives (edr: OnSafeMode=disable) and the host is armed.
echo "edr v2" >"$R/etc/edr/policy.bin"
"$CTL" --root="$R" --store=file arm >/dev/null
[ "$(state_field tries)" = 1 ]

# Boot 2: counted, level 0; the armed boot is made to reset on failure.
boot
[ "$(state_field tries)" = 2 ]
[ "$(panic_values)" = "10 1 1 1 " ]
[ "$(head -n 4 "$R/run/lastgood/reset")" = "kernel.panic=set 10 0 -
kernel.panic_on_oops=set 1 0 -
kernel.softlockup_panic=set 1 0 -
kernel.hardlockup_panic=set 1 0 -" ]
grep -q '^hang-reset=unavailable 0 19 -$' "$R/run/lastgood/reset"
[ "$(spool_count c1777c1426114746bc56bdfbf1d02426)" = 5 ]
grep -q '^LEVEL=0$' "$R/run/lastgood/decision"
grep -q '^COUNTED=1$' "$R/run/lastgood/decision"
[ "$(spool_count $ID_COUNTED)" = 1 ]
[ -z "$(find "$T/out/early" -maxdepth 1 -type l)" ]

# Boot 3: threshold reached: level 1, the agent's units masked.
boot
[ "$(state_field level)" = 1 ]
grep -q '^LEVEL=1$' "$R/run/lastgood/decision"
[ "$(readlink "$T/out/early/edr.service")" = /dev/null ]
[ "$(readlink "$T/out/early/edr-updater.timer")" = /dev/null ]
[ ! -e "$T/out/early/falco.service" ]
[ "$(printf 'unit\tedr.service\tchanged\tedr')" = "$(grep '^unit	edr.service' "$R/run/lastgood/withheld")" ]
[ "$(spool_count $ID_SAFE)" = 1 ]
[ "$(spool_count $ID_WITHHELD)" = 2 ]
grep -q 'lastgood: .*Safe mode' "$R/dev/kmsg" || grep -q 'Safe mode entered' "$R/run/lastgood/events"
# The apply unit then finds the level in /run/lastgood/decision.
apply
grep -q 'rules v1' "$R/etc/falco/falco_rules.yaml"

# An administrator blocks a module: /run/modprobe.d/lastgood.conf, with
# both lines (blacklist alone stops only alias loading).
echo "ro lastgood.block=nvidia-drm" >"$R/proc/cmdline"
boot
diff -u - "$R/run/modprobe.d/lastgood.conf" <<'EOF'
# Written by lastgood-generator: modules withheld this boot (lastgoodctl status says why).
blacklist nvidia_drm
install nvidia_drm /bin/false
EOF
grep -q '^OVERRIDE=1$' "$R/run/lastgood/decision"

# The store cannot be written yet (read-only root at generator time): the
# new state waits in /run/lastgood/state.pending and the apply unit, which
# runs once the file systems are writable, stores it.
echo "ro" >"$R/proc/cmdline"
cp "$R/var/lib/lastgood/state" "$T/state.before"
rm -rf "$T/out" "$R/run"
mkdir -p "$T/out/normal" "$T/out/early" "$T/out/late" "$R/run"
# A read-only bind mount of /var/lib/lastgood in a private user and mount
# namespace (no privileges needed): writes fail with EROFS, as at boot. As
# root, a mount namespace alone (a chroot, as in a package build, may not
# create user namespaces).
# (In a chroot / is no mount point: its propagation cannot change, and
# that namespace is a private one already.)
ns=(unshare -rm)
if [ "$(id -u)" = 0 ]; then
        ns=(unshare -m)
        unshare -m true 2> /dev/null || ns=(unshare -m --propagation unchanged)
fi
"${ns[@]}" bash -c 'mount --bind "$1/var/lib/lastgood" "$1/var/lib/lastgood" &&
        mount -o remount,bind,ro "$1/var/lib/lastgood" &&
        "$2" --root="$1" --kernel-release="$3" "$4/out/normal" "$4/out/early" "$4/out/late"' \
        - "$R" "$GEN" "$KVER" "$T"
cmp "$T/state.before" "$R/var/lib/lastgood/state"
[ "$(stat -c %s "$R/run/lastgood/state.pending")" = 32 ]
cp "$R/run/lastgood/state.pending" "$T/pending"
apply
[ ! -e "$R/run/lastgood/state.pending" ]
cmp "$T/pending" "$R/var/lib/lastgood/state"

# A separate /var not mounted yet: not counted, nothing written under it.
mv "$R/var/lib/lastgood" "$T/varlib"
before_ls=$(ls -A "$R/var/lib")
boot
[ "$(ls -A "$R/var/lib")" = "$before_ls" ]
grep -q 'not reachable yet' "$R/dev/kmsg"
[ -L "$T/out/early/sysinit.target.wants/lastgood-apply.service" ]
mv "$T/varlib" "$R/var/lib/lastgood"

# A corrupt hot record: reported, treated as no state, rewritten.
head -c 32 /dev/urandom >"$R/var/lib/lastgood/state"
boot
[ "$(spool_count b01d199650a743cda75439e341b24aa1)" = 1 ]

# lastgood.mode=off: nothing at all, not even counted.
echo "ro lastgood.mode=off" >"$R/proc/cmdline"
cp "$R/var/lib/lastgood/state" "$T/state.before"
boot
cmp "$T/state.before" "$R/var/lib/lastgood/state"
[ -z "$(find "$T/out" -mindepth 2)" ]
[ -z "$(ls -A "$R/run")" ]
echo "generator-nonefi: ok"
