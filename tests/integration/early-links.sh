#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgood-early links only the early-safe libraries (LG_EARLY_LIBS):
# its NEEDED entries are libefivar, libkmod and libc, nothing of the main
# system (libsystemd, json-c, inih, libudev) that the initramfs would then
# carry and map at every boot; none of the lastgood libraries it links
# calls the journal. A sanitizer build also needs the sanitizer runtimes.
set -euo pipefail
: "${top_builddir:?}"
B=$top_builddir
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
for bin in "$B/lastgood-early" "$B/tests/integration/lastgood-early-full" "$B/tests/integration/lastgood-early-wdt"; do
        needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
        [ -n "$needed" ] || fail "$(basename "$bin"): no NEEDED entries read"
        for lib in $needed; do
                case $lib in
                libefivar.so.* | libkmod.so.* | libc.so.* | libdl.so.* | ld-linux*) ;;
                libasan.so.* | libubsan.so.* | liblsan.so.* | libm.so.* | libpthread.so.* | librt.so.* | libgcc_s.so.* | libstdc++.so.*)
                        grep -q 'NEEDED.*libasan' <<<"$(readelf -d "$bin")" || fail "$(basename "$bin") needs $lib" ;;
                *) fail "$(basename "$bin") needs $lib (not early-safe)" ;;
                esac
        done
        syms=$(nm -D "$bin")
        ! grep -qE ' U (sd_|json_|udev_|ini_parse)' <<<"$syms" ||
                fail "$(basename "$bin") calls into a main-system library: $(nm -D "$bin" | grep -E ' U (sd_|json_|udev_|ini_)')"
        echo "ok - $(basename "$bin"): $(echo $needed)"
done
# The journal is in the main-system programs, not lost: the watchdog and
# lastgood-apply send events and log lines through libsystemd.
for bin in "$B/lastgood-watchdog" "$B/lastgood-apply" "$B/lastgoodctl"; do
        # (grep -q on a pipe would stop nm early: SIGPIPE, a failed pipeline)
        syms=$(nm -D "$bin")
        grep -q ' U sd_journal_sendv' <<<"$syms" || fail "$(basename "$bin") has no journal sink"
done
echo "ok - the main-system programs keep the journal"
