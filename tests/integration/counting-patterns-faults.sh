#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input and faults of issue 15, through the real programs
# (patterns-lib.sh): power loss at every step of a proven write at shutdown
# that proves only part of the set, and of a proof made after a runtime
# change undid the first proof of the boot; a change whose ctime moves but whose
# bytes do not (no arm); bytes changed under a restored mtime (arms); an
# item changed within StableSec before the proof (a clock that jumps back
# makes ctimes look recent in the same way) keeps its previous entry.
set -euo pipefail

# --crash-after-step: the daemon's test build.
PATTERN_TEST_BUILD=1
. "$top_srcdir/tests/integration/patterns-run.sh"

manifest_line() { # NAME: the module's fingerprint in the last-known-good manifest
        awk -v n="$1" '$1 == "module" && $2 == n { print $5 }' "$S/var/lib/lastgood/manifest"
}

power_loss() { # killed after each step N of the proven write at an orderly shutdown
        local n rc nv zfs_old zfs_new
        for n in 1 2 3 4 5 6 7; do
                update_module updates/zfs.ko.xz
                rebuild_image
                nv=$(manifest_line nvidia)
                zfs_old=$(manifest_line zfs)
                WD_EXTRA=(--crash-after-step=$n)
                boot_start
                WD_EXTRA=()
                healthy
                # the driver upgraded at run time, then the shutdown: zfs ran and
                # is proven, the new nvidia did not run and keeps its old entry
                update_module updates/dkms/nvidia.ko
                shutdown_queued
                rc=0
                wd_stop || rc=$?
                [ $rc = 137 ] || fail "step $n: expected death by SIGKILL, exit $rc"
                boot_end
                [ "$(manifest_line nvidia)" = "$nv" ] || fail "step $n: the never-run nvidia entered the manifest"
                check
                case $n in
                7) expect_boot 0 "armed=0 tries=0 level=0" 2 ;;
                *) expect_boot 0 "armed=1 tries=1 level=0" 1 ;;
                esac
                # the next boot: pre-switch sees nvidia changed, counts (or already
                # did), the boot is proven, everything that ran is recorded
                boot proven
                case $n in
                7) expect_boot 0 "armed=0 tries=0 level=0" 2 ;;
                *) expect_boot 0 "armed=0 tries=0 level=0" 2 ;;
                esac
                zfs_new=$(manifest_line zfs)
                [ "$zfs_new" != "$zfs_old" ] || fail "step $n: zfs not recorded after the next proof"
                [ "$(manifest_line nvidia)" != "$nv" ] || fail "step $n: nvidia not recorded after it ran"
                check
                ! ls "$S/var/lib/lastgood/generations" | grep tmp >/dev/null || fail "step $n: temporary generation left"
                check
        done
}

content_fp() { # the content file's fingerprint in the last-known-good manifest
        awk -v n="${CONTENT#"$S"}" '$1 == "content" && $2 == n { print $4 }' "$S/var/lib/lastgood/manifest"
}

undone_since() { [ "$(grep -c "this boot is proven no more" "$T/daemon.log" || true)" -gt "$1" ]; }
dead() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1")" = Z ]; }

power_loss_undone_proof() { # a proof undone by a runtime change; the second proof killed after step N
        local n before old undone rc
        # steps 1 and 7 run in the first proof too (a steady one), 2-6 only
        # in a proof that writes
        for n in 2 3 4 5 6; do
                old=$(content_fp)
                before=$(n_proven)
                undone=$(grep -c "this boot is proven no more" "$T/daemon.log" || true)
                STABLE=1 PROVE=1 WD_EXTRA=(--crash-after-step=$n)
                boot_start
                STABLE=0 PROVE=3600 WD_EXTRA=()
                healthy
                wait_for 100 proven_since "$before" || fail "step $n: not proven"
                # new content (the agent updates itself): the proof is undone,
                # the boot armed and counted; healthy and proven again, killed
                echo "rules: version $n" >"$CONTENT"
                wait_for 100 undone_since "$undone" || fail "step $n: change not seen"
                wait_for 100 dead "$DPID" || fail "step $n: the second proof did not die after step $n"
                rc=0
                wait "$DPID" || rc=$?
                DPID=
                [ $rc = 137 ] || fail "step $n: expected death by SIGKILL, exit $rc"
                boot_end
                expect_boot 0 "armed=1 tries=1 level=0" 1
                case $n in
                6) [ "$(content_fp)" != "$old" ] || fail "step $n: switched, but the old content is recorded" ;;
                *) [ "$(content_fp)" = "$old" ] || fail "step $n: not switched, but the new content is recorded" ;;
                esac
                check
                # the next boot is counted again (the killed one was not proven)
                # and proven: the new content is the last known good
                boot proven; expect_boot 0 "armed=0 tries=0 level=0" 2
                [ "$(content_fp)" != "$old" ] || fail "step $n: the new content not recorded"
                check
        done
}

ctime_only() { # touch, chmod, the same bytes written again: no arm, no write
        local mod=$S/lib/modules/$KVER/updates/dkms/nvidia.ko
        boot_start
        healthy
        touch "$CONTENT" "$mod"
        chmod 0600 "$CONTENT" && chmod 0644 "$CONTENT"
        cp "$CONTENT" "$T/copy" && cat "$T/copy" >"$CONTENT"
        cp "$mod" "$T/mod" && cat "$T/mod" >"$mod"
        sleep 0.5
        ! grep -q "health window starts again" "$T/daemon.log" || fail "the same bytes restarted the health window"
        check
        end_shutdown
        boot_end
        expect_boot 0 "armed=0 tries=0 level=0" 0
        # the next boots: nothing changed, nothing counted
        touch "$CONTENT" "$mod"
        boot early; expect_boot 0 "armed=0 tries=0 level=0" 0
        boot early; expect_boot 0 "armed=0 tries=0 level=0" 0
}

mtime_restored() { # other bytes of the same size, the old mtime put back: a change all the same
        local mod=$S/lib/modules/$KVER/updates/dkms/nvidia.ko
        cp -p "$CONTENT" "$T/old"
        printf 'rules: evil\n' 1<>"$CONTENT"
        touch -m -r "$T/old" "$CONTENT"
        [ "$(stat -c '%s %Y %i' "$CONTENT")" = "$(stat -c '%s %Y %i' "$T/old" | sed "s/ [0-9]*\$/ $(stat -c %i "$CONTENT")/")" ] ||
                fail "setup: size or mtime differ"
        boot early; expect_boot 0 "armed=1 tries=1 level=0" 1
        boot early; expect_boot 0 "armed=1 tries=2 level=0" 1
        boot_start
        expect_withheld "/etc/falco/rules.d/a.yaml:changed"
        [ "$(cat "$CONTENT")" = "rules: good" ] || fail "not rolled back: $(cat "$CONTENT")"
        end_early
        boot_end
        expect_boot 1 "armed=1 tries=1 level=1" 1
}

changed_within_stablesec() { # a module changed during the StableSec window, proven at healthy: kept at its entry
        local nv
        nv=$(manifest_line nvidia)
        STABLE=2 PROVE=0
        boot_start
        boot_complete
        sleep 1
        update_module updates/dkms/nvidia.ko
        wait_for 100 proven_since 0 || fail "not proven"
        shutdown
        boot_end
        STABLE=0 PROVE=3600
        expect_boot 0 "armed=0 tries=0 level=0" 0
        [ "$(manifest_line nvidia)" = "$nv" ] || fail "nvidia changed within StableSec was proven"
        check
        grep -q "changed on disk less than 2 s before this proof" "$T/daemon.log" || fail "no notice of the kept item"
        # the next boot counts it
        boot early; expect_boot 0 "armed=1 tries=1 level=0" 1
}

pattern "power loss at every step of a partial proof at shutdown" power_loss
pattern "power loss in a proof after a runtime change undid the first" power_loss_undone_proof
pattern "ctime moves, bytes do not" ctime_only
pattern "bytes change under a restored mtime" mtime_restored
pattern "a change within StableSec before the proof" changed_within_stablesec
echo OK
