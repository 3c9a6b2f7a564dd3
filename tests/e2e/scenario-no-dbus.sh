#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario no-dbus: a guest without a D-Bus daemon (debootstrap minbase with
# systemd pulls in none). lastgood-watchdog reaches systemd over its private
# socket /run/systemd/private, so a changed module's boot becomes healthy
# and is proven by the orderly poweroff, and the next boot is not counted.
# ProveSec is an hour in this guest: only the shutdown can prove the boot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin no-dbus

e2e_phase "image"
e2e_new_guest nodbus --module good --no-agent --no-dbus
e2e_assert "the guest has no D-Bus daemon" test ! -e "$G/usr/bin/dbus-daemon"
e2e_assert "the guest has no system bus socket unit" test ! -e "$G/lib/systemd/system/dbus.socket"
sed -i 's/^ProveSec=.*/ProveSec=3600/' "$G/etc/lastgood/lastgood.conf"
e2e_assert "ProveSec=3600 in the guest" grep -qx 'ProveSec=3600' "$G/etc/lastgood/lastgood.conf"
e2e_seal
e2e_phase_end

e2e_phase "boot 1: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the good module loads" loaded "$(e2e_report lgcrash)"
e2e_assert_eq "not armed after the proven boot" false "$(e2e_state armed)"
e2e_phase_end

e2e_phase "boot 2: a new module version, healthy, orderly poweroff"
e2e_img_module good2
e2e_boot_proven
e2e_show_boot
gs=$(e2e_guest_status)
e2e_assert_eq "guest status before the poweroff: armed" true "$(e2e_json armed <<<"$gs")"
e2e_assert_eq "guest status before the poweroff: healthy, not yet proven" true "$(e2e_json unproven <<<"$gs")"
# The daemon's own lines (stderr: SYSLOG_IDENTIFIER=lastgood-watchdog).
e2e_journal_json >/dev/null
wdlog=$(journalctl --directory="$E2E_GUEST_DIR/journal/journal" -o cat --no-pager \
        SYSLOG_IDENTIFIER=lastgood-watchdog 2>/dev/null || true)
e2e_assert "journal: the watchdog's own lines are there (its proven write)" grep -q 'Proven write' <<<"$wdlog"
e2e_assert "journal: the watchdog talks to systemd over its private socket" \
        grep -q 'over its private socket /run/systemd/private' <<<"$wdlog"
e2e_assert "journal: no 'No connection to the service manager'" \
        bash -c '! grep -q "No connection to the service manager" <<<"$1"' _ "$wdlog"
e2e_assert "journal: the poweroff was told from a stop" \
        bash -c '! grep -q "Cannot tell a shutdown from a stop" <<<"$1"' _ "$wdlog"
e2e_assert "journal: boot proven by the orderly shutdown" \
        grep -q '"LASTGOOD_REASON":"orderly-shutdown"' <<<"$(e2e_journal_events proven)"
e2e_assert_eq "after the poweroff: armed" false "$(e2e_state armed)"
e2e_assert_eq "after the poweroff: tries" 0 "$(e2e_state tries)"
e2e_assert_eq "after the poweroff: unproven" false "$(e2e_state unproven)"
counted=$(e2e_journal_count counted)
armed=$(e2e_journal_count armed)
e2e_log "events so far: $counted boot counted, $armed counting armed"
e2e_phase_end

e2e_phase "boot 3: not counted"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "the new version loads" loaded "$(e2e_report lgcrash)"
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: this boot was not counted" false "$(e2e_json this_boot.counted <<<"$gs")"
e2e_assert_eq "guest status: not armed" false "$(e2e_json armed <<<"$gs")"
e2e_assert_eq "guest status: tries" 0 "$(e2e_json tries <<<"$gs")"
e2e_assert_eq "no boot counted event at the next boot" "$counted" "$(e2e_journal_count counted)"
e2e_assert_eq "no counting armed event at the next boot" "$armed" "$(e2e_journal_count armed)"
e2e_assert "serial: no 'boot counted' or 'counting armed' line" \
        bash -c '! grep -aiE -q "lastgood:.*(boot counted|counting armed)" "$1"' _ "$E2E_LOG"
e2e_assert_eq "after boot 3: tries" 0 "$(e2e_state tries)"
e2e_assert_eq "after boot 3: not armed" false "$(e2e_state armed)"
e2e_phase_end
