#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package from a clean clone: `git clone` of the source tree
# (the dist tree when there is no git, as in `make distcheck`), then
# `dpkg-buildpackage -us -uc -b`, then lintian (no error), and the package's
# contents: programs, units, generator, hooks, man pages, completion,
# triggers and maintainer scripts.
#
# dh builds inside the source tree (config.status and config.h at its top),
# where `make check` once failed (layers.sh took the top for a layer) while
# every out-of-tree build passed. The package's whole test step is the
# suite this `make check` runs already, out of tree: run again in tree it
# costs as much again (13 minutes measured for the full
# `dpkg-buildpackage -us -uc -b` on a loaded 2-core machine), more than the
# suite's time budget allows. So the package is built with nocheck, and then
# dh's own test step (dh_auto_test, as debian/rules runs it: serial) runs in
# that in-tree build on the tests that read the tree itself: the layering,
# the man pages against --help, the catalog, a unit test. With
# LASTGOOD_DEB_FULL_CHECK=1 the build is the README's command as written,
# tests included.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
for tool in dpkg-buildpackage dh lintian; do
        command -v "$tool" >/dev/null || fail "$tool is needed (apt-get install dpkg-dev debhelper lintian)"
done

echo "== a clean clone"
# A git work tree whose top is the source tree (the dist tree of `make
# distcheck` lies inside the build tree of a clone: git would find that).
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
        git clone -q "$top_srcdir" "$T/lastgood"
        echo "   cloned $(git -C "$T/lastgood" log -1 --format=%h)"
else
        cp -a "$top_srcdir" "$T/lastgood"
        chmod -R u+w "$T/lastgood"
        echo "   copied the dist tree (no git)"
fi

echo "== dpkg-buildpackage -us -uc -b"
# As from a shell: nothing of this make's command line (MAKEFLAGS carries
# TESTS=, -j) may reach the package's own make.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
opts="nocheck parallel=2"
[ "${LASTGOOD_DEB_FULL_CHECK:-0}" = 0 ] || opts="parallel=2"
(cd "$T/lastgood" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 || {
        tail -n 40 "$T/build.log" >&2
        fail "dpkg-buildpackage failed"
}
# Debian's hardening flags (dpkg-buildflags) add warnings of their own
# (-Wunused-result with _FORTIFY_SOURCE): the build stays free of them.
if grep -E '\.[ch]:[0-9]+:[0-9]+: warning:' "$T/build.log" >&2; then fail "the package build has compiler warnings"; fi
# The build was dh's: inside the source tree.
[ -x "$T/lastgood/config.status" ] && [ -f "$T/lastgood/config.h" ] || fail "dh did not configure in the source tree"

echo "== dh_auto_test in dh's in-tree build"
if [ "${LASTGOOD_DEB_FULL_CHECK:-0}" = 0 ]; then
        intree="tests/integration/layers.sh tests/integration/man-pages.sh tests/integration/catalog.sh tests/unit/test-log"
        (cd "$T/lastgood" && dh_auto_test --no-parallel -- TESTS="$intree") >"$T/test.log" 2>&1 || {
                tail -n 40 "$T/test.log" >&2
                for t in $intree; do [ ! -f "$T/lastgood/$t.log" ] || tail -n 20 "$T/lastgood/$t.log" >&2; done
                fail "dh_auto_test in the in-tree build failed"
        }
else
        cp "$T/build.log" "$T/test.log"
fi
grep -q "^# FAIL: *0$" "$T/test.log" && grep -q "^# ERROR: *0$" "$T/test.log" || fail "dh's test step: $(grep '^# ' "$T/test.log")"
grep -q "^PASS: tests/integration/layers.sh" "$T/test.log" || fail "layers.sh did not pass in the in-tree build: $(grep -E "^[A-Z]+: |^# " "$T/test.log")"
echo "   $(grep '^# PASS:' "$T/test.log")"
deb=$(ls "$T"/lastgood_*_*.deb)
[ -f "$deb" ] || fail "no lastgood_*.deb"
echo "   $(basename "$deb")"

echo "== lintian"
lintian --allow-root "$T"/lastgood_*.changes >"$T/lintian.log" 2>&1 || true
sed 's/^/   /' "$T/lintian.log"
if grep -q '^E: ' "$T/lintian.log"; then fail "lintian reports errors"; fi
grep -q '^[EW]: \|^I: \|^$' "$T/lintian.log" || [ ! -s "$T/lintian.log" ] || fail "lintian did not run: $(cat "$T/lintian.log")"

echo "== contents"
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/sbin/lastgoodctl /usr/sbin/lastgood-early /usr/libexec/lastgood/lastgood-watchdog \
        /usr/libexec/lastgood/lastgood-apply /usr/libexec/lastgood/arm-hook \
        /etc/kernel/postinst.d/zz-lastgood /usr/share/initramfs-tools/hooks/lastgood \
        /usr/share/initramfs-tools/scripts/init-top/lastgood /usr/lib/dracut/modules.d/90lastgood/module-setup.sh \
        /usr/lib/systemd/catalog/lastgood.catalog /usr/share/bash-completion/completions/lastgoodctl \
        /usr/share/zsh/vendor-completions/_lastgoodctl /usr/share/lastgood/schemas/lastgoodctl.schema.json \
        /usr/share/man/man7/lastgood.7.gz /usr/share/man/man8/lastgoodctl.8.gz \
        /usr/share/man/man8/lastgood-early.8.gz /usr/share/man/man8/lastgood-watchdog.8.gz \
        /usr/share/man/man8/lastgood-generator.8.gz /usr/share/man/man5/lastgood.conf.5.gz \
        /usr/share/man/man5/lastgood-agents.d.5.gz /usr/share/man/man5/lastgood-deny.d.5.gz \
        /usr/share/doc/lastgood/README.Debian; do
        grep -qx "$f" "$T/files" || fail "$f not in the package"
done
for u in lastgood-watchdog.service lastgood-check.service lastgood-apply.service; do
        grep -qE "^(/usr)?/lib/systemd/system/$u$" "$T/files" || fail "$u not in the package"
done
grep -qE "^(/usr)?/lib/systemd/system-generators/lastgood-generator$" "$T/files" || fail "generator not in the package"
dpkg-deb -x "$deb" "$T/x"
"$T/x/usr/sbin/lastgoodctl" --version | grep "^lastgoodctl " >/dev/null || fail "packaged lastgoodctl --version"
# The arm hook's default lastgoodctl is the packaged one.
grep -q '/usr/sbin/lastgoodctl' "$T/x/usr/libexec/lastgood/arm-hook" || fail "arm-hook does not know /usr/sbin"
grep -q '/usr/libexec/lastgood/arm-hook' "$T/x/etc/kernel/postinst.d/zz-lastgood" || fail "zz-lastgood path"

echo "== triggers and maintainer scripts"
dpkg-deb -e "$deb" "$T/ctl"
for t in "interest-noawait /lib/modules" "interest-noawait /usr/src" "activate-noawait update-initramfs"; do
        grep -qx "$t" "$T/ctl/triggers" || fail "trigger '$t' missing"
done
grep -qx /etc/kernel/postinst.d/zz-lastgood "$T/ctl/conffiles" || fail "zz-lastgood is not a conffile"
for s in postinst postrm prerm; do
        sh -n "$T/ctl/$s" || fail "$s: syntax"
done
grep -q "deb-systemd-helper enable 'lastgood-watchdog.service'" "$T/ctl/postinst" || fail "watchdog not enabled"
grep -q "deb-systemd-helper enable 'lastgood-check.service'" "$T/ctl/postinst" || fail "check unit not enabled"
grep -q '/usr/libexec/lastgood/arm-hook' "$T/ctl/postinst" || fail "postinst does not arm on trigger"
# remove keeps the state, purge removes it.
awk '/"\$1" = purge/,/^fi/' "$T/ctl/postrm" | grep 'rm -rf /var/lib/lastgood' >/dev/null || fail "purge keeps /var/lib/lastgood"
awk '/"\$1" = purge/,/^fi/' "$T/ctl/postrm" | grep 'LastGoodState' >/dev/null || fail "purge keeps the EFI records"
if sed '/"\$1" = purge/,/^fi/d; /^ *#/d' "$T/ctl/postrm" | grep '/var/lib/lastgood' >/dev/null ; then
        fail "postrm touches /var/lib/lastgood outside purge"
fi
echo OK
