#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario 3, crash-log-fast-path: with efi_pstore on, the module update of
# scenario 1 (here a NULL dereference in lgcrash's init, oops=panic) leaves
# its crash log in NVRAM; the very next boot names lgcrash from it and
# withholds it, without waiting for the threshold.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin crash-log-fast-path
# No pvpanic device here: its panic notifier would end QEMU before the
# kernel dumps the log to pstore (kmsg_dump runs after the notifiers).
ARGS=(--no-pvpanic oops=panic efi_pstore.pstore_disable=0)

e2e_phase "image"
e2e_new_guest clfp --module good --no-agent
printf 'efi_pstore\n' >"$G/etc/modules-load.d/00-e2e-pstore.conf"
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good"
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_assert_eq "the good module loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "not armed after a proven boot" false "$(e2e_state armed)"
e2e_phase_end

e2e_phase "the update oopses"
e2e_img_module oops
e2e_boot_expect panic "${ARGS[@]}"
e2e_show_boot
e2e_assert "serial: the oops trace names [lgcrash]" grep -aq '\[lgcrash\]' "$E2E_LOG"
e2e_vars pstore "$VARS" >"$W/pstore.txt"
e2e_assert "NVRAM holds the crash log (efi_pstore) naming [lgcrash]" grep -aq '\[lgcrash\]' "$W/pstore.txt"
e2e_assert_eq "one crash: tries" 1 "$(e2e_state tries)"
# The host's lastgoodctl names the culprit from the very log the firmware kept.
# The dump comes in parts (Part1 = the newest text) listed newest first, and
# where they split depends on how much the kernel printed: lastgoodctl puts
# them back in order, so neither the split nor the order may matter.
crash_json=$("$E2E_LG_BUILD/lastgoodctl" crash --json "$W/pstore.txt" || true)
e2e_assert_eq "lastgoodctl crash on the pstore log: culprit" lgcrash "$(e2e_json culprit <<<"$crash_json")"
e2e_log "pstore log: $(grep -c '^=== dump-type0-' "$W/pstore.txt") variable(s); joined $(e2e_json record <<<"$crash_json")"
python3 - "$W/pstore.txt" "$W/pstore-reversed.txt" <<'PY'
import re, sys
recs = [r for r in re.split(r"(?m)^(?==== )", open(sys.argv[1], errors="replace").read()) if r]
open(sys.argv[2], "w").write("".join(reversed(recs)))
PY
crash_json=$("$E2E_LG_BUILD/lastgoodctl" crash --json "$W/pstore-reversed.txt" || true)
e2e_assert_eq "lastgoodctl crash on the same parts in reverse order: culprit" lgcrash \
        "$(e2e_json culprit <<<"$crash_json")"
e2e_phase_end

e2e_phase "fast path: the very next boot"
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_log "FIGURE boots-to-recovery crash-log-fast-path: 2 (crashes: 1)"
e2e_assert_eq "the culprit is withheld on the very next boot" absent "$(e2e_report lgcrash)"
gs=$(e2e_guest_status)
e2e_assert "guest status: lgcrash withheld by the crash log" \
        grep -qx 'module:lgcrash:crash-log' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert_eq "guest status: last_crash culprit" lgcrash "$(e2e_json last_crash.culprit <<<"$gs")"
e2e_assert "journal: culprit named from the crash log" \
        grep -q '"LASTGOOD_ITEM":"lgcrash"' <<<"$(e2e_journal_events culprit)"
e2e_assert "journal: item withheld with reason crash-log" \
        grep -q '"LASTGOOD_REASON":"crash-log"' <<<"$(e2e_journal_events withheld)"
e2e_assert "serial: lastgood named the culprit early (lastgood: line naming lgcrash)" \
        grep -aq 'lastgood:.*lgcrash' "$E2E_LOG"
e2e_assert_eq "after the proven recovery: tries" 0 "$(e2e_state tries)"
e2e_assert "after the proven recovery: lgcrash persistently withheld" \
        grep -q '"lgcrash"' <<<"$(e2e_state quarantine)"
e2e_phase_end
