# SPDX-License-Identifier: LGPL-2.1-or-later
# TAP-style helpers of the black-box tests (sourced): fail prints why (and
# the tail of each log named in FAIL_LOGS) and stops the test; ok numbers a
# passed check.
n=0
fail() {
        echo "FAIL: $*" >&2
        [ -z "${FAIL_LOGS:-}" ] || tail -c 3000 $FAIL_LOGS >&2 2>/dev/null || true
        exit 1
}
ok() {
        n=$((n + 1))
        echo "ok $n - $*"
}
