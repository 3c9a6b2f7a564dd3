#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The proven write copies only what it scanned (issue 18, row 3). The agent's
# user changes its content while the proof copies it (the test build's hook
# runs its commands at the exact moment: before a file is opened, and once
# it is open, before its bytes are copied):
#   - rewrites a file in place while it is copied (an inotify watcher can);
#   - replaces a file by another one, by a socket, by a symlink, by a FIFO;
#   - removes a file.
# The proof still succeeds; every such file keeps its previous last-known-
# good entry (manifest and store), the journal names it, and a rollback at
# the next safe-mode boot puts back the good bytes, never the swapped ones.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"
. "$top_srcdir/tests/integration/store-lib.sh"

FAIL_LOGS="$T/prove.log $T/apply.log"
. "$top_srcdir/tests/integration/tap-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"
WD=$top_builddir/tests/integration/lastgood-watchdog-test

agent_root "$R/etc/falco"
D="$R/etc/falco/rules.d"
for f in rewrite swap socket symlink fifo gone; do echo "$f good" >"$D/$f.yaml"; done
chown $AGENT_UID "$D"/*.yaml
ln -s extra.yaml "$D/link.yaml" # a symlink the scan sees as one: recorded, never copied
prove
for f in rewrite swap socket symlink fifo gone; do
        [ "$(cat "$(lastgood_copy "$R" falco /etc/falco/rules.d/$f.yaml)")" = "$f good" ] || fail "no first copy of $f"
done
old_manifest=$(grep 'rules.d/' "$R/var/lib/lastgood/manifest")

# An update (v2) the proof will scan; the agent's user then races the copy.
for f in rewrite swap socket symlink fifo gone; do as_agent sh -c 'echo "$1 v2" >"$2"' sh "$f" "$D/$f.yaml"; done
echo "extra v2" >"$D/extra.yaml" # an honest update, proven as usual
cat >"$T/race.sh" <<'EOS'
# sh -c: $1 = open | read, $2 = the content path; as the agent's user.
p=$ROOT$2
case "$1.${2##*/}" in
read.rewrite.yaml) echo "rewrite BAD" >"$p" ;; # same inode, same size
open.swap.yaml) echo "swap BAD v" >"$p.new" && mv -f "$p.new" "$p" ;;
open.socket.yaml) rm -f "$p" && python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$p" ;;
open.symlink.yaml) rm -f "$p" && ln -s /etc/shadow "$p" ;;
open.fifo.yaml) rm -f "$p" && mkfifo "$p" ;;
open.gone.yaml) rm -f "$p" ;;
esac
EOS
AS=
[ "$(id -u)" != 0 ] || AS="setpriv --reuid=$AGENT_UID --regid=$AGENT_UID --clear-groups --"
timeout 60 "$WD" --root="$R" --kernel-release="$KVER" --prove-now \
        --test-exec-while-copying="ROOT='$R' $AS sh '$T/race.sh' \"\$@\"" \
        >"$T/prove.log" 2>&1 || fail "the proven write failed"
[ "$(state_field armed)" = false ] || fail "the boot was not proven"
ok "the proof succeeds with files rewritten, swapped, removed, a socket, a symlink, a FIFO"

for f in rewrite swap socket symlink fifo gone; do
        copy=$(lastgood_copy "$R" falco /etc/falco/rules.d/$f.yaml)
        [ "$(cat "$copy")" = "$f good" ] || fail "the last good copy of $f.yaml is now: $(cat "$copy" 2>&1)"
        grep -q "content /etc/falco/rules.d/$f.yaml not taken as last known good" "$T/prove.log" ||
                fail "the journal does not name $f.yaml"
done
[ "$(grep 'rules.d/' "$R/var/lib/lastgood/manifest" | grep -v extra.yaml)" = "$(echo "$old_manifest" | grep -v extra.yaml)" ] ||
        fail "the manifest entries of the raced files changed"
[ "$(cat "$(lastgood_copy "$R" falco /etc/falco/rules.d/extra.yaml)")" = "extra v2" ] || fail "the honest update was not proven"
grep -q "6 content file(s) changed" "$T/prove.log" || fail "no summary of the files that changed under the proof"
grep -q '^content /etc/falco/rules.d/link.yaml ' "$R/var/lib/lastgood/manifest" || fail "the symlink left the manifest"
! grep -q 'rules.d/link.yaml not taken' "$T/prove.log" || fail "a symlink the scan saw was taken as changed"
ok "each raced file keeps its previous entry and copy, and is reported"

# The next boot counts them (they differ from the last known good); at
# level 1 the rollback puts the good bytes back.
apply
[ "$(state_field armed)" = true ] || fail "the raced files did not arm the next boot"
decision 1 7
apply
for f in rewrite swap; do
        [ "$(cat "$D/$f.yaml")" = "$f good" ] || fail "rollback left $f.yaml as: $(cat "$D/$f.yaml")"
done
ok "the rollback puts back the good bytes"
