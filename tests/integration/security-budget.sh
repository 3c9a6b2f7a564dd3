#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bounded reads and copies (issue 10, attack 4): the agent's user drops
# sparse files (4 of 2 GiB, 6 of 200 MiB) into its content folder. Arming
# at boot (lastgood-apply) reads at most the byte budget and finishes in
# bounded time; the proven write keeps the copies sparse (what it stores
# under /var stays small) and still proves the boot.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"
. "$top_srcdir/tests/integration/store-lib.sh"

FAIL_LOGS="$T/prove.log $T/apply.log"
. "$top_srcdir/tests/integration/tap-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"

agent_root "$R/opt/scanner"
prove
SIG="$R/opt/scanner/sig"
as_agent sh -c 'for i in 1 2 3 4; do truncate -s 2G "$1/huge-$i.sig"; done
                for i in 1 2 3 4 5 6; do truncate -s 200M "$1/mid-$i.sig"; echo x >>"$1/mid-$i.sig"; done' sh "$SIG"

# Bounded work: CPU time, not wall time (the suite runs this beside its
# QEMU guests, the ASan pass under nice); the timeout only stops a hang.
took=$(cpu_ms timeout 600 "$APPLY" --root="$R" --kernel-release="$KVER" --journal-export="$EXPORT") ||
        { cat "$T/cpu.out" >>"$T/apply.log"; fail "lastgood-apply failed or took over 600 s"; }
cat "$T/cpu.out" >>"$T/apply.log"
[ "$(state_field armed)" = true ] || fail "the new files did not arm the host"
[ "$took" -le 30000 ] || fail "lastgood-apply took $took ms of CPU"
ok "arming over 8.4 GiB of sparse files: bounded ($took ms of CPU)"

timeout 120 "$WATCHDOG" --root="$R" --kernel-release="$KVER" --prove-now >"$T/prove.log" 2>&1 ||
        fail "the proven write failed or took over 120 s"
[ "$(state_field armed)" = false ] || fail "the boot was not proven"
kib=$(du -sk "$R/var/lib/lastgood" | cut -f1)
[ "$kib" -lt 16384 ] || fail "the store grew to $kib KiB: the copies are not sparse"
# Files under the per-file budget have their copy, with the right size.
copy=$(lastgood_copy "$R" scanner /opt/scanner/sig/mid-1.sig)
[ "$(stat -c %s "$copy")" = "$(stat -c %s "$SIG/mid-1.sig")" ] || fail "no sparse last good copy of mid-1.sig"
[ "$(tail -c 2 "$copy")" = "x" ] || fail "the copy's data is wrong"
ok "proven write: sparse copies ($kib KiB under /var/lib/lastgood)"
