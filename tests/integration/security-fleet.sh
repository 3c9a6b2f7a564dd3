#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Forged fleet events and hostile names (issue 10, attacks 5 and 6).
# 1. An unprivileged user's `logger --journald` on a host in safe mode
#    writes SYSLOG_IDENTIFIER=lastgood with the "boot proven" MESSAGE_ID;
#    journald records its real _UID/_COMM. lastgoodctl fleet must keep the
#    host in safe mode: it believes only entries that journald says a
#    lastgood program wrote as root.
# 2. A host name and an item name with ESC/CR bytes and a non-UTF-8 byte:
#    no raw control byte reaches the terminal, and --json stays valid JSON
#    (U+FFFD in place of the bad byte); the same for lastgoodctl list.
# 3. (issue 18, row 6) A sender uploads a journal whose entries carry the
#    victim's _MACHINE_ID and say "proven": an uploaded journal speaks only
#    for its own host, so the victim stays in safe mode, and the entries
#    that speak for a second machine are dropped and said.
# 4. (issue 18, row 10) --metrics with those names: the label values are
#    what the Prometheus text format allows (\\, \", \n; U+FFFD for
#    invalid UTF-8 and controls, never \x): python3-prometheus-client's
#    parsers read the whole file.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$REMOTE" ] || REMOTE=/usr/lib/systemd/systemd-journal-remote
J="$T/journal"
mkdir -p "$J"
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
n=0
ok() {
        n=$((n + 1))
        echo "ok $n - $*"
}
COUNTED=f512fca8badc4407aed2807c102a59a3
SAFE=605d133f879541c6af3eb804f5a8449e
WITHHELD=202bb5539a0b41fb99c1ed313c3c5435
PROVEN=7c3647799b584874825ece8b306b803b
ESC=$(printf '\033')
CR=$(printf '\r')
FF=$(printf '\377')
SEQ=0

# entry HOST UID COMM MESSAGE_ID [FIELD=VALUE...]
entry() {
        local host=$1 uid=$2 comm=$3 id=$4
        shift 4
        SEQ=$((SEQ + 1))
        printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n' $((1764400000000000 + SEQ * 1000000)) $((SEQ * 1000))
        printf '_BOOT_ID=%s\n_HOSTNAME=%s\n_MACHINE_ID=%s\n' "$(printf %s "$host" | md5sum | cut -c1-32)" "$host" \
                "$(printf %s "$host" | md5sum | cut -c1-32)"
        printf '_UID=%s\n_GID=%s\n_COMM=%s\n' "$uid" "$uid" "$comm"
        printf 'SYSLOG_IDENTIFIER=lastgood\nPRIORITY=5\nMESSAGE_ID=%s\nMESSAGE=event\n' "$id"
        for f in "$@"; do printf '%s\n' "$f"; done
        printf '\n'
}
import() { "$REMOTE" --output="$J/remote-$1.journal" - 2>"$T/remote.log" || { cat "$T/remote.log"; exit 1; }; }

{
        entry victim 0 lastgood-watchd "$COUNTED" LASTGOOD_TRIES=2 LASTGOOD_LEVEL=1
        entry victim 0 lastgood-watchd "$SAFE" LASTGOOD_LEVEL=1
        entry victim 0 lastgood-apply "$WITHHELD" LASTGOOD_ITEM=/etc/falco/rules.d/bad.yaml LASTGOOD_LEVEL=1
        # The forgeries: a user's logger; a user's binary named like ours;
        # root's logger (not a lastgood program).
        entry victim 65534 logger "$PROVEN"
        entry victim 65534 lastgood-watchd "$PROVEN"
        entry victim 0 logger "$PROVEN"
} | import victim
{
        entry "evil${ESC}]0;pwned${ESC}\\${CR}host" 0 lastgood-watchd "$SAFE" LASTGOOD_LEVEL=1
        entry "evil${ESC}]0;pwned${ESC}\\${CR}host" 0 lastgood-watchd "$WITHHELD" \
                "LASTGOOD_ITEM=/opt/x/${ESC}[2J${FF}bad.sig" LASTGOOD_LEVEL=1
} | import evil
# The forger: its first entries name a machine of its own, then it speaks
# for the victim (its _MACHINE_ID and _HOSTNAME) and says "proven"; and a
# name with a quote, a backslash, a newline and a non-UTF-8 byte.
TAB=$'\t'
{
        printf '%s\n' "forger${TAB}-${TAB}0${TAB}lastgood-watchd${TAB}$SAFE${TAB}1${TAB}LASTGOOD_LEVEL=1"
        printf '%s\n' "forger${TAB}-${TAB}0${TAB}lastgood-watchd${TAB}$WITHHELD${TAB}2${TAB}"'LASTGOOD_ITEM=/opt/q/a"b\x5cc\xff\x0a}'"${TAB}LASTGOOD_LEVEL=1"
        printf '%s\n' "victim${TAB}-${TAB}0${TAB}lastgood-watchd${TAB}$PROVEN${TAB}3${TAB}LASTGOOD_LEVEL=0"
        printf '%s\n' "victim${TAB}-${TAB}0${TAB}lastgood-watchd${TAB}$PROVEN${TAB}4${TAB}LASTGOOD_LEVEL=0"
} | /usr/bin/python3 "$top_srcdir/tests/integration/fleet-entries.py" | import forger

"$CTL" fleet --directory="$J" --json >"$T/fleet.json"
python3 - "$T/fleet.json" <<'EOP' || fail "fleet --json: forged events believed, or invalid JSON"
import json, sys
raw = open(sys.argv[1], "rb").read()
j = json.loads(raw.decode("utf-8"))  # strict: invalid UTF-8 raises
hosts = {h["host"]: h for h in j["hosts"]}
v = hosts["victim"]
assert v["state"] == "safe-mode" and v["level"] == 1 and v["armed"], v
assert v["last_event"] != "proven", v
assert not any(h["last_event"] == "proven" for h in j["hosts"]), j["hosts"]
assert len(j["hosts"]) == 3, [h["host"] for h in j["hosts"]]
evil = [h for h in j["hosts"] if h["host"].startswith("evil")][0]
assert "\x1b" in evil["host"]  # kept as data, escaped by the JSON serializer
assert any("\ufffd" in w["name"] for w in evil["withheld"]), evil  # withheld: {name, kind, reason, agent}
EOP
ok "fleet --json: forged 'proven' events ignored; non-UTF-8 names as U+FFFD, valid JSON"

"$CTL" fleet --directory="$J" >"$T/fleet.txt" 2>"$T/fleet.err"
grep -q 'Dropped 2 entries of sender forger that speak for another host' "$T/fleet.err" ||
        fail "the entries for another host were not said: $(cat "$T/fleet.err")"
grep -q '^victim .* safe-mode ' "$T/fleet.txt" || fail "victim not in safe mode"
# A sender whose every entry names the victim: its own host, shown apart
# (the victim's row stays its own), and said.
TAB=$'\t'
printf '%s\n' "victim${TAB}-${TAB}0${TAB}lastgood-watchd${TAB}$PROVEN${TAB}9${TAB}LASTGOOD_LEVEL=0" |
        /usr/bin/python3 "$top_srcdir/tests/integration/fleet-entries.py" | import impostor
"$CTL" fleet --directory="$J" >"$T/fleet.txt" 2>"$T/fleet.err"
grep -q '^victim .* safe-mode ' "$T/fleet.txt" || fail "victim not in safe mode beside an impostor"
grep -q 'Senders impostor and victim both name machine' "$T/fleet.err" || fail "impostor not said: $(cat "$T/fleet.err")"
rm "$J/remote-impostor.journal"
ok "a sender's journal speaks only for its own host: the victim stays in safe mode, 2 entries dropped and said; a sender naming only the victim's machine is shown apart and said"

"$CTL" fleet --directory="$J" --metrics >"$T/fleet.prom" 2>/dev/null
! grep -q '\\x' "$T/fleet.prom" || fail "--metrics writes \\x: $(grep '\\x' "$T/fleet.prom")"
/usr/bin/python3 - "$T/fleet.prom" <<'EOP' || fail "--metrics: not readable by the Prometheus parsers"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
from prometheus_client.parser import text_string_to_metric_families as prom
raw = open(sys.argv[1], "rb").read().decode("utf-8")  # strict: valid UTF-8
assert "\x1b" not in raw and "\r" not in raw
for parse, text in ((om, raw), (prom, raw.replace("# EOF\n", ""))):
    items = {}
    hosts = set()
    for fam in parse(text):
        for s in fam.samples:
            if s.name == "lastgood_fleet_item_hosts":
                items[s.labels["item"]] = s.value
            if s.name == "lastgood_fleet_host_level":
                hosts.add(s.labels["host"])
    assert '/opt/q/a"b\\c\ufffd\n}' in items, items
    assert "/opt/x/\ufffd[2J\ufffdbad.sig" in items, items
    assert "evil\ufffd]0;pwned\ufffd\\\ufffdhost" in hosts, hosts
EOP
ok "fleet --metrics: label values escaped per the text format (U+FFFD, no \\x), both Prometheus parsers read it"

"$CTL" fleet --directory="$J" >"$T/fleet.txt"
! grep -q "[$ESC$CR]" "$T/fleet.txt" || fail "a raw ESC/CR byte reached the terminal"
grep -q 'evil\\x1b\]0;pwned' "$T/fleet.txt" || fail "the host name is not shown escaped"
grep -q '^victim .* safe-mode ' "$T/fleet.txt" || fail "victim not in safe mode in the text output"
ok "fleet: control bytes shown as \\xHH"

# lastgoodctl list with a withheld content file whose name holds ESC and a
# non-UTF-8 byte (the agent's user named it).
make_root
decision 1 7
# The hand-over escapes control bytes as \\xHH (ops/runstate.c).
printf 'content\t/etc/falco/rules.d/x\\x1b[2J\\xff.yaml\tchanged\tfalco\n' >"$R/run/lastgood/withheld"
"$CTL" --root="$R" --store=file list >"$T/list.txt" 2>&1 || true
! grep -q "[$ESC]" "$T/list.txt" || fail "lastgoodctl list printed a raw ESC"
grep -q 'x\\x1b\[2J\\xff.yaml' "$T/list.txt" || fail "lastgoodctl list did not show the name escaped: $(cat "$T/list.txt")"
"$CTL" --root="$R" --store=file list --json >"$T/list.json" 2>/dev/null || true
python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$T/list.json" ||
        fail "lastgoodctl list --json is not valid JSON"
ok "list: escaped on the terminal, valid JSON"
