#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every libFuzzer target built in BUILDDIR (tests/fuzz/fuzz-*) for
# SECONDS each (default 30), FUZZ_JOBS of them at a time (default 1), over
# a copy of its committed seed corpus tests/fuzz/corpus/NAME/ (NAME = the
# binary name without "fuzz-"; a missing folder is an empty corpus). The committed corpus
# is never written to. Prints one line per target and a summary; exits
# non-zero when a target crashed, leaked, hit a sanitizer error or timed out.
#
#   tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS]
#
# Build first, e.g.:
#   CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" \
#       ../configure --enable-fuzzing && make -j2 tests/fuzz/fuzz-NAME...
set -uo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
        echo "usage: $0 BUILDDIR [SECONDS]" >&2
        exit 2
fi
builddir=$1
seconds=${2:-30}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
        echo "$0: SECONDS must be a positive number" >&2
        exit 2
fi
srcdir=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# UBSan recovers by default: make every finding fatal, so it counts.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

jobs=${FUZZ_JOBS:-1}
if ! [[ $jobs =~ ^[0-9]+$ ]] || [[ $jobs -lt 1 ]]; then
        echo "$0: FUZZ_JOBS must be a positive number" >&2
        exit 2
fi

# One target: its report in $tmp/TARGET.report, its exit code in .rc.
run_one() { # BIN
        local bin=$1 target name corpus log rc execs files
        target=$(basename "$bin")
        name=${target#fuzz-}
        corpus="$tmp/corpus-$name"
        mkdir -p "$corpus"
        if [[ -d $srcdir/corpus/$name ]]; then
                cp -R "$srcdir/corpus/$name/." "$corpus/"
        fi
        log="$tmp/$target.log"

        "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
                -artifact_prefix="$tmp/$target-" "$corpus" > "$log" 2>&1
        rc=$?

        execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n1)
        files=$(find "$corpus" -type f | wc -l)
        {
                if [[ $rc -eq 0 ]]; then
                        echo "$target: ${execs:-0} execs, corpus $files, ok"
                else
                        echo "$target: ${execs:-0} execs, corpus $files, CRASH"
                        # The finding and how to reproduce it.
                        grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written|artifact_prefix' "$log" | head -n 20 | sed 's/^/    /'
                        for a in "$tmp/$target"-*; do
                                [[ -f $a ]] || continue
                                mkdir -p "$builddir/fuzz-artifacts"
                                cp "$a" "$builddir/fuzz-artifacts/"
                                echo "    input kept: $builddir/fuzz-artifacts/$(basename "$a")"
                        done
                fi
        } >"$tmp/$target.report"
        echo "$rc" >"$tmp/$target.rc"
}

targets=()
for bin in "$builddir"/tests/fuzz/fuzz-*; do
        [[ -f $bin && -x $bin ]] || continue
        case $bin in *.o | *.c | *.log) continue ;; esac
        targets+=("$bin")
done
found=${#targets[@]}
running=0
for bin in "${targets[@]}"; do
        if [[ $running -ge $jobs ]]; then
                wait -n
                running=$((running - 1))
        fi
        run_one "$bin" &
        running=$((running + 1))
done
wait

# The reports in the targets' order, whatever order they ended in.
passed=0
failed=0
for bin in "${targets[@]}"; do
        target=$(basename "$bin")
        cat "$tmp/$target.report" 2>/dev/null
        if [[ "$(cat "$tmp/$target.rc" 2>/dev/null)" == 0 ]]; then
                passed=$((passed + 1))
        else
                failed=$((failed + 1))
        fi
done

if [[ $found -eq 0 ]]; then
        echo "fuzz: no fuzz targets in $builddir/tests/fuzz (configure --enable-fuzzing with CC=clang)" >&2
        echo "fuzz: 0 passed, 0 failed"
        exit 1
fi
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
