#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every crash log in tests/fixtures/oops/ through `lastgoodctl crash --json`,
# checked against INDEX.tsv: the expected module (or a module of its family)
# is named; "none"/"in-tree:*" rows must give no culprit; "medium" rows
# accept the expected module or no culprit, never another module.
set -euo pipefail

: "${top_srcdir:?}" "${top_builddir:?}"
fixtures="${LASTGOOD_FIXTURES:-$top_srcdir/tests/fixtures}/oops"
ctl="$top_builddir/lastgoodctl"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

fail=0
n=0
shopt -s nullglob
for f in "$fixtures"/*.txt; do
        name=$(basename "$f")
        row=$(awk -F'\t' -v n="$name" '$1 == n { print; exit }' "$fixtures/INDEX.tsv")
        if [[ -z "$row" ]]; then
                echo "FAIL $name: no row in INDEX.tsv"
                fail=1
                continue
        fi
        expected=$(cut -f5 <<<"$row" | awk '{ print $1 }')
        confidence=$(cut -f6 <<<"$row")
        n=$((n + 1))

        rc=0
        json=$("$ctl" --root="$root" crash --json "$f" 2>"$root/stderr") || rc=$?
        # 0: a culprit named; 3: nobody named (the JSON says null).
        named=yes
        if [[ $rc -eq 3 ]]; then
                named=no
                rc=0
        fi
        if [[ $(python3 -c 'import json,sys; print("no" if json.loads(sys.stdin.read())["culprit"] is None else "yes")' <<<"$json") != "$named" ]]; then
                echo "FAIL $name: exit status and culprit disagree (named=$named)"
                fail=1
                continue
        fi
        if [[ $rc -ne 0 ]]; then
                echo "FAIL $name: lastgoodctl crash exited $rc: $(cat "$root/stderr")"
                fail=1
                continue
        fi

        verdict=$(python3 -c '
import json, sys
expected, confidence = sys.argv[1], sys.argv[2]
j = json.loads(sys.stdin.read())
for key in ("culprit", "confidence", "evidence", "kernel", "taint", "family", "rip", "id"):
    if key not in j:
        print("BAD missing key " + key); sys.exit(0)
if not isinstance(j["evidence"], list) or j["confidence"] not in ("high", "medium", "low", "none"):
    print("BAD malformed evidence/confidence"); sys.exit(0)
got = j["culprit"]
names = {got, j["family"]} - {None}
if (got is None) != (j["confidence"] == "none"):
    print("BAD culprit %r with confidence %s" % (got, j["confidence"])); sys.exit(0)
if expected == "none" or expected.startswith("in-tree:"):
    ok = got is None
elif confidence == "medium":
    ok = got is None or expected in names
else:
    ok = expected in names
print(("OK" if ok else "BAD") + " got %s (%s)" % (got or "none", j["confidence"]))
' "$expected" "$confidence" <<<"$json")
        case "$verdict" in
        OK*) echo "ok   $name: expected $expected ($confidence), ${verdict#OK }" ;;
        *)   echo "FAIL $name: expected $expected ($confidence), ${verdict#BAD }"; fail=1 ;;
        esac
done

if [[ $n -lt 30 ]]; then
        echo "FAIL: only $n fixtures found in $fixtures"
        fail=1
fi
echo "$n fixtures checked"
exit $fail
