#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl status as a monitoring probe sees it: one exit code per host
# state (0 steady, 3 armed, 4 safe mode, 5 exhausted, 6 state corrupt),
# this boot's health (waiting, healthy, proven), the reason and the next
# step; every --json output validated against schemas/lastgoodctl.schema.json
# (python3-jsonschema), and status --metrics scraped with
# python3-prometheus-client's parser. crash exits 3 when it names nobody.
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
CTL="$top_builddir/lastgoodctl"
HELPER="$top_builddir/tests/integration/early-helper"
SCHEMA="$top_srcdir/schemas/lastgoodctl.schema.json"
# Debian's python3 with python3-jsonschema and python3-prometheus-client.
PY=/usr/bin/python3

R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
EFI="$R/sys/firmware/efi/efivars"
mkdir -p "$EFI" "$R/run/lastgood"
export EFIVARFS_PATH="$EFI/" LIBEFIVAR_OPS=efivarfs

. "$top_srcdir/tests/integration/tap-lib.sh"
ctl() { "$CTL" --root="$R" "$@"; }
schema() { $PY "$top_srcdir/tests/integration/check-json.py" "$SCHEMA" "$@"; }

# expect STATE HEALTH EXIT 'python over j' description: status --json (exit
# 0: a dump for a machine that succeeded), the schema, then the expression;
# the human output exits with the state's code, the metrics with 0.
expect() {
        local state=$1 health=$2 code=$3 expr=$4 desc=$5 rc=0 out
        out=$(ctl status --json 2>/dev/null) || rc=$?
        [ "$rc" = 0 ] || fail "$desc: status --json exited $rc, expected 0"
        schema status <<<"$out" || fail "$desc: status --json does not match the schema"
        $PY -c '
import json, sys
j = json.loads(sys.argv[1])
if j["state"] != sys.argv[2] or j["boot_health"] != sys.argv[3] or not eval(sys.argv[4]):
    print(json.dumps(j, indent=1), file=sys.stderr)
    sys.exit(1)
' "$out" "$state" "$health" "$expr" || fail "$desc: $state/$health/$expr"
        rc=0
        ctl status >"$R/human" 2>/dev/null || rc=$?
        [ "$rc" = "$code" ] || fail "$desc: human status exited $rc, expected $code"
        rc=0
        ctl status --metrics >"$R/metrics" 2>/dev/null || rc=$?
        [ "$rc" = 0 ] || fail "$desc: status --metrics exited $rc, expected 0"
        ok "$desc: exit $code (--json, --metrics: 0), state $state, this boot $health, schema valid"
}

# metric NAME [LABEL=VALUE]: the value of one sample of $R/metrics, parsed
# by prometheus_client (the parser of node_exporter's text format).
metric() {
        $PY -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
name = sys.argv[2]
labels = dict(a.split("=", 1) for a in sys.argv[3:])
for fam in text_string_to_metric_families(text):
    assert fam.type == "gauge", (fam.name, fam.type)
    assert fam.documentation, fam.name
    for s in fam.samples:
        if s.name == name and s.labels == labels:
            print(int(s.value))
            sys.exit(0)
sys.exit("no sample %s %s" % (name, labels))
' "$R/metrics" "$@"
}

# --- steady, no record ---
expect steady waiting 0 'j["next_step"] == "nothing" and j["level"] == 0' "no record"
grep -q "Next step: nothing" "$R/human" || fail "human: next step"
grep -q "This boot: waiting" "$R/human" || fail "human: this boot waiting"
[ "$(metric lastgood_level)" = 0 ] && [ "$(metric lastgood_armed)" = 0 ] && [ "$(metric lastgood_exhausted)" = 0 ] &&
        [ "$(metric lastgood_last_proven_timestamp_seconds)" = 0 ] &&
        [ "$(metric lastgood_host_state state=steady)" = 1 ] && [ "$(metric lastgood_host_state state=armed)" = 0 ] ||
        fail "metrics of a steady host"
ok "metrics of a steady host (prometheus_client parser)"
[ -z "$(ls -A "$EFI")" ] || fail "status wrote a variable"

# Healthy marker on a steady host: nothing to prove.
echo 1 >"$R/run/lastgood/healthy"
expect steady proven 0 'True' "steady, healthy"
[ "$(metric lastgood_boot_healthy)" = 1 ] && [ "$(metric lastgood_boot_proven)" = 1 ] || fail "metrics: healthy, proven"
rm "$R/run/lastgood/healthy"

# --- armed ---
"$HELPER" "$R" state armed=1 tries=1 level=0 boot_seq=4
expect armed waiting 3 '"1 failed so far" in j["reason"] and "proven once healthy" in j["next_step"]' "armed"
[ "$(metric lastgood_armed)" = 1 ] && [ "$(metric lastgood_tries)" = 1 ] &&
        [ "$(metric lastgood_host_state state=armed)" = 1 ] || fail "metrics of an armed host"
ok "metrics of an armed host"
echo 1 >"$R/run/lastgood/healthy"
expect armed healthy 3 '"after ProveSec" in j["next_step"]' "armed, healthy, not yet proven"
grep -q "This boot: healthy, not yet proven" "$R/human" || fail "human: healthy, not yet proven"
rm "$R/run/lastgood/healthy"

# --- safe mode: level 1 from the crash log ---
"$HELPER" "$R" state armed=1 tries=1 level=1 boot_seq=5
printf '%s\n' STAGE=pre-switch LEVEL=1 MODE=auto COUNTED=1 CULPRIT=evil_mod \
        'CULPRIT_EVIDENCE=RIP: 0010:evil_func+0x10/0x20 [evil_mod]' >"$R/run/lastgood/decision"
printf 'module\tevil_mod\tcrash-log\t-\ncontent\t/etc/agent/rules.yaml\tchanged\tagent\n' >"$R/run/lastgood/withheld"
expect safe-mode waiting 4 '"crash log" in j["reason"] and "evil_mod" in j["reason"] and "lastgoodctl release evil_mod" in j["next_step"] and j["withheld"][0]["agent"] is None' \
        "safe mode (crash log)"
grep -q "Status: Safe mode (level 1): 2 items withheld" "$R/human" || fail "human: one-line status"
grep -q "Next step: wait: .*lastgoodctl release evil_mod" "$R/human" || fail "human: next step names the culprit"
[ "$(metric lastgood_level)" = 1 ] && [ "$(metric lastgood_withheld_items)" = 2 ] &&
        [ "$(metric lastgood_host_state state=safe-mode)" = 1 ] || fail "metrics in safe mode"
ok "human status and metrics in safe mode"
echo 1 >"$R/run/lastgood/healthy"
expect safe-mode healthy 4 'j["next_step"].startswith("`lastgoodctl release evil_mod`")' "safe mode, healthy"
rm "$R/run/lastgood/healthy"

# Level 2 after the threshold, and an override.
sed -i 's/^LEVEL=1/LEVEL=2/; /^CULPRIT/d' "$R/run/lastgood/decision"
expect safe-mode waiting 4 '"at level 1" in j["reason"] and j["level"] == 2' "level 2"
printf '%s\n' STAGE=pre-switch LEVEL=1 MODE=safe OVERRIDE=1 >"$R/run/lastgood/decision"
"$HELPER" "$R" state armed=0 tries=0 level=0
expect safe-mode waiting 4 '"lastgood.mode=safe" in j["reason"] and j["stored_level"] == 0' "lastgood.mode=safe override"

# --- exhausted ---
"$HELPER" "$R" state armed=1 tries=0 level=3
printf '%s\n' STAGE=pre-switch LEVEL=3 MODE=auto EXHAUSTED=1 >"$R/run/lastgood/decision"
: >"$R/run/lastgood/withheld"
expect exhausted waiting 5 '"exhausted" in j["reason"] and "lastgoodctl reset" in j["next_step"]' "exhausted"
[ "$(metric lastgood_exhausted)" = 1 ] && [ "$(metric lastgood_level)" = 3 ] || fail "metrics when exhausted"
ok "metrics when exhausted"

# --- corrupt ---
rm -f "$R/run/lastgood/decision" "$R/run/lastgood/withheld"
printf '\x07\x00\x00\x00garbagegarbagegarbagegarbage1234' >"$EFI/LastGoodState-5d6f9d7f-8fb2-447b-889a-27e408146ce9"
expect corrupt waiting 6 '"lastgoodctl reset" in j["next_step"] and j["state_error"] is not None' "state corrupt"
[ "$(metric lastgood_state_corrupt)" = 1 ] || fail "metrics: corrupt"
ok "metrics: corrupt"
ctl reset >/dev/null 2>&1
expect steady waiting 0 'True' "reset after corrupt"

# --- usage ---
rc=0
ctl status --json --metrics >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "status --json --metrics: exit $rc, expected 2"
ok "status --json --metrics is a usage error"

# --- the other verbs' JSON against the same schema ---
rc=0
ctl list --json >"$R/list.json" || rc=$?
[ $rc = 0 ] || fail "list exited $rc"
schema list "$R/list.json" || fail "list --json does not match the schema"
ok "list --json matches the schema"

fx="$top_srcdir/tests/fixtures/oops"
named=$(awk -F'\t' '$5 != "none" && $5 !~ /^in-tree/ && $6 == "high" { print $1; exit }' "$fx/INDEX.tsv")
none=$(awk -F'\t' '$5 == "none" { print $1; exit }' "$fx/INDEX.tsv")
[ -n "$named" ] && [ -n "$none" ] || fail "fixtures: no named/none crash logs in INDEX.tsv"
rc=0
ctl crash --json "$fx/$named" >"$R/crash.json" || rc=$?
[ $rc = 0 ] || fail "crash $named exited $rc"
schema crash "$R/crash.json" || fail "crash --json ($named) does not match the schema"
rc=0
ctl crash --json "$fx/$none" >"$R/crash-none.json" || rc=$?
[ $rc = 3 ] || fail "crash $none (no culprit) exited $rc, expected 3"
schema crash "$R/crash-none.json" || fail "crash --json ($none) does not match the schema"
$PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["culprit"] is None' "$R/crash-none.json" ||
        fail "crash $none: culprit not null"
ok "crash --json matches the schema; exit 0 with a culprit, 3 without"

# The validator is not a rubber stamp: a crash id as an integer (the old
# output) and a missing schema_version are rejected.
$PY -c '
import json, sys
j = json.load(open(sys.argv[1])); j["id"] = 4026673960
json.dump(j, open(sys.argv[2], "w"))
j = json.load(open(sys.argv[1])); del j["schema_version"]
json.dump(j, open(sys.argv[3], "w"))
' "$R/crash.json" "$R/bad1.json" "$R/bad2.json"
schema crash "$R/bad1.json" 2>/dev/null && fail "the schema took an integer crash id"
schema crash "$R/bad2.json" 2>/dev/null && fail "the schema took a document without schema_version"
ok "the schema rejects an integer id and a missing schema_version"
echo "# $n checks"
