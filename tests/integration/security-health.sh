#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Health checks run as root (issue 10, attack 11): one that another user
# could replace is not run. A check owned by another user, one writable by
# group or others, a symlink to a script the agent's user owns, and a
# health.d that is itself a symlink: each fails --check with the reason,
# and its code never runs. A root-owned 0755 check still runs.
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

wd_setup_root
H="$ROOT/etc/lastgood/health.d"
mkdir -p "$H"
chmod 0755 "$T" "$ROOT" "$ROOT/etc" "$ROOT/etc/lastgood" "$H"
AGENT_UID=65534
if [ "$(id -u)" = 0 ]; then
        as_agent() { setpriv --reuid=$AGENT_UID --regid=$AGENT_UID --clear-groups -- "$@"; }
else
        as_agent() { "$@"; }
fi
PWNED="$T/pwned"
mkcheck() { # NAME [MODE]
        printf '#!/bin/sh\necho ran >>"%s.%s"\nexit 0\n' "$PWNED" "$1" >"$H/$1"
        chmod "${2:-0755}" "$H/$1"
}
check() { # EXPECTED-RC
        local rc=0
        "$WD" --root="$ROOT" --kernel-release="$KVER" --check --check-timeout-sec=5 \
                --bus-address=unix:path=/nonexistent 2>"$T/check.log" || rc=$?
        [ "$rc" = "$1" ] || fail "--check exited $rc, not $1: $(cat "$T/check.log")"
}

mkcheck good
check 0
[ -e "$PWNED.good" ] || fail "a root-owned 0755 check did not run"
echo "ok: a safe check runs"

rm -f "$H"/*
mkcheck groupw 0775
check 1
grep -q "Health check groupw not run: it is writable by group or others" "$T/check.log" || fail "no reason: $(cat "$T/check.log")"
[ ! -e "$PWNED.groupw" ] || fail "a group-writable check ran"
echo "ok: group-writable check refused"

if [ "$(id -u)" = 0 ]; then
        rm -f "$H"/*
        mkcheck foreign
        chown $AGENT_UID "$H/foreign"
        check 1
        grep -q "Health check foreign not run: it is not owned by root" "$T/check.log" || fail "no reason: $(cat "$T/check.log")"
        [ ! -e "$PWNED.foreign" ] || fail "a check owned by another user ran"
        echo "ok: foreign-owned check refused"
fi

# The agent's user owns a script elsewhere; a symlink to it in health.d.
rm -f "$H"/*
mkdir -p "$T/agent"
chmod 0755 "$T/agent"
printf '#!/bin/sh\necho ran >>"%s.link"\nexit 0\n' "$PWNED" >"$T/agent/check"
chmod 0755 "$T/agent/check"
[ "$(id -u)" = 0 ] && chown -R $AGENT_UID "$T/agent"
ln -s "$T/agent/check" "$H/link"
check 1
grep -q "Health check link not run: it is a symlink" "$T/check.log" || fail "no reason: $(cat "$T/check.log")"
[ ! -e "$PWNED.link" ] || fail "a symlinked check ran"
echo "ok: symlinked check refused"

# health.d itself a symlink to the agent's folder.
rm -rf "$H"
ln -s "$T/agent" "$H"
check 1
grep -q "Health checks could not run" "$T/check.log" || fail "no reason: $(cat "$T/check.log")"
[ ! -e "$PWNED.link" ] || fail "a check in a symlinked health.d ran"
echo "ok: symlinked health.d refused"
