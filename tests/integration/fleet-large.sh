#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl fleet over a generated journal directory of 10,000 hosts and
# 40,000 entries (tests/integration/fleet-gen.py through the real
# systemd-journal-remote): the summary is exactly the generated mix, the
# filters select the right hosts, and --json and --metrics agree with it.
# Not timed (bench/fleet.sh measures the time).
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
CTL="$top_builddir/lastgoodctl"
REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$REMOTE" ] || REMOTE=/usr/lib/systemd/systemd-journal-remote
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
J="$T/journal"
mkdir -p "$J"

. "$top_srcdir/tests/integration/tap-lib.sh"

$PY "$top_srcdir/tests/integration/fleet-gen.py" 10000 | "$REMOTE" --output="$J/remote.journal" - 2>"$T/remote.log" ||
        fail "journal-remote: $(cat "$T/remote.log")"

"$CTL" fleet --directory="$J" >"$T/out"
head -n 1 "$T/out" | grep -x '10000 hosts: 20 exhausted, 200 safe-mode, 100 armed, 9680 steady\.' >/dev/null ||
        fail "summary: $(head -n 1 "$T/out")"
grep -q '^Silent since 2025-11-28T07:06:49Z: 100 hosts (host-00007, host-00107, ' "$T/out" || fail "silent line"
sed -n '/^Withheld on the most hosts:/,/^$/p' "$T/out" | sed -n 2,5p | awk '{ print $1, $2 }' >"$T/top"
printf '%s\n' "200 /etc/falco/rules.d/update.yaml" "200 falco" "20 nvidia" "20 zfs" | cmp -s - "$T/top" ||
        fail "top items: $(cat "$T/top")"
[ "$(grep -c '^host-' "$T/out")" = 10000 ] || fail "not 10,000 host lines"
# The 220 hosts in trouble come first, not buried among 9,680 steady ones.
awk '/^HOST /{on=1; next} on && NF {print $2}' "$T/out" >"$T/states"
head -n 220 "$T/states" | sort | uniq -c |
        awk '{ print $1, $2 }' | tr '\n' ' ' | grep -x '20 exhausted 200 safe-mode ' >/dev/null || fail "worst hosts not first"
ok "summary of 10,000 hosts: states, silent hosts, top items, worst first"

"$CTL" fleet --directory="$J" --state=safe-mode >"$T/f"
[ "$(grep -c '^host-' "$T/f")" = 200 ] && head -n 1 "$T/f" | grep '^200 hosts: 0 exhausted, 200 safe-mode' >/dev/null ||
        fail "--state=safe-mode"
"$CTL" fleet --directory="$J" --state=silent >"$T/f"
[ "$(grep -c '^host-.*(silent)$' "$T/f")" = 100 ] || fail "--state=silent"
"$CTL" fleet --directory="$J" --host='host-0000?' >"$T/f"
head -n 1 "$T/f" | grep -x '10 hosts: 1 exhausted, 1 safe-mode, 1 armed, 7 steady\.' >/dev/null || fail "--host glob: $(head -n 1 "$T/f")"
"$CTL" fleet --directory="$J" --since=2025-11-29T07:06:45Z --state=silent >"$T/f"
# Host i logs at BASE + i ms (07:06:40 + i ms): hosts 0..4999 are silent
# since 07:06:45, and so are the 50 hosts of 5000..9999 that went quiet
# two days earlier.
head -n 2 "$T/f" | tail -n 1 | grep '^Silent since 2025-11-29T07:06:45Z: 5050 hosts ' >/dev/null ||
        fail "--since: $(head -n 2 "$T/f" | tail -n 1)"
[ "$(grep -c '^host-' "$T/f")" = 5050 ] || fail "--since: host lines"
ok "filters: --state=safe-mode (200), --state=silent (100), --host=glob (10), --since"

"$CTL" fleet --directory="$J" --json >"$T/json"
$PY "$top_srcdir/tests/integration/check-json.py" "$top_srcdir/schemas/lastgoodctl.schema.json" fleet "$T/json" ||
        fail "fleet --json does not match the schema"
$PY - "$T/json" <<'PYEOF' || fail "fleet --json"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["hosts"] == 10000 and s["silent"] == 100, s
assert s["states"] == {"exhausted": 20, "safe-mode": 200, "armed": 100, "steady": 9680}, s
assert {i["name"]: i["hosts"] for i in s["top_items"]} == {"falco": 200, "/etc/falco/rules.d/update.yaml": 200,
                                                           "nvidia": 20, "zfs": 20}, s
assert len(d["hosts"]) == 10000 and len(d["items"]) == 4
h = {x["host"]: x for x in d["hosts"]}
assert h["host-00050"]["state"] == "safe-mode" and h["host-00501"]["state"] == "exhausted"
assert h["host-00107"]["silent"] is True and h["host-00108"]["silent"] is False
PYEOF
ok "fleet --json: schema and summary"

"$CTL" fleet --directory="$J" --metrics >"$T/metrics"
$PY - "$T/metrics" <<'PYEOF' || fail "fleet --metrics"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
v = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        v[(s.name, tuple(sorted(s.labels.items())))] = s.value
assert v[("lastgood_fleet_hosts", (("state", "steady"),))] == 9680
assert v[("lastgood_fleet_hosts", (("state", "exhausted"),))] == 20
assert v[("lastgood_fleet_silent_hosts", ())] == 100
assert v[("lastgood_fleet_item_hosts", (("item", "zfs"), ("kind", "module")))] == 20
assert len([k for k in v if k[0] == "lastgood_fleet_host_level"]) == 10000
PYEOF
ok "fleet --metrics: OpenMetrics parser, 10,000 host series"
echo "# $n checks"
