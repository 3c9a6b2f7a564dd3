#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The man pages: each renders with `man --warnings` at 80 columns without a
# warning; every option (and every lastgoodctl command) of each program's
# --help appears in its page; every program has --version; every
# Documentation= of the units and every catalog link resolves to a page of
# this project or of the system; the README names only pages that exist and
# points at nothing outside the repository.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
B=$top_builddir
M=$B/man
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export LANG=C.UTF-8 LC_ALL=C.UTF-8
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
CHECKS=0
check() { CHECKS=$((CHECKS + 1)); }

PAGES="lastgood.7 lastgoodctl.8 lastgood-early.8 lastgood-watchdog.8 lastgood-generator.8 lastgood.conf.5 lastgood-agents.d.5
        lastgood-deny.d.5"

echo "== rendering without warnings"
for p in $PAGES; do
        [ -s "$M/$p" ] || fail "$p not built"
        MANWIDTH=80 man --warnings -l "$M/$p" >"$T/$p.txt" 2>"$T/$p.err" || fail "man -l $p failed"
        [ ! -s "$T/$p.err" ] || fail "$p: $(cat "$T/$p.err")"
        [ "$(wc -l <"$T/$p.txt")" -gt 20 ] || fail "$p renders almost nothing"
        [ "$(wc -L <"$T/$p.txt")" -le 80 ] || fail "$p has lines over 80 columns"
        # Wide rendering for the option checks: no hyphenation breaks a word.
        MANWIDTH=400 man -l "$M/$p" 2>/dev/null | sed 's/‐/-/g; s/−/-/g' >"$T/$p.wide"
        check
done
grep -q "^NAME" "$T/lastgood.7.txt" || fail "no NAME section"

# help_options PROGRAM: the long and short options of its --help.
help_options() {
        "$1" --help | grep -oE '(^|[ ,[])(--[a-z][a-z-]*|-[a-zA-Z])\b' | sed 's/^[ ,[]//' | sort -u
}
expect_options() { # PROGRAM PAGE
        local o n=0
        for o in $(help_options "$1"); do
                grep -qF -e "$o" "$T/$2.wide" || fail "option $o of $(basename "$1") --help is not in $2"
                n=$((n + 1))
                check
        done
        [ "$n" -ge 3 ] || fail "$(basename "$1"): only $n options found in --help"
        echo "   $(basename "$1"): $n options in $2"
}
echo "== every option of --help is in the page"
expect_options "$B/lastgoodctl" lastgoodctl.8
expect_options "$B/lastgood-early" lastgood-early.8
expect_options "$B/lastgood-watchdog" lastgood-watchdog.8
expect_options "$B/lastgood-generator" lastgood-generator.8
expect_options "$B/lastgood-apply" lastgood-generator.8
# lastgoodctl's commands, each with a paragraph of its own.
for v in $("$B/lastgoodctl" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }'); do
        grep -qE "^ {7}$v( |$)" "$T/lastgoodctl.8.wide" || fail "command $v not described in lastgoodctl.8"
        check
done
# lastgood-early's stages.
for v in pre-udev pre-switch arm-if-changed; do
        grep -qE "^ {7}$v( |$)" "$T/lastgood-early.8.wide" || fail "stage $v not described in lastgood-early.8"
        check
done

echo "== --version on every program"
for prog in lastgoodctl lastgood-early lastgood-watchdog lastgood-generator lastgood-apply; do
        out=$("$B/$prog" --version) || fail "$prog --version failed"
        [[ "$out" =~ ^$prog\ [0-9][0-9.a-z~+-]*$ ]] || fail "$prog --version: '$out'"
        check
done

# resolve man:NAME(S): a page of this project or of the system.
resolve() {
        local ref=$1 name sec
        [[ "$ref" =~ ^man:([A-Za-z0-9._-]+)\(([0-9])\)$ ]] || fail "not a man: link: '$ref'"
        name=${BASH_REMATCH[1]}
        sec=${BASH_REMATCH[2]}
        [ -f "$M/$name.$sec" ] || man -w "$sec" "$name" >/dev/null 2>&1 || fail "$ref does not resolve"
        check
}
echo "== Documentation= of the units and the catalog's links"
n=0
for u in "$B"/units/*.service; do
        for ref in $(sed -n 's/^Documentation=//p' "$u"); do
                resolve "$ref"
                n=$((n + 1))
        done
done
for ref in $(sed -n 's/^Documentation: *//p' "$top_srcdir/units/lastgood.catalog"); do
        resolve "$ref"
        n=$((n + 1))
done
[ "$n" -ge 15 ] || fail "only $n links found"
echo "   $n links resolve"
# Every page's SEE ALSO names pages that exist.
for p in $PAGES; do
        for ref in $(sed -n '/^SEE ALSO/,/^[A-Z]/p' "$T/$p.wide" | grep -oE '[A-Za-z0-9._-]+\([0-9]\)'); do
                resolve "man:$ref"
        done
done

echo "== the README"
R=$top_srcdir/README.md
if grep -nE 'shared folder|\.\./shared|/work/|DESIGN\.md' "$R"; then fail "README points outside the repository"; fi
check
for ref in $(grep -oE '\b(lastgood[a-z.-]*)\([0-9]\)' "$R" | sort -u); do
        resolve "man:$ref"
done
grep -q 'lastgood(7)' "$R" || fail "README does not name lastgood(7)"
# Relative links of the README resolve inside the repository.
for l in $(grep -oE '\]\([^)#]+\)' "$R" | sed 's/^](//; s/)$//' | grep -v '^[a-z]*:' || true); do
        [ -e "$top_srcdir/$l" ] || fail "README links $l, which does not exist"
        check
done
echo "ok: $CHECKS checks"
