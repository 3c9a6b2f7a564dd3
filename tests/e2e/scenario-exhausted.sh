#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario 6, exhausted: after an innocent third-party change (lgcrash
# "good2", so the counter is armed) the host crashes at every boot from an
# in-tree path (a unit writing c to /proc/sysrq-trigger). lastgood goes to
# level 1, level 2, then exhausted: it reports it and gets out of the way.
# The crash log (efi_pstore on) must not name the innocent changed module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin exhausted
THRESHOLD=2
ARGS=(--no-pvpanic efi_pstore.pstore_disable=0)

e2e_phase "image"
e2e_new_guest exh --module good --no-agent
printf 'efi_pstore\n' >"$G/etc/modules-load.d/00-e2e-pstore.conf"
e2e_seal
e2e_phase_end

e2e_phase "boot: last known good"
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_phase_end

e2e_phase "innocent change + in-tree crash at every boot"
e2e_img_module good2
e2e_img_put_text /etc/e2e/crash-every-boot yes
# Levels in force in each crashing boot: Threshold boots at 0, 1, 2, then 3.
expect=()
for lvl in 0 1 2; do for _ in $(seq 1 $THRESHOLD); do expect+=("$lvl"); done; done
expect+=(3)
n=0
for lvl in "${expect[@]}"; do
        n=$((n + 1))
        e2e_boot_expect panic "${ARGS[@]}"
        e2e_show_boot
        e2e_assert "crash $n: the in-tree crash" grep -aq 'sysrq: Trigger a crash' "$E2E_LOG"
        e2e_assert_eq "crash $n: level recorded for this boot" "$lvl" "$(e2e_state level)"
        e2e_assert "crash $n: no culprit named from a log that shows lgcrash only as linked" \
                bash -c "! grep -aiq 'lastgood:.*culprit.*lgcrash' '$E2E_LOG'"
        case "$lvl" in
        0) e2e_assert "crash $n (level 0): the changed module loads" grep -aq 'lgcrash: version good2 loading' "$E2E_LOG" ;;
        1) e2e_assert "crash $n (level 1): the changed module is withheld" \
                bash -c "! grep -aq 'lgcrash: version good2 loading' '$E2E_LOG'" ;;
        2) e2e_assert "crash $n (level 2): all third-party modules withheld" \
                bash -c "! grep -aq 'lgcrash: version' '$E2E_LOG'" ;;
        3) e2e_assert "crash $n (exhausted): lastgood says so on the console" grep -aqi 'lastgood:.*exhaust' "$E2E_LOG"
           e2e_assert "crash $n (exhausted): lastgood withholds nothing more" \
                grep -aq 'lgcrash: version good2 loading' "$E2E_LOG" ;;
        esac
done
e2e_phase_end
e2e_vars pstore "$VARS" >"$W/pstore.txt"
e2e_assert "NVRAM holds the last crash log (efi_pstore)" grep -aq 'sysrq triggered crash' "$W/pstore.txt"
# A sysrq crash is a panic(), not an oops: no "Modules linked in:" line.
# The log still shows the innocent module loaded and tainting the kernel,
# which is what could mislead an attribution.
e2e_assert "the crash log shows lgcrash loaded" grep -aq 'lgcrash: version good2 loading' "$W/pstore.txt"
e2e_assert "the crash log shows the kernel tainted out-of-tree (O)" \
        grep -aEq 'Tainted: [A-Z ]*O' "$W/pstore.txt"
crash_json=$("$E2E_LG_BUILD/lastgoodctl" crash --json "$W/pstore.txt" || true)
e2e_assert "lastgoodctl crash: the log does not name the innocent module" \
        test "$(e2e_json culprit <<<"$crash_json")" != lgcrash
e2e_assert_eq "exhausted: level" 3 "$(e2e_state level)"

e2e_phase "the in-tree fault fixed: the host boots"
e2e_img_rm /etc/e2e/crash-every-boot
e2e_boot_proven "${ARGS[@]}"
e2e_show_boot
e2e_assert "journal: recovery exhausted was reported" test "$(e2e_journal_count exhausted)" -ge 1
e2e_assert "journal: no culprit event named the innocent module" \
        bash -c "! grep -q '\"LASTGOOD_ITEM\":\"lgcrash\"' <<<'$(e2e_journal_events culprit)'"
e2e_assert_eq "proven again: tries" 0 "$(e2e_state tries)"
e2e_assert_eq "proven again: not armed" false "$(e2e_state armed)"
e2e_phase_end
