#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario dracut: a Debian 12 guest whose administrator replaced
# initramfs-tools by Debian's dracut (apt-get install dracut), with
# lastgood from the .deb: its dracut module (90lastgood) goes into the
# guest's own dracut image, a systemd initrd. A third-party module (lgcrash)
# that is the last known good is replaced by one that panics in its init;
# the boots crash, are counted, and the host recovers with the module
# withheld. The console log proves both stages of lastgood-early ran inside
# the dracut image, each at its place: pre-udev (counting, before
# systemd-udevd starts) and pre-pivot (pre-switch: the real root's changed
# set, before the switch to it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
E2E_INITRAMFS=dracut
e2e_begin dracut
THRESHOLD=2   # tests/e2e/guest/lastgood.conf

# first_line FILE PATTERN: number of the first line matching PATTERN (ERE), or 0.
first_line() { grep -anE -- "$2" "$1" | head -n 1 | cut -d: -f1 | grep . || echo 0; }
# stage_order LOG PRE_UDEV_PATTERN PRE_SWITCH_PATTERN (either may be ''):
# systemd in the initrd logs to the console until its journald runs:
# lastgood-pre-udev.service starts and finishes there (its Before=
# systemd-udevd.service is checked in the image), and lastgood-early's own
# kmsg line of that stage falls between the two; the pre-switch stage's
# line comes after it and before the real root's systemd starts (its
# "running in system mode" banner, the last one of the boot).
stage_order() {
        local s e m pu=0 ps=0
        s=$(first_line "$1" 'Starting lastgood-pre-udev\.service')
        e=$(first_line "$1" 'Finished lastgood-pre-udev\.service')
        m=$(grep -anE 'systemd\[1\]: systemd .* running in system mode' "$1" | tail -n 1 | cut -d: -f1)
        [[ -n $2 ]] && pu=$(first_line "$1" "$2")
        [[ -n $3 ]] && ps=$(first_line "$1" "$3")
        e2e_log "console lines: pre-udev unit $s-$e, its line $pu, pre-switch line $ps, real root's systemd ${m:-0}"
        [[ $s -gt 0 && $e -gt $s && ${m:-0} -gt $e ]] || return 1
        [[ -z $2 ]] || [[ $pu -gt $s && $pu -lt $e ]] || return 1
        [[ -z $3 ]] || [[ $ps -gt $e && $ps -lt $m ]] || return 1
}

e2e_phase "image"
e2e_new_guest dracut --module good --no-agent
e2e_assert "guest: dracut is installed" test -x "$G/usr/bin/dracut"
e2e_assert "guest: initramfs-tools is not (replaced by dracut)" \
        test "$(chroot "$G" dpkg-query -W -f '${db:Status-Status}' initramfs-tools)" != installed
e2e_assert "guest: the package's dracut module is in place" \
        test -f "$G/usr/lib/dracut/modules.d/90lastgood/module-setup.sh"
e2e_seal
e2e_assert "dracut included module lastgood" grep -q 'Including module: lastgood' "$E2E_GUEST_DIR/mkinitramfs.log"
e2e_assert "dracut made a systemd initrd" grep -q 'Including module: systemd \*\*\*' "$E2E_GUEST_DIR/mkinitramfs.log"
lsi=$(e2e_chroot "$G" lsinitrd "/boot/initrd.img-$E2E_KVER" 2>/dev/null)
e2e_assert "image: lastgood-early" grep -q 'usr/sbin/lastgood-early$' <<<"$lsi"
e2e_assert "image: the pre-udev unit, pulled in by sysinit.target" \
        grep -q 'sysinit.target.wants/lastgood-pre-udev.service' <<<"$lsi"
e2e_assert "image: the pre-switch unit, pulled in by initrd.target" \
        grep -q 'initrd.target.wants/lastgood-pre-switch.service' <<<"$lsi"
e2e_phase_end

e2e_phase "boot 1: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the good module loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "after the proof: not armed" false "$(e2e_state armed)"
e2e_phase_end

# The stages of each failed boot, from the console.
dracut_failed_boot() { # FAILED
        if [[ $1 == 1 ]]; then
                # The first boot of the update: the change is on the real
                # root, which only the pre-pivot (pre-switch) stage sees.
                e2e_assert "boot $E2E_BOOTN: pre-udev ran before udev; pre-pivot (pre-switch) armed counting from the real root before the switch" \
                        stage_order "$E2E_LOG" '' 'lastgood: real root differs from the last known good: counting armed'
        else
                e2e_assert "boot $E2E_BOOTN: pre-udev counted the armed boot in the initramfs, before udev" \
                        stage_order "$E2E_LOG" 'lastgood: boot counted' ''
        fi
}

e2e_phase "the update (bad), until recovery"
e2e_img_module bad
e2e_boot_until_recovery 'Kernel panic - not syncing: lgcrash: bad update' dracut_failed_boot
failed=$E2E_FAILED_BOOTS
e2e_phase_end

e2e_phase "recovery boot"
e2e_assert "at least one boot of the update failed" test "$failed" -ge 1
e2e_assert "recovery boot $E2E_BOOTN reached multi-user" e2e_reached
e2e_assert_eq "recovery boot $E2E_BOOTN became healthy" yes "$(e2e_report healthy)"
e2e_assert_eq "the update is withheld" absent "$(e2e_report lgcrash)"
e2e_assert "guest status: lgcrash withheld (changed, or named by the crash log)" \
        grep -qxE 'module:lgcrash:(changed|crash-log)' <<<"$(e2e_withheld)"
e2e_assert "serial: pre-udev decided safe mode in the initramfs, before udev" \
        stage_order "$E2E_LOG" 'lastgood: safe mode level [12] in force' ''
e2e_assert_eq "after recovery: not armed" false "$(e2e_state armed)"
e2e_log "FIGURE boots-to-recovery dracut: $((failed + 1)) (failed: $failed)"
e2e_phase_end
