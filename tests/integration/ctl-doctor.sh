#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl doctor against temporary roots: a protected host (every check
# ok, exit 0), then each check broken in turn, ok -> warn (exit 1) or
# fail (exit 2), in the text and the --json output.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
CTL=$top_builddir/lastgoodctl
KVER=6.1.0-lgdoc
GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd)
GENDIR=$(pkg-config --variable=systemdsystemgeneratordir systemd)
PY=/usr/bin/python3

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
mkdir -p "$R"/{proc,dev,run/lastgood,var/lib/lastgood,sys/firmware/efi/efivars,sys/module/pstore/parameters} \
        "$R"/etc/lastgood/agents.d "$R"/etc/falco/rules.d "$R"/etc/systemd/system "$R$UNITDIR" "$R$GENDIR" \
        "$R/boot" "$R/lib/modules/$KVER/kernel"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" >"$R/proc/cmdline"
for u in lastgood-watchdog.service lastgood-check.service lastgood-apply.service; do
        echo "[Unit]" >"$R$UNITDIR/$u"
done
echo "#!/bin/true" >"$R$GENDIR/lastgood-generator"
: >"$R/run/lastgood/healthy"
echo efi_pstore >"$R/sys/module/pstore/parameters/backend"
: >"$R/dev/watchdog0"
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
mkimage usr/sbin/lastgood-early usr/bin/kmod
export EFIVARFS_PATH=$R/sys/firmware/efi/efivars/ LIBEFIVAR_OPS=efivarfs

# state_set level=N tries=N armed=N: the hot record (efi/record.c layout).
state_set() {
        "$PY" "$top_srcdir/tests/integration/hot-record.py" "$R/sys/firmware/efi/efivars/LastGoodState-$GUID" \
                boot_seq=1 "$@"
}

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
assert d["result"] == ["ok", "warn", "fail"][int(rc)], d["result"]
assert d["protected"] == (rc != "2")
for c in d["checks"]:
    assert set(c) == {"check", "result", "message", "hint"}, c
    assert c["result"] == "ok" or c["hint"], c
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
for c in state units boot-complete pstore reset cmdline config agents; do
        expect 0 "$c" ok
done
grep -q "^This host is protected.$" "$T/out" || fail "verdict"
[ "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["checks"]))' <("$CTL" --root="$R" \
        --kernel-release="$KVER" doctor --json))" = 10 ] || fail "expected 10 check lines"

echo "== store"
chmod 555 "$R/sys/firmware/efi/efivars"
PREFIX=without_dac expect 2 store fail "EFI variables not writable"
chmod 755 "$R/sys/firmware/efi/efivars"
STORE=--store=file expect 1 store warn "no EFI variables"
chmod 555 "$R/var/lib/lastgood"
STORE=--store=file PREFIX=without_dac expect 2 store fail "file store .* not writable"
chmod 755 "$R/var/lib/lastgood"

echo "== state"
state_set armed=1 tries=1
expect 0 state ok "armed, counting"
state_set armed=1 tries=2 level=1
expect 1 state warn "safe mode: level 1, 2 failed"
state_set armed=1 tries=2 level=3
expect 2 state fail "recovery exhausted"
head -c 36 /dev/urandom >"$R/sys/firmware/efi/efivars/LastGoodState-$GUID"
expect 1 state warn "unreadable"
rm "$R/sys/firmware/efi/efivars/LastGoodState-$GUID"

echo "== initramfs"
mkimage usr/bin/kmod
expect 2 initramfs fail "lastgood-early is not in"
rm "$R/boot/initrd.img-$KVER"
expect 2 initramfs fail "no readable initramfs"
mkimage usr/sbin/lastgood-early

echo "== units"
ln -s /dev/null "$R/etc/systemd/system/lastgood-watchdog.service"
expect 2 units fail "lastgood-watchdog.service is masked"
rm "$R/etc/systemd/system/lastgood-watchdog.service"
mkdir -p "$R/run/systemd/system"
: >"$R/run/systemd/system/lastgood-check.service"
expect 2 units fail "lastgood-check.service is masked"
rm -r "$R/run/systemd"
mv "$R$UNITDIR/lastgood-apply.service" "$T/"
expect 2 units fail "lastgood-apply.service is not installed"
mv "$T/lastgood-apply.service" "$R$UNITDIR/"
mv "$R$GENDIR/lastgood-generator" "$T/"
expect 2 units fail "generator .* is missing"
mv "$T/lastgood-generator" "$R$GENDIR/"

echo "== boot-complete"
rm "$R/run/lastgood/healthy"
expect 1 boot-complete warn "not reached"
: >"$R/run/lastgood/healthy"

echo "== pstore"
echo "(null)" >"$R/sys/module/pstore/parameters/backend"
expect 1 pstore warn "no pstore backend"
rm "$R/sys/module/pstore/parameters/backend"
expect 1 pstore warn "no pstore backend"
echo ramoops >"$R/sys/module/pstore/parameters/backend"
expect 0 pstore ok "ramoops"

echo "== reset"
rm "$R/dev/watchdog0"
expect 1 reset warn "no softdog"
mkdir -p "$R/lib/modules/$KVER/kernel/drivers/watchdog"
: >"$R/lib/modules/$KVER/kernel/drivers/watchdog/softdog.ko.xz"
expect 0 reset ok "softdog is available"

echo "== cmdline"
echo "ro lastgood.mode=off" >"$R/proc/cmdline"
expect 2 cmdline fail "lastgood.mode=off"
echo "ro lastgood.mode=safe" >"$R/proc/cmdline"
expect 1 cmdline warn "in force this boot \(mode safe\)"
echo "ro lastgood.threshold=banana" >"$R/proc/cmdline"
expect 1 cmdline warn "threshold"
echo "ro quiet" >"$R/proc/cmdline"

echo "== config and agents"
printf '[Boot]\nThreshhold=3\n' >"$R/etc/lastgood/lastgood.conf"
expect 1 config warn "Unknown key Threshhold="
printf '[Boot]\nThreshold=3\n' >"$R/etc/lastgood/lastgood.conf"
printf '[Agent]\nOnSafeMode=sometimes\n' >"$R/etc/lastgood/agents.d/broken.conf"
expect 1 config warn "broken"
rm "$R/etc/lastgood/agents.d/broken.conf"
rm "$R/etc/systemd/system/falco.service"
expect 1 agents warn "agent falco: unit falco.service does not exist"
echo "[Unit]" >"$R$UNITDIR/falco.service"
expect 0 agents ok "agent falco"
rm -r "$R/etc/falco"
expect 1 agents warn "agent falco: no file matches Content=/etc/falco/rules.d/\*"

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
