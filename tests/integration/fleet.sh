#!/bin/bash
# lastgoodctl fleet over a journal directory of 56 hosts, written by the real
# systemd-journal-remote from Journal Export Format streams (one file per
# host, as journal-remote's --split-mode=host leaves them). journal-remote
# keeps the trusted fields (_HOSTNAME, _MACHINE_ID, _BOOT_ID) and the
# timestamps of export input, which is what a fleet's collector sees.
set -euo pipefail

CTL="$top_builddir/lastgoodctl"
REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$REMOTE" ] || REMOTE=/usr/lib/systemd/systemd-journal-remote
T=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "kept: $T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
J="$T/journal"
mkdir -p "$J"

# MESSAGE_IDs of DESIGN.md.
COUNTED=f512fca8badc4407aed2807c102a59a3
SAFE=605d133f879541c6af3eb804f5a8449e
WITHHELD=202bb5539a0b41fb99c1ed313c3c5435
HEALTHY=c4e37499c9ef4c4eb05e8cc6773f08ce
PROVEN=7c3647799b584874825ece8b306b803b
CULPRIT=c3b3145aed6c4a7c8b1517766ebb932c
EXHAUSTED=967cd6dae204458f9c1f906356f7aaf2
RELEASED=02a4660dc9834676abaff33688fb8024
ARMED=b83179c7853e45618ad897dcd4ce5248

BASE=1764400000000000 # 2025-11-29T07:06:40Z
SEQ=0

# entry HOST BOOT MESSAGE_ID MESSAGE [FIELD=VALUE...]
entry() {
        local host=$1 boot=$2 id=$3 msg=$4
        shift 4
        SEQ=$((SEQ + 1))
        printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n' $((BASE + SEQ * 1000000)) $((SEQ * 1000))
        printf '_BOOT_ID=%s\n_HOSTNAME=%s\n_MACHINE_ID=%s\n' "$boot" "$host" "$(machine_id "$host")"
        # The trusted fields journald gives lastgood's own entries.
        printf '_UID=0\n_COMM=lastgood-watchd\n_SYSTEMD_UNIT=lastgood-watchdog.service\n'
        printf 'SYSLOG_IDENTIFIER=lastgood\nPRIORITY=5\nMESSAGE_ID=%s\nMESSAGE=%s\n' "$id" "$msg"
        for f in "$@"; do printf '%s\n' "$f"; done
        printf '\n'
}
declare -A MIDS
machine_id() {
        [ -n "${MIDS[$1]:-}" ] || MIDS[$1]=$(printf '%s' "$1" | md5sum | cut -c1-32)
        printf '%s' "${MIDS[$1]}"
}
boot_id() { printf '%s-%s' "$1" "$2" | md5sum | cut -c1-32; }

import() { # HOST: stdin -> DIR/remote-HOST.journal
        "$REMOTE" --output="$J/remote-$1.journal" - 2>"$T/remote.log" || { cat "$T/remote.log"; exit 1; }
}

# 30 hosts took the bad agent update: counted twice, then safe mode, both
# the module and the content withheld; 10 of them also name the culprit.
for i in $(seq -w 1 30); do
        h=web-$i b1=$(boot_id web-$i 1) b2=$(boot_id web-$i 2) b3=$(boot_id web-$i 3)
        {
                entry "$h" "$b1" "$ARMED" "change seen" LASTGOOD_ITEM=/etc/falco/rules.d/update.yaml LASTGOOD_ITEM_KIND=content
                entry "$h" "$b2" "$COUNTED" "boot counted" LASTGOOD_TRIES=1 LASTGOOD_THRESHOLD=2 LASTGOOD_LEVEL=0
                entry "$h" "$b3" "$COUNTED" "boot counted" LASTGOOD_TRIES=1 LASTGOOD_THRESHOLD=2 LASTGOOD_LEVEL=1
                entry "$h" "$b3" "$SAFE" "safe mode" LASTGOOD_LEVEL=1 LASTGOOD_MODE=auto
                if [ $((10#$i)) -le 10 ]; then
                        entry "$h" "$b3" "$CULPRIT" "culprit" LASTGOOD_ITEM=falco LASTGOOD_ITEM_KIND=module
                fi
                entry "$h" "$b3" "$WITHHELD" "withheld falco" LASTGOOD_ITEM=falco LASTGOOD_ITEM_KIND=module LASTGOOD_REASON=changed LASTGOOD_LEVEL=1
                entry "$h" "$b3" "$WITHHELD" "withheld content" LASTGOOD_ITEM=/etc/falco/rules.d/update.yaml LASTGOOD_ITEM_KIND=content LASTGOOD_REASON=changed LASTGOOD_LEVEL=1
                entry "$h" "$b3" "$HEALTHY" "healthy"
        } | import "$h"
done

# 16 healthy hosts: an update, then proven.
for i in $(seq -w 1 16); do
        h=db-$i b=$(boot_id db-$i 1)
        {
                entry "$h" "$b" "$ARMED" "change seen" LASTGOOD_ITEM=nvidia LASTGOOD_ITEM_KIND=module
                entry "$h" "$b" "$HEALTHY" "healthy"
                entry "$h" "$b" "$PROVEN" "proven"
        } | import "$h"
done

# 5 exhausted hosts.
for i in 1 2 3 4 5; do
        h=gpu-$i b=$(boot_id gpu-$i 1)
        {
                entry "$h" "$b" "$COUNTED" "boot counted" LASTGOOD_TRIES=2 LASTGOOD_LEVEL=2
                entry "$h" "$b" "$WITHHELD" "withheld" LASTGOOD_ITEM=nvidia LASTGOOD_ITEM_KIND=module LASTGOOD_REASON=all-third-party LASTGOOD_LEVEL=2
                entry "$h" "$b" "$EXHAUSTED" "exhausted" LASTGOOD_LEVEL=3
        } | import "$h"
done

# 4 armed hosts, counting.
for i in 1 2 3 4; do
        h=edge-$i
        entry "$h" "$(boot_id edge-$i 1)" "$COUNTED" "boot counted" LASTGOOD_TRIES=1 LASTGOOD_LEVEL=0 | import "$h"
done

# One host withheld an old module in an earlier boot only, and released
# another one in its last boot.
h=odd-1
{
        entry "$h" "$(boot_id odd 1)" "$WITHHELD" "old" LASTGOOD_ITEM=old_mod LASTGOOD_ITEM_KIND=module LASTGOOD_LEVEL=1
        entry "$h" "$(boot_id odd 2)" "$COUNTED" "boot counted" LASTGOOD_TRIES=1 LASTGOOD_LEVEL=1
        entry "$h" "$(boot_id odd 2)" "$WITHHELD" "w" LASTGOOD_ITEM=vboxdrv LASTGOOD_ITEM_KIND=module LASTGOOD_LEVEL=1
        entry "$h" "$(boot_id odd 2)" "$WITHHELD" "w" LASTGOOD_ITEM=zfs LASTGOOD_ITEM_KIND=module LASTGOOD_LEVEL=1
        entry "$h" "$(boot_id odd 2)" "$RELEASED" "released" LASTGOOD_ITEM=zfs LASTGOOD_ITEM_KIND=module
} | import "$h"

# A host that went quiet two days before the others (looping before its
# journal uploads): silent.
h=late-1
BASE_SAVE=$BASE
BASE=$((BASE - 2 * 86400 * 1000000))
entry "$h" "$(boot_id late 1)" "$COUNTED" "boot counted" LASTGOOD_TRIES=1 LASTGOOD_LEVEL=0 | import "$h"
BASE=$BASE_SAVE

# Noise that is not lastgood's must not count as hosts.
printf '__REALTIME_TIMESTAMP=%s\n_HOSTNAME=other\n_MACHINE_ID=%s\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=hello\n\n' \
        "$BASE" "$(machine_id other)" | import other

[ "$(ls "$J" | wc -l)" -eq 58 ]

# Text: the summary first, then the hosts, worst state first.
"$CTL" fleet --directory="$J" >"$T/out"
cat "$T/out"
grep -q '^57 hosts: 5 exhausted, 31 safe-mode, 5 armed, 16 steady\.$' "$T/out"
grep -q '^Silent since 2025-11-28T07:06:48Z: 1 host (late-1)\.$' "$T/out"
sed -n '/^Withheld on the most hosts:/,/^$/p' "$T/out" >"$T/items"
[ "$(sed -n 2p "$T/items" | awk '{print $1}')" = 30 ]
grep -Eq '^ +30  falco$' "$T/items"
grep -Eq '^ +30  /etc/falco/rules.d/update.yaml$' "$T/items"
grep -Eq '^ +5  nvidia$' "$T/items"
grep -Eq '^ +1  vboxdrv$' "$T/items"
! grep -q 'old_mod\|zfs' "$T/items"
[ "$(grep -c '^web-' "$T/out")" -eq 30 ]
T0='2025-11-29T07:[0-9:]+Z'
grep -Eq "^web-01 +safe-mode +1 +yes +healthy +$T0 +falco +falco,/etc/falco/rules.d/update.yaml\$" "$T/out"
grep -Eq "^web-11 +safe-mode +1 +yes +healthy +$T0 +- +falco,/etc/falco/rules.d/update.yaml\$" "$T/out"
grep -Eq "^db-01 +steady +0 +no +proven +$T0 +- +-\$" "$T/out"
grep -Eq "^gpu-1 +exhausted +3 +yes +exhausted +$T0 +- +nvidia\$" "$T/out"
grep -Eq "^edge-1 +armed +0 +yes +boot-counted +$T0 +- +-\$" "$T/out"
grep -Eq "^odd-1 +safe-mode +1 +yes +released +$T0 +- +vboxdrv\$" "$T/out"
grep -Eq '^late-1 +armed +0 +yes +boot-counted +2025-11-27T.* +- +-  \(silent\)$' "$T/out"
! grep -q '^other ' "$T/out"
# Worst first: exhausted, safe mode, armed, steady.
awk '/^HOST /{on=1; next} on && NF {print $2}' "$T/out" | uniq | tr '\n' ' ' | grep -x 'exhausted safe-mode armed steady ' >/dev/null
# A terminal of 100 columns: no line is longer.
COLUMNS=100 "$CTL" fleet --directory="$J" >"$T/narrow"
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/narrow")" -le 100 ]
grep -Eq '^web-01 .*\.\.\.$' "$T/narrow"

# Filters.
"$CTL" fleet --directory="$J" --state=exhausted >"$T/f"
grep -q '^5 hosts: 5 exhausted, 0 safe-mode, 0 armed, 0 steady\.$' "$T/f"
[ "$(grep -c '^gpu-' "$T/f")" -eq 5 ] && ! grep -q '^web-' "$T/f"
"$CTL" fleet --directory="$J" --host='web-0*' >"$T/f"
grep -q '^9 hosts: 0 exhausted, 9 safe-mode, 0 armed, 0 steady\.$' "$T/f"
"$CTL" fleet --directory="$J" --host="$(machine_id db-03)" | grep '^db-03 ' >/dev/null
"$CTL" fleet --directory="$J" --state=silent >"$T/f"
grep -q '^1 host: 0 exhausted, 0 safe-mode, 1 armed, 0 steady\.$' "$T/f"
# --since: silent since a later time: the hosts without an event since then
# (every host here logs from BASE on: db, edge, gpu and late-1 end before 07:06:44).
"$CTL" fleet --directory="$J" --since=2025-11-29T07:06:44Z --state=silent >"$T/f"
grep -q '^Silent since 2025-11-29T07:06:44Z: 26 hosts' "$T/f"
grep -q '^gpu-1 ' "$T/f" && grep -q '^late-1 ' "$T/f" && ! grep -q '^web-01 ' "$T/f"
"$CTL" fleet --directory="$J" --since=@1764400004 --state=silent | grep '^Silent since 2025-11-29T07:06:44Z: 26 hosts' >/dev/null
# journalctl's time words: an explicit zone, and words relative to the
# present (every host of this 2025 journal is silent since yesterday).
"$CTL" fleet --directory="$J" --since="2025-11-29 07:06:44 UTC" --state=silent | grep '^Silent since 2025-11-29T07:06:44Z: 26 hosts' >/dev/null
"$CTL" fleet --directory="$J" --since="Sat 2025-11-29 08:06:44 +01:00" --state=silent | grep '^Silent since 2025-11-29T07:06:44Z: 26 hosts' >/dev/null
n_hosts=$("$CTL" fleet --directory="$J" --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["hosts"]))')
"$CTL" fleet --directory="$J" --since=yesterday --state=silent | grep "^Silent since .*: $n_hosts hosts" >/dev/null
"$CTL" fleet --directory="$J" --since=-2h --state=silent | grep "^Silent since .*: $n_hosts hosts" >/dev/null
set +e
"$CTL" fleet --directory="$J" --state=bogus >/dev/null 2>&1; [ $? -eq 2 ] || exit 1
"$CTL" fleet --directory="$J" --since=the-day-before >/dev/null 2>&1; [ $? -eq 2 ] || exit 1
"$CTL" fleet --directory="$J" --since="2025-02-30" >/dev/null 2>&1; [ $? -eq 2 ] || exit 1
"$CTL" fleet --directory="$J" --json --metrics >/dev/null 2>&1; [ $? -eq 2 ] || exit 1
set -e

# JSON, against the schema of every verb.
"$CTL" fleet --json --directory "$J" >"$T/json"
/usr/bin/python3 "$top_srcdir/tests/integration/check-json.py" "$top_srcdir/schemas/lastgoodctl.schema.json" fleet "$T/json"
python3 - "$T/json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1
s = d["summary"]
assert s["hosts"] == 57 and s["states"] == {"exhausted": 5, "safe-mode": 31, "armed": 5, "steady": 16}, s
assert s["silent"] == 1 and s["silent_since"] == "2025-11-28T07:06:48Z", s
assert [i["hosts"] for i in s["top_items"]] == [30, 30, 5, 1], s
hosts = {h["host"]: h for h in d["hosts"]}
assert len(d["hosts"]) == 57, len(d["hosts"])
assert d["hosts"][0]["state"] == "exhausted"
for h in d["hosts"]:
    assert set(["host", "machine_id", "level", "armed", "withheld", "culprits", "last_event", "last_event_time", "silent"]) <= set(h), h
    assert len(h["machine_id"]) == 32
w = hosts["web-03"]
assert w["level"] == 1 and w["armed"] is True and w["state"] == "safe-mode" and w["silent"] is False, w
assert w["withheld"] == [{"name": "falco", "kind": "module", "reason": "changed", "agent": None, "sha256": None},
                         {"name": "/etc/falco/rules.d/update.yaml", "kind": "content", "reason": "changed", "agent": None,
                          "sha256": None}], w
assert w["culprits"] == ["falco"], w
assert w["last_event"] == "healthy", w
assert w["last_event_time"].endswith("Z") and w["last_event_time"].startswith("2025-11-29T"), w
assert hosts["web-20"]["culprits"] == []
p = hosts["db-07"]
assert p["level"] == 0 and p["armed"] is False and p["withheld"] == [] and p["last_event"] == "proven", p
assert p["state"] == "steady"
assert hosts["gpu-4"]["level"] == 3 and hosts["gpu-4"]["state"] == "exhausted"
assert hosts["edge-2"]["armed"] is True and hosts["edge-2"]["level"] == 0
assert [i["name"] for i in hosts["odd-1"]["withheld"]] == ["vboxdrv"], hosts["odd-1"]
assert hosts["late-1"]["silent"] is True
items = d["items"]
assert items[0]["hosts"] == 30 and items[0]["name"] in ("falco", "/etc/falco/rules.d/update.yaml"), items
counts = {i["name"]: i["hosts"] for i in items}
assert counts == {"falco": 30, "/etc/falco/rules.d/update.yaml": 30, "nvidia": 5, "vboxdrv": 1}, counts
assert len([i for i in items if i["name"] == "falco"][0]["host_names"]) == 30
print("fleet json ok")
PYEOF

# OpenMetrics, read by python3-prometheus-client's OpenMetrics parser.
"$CTL" fleet --metrics --directory="$J" >"$T/metrics"
/usr/bin/python3 - "$T/metrics" <<'PYEOF'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
v = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    assert fam.type == "gauge" and fam.documentation, fam
    for s in fam.samples:
        v[(s.name, tuple(sorted(s.labels.items())))] = s.value
def g(name, **labels):
    return v[(name, tuple(sorted(labels.items())))]
assert g("lastgood_fleet_hosts", state="safe-mode") == 31
assert g("lastgood_fleet_hosts", state="exhausted") == 5
assert g("lastgood_fleet_hosts", state="steady") == 16
assert g("lastgood_fleet_silent_hosts") == 1
assert g("lastgood_fleet_item_hosts", item="falco", kind="module") == 30
assert g("lastgood_fleet_item_hosts", item="/etc/falco/rules.d/update.yaml", kind="content") == 30
assert len([k for k in v if k[0] == "lastgood_fleet_host_level"]) == 57
print("fleet metrics ok")
PYEOF

# A directory without journal files is an error, as journalctl -D says
# (issue 19, row 9); so is one holding only other files or a link to a
# journal file (never followed); a missing one: a clear error.
mkdir "$T/empty"
if "$CTL" fleet --directory="$T/empty" >"$T/out" 2>"$T/err"; then exit 1; fi
grep -q 'No journal files were found' "$T/err"
[ ! -s "$T/out" ]
echo x >"$T/empty/notes.txt"
ln -s "$J/remote-web-01.journal" "$T/empty/remote-link.journal"
if "$CTL" fleet --directory="$T/empty" --json 2>"$T/err"; then exit 1; fi
grep -q 'No journal files were found' "$T/err"
if "$CTL" fleet --directory="$T/missing" 2>"$T/err"; then exit 1; fi
grep -q 'cannot open journal directory' "$T/err"
# No directory: usage error.
set +e
"$CTL" fleet >/dev/null 2>&1
[ $? -eq 2 ] || exit 1
set -e
echo "fleet: ok"
