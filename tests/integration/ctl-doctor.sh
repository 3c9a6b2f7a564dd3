#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl doctor against temporary roots: a protected host (every check
# ok or info, exit 0), then each check broken in turn, ok -> warn (exit 4)
# or fail (exit 3: not protected; 2 stays the usage error), in the text and
# the --json output.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
CTL=$top_builddir/lastgoodctl
KVER=6.1.0-lgdoc

T=$(mktemp -d)
trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
R=$T/root
CHECKS=0
fail() {
        echo "FAIL: $*" >&2
        [ -f "$T/out" ] && sed 's/^/  /' "$T/out" >&2
        exit 1
}

# A protected host.
source "$top_srcdir/tests/integration/lib-protected.sh"
make_protected_root "$KVER"
mkdir -p "$R"/etc/falco/rules.d
printf '[Boot]\nThreshold=3\n' >"$R/etc/lastgood/lastgood.conf"
printf '[Agent]\nUnits=falco.service\nContent=/etc/falco/rules.d/*\nOnSafeMode=rollback\n' \
        >"$R/etc/lastgood/agents.d/falco.conf"
echo "[Unit]" >"$R/etc/systemd/system/falco.service"
echo "rules: 1" >"$R/etc/falco/rules.d/a.yaml"
# The initramfs: a cpio archive, as lsinitramfs lists it.
mkimage() { # FILE...: an initramfs holding these files
        local d=$T/image
        rm -rf "$d"
        mkdir -p "$d/usr/sbin" "$d/usr/bin"
        for f in "$@"; do
                mkdir -p "$d/$(dirname "$f")"
                echo x >"$d/$f"
        done
        (cd "$d" && find . | cpio -o -H newc --quiet) >"$R/boot/initrd.img-$KVER"
}
# The image as the hooks make it: lastgood-early and the copy of /etc/lastgood.
IMAGE_FILES="usr/sbin/lastgood-early usr/bin/kmod etc/lastgood/lastgood.conf etc/lastgood/agents.d/falco.conf"
mkimage $IMAGE_FILES
# Seven shipped definitions of agents that are not installed here.
for a in crowdstrike sentinelone defender elastic wazuh tetragon osquery; do
        printf '[Agent]\nUnits=%s.service\nContent=/opt/%s/content/*\nOnSafeMode=rollback\n' "$a" "$a" \
                >"$R/usr/lib/lastgood/agents.d/$a.conf"
done

# without_dac CMD...: as root, without the capabilities that ignore file
# modes, so that a read-only folder is not writable.
without_dac() {
        if [ "$(id -u)" = 0 ]; then
                setpriv --inh-caps=-dac_override,-dac_read_search \
                        --bounding-set=-dac_override,-dac_read_search -- "$@"
        else
                "$@"
        fi
}
PREFIX=

# expect RC CHECK RESULT [REGEX]: doctor exits RC, and its --json has a
# CHECK line with RESULT (whose message matches REGEX); the text output
# has the same line.
expect() {
        local want=$1 check=$2 result=$3 re=${4:-} rc=0
        $PREFIX "$CTL" --root="$R" --kernel-release="$KVER" ${STORE:-} doctor --json >"$T/out" 2>&1 || rc=$?
        [ "$rc" = "$want" ] || fail "doctor --json exited $rc, expected $want ($check $result)"
        "$PY" - "$T/out" "$check" "$result" "$re" "$want" <<'PY' || fail "no $check $result ${re:+/$re/} in the JSON"
import json, re, sys
out, check, result, rx, rc = sys.argv[1:]
d = json.load(open(out))
assert d["result"] == {"0": "ok", "4": "warn", "3": "fail"}[rc], d["result"]
assert d["protected"] == (rc != "3")
for c in d["checks"]:
    assert set(c) == {"check", "result", "message", "hint"}, c
    assert c["result"] in ("ok", "info") or c["hint"], c
sys.exit(0 if any(c["check"] == check and c["result"] == result and re.search(rx, c["message"])
                  for c in d["checks"]) else 1)
PY
        rc=0
        $PREFIX "$CTL" --root="$R" --kernel-release="$KVER" ${STORE:-} doctor >"$T/out" 2>&1 || rc=$?
        [ "$rc" = "$want" ] || fail "doctor exited $rc, expected $want"
        grep -qE "^$result +$check +.*${re:-}" "$T/out" || fail "no text line '$result $check ${re:-}'"
        CHECKS=$((CHECKS + 1))
}

echo "== a protected host: every check ok, exit 0"
expect 0 store ok "EFI variables writable"
expect 0 initramfs ok "lastgood-early is in /boot/initrd.img-$KVER"
expect 0 initramfs ok "/boot/initrd.img-$KVER holds the current /etc/lastgood"
for c in state units boot-complete pstore reset cmdline config agents; do
        expect 0 "$c" ok
done
grep -q "^This host is protected.$" "$T/out" || fail "verdict"
# Shipped definitions of agents not installed: one informational line.
expect 0 agents info "7 shipped definitions, none installed$"
[ "$(grep -c "agents" "$T/out")" = 2 ] || fail "expected 2 agents lines (falco, the shipped ones)"
if grep -q "^warn" "$T/out"; then fail "a warning on a protected host"; fi
[ "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["checks"]))' <("$CTL" --root="$R" \
        --kernel-release="$KVER" doctor --json))" = 12 ] || fail "expected 12 check lines"
# One of them installed: named among the others, still no warning.
mkdir -p "$R/opt/wazuh/content" && echo x >"$R/opt/wazuh/content/rules"
expect 4 agents warn "agent wazuh: unit wazuh.service does not exist"
expect 4 agents info "7 shipped definitions, 1 installed; not installed: crowdstrike, defender, elastic, osquery, sentinelone, tetragon$"
echo "[Unit]" >"$R$UNITDIR/wazuh.service"
expect 0 agents ok "agent wazuh: units and content found"
rm -r "$R/opt/wazuh" "$R$UNITDIR/wazuh.service"

echo "== store"
chmod 555 "$R/sys/firmware/efi/efivars"
PREFIX=without_dac expect 3 store fail "EFI variables not writable"
chmod 755 "$R/sys/firmware/efi/efivars"
STORE=--store=file expect 0 store info "no EFI variables"
chmod 555 "$R/var/lib/lastgood"
STORE=--store=file PREFIX=without_dac expect 3 store fail "file store .* not writable"
chmod 755 "$R/var/lib/lastgood"

echo "== not root: doctor says to run as root"
# as a user who is not root (nobody, when the test runs as root): the
# folders are root's (or read-only), and the hint is not to chmod them.
as_user() {
        if [ "$(id -u)" = 0 ]; then
                setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
        else
                "$@"
        fi
}
chmod 755 "$T"
chmod 555 "$R/sys/firmware/efi/efivars" "$R/var/lib/lastgood"
rc=0
as_user "$CTL" --root="$R" --kernel-release="$KVER" doctor >"$T/out" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "doctor as uid $(id -u) exited $rc"
grep -q "^fail store .*cannot be checked by uid [0-9]*: run as root" "$T/out" || fail "not-root store line"
grep -q -- "-> run as root: sudo lastgoodctl doctor" "$T/out" || fail "not-root hint"
if grep -q "writable by root" "$T/out"; then fail "chmod hint for a user who is not root"; fi
rc=0
as_user "$CTL" --root="$R" --kernel-release="$KVER" --store=file doctor >"$T/out" 2>&1 || rc=$?
grep -q "^fail store .*file store .*cannot be checked by uid [0-9]*: run as root" "$T/out" || fail "not-root file store"
chmod 755 "$R/sys/firmware/efi/efivars" "$R/var/lib/lastgood"
chmod 700 "$T"

echo "== state"
state_set armed=1 tries=1
expect 0 state ok "armed, counting"
state_set armed=1 tries=2 level=1
expect 4 state warn "safe mode: level 1, 2 failed"
state_set armed=1 tries=2 level=3
expect 3 state fail "recovery exhausted"
head -c 36 /dev/urandom >"$R/sys/firmware/efi/efivars/LastGoodState-$GUID"
expect 4 state warn "unreadable \((bad magic|wrong size|unknown record version|field out of range)"
if grep -q "Bad message" "$T/out"; then fail "raw strerror text"; fi
rm "$R/sys/firmware/efi/efivars/LastGoodState-$GUID"

echo "== initramfs"
mkimage usr/bin/kmod
expect 3 initramfs fail "lastgood-early is not in"
rm "$R/boot/initrd.img-$KVER"
expect 3 initramfs fail "no readable initramfs"
mkimage $IMAGE_FILES

echo "== initramfs: its copy of /etc/lastgood is stale"
sleep 0.01
printf '[Boot]\nThreshold=2\n' >"$R/etc/lastgood/lastgood.conf"
expect 4 initramfs warn "is stale: /etc/lastgood/lastgood.conf changed since /boot/initrd.img-$KVER \(1 file differs\)"
grep -q -- "-> update-initramfs -u -k $KVER (or dracut -f --kver $KVER)" "$T/out" || fail "no fix given"
mkimage $IMAGE_FILES
expect 0 initramfs ok "holds the current /etc/lastgood"
mkdir -p "$R/etc/lastgood/deny.d"
echo "# none" >"$R/etc/lastgood/deny.d/fleet.list"
expect 4 initramfs warn "/etc/lastgood/deny.d/fleet.list missing from"
mkimage $IMAGE_FILES etc/lastgood/deny.d/fleet.list
expect 0 initramfs ok "holds the current /etc/lastgood"
rm "$R/etc/lastgood/deny.d/fleet.list"
expect 4 initramfs warn "/etc/lastgood/deny.d/fleet.list removed since"
mkimage $IMAGE_FILES

echo "== units"
ln -s /dev/null "$R/etc/systemd/system/lastgood-watchdog.service"
expect 3 units fail "lastgood-watchdog.service is masked"
rm "$R/etc/systemd/system/lastgood-watchdog.service"
mkdir -p "$R/run/systemd/system"
: >"$R/run/systemd/system/lastgood-check.service"
expect 3 units fail "lastgood-check.service is masked"
rm -r "$R/run/systemd"
mv "$R$UNITDIR/lastgood-apply.service" "$T/"
expect 3 units fail "lastgood-apply.service is not installed"
mv "$T/lastgood-apply.service" "$R$UNITDIR/"
mv "$R$GENDIR/lastgood-generator" "$T/"
expect 3 units fail "generator .* is missing"
mv "$T/lastgood-generator" "$R$GENDIR/"

echo "== boot-complete"
rm "$R/run/lastgood/healthy"
expect 4 boot-complete warn "not reached"
: >"$R/run/lastgood/healthy"

echo "== pstore"
echo "(null)" >"$R/sys/module/pstore/parameters/backend"
expect 4 pstore warn "no pstore backend"
rm "$R/sys/module/pstore/parameters/backend"
expect 4 pstore warn "no pstore backend"
echo ramoops >"$R/sys/module/pstore/parameters/backend"
expect 0 pstore ok "ramoops"

echo "== reset"
rm "$R/dev/watchdog0"
expect 4 reset warn "no softdog"
mkdir -p "$R/lib/modules/$KVER/kernel/drivers/watchdog"
: >"$R/lib/modules/$KVER/kernel/drivers/watchdog/softdog.ko.xz"
expect 0 reset ok "softdog is available"

echo "== cmdline"
echo "ro lastgood.mode=off" >"$R/proc/cmdline"
expect 3 cmdline fail "lastgood.mode=off"
echo "ro lastgood.mode=safe" >"$R/proc/cmdline"
expect 4 cmdline warn "in force this boot \(mode safe\): lastgood.mode=safe$"
echo "ro lastgood.mode=strict quiet lastgood.block=nvidia,falco lastgood.threshold=3 -- lastgood.reset" >"$R/proc/cmdline"
expect 4 cmdline warn "\(mode strict\): lastgood.mode=strict lastgood.block=nvidia,falco lastgood.threshold=3$"
echo "ro lastgood.threshold=banana" >"$R/proc/cmdline"
expect 4 cmdline warn "threshold"
echo "ro quiet" >"$R/proc/cmdline"

echo "== config and agents"
printf '[Boot]\nThreshhold=3\n' >"$R/etc/lastgood/lastgood.conf"
expect 4 config warn "Unknown key Threshhold="
printf '[Boot]\nThreshold=3\n' >"$R/etc/lastgood/lastgood.conf"
mkimage $IMAGE_FILES
printf '[Agent]\nOnSafeMode=sometimes\n' >"$R/etc/lastgood/agents.d/broken.conf"
expect 4 config warn "broken"
rm "$R/etc/lastgood/agents.d/broken.conf"
rm "$R/etc/systemd/system/falco.service"
expect 4 agents warn "agent falco: unit falco.service does not exist"
echo "[Unit]" >"$R$UNITDIR/falco.service"
expect 0 agents ok "agent falco"
rm -r "$R/etc/falco"
expect 4 agents warn "agent falco: no file matches Content=/etc/falco/rules.d/\*"

echo "== escaping: a hostile agent name does not reach the terminal raw"
mkdir -p "$R/etc/falco/rules.d" && echo x >"$R/etc/falco/rules.d/a"
printf '[Agent]\nUnits=evil\033[2J.service\nOnSafeMode=keep\n' >"$R/etc/lastgood/agents.d/evil.conf"
"$CTL" --root="$R" --kernel-release="$KVER" doctor >"$T/out" 2>&1 || true
if grep -q $'\033' "$T/out"; then fail "escape sequence printed"; fi

echo "== usage"
rc=0
"$CTL" --root="$R" doctor extra >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "doctor extra: exit $rc"
echo "ok: $CHECKS doctor runs checked"
