#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl as a monitoring system runs it, on a protected host that
# carries the shipped definitions of agents it does not run: `doctor` exits
# 0; `status --metrics > f.tmp && mv f.tmp f.prom` (node_exporter's
# textfile collector) keeps the file current in every state -- steady,
# armed, safe mode, exhausted, corrupt -- because a dump that succeeded
# exits 0 (the plain `status` keeps one code per state); and right after
# `lastgoodctl good`, status says this boot is proven.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
CTL=$top_builddir/lastgoodctl
KVER=6.1.0-lgmon

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R=$T/root
n=0
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
ok() {
        n=$((n + 1))
        echo "ok $n - $*"
}

source "$top_srcdir/tests/integration/lib-protected.sh"
make_protected_root "$KVER"
# The package's own shipped definitions, none of whose agents is here.
shipped=0
for f in "$top_srcdir"/agents/*.conf; do
        cp "$f" "$R/usr/lib/lastgood/agents.d/"
        shipped=$((shipped + 1))
done
[ "$shipped" -gt 1 ] || fail "no shipped agent definitions in agents/"
mkdir -p "$T/image/usr/sbin" && echo x >"$T/image/usr/sbin/lastgood-early"
(cd "$T/image" && find . | cpio -o -H newc --quiet) >"$R/boot/initrd.img-$KVER"
ctl() { "$CTL" --root="$R" --kernel-release="$KVER" "$@"; }

echo "== doctor on a protected host with shipped definitions of absent agents"
rc=0
ctl doctor >"$T/doctor" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$T/doctor" >&2; fail "doctor exited $rc on a protected host"; }
grep -q "^info agents .*$shipped shipped definitions, none installed$" "$T/doctor" || fail "no info line: $(cat "$T/doctor")"
if grep -q "^warn" "$T/doctor"; then fail "warnings: $(grep '^warn' "$T/doctor")"; fi
ok "doctor exits 0: $(grep -c '' "$T/doctor") lines, one for the $shipped shipped definitions"

# scrape EXPECTED-STATE LEVEL: the textfile collector's way, then the file
# holds this state.
PROM=$T/textfile/lastgood.prom
mkdir -p "$T/textfile"
scrape() {
        ctl status --metrics >"$PROM.tmp" 2>/dev/null && mv "$PROM.tmp" "$PROM" ||
                fail "$1: status --metrics > f.tmp && mv f.tmp f.prom did not update the file (exit $?)"
        "$PY" - "$PROM" "$1" "$2" <<'PY' || fail "$1: $(cat "$PROM")"
import sys
from prometheus_client.parser import text_string_to_metric_families
prom, state, level = sys.argv[1:]
seen = {}
for fam in text_string_to_metric_families(open(prom).read()):
    for s in fam.samples:
        seen[(s.name, tuple(sorted(s.labels.items())))] = s.value
assert seen[("lastgood_host_state", (("state", state),))] == 1, seen
assert seen[("lastgood_level", ())] == int(level), seen
PY
        [ ! -e "$PROM.tmp" ] || fail "$1: f.tmp left behind"
}
# human CODE: the plain status still says the state by its exit code.
human() {
        local rc=0
        ctl status >/dev/null 2>&1 || rc=$?
        [ "$rc" = "$1" ] || fail "plain status exited $rc, expected $1"
}

echo "== status --metrics in every state"
scrape steady 0 && human 0 && ok "steady: textfile updated"
state_set armed=1 tries=1
scrape armed 0 && human 3 && ok "armed: textfile updated (plain status exits 3)"
state_set armed=1 tries=2 level=1
printf '%s\n' STAGE=pre-switch LEVEL=1 MODE=auto COUNTED=1 TRIES=2 THRESHOLD=2 BOOT_SEQ=1 >"$R/run/lastgood/decision"
printf 'module\tvendor_blob\tchanged\t-\n' >"$R/run/lastgood/withheld"
scrape safe-mode 1 && human 4 && ok "safe mode: textfile updated (plain status exits 4)"
state_set armed=1 tries=0 level=3
printf '%s\n' STAGE=pre-switch LEVEL=3 MODE=auto EXHAUSTED=1 BOOT_SEQ=1 >"$R/run/lastgood/decision"
: >"$R/run/lastgood/withheld"
scrape exhausted 3 && human 5 && ok "exhausted: textfile updated (plain status exits 5)"
head -c 36 /dev/urandom >"$R/sys/firmware/efi/efivars/LastGoodState-$GUID"
scrape corrupt 3 && human 6 && ok "corrupt record: textfile updated (plain status exits 6)"
rc=0
ctl status --json >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "status --json on a corrupt record exited $rc"
ok "status --json exits 0 on a corrupt record"

echo "== lastgoodctl good, then status agrees"
state_set armed=1 tries=2 level=1
printf '%s\n' STAGE=pre-switch LEVEL=1 MODE=auto COUNTED=1 TRIES=2 THRESHOLD=2 BOOT_SEQ=1 >"$R/run/lastgood/decision"
printf 'module\tvendor_blob\tchanged\t-\n' >"$R/run/lastgood/withheld"
rm -f "$R/run/lastgood/healthy" # not healthy yet: proven by hand
ctl good >"$T/good" 2>&1 || fail "good: $(cat "$T/good")"
grep -q "This boot is proven" "$T/good" || fail "good said: $(cat "$T/good")"
ctl status >"$T/status" 2>&1 || true
grep -q "^    This boot: healthy and proven$" "$T/status" || fail "status after good: $(cat "$T/status")"
if grep -q "waiting\|proven once healthy" "$T/status"; then fail "status after good: $(cat "$T/status")"; fi
ctl status --json | "$PY" -c 'import json,sys; j=json.load(sys.stdin); assert j["boot_health"] == "proven", j' ||
        fail "status --json after good"
ok "after good, status says this boot is healthy and proven"
ctl arm >/dev/null 2>&1 || fail "arm"
ctl status >"$T/status" 2>&1 || true
grep -q "^    This boot: waiting (not yet healthy)$" "$T/status" || fail "status after a new arm: $(cat "$T/status")"
ok "a change after good (arm): status no longer says proven"
echo "# $n checks"
