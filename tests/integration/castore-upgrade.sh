#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Last good copies through the real programs (lastgood-watchdog --prove-now,
# lastgood-apply) on a host upgraded in place: an older version's layout
# (generations/N/content/AGENT/PATH, content -> current/content) is still
# rolled back from, the first proven write moves the copy of a withheld
# file into the content-addressed store, later rollbacks read the store,
# and a damaged store copy is reported and never put in place (the boot
# goes on, the bad file is quarantined).
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"
. "$top_srcdir/tests/integration/store-lib.sh"
fail() { echo "FAIL: $*" >&2; cat "$T/apply.log" >&2 2>/dev/null || true; exit 1; }

L="$R/var/lib/lastgood"
RULES=/etc/falco/falco_rules.yaml

make_root
prove
[ -d "$L/store" ] && [ "$(stat -c %a "$L/store")" = 700 ] || fail "the store is not 0700"
grep -q "rules v1" "$(lastgood_copy "$R" falco $RULES)" || fail "no store copy after the first proof"
store_check "$R" || fail "the store lacks a copy"

# An older version's layout: the same generation with its copies in a
# content/ folder, no index, no store.
g=$(readlink "$L/current")
mkdir -p "$L/$g/content/falco/etc/falco/rules.d" "$L/$g/content/scanner/opt/scanner/sig"
cp -a "$R$RULES" "$L/$g/content/falco/etc/falco/"
cp -a "$R/etc/falco/rules.d/extra.yaml" "$L/$g/content/falco/etc/falco/rules.d/"
cp -a "$R/opt/scanner/sig/main.sig" "$L/$g/content/scanner/opt/scanner/sig/"
rm -rf "$L/store" "$L/$g/copies"
ln -s current/content "$L/content"

# 1. Level 1 on the old layout: the rollback reads content/.
echo "rules v2 (bad)" >"$R$RULES"
decision 1 7
apply
[ "$(cat "$R$RULES")" = "rules v1" ] || fail "old layout: not rolled back"
[ "$(stat -c %a "$R$RULES")" = 640 ] && [ "$(stat -c %Y "$R$RULES")" = 1700000000 ] ||
        fail "old layout: mode or time not kept"
[ "$(cat "$L/quarantine/7/falco$RULES")" = "rules v2 (bad)" ] || fail "old layout: not quarantined"

# 2. This boot is proven with the file withheld: its last good copy stays
# the old one, now from the store (moved out of the old layout).
printf 'content\t%s\tchanged\tfalco\n' "$RULES" >"$R/run/lastgood/withheld"
prove
grep -q "Proven write: generation" "$T/prove.log" || fail "no proven write: $(cat "$T/prove.log")"
copy=$(lastgood_copy "$R" falco $RULES)
[ "$(cat "$copy")" = "rules v1" ] || fail "the old layout's copy did not reach the store"
[ "$(stat -c %a "$copy")" = 640 ] && [ "$(stat -c %Y "$copy")" = 1700000000 ] || fail "store copy: mode or time"
grep -q "extra v1" "$(lastgood_copy "$R" falco /etc/falco/rules.d/extra.yaml)" || fail "extra.yaml not stored"
[ ! -L "$L/content" ] || fail "the old layout's stable name is still there"
store_check "$R" || fail "the store lacks a copy"

# 3. Proven again, nothing withheld, extra.yaml updated: the old
# generation (and its content/ folder) goes; the restored file has the same
# bytes, mode and time as its copy, so the same store copy serves both
# generations.
rm -rf "$R/run/lastgood"
echo "extra v2" >"$R/etc/falco/rules.d/extra.yaml"
prove
grep -q "Proven write: generation 3, .* 2 copied" "$T/prove.log" || fail "third proof: $(cat "$T/prove.log")"
[ ! -d "$L/$g" ] || fail "the old layout's generation was kept"
[ "$(lastgood_copy "$R" falco $RULES)" = "$copy" ] || fail "the same copy was stored twice"
store_check "$R" || fail "the store lacks a copy"

# 4. Level 1 again: the rollback reads the store.
echo "rules v3 (bad)" >"$R$RULES"
decision 1 9
apply
[ "$(cat "$R$RULES")" = "rules v1" ] || fail "store: not rolled back"
[ "$(stat -c %a "$R$RULES")" = 640 ] && [ "$(stat -c %Y "$R$RULES")" = 1700000000 ] ||
        fail "store: mode or time not kept"
[ "$(cat "$L/quarantine/9/falco$RULES")" = "rules v3 (bad)" ] || fail "store: not quarantined"
grep -q 'last good copy restored' "$EXPORT" || fail "no event"

# 5. A damaged store copy (its bytes rewritten, size and time kept) is no
# last good copy: reported, the bad file still quarantined, exit 0.
printf 'evil v1\n' | dd of="$copy" conv=notrunc status=none
touch -d @1700000000 "$copy"
echo "rules v4 (bad)" >"$R$RULES"
decision 1 10
apply || fail "apply failed on a damaged store copy"
[ ! -e "$R$RULES" ] || fail "a damaged copy was put in place: $(cat "$R$RULES")"
[ "$(cat "$L/quarantine/10/falco$RULES")" = "rules v4 (bad)" ] || fail "damaged: not quarantined"
grep -q 'last good copy is damaged' "$EXPORT" || fail "the damaged copy was not reported"

# 6. A store that is a symlink is never followed: no last good copy.
rm -rf "$L/store.moved"
mv "$L/store" "$L/store.moved"
mkdir -p "$T/elsewhere"
ln -s "$T/elsewhere" "$L/store"
echo "rules v5 (bad)" >"$R$RULES"
decision 1 11
apply || fail "apply failed on a symlinked store"
[ ! -e "$R$RULES" ] || fail "restored through a symlinked store"
[ "$(cat "$L/quarantine/11/falco$RULES")" = "rules v5 (bad)" ] || fail "symlinked store: not quarantined"
echo "castore-upgrade: ok"
