# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# The scenarios of "Every failure ends in a reset" (stock-panic, oops-loop,
# hang-loop), sourced after lib.sh. Every boot is a stock Debian boot
# (e2e_boot --stock: no panic=1, no pvpanic): the bad update only ends a
# boot because lastgood, armed, made the kernel reset. A boot that sits
# (stuck) fails the scenario at once.

THRESHOLD=2   # tests/e2e/guest/lastgood.conf

# The kernel's four values as the guest reported them:
# "panic:10 panic_on_oops:1 softlockup_panic:1 hardlockup_panic:1".
reset_sysctl() { e2e_report sysctl | sed 's/ *$//'; }
# reset_on_failure of the guest's lastgoodctl status --json as
# "name:status" words.
reset_status() {
        python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    print("<no-json>"); sys.exit(0)
print(" ".join("%s:%s" % (i["name"], i["status"]) for i in d.get("reset_on_failure") or []))' "$(e2e_guest_status)"
}
ARMED_SYSCTL="panic:10 panic_on_oops:1 softlockup_panic:1 hardlockup_panic:1"
STOCK_SYSCTL="panic:0 panic_on_oops:0 softlockup_panic:0 hardlockup_panic:0"
ARMED_STATUS="kernel.panic:set kernel.panic_on_oops:set kernel.softlockup_panic:set kernel.hardlockup_panic:set hang-reset:released"

# Each failed boot of the update was armed and counted.
reset_failed_boot() {
        e2e_assert_eq "boot $E2E_BOOTN: armed, counted" true "$(e2e_state armed)"
}

# reset_scenario NAME VARIANT SIGNATURE [--steady]: the last good lgcrash
# (and, with --steady, an unarmed boot that must change nothing), then the
# update VARIANT whose boots must end in a panic whose serial log matches
# SIGNATURE (grep -E), then recovery at level 1.
reset_scenario() {
        local name=$1 variant=$2 sig=$3 steady=${4:-} failed=0 i

        e2e_phase "image"
        e2e_new_guest "$name" --module good --no-agent
        e2e_seal
        e2e_phase_end

        e2e_phase "boot: last known good"
        e2e_boot_proven --stock
        e2e_show_boot
        e2e_assert_eq "proven: not armed" false "$(e2e_state armed)"
        e2e_phase_end

        if [[ $steady == --steady ]]; then
                e2e_phase "steady boot: nothing touched"
                e2e_boot_proven --stock
                e2e_assert_eq "steady boot: the kernel's values untouched (stock Debian)" "$STOCK_SYSCTL" \
                        "$(reset_sysctl)"
                e2e_assert_eq "steady boot: softdog not loaded" absent "$(e2e_report softdog)"
                e2e_assert_eq "guest status: no reset-on-failure setting this boot" "" "$(reset_status)"
                e2e_phase_end
        fi

        # Each boot of the update either crashes (and must reset itself:
        # lastgood made it so) or recovers: at level 1 after Threshold
        # crashes, or at once when the crash log (efi-pstore, which a stock
        # kernel has time to write before it resets) names lgcrash.
        e2e_phase "the update ($variant) on a stock kernel, until recovery"
        e2e_img_module "$variant"
        e2e_boot_until_recovery --stock "$sig" reset_failed_boot
        failed=$E2E_FAILED_BOOTS
        e2e_phase_end

        e2e_phase "recovery boot"
        e2e_assert "at least one boot of the update failed" test "$failed" -ge 1
        e2e_assert "recovered within Threshold+1 failed boots ($failed failed)" test "$failed" -le $((THRESHOLD + 1))
        e2e_assert "recovery boot $E2E_BOOTN reached multi-user" e2e_reached
        e2e_assert_eq "recovery boot $E2E_BOOTN became healthy" yes "$(e2e_report healthy)"
        e2e_assert_eq "the update is withheld" absent "$(e2e_report lgcrash)"
        e2e_assert "guest status: lgcrash withheld (changed, or named by the crash log)" \
                grep -qxE 'module:lgcrash:(changed|crash-log)' <<<"$(e2e_withheld)"
        e2e_assert_eq "recovery boot (armed): the kernel's values set by lastgood" "$ARMED_SYSCTL" "$(reset_sysctl)"
        e2e_assert_eq "recovery boot: softdog loaded for the hang reset" loaded "$(e2e_report softdog)"
        e2e_assert "serial: the hang reset was armed before udev" \
                grep -aq 'lastgood: hang reset armed: /dev/watchdog0' "$E2E_LOG"
        e2e_assert_eq "guest status: every setting set, the hang reset released at boot-complete.target" \
                "$ARMED_STATUS" "$(reset_status)"
        e2e_assert "journal: hang reset released" \
                grep -q '"LASTGOOD_REASON":"released"' <<<"$(e2e_journal_events reset)"
        e2e_assert_eq "after recovery: not armed" false "$(e2e_state armed)"
        e2e_assert_eq "no boot was stuck ($E2E_STOCK_BOOTS stock boots)" 0 "$E2E_STUCK_BOOTS"
        e2e_log "FIGURE boots-to-recovery $name: $((failed + 1)) (failed: $failed, stuck: $E2E_STUCK_BOOTS)"
        e2e_phase_end
}
