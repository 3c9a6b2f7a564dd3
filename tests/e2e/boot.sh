#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot a guest made by build-image.sh once: tests/e2e/boot.sh GUESTDIR [KERNEL ARGS...]
# Prints the outcome (panic|poweroff|timeout|error) and the serial log's path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -ge 1 ]] || { echo "usage: $0 GUESTDIR [kernel args]" >&2; exit 2; }
E2E_GUEST_DIR=$(cd "$1" && pwd); shift
G="$E2E_GUEST_DIR/root" IMG="$E2E_GUEST_DIR/root.img" VARS="$E2E_GUEST_DIR/vars.fd"
KERNEL="$E2E_GUEST_DIR/vmlinuz" INITRD="$E2E_GUEST_DIR/initrd.img"
E2E_BOOTN=$(find "$E2E_GUEST_DIR/logs" -name 'boot-*.log' | wc -l)
e2e_boot "$@"
echo "$E2E_RESULT $E2E_LOG"
