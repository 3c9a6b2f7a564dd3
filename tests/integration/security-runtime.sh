#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The watchdog's runtime move through a swapped folder (issue 10, attack 1,
# at run time). The agent's user got a copy of /etc/shadow's bytes recorded
# as persistently withheld (/etc/falco/rules.d/shadow). While the watchdog
# runs, it turns rules.d into a symlink to /etc and makes an event for
# "shadow" in the folder the watchdog watches: the watchdog judges
# /etc/falco/rules.d/shadow, which through the symlink is /etc/shadow with
# the recorded fingerprint. Nothing outside the content folder may move.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

. "$top_srcdir/tests/integration/security-lib.sh"

wd_setup_root
C="$ROOT/etc/falco/rules.d"
chmod 0755 "$T" "$ROOT" "$ROOT/etc"
chown -R $AGENT_UID "$ROOT/etc/falco"
echo "root:SECRET-HASH:19000::::::" >"$ROOT/etc/shadow"
chmod 0640 "$ROOT/etc/shadow"
bus_start boot-complete.target=inactive

# A proven boot that withheld the agent's copy: it is in the cold record.
cat "$ROOT/etc/shadow" | as_agent tee "$C/shadow" >/dev/null
mkdir -p "$T/away"
mv "$C/shadow" "$T/away/shadow" # the apply unit moved it away
printf 'content\t/etc/falco/rules.d/shadow\tchanged\tfalco\n' >"$ROOT/run/lastgood/withheld"
printf 'LEVEL=1\nMODE=auto\nBOOT_SEQ=4\n' >"$ROOT/run/lastgood/decision"
state_set armed=1 tries=1 level=1 boot_seq=4
mv "$T/away/shadow" "$C/shadow" # fingerprinted at the proof
"$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "baseline"
grep -qa "rules.d/shadow" "$(QUAR_VAR)" || fail "rules.d/shadow not in the cold record"
rm -f "$C/shadow" "$ROOT/run/lastgood/withheld"
printf 'LEVEL=0\nMODE=auto\nBOOT_SEQ=5\n' >"$ROOT/run/lastgood/decision"
before=$(stat -c '%i %s %Y' "$ROOT/etc/shadow")

wd_start --stable-sec=0 --prove-sec=3600
as_agent mv "$C" "$ROOT/etc/falco/rules.d.real"
as_agent ln -s .. "$C"
# An event named "shadow" in the folder the watchdog watches (its inode).
echo x | as_agent tee "$ROOT/etc/falco/rules.d.real/shadow" >/dev/null
as_agent rm "$ROOT/etc/falco/rules.d.real/shadow"
echo "rule: new" | as_agent tee "$ROOT/etc/falco/rules.d.real/c.yaml" >/dev/null
sleep 3
wd_stop || true
[ -e "$ROOT/etc/shadow" ] || fail "the watchdog moved /etc/shadow through the symlinked content folder"
[ "$(stat -c '%i %s %Y' "$ROOT/etc/shadow")" = "$before" ] || fail "/etc/shadow changed"
! find "$ROOT/var/lib/lastgood/quarantine" -name shadow 2>/dev/null | grep . >/dev/null || fail "something named shadow was quarantined"
echo "ok: the runtime watch moves nothing through a symlinked content folder"
