#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario 5, steady-state: once a boot is proven and nothing changes, five
# healthy boots in a row write nothing at all to NVRAM (the vars store is
# compared record by record: every SetVariable leaves a record), and the
# steady boots (booted as stock Debian, no panic=) change no setting: the
# kernel's panic values stay 0, softdog is not loaded, lastgoodctl status
# shows no reset-on-failure setting.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reset-lib.sh"
e2e_begin steady-state
BOOTS=5

e2e_phase "image"
e2e_new_guest steady --module good
: >"$G/etc/e2e/doctor" # e2e-report runs lastgoodctl doctor
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "not armed after the proven boot" false "$(e2e_state armed)"
doctor=$(e2e_report doctor)
e2e_log "lastgoodctl doctor in the guest: $doctor"
e2e_assert_eq "doctor: the guest installed from the .deb is protected" true "$(e2e_json protected <<<"$doctor")"
e2e_assert_eq "doctor: initramfs check" ok \
        "$(python3 -c 'import json,sys; print(next(c["result"] for c in json.loads(sys.argv[1])["checks"] if c["check"] == "initramfs"))' "$doctor" 2>/dev/null || echo none)"
e2e_phase_end

e2e_phase "$BOOTS healthy boots, nothing changed"
w0=$(e2e_lg_writes); d0=$(e2e_lg_digest)
e2e_log "lastgood records before: $w0 ($(e2e_vars_count))"
for i in $(seq 1 $BOOTS); do
        wb=$(e2e_lg_writes)
        e2e_boot_proven --stock
        e2e_assert_eq "steady boot $i: module loaded" loaded "$(e2e_report lgcrash)"
        e2e_assert_eq "steady boot $i: the kernel's values untouched" "$STOCK_SYSCTL" "$(reset_sysctl)"
        e2e_assert_eq "steady boot $i: softdog not loaded" absent "$(e2e_report softdog)"
        e2e_assert_eq "steady boot $i: no reset-on-failure setting" "" "$(reset_status)"
        e2e_assert_eq "steady boot $i: agent running" active "$(e2e_report fakeagent)"
        e2e_log "FIGURE nvram-writes steady boot $i: $(( $(e2e_lg_writes) - wb ))"
done
e2e_phase_end
e2e_assert_eq "no NVRAM write in $BOOTS steady boots (records of lastgood's GUID)" "$w0" "$(e2e_lg_writes)"
e2e_assert_eq "lastgood's variables unchanged" "$d0" "$(e2e_lg_digest)"
e2e_assert_eq "still not armed" false "$(e2e_state armed)"
e2e_assert_eq "tries" 0 "$(e2e_state tries)"
e2e_assert "journal: every steady boot became healthy" test "$(e2e_journal_count healthy)" -ge $((BOOTS + 1))
