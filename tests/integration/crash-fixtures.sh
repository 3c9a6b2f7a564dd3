#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every crash log in tests/fixtures/oops/ through `lastgoodctl crash --json`,
# checked against INDEX.tsv: the expected module (or a module of its family)
# is named; "none"/"in-tree:*" rows must give no culprit; "medium" rows
# accept the expected module or no culprit, never another module.
# Twice: in an empty root (no agent defined: no agent may be named), then
# with the shipped agent definitions and the fixture's own NAME.root/ tree
# (agent definitions, unit files, the watchdog's eBPF record), where an
# agent named by its process or eBPF programs is expected.
set -euo pipefail

: "${top_srcdir:?}" "${top_builddir:?}"
fixtures="${LASTGOOD_FIXTURES:-$top_srcdir/tests/fixtures}/oops"
ctl="$top_builddir/lastgoodctl"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
empty="$root/empty"
mkdir -p "$empty"

fail=0
n=0
shopt -s nullglob
for pass in empty agents; do
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
        kind=module
        case "$(cut -f7 <<<"$row")" in agent:*) kind=agent ;; esac
        n=$((n + 1))

        froot="$empty"
        if [[ $pass == agents ]]; then
                froot="$root/agents"
                rm -rf "$froot"
                mkdir -p "$froot/usr/lib/lastgood/agents.d"
                cp "$top_srcdir"/agents/*.conf "$froot/usr/lib/lastgood/agents.d/"
                [[ -d "${f%.txt}.root" ]] && cp -r "${f%.txt}.root/." "$froot/"
        elif [[ $kind == agent ]]; then
                expected=none # no agent defined: nobody may be named
        fi

        rc=0
        json=$("$ctl" --root="$froot" crash --json "$f" 2>"$root/stderr") || rc=$?
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
        if [[ -s "$root/stderr" ]]; then
                echo "FAIL $name ($pass): warnings: $(cat "$root/stderr")"
                fail=1
                continue
        fi

        verdict=$(python3 -c '
import json, sys
expected, confidence, kind = sys.argv[1], sys.argv[2], sys.argv[3]
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
if got is not None and ok and j.get("culprit_kind") != kind:
    ok = False
print(("OK" if ok else "BAD") + " got %s (%s)" % (got or "none", j["confidence"]))
' "$expected" "$confidence" "$kind" <<<"$json")
        case "$verdict" in
        OK*) echo "ok   $name ($pass): expected $expected ($confidence), ${verdict#OK }" ;;
        *)   echo "FAIL $name ($pass): expected $expected ($confidence), ${verdict#BAD }"; fail=1 ;;
        esac
done
done

if [[ $n -lt 60 ]]; then
        echo "FAIL: only $n fixtures found in $fixtures"
        fail=1
fi
echo "$n fixtures checked"
exit $fail
