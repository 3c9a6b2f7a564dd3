#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon killed (SIGKILL) after every step of the proven write: what is
# on disk is always either the old or the new last known good, never a
# mix, the records follow the files in order (cold record before the
# switch, hot record last), and the next proven write completes it.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"
. "$top_srcdir/tests/integration/store-lib.sh"

LIB="$ROOT/var/lib/lastgood"
C="$ROOT/etc/falco/rules.d"

prepare() {
        rm -rf "$ROOT"
        wd_setup_root
        # The old last known good: a and b, version 1.
        state_set armed=1 tries=1 boot_seq=4
        "$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "first proven write"
        state_has armed=0 tries=0 || fail "first proven write not recorded"
        # This boot: a changed, c new, d changed and withheld (its agent's
        # policy kept it in place).
        echo "rule: one, version 2" >"$C/a.yaml"
        echo "rule: three" >"$C/c.yaml"
        echo "rule: bad" >"$C/d.yaml"
        printf 'content\t/etc/falco/rules.d/d.yaml\tchanged\tfalco\n' >"$ROOT/run/lastgood/withheld"
        printf 'LEVEL=1\nMODE=auto\nTRIES=2\nTHRESHOLD=2\nBOOT_SEQ=5\nSTAGE=pre-switch\n' >"$ROOT/run/lastgood/decision"
        state_set armed=1 tries=0 level=1 boot_seq=5 unproven=1
}

# files_state: old | new | mixed (manifest and content copies together).
files_state() {
        local m="$LIB/manifest" d=/etc/falco/rules.d
        local old=0 new=0 ca cb cc cd
        ca=$(lastgood_copy "$ROOT" falco $d/a.yaml) cb=$(lastgood_copy "$ROOT" falco $d/b.yaml)
        cc=$(lastgood_copy "$ROOT" falco $d/c.yaml) cd=$(lastgood_copy "$ROOT" falco $d/d.yaml)
        if [ -r "$m" ] && grep -q "c.yaml" "$m"; then new=$((new + 1)); else old=$((old + 1)); fi
        if [ -e "$cc" ]; then new=$((new + 1)); else old=$((old + 1)); fi
        if [ -e "$ca" ] && grep -q "version 2" "$ca"; then new=$((new + 1)); else old=$((old + 1)); fi
        # Invariants of both: b is there (and its copy), d (withheld) is
        # never a last good copy, and the store lacks no file an index names.
        [ -r "$m" ] && grep -q "b.yaml" "$m" || { echo mixed; return; }
        grep -q "rule: two" "$cb" || { echo mixed; return; }
        grep -q "d.yaml" "$m" && { echo mixed; return; }
        [ -e "$cd" ] && { echo mixed; return; }
        store_check "$ROOT" >&2 || { echo mixed; return; }
        if [ $new = 3 ]; then echo new; elif [ $old = 3 ]; then echo old; else echo "mixed($old/$new)"; fi
}
quar_state() { if [ -e "$(QUAR_VAR)" ] && grep -qa "d.yaml" "$(QUAR_VAR)"; then echo new; else echo old; fi; }
hot_state() {
        if state_has armed=0 tries=0 unproven=0 level=0 2>/dev/null; then echo new
        elif state_has armed=1 level=1 unproven=1 2>/dev/null; then echo old
        else echo "mixed($(state_get))"; fi
}
live_intact() {
        grep -q "version 2" "$C/a.yaml" && grep -q "rule: two" "$C/b.yaml" && grep -q "three" "$C/c.yaml" &&
                grep -q "bad" "$C/d.yaml"
}

# The store holds exactly the files the kept generations name.
store_exact() {
        local n_store n_named
        n_store=$(find "$LIB/store" -type f | wc -l)
        n_named=$(cat "$LIB"/generations/*/copies | awk '$1 != "lastgood-copies" && $1 != "end" { print $1 }' | sort -u | wc -l)
        [ "$n_store" = "$n_named" ] || fail "$1: $n_store store files for $n_named named"
}

for step in 1 2 3 4 5 6 7 8; do
        prepare
        rc=0
        "$WD_TEST" --root="$ROOT" --kernel-release="$KVER" --prove-now --crash-after-step=$step 2>>"$T/daemon.log" || rc=$?
        [ $rc = 137 ] || fail "step $step: expected death by SIGKILL, exit $rc"
        f=$(files_state) q=$(quar_state) h=$(hot_state)
        echo "killed after step $step: files=$f cold=$q hot=$h"
        case "$f" in old | new) ;; *) fail "step $step: files $f" ;; esac
        case "$h" in old | new) ;; *) fail "step $step: hot record $h" ;; esac
        # Order: cold record before the switch, hot record last.
        [ "$f" = old ] || [ "$q" = new ] || fail "step $step: switched before the cold record"
        [ "$h" = old ] || [ "$f" = new ] || fail "step $step: hot record before the files"
        live_intact || fail "step $step: live content touched"
        # The next proven write finishes the job.
        "$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "step $step: recovery"
        [ "$(files_state)" = new ] && [ "$(quar_state)" = new ] && [ "$(hot_state)" = new ] ||
                fail "step $step: not new after recovery: $(files_state) $(quar_state) $(hot_state)"
        live_intact || fail "step $step: live content touched by recovery"
        # No temporary generation is left behind.
        ! ls "$LIB/generations" | grep tmp >/dev/null || fail "step $step: temporary generation left"
        # The store holds what the two kept generations name and nothing
        # else (copies put by the killed run and named by no generation
        # are gone).
        store_check "$ROOT" || fail "step $step: the store lacks a copy"
        store_exact "step $step"
        # A third generation: the copy of a.yaml version 1, named only by
        # the generation that goes, leaves the store.
        # (After a kill past the switch, the recovery's generation is the
        # same as the one before: then version 2 is that copy, and stays.)
        gens=$(ls "$LIB/generations" | sort -n | tr '\n' ' ')
        old_a=$(awk '$3 == "/etc/falco/rules.d/a.yaml" { print $1 }' "$LIB/generations/${gens%% *}/copies")
        [ -e "$LIB/store/${old_a:0:2}/$old_a" ] || fail "step $step: no copy of the oldest a.yaml"
        grep -q "version 2" "$LIB/store/${old_a:0:2}/$old_a" && old_a=none
        echo "rule: one, version 3" >"$C/a.yaml"
        state_set armed=1 tries=1 boot_seq=6
        "$WD" --root="$ROOT" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "step $step: third"
        [ "$(ls "$LIB/generations" | wc -l)" = 2 ] || fail "step $step: generations $(ls "$LIB/generations")"
        [ ! -e "$LIB/store/${old_a:0:2}/$old_a" ] || fail "step $step: a.yaml version 1 still in the store"
        grep -q "version 3" "$(lastgood_copy "$ROOT" falco /etc/falco/rules.d/a.yaml)" || fail "step $step: no version 3"
        store_check "$ROOT" || fail "step $step: the store lacks a copy after the third"
        store_exact "step $step, third"
        echo "rule: one, version 2" >"$C/a.yaml"
done
echo OK
