#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Black-box test of lastgoodctl status/good/bad/reset/arm against a temporary
# root whose efivarfs is a plain directory (EFIVARFS_PATH), and against the
# file store. JSON is checked with python3.
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/integration/store-lib.sh"
CTL="$top_builddir/lastgoodctl"
GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9

R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
EFI="$R/sys/firmware/efi/efivars"
mkdir -p "$EFI"
STATE_VAR="$EFI/LastGoodState-$GUID"
QUAR_VAR="$EFI/LastGoodQuarantine-$GUID"

. "$top_srcdir/tests/integration/tap-lib.sh"

ctl() {
        EFIVARFS_PATH="$EFI/" LIBEFIVAR_OPS=efivarfs "$CTL" --root="$R" "$@"
}

# check JSON 'python-expression over j' [description]
check() {
        local json=$1 expr=$2
        python3 -c '
import json, sys
j = json.loads(sys.argv[1])
if not eval(sys.argv[2]):
    print("expression false: " + sys.argv[2], file=sys.stderr)
    print(json.dumps(j, indent=1), file=sys.stderr)
    sys.exit(1)
' "$json" "$expr" || fail "$3"
        ok "$3"
}

mtime() { stat -c %Y "$1"; }

# --- no record at all ---
out=$(ctl status --json) || fail "status without records exits 0"
check "$out" 'j["armed"] is False and j["tries"] == 0 and j["level"] == 0 and j["boot_seq"] == 0' \
        "no record: defaults"
check "$out" 'j["unproven"] is False and j["last_proven"] is None and j["threshold"] == 2' \
        "no record: unproven false, last_proven null, default threshold"
check "$out" 'j["withheld"] == [] and j["quarantine"] == [] and j["persistently_withheld"] == [] and j["last_crash"] is None' \
        "no record: empty withheld, quarantine, no crash"
check "$out" 'j["store"] == "efi" and j["state_error"] is None and j["record"] is False' \
        "no record: efi store, no error"
[ -z "$(ls -A "$EFI")" ] || fail "status wrote nothing"
ok "status writes nothing"

out=$(ctl status) || fail "human status exits 0"
grep -q "State: not armed" <<<"$out" || fail "human status says not armed"
grep -q "Record: none yet" <<<"$out" || fail "human status says no record"
ok "human status without records"

# good and reset in steady state write nothing (NVRAM is flash).
ctl good >/dev/null
ctl reset >/dev/null
[ -z "$(ls -A "$EFI")" ] || fail "good/reset in steady state wrote a variable"
ok "good and reset in steady state write nothing"

# --- arm ---
ctl arm >/dev/null || fail "arm exits 0"
[ -f "$STATE_VAR" ] || fail "arm created the variable"
[ "$(stat -c %s "$STATE_VAR")" = 36 ] || fail "variable is 4 + 32 bytes"
[ "$(od -An -tx1 -N4 "$STATE_VAR" | tr -d ' ')" = 07000000 ] || fail "attributes NV|BS|RT"
ok "arm writes a 36-byte variable with NV|BS|RT"
out=$(ctl status --json) || true
check "$out" 'j["armed"] is True and j["tries"] == 1 and j["boot_seq"] == 1 and j["record"] is True' \
        "after arm: armed, this boot counted"

touch -d '2000-01-01' "$STATE_VAR"
before=$(mtime "$STATE_VAR")
out=$(ctl arm) || fail "second arm exits 0"
grep -q "Already armed" <<<"$out" || fail "second arm says already armed"
[ "$(mtime "$STATE_VAR")" = "$before" ] || fail "second arm rewrote the variable"
ok "arm when armed writes nothing (mtime kept)"

# --- bad after healthy: healthy gave nothing back, the try stays spent;
# the watchdog's marker says this boot is failed for good ---
mkdir -p "$R/run/lastgood"
touch "$R/run/lastgood/healthy"
before=$(mtime "$STATE_VAR")
ctl bad >/dev/null || fail "bad exits 0"
out=$(ctl status --json) || true
check "$out" 'j["armed"] is True and j["tries"] == 1' "after bad on a healthy boot: still 1 try (spent at boot)"
[ "$(mtime "$STATE_VAR")" = "$before" ] || fail "bad on a counted boot rewrote the variable"
[ -e "$R/run/lastgood/bad" ] || fail "bad left no marker for the watchdog"
ok "bad on a counted boot: no NVRAM write, the bad marker"
rm "$R/run/lastgood/healthy" "$R/run/lastgood/bad"

# --- reset ---
ctl reset >/dev/null || fail "reset exits 0"
out=$(ctl status --json) || true
check "$out" 'j["tries"] == 0 and j["level"] == 0 and j["armed"] is True' \
        "after reset: counter and level cleared, still armed"

# --- arm after healthy: the change reaches a boot not yet counted ---
ctl good >/dev/null
touch "$R/run/lastgood/healthy"
rm -f "$R/run/lastgood/changed"
ctl arm >/dev/null
out=$(ctl status --json) || true
check "$out" 'j["armed"] is True and j["tries"] == 1' "arm on a healthy boot: armed, this boot counted"
[ -e "$R/run/lastgood/changed" ] || fail "arm left no marker for the watchdog"
ok "arm tells the watchdog (changed marker)"
rm "$R/run/lastgood/healthy"

# --- good: the proven write itself (manifest, last good copies) ---
mkdir -p "$R/etc/lastgood/agents.d" "$R/opt/agent"
printf '[Agent]\nUnits=agent.service\nContent=/opt/agent/*\n' >"$R/etc/lastgood/agents.d/agent.conf"
printf 'rules v1\n' >"$R/opt/agent/rules.dat"
ctl good >/dev/null || fail "good exits 0"
grep -qx 'lastgood-manifest 1' "$R/var/lib/lastgood/manifest" || fail "good wrote no manifest"
grep -q '^content /opt/agent/rules.dat agent ' "$R/var/lib/lastgood/manifest" || fail "the manifest lacks the content"
cmp -s "$R/opt/agent/rules.dat" "$(lastgood_copy "$R" agent /opt/agent/rules.dat)" ||
        fail "good kept no last good copy of the agent's content"
ok "good records the last known good: manifest and the agent's last good copy"
out=$(ctl good) || fail "second good exits 0"
grep -q "Nothing to change" <<<"$out" || fail "second good in steady state says nothing to change"
ok "good again in steady state: nothing to change"
out=$(ctl status --json) || true
check "$out" 'j["armed"] is False and j["unproven"] is False and j["tries"] == 0' \
        "after good: not armed"
check "$out" '__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j["last_proven"] or "") is not None' \
        "after good: last_proven is ISO 8601 UTC"
out=$(ctl status) || true
grep -q "Last proven: 20" <<<"$out" || fail "human status shows the proven time"
ok "human status shows last proven"

# --- corrupt variable ---
printf '\x07\x00\x00\x00garbage-garbage-garbage-garbage!' >"$STATE_VAR"
rc=0; out=$(ctl status --json 2>"$R/err") || rc=$?
[ $rc = 0 ] || fail "status --json on a corrupt record exits 0: the dump succeeded (got $rc)"
rc=0; ctl status >/dev/null 2>&1 || rc=$?
[ $rc = 6 ] || fail "status on a corrupt record exits 6 (got $rc)"
check "$out" '"corrupt" in (j["state_error"] or "") and j["record"] is False and j["armed"] is False' \
        "corrupt record: state_error says corrupt, defaults shown"
grep -q "corrupt" "$R/err" || fail "corrupt record reported on stderr"
ok "corrupt record reported on stderr"
out=$(ctl status) && fail "human status on corrupt record exits 6"
grep -q "state corrupt" <<<"$out" || fail "human status says state corrupt"
ok "human status says state corrupt"
ctl reset >/dev/null 2>&1 || fail "reset on a corrupt record exits 0"
out=$(ctl status --json) || true
check "$out" 'j["state_error"] is None and j["record"] is True and j["tries"] == 0' \
        "reset rewrites a corrupt record"

# Oversized variable (the no-O_TRUNC trap of libefivar on plain directories).
head -c 200 /dev/zero | tr '\0' 'x' >"$STATE_VAR"
printf '\x07\x00\x00\x00' | dd of="$STATE_VAR" conv=notrunc status=none
out=$(ctl status --json) || true
check "$out" '"corrupt" in (j["state_error"] or "")' "oversized record: corrupt"
ctl arm >/dev/null 2>&1
[ "$(stat -c %s "$STATE_VAR")" = 36 ] || fail "arm rewrote the oversized variable to 36 bytes"
out=$(ctl status --json) || true
check "$out" 'j["state_error"] is None and j["armed"] is True' "arm rewrites an oversized record"

# Wrong attributes (volatile): corrupt.
python3 - "$STATE_VAR" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[0] = 6
open(p, "wb").write(b)
EOF
out=$(ctl status --json) || true
check "$out" '"corrupt" in (j["state_error"] or "")' "wrong attributes: corrupt"
ctl reset >/dev/null 2>&1

# --- this boot's hand-over and the quarantine ---
cat >"$R/run/lastgood/decision" <<'EOF'
STAGE=pre-switch
LEVEL=1
MODE=auto
COUNTED=1
CULPRIT=evil_mod
CULPRIT_EVIDENCE=RIP: 0010:evil_func+0x10/0x20 [evil_mod]
EOF
printf 'module\tevil_mod\tcrash-log\t-\ncontent\t/etc/agent/rules.yaml\tchanged\tagent\n' >"$R/run/lastgood/withheld"
python3 - "$QUAR_VAR" <<'EOF'
import struct, sys, zlib
items = sorted([(0, b"evil_mod", 0x1122334455667788), (2, b"agent.service", 5)])
body = b"LGQR" + bytes([1, 0]) + struct.pack("<H", len(items))
for kind, name, fp in items:
    body += bytes([kind, len(name)]) + struct.pack("<Q", fp) + name
body += struct.pack("<I", zlib.crc32(body))
open(sys.argv[1], "wb").write(struct.pack("<I", 7) + body)
EOF
out=$(ctl status --json) || true
check "$out" '{"name": "evil_mod", "kind": "module", "reason": "crash-log"} in [{k: w[k] for k in ("name", "kind", "reason")} for w in j["withheld"]]' \
        "withheld from /run/lastgood: module with reason"
check "$out" 'len(j["withheld"]) == 2 and j["withheld"][1]["kind"] == "content"' \
        "withheld: both items"
check "$out" 'j["level"] == 1 and j["stored_level"] == 0 and j["this_boot"]["level"] == 1' \
        "level: the one in force this boot (hand-over), stored_level: the record's"
{ ctl status || true; } | grep "Level: 1 in force this boot (safe, changed third-party items withheld); 0 recorded" >/dev/null ||
        fail "human status: the level in force and the recorded one"
check "$out" 'j["last_crash"] == {"culprit": "evil_mod", "evidence": ["RIP: 0010:evil_func+0x10/0x20 [evil_mod]"]}' \
        "last_crash from the hand-over"
check "$out" 'sorted(j["quarantine"]) == ["agent.service", "evil_mod"]' "quarantine names from the cold record"
check "$out" '{"name": "evil_mod", "kind": "module", "fingerprint": "1122334455667788"} in [{k: q[k] for k in ("name", "kind", "fingerprint")} for q in j["persistently_withheld"]]' \
        "persistently_withheld with kind and fingerprint"
out=$(ctl status) || true
grep -q "module evil_mod (crash-log)" <<<"$out" || fail "human status lists withheld items"
grep -q "Last crash: evil_mod" <<<"$out" || fail "human status shows the culprit"
# One word for one thing: the cold record is "persistently withheld";
# "quarantined" is only agent content moved away; no "Unproven" line (the
# record's field is no longer set: "This boot" says healthy or not).
grep -qx "   Persistent: module evil_mod (fingerprint 1122334455667788)" <<<"$out" ||
        fail "human status: the persistently withheld items"
if grep -qi "quarantine\|unproven" <<<"$out"; then fail "human status says: $(grep -i "quarantine\|unproven" <<<"$out")"; fi
printf 'unit\tagent.service\tquarantine\tagent\n' >>"$R/run/lastgood/withheld"
out=$(ctl status) || true
grep -q "unit agent.service (persistently withheld, agent agent)" <<<"$out" || fail "human status: reason quarantine"
out=$(ctl list) || true
grep -q "unit    agent.service (persistently withheld, agent agent)" <<<"$out" || fail "list: reason quarantine"
if grep -qi "quarantine " <<<"$out"; then fail "list says: $(grep -i "quarantine " <<<"$out")"; fi
out=$(ctl status --json) || true
check "$out" '{"name": "agent.service", "kind": "unit", "reason": "quarantine", "agent": "agent"} in [{k: w.get(k) for k in ("name", "kind", "reason", "agent")} for w in j["withheld"]]' \
        "JSON reason: quarantine (the contract's word)"
ok "human status lists withheld, persistently withheld and culprit"

printf 'junk' >"$QUAR_VAR"
out=$(ctl status --json) || true
check "$out" 'j["quarantine"] == [] and "corrupt" in (j["persistently_withheld_error"] or "")' \
        "corrupt cold record: empty quarantine and an error"

# --- on failure: an armed host whose boot set nothing up says why ---
ctl arm >/dev/null
out=$(ctl status) || true
grep -qx "   On failure: nothing set up this boot (armed after it started): from the next boot" <<<"$out" ||
        fail "armed after the boot started: $(grep "On failure" <<<"$out")"
mv "$R/run/lastgood/decision" "$R/decision.saved"
out=$(ctl status) || true
grep -qx "   On failure: nothing set up this boot (lastgood-early did not run; see lastgoodctl doctor)" <<<"$out" ||
        fail "armed without lastgood-early: $(grep "On failure" <<<"$out")"
mv "$R/decision.saved" "$R/run/lastgood/decision"
ok "armed status: why nothing is set up to reset a failed boot"

# --- threshold from the configuration ---
mkdir -p "$R/etc/lastgood"
printf '[Boot]\nThreshold=5\n' >"$R/etc/lastgood/lastgood.conf"
out=$(ctl status --json) || true
check "$out" 'j["threshold"] == 5' "threshold from lastgood.conf"
rm "$R/etc/lastgood/lastgood.conf"

# --- file store ---
rm -f "$EFI"/*
ctl --store=file arm >/dev/null || fail "arm with --store=file"
[ "$(stat -c %s "$R/var/lib/lastgood/state")" = 32 ] || fail "file store: 32-byte state file"
[ -z "$(ls -A "$EFI")" ] || fail "file store: no EFI variable written"
ok "file store: arm writes /var/lib/lastgood/state only"
out=$(ctl --store=file status --json) || true
check "$out" 'j["store"] == "file" and j["armed"] is True and j["tries"] == 1' "file store: status"
ino=$(stat -c %i "$R/var/lib/lastgood/state")
ctl --store=file arm >/dev/null
[ "$(stat -c %i "$R/var/lib/lastgood/state")" = "$ino" ] || fail "file store: unchanged state not rewritten"
ok "file store: unchanged state not rewritten (same inode)"
printf 'short' >"$R/var/lib/lastgood/state"
rc=0; out=$(ctl --store=file status --json) || rc=$?
[ $rc = 0 ] || fail "file store: corrupt status --json exits 0 (got $rc)"
rc=0; ctl --store=file status >/dev/null 2>&1 || rc=$?
[ $rc = 6 ] || fail "file store: corrupt status exits 6 (got $rc)"
check "$out" '"corrupt" in (j["state_error"] or "")' "file store: corrupt state reported"
ctl --store=file reset >/dev/null 2>&1
out=$(ctl --store=file status --json) || true
check "$out" 'j["state_error"] is None' "file store: reset rewrites a corrupt state"

# --- no EFI backend at all: automatic fallback to the file store ---
out=$(LIBEFIVAR_OPS=none "$CTL" --root="$R" status --json) || [ $? -gt 2 ] || fail "status with no EFI backend"
check "$out" 'j["store"] == "file"' "no EFI backend: file store chosen"
LIBEFIVAR_OPS=none "$CTL" --root="$R" good >/dev/null || fail "good with no EFI backend (libefivar default ops never called)"
ok "good with no EFI backend does not crash"

# --- usage ---
set +e
ctl status extra >/dev/null 2>&1
rc=$?
set -e
[ $rc = 2 ] || fail "status with an argument: usage error (got $rc)"
ok "usage error exits 2"

echo "1..$n"
