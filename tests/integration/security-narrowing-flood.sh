#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 18, row 2: a less trusted user steering the narrowing. After a
# proven level-2 boot, the narrowing re-admits falco (the EDR: agents
# first) in its first probe. The user (uid 65534) who owns the content
# folder of another agent ("updater", OnSafeMode=keep) writes there every
# second in exactly those boots, so that none of them is ever proven, and
# stops for the others. A probe is judged only by failed boots (crashes,
# resets, hangs before boot-complete.target): the hang deadline is released
# at boot-complete.target, the boots end in a person's reboot, they do not
# count against falco, and falco is released by the next proven boot. On
# the old code the deadline reset those boots, they counted as failed
# probes, and the narrowing named falco. Through the real programs
# (patterns-lib.sh), Threshold=2.
set -euo pipefail

PATTERN_HANG_RESET=1
. "$top_srcdir/tests/integration/patterns-run.sh"

narrowing() { # the narrowing state: "NAME:STATE ..." of its suspects
        grep -v '^#' "$S/var/lib/lastgood/narrowing" 2>/dev/null | awk -F'\t' 'NF >= 3 { print $2 ":" $3 }' |
                sort | tr '\n' ' ' || true
}

steer_narrowing() {
        local b
        # updater: content written by its own user, never withheld (keep).
        mkdir -p "$S/opt/updater"
        echo "version 1" >"$S/opt/updater/data.bin"
        printf '[Agent]\nContent=/opt/updater/*\nOnSafeMode=keep\n' >"$S/etc/lastgood/agents.d/updater.conf"
        rebuild_image
        boot proven
        expect_boot 0 "armed=0 tries=0 level=0" "<=2"

        # zfs crashes the host until level 2 withholds everything third-party.
        update_module updates/zfs.ko.xz
        rebuild_image
        for b in 1 2 3 4; do boot early; done
        expect_boot 1 "armed=1 tries=2 level=1" 1
        boot proven
        expect_boot 2 "armed=0 tries=0 level=0" "<=2"
        [ -f "$S/var/lib/lastgood/narrowing" ] || fail "no narrowing after the level-2 proof"
        check

        # The probe boots that re-admit falco: flooded.
        STABLE=2
        attacker_start "$S/opt/updater"
        for b in 1 2 3; do
                boot_start
                [ "$(json 'j["narrowing"]["readmitted"]')" = "['falco']" ] ||
                        fail "boot $b does not re-admit falco: $(json 'j.get("narrowing")')"
                check
                end_attacked
                boot_end
                [ "$LEVEL" = 0 ] || fail "level $LEVEL in a probe boot"
                check
                [[ " $(narrowing) " != *" falco:guilty "* ]] || fail "the narrowing names falco: $(narrowing)"
                check
                echo "ok - flooded probe boot $b: falco not blamed ($(narrowing))"
        done
        attacker_stop

        # The next boot without the flood re-admits falco and proves.
        PROVE=1
        boot_start
        PROVE=3600
        [ "$(json 'j["narrowing"]["readmitted"]')" = "['falco']" ] ||
                fail "falco is not re-admitted after the flooded boots: $(json 'j.get("narrowing")')"
        check
        end_proven
        boot_end
        [[ " $(narrowing) " == *" falco:cleared "* ]] || [ ! -f "$S/var/lib/lastgood/narrowing" ] ||
                fail "falco not released by the proven probe: $(narrowing)"
        check
        json '" ".join(j["quarantine"])' | grep falco >/dev/null && fail "falco in the cold record: $STATUS"
        ! grep -q "Narrowing names agent falco" "$T/daemon.log" || fail "the watchdog named falco"
        check
        echo "ok - falco released by the first proven probe boot; the flooded boots did not count"
}

pattern "the agent's user floods the boots that re-admit the EDR" steer_narrowing
echo OK
