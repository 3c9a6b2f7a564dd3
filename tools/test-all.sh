#!/usr/bin/env bash
# Build everything and run the whole test suite:
#   1. gcc -Werror build, `make check` (unit, integration, QEMU end-to-end),
#   2. the same unit and integration tests again under ASan+UBSan,
#   3. every libFuzzer target for a bounded time on its committed corpus.
# The QEMU guests (`make check-e2e`, two at a time) start as soon as the
# build is done; everything else runs beside them at a lower priority, in
# the CPU time the guests leave, so that the suite takes about as long as
# its guests (tests/e2e/README.md, "Time").
# Ends with one line of totals summed over every suite.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-30}
out=${BUILD_ROOT:-$top/build-test}

"$top/tools/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
first_total() { # KEY LOG: the number of the first "# KEY: N" line, else 0
        local n
        n=$(grep -a -m1 "^# $1: *[0-9]" "$2" | tr -dc 0-9)
        echo "${n:-0}"
}
count_suite() { # $1 = label, $2 = test-suite.log
        local log=$2 p=0 f=0 s=0
        if [ -f "$log" ]; then
                # The suite's own totals are its log's first "# KEY:" lines;
                # a failed test's log quoted below may hold totals of its
                # own (the Debian 13 package build runs the suite inside).
                p=$(( $(first_total PASS "$log") + $(first_total XFAIL "$log") ))
                f=$(( $(first_total FAIL "$log") + $(first_total ERROR "$log") + $(first_total XPASS "$log") ))
                s=$(first_total SKIP "$log")
        else
                f=1
        fi
        echo "== $1: $p passed, $f failed, $s skipped"
        [ "$f" -gt 0 ] && show_failures "$log"
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# For each failed test of a test-suite.log: why (the lines that say so and
# the end of its log), so that a CI run that prints only this output can be
# read without the build tree.
show_failures() {
        local t log
        for t in $(sed -n 's/^\(FAIL\|ERROR\|XPASS\): \([^ ]*\/[^ ]*\)$/\2/p' "$1" | sort -u); do
                log="$(dirname "$1")/${t%.sh}.log"
                [ -f "$log" ] || log="$(dirname "$1")/$t.log"
                echo "== failed: $t"
                grep -a -m5 -E 'FAIL|not ok|error|Assertion|expected' "$log" 2>/dev/null | cut -c1-300 | sed 's/^/   why| /'
                # 40 lines: a QEMU test's end holds the serial log's last lines.
                tail -n 40 "$log" 2>/dev/null | cut -c1-300 | sed 's/^/  tail| /'
        done
}

step_failed() {
        echo "== $1 failed"
        failed=$((failed + 1))
}

autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }

# 1. warnings are errors; everything, QEMU included
mkdir -p "$out/gcc" && cd "$out/gcc"
e2e_pid=
if "$top/configure" -q --enable-werror --prefix=/usr --sysconfdir=/etc --localstatedir=/var &&
   make -s -j"$jobs" && make -s -j"$jobs" check TESTS= >/dev/null; then
        # The guests, beside everything else (the test programs are built:
        # the two makes only read the tree from here on).
        # One make job more than guest slots: the Debian 13 build and the
        # image builds of a test run while two guests boot.
        make -j"$(( ${LASTGOOD_E2E_JOBS:-2} + 1 ))" check-e2e TEST_SUITE_LOG=test-suite-e2e.log 2>&1 |
                grep --line-buffered -E '^(PASS|FAIL|ERROR|XPASS|XFAIL|SKIP):' | sed -u 's/^/[QEMU] /' &
        e2e_pid=$!
        nice -n 10 make -j"$jobs" check-no-e2e || true
        count_suite "make check (unit, integration)" test-suite.log
        # -j: the distcheck's own build and make check run in parallel too.
        if nice -n 10 make -s -j"$jobs" distcheck >distcheck.log 2>&1 DISTCHECK_CONFIGURE_FLAGS=--disable-e2e; then
                echo "== make distcheck: ok" && passed=$((passed + 1))
        else
                step_failed "make distcheck"
                grep -a -E 'error|Error|FAIL' distcheck.log | head -n 10 | cut -c1-300 | sed 's/^/   why| /'
                for l in lastgood-*/_build/sub/test-suite.log; do
                        [ -f "$l" ] && show_failures "$l"
                done
        fi
else
        step_failed "gcc -Werror build"
fi

# 2. sanitizers over the unit and integration tests
mkdir -p "$out/asan" && cd "$out/asan"
if "$top/configure" -q --enable-werror --disable-e2e \
        CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
        LDFLAGS="-fsanitize=address,undefined" && nice -n 10 make -s -j"$jobs"; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                nice -n 10 make -j"$jobs" check || true
        count_suite "ASan+UBSan make check" test-suite.log
else
        step_failed "ASan+UBSan build"
fi

# 3. fuzzing, bounded
mkdir -p "$out/fuzz" && cd "$out/fuzz"
if CC=clang "$top/configure" -q --enable-fuzzing --disable-e2e \
        CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" && nice -n 10 make -s -j"$jobs"; then
        nice -n 10 make -s -j"$jobs" $(sed -n 's/^noinst_PROGRAMS += \(tests\/fuzz\/fuzz-[a-z0-9-]*\).*/\1/p' "$top/tests/fuzz/local.mk") &&
        # One fuzzer a core, niced as the rest: guests still running keep
        # their CPU.
        if FUZZ_JOBS=$jobs nice -n 10 "$top/tests/fuzz/run-fuzzers.sh" "$out/fuzz" "$fuzz_seconds" | tee fuzz.log; then :; fi
        fp=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' fuzz.log)
        ff=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' fuzz.log)
        echo "== fuzz: ${fp:-0} passed, ${ff:-1} failed"
        passed=$((passed + ${fp:-0})) failed=$((failed + ${ff:-1}))
else
        step_failed "fuzz build"
fi

# 4. the guests' results
if [ -n "$e2e_pid" ]; then
        wait "$e2e_pid"
        cd "$out/gcc" && count_suite "make check-e2e (QEMU end to end)" test-suite-e2e.log
fi

if [ "$skipped" -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
else
        echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
