# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared part of the security-*.sh tests (sourced, after lib-generator.sh
# or watchdog-lib.sh): the hostile agent's user.

# as_agent CMD...: CMD as the agent's unprivileged user (nobody, when the
# test runs as root; else the test's own user).
AGENT_UID=65534
if [ "$(id -u)" = 0 ]; then
        as_agent() { setpriv --reuid=$AGENT_UID --regid=$AGENT_UID --clear-groups -- "$@"; }
else
        AGENT_UID=$(id -u)
        as_agent() { "$@"; }
fi

# agent_root DIR...: the test root of lib-generator.sh, searchable by the
# agent's user, who owns DIR... (its content folders and those above).
agent_root() {
        make_root
        chmod 0755 "$T" "$R" "$R/etc" "$R/opt"
        chown -R $AGENT_UID "$@"
}

# cpu_ms CMD...: run CMD (its output in $T/cpu.out), print the CPU time it
# took in ms (user + system: the machine's load does not count, so a bound
# on it holds beside the suite's guests and under ASan's nice).
cpu_ms() {
        local TIMEFORMAT='%3U %3S' t rc=0
        t=$({ time "$@" >"$T/cpu.out" 2>&1; } 2>&1) || rc=$?
        [ "$rc" = 0 ] || return "$rc"
        echo "$t" | awk '{ printf "%d\n", ($1 + $2) * 1000 }'
}
# cpu_ms_of PID: the CPU time a running process has used so far, in ms.
cpu_ms_of() {
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%d\n", ($12 + $13) * 1000 / hz }' "/proc/$1/stat"
}
