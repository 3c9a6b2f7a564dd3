#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every lastgood event becomes a real journal entry with its MESSAGE_ID and
# LASTGOOD_* fields: the events are written in Journal Export Format, imported
# into a private journal file with systemd-journal-remote, and read back with
# journalctl. The early path (kmsg + spool under a temporary root, forwarded
# exactly once) goes the same way.
set -euo pipefail

: "${top_builddir:?}"
emit="$top_builddir/tests/integration/lg-emit-events"
remote=""
for c in /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
        [[ -x $c ]] && remote=$c && break
done
if [[ -z $remote ]]; then
        echo "systemd-journal-remote is missing (package systemd-journal-remote)" >&2
        exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Checks a journal file: all 15 IDs once, the fields, no forged entry.
check_journal() {
        journalctl --file="$1" -o json --no-pager > "$tmp/out.json"
        python3 - "$tmp/out.json" <<'EOF'
import json, sys
ids = {
    "f512fca8badc4407aed2807c102a59a3": "boot-counted",
    "605d133f879541c6af3eb804f5a8449e": "safe-mode",
    "202bb5539a0b41fb99c1ed313c3c5435": "withheld",
    "c4e37499c9ef4c4eb05e8cc6773f08ce": "healthy",
    "7c3647799b584874825ece8b306b803b": "proven",
    "1ad7ae27e18e41ed99f2fa0b506c8ae5": "unhealthy",
    "c3b3145aed6c4a7c8b1517766ebb932c": "culprit",
    "967cd6dae204458f9c1f906356f7aaf2": "exhausted",
    "02a4660dc9834676abaff33688fb8024": "released",
    "b01d199650a743cda75439e341b24aa1": "state-corrupt",
    "b83179c7853e45618ad897dcd4ce5248": "armed",
    "d6040cbea783455b8c8f8248cd1f3cc8": "override",
    "c1777c1426114746bc56bdfbf1d02426": "reset-on-failure",
    "7dc2bf4fc2304e85b2bdb5dc504b4bde": "narrowing",
    "9e4cca18777541b5a0e7af80d37aeb7e": "denied",
}
entries = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(entries) == 15, f"{len(entries)} entries, expected 15"
seen = {}
for e in entries:
    mid = e["MESSAGE_ID"]
    assert mid in ids, mid
    assert mid not in seen, f"{mid} twice"
    seen[mid] = e
    assert e["SYSLOG_IDENTIFIER"] == "lastgood", e
    assert e["PRIORITY"] == "5", e
    assert e["LASTGOOD_EVENT"] == ids[mid], e
    assert e["LASTGOOD_TRIES"] == "2" and e["LASTGOOD_THRESHOLD"] == "2", e
    assert e["LASTGOOD_KERNEL"] == "6.1.0-18-amd64" and e["LASTGOOD_BOOT_SEQ"] == "17", e
    assert e["LASTGOOD_MODE"] == "auto", e
    assert e["MESSAGE"], e
assert seen["605d133f879541c6af3eb804f5a8449e"]["LASTGOOD_LEVEL"] == "1"
w = seen["202bb5539a0b41fb99c1ed313c3c5435"]
assert w["LASTGOOD_ITEM"] == "nvidia_drm" and w["LASTGOOD_ITEM_KIND"] == "module" and w["LASTGOOD_REASON"] == "changed", w
c = seen["c3b3145aed6c4a7c8b1517766ebb932c"]
# The hostile item name stays one value (journalctl shows values with
# control characters as a byte array): no forged field, no forged entry.
item = c["LASTGOOD_ITEM"]
if isinstance(item, list):
    item = bytes(item).decode()
assert item == "evil\n\nMESSAGE_ID=02a4660dc9834676abaff33688fb8024\nLASTGOOD_ITEM=forged", repr(item)
assert c["LASTGOOD_EVIDENCE"].startswith("RIP: 0010:evil_init"), c
assert c["LASTGOOD_REASON"] == "crash-log", c
d = seen["9e4cca18777541b5a0e7af80d37aeb7e"]
assert d["LASTGOOD_ITEM_SHA256"] == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", d
assert d["LASTGOOD_DENY_LIST"] == "/etc/lastgood/deny.d/fleet.list:3" and d["LASTGOOD_REASON"] == "denied", d
assert c["LASTGOOD_VERDICT"] == "crash-log", c
assert "LASTGOOD_VERDICT" not in w, w
print("journal ok: 15 entries")
EOF
}

# 1. The main-system form: lg_event_format_export().
"$emit" export > "$tmp/events.export"
"$remote" --output="$tmp/direct.journal" - < "$tmp/events.export" 2> "$tmp/remote.log"
check_journal "$tmp/direct.journal"
journalctl --file="$tmp/direct.journal" -o verbose --no-pager MESSAGE_ID=605d133f879541c6af3eb804f5a8449e \
        | grep 'LASTGOOD_LEVEL=1' >/dev/null

# 2. The early form: /dev/kmsg and the spool under a root, then forwarded.
root="$tmp/root"
mkdir -p "$root/dev"
: > "$root/dev/kmsg"
"$emit" early "$root"
[[ $(wc -l < "$root/dev/kmsg") -eq 15 ]]
grep -q '^<29>lastgood: Safe mode entered\.$' "$root/dev/kmsg"
# Every kmsg line has the prefix: the hostile item never starts a line.
[[ $(grep -c '^<[0-9]*>lastgood: ' "$root/dev/kmsg") -eq 15 ]]
[[ -s $root/run/lastgood/events ]]

"$emit" forward-export "$root" > "$tmp/forwarded.export" 2> "$tmp/count1"
[[ $(cat "$tmp/count1") == 15 ]]
[[ -s $root/run/lastgood/events.sent ]]
# Exactly once: a second forward sends nothing.
"$emit" forward-export "$root" > "$tmp/again.export" 2> "$tmp/count2"
[[ $(cat "$tmp/count2") == 0 ]]
[[ ! -s $tmp/again.export ]]

"$remote" --output="$tmp/early.journal" - < "$tmp/forwarded.export" 2>> "$tmp/remote.log"
check_journal "$tmp/early.journal"

echo "events-journal: ok"
