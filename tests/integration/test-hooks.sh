#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test hooks are not shipped: the installed lastgood-watchdog neither shows
# nor takes --crash-after-step, --test-module-add and
# --test-exec-while-copying (it refuses them as
# unknown options, and their names are nowhere in the binary); the test
# build (tests/integration/lastgood-watchdog-test, -DLG_TEST_HOOKS) that
# the daemon tests use takes them.
set -euo pipefail
: "${top_builddir:?}"
SHIPPED=$top_builddir/lastgood-watchdog
TESTBUILD=$top_builddir/tests/integration/lastgood-watchdog-test
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
HOOKS="crash-after-step test-module-add test-exec-while-copying"
n=0

"$SHIPPED" --help >"$T/shipped.help"
"$TESTBUILD" --help >"$T/test.help"
for h in $HOOKS; do
        ! grep -q -- "--$h" "$T/shipped.help" || fail "shipped --help shows --$h"
        ! grep -aq -- "$h" "$SHIPPED" || fail "the shipped binary holds the string $h"
        rc=0
        "$SHIPPED" --"$h"=1 --root="$T" 2>"$T/err" || rc=$?
        [ "$rc" -ne 0 ] || fail "shipped daemon took --$h"
        grep -q "unrecognized option" "$T/err" || fail "shipped --$h: $(cat "$T/err")"
        grep -q -- "--$h" "$T/test.help" || fail "test build's --help lacks --$h"
        n=$((n + 1))
done
# The test build parses them: a bad step is refused as a bad value, not as
# an unknown option.
rc=0
"$TESTBUILD" --crash-after-step=nope --root="$T" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "Bad step: nope" "$T/err" || fail "test build: --crash-after-step not parsed: $(cat "$T/err")"
# Every other option of the test build is the shipped one's.
diff <(grep -oE -- '--[a-z-]+' "$T/shipped.help" | sort -u) \
        <(grep -oE -- '--[a-z-]+' "$T/test.help" | grep -vxE -- "--(${HOOKS// /|})" | sort -u) ||
        fail "the test build's other options differ from the shipped daemon's"
echo "ok: $n test hooks only in the test build"
