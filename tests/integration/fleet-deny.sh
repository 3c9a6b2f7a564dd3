#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl fleet --deny-list (issue 20): a deny list in the format of
# lastgood-deny.d(5) from journals written by the real
# systemd-journal-remote, one file per sender. Only verdicts count
# (LASTGOOD_VERDICT=crash-log|narrowed|only-change with a fingerprint and
# a kind), only entries journald says a lastgood program wrote as root,
# each host once, and a sender only for its own host (issue 18, row 6);
# names from other hosts are escaped (\xHH) so that they cannot add a
# field, a line or a comment.
set -euo pipefail
: "${top_builddir:?}" "${top_srcdir:?}"
CTL="$top_builddir/lastgoodctl"
REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$REMOTE" ] || REMOTE=/usr/lib/systemd/systemd-journal-remote
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept: $T" || rm -rf "$T"' EXIT
J="$T/journal"
mkdir -p "$J"
. "$top_srcdir/tests/integration/tap-lib.sh"

CULPRIT=c3b3145aed6c4a7c8b1517766ebb932c
WITHHELD=202bb5539a0b41fb99c1ed313c3c5435
SAFE=605d133f879541c6af3eb804f5a8449e
PROVEN=7c3647799b584874825ece8b306b803b
X=$(printf x | sha256sum | cut -c1-64)   # bad content, a verdict on 3 hosts
Y=$(printf y | sha256sum | cut -c1-64)   # a module found by narrowing, 1 host
Z=$(printf z | sha256sum | cut -c1-64)   # content with a hostile name
S=$(printf s | sha256sum | cut -c1-64)   # a level-2 suspect: never a verdict
V=$(printf v | sha256sum | cut -c1-64)   # claimed by one sender for 5 machines
F1=$(printf f1 | sha256sum | cut -c1-64) # forged entries
F2=$(printf f2 | sha256sum | cut -c1-64)
F3=$(printf f3 | sha256sum | cut -c1-64)
K=$(printf k | sha256sum | cut -c1-64)   # unknown kind
XU=$(printf %s "$X" | tr a-f A-F)
TAB=$'\t'

# sender NAME: stdin (fleet-entries.py lines) -> DIR/remote-NAME.journal
sender() {
        /usr/bin/python3 "$top_srcdir/tests/integration/fleet-entries.py" |
                "$REMOTE" --output="$J/remote-$1.journal" - 2>"$T/remote.log" || fail "journal-remote: $(cat "$T/remote.log")"
}
# line HOST MID UID COMM MSGID SECONDS FIELDS...
line() {
        local IFS="$TAB"
        printf '%s\n' "$*"
}
W=lastgood-watchd

{
        line h1 - 0 $W $CULPRIT 1 LASTGOOD_ITEM=/etc/falco/rules.d/bad.yaml LASTGOOD_ITEM_KIND=content \
                LASTGOOD_VERDICT=crash-log LASTGOOD_ITEM_SHA256=sha256:$X LASTGOOD_AGENT=falco
        # The same verdict in a later boot: the host still counts once.
        line h1 - 0 $W $CULPRIT 50 LASTGOOD_ITEM=/etc/falco/rules.d/bad.yaml LASTGOOD_ITEM_KIND=content \
                LASTGOOD_VERDICT=crash-log LASTGOOD_ITEM_SHA256=sha256:$X LASTGOOD_AGENT=falco
} | sender h1
line h2 - 0 lastgood-apply $WITHHELD 2 LASTGOOD_ITEM=/etc/falco/rules.d/bad.yaml LASTGOOD_ITEM_KIND=content \
        LASTGOOD_VERDICT=only-change LASTGOOD_ITEM_SHA256=sha256:$X LASTGOOD_REASON=changed | sender h2
# Upper-case hex is the same fingerprint.
line h3 - 0 lastgood-early $CULPRIT 100 LASTGOOD_ITEM=/etc/falco/rules.d/bad.yaml LASTGOOD_ITEM_KIND=content \
        LASTGOOD_VERDICT=crash-log LASTGOOD_ITEM_SHA256=sha256:$XU | sender h3
line h4 - 0 $W $WITHHELD 3 LASTGOOD_ITEM=falco LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=narrowed \
        LASTGOOD_ITEM_SHA256=sha256:$Y LASTGOOD_AGENT=falco | sender h4
# A content file named by the agent's user: blank, '#', newline, ESC,
# a byte that is no UTF-8, a backslash.
line h5 - 0 $W $WITHHELD 4 'LASTGOOD_ITEM=/etc/x/a b#c\x0a\x1b[2J\xff\x5cq.yaml' LASTGOOD_ITEM_KIND=content \
        LASTGOOD_VERDICT=only-change LASTGOOD_ITEM_SHA256=sha256:$Z | sender h5
{
        # Level-2 suspects are no verdicts; neither is an unknown verdict word.
        line h6 - 0 $W $WITHHELD 5 LASTGOOD_ITEM=nvidia LASTGOOD_ITEM_KIND=module LASTGOOD_REASON=all-third-party \
                LASTGOOD_ITEM_SHA256=sha256:$S
        line h6 - 0 $W $WITHHELD 6 LASTGOOD_ITEM=nvidia LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=suspect \
                LASTGOOD_ITEM_SHA256=sha256:$S
        # Fingerprints a list cannot hold, a kind it does not know.
        line h6 - 0 $W $CULPRIT 7 LASTGOOD_ITEM=a LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=crash-log \
                LASTGOOD_ITEM_SHA256=sha256:abc
        line h6 - 0 $W $CULPRIT 7 LASTGOOD_ITEM=b LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=crash-log \
                LASTGOOD_ITEM_SHA256=sha256:${X:0:63}g
        line h6 - 0 $W $CULPRIT 7 LASTGOOD_ITEM=c LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=crash-log \
                LASTGOOD_ITEM_SHA256=$X
        line h6 - 0 $W $CULPRIT 7 LASTGOOD_ITEM=d LASTGOOD_ITEM_KIND=unit LASTGOOD_VERDICT=crash-log \
                LASTGOOD_ITEM_SHA256=sha256:$K
        line h6 - 0 $W $CULPRIT 7 LASTGOOD_ITEM=e LASTGOOD_VERDICT=crash-log LASTGOOD_ITEM_SHA256=sha256:$K
} | sender h6
{
        # Forged: a user's logger, a user's program named like ours, root's logger.
        line h7 - 65534 logger $CULPRIT 8 LASTGOOD_ITEM=edr LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=crash-log \
                LASTGOOD_ITEM_SHA256=sha256:$F1
        line h7 - 65534 $W $CULPRIT 8 LASTGOOD_ITEM=edr LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=crash-log \
                LASTGOOD_ITEM_SHA256=sha256:$F2
        line h7 - 0 logger $CULPRIT 8 LASTGOOD_ITEM=edr LASTGOOD_ITEM_KIND=module LASTGOOD_VERDICT=crash-log \
                LASTGOOD_ITEM_SHA256=sha256:$F3
} | sender h7
# One sender speaks for five machines: it is one host.
for m in 1 2 3 4 5; do
        line "evil-$m" "$(printf 'evil%s' $m | md5sum | cut -c1-32)" 0 $W $CULPRIT $((10 + m)) LASTGOOD_ITEM=edr \
                LASTGOOD_ITEM_KIND=content LASTGOOD_VERDICT=crash-log LASTGOOD_ITEM_SHA256=sha256:$V
done | sender evil

"$CTL" fleet --directory="$J" --deny-list >"$T/list" 2>"$T/err" || fail "fleet --deny-list failed: $(cat "$T/err")"
cat "$T/list"
grep -v '^#' "$T/list" >"$T/entries"
[ "$(wc -l <"$T/entries")" = 4 ] || fail "not 4 entries"
grep -qx "sha256:$X content /etc/falco/rules.d/bad.yaml falco  # 3 hosts, first seen 2025-11-29T07:06:41Z" "$T/entries" ||
        fail "X: $(grep "$X" "$T/entries")"
grep -qx "sha256:$Y module falco falco  # 1 host, first seen 2025-11-29T07:06:43Z" "$T/entries" || fail "Y"
grep -qx "sha256:$V content edr -  # 1 host, first seen 2025-11-29T07:06:51Z" "$T/entries" || fail "V: one sender, one host"
# Most hosts first.
head -n 1 "$T/entries" | grep "^sha256:$X " >/dev/null || fail "not sorted by hosts"
ok "verdicts only, each host once, upper-case hex folded, sorted by hosts"

for fp in $S $F1 $F2 $F3 $K abc; do
        ! grep -q "$fp" "$T/list" || fail "$fp listed (suspect, forged, bad fingerprint or kind)"
done
grep -q 'Dropped 4 entries of sender evil that speak for another host' "$T/err" || fail "foreign entries not said: $(cat "$T/err")"
ok "suspects, forged entries, bad fingerprints and kinds not listed; a sender's entries for other machines dropped and said"

# The hostile name: escaped, one line, three fields before the comment;
# \xHH decodes to the bytes the journal held.
/usr/bin/python3 - "$T/entries" "$Z" <<'PYEOF' || fail "hostile name"
import re, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
entry = re.compile(rb"^sha256:[0-9a-f]{64} (module|content) ([\x21-\x7e]+) ([\x21-\x7e]+)  # [\x20-\x7e]*$")
for l in lines:
    assert entry.match(l), l
z = [l for l in lines if l.startswith(b"sha256:" + sys.argv[2].encode())][0]
name = entry.match(z).group(2)
assert b"#" not in name and b"\\" in name, z
raw = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
assert raw == b"/etc/x/a b#c\n\x1b[2J\xff\\q.yaml", raw
PYEOF
ok "a name with blank, '#', newline, ESC, non-UTF-8 and backslash: \\xHH, one line, decodes back"

"$CTL" fleet --directory="$J" --deny-list --min-hosts=2 | grep -v '^#' >"$T/m2"
[ "$(wc -l <"$T/m2")" = 1 ] && grep -q "^sha256:$X " "$T/m2" || fail "--min-hosts=2: $(cat "$T/m2")"
"$CTL" fleet --directory="$J" --deny-list --min-hosts=4 >"$T/m4"
! grep -qv '^#' "$T/m4" || fail "--min-hosts=4 lists something"
grep -q 'on at least 4 hosts' "$T/m4" || fail "header"
# Since 07:06:45: h1's second verdict (07:07:30) and h3's (07:08:20) count,
# h2's (07:06:42) does not; evil's (07:06:51) does.
"$CTL" fleet --directory="$J" --deny-list --since=2025-11-29T07:06:45Z >"$T/since"
grep -q "^sha256:$X content .*  # 2 hosts, first seen 2025-11-29T07:07:30Z$" "$T/since" || fail "--since: $(cat "$T/since")"
! grep -q "$Y" "$T/since" || fail "--since: Y is older"
grep -q 'since 2025-11-29T07:06:45Z' "$T/since" || fail "--since not in the header"
"$CTL" fleet --directory="$J" --deny-list --host='h[12]' | grep "^sha256:$X .*# 2 hosts" >/dev/null || fail "--host"
ok "--min-hosts, --since, --host"

# fleet --json shows each withheld item's fingerprint (lower case).
"$CTL" fleet --directory="$J" --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
h = {x["host"]: x for x in d["hosts"]}
assert h["h2"]["withheld"][0]["sha256"] == "sha256:" + sys.argv[1], h["h2"]
assert h["h6"]["withheld"][0]["sha256"] == "sha256:" + sys.argv[2], h["h6"]
' "$X" "$S" || fail "fleet --json: no sha256 of the withheld items"
ok "fleet --json: the withheld items' fingerprints"

set +e
"$CTL" fleet --directory="$J" --deny-list --json >/dev/null 2>&1; [ $? -eq 2 ] || fail "--deny-list --json"
"$CTL" fleet --directory="$J" --min-hosts=2 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--min-hosts alone"
"$CTL" fleet --directory="$J" --deny-list --min-hosts=0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--min-hosts=0"
"$CTL" fleet --directory="$J" --deny-list --min-hosts=x >/dev/null 2>&1; [ $? -eq 2 ] || fail "--min-hosts=x"
set -e
ok "usage errors"
echo "# $n checks"
