#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario 7, do-no-harm: lastgood must never be the reason a boot fails.
# Its state in NVRAM corrupted, its configuration garbage, its programs
# removed from the image (and from the initramfs) -- each boot still
# reaches multi-user.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin do-no-harm

e2e_phase "image"
e2e_new_guest dnh --module good
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert "the hot record exists" test -n "$(e2e_vars_hex "$E2E_STATE_VAR")"
e2e_phase_end

e2e_phase "corrupt state record in NVRAM"
# Same size, garbage bytes: bad magic/CRC.
size=$(( $(e2e_vars_hex "$E2E_STATE_VAR" | wc -c) / 2 ))
e2e_vars set "$VARS" "$E2E_STATE_VAR" 7 "$(head -c "$size" /dev/urandom | od -An -tx1 | tr -d ' \n')"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "corrupt state: the module loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "corrupt state: the agent runs" active "$(e2e_report fakeagent)"
e2e_assert "journal: state corrupt reported" test "$(e2e_journal_count corrupt)" -ge 1
e2e_assert "the hot record was rewritten (decodes again)" test "$(e2e_state tries)" = 0
e2e_phase_end

e2e_phase "corrupt state: wrong size, wrong attributes"
e2e_vars set "$VARS" "$E2E_STATE_VAR" 0x3 "00"
e2e_vars set "$VARS" "$E2E_QUAR_VAR" 7 "$(head -c 300 /dev/urandom | od -An -tx1 | tr -d ' \n')"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "truncated state + garbage quarantine: the module loads" loaded "$(e2e_report lgcrash)"
e2e_phase_end

e2e_phase "garbage configuration"
head -c 2000 /dev/urandom >"$W/garbage"
printf '\n[Boot]\nThreshold=banana\n[Health]\nStableSec=-5\nRequireUnits=\x01\x02\n' >>"$W/garbage"
e2e_img_write "$W/garbage" /etc/lastgood/lastgood.conf
e2e_img_write "$W/garbage" /etc/lastgood/agents.d/fakeagent.conf
# The initramfs carries a copy of the configuration: garbage there too.
cp "$W/garbage" "$G/etc/lastgood/lastgood.conf"
cp "$W/garbage" "$G/etc/lastgood/agents.d/fakeagent.conf"
e2e_mkinitramfs
e2e_boot_expect poweroff
e2e_show_boot
e2e_assert "garbage config: the boot reaches multi-user" e2e_reached
e2e_assert_eq "garbage config: the module loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "garbage config: the agent runs" active "$(e2e_report fakeagent)"
e2e_phase_end

e2e_phase "programs removed"
# From the root image, and from the initramfs (rebuilt without them: the
# hook itself must cope).
removed=0
while read -r f; do
        rel="${f#"$G"}"
        rm -f "$f"; e2e_img_rm "$rel"
        removed=$((removed + 1))
        e2e_log "removed $rel"
done < <(find "$G/usr/sbin" "$G/usr/bin" "$G/usr/libexec" "$G/sbin" "$G/bin" \
                "$G/lib/systemd/system-generators" "$G/usr/lib/systemd/system-generators" \
                -maxdepth 2 -type f -name 'lastgood-*' -perm -u+x 2>/dev/null)
e2e_assert "some lastgood programs were installed and removed ($removed)" test "$removed" -ge 2
e2e_mkinitramfs
e2e_boot_expect poweroff e2e.wait=5
e2e_show_boot
e2e_assert "programs removed: the boot reaches multi-user" e2e_reached
e2e_assert_eq "programs removed: the module loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "programs removed: the agent runs" active "$(e2e_report fakeagent)"
e2e_phase_end
