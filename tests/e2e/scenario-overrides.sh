#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario 4, overrides: the administrator's kernel command line words.
#   lastgood.mode=off      lastgood does nothing and writes nothing to NVRAM
#   lastgood.block=lgcrash the (good) module is withheld this boot
#   lastgood.mode=safe     on an armed host (bad module just installed, no
#                          crash counted yet): level 1, the change withheld
#   lastgood.release=all   withheld items load again this boot (the bad one
#                          panics); the record stays, the next boot withholds it
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin overrides

e2e_phase "image"
e2e_new_guest ovr --module good --no-agent
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good"
e2e_boot_proven
e2e_show_boot
e2e_phase_end

e2e_phase "lastgood.mode=off"
w0=$(e2e_lg_writes); d0=$(e2e_lg_digest)
# Nothing waits for healthy: lastgood is off, its watchdog says nothing.
e2e_boot_expect poweroff lastgood.mode=off e2e.wait=0
e2e_show_boot
e2e_assert "mode=off: the boot reaches multi-user" e2e_reached
e2e_assert_eq "mode=off: no NVRAM write by lastgood (records of its GUID)" "$w0" "$(e2e_lg_writes)"
e2e_assert_eq "mode=off: lastgood's variables unchanged" "$d0" "$(e2e_lg_digest)"
e2e_assert_eq "mode=off: the module loads (nothing withheld)" loaded "$(e2e_report lgcrash)"
e2e_phase_end

e2e_phase "lastgood.block=lgcrash"
e2e_boot_proven lastgood.block=lgcrash
e2e_show_boot
e2e_assert_eq "block: the module is withheld" absent "$(e2e_report lgcrash)"
e2e_assert "block: guest status says module lgcrash, reason block" \
        grep -qx 'module:lgcrash:block' <<<"$(e2e_withheld)"
e2e_assert "journal: administrator override in force" test "$(e2e_journal_count override)" -ge 1
e2e_phase_end

e2e_phase "lastgood.mode=safe on an armed host"
e2e_img_module bad
e2e_boot_proven lastgood.mode=safe
e2e_show_boot
e2e_assert_eq "safe: the changed module is withheld, the boot survives" absent "$(e2e_report lgcrash)"
gs=$(e2e_guest_status)
e2e_assert_eq "safe: level 1 in force" 1 "$(e2e_json level <<<"$gs")"
e2e_assert "safe: lgcrash withheld as changed" grep -qx 'module:lgcrash:changed' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert "journal: override names mode safe" grep -q '"LASTGOOD_MODE":"safe"' <<<"$(e2e_journal_events override)"
e2e_phase_end

e2e_phase "lastgood.release=all"
e2e_boot_expect panic lastgood.release=all
e2e_show_boot
e2e_assert "release=all: the withheld module loads again (and panics)" \
        grep -aq 'Kernel panic - not syncing: lgcrash: bad update' "$E2E_LOG"
# A command-line word is for its boot: the record stays (`lastgoodctl
# release` removes records), so the next boot withholds the module again.
e2e_assert "release=all is for this boot: the record still holds lgcrash" \
        grep -q '"lgcrash"' <<<"$(e2e_state quarantine)"
e2e_assert "release=all: said on the console (the boot crashed before any journal)" \
        grep -aq 'lastgood: module lgcrash released by lastgood.release= for this boot' "$E2E_LOG"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the next boot withholds lgcrash again (record)" absent "$(e2e_report lgcrash)"
e2e_assert "guest status: withheld by quarantine" grep -qx 'module:lgcrash:quarantine' <<<"$(e2e_withheld)"
e2e_phase_end
