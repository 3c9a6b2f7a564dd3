#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped Prometheus rules (contrib/prometheus/lastgood.rules.yml,
# issue 20): well-formed for promtool check rules, and
# tests/integration/prometheus-rules.test.yml under promtool test rules:
# a fingerprint that is a verdict on 3 hosts fires (each host once, a
# level-2 suspect never), hosts in safe mode or exhausted fire, a bad
# rollout and stale metrics fire. promtool is Debian's `prometheus`.
set -euo pipefail
: "${top_srcdir:?}"
. "$top_srcdir/tests/integration/tap-lib.sh"
PROMTOOL=$(command -v promtool) || fail "promtool not found (apt-get install prometheus)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$PROMTOOL" check rules "$top_srcdir/contrib/prometheus/lastgood.rules.yml" >"$T/out" 2>&1 || fail "$(cat "$T/out")"
ok "promtool check rules"
# rule_files: in the test file are relative to it.
(cd "$top_srcdir/tests/integration" && "$PROMTOOL" test rules prometheus-rules.test.yml) >"$T/out" 2>&1 ||
        fail "$(cat "$T/out")"
grep -q SUCCESS "$T/out" || fail "$(cat "$T/out")"
ok "promtool test rules: verdict hosts, safe mode, exhausted, fleet, stale metrics"
echo "# $n checks"
