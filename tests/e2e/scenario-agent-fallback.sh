#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario agent-fallback (issue 21): a security agent crashes the kernel
# from its own process, as a sensor in eBPF mode does on a kernel it
# mishandles: no module of its, no content change, only its binary was
# upgraded. The agent (fakeagent) has OnSafeMode=fallback with
# FallbackUnits=fakeagent-fallback.service. The crash log names the agent
# by its process (the crashing task, Comm: fakeagent); the next boot starts
# the fallback unit instead of the agent's own (the guest becomes healthy
# with the agent active in its fallback); nothing is disabled, and
# `lastgoodctl status` says the agent runs in its fallback.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin agent-fallback
# The crash log must reach NVRAM (efi_pstore, off by default in Debian's
# kernel); no pvpanic device, whose notifier would end QEMU before the
# kernel dumps the log (as in scenario crash-log-fast-path).
ARGS=(--no-pvpanic efi_pstore.pstore_disable=0)

e2e_phase "image"
e2e_new_guest agentfb
cat >"$G/etc/lastgood/agents.d/fakeagent.conf" <<'EOF'
[Agent]
Units=fakeagent.service
Content=/opt/fakeagent/content/*
OnSafeMode=fallback
FallbackUnits=fakeagent-fallback.service
EOF
install -m 0644 "$E2E_DIR/guest/fakeagent-fallback.service" "$G/etc/systemd/system/"
printf 'efi_pstore\n' >"$G/etc/modules-load.d/00-e2e-pstore.conf"
# The upgraded binary rides along; the guest installs it as a package would.
sed 's/^FAKEAGENT_VERSION=1$/FAKEAGENT_VERSION=2-crash/' "$E2E_DIR/guest/fakeagent" >"$G/opt/fakeagent/fakeagent-v2"
chmod 0755 "$G/opt/fakeagent/fakeagent-v2"
grep -q '^FAKEAGENT_VERSION=2-crash$' "$G/opt/fakeagent/fakeagent-v2" || e2e_die "no crashing version of the agent"
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good, then the agent's binary is upgraded"
# After the proof: the upgrade, and the package hook's arm, then an orderly
# poweroff (the change came after healthy: the next boot counts).
e2e_run_after_wait 'install -m 0755 /opt/fakeagent/fakeagent-v2 /usr/local/sbin/fakeagent
lastgoodctl arm'
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_assert_eq "the agent runs" active "$(e2e_report fakeagent)"
e2e_assert_eq "its fallback does not" inactive "$(e2e_report fakeagent_fallback)"
e2e_phase_end

e2e_phase "boot: the upgraded agent crashes the kernel from its own process"
e2e_boot_expect panic "${ARGS[@]}"
e2e_show_boot
e2e_assert "the agent's own process crashed the kernel" \
        e2e_serial_grep -q 'Comm: fakeagent'
e2e_assert "no module of the agent's in the log" \
        bash -c "! grep -aq 'Modules linked in:.*(O' '$E2E_LOG'"
e2e_phase_end

e2e_phase "boot: the agent's fallback runs instead"
e2e_boot "${ARGS[@]}"
e2e_show_boot
[[ "$E2E_RESULT" == poweroff ]] || e2e_die "fallback boot: expected poweroff, got $E2E_RESULT"
e2e_assert "the crash log named the agent by its process (serial)" \
        e2e_serial_grep -q 'crash log names agent fakeagent'
e2e_assert_eq "fallback boot became healthy" yes "$(e2e_report healthy)"
e2e_assert_eq "the agent's own unit does not run" inactive "$(e2e_report fakeagent)"
e2e_assert_eq "the agent runs in its fallback" active "$(e2e_report fakeagent_fallback)"
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: level in force" 1 "$(e2e_json level <<<"$gs")"
e2e_assert "guest status: the agent's unit withheld on the crash log's word" \
        grep -q '^unit:fakeagent.service:crash-log$' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert "journal: the crash log named the agent" \
        grep -q '"LASTGOOD_ITEM":"fakeagent"' <<<"$(e2e_journal_events culprit)"
e2e_assert "journal: the agent runs in its fallback" \
        grep -q 'Agent fakeagent runs in its fallback' <<<"$(e2e_journal_events withheld)"
e2e_phase_end

e2e_phase "next boot: still in its fallback, status says so"
e2e_run_next_boot 'lastgoodctl status | sed "s/^/E2E: st: /"'
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_assert_eq "the agent runs in its fallback" active "$(e2e_report fakeagent_fallback)"
e2e_assert "status says the agent runs in its fallback" \
        e2e_serial_grep -q 'Fallback: agent fakeagent runs in its fallback'
e2e_assert_eq "status --json names the agent in its fallback" fakeagent \
        "$(e2e_json fallback.0.agent <<<"$(e2e_guest_status)")"
e2e_assert_eq "not armed" false "$(e2e_state armed)"
e2e_phase_end
