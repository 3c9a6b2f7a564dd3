#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `lastgoodctl crash` on pstore's parts in a file: a real EFI dump of the
# e2e guest (tests/fixtures/pstore/, read from NVRAM by the rig's
# efivars.py: Part1, the tail with a user-space RIP and the module list,
# comes first; the oops is in Part2), and the same parts reordered, split
# into one file each and given in any order, given twice (a systemd-pstore
# archive folder: the parts and their dmesg.txt), with CRLF line ends. Each
# must name lgcrash with high confidence and report the record it joined.
set -euo pipefail

: "${top_srcdir:?}" "${top_builddir:?}"
ctl="$top_builddir/lastgoodctl"
fixture="$top_srcdir/tests/fixtures/pstore/efi-oops-lgcrash-3-parts-newest-first.txt"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/root"

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# check NAME FILE...: lgcrash, high, record Oops#1 with 3 parts.
check() {
        local name=$1 json got
        shift
        json=$("$ctl" --root="$T/root" crash --json "$@" 2>"$T/stderr") || fail "$name: exit $?: $(cat "$T/stderr")"
        got=$(python3 -c '
import json, sys
j = json.load(sys.stdin)
r = j.get("record") or {}
print("%s %s %s#%s %s" % (j["culprit"], j["confidence"], r.get("reason"), r.get("count"), r.get("parts")))
' <<<"$json")
        [ "$got" = "lgcrash high Oops#1 3" ] || fail "$name: got '$got'"
        echo "ok   $name: $got"
}

# The parts of the fixture, one file each: part-1, part-2, part-3 (each
# with the rig's "=== name" line and its header).
python3 - "$fixture" "$T" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
parts = re.split(r"(?m)^(?==== )", text)
parts = [p for p in parts if p]
assert len(parts) == 3, len(parts)
for p in parts:
    n = re.search(r"(?m)^Oops#1 Part(\d+)$", p).group(1)
    open("%s/part-%s" % (sys.argv[2], n), "w").write(p)
PY

check "as the rig lists them (newest first)" "$fixture"
cat "$T/part-3" "$T/part-2" "$T/part-1" >"$T/oldest-first"
check "oldest first" "$T/oldest-first"
cat "$T/part-2" "$T/part-3" "$T/part-1" >"$T/shuffled"
check "shuffled" "$T/shuffled"
check "one file per part, newest first" "$T/part-1" "$T/part-2" "$T/part-3"
check "one file per part, shuffled" "$T/part-3" "$T/part-1" "$T/part-2"
check "every part twice" "$T/oldest-first" "$T/part-1" "$T/part-2" "$T/part-3"
sed 's/$/\r/' "$fixture" >"$T/crlf"
check "CRLF line ends" "$T/crlf"
check "standard input" - <"$T/shuffled"

# Without reassembly (the parts as they come, headers stripped) the oops is
# read after the tail: this is the case the reassembly exists for.
grep -v '^Oops#1 Part' "$fixture" >"$T/no-headers"
json=$("$ctl" --root="$T/root" crash --json "$T/no-headers") || [ $? = 3 ]
python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["record"] is None, j["record"]
' <<<"$json" || fail "a log without part headers reports a record"
echo "ok   a log without part headers is read as it comes (record: null)"

# Human output names the record.
"$ctl" --root="$T/root" crash "$T/shuffled" | grep -x 'Record: Oops#1, 3 part(s) put in order' >/dev/null ||
        fail "human output lacks the record line"
echo OK
