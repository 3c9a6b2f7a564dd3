#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The rig proves itself, without lastgood: a guest boots to multi-user and
# powers off; an EFI variable it wrote is read back from the OVMF vars file;
# its journal and files are read back from the disk image; the panicking
# module panics it twice in a row with the same vars file (pvpanic); an oops
# with efi_pstore on leaves its crash log in NVRAM, naming [lgcrash].
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin rig-selftest

TESTVAR="E2ETest-$E2E_GUID"

e2e_phase "image build (no lastgood)"
e2e_new_guest selftest --no-lastgood --module good --no-agent
cat >"$G/etc/e2e/run-once" <<EOS
printf '\\007\\000\\000\\000lastgood-e2e' >/sys/firmware/efi/efivars/$TESTVAR
efivar -l | grep -i e2e | sed 's/^/efivar-l: /'
efivar -p -n $E2E_GUID-E2EHost | sed 's/^/efivar-p: /'
echo "E2E-SELFTEST journal marker" | systemd-cat -t e2e-selftest
mkdir -p /var/lib/e2e-selftest && echo written-by-guest >/var/lib/e2e-selftest/marker
sync
EOS
e2e_seal
# A variable written offline into the vars file, as tests do to corrupt
# lastgood's record: the firmware and the guest must see it.
e2e_vars set "$VARS" "E2EHost-$E2E_GUID" 7 "$(printf 'from-the-host' | od -An -tx1 | tr -d ' \n')"
e2e_phase_end

e2e_phase "boot to multi-user + poweroff"
before=$(e2e_vars_count)
e2e_boot_expect poweroff
e2e_phase_end
e2e_assert "serial: reached multi-user" e2e_reached
e2e_assert "serial: the good module loaded" grep -aq '^E2E: lgcrash=loaded' "$E2E_LOG"
e2e_assert "serial: guest's efivar -l lists the test variable" \
        grep -aqi "efivar-l: .*$E2E_GUID-E2ETest" "$E2E_LOG"
e2e_assert "serial: the guest sees the variable written offline into the vars file" \
        grep -aqi "efivar-l: .*$E2E_GUID-E2EHost" "$E2E_LOG"
e2e_log "multi-user line: $(e2e_serial_grep '^E2E: reached multi-user' | tr -d '\r')"

e2e_phase "read back vars + journal + files"
e2e_assert_eq "vars file: the test variable's data" "$(printf 'lastgood-e2e' | od -An -tx1 | tr -d ' \n')" \
        "$(e2e_vars_hex "$TESTVAR")"
attrs=$(e2e_vars list "$VARS" | awk -v n="$TESTVAR" '$1 == n { print $2 }')
e2e_assert_eq "vars file: the test variable's attributes" 0x00000007 "$attrs"
after=$(e2e_vars_count)
e2e_log "variable records: before $before, after $after"
live_before=$(sed 's/^live=\([0-9]*\).*/\1/' <<<"$before")
live_after=$(sed 's/^live=\([0-9]*\).*/\1/' <<<"$after")
e2e_assert "vars file: more live variables after the boot ($live_before -> $live_after)" \
        test "$live_after" -gt "$live_before"
journal=$(e2e_journal_json)
e2e_assert "journal read back from the image holds the guest's marker" \
        grep -q '"MESSAGE":"E2E-SELFTEST journal marker"' <<<"$journal"
e2e_assert_eq "file read back from the image" written-by-guest "$(e2e_img_cat /var/lib/e2e-selftest/marker)"
# The export used for lastgoodctl: efivarfs layout, attributes first.
exp="$W/efivars"
e2e_vars export "$VARS" "$exp"
e2e_assert_eq "efivarfs export: attributes + data" "07000000$(printf 'lastgood-e2e' | od -An -tx1 | tr -d ' \n')" \
        "$(od -An -tx1 "$exp/$TESTVAR" | tr -d ' \n')"
e2e_phase_end

e2e_phase "panic boot 1 (bad module)"
e2e_img_module bad
e2e_boot_expect panic
e2e_phase_end
e2e_assert "serial: the module's panic message" grep -aq 'Kernel panic - not syncing: lgcrash: bad update' "$E2E_LOG"
e2e_phase "panic boot 2 (same vars file)"
e2e_boot_expect panic
e2e_phase_end
e2e_assert "serial: panics again" grep -aq 'lgcrash: bad update' "$E2E_LOG"
e2e_assert "vars file carried: the test variable is still there" test -n "$(e2e_vars_hex "$TESTVAR")"

e2e_phase "oops + efi_pstore: crash log in NVRAM"
e2e_img_module oops
e2e_img_put_text /etc/modules-load.d/00-e2e-pstore.conf $'efi_pstore\n'
e2e_boot_expect panic --no-pvpanic oops=panic efi_pstore.pstore_disable=0
e2e_phase_end
e2e_assert "serial: the oops names [lgcrash]" grep -aq '\[lgcrash\]' "$E2E_LOG"
dumps=$(e2e_vars list "$VARS" | grep -c '^dump-type0-' || true)
e2e_assert "vars file: efi_pstore left dump records ($dumps)" test "$dumps" -gt 0
e2e_vars pstore "$VARS" >"$W/pstore.txt"
e2e_assert "vars file: the crash log read back names [lgcrash]" grep -aq '\[lgcrash\]' "$W/pstore.txt"

e2e_log "timings:"
printf '[e2e]   %s\n' "${E2E_TIMES[@]}" >&2
