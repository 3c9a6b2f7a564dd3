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
