#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hang-loop: a module update whose init spins for ever with preemption off
# (a soft lockup) on a guest booted as stock Debian: a stock kernel only
# warns, and the boot never ends. Armed, lastgood sets softlockup_panic and
# kernel.panic before udev: each lockup panics and reboots, is counted, and
# the host recovers at level 1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reset-lib.sh"
e2e_begin hang-loop

reset_scenario hang hang 'Kernel panic - not syncing: softlockup: hung tasks'
e2e_assert "the last crash was a soft lockup of lgcrash's init" \
        grep -aq 'BUG: soft lockup' "$(dirname "$E2E_LOG")/boot-$((E2E_BOOTN - 1)).log"
