#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario 1, module-crash-loop: the last good third-party module (lgcrash,
# under updates/) is replaced by one that panics in its init. Boots
# 1..Threshold crash; the next boot runs at level 1 with the module
# withheld, becomes healthy and proven; the following boot stays normal with
# the module still withheld (quarantine); `lastgoodctl release lgcrash` lets
# it load again, it crashes again and is counted again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin module-crash-loop
THRESHOLD=2

e2e_phase "image"
e2e_new_guest mcl --module good --no-agent
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the good module loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "state after a proven boot: not armed" false "$(e2e_state armed)"
e2e_assert_eq "state after a proven boot: tries" 0 "$(e2e_state tries)"
e2e_assert_eq "state after a proven boot: level" 0 "$(e2e_state level)"
e2e_assert "journal: boot proven" test "$(e2e_journal_count proven)" -ge 1
e2e_phase_end

e2e_phase "crash loop"
e2e_img_module bad
for i in $(seq 1 $THRESHOLD); do
        w0=$(e2e_lg_writes)
        e2e_boot_expect panic
        e2e_show_boot
        e2e_assert "crash $i: the bad module panics" grep -aq 'Kernel panic - not syncing: lgcrash: bad update' "$E2E_LOG"
        e2e_assert_eq "crash $i: armed" true "$(e2e_state armed)"
        e2e_assert_eq "crash $i: tries" "$i" "$(e2e_state tries)"
        e2e_assert_eq "crash $i: level" 0 "$(e2e_state level)"
        e2e_log "FIGURE nvram-writes armed crash boot $i: $(( $(e2e_lg_writes) - w0 ))"
done
e2e_phase_end

e2e_phase "recovery boot (level 1)"
w0=$(e2e_lg_writes)
e2e_boot_proven
e2e_show_boot
e2e_log "FIGURE boots-to-recovery module-crash-loop: $((THRESHOLD + 1)) (crashes: $THRESHOLD)"
e2e_log "FIGURE nvram-writes recovery boot: $(( $(e2e_lg_writes) - w0 ))"
e2e_assert_eq "level 1: the bad module is withheld" absent "$(e2e_report lgcrash)"
e2e_assert "serial: lastgood said so from the initramfs (lastgood: line naming lgcrash)" \
        grep -aq 'lastgood:.*lgcrash' "$E2E_LOG"
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: level in force" 1 "$(e2e_json level <<<"$gs")"
e2e_assert "guest status: lgcrash withheld as a changed module" \
        grep -qx 'module:lgcrash:changed' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert "journal: safe mode entered" test "$(e2e_journal_count safe-mode)" -ge 1
e2e_assert "journal: item withheld names lgcrash" \
        grep -q '"LASTGOOD_ITEM":"lgcrash"' <<<"$(e2e_journal_events withheld)"
e2e_assert "journal: the withheld event says kind module" \
        grep -q '"LASTGOOD_ITEM_KIND":"module"' <<<"$(e2e_journal_events withheld)"
e2e_assert_eq "after recovery: not armed" false "$(e2e_state armed)"
e2e_assert_eq "after recovery: tries" 0 "$(e2e_state tries)"
e2e_assert "after recovery: lgcrash persistently withheld (quarantine)" \
        grep -q '"lgcrash"' <<<"$(e2e_state quarantine)"
e2e_assert "the module file is kept (withheld, never deleted)" \
        e2e_img_exists "/lib/modules/$E2E_KVER/updates/lgcrash.ko"
e2e_phase_end

e2e_phase "following boot: still withheld"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the bad module stays withheld" absent "$(e2e_report lgcrash)"
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: level back to normal" 0 "$(e2e_json level <<<"$gs")"
e2e_assert "guest status: lgcrash withheld by quarantine" \
        grep -qx 'module:lgcrash:quarantine' <<<"$(e2e_withheld - <<<"$gs")"
e2e_phase_end

e2e_phase "release, then it crashes again"
e2e_run_next_boot 'lastgoodctl release lgcrash'
e2e_boot_proven
e2e_show_boot
e2e_assert "serial: release ran" grep -aq '^E2E: run-once rc=0' "$E2E_LOG"
e2e_assert "journal: item released" grep -q '"LASTGOOD_ITEM":"lgcrash"' <<<"$(e2e_journal_events released)"
e2e_assert "quarantine no longer holds lgcrash" bash -c "! grep -q lgcrash <<<'$(e2e_state quarantine)'"
e2e_boot_expect panic
e2e_show_boot
e2e_assert "released: the bad module loads and panics again" grep -aq 'lgcrash: bad update' "$E2E_LOG"
e2e_assert_eq "counted again: armed" true "$(e2e_state armed)"
e2e_assert_eq "counted again: tries" 1 "$(e2e_state tries)"
e2e_phase_end
