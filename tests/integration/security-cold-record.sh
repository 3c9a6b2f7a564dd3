#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One agent cannot disable the cold record for everybody (issue 10, attack
# 3): its user drops 40 new content files with long names and one whose
# name holds an ESC byte; safe mode quarantines them all. The proof must
# still succeed, another agent's withheld file must still be recorded, the
# control-byte name is recorded by its hash (and withheld again when the
# same bytes come back), and every item left out is said in the log.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

FAIL_LOGS="$T/prove.log"
. "$top_srcdir/tests/integration/tap-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"
cold() { state_json | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["quarantine"]))'; }

agent_root "$R/opt/scanner"
prove
SIG="$R/opt/scanner/sig"
ESC=$(printf '\033')
as_agent sh -c 'for i in $(seq 1 40); do echo "bad $i" >"$1/sig-$i-$(printf "%0200d" 0).sig"; done' sh "$SIG"
echo "bad esc" | as_agent tee "$SIG/evil${ESC}[2J.sig" >/dev/null
echo "rules v2 (bad)" >"$R/etc/falco/falco_rules.yaml"

decision 1 7
apply
! grep -q "$ESC" "$T/apply.log" || fail "a raw ESC byte reached lastgood-apply's log"
[ "$(ls -A "$SIG")" = main.sig ] || fail "safe mode did not quarantine the new files: $(ls -A "$SIG" | head -3)"

# The proof succeeds in spite of 41 long or odd names.
prove || fail "the proven write failed"
[ "$(state_field tries)" = 0 ] && [ "$(state_field armed)" = false ] || fail "the boot was not proven"
cold >"$T/cold"
grep -qx /etc/falco/falco_rules.yaml "$T/cold" || fail "the other agent's withheld file was not recorded"
grep -q '^#[0-9a-f]\{16\}$' "$T/cold" || fail "nothing recorded by the hash of its name"
[ "$(wc -l <"$T/cold")" -lt 42 ] || fail "one agent filled the cold record"
nskip=$(grep -c 'Not recorded as persistently withheld' "$T/prove.log" || true)
[ "$nskip" -gt 0 ] || fail "the items left out were not said"
[ "$nskip" = $((42 - $(wc -l <"$T/cold"))) ] || fail "$nskip items said skipped, $(wc -l <"$T/cold") recorded, of 42"
! grep -q "$ESC" "$T/prove.log" || fail "a raw ESC byte reached the log"
ok "41 long or odd names: proof succeeds, $(wc -l <"$T/cold") recorded, $nskip left out and said"

# The ESC-named file, recorded by the hash of its name (processed first,
# it fit), comes back with the same bytes at a level-0 boot: withheld again.
rm -rf "$R/run/lastgood"
echo "bad esc" | as_agent tee "$SIG/evil${ESC}[2J.sig" >/dev/null
decision 0 8
apply
[ ! -e "$SIG/evil${ESC}[2J.sig" ] || fail "the file recorded by the hash of its name was not withheld again"
ok "a name with a control byte is recorded by its hash and withheld again"
