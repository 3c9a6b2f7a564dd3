#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 15's table, through the real programs (patterns-lib.sh): each
# pattern of boots from a fresh host, asserting the boot at which level 1
# is in force, the hot record after every boot and the NVRAM writes of
# each boot (at most one per failed boot). Threshold=2.
set -euo pipefail

. "$top_srcdir/tests/integration/patterns-run.sh"

# An update lands and the initramfs is rebuilt: armed, nothing counted yet.
armed_by_update() {
        update_module updates/zfs.ko.xz
        rebuild_image
        state_has armed=1 tries=0 level=0 || fail "the rebuilt initramfs did not arm"
}

late_crash_loop() { # a crash after healthy, before proven, at every boot: level 1 at boot 3
        armed_by_update
        boot late; expect_boot 0 "armed=1 tries=1 level=0" 1
        boot late; expect_boot 0 "armed=1 tries=2 level=0" 1
        boot late; expect_boot 1 "armed=1 tries=1 level=1" 1
        expect_withheld "zfs:changed"
        boot late; expect_boot 1 "armed=1 tries=2 level=1" 1
        boot late; expect_boot 2 "armed=1 tries=1 level=2" 1
        # the late crash of the previous boot was reported by the watchdog
        grep -q "LASTGOOD_REASON=late-crash" "$T/export" || fail "no late-crash event"
}

early_late_alternating() { # early, late, early: level 1 at boot 3
        armed_by_update
        boot early; expect_boot 0 "armed=1 tries=1 level=0" 1
        boot late; expect_boot 0 "armed=1 tries=2 level=0" 1
        boot early; expect_boot 1 "armed=1 tries=1 level=1" 1
        boot late; expect_boot 1 "armed=1 tries=2 level=1" 1
}

reboot_in_late_loop() { # a person reboots once in a loop of late crashes: level 1 at boot 4
        armed_by_update
        boot late; expect_boot 0 "armed=1 tries=1 level=0" 1
        # neutral: its try is spent at the start and given back at the stop
        boot neutral; expect_boot 0 "armed=1 tries=1 level=0" 2
        boot late; expect_boot 0 "armed=1 tries=2 level=0" 1
        boot late; expect_boot 1 "armed=1 tries=1 level=1" 1
}

healthy_twice() { [ "$(grep -c "Boot healthy:" "$T/daemon.log" || true)" -ge 2 ]; }

arm_after_healthy() { # lastgoodctl arm (package hook) after healthy, then late crashes: level 1 at boot 3
        boot_start
        healthy
        update_module updates/dkms/nvidia.ko
        ctl arm >/dev/null || fail "lastgoodctl arm exited $?"
        wait_for 100 grep -q "lastgoodctl arm: a change was installed" "$T/daemon.log" ||
                fail "the watchdog did not see lastgoodctl arm"
        # the health window starts again; healthy again (the first boot of
        # this host: its second "Boot healthy"), then the crash
        wait_for 100 healthy_twice || fail "never healthy again"
        end_early
        boot_end
        expect_boot 0 "armed=1 tries=1 level=0" 1
        boot late; expect_boot 0 "armed=1 tries=2 level=0" 1
        boot late; expect_boot 1 "armed=1 tries=1 level=1" 1
        expect_withheld "nvidia:changed"
}

content_after_healthy() { # content changes 2 s after healthy, old ProveSec 2 s later, crash 1 s after: level 1 at boot 3
        local before
        before=$(n_proven)
        # StableSec 2: the new health window ends 2 + 4 s after the change,
        # 3 s after the crash; a ProveSec timer running from the first
        # healthy would have fired 1 s before the crash.
        STABLE=2 PROVE=4
        boot_start
        healthy
        sleep 2
        echo "rules: bad" >"$CONTENT"
        wait_for 100 grep -q "this boot is healthy no more" "$T/daemon.log" || fail "change not seen"
        sleep 3
        end_early
        boot_end
        STABLE=0 PROVE=3600
        [ "$(n_proven)" = "$before" ] || fail "the bad content was proven"
        expect_boot 0 "armed=1 tries=1 level=0" 1
        boot early; expect_boot 0 "armed=1 tries=2 level=0" 1
        # level 1: the agent runs on its last good content, the bad one is kept
        PROVE=1
        boot_start
        PROVE=3600
        expect_withheld "/etc/falco/rules.d/a.yaml:changed"
        [ "$(cat "$CONTENT")" = "rules: good" ] || fail "content not rolled back: $(cat "$CONTENT")"
        grep -rqx "rules: bad" "$S/var/lib/lastgood/quarantine" || fail "bad content not in the quarantine"
        end_proven
        boot_end
        # counted at its start, then the proof: the cold record (the bad
        # content is persistently withheld), the hot record last
        expect_boot 1 "armed=0 tries=0 level=0" 3
        # the agent downloads the bad content again: withheld at once, not armed
        boot_start
        echo "rules: bad" >"$S/etc/falco/download" && mv "$S/etc/falco/download" "$CONTENT"
        wait_for 100 grep -q "Withheld /etc/falco/rules.d/a.yaml again" "$T/daemon.log" ||
                fail "the bad content was not withheld again"
        end_shutdown
        boot_end
        expect_boot 0 "armed=0 tries=0 level=0" 0
}

good_content_after_proven() { # good content after proven, orderly shutdown, one unrelated crash: nothing counted
        local before
        before=$(n_proven)
        PROVE=1
        boot_start
        healthy
        wait_for 100 proven_since "$before" || fail "not proven"
        STABLE=1
        echo "rules: good, version 2" >"$CONTENT"
        wait_for 100 grep -q "this boot is proven no more" "$T/daemon.log" || fail "change not seen"
        wait_for 100 test -e "$S/run/lastgood/healthy" || fail "never healthy again"
        shutdown
        boot_end
        PROVE=3600 STABLE=0
        # armed by the change (1 write), proven by the shutdown (1 write)
        expect_boot 0 "armed=0 tries=0 level=0" 2
        boot early; expect_boot 0 "armed=0 tries=0 level=0" 0
        boot early; expect_boot 0 "armed=0 tries=0 level=0" 0
        [ "$(cat "$CONTENT")" = "rules: good, version 2" ] || fail "the good content was touched"
}

bad_then_reboot() { # lastgoodctl bad after healthy, then an orderly reboot: level 1 at boot 3
        local before
        armed_by_update
        before=$(n_proven)
        boot bad; expect_boot 0 "armed=1 tries=1 level=0" 1
        boot bad; expect_boot 0 "armed=1 tries=2 level=0" 1
        [ "$(n_proven)" = "$before" ] || fail "a shutdown after lastgoodctl bad proved the boot"
        boot bad; expect_boot 1 "armed=1 tries=1 level=1" 1
}

stale_initramfs_manifest() { # one crash naming a module proven since the initramfs was built: nothing withheld
        update_module updates/dkms/nvidia.ko
        rebuild_image # the image's manifest copy still has the old nvidia
        boot proven; expect_boot 0 "armed=0 tries=0 level=0" 2
        # nvidia runs, proven; then one crash whose log names it
        boot_start
        crash_record 01-nvidia-nullderef-gpu-off-bus-lkml.txt
        end_early
        boot_end
        expect_boot 0 "armed=0 tries=0 level=0" 0
        PROVE=1
        boot_start
        PROVE=3600
        # pre-udev took the crash log's word against the image's old
        # manifest copy; pre-switch, against the real root's, withholds nothing
        grep -q "crash log names nvidia, proven on the real root" "$T/early.log" "$R/dev/kmsg" ||
                fail "pre-switch did not judge the culprit against the real root"
        expect_withheld ""
        [ ! -e "$S/run/modprobe.d/lastgood.conf" ] || fail "modprobe.d withholds: $(cat "$S/run/modprobe.d/lastgood.conf")"
        end_proven
        boot_end
        # the fast path of pre-udev armed and counted (1 write), the proof
        # cleared it (1 write)
        expect_boot 1 "armed=0 tries=0 level=0" 2
        [ ! -e "$(QUAR_VAR)" ] || fail "a proven module is persistently withheld"
        check
}

exhausted_late_crashes() { # level 3 (exhausted) with late crashes: no NVRAM write
        armed_by_update
        boot early; boot early; boot early; boot early; boot early; boot early
        expect_boot 2 "armed=1 tries=2 level=2" 1
        boot early; expect_boot 3 "armed=1 tries=0 level=3" 1
        expect_json 'j["this_boot"]["exhausted"] is True' "exhausted"
        grep -q "^MESSAGE_ID=$MSG_EXHAUSTED" "$T/export" || fail "no exhausted event"
        boot late; expect_boot 3 "armed=1 tries=0 level=3" 0
        boot late; expect_boot 3 "armed=1 tries=0 level=3" 0
        boot neutral; expect_boot 3 "armed=1 tries=0 level=3" 0
        boot late; expect_boot 3 "armed=1 tries=0 level=3" 0
        # a proof still ends it
        boot proven; expect_boot 3 "armed=0 tries=0 level=0" 1
}

pattern "late crash loop" late_crash_loop
pattern "early, late, early, late" early_late_alternating
pattern "a person reboots in a loop of late crashes" reboot_in_late_loop
pattern "lastgoodctl arm after healthy, then late crashes" arm_after_healthy
pattern "content changed after healthy, crash before the moved ProveSec" content_after_healthy
pattern "good content after proven, shutdown, unrelated crash" good_content_after_proven
pattern "lastgoodctl bad, then an orderly reboot" bad_then_reboot
pattern "a crash naming a module proven since the initramfs was built" stale_initramfs_manifest
pattern "exhausted with late crashes" exhausted_late_crashes
echo OK
