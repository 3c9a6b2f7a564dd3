# SPDX-License-Identifier: LGPL-2.1-or-later
# The driver of the counting-patterns*.sh tests (sourced).

# pattern NAME FUNCTION: a fresh host (its own temporary root, bus and
# counter, torn down when the subshell ends) for each pattern. With
# PATTERN_TEST_BUILD=1 the daemon is its test build (the test hooks, e.g.
# --crash-after-step). With PATTERN_HANG_RESET=1 each armed boot has its
# hang reset (with_hang_reset of patterns-lib.sh).
pattern() {
        echo "== $1"
        (
                . "$top_srcdir/tests/integration/patterns-lib.sh"
                [ -z "${PATTERN_TEST_BUILD:-}" ] || WD=$WD_TEST
                [ -z "${PATTERN_HANG_RESET:-}" ] || with_hang_reset
                make_host
                "$2"
                echo "# $1: $CHECKS checks"
        ) || exit 1
}
