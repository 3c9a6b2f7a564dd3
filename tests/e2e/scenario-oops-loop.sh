#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# oops-loop: a module update whose init dereferences NULL (an oops, not a
# panic) on a guest booted as stock Debian (no oops=panic, no panic=): a
# stock kernel kills the loading process and the host limps on, half alive.
# Armed, lastgood sets panic_on_oops and kernel.panic before udev: each
# oops panics and reboots, is counted, and the host recovers at level 1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reset-lib.sh"
e2e_begin oops-loop

reset_scenario oops oops 'BUG: kernel NULL pointer dereference.*|Kernel panic - not syncing: Fatal exception'
e2e_assert "the last crash was an oops turned into a panic" \
        grep -aq 'Kernel panic - not syncing: Fatal exception' "$(dirname "$E2E_LOG")/boot-$((E2E_BOOTN - 1)).log"
