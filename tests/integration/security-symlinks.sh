#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile content folders (issue 10, attack 1): an agent's user owns its
# content folders (and a folder above them) and swaps one for a symlink to
# /etc or /root between lastgood's runs. Neither the inventory scan, the
# proven copy, lastgood-apply (rollback, quarantine, cold-record match) nor
# lastgoodctl restore may read, write or move anything outside the content
# folders. The attacker's steps run as nobody (setpriv, when the test runs
# as root), lastgood's as the test's user, against a temporary root.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

FAIL_LOGS="$T/apply.log"
. "$top_srcdir/tests/integration/tap-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"

# The agent's user owns its content folders and the folder above one.
agent_root "$R/etc/falco" "$R/opt/scanner"
# What lives outside the content folders.
mkdir -p "$R/root"
chmod 0700 "$R/root"
echo "root:x:0:0:root:/root:/bin/bash" >"$R/etc/passwd"
echo "root:SECRET-HASH:19000::::::" >"$R/etc/shadow"
chmod 0640 "$R/etc/shadow"
echo "TOP SECRET" >"$R/root/secret.yaml"
chmod 0600 "$R/root/secret.yaml"
snapshot() { (cd "$R" && find etc root lib -xdev -printf '%p %i %s %m %T@\n' | sort; cat etc/passwd etc/shadow root/secret.yaml) >"$1"; }

prove
snapshot "$T/before"

# Attack 1: the proven copy reads a root-only file (rules.d -> /root).
as_agent mv "$R/etc/falco/rules.d" "$R/etc/falco/rules.d.real"
as_agent ln -s ../../root "$R/etc/falco/rules.d"
prove
! grep -rq "TOP SECRET" "$R/var/lib/lastgood" || fail "the proven write copied /root/secret.yaml into its store"
! grep -q "secret.yaml" "$R/var/lib/lastgood/manifest" || fail "/root/secret.yaml is in the manifest as content"
ok "proven write: a content folder swapped for a symlink to /root is not read"

# Put rules.d back; a legitimate safe-mode boot (level 1, boot 7)
# quarantines a new file of the scanner's content folder.
as_agent rm "$R/etc/falco/rules.d"
as_agent mv "$R/etc/falco/rules.d.real" "$R/etc/falco/rules.d"
prove
echo "/tmp/evil.so" | as_agent tee "$R/opt/scanner/sig/ld.so.preload" >/dev/null
decision 1 7
apply || fail "lastgood-apply failed"
[ -n "$(find "$R/var/lib/lastgood/quarantine" -name ld.so.preload)" ] || fail "sig/ld.so.preload not quarantined"
snapshot "$T/before"

# Attack 2: safe-mode rollback/quarantine through a symlinked content
# folder (rules.d -> /etc) and a symlinked folder above one (/opt/scanner/sig
# -> /etc): /etc/passwd and /etc/shadow must stay where they are.
as_agent mv "$R/etc/falco/rules.d" "$R/etc/falco/rules.d.real"
as_agent ln -s .. "$R/etc/falco/rules.d"
as_agent mv "$R/opt/scanner/sig" "$R/opt/scanner/sig.real"
as_agent ln -s ../../etc "$R/opt/scanner/sig"
echo "bad rules" | as_agent tee "$R/etc/falco/falco_rules.yaml" >/dev/null
decision 1 8
apply || fail "lastgood-apply failed"
snapshot "$T/after"
diff -u <(grep -v falco "$T/before") <(grep -v falco "$T/after") || fail "something outside the content folders changed"
[ "$(cat "$R/etc/passwd")" = "root:x:0:0:root:/root:/bin/bash" ] || fail "/etc/passwd replaced"
[ -e "$R/etc/shadow" ] || fail "/etc/shadow moved"
! find "$R/var/lib/lastgood/quarantine" \( -name shadow -o -name passwd \) | grep . >/dev/null ||
        fail "a file of /etc was quarantined"
# The real content change was still withheld (rollback of falco_rules.yaml).
[ "$(cat "$R/etc/falco/falco_rules.yaml")" = "rules v1" ] || fail "falco_rules.yaml not rolled back"
ok "safe mode: symlinked content folders (rules.d -> /etc, sig -> /etc) move nothing outside them"

# Attack 3: the hand-over names files outside any Content= (or reached
# through the symlinked folder): lastgood-apply refuses them.
decision 1 9
printf 'content\t/etc/shadow\tchanged\tfalco\ncontent\t/etc/falco/rules.d/passwd\tchanged\tfalco\ncontent\t/etc/passwd\tquarantine\tscanner\n' \
        >"$R/run/lastgood/withheld"
apply || fail "lastgood-apply failed"
snapshot "$T/after"
diff -u <(grep -v falco "$T/before") <(grep -v falco "$T/after") || fail "the hand-over moved a file outside the content folders"
ok "hand-over: paths outside the agents' Content= (or through a symlink) are refused"

# Attack 4: lastgoodctl restore through the swapped folder: the quarantined
# sig/ld.so.preload must not land in /etc (sig -> ../../etc).
"$CTL" --root="$R" --store=file restore >"$T/restore.out" 2>&1 || true
[ ! -e "$R/etc/ld.so.preload" ] || fail "restore created /etc/ld.so.preload through a symlinked folder"
[ -n "$(find "$R/var/lib/lastgood/quarantine" -name ld.so.preload)" ] || fail "the quarantined file was lost"
snapshot "$T/after"
diff -u <(grep -v falco "$T/before") <(grep -v falco "$T/after") || fail "restore changed something outside the content folders"
ok "restore: a symlinked destination folder is refused, the quarantined file kept"

# Attack 5: a level-0 boot through a cold-record match. The agent's user
# drops a copy of /etc/shadow's bytes as rules.d/shadow; safe mode withholds
# it and the proof records it as persistently withheld (its fingerprint is
# that of /etc/shadow). Then rules.d becomes a symlink to /etc: at the next
# level-0 boot, "/etc/falco/rules.d/shadow" is /etc/shadow with the recorded
# fingerprint, and must not be moved.
rm -rf "$R/run/lastgood"
as_agent rm "$R/etc/falco/rules.d"
as_agent mv "$R/etc/falco/rules.d.real" "$R/etc/falco/rules.d"
as_agent rm "$R/opt/scanner/sig"
as_agent mv "$R/opt/scanner/sig.real" "$R/opt/scanner/sig"
prove
cat "$R/etc/shadow" | as_agent tee "$R/etc/falco/rules.d/shadow" >/dev/null
decision 1 10
apply || fail "lastgood-apply failed"
[ ! -e "$R/etc/falco/rules.d/shadow" ] || fail "rules.d/shadow was not withheld in safe mode"
prove
{ "$CTL" --root="$R" --store=file status --json || true; } |
        python3 -c 'import json,sys; sys.exit("/etc/falco/rules.d/shadow" not in json.load(sys.stdin)["quarantine"])' ||
        fail "rules.d/shadow is not in the cold record"
as_agent mv "$R/etc/falco/rules.d" "$R/etc/falco/rules.d.real"
as_agent ln -s .. "$R/etc/falco/rules.d"
snapshot "$T/before"
rm -rf "$R/run/lastgood"
decision 0 11
apply || fail "lastgood-apply failed"
snapshot "$T/after"
[ -e "$R/etc/shadow" ] || fail "/etc/shadow was moved by a cold-record match through a symlink"
diff -u <(grep -v falco "$T/before") <(grep -v falco "$T/after") || fail "a level-0 boot changed something outside the content folders"
ok "level 0: a cold-record match through a symlinked folder moves nothing"
