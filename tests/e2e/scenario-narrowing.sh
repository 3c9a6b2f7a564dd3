#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario narrowing (issue 11): the culprit is not among the changed items.
# Two third-party modules (lgcrash, lgother, under updates/) and the fake
# agent run on the last good boot. Then lgother is updated (an innocent new
# version: the change that arms the counter) while lgcrash, whose file does
# not change, starts to panic at every load (an option in /etc/modprobe.d,
# outside lastgood's inventory). Level 1 withholds the changed lgother: the
# host still crashes. Level 2 withholds everything third-party (both
# modules, the agent's unit): proven, but those are suspects, not verdicts.
# Narrowing re-admits the agent first, then the modules: lgcrash's probe
# fails Threshold boots, lgcrash is named and persistently withheld, the
# others are released. The guest ends at level 0, steady, with only lgcrash
# withheld, the agent active and lgother loaded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin narrowing
THRESHOLD=2

e2e_phase "image"
e2e_new_guest nar --module good
mkdir -p "$G/lib/modules/$E2E_KVER/updates"
cp "$E2E_LGCRASH/other-good/lgother.ko" "$G/lib/modules/$E2E_KVER/updates/lgother.ko"
printf 'lgother\n' >"$G/etc/modules-load.d/lgother.conf"
e2e_seal
e2e_phase_end

# Journal events of a kind naming ITEM with REASON: e2e_events_with EVENT ITEM REASON
# (from the journal read back once into $J).
e2e_events_with() {
        grep "\"MESSAGE_ID\":\"${E2E_MSGID[$1]}\"" <<<"$J" | grep "\"LASTGOOD_ITEM\":\"$2\"" |
                grep -c "\"LASTGOOD_REASON\":\"$3\"" || true
}
# The narrowing state file in the guest's disk image ("" when there is none).
narrowing_file() { e2e_img_cat /var/lib/lastgood/narrowing || true; }
withheld_sorted() { e2e_withheld - <<<"$1" | sort | tr '\n' ' '; }

e2e_phase "boot: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "lgcrash loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "lgother loads" loaded "$(e2e_report lgother)"
e2e_assert_eq "the agent runs" active "$(e2e_report fakeagent)"
e2e_assert_eq "after a proven boot: not armed" false "$(e2e_state armed)"
e2e_phase_end

e2e_phase "lgother updated, lgcrash crashes"
# The update: a new lgother (the change lastgood sees). The crash: lgcrash's
# unchanged file, told to panic by an option lastgood does not inventory.
e2e_img_write "$E2E_LGCRASH/other-good2/lgother.ko" "/lib/modules/$E2E_KVER/updates/lgother.ko"
e2e_img_put_text /etc/modprobe.d/e2e-lgcrash.conf $'options lgcrash crash=1\n'
for level in 0 1; do
        for i in $(seq 1 $THRESHOLD); do
                e2e_boot_expect panic
                e2e_show_boot
                e2e_assert "level $level, crash $i: the unchanged lgcrash panics" \
                        grep -aq 'Kernel panic - not syncing: lgcrash: crash=1' "$E2E_LOG"
                e2e_assert_eq "level $level, crash $i: armed" true "$(e2e_state armed)"
                e2e_assert_eq "level $level, crash $i: level" "$level" "$(e2e_state level)"
                if [[ $level == 1 ]]; then
                        e2e_assert "level 1, crash $i: lastgood withheld the changed lgother" \
                                grep -aq 'lastgood: withholding module lgother (changed)' "$E2E_LOG"
                fi
        done
done
e2e_phase_end

e2e_phase "level 2: everything third-party withheld"
e2e_boot_proven
e2e_show_boot
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: level 2 in force" 2 "$(e2e_json level <<<"$gs")"
e2e_assert_eq "lgcrash withheld" absent "$(e2e_report lgcrash)"
e2e_assert_eq "lgother withheld" absent "$(e2e_report lgother)"
e2e_assert "the agent is off (not active: $(e2e_report fakeagent))" test "$(e2e_report fakeagent)" != active
e2e_assert "guest status: lgcrash withheld as all third-party" \
        grep -qx 'module:lgcrash:all-third-party' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert "guest status: lgother withheld" grep -q '^module:lgother:' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert "guest status: the agent's unit withheld as all third-party" \
        grep -qx 'unit:fakeagent.service:all-third-party' <<<"$(e2e_withheld - <<<"$gs")"
L2_BOOT=$E2E_BOOTN
e2e_assert_eq "after the proof: not armed" false "$(e2e_state armed)"
e2e_assert_eq "the proof recorded no suspect in the cold record" "[]" "$(e2e_state quarantine | tr -d ' ')"
nf=$(narrowing_file)
e2e_assert "a narrowing is recorded in /var/lib/lastgood" test -n "$nf"
e2e_assert_eq "three suspects held (fakeagent, lgcrash, lgother)" 3 "$(grep -v '^#' <<<"$nf" | grep -c $'\theld\t' || true)"
J=$(e2e_journal_json)
e2e_assert "journal: a narrowing step started the search" \
        test "$(grep "\"MESSAGE_ID\":\"${E2E_MSGID[narrowing]}\"" <<<"$J" | grep -c '"LASTGOOD_REASON":"step"' || true)" -ge 1
e2e_phase_end

e2e_phase "narrowing: the agent first"
e2e_boot_proven
e2e_show_boot
gs=$(e2e_guest_status)
e2e_assert_eq "the agent is back" active "$(e2e_report fakeagent)"
e2e_assert_eq "lgcrash still held back" absent "$(e2e_report lgcrash)"
e2e_assert_eq "lgother still held back" absent "$(e2e_report lgother)"
e2e_assert_eq "guest status: narrowing re-admits the agent" '["fakeagent"]' \
        "$(e2e_json narrowing.readmitted <<<"$gs" | tr -d ' ')"
e2e_assert_eq "guest status: suspects left" 3 "$(e2e_json narrowing.suspects_left <<<"$gs")"
e2e_assert_eq "guest status: the modules held back" 'module:lgcrash:all-third-party module:lgother:all-third-party ' \
        "$(withheld_sorted "$gs")"
e2e_assert "serial: the step said so" grep -aq 'narrowing: re-admitting fakeagent this boot, 3 suspects left' "$E2E_LOG"
J=$(e2e_journal_json)
e2e_assert_eq "journal: the agent's unit released by the narrowing" 1 "$(e2e_events_with released fakeagent.service narrowing)"
e2e_assert_eq "after the proof: not armed" false "$(e2e_state armed)"
e2e_phase_end

e2e_phase "narrowing: lgcrash re-admitted, crashes"
for i in $(seq 1 $THRESHOLD); do
        e2e_boot_expect panic
        e2e_show_boot
        e2e_assert "probe crash $i: lgcrash panics" grep -aq 'Kernel panic - not syncing: lgcrash: crash=1' "$E2E_LOG"
        e2e_assert_eq "probe crash $i: armed" true "$(e2e_state armed)"
        e2e_assert_eq "probe crash $i: tries" "$i" "$(e2e_state tries)"
done
e2e_assert "serial: the probe re-admitted lgcrash" grep -aq 'narrowing: re-admitting lgcrash this boot' \
        "$E2E_GUEST_DIR/logs/boot-$((E2E_BOOTN - 1)).log"
e2e_phase_end

e2e_phase "lgcrash named, the rest released"
e2e_boot_proven
e2e_show_boot
gs=$(e2e_guest_status)
e2e_assert "serial: narrowing names lgcrash" grep -aq 'narrowing names module lgcrash' "$E2E_LOG"
e2e_assert_eq "lgcrash withheld" absent "$(e2e_report lgcrash)"
e2e_assert_eq "lgother loaded" loaded "$(e2e_report lgother)"
e2e_assert_eq "the agent runs" active "$(e2e_report fakeagent)"
e2e_assert_eq "guest status: only lgcrash withheld, from the cold record" 'module:lgcrash:quarantine ' \
        "$(withheld_sorted "$gs")"
e2e_assert_eq "guest status: level 0" 0 "$(e2e_json level <<<"$gs")"
J=$(e2e_journal_json)
e2e_assert "journal: narrowing names lgcrash guilty" test "$(e2e_events_with narrowing lgcrash guilty)" -ge 1
e2e_assert "journal: the narrowing is done" \
        test "$(grep "\"MESSAGE_ID\":\"${E2E_MSGID[narrowing]}\"" <<<"$J" | grep -c '"LASTGOOD_REASON":"done"' || true)" -ge 1
NAMED_BOOT=$E2E_BOOTN
e2e_assert_eq "journal: lgother released by the narrowing" 1 "$(e2e_events_with released lgother narrowing)"
e2e_assert_eq "journal: lgcrash never released" 0 "$(e2e_events_with released lgcrash narrowing)"
e2e_assert_eq "after the proof: not armed" false "$(e2e_state armed)"
e2e_assert_eq "after the proof: tries" 0 "$(e2e_state tries)"
e2e_assert_eq "after the proof: level" 0 "$(e2e_state level)"
e2e_assert_eq "the cold record holds lgcrash alone" '["lgcrash"]' "$(e2e_state quarantine | tr -d ' ')"
e2e_assert_eq "the narrowing is over (no state file)" "" "$(narrowing_file)"
e2e_phase_end

e2e_phase "steady afterwards"
w0=$(e2e_lg_writes)
e2e_boot_proven
e2e_show_boot
gs=$(e2e_guest_status)
e2e_assert_eq "lgcrash stays withheld" absent "$(e2e_report lgcrash)"
e2e_assert_eq "lgother loaded" loaded "$(e2e_report lgother)"
e2e_assert_eq "the agent runs" active "$(e2e_report fakeagent)"
e2e_assert_eq "guest status: only lgcrash withheld" 'module:lgcrash:quarantine ' "$(withheld_sorted "$gs")"
e2e_assert_eq "guest status: no narrowing" null "$(e2e_json narrowing <<<"$gs")"
e2e_assert_eq "guest status: level 0" 0 "$(e2e_json level <<<"$gs")"
e2e_assert_eq "a steady boot writes no EFI variable" 0 "$(( $(e2e_lg_writes) - w0 ))"
e2e_log "FIGURE boots narrowing: $E2E_BOOTN (search after the level-2 boot: $((NAMED_BOOT - L2_BOOT)) boots)"
e2e_phase_end
