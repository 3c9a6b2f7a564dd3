#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl deny-list --from-prometheus=FILE|- (issue 20): the JSON of a
# Prometheus instant-query response (as /api/v1/query returns it for
#   count by (sha256,kind,name,agent) (lastgood_withheld_info{reason=~"crash-log|narrowed|only-change"}) >= N)
# becomes a deny list in the format of lastgood-deny.d(5). The response is
# untrusted (any host exports any label): bad results are skipped and
# counted, names escaped, the input bounded, a failed query or another
# shape of response is an error.
set -euo pipefail
: "${top_builddir:?}" "${top_srcdir:?}"
CTL="$top_builddir/lastgoodctl"
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept: $T" || rm -rf "$T"' EXIT
. "$top_srcdir/tests/integration/tap-lib.sh"
PY=/usr/bin/python3

X=$(printf x | sha256sum | cut -c1-64)
Y=$(printf y | sha256sum | cut -c1-64)
Z=$(printf z | sha256sum | cut -c1-64)
$PY - "$T/resp.json" "$X" "$Y" "$Z" <<'PYEOF'
import json, sys
path, x, y, z = sys.argv[1:]
def r(labels, v, t=1764400000.5):
    return {"metric": labels, "value": [t, v]}
res = [
    r({"sha256": "sha256:" + x, "kind": "content", "name": "/etc/falco/rules.d/bad.yaml", "agent": "falco"}, "7"),
    # The same fingerprint under another name on 2 more hosts: one entry, 9 hosts.
    r({"sha256": "sha256:" + x.upper(), "kind": "content", "name": "/etc/falco/rules.d/bad2.yaml", "agent": "falco"}, "2"),
    # A bare hex label, a module, no agent label.
    r({"sha256": y, "kind": "module", "name": "nvidia"}, "3"),
    # A hostile name: blank, newline, ESC, '#', backslash, U+202E.
    r({"sha256": "sha256:" + z, "kind": "content", "name": "/opt/a b\n\x1b[2J#\\\u202e.sig", "agent": "x y"}, "1"),
    # A long name (4,000 bytes, 16,000 escaped): cut to keep the line
    # within the parser's 4,096 bytes.
    r({"sha256": "sha256:" + "c" * 64, "kind": "module", "name": "\u00e9" * 2000, "agent": "-"}, "1"),
    # Skipped: bad fingerprints, unknown kind, bad counts, bad shapes.
    r({"sha256": "sha256:abc", "kind": "module", "name": "a"}, "5"),
    r({"sha256": "sha256:" + "g" * 64, "kind": "module", "name": "b"}, "5"),
    r({"sha256": "sha256:" + x, "kind": "unit", "name": "c"}, "5"),
    r({"sha256": "sha256:" + x, "kind": ["module"], "name": "d"}, "5"),
    r({"sha256": "sha256:" + y, "kind": "module", "name": "e"}, "NaN"),
    r({"sha256": "sha256:" + y, "kind": "module", "name": "f"}, "-3"),
    r({"sha256": "sha256:" + y, "kind": "module", "name": "g" * 5000}, "5"),
    {"metric": {"sha256": "sha256:" + y, "kind": "module"}},
    "not an object",
]
json.dump({"status": "success", "data": {"resultType": "vector", "result": res}}, open(path, "w"))
PYEOF

"$CTL" deny-list --from-prometheus="$T/resp.json" >"$T/list" 2>"$T/err" || fail "deny-list: $(cat "$T/err")"
cat "$T/list"
grep -v '^#' "$T/list" >"$T/entries"
[ "$(wc -l <"$T/entries")" = 4 ] || fail "not 4 entries"
awk 'length($0) > 4096 { exit 1 }' "$T/list" || fail "a line longer than 4096 bytes"
grep -q "^sha256:c\{64\} module \(\\\\x[0-9a-f][0-9a-f]\)\{400,\}\.\.\. -  # 1 host" "$T/entries" || fail "the long name is not cut with ..."
sed -n 1p "$T/entries" | grep -x "sha256:$X content /etc/falco/rules.d/bad.yaml falco  # 9 hosts, counted 2025-11-29T07:06:40Z" >/dev/null ||
        fail "X: $(sed -n 1p "$T/entries")"
sed -n 2p "$T/entries" | grep -x "sha256:$Y module nvidia -  # 3 hosts, counted 2025-11-29T07:06:40Z" >/dev/null || fail "Y"
grep -q 'Skipped 9 results' "$T/err" || fail "skipped results not said: $(cat "$T/err")"
$PY - "$T/entries" <<'PYEOF' || fail "hostile name"
import re, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
entry = re.compile(rb"^sha256:[0-9a-f]{64} (module|content) ([\x21-\x7e]+) ([\x21-\x7e]+)  # [\x20-\x7e]*$")
m = [entry.match(l) for l in lines if b"/opt/a" in l][0]
assert m, lines
dec = lambda s: re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), s)
assert dec(m.group(2)).decode() == "/opt/a b\n\x1b[2J#\\\u202e.sig", m.group(2)
assert dec(m.group(3)) == b"x y"
PYEOF
ok "an instant-query vector: one line per fingerprint, counts added, bad results skipped and said, names escaped"

$PY -c 'import sys; print(open(sys.argv[1]).read())' "$T/resp.json" | "$CTL" deny-list --from-prometheus=- --min-hosts=5 >"$T/min"
[ "$(grep -vc '^#' "$T/min")" = 1 ] && grep -q "^sha256:$X " "$T/min" || fail "--min-hosts=5 from stdin: $(cat "$T/min")"
ok "standard input and --min-hosts"

bad() { # WHAT MESSAGE: the input in $T/bad is refused with exit 1 and MESSAGE
        local rc=0
        "$CTL" deny-list --from-prometheus="$T/bad" >"$T/out" 2>"$T/err" || rc=$?
        [ $rc = 1 ] || fail "$1: exit $rc"
        grep -q "$2" "$T/err" || fail "$1: $(cat "$T/err")"
        ! grep -q '^sha256:' "$T/out" || fail "$1: printed entries"
}
printf '{"status":"error","errorType":"bad_data","error":"parse error \\u001b[2J"}' >"$T/bad"
bad "failed query" 'did not succeed: parse error \\x1b\[2J'
printf '{"status":"success","data":{"resultType":"matrix","result":[]}}' >"$T/bad"
bad "range query" 'no instant vector'
printf '{"status":"success","data":{"resultType":"vector","result":[]}} {}' >"$T/bad"
bad "two documents" 'not one JSON document'
printf '{"status":"success","data":' >"$T/bad"
bad "truncated" 'not one JSON document'
$PY -c 'print("[" * 100000 + "]" * 100000)' >"$T/bad"
bad "nested 100,000 deep" 'not one JSON document'
printf '\377\376garbage' >"$T/bad"
bad "binary" 'not one JSON document'
head -c $((64 * 1024 * 1024 + 1)) /dev/zero >"$T/bad"
bad "over 64 MiB" 'at most 64 MiB'
rm -f "$T/bad"
bad "missing file" 'Cannot read'
ok "failed query, range vector, trailing data, truncated, deeply nested, binary, too large, missing: errors"

set +e
"$CTL" deny-list >/dev/null 2>&1; [ $? = 2 ] || fail "no --from-prometheus"
"$CTL" deny-list --from-prometheus="$T/resp.json" --json >/dev/null 2>&1; [ $? = 2 ] || fail "--json"
set -e
ok "usage errors"
echo "# $n checks"
