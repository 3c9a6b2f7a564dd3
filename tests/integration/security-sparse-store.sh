#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sparse files through the content store (issue 18, row 4): the agent's
# user drops 12 sparse files of 255 MiB each (a few KiB of data, 56 KiB of
# disk in all) into a rollback agent's content folder. Every hash, compare
# and copy is bounded by apparent size: the proven write stores copies of
# at most LG_CONTENT_TOTAL_MAX apparent bytes, shared out among the agents,
# and says which files got no copy (a rollback only quarantines them); the
# apply unit's rollback stays bounded too.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"
. "$top_srcdir/tests/integration/store-lib.sh"

FAIL_LOGS="$T/prove.log $T/apply.log"
. "$top_srcdir/tests/integration/tap-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"

agent_root "$R/etc/falco"
prove
D="$R/etc/falco/rules.d"
as_agent sh -c 'for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
                        truncate -s 255M "$1/sparse-$i.yaml"
                        printf "rule %s\n" "$i" | dd of="$1/sparse-$i.yaml" bs=4096 seek=1000 conv=notrunc status=none
                done' sh "$D"
kib=$(du -sk "$D" | cut -f1)
# Another agent's honest update (8 MiB of real data) sorts after them: the
# budget is shared out among the agents, so it keeps its last good copy.
head -c 8M /dev/urandom >"$R/opt/scanner/sig/big.sig"

took=$(cpu_ms timeout 300 "$WATCHDOG" --root="$R" --kernel-release="$KVER" --prove-now) ||
        { cp "$T/cpu.out" "$T/prove.log"; fail "the proven write failed or took over 300 s"; }
cp "$T/cpu.out" "$T/prove.log"
# A sanitizer build (the suite's ASan pass) runs a few times slower.
max_ms=12000
! ldd "$WATCHDOG" | grep libasan >/dev/null || max_ms=48000
[ "$(state_field armed)" = false ] || fail "the boot was not proven"
# 1 GiB of apparent size holds 4 of the 12; the others have no copy, and
# the proof says so.
nc=0
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
        [ -f "$(lastgood_copy "$R" falco /etc/falco/rules.d/sparse-$i.yaml)" ] && nc=$((nc + 1))
done
[ "$nc" -le 4 ] || fail "$nc sparse files of 255 MiB have a last good copy: over the 1 GiB budget"
# What the index names, by apparent size, is within the budget.
apparent=$(awk 'NF == 3 && length($1) == 64 { print $1 }' "$R/var/lib/lastgood/current/copies" |
        while read -r k; do stat -c %s "$R/var/lib/lastgood/store/${k:0:2}/$k"; done | awk '{ s += $1 } END { print s + 0 }')
[ "$apparent" -le $((1024 * 1024 * 1024)) ] || fail "the store holds $apparent apparent bytes"
cmp -s "$(lastgood_copy "$R" scanner /opt/scanner/sig/big.sig)" "$R/opt/scanner/sig/big.sig" ||
        fail "the sparse files of one agent left another agent's update without its last good copy"
grep -q 'over the copy budget' "$T/prove.log" || fail "the proof did not report the files left without a copy"
# What the budget allows costs what 1 GiB of real content does: hashed by
# the scan and by the store, once each (about 6 s of CPU here; 19 s when
# the data bytes were counted).
[ "$took" -le "$max_ms" ] || fail "the proven write took $took ms of CPU over $kib KiB of sparse files"
ok "proven write over 12 sparse files ($kib KiB on disk): $nc copies, $took ms of CPU"

# The agent's user rewrites them all; a level-1 boot rolls them back.
as_agent sh -c 'for f in "$1"/sparse-*.yaml; do echo bad >>"$f"; done' sh "$D"
decision 1 7
took=$(cpu_ms timeout 300 "$APPLY" --root="$R" --kernel-release="$KVER" --journal-export="$EXPORT") ||
        { cp "$T/cpu.out" "$T/apply.log"; fail "lastgood-apply failed or took over 300 s"; }
cp "$T/cpu.out" "$T/apply.log"
[ "$(events $ID_WITHHELD)" = 12 ] || fail "$(events $ID_WITHHELD) of 12 files withheld"
[ "$(grep -c 'last good copy restored' "$EXPORT")" = "$nc" ] || fail "not every stored copy was put back"
[ "$took" -le "$max_ms" ] || fail "lastgood-apply took $took ms of CPU"
ok "rollback of 12 sparse files: bounded ($took ms of CPU)"
