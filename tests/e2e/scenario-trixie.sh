#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario trixie: a Debian 13 host as a new user has it. A trixie minbase
# guest (trixie's own cloud kernel, systemd, merged /usr, no D-Bus daemon)
# gets lastgood as built for trixie in a trixie build root (tests/e2e/
# trixie-build.sh checks that build), installed with apt. A third-party
# driver package (lgcrash-modules, built for trixie's kernel in the same
# build root) is the last known good at version 1; at run time the
# administrator upgrades it with dpkg to version 2, whose module panics in
# its init, and powers off. Every boot is a stock one (no panic=, stock
# panic settings): the crashes end only because lastgood, armed by the
# upgrade, makes them reset, and the host recovers with the update
# withheld.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
E2E_RELEASE=trixie
e2e_begin trixie
THRESHOLD=2   # tests/e2e/guest/lastgood.conf
SIG='Kernel panic - not syncing: lgcrash: bad update'

# lgcrash-modules VERSION VARIANT: a driver package as vendors ship them
# (the module under updates/, a modules-load.d entry, depmod in postinst).
driver_deb() {
        local v=$1 variant=$2 d="$W/pkg-$1"
        mkdir -p "$d/DEBIAN" "$d/usr/lib/modules/$E2E_KVER/updates" "$d/usr/lib/modules-load.d"
        cp "$E2E_LGCRASH/$variant/lgcrash.ko" "$d/usr/lib/modules/$E2E_KVER/updates/lgcrash.ko"
        echo lgcrash >"$d/usr/lib/modules-load.d/lgcrash.conf"
        cat >"$d/DEBIAN/control" <<EOF
Package: lgcrash-modules
Version: $v
Architecture: amd64
Maintainer: lastgood tests <tests@localhost>
Description: lastgood's end-to-end test driver (variant $variant)
EOF
        printf '#!/bin/sh\nset -e\ndepmod -a %s\n' "$E2E_KVER" >"$d/DEBIAN/postinst"
        chmod 0755 "$d/DEBIAN/postinst"
        dpkg-deb --root-owner-group -Zgzip --build "$d" "$G/opt/lgcrash-modules_${v}_amd64.deb" >/dev/null
}

e2e_phase "image"
e2e_new_guest trixie --no-agent
e2e_assert "guest: Debian 13" grep -qx '13\(\..*\)\?' "$G/etc/debian_version"
e2e_assert "guest: merged /usr (/lib is a link to usr/lib)" test "$(readlink "$G/lib")" = usr/lib
e2e_assert "guest: no D-Bus daemon" test ! -e "$G/usr/bin/dbus-daemon" -a ! -e "$G/usr/lib/systemd/system/dbus.socket"
e2e_assert "guest: lastgood installed by apt, from the trixie build" \
        grep -q "^ii  lastgood " <<<"$(chroot "$G" dpkg -l lastgood)"
e2e_assert "guest: lastgood's trixie runtime libraries (64-bit time_t names) came with it" \
        grep -q '^ii  libefivar1t64' <<<"$(chroot "$G" dpkg -l libefivar1t64)"
driver_deb 1 good
driver_deb 2 bad
chroot "$G" dpkg -i /opt/lgcrash-modules_1_amd64.deb >"$E2E_GUEST_DIR/driver-1.log" 2>&1 ||
        { cat "$E2E_GUEST_DIR/driver-1.log" >&2; e2e_die "installing lgcrash-modules 1 failed"; }
e2e_assert "guest: the driver package's module is at updates/" test -f "$G/usr/lib/modules/$E2E_KVER/updates/lgcrash.ko"
e2e_seal
e2e_phase_end

e2e_phase "boot 1 (stock): the last known good"
e2e_boot_proven --stock
e2e_show_boot
e2e_assert_eq "the driver's module loads" loaded "$(e2e_report lgcrash)"
e2e_assert "serial: trixie's kernel booted ($E2E_KVER)" grep -aqF "Linux version $E2E_KVER" "$E2E_LOG"
gs=$(e2e_guest_status)
e2e_assert_eq "guest status: the store is EFI variables (efivarfs)" efi "$(e2e_json store <<<"$gs")"
e2e_assert_eq "after the proof: not armed" false "$(e2e_state armed)"
e2e_journal_json >/dev/null
wdlog=$(journalctl --directory="$E2E_GUEST_DIR/journal/journal" -o cat --no-pager \
        SYSLOG_IDENTIFIER=lastgood-watchdog 2>/dev/null || true)
e2e_assert "journal: the watchdog talks to systemd over its private socket" \
        grep -q 'over its private socket /run/systemd/private' <<<"$wdlog"
e2e_assert "journal: boot 1 proven" grep -q . <<<"$(e2e_journal_events proven)"
e2e_phase_end

e2e_phase "boot 2 (stock): dpkg upgrades the driver at run time, poweroff"
e2e_run_next_boot 'set -e
dpkg -i /opt/lgcrash-modules_2_amd64.deb
echo "E2E: driver upgraded"
'
e2e_boot_expect poweroff --stock
e2e_show_boot
e2e_assert "boot 2: the upgrade ran" grep -aq '^E2E: driver upgraded' "$E2E_LOG"
e2e_assert_eq "after the upgrade's boot: armed" true "$(e2e_state armed)"
e2e_assert "journal: the run-time change armed counting" grep -q . <<<"$(e2e_journal_events armed)"
e2e_phase_end

e2e_phase "the upgrade on a stock kernel, until recovery"
e2e_boot_until_recovery --stock "$SIG"
failed=$E2E_FAILED_BOOTS
e2e_phase_end

e2e_phase "recovery boot"
e2e_assert "at least one boot of the upgrade failed" test "$failed" -ge 1
e2e_assert "recovery boot $E2E_BOOTN reached multi-user" e2e_reached
e2e_assert_eq "recovery boot $E2E_BOOTN became healthy" yes "$(e2e_report healthy)"
e2e_assert_eq "the upgrade's module is withheld" absent "$(e2e_report lgcrash)"
e2e_assert "guest status: lgcrash withheld (changed, or named by the crash log)" \
        grep -qxE 'module:lgcrash:(changed|crash-log)' <<<"$(e2e_withheld)"
e2e_assert "journal: item withheld" grep -q '"LASTGOOD_ITEM":"lgcrash"' <<<"$(e2e_journal_events withheld)"
e2e_assert_eq "after recovery: not armed" false "$(e2e_state armed)"
e2e_assert_eq "no boot was stuck" 0 "$E2E_STUCK_BOOTS"
e2e_log "FIGURE boots-to-recovery trixie: $((failed + 1)) (failed: $failed); recovery by $(e2e_withheld | grep lgcrash)"
e2e_phase_end
