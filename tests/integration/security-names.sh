#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Names an agent's unprivileged user gives its content files (issue 18,
# rows 7 and 8), through the real programs: safe mode withholds them
# (lastgood-apply), the proof records them (lastgood-watchdog --prove-now,
# which writes the login notice /run/motd.d/lastgood), and lastgoodctl
# status says the next step.
#  - A file named "x$(id>pwned).sig": the suggested `lastgoodctl release
#    NAME` is one shell word; pasted into a shell it runs nothing and
#    passes exactly that name.
#  - Names holding a C1 control (U+009B as UTF-8), a raw 0x9b byte (CSI
#    for 8-bit terminals) and U+202E (right-to-left override) reach neither
#    the login notice nor status raw: lib/basic's terminal escaping (\xHH).
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

FAIL_LOGS="$T/prove.log $T/apply.log"
. "$top_srcdir/tests/integration/tap-lib.sh"
. "$top_srcdir/tests/integration/security-lib.sh"
MOTD=$R/run/motd.d/lastgood
SIG=$R/opt/scanner/sig

agent_root "$R/opt/scanner"
prove

echo "== a file named to run a command when the next step is pasted"
NAME='x$(id>pwned).sig'
echo "bad" | as_agent tee "$SIG/$NAME" >/dev/null
decision 1 7
apply
[ ! -e "$SIG/$NAME" ] || fail "safe mode did not withhold $NAME"
"$CTL" --root="$R" --store=file status >"$T/status" 2>&1 || true
grep "Next step:" "$T/status" >"$T/next" || fail "no next step: $(cat "$T/status")"
grep -qF "\`lastgoodctl release '/opt/scanner/sig/$NAME'\`" "$T/next" || fail "next step: $(cat "$T/next")"
# Paste it: the command between the backquotes, in a shell whose
# lastgoodctl only records what it was given.
cmd=$(sed -n 's/^[^`]*`\(lastgoodctl release [^`]*\)`.*/\1/p' "$T/next")
[ -n "$cmd" ] || fail "no command in: $(cat "$T/next")"
mkdir "$T/paste"
(cd "$T/paste" && lastgoodctl() { printf '%s\n' "$@" >"$T/args"; } && eval "$cmd")
[ ! -e "$T/paste/pwned" ] || fail "pasting the next step ran the command in the name"
[ "$(cat "$T/args")" = "$(printf 'release\n/opt/scanner/sig/%s' "$NAME")" ] || fail "pasted: $(cat "$T/args")"
ok "status: the next step quotes the name; pasted, it runs nothing and names the file"
prove || fail "the proven write failed"
[ -f "$MOTD" ] || fail "no login notice while items are withheld"
grep -qF "\`lastgoodctl release '/opt/scanner/sig/$NAME'\`" "$MOTD" || fail "notice: $(cat "$MOTD")"
ok "login notice: the same quoted command"

echo "== names that drive a terminal: C1 control, raw 0x9b, U+202E"
rm -rf "$R/run/lastgood" "$R/run/motd.d"
for name in "c1$(printf '\302\233')2J.sig" "raw$(printf '\233')2J.sig" "$(printf '\342\200\256')gis.exe"; do
        echo "bad" | as_agent tee "$SIG/$name" >/dev/null
done
decision 1 8
apply
[ "$(grep -c . "$R/run/lastgood/withheld")" -ge 3 ] || fail "not withheld: $(cat "$R/run/lastgood/withheld")"
prove || fail "the proven write failed"
"$CTL" --root="$R" --store=file status >"$T/status" 2>&1 || true
[ -f "$MOTD" ] || fail "no login notice"
for f in "$MOTD" "$T/status"; do
        python3 - "$f" <<'PY' || fail "$f: $(cat -v "$f")"
import sys
b = open(sys.argv[1], "rb").read()
for bad in (b"\xc2\x9b", b"\x9b", b"\xe2\x80\xae", b"\x1b"):
    assert bad not in b, bad
for want in (rb"c1\xc2\x9b2J.sig", rb"raw\x9b2J.sig", rb"\xe2\x80\xaegis.exe"):
    assert want in b, want
PY
done
ok "login notice and status: each hostile byte as \\xHH, none raw"
grep -q "Next step: .*lastgoodctl release \$'" "$MOTD" || fail "next step does not quote with \$'...': $(cat -v "$MOTD")"
ok "a command naming such a file is quoted as \$'...' (printable, pastes to the same bytes)"
echo "# $n checks"
