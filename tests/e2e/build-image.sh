#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build a test guest by hand: tests/e2e/build-image.sh OUTDIR [--no-lastgood]
#   [--module good|bad|oops] [--no-agent] [--no-dbus]
# Leaves OUTDIR/NAME/{root,root.img,vars.fd,vmlinuz,initrd.img}; boot it with
# tests/e2e/boot.sh OUTDIR/NAME [KERNEL ARGS...].
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[[ $# -ge 1 ]] || { echo "usage: $0 OUTDIR [options]" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd); shift
e2e_host_setup
mkdir -p "$E2E_CACHE"
e2e_cache_lock
e2e_build_base
e2e_build_lgcrash
W="$out"
e2e_phase "image"
e2e_new_guest guest "$@"
e2e_seal
e2e_phase_end
echo "$W/guest"
