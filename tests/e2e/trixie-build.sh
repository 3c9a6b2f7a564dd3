#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package as a Debian 13 (trixie) developer builds it: a trixie
# minbase root (debootstrap) with the build dependencies debian/control
# declares (apt-get build-dep), `dpkg-buildpackage -us -uc -b` (as root, as the project CI)
# with the package's tests (make check without QEMU: debian/rules
# configures --disable-e2e), then trixie's lintian. The compiler must not
# warn with the flags dpkg sets there (gcc 14, hardening=+all), and lintian
# must report no error and no warning. No QEMU: needs root (debootstrap,
# chroot) and the Debian archive; the root and the build are cached by
# their inputs in the e2e cache, and scenario-trixie.sh boots this package.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# A build beside the guests of the suite (check-e2e runs it first): it
# takes the CPU time they leave, so that no boot of theirs runs late.
renice -n 10 -p $$ >/dev/null 2>&1 || true
E2E_RELEASE=trixie
E2E_T0=$(date +%s)
E2E_TEST=trixie-build
e2e_require_root
command -v debootstrap >/dev/null || e2e_die "missing host tool debootstrap (see .ci/packages)"

[[ "${LASTGOOD_E2E_DEB_NOCHECK:-0}" != 1 ]] || e2e_die "LASTGOOD_E2E_DEB_NOCHECK=1: this test is the build with tests"
e2e_release_deb trixie
L="$E2E_LG_DEB_DIR/build.log"
e2e_log "build root $E2E_BUILDROOT, build in $E2E_LG_DEB_DIR"

e2e_assert "the build root is Debian 13" grep -qx '13\(\..*\)\?' "$E2E_BUILDROOT/etc/debian_version"
gccv=$(chroot "$E2E_BUILDROOT" gcc -dumpversion)
e2e_assert "the build root's compiler is gcc 14 or later ($gccv)" test "${gccv%%.*}" -ge 14
e2e_assert "the package was built: $(basename "$E2E_LG_DEB")" test -s "$E2E_LG_DEB"
e2e_assert "it depends on trixie's libraries (libefivar1t64)" \
        grep -q 'libefivar1t64' <<<"$(dpkg-deb -f "$E2E_LG_DEB" Depends)"
# The compiler ran with dpkg's flags (dh passes them; hardening=+all).
flags=$(chroot "$E2E_BUILDROOT" env DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
e2e_log "trixie's CFLAGS: $flags"
e2e_assert "the compiler ran with dpkg's hardening flags" \
        grep -q -- '-fstack-clash-protection.*-fcf-protection\|-fcf-protection.*-fstack-clash-protection' "$L"
e2e_assert "the build ran with -D_FORTIFY_SOURCE" grep -q -- '-D_FORTIFY_SOURCE=' "$L"
warnings=$(grep -E '^[^ ]+:[0-9]+:([0-9]+:)? warning:' "$L" || true)
[[ -z "$warnings" ]] || printf '%s\n' "$warnings" >&2
e2e_assert_eq "no compiler warning with trixie's flags" 0 "$(grep -c . <<<"$warnings" || true)"

# The package's tests ran (dh_auto_test: make check), and all passed.
e2e_assert "dh_auto_test ran make check" grep -q 'make.* check' "$L"
total=$(sed -n 's/^# TOTAL: *//p' "$L" | awk '{ s += $1 } END { print s + 0 }')
pass=$(sed -n 's/^# PASS: *//p' "$L" | awk '{ s += $1 } END { print s + 0 }')
e2e_log "make check in the trixie build: $pass passed of $total"
e2e_assert "make check ran the project's tests ($total)" test "$total" -ge 50
for k in FAIL ERROR XPASS SKIP; do
        e2e_assert_eq "make check: no test reported $k" 0 \
                "$(sed -n "s/^# $k: *//p" "$L" | awk '{ s += $1 } END { print s + 0 }')"
done
e2e_assert "no QEMU scenario in the package's tests" bash -c "! grep -q 'tests/e2e/scenario-' '$L'"

# trixie's lintian on the .changes (binary package and build info).
sed 's/^/  lintian| /' "$E2E_LG_DEB_DIR/lintian.log" >&2
e2e_assert_eq "lintian: no error, no warning (--fail-on error,warning)" 0 "$(cat "$E2E_LG_DEB_DIR/lintian.rc")"
e2e_assert "lintian: no E: or W: line" bash -c "! grep -qE '^[EW]: ' '$E2E_LG_DEB_DIR/lintian.log'"
e2e_log "$E2E_TEST passed: $E2E_CHECKS checks, $(( $(date +%s) - E2E_T0 )) s"
