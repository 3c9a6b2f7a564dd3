#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario update-then-reboot (issue 15): the everyday "upgrade the driver,
# reboot at once". A boot that is healthy and proven replaces the last good
# third-party module (lgcrash, under updates/) by one that panics in its
# init, and the guest powers off cleanly at once: once after
# `update-initramfs -u` (lastgood's initramfs hook arms the counter for the
# next boot), once without (a module outside the initramfs, or DKMS 3, which
# no longer rebuilds it: nothing arms before the shutdown). Neither the proof
# of the updating boot nor its orderly shutdown may make the never-loaded
# module the last known good: each time the next boots crash, are counted,
# and the host recovers at level 1 within Threshold+1 crashing boots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin update-then-reboot
THRESHOLD=2
# update-initramfs inside a TCG guest takes minutes on a loaded host.
INITRAMFS_EXTRA_SECS=900

# The package update: a new file at the same path, renamed into place, and
# depmod, as dpkg and DKMS do.
UPDATE='set -e
k=/lib/modules/$(uname -r)/updates/lgcrash.ko
install -m 0644 /opt/lgcrash/lgcrash-bad.ko "$k.new"
mv "$k.new" "$k"
depmod -a
echo "E2E: module updated"
'

# Entries of the last boot in the journal (JSON lines on stdin) with the
# MESSAGE_ID of EVENT.
last_boot_count() {
        python3 -c '
import json, sys
entries = []
for line in sys.stdin:
    try:
        entries.append(json.loads(line))
    except ValueError:
        pass
boot = entries[-1].get("_BOOT_ID") if entries else None
print(sum(1 for e in entries if e.get("_BOOT_ID") == boot and e.get("MESSAGE_ID") == sys.argv[1]))' \
                "${E2E_MSGID[$1]}"
}

# The fingerprint of module NAME in the guest's last-known-good manifest
# (/var/lib/lastgood/manifest is a symlink into current/, which debugfs
# does not follow as the last component of a path).
manifest_fp() {
        e2e_img_cat /var/lib/lastgood/current/manifest | awk -v n="$1" '$1 == "module" && $2 == n { print $5 }'
}

run_case() { # NAME initramfs|no-initramfs
        local name="$1" how="$2" t crashes initrd_before w0 j proofs fp_good gs
        e2e_phase "$how: image"
        e2e_new_guest "$name" --module good --no-agent
        e2e_seal
        e2e_phase_end

        e2e_phase "$how: boot 1, last known good"
        e2e_boot_proven
        e2e_show_boot
        e2e_assert_eq "$how: the good module loads" loaded "$(e2e_report lgcrash)"
        e2e_assert_eq "$how: after the proven boot: not armed" false "$(e2e_state armed)"
        e2e_assert_eq "$how: after the proven boot: tries" 0 "$(e2e_state tries)"
        fp_good=$(manifest_fp lgcrash)
        e2e_assert "$how: the manifest holds lgcrash" test -n "$fp_good"
        e2e_phase_end

        e2e_phase "$how: boot 2, proven, update, poweroff at once"
        if [[ $how == initramfs ]]; then
                e2e_run_after_wait "$UPDATE"'update-initramfs -u
echo "E2E: initramfs rebuilt"
'
        else
                e2e_run_after_wait "$UPDATE"
        fi
        initrd_before=$(sha256sum <"$INITRD")
        t=$E2E_BOOT_TIMEOUT
        [[ $how == initramfs ]] && E2E_BOOT_TIMEOUT=$((t + INITRAMFS_EXTRA_SECS))
        w0=$(e2e_lg_writes)
        e2e_boot_expect poweroff e2e.after=proven e2e.wait=120
        E2E_BOOT_TIMEOUT=$t
        e2e_show_boot
        e2e_assert_eq "$how: boot 2 became healthy" yes "$(e2e_report healthy)"
        e2e_assert_eq "$how: boot 2 was proven (ProveSec) before the update" yes "$(e2e_report proven)"
        e2e_assert "$how: the update ran after the proof" grep -aq '^E2E: run-after rc=0' "$E2E_LOG"
        e2e_assert "$how: the module file was replaced" grep -aq '^E2E: module updated' "$E2E_LOG"
        e2e_assert_eq "$how: the good module was still the one loaded" loaded "$(e2e_report lgcrash)"
        e2e_log "FIGURE nvram-writes $how update boot: $(( $(e2e_lg_writes) - w0 ))"
        e2e_assert_eq "$how: the manifest still holds the last good lgcrash (the new one never ran)" \
                "$fp_good" "$(manifest_fp lgcrash)"
        j=$(e2e_journal_json)
        proofs=$(last_boot_count proven <<<"$j")
        if [[ $how == initramfs ]]; then
                e2e_assert "$how: update-initramfs finished" grep -aq '^E2E: initramfs rebuilt' "$E2E_LOG"
                e2e_assert "$how: the hook armed the counter (serial)" \
                        grep -aq 'lastgood: third-party modules of .* differ from the last known good: counting armed' \
                        "$E2E_LOG"
                e2e_assert "$how: journal: change seen, counting armed" \
                        grep -q "\"MESSAGE_ID\":\"${E2E_MSGID[armed]}\"" <<<"$j"
                # The hook's marker restarts the health window. When the
                # rest of update-initramfs outlasts StableSec + ProveSec
                # (minutes under TCG), this boot is proven once more: that
                # proof clears armed and keeps the new module at its
                # previous entry (the manifest check above); the next boot
                # arms from the real root. Otherwise the poweroff came
                # before healthy again (neutral) and the hook's arm stands.
                e2e_log "$how: proofs in the update boot: $proofs"
                if [[ $proofs == 1 ]]; then
                        e2e_assert_eq "$how: hot record after the update: armed by the hook" true "$(e2e_state armed)"
                else
                        e2e_assert_eq "$how: journal of boot 2: one proof before the update, one after healthy again" \
                                2 "$proofs"
                fi
                e2e_assert_eq "$how: hot record after the update: tries (the next boot is counted)" 0 \
                        "$(e2e_state tries)"
                e2e_img_take_initrd
                e2e_assert "$how: the guest's rebuilt initramfs is the one of the next boots" \
                        test "$initrd_before" != "$(sha256sum <"$INITRD")"
        else
                e2e_assert_eq "$how: journal of boot 2: one proof, before the update (none at the poweroff)" 1 \
                        "$proofs"
                e2e_assert_eq "$how: hot record after the update: nothing armed it" false "$(e2e_state armed)"
                e2e_assert_eq "$how: hot record after the update: tries" 0 "$(e2e_state tries)"
        fi
        e2e_assert_eq "$how: hot record after the update: level" 0 "$(e2e_state level)"
        e2e_phase_end

        e2e_phase "$how: crash loop"
        crashes=0
        while :; do
                w0=$(e2e_lg_writes)
                e2e_boot
                e2e_show_boot
                [[ "$E2E_RESULT" == panic ]] || break
                crashes=$((crashes + 1))
                e2e_assert "$how: crash $crashes: the updated module panics" \
                        grep -aq 'Kernel panic - not syncing: lgcrash: bad update' "$E2E_LOG"
                e2e_assert_eq "$how: crash $crashes: hot record armed" true "$(e2e_state armed)"
                e2e_assert_eq "$how: crash $crashes: hot record tries" "$crashes" "$(e2e_state tries)"
                e2e_assert_eq "$how: crash $crashes: hot record level" 0 "$(e2e_state level)"
                e2e_log "FIGURE nvram-writes $how crash boot $crashes: $(( $(e2e_lg_writes) - w0 ))"
                [[ $crashes -le $((THRESHOLD + 1)) ]] || e2e_die "$how: still crashing after $crashes boots: no safe mode"
        done
        e2e_phase_end
        e2e_log "FIGURE boots-to-recovery update-then-reboot $how: $((crashes + 1)) (crashes: $crashes)"
        e2e_assert "$how: level 1 within Threshold+1 crashing boots ($crashes)" test "$crashes" -le $((THRESHOLD + 1))
        e2e_assert "$how: the update was counted: at least Threshold crashes before safe mode ($crashes)" \
                test "$crashes" -ge "$THRESHOLD"

        e2e_phase "$how: recovery boot (level 1)"
        [[ "$E2E_RESULT" == poweroff ]] || e2e_die "$how: recovery boot: expected poweroff, got $E2E_RESULT"
        e2e_assert "$how: recovery boot reached multi-user" e2e_reached
        e2e_assert_eq "$how: recovery boot became healthy" yes "$(e2e_report healthy)"
        e2e_assert_eq "$how: level 1: the updated module is withheld" absent "$(e2e_report lgcrash)"
        gs=$(e2e_guest_status)
        e2e_assert_eq "$how: guest status: level in force" 1 "$(e2e_json level <<<"$gs")"
        e2e_assert "$how: guest status: lgcrash withheld as a changed module" \
                grep -qx 'module:lgcrash:changed' <<<"$(e2e_withheld - <<<"$gs")"
        j=$(e2e_journal_json)
        e2e_assert "$how: journal: boots counted" \
                test "$(grep -c "\"MESSAGE_ID\":\"${E2E_MSGID[counted]}\"" <<<"$j")" -ge 1
        e2e_assert "$how: journal: safe mode entered" grep -q "\"MESSAGE_ID\":\"${E2E_MSGID[safe-mode]}\"" <<<"$j"
        e2e_assert "$how: journal: item withheld names lgcrash" \
                grep -q '"LASTGOOD_ITEM":"lgcrash"' <<<"$(e2e_journal_events withheld)"
        e2e_assert_eq "$how: after recovery: hot record not armed" false "$(e2e_state armed)"
        e2e_assert_eq "$how: after recovery: hot record tries" 0 "$(e2e_state tries)"
        e2e_assert_eq "$how: after recovery: hot record level" 0 "$(e2e_state level)"
        e2e_assert "$how: after recovery: lgcrash persistently withheld (quarantine)" \
                grep -q '"lgcrash"' <<<"$(e2e_state quarantine)"
        e2e_assert "$how: the module file is kept (withheld, never deleted)" \
                e2e_img_exists "/lib/modules/$E2E_KVER/updates/lgcrash.ko"
        e2e_phase_end
}

run_case utr-noinitrd no-initramfs
run_case utr-initrd initramfs
