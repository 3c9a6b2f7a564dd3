#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The agent's own user as a counting pattern (issue 18, row 1), through the
# real programs (patterns-lib.sh) with the hang reset of each armed boot
# (the test builds that treat /dev/watchdog0 of the root as a watchdog
# device): the unprivileged user (uid 65534) who owns falco's content
# folder writes a file there every second through a whole loop of armed
# boots. Every boot reaches boot-complete.target with its checks passing,
# and the user's writes keep restarting the health window (StableSec=2).
# No user but root can make a boot count as failed without crashing the
# kernel: the hang deadline is released at boot-complete.target, so no
# boot is reset, each one ends in a person's reboot (neutral), and the
# level never rises. Once the writes stop, the next boot proves.
# Threshold=2.
set -euo pipefail

PATTERN_HANG_RESET=1
. "$top_srcdir/tests/integration/patterns-run.sh"

content_flood_loop() { # six armed boots under the flood: level 0 throughout, then proven
        local b proven
        STABLE=2
        proven=$(n_proven)
        attacker_start "$S/etc/falco/rules.d"
        for b in 1 2 3 4 5 6; do
                boot_start
                [ "$(json 'j["armed"]')" = True ] || fail "boot $b is not armed: the flood is no change"
                check
                end_attacked
                boot_end
                grep -q '^hang-reset=released ' "$S/run/lastgood/reset" ||
                        fail "the hang reset of boot $b was not released: $(cat "$S/run/lastgood/reset" 2>/dev/null)"
                check
                [ "$(cat "$S/dev/watchdog0")" = V ] || fail "boot $b: the device was not stopped"
                check
                [ "$(n_proven)" = "$proven" ] || fail "a boot under the flood was proven"
                check
                expect_boot 0 "armed=1 tries=0 level=0" "<=2"
        done
        attacker_stop
        boot proven
        expect_boot 0 "armed=0 tries=0 level=0" "<=2"
        # Proven: the panic settings of the armed boot are back (row 9).
        [ "$(cat "$S/proc/sys/kernel/panic" "$S/proc/sys/kernel/panic_on_oops")" = "0
0" ] || fail "the panic settings stayed after the proof: $(cat "$S/run/lastgood/reset")"
        check
}

pattern "the agent's user writes content every second through six armed boots" content_flood_loop
echo OK
