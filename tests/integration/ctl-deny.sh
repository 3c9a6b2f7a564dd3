#!/bin/bash
# lastgoodctl and deny lists (lastgood-deny.d(5)): status, list and plan
# show a denied item with its list's file and line; the proof of a level-1
# recovery says its only change as a verdict; crash --json, status --json
# and list
# --json carry each item's SHA-256 (a cold-record item's too, found again in
# the quarantine); status --metrics exports lastgood_withheld_info for every
# persistently withheld and every denied item, parsed by the Prometheus
# client's parser; release refuses a denied item and names the line to
# remove; doctor reports an untrusted list and a bad line.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"
PY=/usr/bin/python3
SCHEMA="$top_srcdir/schemas/lastgoodctl.schema.json"
schema() { $PY "$top_srcdir/tests/integration/check-json.py" "$SCHEMA" "$@"; }
ctl() { "$CTL" --root="$R" --store=file --kernel-release="$KVER" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

make_root
prove

# A level-1 boot withholds scanner's changed signature: after the proof it
# is in the cold record (its file in the quarantine).
echo "sig v2 (crashes)" >"$R/opt/scanner/sig/main.sig"
sig_sha=$(sha256sum "$R/opt/scanner/sig/main.sig" | cut -d' ' -f1)
decision 1 7
apply
"$WATCHDOG" --root="$R" --kernel-release="$KVER" --prove-now --journal-export="$T/prove2.export" >"$T/prove2.log" 2>&1 ||
        { cat "$T/prove2.log"; fail "prove"; }
# The only change of a level-1 recovery is a verdict, with its fingerprint
# (for lastgoodctl fleet --deny-list).
awk 'BEGIN { RS = ""; FS = "\n" } /LASTGOOD_VERDICT=only-change/' "$T/prove2.export" >"$T/verdict"
grep -q "^LASTGOOD_ITEM=/opt/scanner/sig/main.sig$" "$T/verdict" || fail "no verdict event: $(cat "$T/prove2.export")"
grep -q "^LASTGOOD_ITEM_SHA256=sha256:$sig_sha$" "$T/verdict" || fail "verdict without the fingerprint: $(cat "$T/verdict")"
echo "ok - the only change of a level-1 recovery is a verdict with its SHA-256"
rm -rf "$R/run/lastgood"

# A fleet list denies falco's new rules.
echo 'rules v2 (bad)' >"$R/etc/falco/falco_rules.yaml"
bad=$(sha256sum "$R/etc/falco/falco_rules.yaml" | cut -d' ' -f1)
mkdir -p "$R/etc/lastgood/deny.d"
printf '# fleet\nsha256:%s content /etc/falco/falco_rules.yaml falco  # 4 hosts\n' "$bad" \
        >"$R/etc/lastgood/deny.d/fleet.list"
apply
LINE=/etc/lastgood/deny.d/fleet.list:2

out=$(ctl status || true)
grep -q "content /etc/falco/falco_rules.yaml (denied, agent falco, by $LINE)" <<<"$out" || fail "status: $out"
out=$(ctl list)
grep -q "/etc/falco/falco_rules.yaml (denied, agent falco, by $LINE)" <<<"$out" || fail "list: $out"
# plan: a dry run over what is on disk (the agent downloads it again).
echo 'rules v2 (bad)' >"$R/etc/falco/falco_rules.yaml"
out=$(ctl plan --level=1)
grep -q "/etc/falco/falco_rules.yaml: denied by a deny list (its fingerprint), at every level ($LINE)" <<<"$out" ||
        fail "plan: $out"
echo "ok - status, list and plan name the list's line"

ctl status --json >"$T/status.json" || [ $? -ge 3 ]
schema status "$T/status.json" || fail "status --json does not match the schema"
$PY - "$T/status.json" "$bad" "$sig_sha" "$LINE" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
bad, sig, line = sys.argv[2:5]
w = [i for i in doc["withheld"] if i["name"] == "/etc/falco/falco_rules.yaml"]
assert w and w[0]["reason"] == "denied" and w[0]["denied_by"] == line, doc["withheld"]
q = [i for i in doc["persistently_withheld"] if i["name"] == "/opt/scanner/sig/main.sig"]
assert q and q[0]["sha256"] == "sha256:" + sig, doc["persistently_withheld"]
PYEOF
ctl list --json >"$T/list.json"
schema list "$T/list.json" || fail "list --json does not match the schema"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(i["sha256"] == "sha256:"+sys.argv[2] for i in d["persistently_withheld"]), d' \
        "$T/list.json" "$sig_sha" || fail "list --json: no sha256 of the record"
echo "ok - status --json and list --json carry the SHA-256 (schema valid)"

ctl status --metrics >"$T/metrics" || [ $? -ge 3 ]
$PY - "$T/metrics" "$bad" "$sig_sha" <<'PYEOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
bad, sig = sys.argv[2:4]
found = {}
for fam in text_string_to_metric_families(text):
    if fam.name == "lastgood_withheld_info":
        for s in fam.samples:
            found[s.labels["name"]] = s
d = found["/etc/falco/falco_rules.yaml"]
assert d.value == 1 and d.labels == {"kind": "content", "name": "/etc/falco/falco_rules.yaml", "agent": "falco",
                                     "sha256": "sha256:" + bad, "reason": "denied"}, d
q = found["/opt/scanner/sig/main.sig"]
assert q.labels["sha256"] == "sha256:" + sig and q.labels["reason"] == "quarantine" and q.labels["agent"] == "scanner", q
PYEOF
echo "ok - status --metrics: lastgood_withheld_info for the record and the denied item"

# crash --json: the culprit module's fingerprint when its file is here.
mkdir -p "$R/lib/modules/$KVER/updates"
"$top_srcdir/tests/fixtures/modules/mkmod.sh" "$R/lib/modules/$KVER/updates/nvidia.ko" license=NVIDIA
nv_sha=$(sha256sum "$R/lib/modules/$KVER/updates/nvidia.ko" | cut -d' ' -f1)
ctl crash --json "$top_srcdir/tests/fixtures/oops/01-nvidia-nullderef-gpu-off-bus-lkml.txt" >"$T/crash.json" || true
schema crash "$T/crash.json" || fail "crash --json does not match the schema"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["culprit"] == "nvidia" and d["sha256"] == "sha256:" + sys.argv[2], d' \
        "$T/crash.json" "$nv_sha" || fail "crash --json: $(cat "$T/crash.json")"
ctl crash --json "$top_srcdir/tests/fixtures/oops/02-nvidia_modeset-nullderef-xorg-ubuntuforums.txt" >"$T/crash2.json" || true
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sha256"] is None, d' "$T/crash2.json" ||
        fail "crash --json: a module not on this host has a fingerprint"
echo "ok - crash --json: the culprit's SHA-256 when its file is on this host, null otherwise"

if ctl release /etc/falco/falco_rules.yaml 2>"$T/release.err"; then
        fail "release of a denied item succeeded"
fi
grep -q "is denied by $LINE: remove that line from the list to let it load" "$T/release.err" ||
        fail "release: $(cat "$T/release.err")"
echo "ok - release refuses a denied item and names the line"

echo "sha256:12 content /x" >>"$R/etc/lastgood/deny.d/fleet.list"
printf 'sha256:%064d module x\n' 0 >"$R/etc/lastgood/deny.d/open.list"
chmod 0666 "$R/etc/lastgood/deny.d/open.list"
ctl doctor >"$T/doctor" 2>&1 || true
grep -q "deny-lists .*fleet.list, line 3: fingerprint of the wrong length" "$T/doctor" || fail "doctor: $(cat "$T/doctor")"
grep -q "deny-lists .*open.list is writable by others" "$T/doctor" || fail "doctor: $(cat "$T/doctor")"
echo "ok - doctor reports the bad line and the untrusted list"
