#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: a security agent's content update crashes a Debian 12 host at
# every boot (the July 2024 pattern), and lastgood brings it back with the
# agent running on its last good content -- told boot by boot.
#
#   tests/e2e/demo.sh            on a fresh Debian 12 machine (as root):
#                                installs the packages of .ci/packages, builds
#                                lastgood, builds the guest, runs the demo
#   tests/e2e/demo.sh --no-setup uses an existing build ($top_builddir)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"

if [[ "${1:-}" != --no-setup && -z "${top_builddir:-}" ]]; then
        [[ $(id -u) == 0 ]] || { echo "demo: run as root (it installs packages and uses chroot)" >&2; exit 1; }
        echo "== Installing the packages lastgood and its test rig need (Debian archive only)"
        # shellcheck disable=SC2046
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(grep -v '^#' "$top_srcdir/.ci/packages") >/dev/null
        echo "== Building lastgood"
        (cd "$top_srcdir" && autoreconf -fi >/dev/null 2>&1)
        top_builddir="$top_srcdir/build-demo"
        mkdir -p "$top_builddir"
        (cd "$top_builddir" && { [[ -f Makefile ]] || "$top_srcdir/configure" -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var; } &&
                make -s -j2 >/dev/null)
fi
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$here/lib.sh"

say() { printf '%s\n' "$*"; }
narrate_boot() {
        local what="$1"
        say ""
        say "---- Boot $E2E_BOOTN: $what"
        case "$E2E_RESULT" in
        panic) say "     The kernel PANICKED after $E2E_BOOT_SECS s." ;;
        poweroff) say "     The host booted to multi-user and shut down cleanly ($E2E_BOOT_SECS s)." ;;
        *) say "     The boot ended: $E2E_RESULT." ;;
        esac
        local l
        l=$(grep -a 'fakeagent: crashing on\|fakeagent-push: pushing' "$E2E_LOG" | sed 's/^\[[ 0-9.]*\] //' | sort -u || true)
        [[ -n "$l" ]] && say "     What happened:" && sed 's/^/       /' <<<"$l"
        l=$(e2e_serial_lastgood)
        if [[ -n "$l" ]]; then
                say "     lastgood in the initramfs (console):"
                sed 's/^/       /' <<<"$l"
        fi
        if [[ "$E2E_RESULT" == poweroff ]]; then
                say "     Agent: $(e2e_report fakeagent), content loaded: $(e2e_report fakeagent_content)"
                local w
                w=$(e2e_withheld)
                [[ -n "$w" ]] && say "     Withheld this boot (kind:name:reason):" && sed 's/^/       /' <<<"$w"
        fi
        say "     lastgood's record in NVRAM now: $(e2e_state_line)"
}

e2e_begin demo
GOOD=$'fakeagent rules v1\nstatus=good\n'
BAD=$'fakeagent rules v2\nLGBAD-CONTENT\n'

say "lastgood demo: a bad security-agent content update, a crash loop, and the way back."
say "Guest: Debian 12, kernel $E2E_KVER, UEFI firmware (OVMF) with persistent NVRAM, under QEMU."
say "The guest runs 'fakeagent', a stand-in security agent declared to lastgood in"
say "/etc/lastgood/agents.d/fakeagent.conf with OnSafeMode=rollback."
e2e_new_guest demo
e2e_seal

e2e_boot
narrate_boot "a normal boot; lastgood records it as the last known good once it is healthy and shut down cleanly"

say ""
say "==> The agent's vendor pushes content update rules-001.dat v2 while the agent runs. It is bad."
e2e_img_put_text /opt/fakeagent/pending/rules-001.dat "$BAD"
crashes=0
while :; do
        e2e_boot
        if [[ "$E2E_RESULT" == panic ]]; then
                crashes=$((crashes + 1))
                narrate_boot "crash $crashes"
                [[ $crashes -le 4 ]] || { say "Still crashing: lastgood did not recover this host."; exit 1; }
        else
                narrate_boot "the recovery boot: safe mode, level 1"
                break
        fi
done
say ""
say "==> After $crashes crashes lastgood started the host in safe mode. It did not switch the"
say "    agent off: it rolled its content back to the last good copy and kept the bad file."
say "    Content file now on the host: $(e2e_img_cat /opt/fakeagent/content/rules-001.dat | tr '\n' ' ')"
q="$E2E_GUEST_DIR/var-lib-lastgood"
mkdir -p "$q"
debugfs -R "rdump /var/lib/lastgood $q" "$IMG" >/dev/null 2>&1 || true
say "    Files holding the bad content under /var/lib/lastgood (the quarantine):"
grep -rla LGBAD-CONTENT "$q" 2>/dev/null | sed "s|^$q|       /var/lib|" || say "       (none found)"

e2e_boot
narrate_boot "the next boot: back to normal, the bad content still withheld"

say ""
say "==> lastgood's journal entries on the host (read back from its disk image):"
e2e_journal_messages | sed 's/^/    /'
say ""
if [[ "$E2E_RESULT" == poweroff && "$(e2e_report fakeagent)" == active ]] &&
   [[ "$(e2e_img_cat /opt/fakeagent/content/rules-001.dat)" == "${GOOD%$'\n'}" ]]; then
        say "Result: the host recovered by itself in $((crashes + 1)) boots; the agent runs on its last good content."
else
        say "Result: the host did NOT recover as expected."
        exit 1
fi
