#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A change cannot hide from lastgood (issue 10, attack 2): the agent's user
# rewrites a content file in place with the same size and puts its mtime
# back (touch -d). ctime, which no user can set, is in the change key: the
# host is armed, safe mode withholds the file, and the proven write copies
# the new bytes (not a hard link to the old copy). A ctime change whose
# bytes are unchanged (chmod, touch) arms nothing: fingerprints are by
# bytes.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"
. "$top_srcdir/tests/integration/store-lib.sh"

FAIL_LOGS="$T/apply.log"
. "$top_srcdir/tests/integration/tap-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"

agent_root "$R/etc/falco" "$R/opt/scanner"
prove
SIG="$R/opt/scanner/sig/main.sig"
RULES="$R/etc/falco/falco_rules.yaml"

# 1. Only the ctime changes (mode, owner's touch to the same time): no arming.
as_agent chmod 0600 "$SIG"
as_agent touch -d "@$(stat -c %Y "$SIG")" "$SIG"
apply
[ "$(state_field armed)" = false ] || fail "a ctime-only change armed the host"
[ "$(events $ID_ARMED)" = 0 ] || fail "a ctime-only change emitted an arming event"
ok "ctime change with the same bytes: not armed"

# 2. Same size, mtime put back, new bytes: armed.
before=$(stat -c '%s %Y %i' "$RULES")
as_agent sh -c 'm=$(stat -c %y "$1"); printf "rules v6\n" >"$1"; touch -d "$m" "$1"' sh "$RULES"
[ "$(stat -c '%s %Y %i' "$RULES")" = "$before" ] || fail "the test did not restore size, mtime and inode"
apply
[ "$(state_field armed)" = true ] || fail "a rewrite with its mtime restored was not seen"
[ "$(events $ID_ARMED)" = 1 ] || fail "no arming event"
ok "rewrite with size, mtime and inode kept: armed"

# 3. Safe mode rolls it back (the last good copy is v1).
decision 1 7
apply
[ "$(cat "$RULES")" = "rules v1" ] || fail "not rolled back: $(cat "$RULES")"
ok "safe mode rolls the hidden rewrite back"

# 4. A proven boot with the rewritten file: the store holds the new bytes.
rm -rf "$R/run/lastgood"
as_agent sh -c 'm=$(stat -c %y "$1"); printf "rules v7\n" >"$1"; touch -d "$m" "$1"' sh "$RULES"
prove
[ "$(cat "$(lastgood_copy "$R" falco /etc/falco/falco_rules.yaml)")" = "rules v7" ] ||
        fail "the proven write kept the old copy of a rewritten file"
# And the next scan, with nothing changed, is steady (the manifest's ctime matches).
: >"$EXPORT"
apply
[ "$(events $ID_ARMED)" = 0 ] || fail "armed again with nothing changed"
ok "proven write: copies the new bytes of a file whose mtime was put back"
