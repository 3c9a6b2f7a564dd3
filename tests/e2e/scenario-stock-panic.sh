#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# stock-panic: scenario 1's panicking module on a guest booted as stock
# Debian boots (no panic=, kernel.panic=0: a panic halts for ever). First
# the control: with lastgood.mode=off the panic sits (stuck: no reset
# within 30 s of it). Then lastgood, armed by the update, sets kernel.panic=10 before
# udev: every crash reboots, is counted, and the host recovers at level 1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reset-lib.sh"
e2e_begin stock-panic

reset_scenario sp bad 'Kernel panic - not syncing: lgcrash: bad update' --steady

e2e_phase "control: lastgood.mode=off, the same panic sits (stuck)"
e2e_img_module bad
# Stuck: 30 s after the panic without a reset (PanicRebootSec would be 10).
E2E_STUCK_AFTER='Kernel panic - not syncing: lgcrash: bad update' \
        E2E_BOOT_LIMIT=${LASTGOOD_E2E_STUCK_LIMIT:-300} e2e_boot --stock lastgood.mode=off
e2e_assert_eq "without lastgood's settings the stock kernel never resets" stuck "$E2E_RESULT"
e2e_assert "the panic happened and the kernel sat there" grep -aq 'Kernel panic - not syncing: lgcrash: bad update' "$E2E_LOG"
e2e_assert "no reboot was announced" bash -c "! grep -aq 'Rebooting in' '$E2E_LOG'"
e2e_phase_end
