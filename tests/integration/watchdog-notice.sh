#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The login notice /run/motd.d/lastgood, the live STATUS= line and
# MetricsFile= through a boot of the real daemon: in safe mode the notice
# names the level, the reason, the withheld items and the next step, and
# STATUS= follows the boot (waiting, healthy, proven); once the boot is
# proven and steady the notice is gone; a steady boot removes a stale
# notice; the metrics file is scraped with python3-prometheus-client.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

MOTD="$ROOT/run/motd.d/lastgood"
METRICS="$ROOT/var/lib/node-exporter/lastgood.prom"
n=0
ok() {
        n=$((n + 1))
        echo "ok $n - $*"
}
# last_status: the last STATUS= the daemon sent.
# (notify.log lines are "MS KEY=VALUE")
last_status() { grep '^[0-9]* STATUS=' "$T/notify.log" | tail -n 1 | cut -d= -f2-; }
metric() {
        "$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
labels = dict(a.split("=", 1) for a in sys.argv[3:])
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        if s.name == sys.argv[2] and s.labels == labels:
            print(int(s.value)); sys.exit(0)
sys.exit("no sample %s" % sys.argv[2])
' "$METRICS" "$@"
}

wd_setup_root
printf '[Health]\nMetricsFile=/var/lib/node-exporter/lastgood.prom\n' >"$ROOT/etc/lastgood/lastgood.conf"
bus_start boot-complete.target=inactive

echo "== safe mode: the notice, STATUS= and the metrics from the start"
state_set armed=1 tries=1 level=1 boot_seq=5
printf '%s\n' STAGE=pre-switch LEVEL=1 MODE=auto COUNTED=1 TRIES=1 THRESHOLD=2 BOOT_SEQ=5 \
        >"$ROOT/run/lastgood/decision"
printf 'module\tvendor_blob\tchanged\t-\ncontent\t/etc/falco/rules.d/a.yaml\tchanged\tfalco\n' \
        >"$ROOT/run/lastgood/withheld"
wd_start --stable-sec=0 --prove-sec=1
wait_for 50 test -f "$MOTD" || fail "no login notice in safe mode"
grep -q "SAFE MODE (level 1)" "$MOTD" || fail "notice: level"
grep -q "Withheld:  module vendor_blob (changed)" "$MOTD" || fail "notice: withheld module"
grep -q "content /etc/falco/rules.d/a.yaml (changed)" "$MOTD" || fail "notice: withheld content"
grep -q "Next step: .*lastgoodctl release vendor_blob" "$MOTD" || fail "notice: next step"
[ "$(stat -c %a "$MOTD")" = 644 ] || fail "notice not world-readable"
ok "safe mode: /run/motd.d/lastgood names the level, the items and the next step"
wait_for 50 grep -q '^[0-9]* STATUS=Safe mode (level 1): 2 items withheld; this boot not yet healthy' "$T/notify.log" ||
        fail "STATUS= at start: $(last_status)"
ok "STATUS= at start: $(last_status)"
[ "$(metric lastgood_level)" = 1 ] && [ "$(metric lastgood_withheld_items)" = 2 ] &&
        [ "$(metric lastgood_armed)" = 1 ] && [ "$(metric lastgood_boot_healthy)" = 0 ] ||
        fail "metrics file at start: $(cat "$METRICS")"
ok "MetricsFile= written at start and parsed"

echo "== healthy, then proven: STATUS= follows"
boot_complete
wait_for 100 test -e "$ROOT/run/lastgood/healthy" || fail "never healthy"
wait_for 50 grep -q '^[0-9]* STATUS=.*this boot healthy, not yet proven' "$T/notify.log" || fail "STATUS= when healthy"
ok "STATUS= when healthy"
wait_for 100 state_has armed=0 unproven=0 tries=0 level=0 || fail "not proven"
wait_for 50 grep -q '^[0-9]* STATUS=.*this boot healthy and proven' "$T/notify.log" || fail "STATUS= when proven: $(last_status)"
ok "STATUS= when proven: $(last_status)"
# Proven: the hot record is steady, but this boot still withholds its two
# items (they are now persistently withheld): the notice stays, as safe
# mode is still in force this boot.
[ -f "$MOTD" ] || fail "notice gone while items are still withheld this boot"
wait_for 50 test "$(metric lastgood_boot_proven)" = 1 || fail "metrics: proven"
ok "metrics after proof: proven, notice kept while items are withheld this boot"
wd_stop || fail "stop"

echo "== the next boot is steady: a stale notice is removed"
rm -f "$ROOT/run/lastgood/decision" "$ROOT/run/lastgood/withheld" "$ROOT/run/lastgood/healthy"
: >"$ROOT/run/lastgood/withheld"
printf '%s\n' STAGE=pre-switch LEVEL=0 MODE=auto >"$ROOT/run/lastgood/decision"
[ -f "$MOTD" ] || fail "setup: no stale notice"
wd_start --stable-sec=0 --prove-sec=3600
wait_for 50 test ! -e "$MOTD" || fail "stale notice not removed on a steady boot"
wait_for 50 grep -q '^[0-9]* STATUS=Steady: nothing withheld; this boot not yet healthy' "$T/notify.log" ||
        fail "STATUS= steady: $(last_status)"
[ "$(metric lastgood_level)" = 0 ] && [ "$(metric lastgood_host_state state=steady)" = 1 ] || fail "metrics steady"
ok "steady boot: notice removed, STATUS= and metrics say steady"
wd_stop || fail "stop"

echo "== exhausted: the notice says so"
state_set armed=1 tries=0 level=3 boot_seq=9
printf '%s\n' STAGE=pre-switch LEVEL=3 MODE=auto EXHAUSTED=1 >"$ROOT/run/lastgood/decision"
wd_start --stable-sec=0 --prove-sec=3600
wait_for 50 test -f "$MOTD" || fail "no notice when exhausted"
grep -q "EXHAUSTED" "$MOTD" || fail "notice: exhausted"
grep -q "lastgoodctl reset" "$MOTD" || fail "notice: next step when exhausted"
[ "$(metric lastgood_exhausted)" = 1 ] || fail "metrics: exhausted"
ok "exhausted: notice and metrics"
wd_stop || fail "stop"
echo "# $n checks"
