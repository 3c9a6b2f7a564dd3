#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario late-crash-loop (issue 15): a content update of a running agent
# (fakeagent) makes it crash the kernel a few seconds after the guest became
# healthy (StableSec=5 in the guest's lastgood.conf), before the boot is
# proven (ProveSec=10), and again at every boot. Reaching healthy gives no
# try back: each late crash is a failed boot like an early one, and the host
# recovers at level 1 within Threshold+1 crashing boots, the agent running on
# its last good content (OnSafeMode=rollback). StableSec=5, ProveSec=60.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin late-crash-loop
THRESHOLD=2
GOOD=$'fakeagent rules v1\nstatus=good\n'
# The late marker: the agent crashes the kernel 3 s after lastgood's next
# "boot healthy" event (tests/e2e/guest/fakeagent).
LATE=$'fakeagent rules v3\nLGLATE-CONTENT\ndelay=3\n'
good_sum=$(printf '%s' "$GOOD" | cksum | cut -d' ' -f1)
late_sum=$(printf '%s' "$LATE" | cksum | cut -d' ' -f1)
# e2e-report waits for the proof (ProveSec after healthy) before its orderly
# poweroff: the late crash comes first, and a boot that is not crashed is
# proven by the timer, not only by its shutdown.
ARGS=(e2e.after=proven e2e.wait=180)

# Line number of the first line of the serial log matching a pattern.
first_line() { grep -an -m1 -- "$1" "$E2E_LOG" | cut -d: -f1; }

e2e_phase "image"
e2e_new_guest lcl
# The crash must come after healthy and before the proof: on a loaded host
# the agent takes up to ~20 s from lastgood's healthy event to its crash
# (TCG, load average 20), more than the rig's ProveSec=10. This guest gets
# a longer ProveSec; StableSec stays short (5 s).
sed -i 's/^ProveSec=.*/ProveSec=60/' "$G/etc/lastgood/lastgood.conf"
grep -qx 'ProveSec=60' "$G/etc/lastgood/lastgood.conf" || e2e_die "could not set ProveSec in the guest"
e2e_seal
e2e_phase_end

e2e_phase "boot 1: last known good"
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_assert_eq "proven by ProveSec before the poweroff" yes "$(e2e_report proven)"
e2e_assert_eq "the agent runs" active "$(e2e_report fakeagent)"
e2e_assert "the agent loaded its good content" \
        grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_assert_eq "hot record after a proven boot: not armed" false "$(e2e_state armed)"
e2e_assert_eq "hot record after a proven boot: tries" 0 "$(e2e_state tries)"
e2e_phase_end

e2e_phase "content pushed at run time -> late crash loop"
# The update replaces the agent's channel file while the agent runs.
e2e_img_put_text /opt/fakeagent/pending/rules-001.dat "$LATE"
crashes=0
while :; do
        w0=$(e2e_lg_writes)
        e2e_boot "${ARGS[@]}"
        e2e_show_boot
        [[ "$E2E_RESULT" == panic ]] || break
        crashes=$((crashes + 1))
        e2e_assert "crash $crashes: the agent crashed the kernel on its new content" \
                grep -aq 'fakeagent: late crash on rules-001.dat' "$E2E_LOG"
        hl=$(first_line 'fakeagent: lastgood said healthy')
        cl=$(first_line 'fakeagent: late crash on')
        e2e_assert "crash $crashes: the agent saw lastgood's healthy event (serial)" test -n "$hl"
        e2e_assert "crash $crashes: the crash came after healthy (serial lines $hl < $cl)" test "$hl" -lt "$cl"
        e2e_assert "crash $crashes: and before the proof" bash -c "! grep -aq '^E2E: proven=' '$E2E_LOG'"
        e2e_assert_eq "crash $crashes: hot record armed" true "$(e2e_state armed)"
        e2e_assert_eq "crash $crashes: hot record tries" "$crashes" "$(e2e_state tries)"
        e2e_assert_eq "crash $crashes: hot record level" 0 "$(e2e_state level)"
        e2e_log "FIGURE nvram-writes late crash boot $crashes: $(( $(e2e_lg_writes) - w0 ))"
        [[ $crashes -le $((THRESHOLD + 1)) ]] || e2e_die "still crashing after $crashes boots: no safe mode"
done
e2e_phase_end
e2e_log "FIGURE boots-to-recovery late-crash-loop: $((crashes + 1)) (crashes: $crashes)"
e2e_assert "level 1 within Threshold+1 crashing boots ($crashes)" test "$crashes" -le $((THRESHOLD + 1))
e2e_assert "at least Threshold late crashes before safe mode ($crashes)" test "$crashes" -ge "$THRESHOLD"

e2e_phase "recovery boot: checks"
[[ "$E2E_RESULT" == poweroff ]] || e2e_die "recovery boot: expected poweroff, got $E2E_RESULT"
e2e_assert "recovery boot reached multi-user" e2e_reached
e2e_assert_eq "recovery boot became healthy" yes "$(e2e_report healthy)"
e2e_assert_eq "recovery boot was proven (ProveSec) without a crash" yes "$(e2e_report proven)"
e2e_assert_eq "the agent is running" active "$(e2e_report fakeagent)"
e2e_assert "the agent runs on its last good content" \
        grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_assert "the agent did not load the late content" \
        bash -c "! grep -q 'rules-001.dat:$late_sum' <<<'$(e2e_report fakeagent_content)'"
e2e_assert_eq "the content file in the image is the last good one" "${GOOD%$'\n'}" \
        "$(e2e_img_cat /opt/fakeagent/content/rules-001.dat)"
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: level in force" 1 "$(e2e_json level <<<"$gs")"
e2e_assert "guest status: the content withheld as changed" \
        grep -q '^content:.*rules-001.dat:changed$' <<<"$(e2e_withheld - <<<"$gs")"
q="$E2E_GUEST_DIR/var-lib-lastgood"
rm -rf "$q"; mkdir -p "$q"
debugfs -R "rdump /var/lib/lastgood $q" "$IMG" >/dev/null 2>&1
e2e_assert "the late content sits in the quarantine under /var/lib/lastgood" grep -rqa LGLATE-CONTENT "$q"
j=$(e2e_journal_json)
e2e_assert "journal: the watchdog reported a crash after healthy (boot unhealthy, reason late-crash)" \
        grep -q "\"MESSAGE_ID\":\"${E2E_MSGID[unhealthy]}\".*\"LASTGOOD_REASON\":\"late-crash\"\|\"LASTGOOD_REASON\":\"late-crash\".*\"MESSAGE_ID\":\"${E2E_MSGID[unhealthy]}\"" <<<"$j"
e2e_assert "journal: safe mode entered" grep -q "\"MESSAGE_ID\":\"${E2E_MSGID[safe-mode]}\"" <<<"$j"
e2e_assert "journal: the content was withheld (rolled back)" \
        grep -q '"LASTGOOD_ITEM":"[^"]*rules-001.dat"' <<<"$(e2e_journal_events withheld)"
e2e_assert_eq "after recovery: hot record not armed" false "$(e2e_state armed)"
e2e_assert_eq "after recovery: hot record tries" 0 "$(e2e_state tries)"
e2e_assert_eq "after recovery: hot record level" 0 "$(e2e_state level)"
e2e_phase_end

e2e_phase "next boot: the agent keeps its good content"
w0=$(e2e_lg_writes)
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_assert_eq "the agent is running" active "$(e2e_report fakeagent)"
e2e_assert "still the last good content" grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_assert "no late crash any more" bash -c "! grep -aq 'fakeagent: late crash' '$E2E_LOG'"
e2e_assert_eq "hot record: not armed" false "$(e2e_state armed)"
e2e_assert_eq "hot record: tries" 0 "$(e2e_state tries)"
e2e_assert_eq "steady state: no NVRAM write" 0 "$(( $(e2e_lg_writes) - w0 ))"
e2e_phase_end
