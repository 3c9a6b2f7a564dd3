#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario 2, agent-content-crash-loop (the July 2024 pattern): a content
# update of a running security agent (fakeagent) crashes the kernel, and the
# agent crashes it again at every start. lastgood counts the boots; at level
# 1 it rolls the content back (OnSafeMode=rollback): the agent is running,
# with its last good content, the bad file sits in the quarantine, and the
# journal says so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin agent-content-crash-loop
THRESHOLD=2
GOOD=$'fakeagent rules v1\nstatus=good\n'
BAD=$'fakeagent rules v2\nLGBAD-CONTENT\n'
good_sum=$(printf '%s' "$GOOD" | cksum | cut -d' ' -f1)

e2e_phase "image"
e2e_new_guest acl
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the agent runs" active "$(e2e_report fakeagent)"
e2e_assert "the agent loaded its good content" \
        grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_assert_eq "state after a proven boot: not armed" false "$(e2e_state armed)"
e2e_phase_end

e2e_phase "content pushed at run time -> crash loop"
# The update replaces the agent's channel file while the agent runs.
e2e_img_put_text /opt/fakeagent/pending/rules-001.dat "$BAD"
crashes=0
while :; do
        e2e_boot
        e2e_show_boot
        [[ "$E2E_RESULT" == panic ]] || break
        crashes=$((crashes + 1))
        e2e_assert "crash $crashes: the agent crashed the kernel on the bad content" \
                grep -aq 'fakeagent: crashing on rules-001.dat' "$E2E_LOG"
        e2e_assert_eq "crash $crashes: armed" true "$(e2e_state armed)"
        [[ $crashes -le $((THRESHOLD + 1)) ]] || e2e_die "still crashing after $crashes boots: no safe mode"
done
e2e_phase_end
e2e_log "FIGURE boots-to-recovery agent-content-crash-loop: $((crashes + 1)) (crashes: $crashes)"
# The push boot counts (the watchdog arms on the runtime change, or the
# boot was healthy and then crashed); then Threshold crashes at agent start.
e2e_assert "level 1 after at most Threshold+1 crashes ($crashes)" test "$crashes" -le $((THRESHOLD + 1))
e2e_assert "at least Threshold crashes before safe mode ($crashes)" test "$crashes" -ge "$THRESHOLD"

e2e_phase "recovery boot: checks"
[[ "$E2E_RESULT" == poweroff ]] || e2e_die "recovery boot: expected poweroff, got $E2E_RESULT"
e2e_assert "recovery boot reached multi-user" e2e_reached
e2e_assert_eq "recovery boot became healthy" yes "$(e2e_report healthy)"
e2e_assert_eq "the agent is running" active "$(e2e_report fakeagent)"
e2e_assert "the agent runs on its last good content" \
        grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_assert_eq "the content file in the image is the last good one" "${GOOD%$'\n'}" "$(e2e_img_cat /opt/fakeagent/content/rules-001.dat)"
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: level in force" 1 "$(e2e_json level <<<"$gs")"
e2e_assert "guest status: the content withheld as changed" \
        grep -q '^content:.*rules-001.dat:changed$' <<<"$(e2e_withheld - <<<"$gs")"
q="$E2E_GUEST_DIR/var-lib-lastgood"
rm -rf "$q"; mkdir -p "$q"
debugfs -R "rdump /var/lib/lastgood $q" "$IMG" >/dev/null 2>&1
e2e_assert "the bad file sits in the quarantine under /var/lib/lastgood" grep -rqa LGBAD-CONTENT "$q"
e2e_assert "journal: safe mode entered" test "$(e2e_journal_count safe-mode)" -ge 1
e2e_assert "journal: the content was withheld (rolled back)" \
        grep -q '"LASTGOOD_ITEM":"[^"]*rules-001.dat"' <<<"$(e2e_journal_events withheld)"
e2e_assert "journal: the agent and the rollback are named" \
        grep -qi 'fakeagent' <<<"$(e2e_journal_events withheld)"
e2e_assert "journal: the agent logged its good content at start" \
        grep -q "fakeagent: loaded content rules-001.dat cksum=$good_sum" <<<"$(e2e_journal_json)"
e2e_phase_end

e2e_phase "next boot: the agent keeps its good content"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the agent is running" active "$(e2e_report fakeagent)"
e2e_assert "still the last good content" grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_assert_eq "not armed" false "$(e2e_state armed)"
e2e_assert_eq "tries" 0 "$(e2e_state tries)"
e2e_phase_end
