#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario fleet-immunity (issue 20): one host's verdicts protect another.
#
# Guest A crash-loops on a bad agent content file pushed at run time and
# recovers at level 1 with it as a verdict (the only change of a level-1
# recovery); then it upgrades to the panicking lgcrash build, crashes, and
# recovers with that build as a verdict too. Its journal is exported
# (journalctl -o export into systemd-journal-remote) and `lastgoodctl fleet
# --deny-list --min-hosts=1` on the host makes the deny list.
#
# Guest B, from the same image, gets that list (in /etc/lastgood/deny.d and
# in its initramfs, as update-initramfs puts it there). It receives the same
# content at run time: the watchdog moves it away within 2 s (measured from
# B's journal) and puts the last good copy back, and the agent keeps
# running on its good content. It upgrades to the same panicking build: its
# next boot withholds it before udev could load it. B never crashes, and
# neither denial writes to NVRAM.
#
# Threshold=1 in both guests keeps the boots few: A 5, B 3.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_begin fleet-immunity
GOOD=$'fakeagent rules v1\nstatus=good\n'
BAD=$'fakeagent rules v2\nLGBAD-CONTENT\n'
good_sum=$(printf '%s' "$GOOD" | cksum | cut -d' ' -f1)
bad_sha=$(printf '%s' "$BAD" | sha256sum | cut -d' ' -f1)
REMOTE=/lib/systemd/systemd-journal-remote
[[ -x $REMOTE ]] || REMOTE=/usr/lib/systemd/systemd-journal-remote

# Two guests in one test: the rig's per-guest variables, saved and restored.
declare -A GUEST_A GUEST_B
save_guest() { # NAME
        local -n g="GUEST_$1"
        g=([dir]="$E2E_GUEST_DIR" [G]="$G" [IMG]="$IMG" [VARS]="$VARS" [KERNEL]="$KERNEL" [INITRD]="$INITRD"
                [bootn]="$E2E_BOOTN")
}
use_guest() { # NAME
        local -n g="GUEST_$1"
        E2E_GUEST_DIR=${g[dir]} G=${g[G]} IMG=${g[IMG]} VARS=${g[VARS]} KERNEL=${g[KERNEL]} INITRD=${g[INITRD]}
        E2E_BOOTN=${g[bootn]}
        e2e_log "-- guest $1"
}

e2e_phase "image"
e2e_new_guest fleet --module good
sed -i 's/^Threshold=.*/Threshold=1/' "$G/etc/lastgood/lastgood.conf"
e2e_seal
# B: the same sealed image and firmware variables, before any boot.
mkdir -p "$W/b/logs"
cp --sparse=always "$IMG" "$W/b/root.img"
cp "$VARS" "$W/b/vars.fd"
cp "$KERNEL" "$W/b/vmlinuz"
save_guest A
GUEST_B=([dir]="$W/b" [G]="$G" [IMG]="$W/b/root.img" [VARS]="$W/b/vars.fd" [KERNEL]="$W/b/vmlinuz"
        [INITRD]="$W/b/initrd.img" [bootn]=0)
e2e_phase_end

e2e_phase "A: last known good"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "A: the agent runs" active "$(e2e_report fakeagent)"
e2e_assert_eq "A: the good module loads" loaded "$(e2e_report lgcrash)"
e2e_phase_end

e2e_phase "A: bad content at run time, crash, recovery"
e2e_img_put_text /opt/fakeagent/pending/rules-001.dat "$BAD"
e2e_boot_expect panic
e2e_show_boot
e2e_assert "A: the agent crashed the kernel on the bad content" grep -aq 'fakeagent: crashing on rules-001.dat' "$E2E_LOG"
e2e_boot_proven
e2e_show_boot
gs=$(e2e_guest_status)
e2e_assert "A: level 1 rolled the content back" grep -q '^content:.*rules-001.dat:changed$' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert "A: the agent runs on its last good content" \
        grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_phase_end

e2e_phase "A: the panicking driver, crash, recovery"
e2e_img_module bad
e2e_boot_expect panic
e2e_show_boot
e2e_assert "A: the bad module panics" grep -aq 'lgcrash: bad update' "$E2E_LOG"
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "A: level 1 withholds the bad module" absent "$(e2e_report lgcrash)"
bad_mod_sha=$(sha256sum "$E2E_LGCRASH/bad/lgcrash.ko" | cut -d' ' -f1)
e2e_phase_end

e2e_phase "fleet: A's journal -> deny list"
e2e_journal_json >/dev/null
mkdir -p "$W/fleet"
journalctl --directory="$E2E_GUEST_DIR/journal/journal" -o export --no-pager |
        "$REMOTE" -o "$W/fleet/a.journal" - 2>"$W/fleet/remote.log" || e2e_die "journal-remote: $(cat "$W/fleet/remote.log")"
verdicts=$(journalctl --file="$W/fleet/a.journal" -o json --no-pager | grep '"LASTGOOD_VERDICT"' || true)
e2e_assert "A's journal: the content is a verdict with its SHA-256" \
        grep -q "\"LASTGOOD_ITEM_SHA256\":\"sha256:$bad_sha\"" <<<"$verdicts"
e2e_assert "A's journal: the module build is a verdict with its SHA-256" \
        grep -q "\"LASTGOOD_ITEM_SHA256\":\"sha256:$bad_mod_sha\"" <<<"$verdicts"
"$E2E_LG_BUILD/lastgoodctl" fleet --directory "$W/fleet" --deny-list --min-hosts=1 >"$W/fleet.list" ||
        e2e_die "lastgoodctl fleet --deny-list failed"
sed 's/^/  fleet.list| /' "$W/fleet.list" >&2
e2e_assert "the list denies the content" grep -q "^sha256:$bad_sha content " "$W/fleet.list"
e2e_assert "the list denies the module build" grep -q "^sha256:$bad_mod_sha module lgcrash" "$W/fleet.list"
e2e_phase_end

e2e_phase "B: the list installed, last known good"
use_guest B
# As an administrator installs a list: the file, then update-initramfs
# (here on the host, from the image's tree: B's initramfs holds the list).
mkdir -p "$G/etc/lastgood/deny.d"
install -m 0644 "$W/fleet.list" "$G/etc/lastgood/deny.d/fleet.list"
e2e_mkinitramfs
rm -rf "$G/etc/lastgood/deny.d"
e2e_img_mkdir /etc/lastgood/deny.d
e2e_img_write "$W/fleet.list" /etc/lastgood/deny.d/fleet.list
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "B: the agent runs" active "$(e2e_report fakeagent)"
e2e_assert_eq "B: the good module loads" loaded "$(e2e_report lgcrash)"
e2e_phase_end

e2e_phase "B: the same content at run time, the same driver build installed"
printf '%s' "$BAD" >"$W/bad.dat"
e2e_img_write "$W/bad.dat" /root/bad.dat
# The push: the bad file renamed into the content folder while the agent
# runs; then the driver upgrade (the file only: it loads at the next boot).
e2e_run_next_boot "echo 'e2e: pushing bad content' >/dev/kmsg
cp /root/bad.dat /opt/fakeagent/rules.tmp
mv /opt/fakeagent/rules.tmp /opt/fakeagent/content/rules-001.dat
sleep 6
cp /opt/lgcrash/lgcrash-bad.ko /lib/modules/\$(uname -r)/updates/lgcrash.ko
sync"
w0=$(e2e_lg_writes)
e2e_boot_proven
e2e_show_boot
e2e_assert "B: run-once ran" grep -aq '^E2E: run-once rc=0' "$E2E_LOG"
e2e_assert_eq "B: the agent keeps running" active "$(e2e_report fakeagent)"
e2e_assert "B: on its last good content" grep -q "rules-001.dat:$good_sum" <<<"$(e2e_report fakeagent_content)"
e2e_assert_eq "B: the content file is the last good one" "${GOOD%$'\n'}" "$(e2e_img_cat /opt/fakeagent/content/rules-001.dat)"
j=$(e2e_journal_json)
# journald files a kmsg line "e2e: ..." under SYSLOG_IDENTIFIER=e2e.
t_push=$(grep '"MESSAGE":"pushing bad content"' <<<"$j" | tail -1 | e2e_json __REALTIME_TIMESTAMP)
denied=$(grep '"MESSAGE_ID":"9e4cca18777541b5a0e7af80d37aeb7e"' <<<"$j" | grep 'rules-001.dat' | tail -1)
e2e_assert "B: an item-denied event for the content" test -n "$denied"
t_denied=$(e2e_json __REALTIME_TIMESTAMP <<<"$denied")
ms=$(( (t_denied - t_push) / 1000 ))
e2e_log "FIGURE fleet-immunity content denied after: $ms ms"
e2e_assert "B: moved away within 2 s of the push ($ms ms)" test "$ms" -ge 0 -a "$ms" -lt 2000
e2e_assert "B: the event carries the fingerprint" grep -q "sha256:$bad_sha" <<<"$denied"
no_crash_line() { ! grep -q 'fakeagent: content rules-001.dat is bad' <<<"$j"; }
e2e_assert "B: the agent never loaded the bad content" no_crash_line
e2e_assert_eq "B: not armed" false "$(e2e_state armed)"
e2e_assert_eq "B: no NVRAM write for the content denial" "$w0" "$(e2e_lg_writes)"
e2e_phase_end

e2e_phase "B: next boot withholds the denied driver build"
w0=$(e2e_lg_writes)
e2e_boot_proven
e2e_show_boot
e2e_assert_eq "B: the denied build is not loaded" absent "$(e2e_report lgcrash)"
e2e_assert "B: lastgood-early said so (item denied, lgcrash)" grep -aq 'lastgood: module lgcrash denied by' "$E2E_LOG"
gs=$(e2e_guest_status)
e2e_assert "B: status shows lgcrash denied" grep -qx 'module:lgcrash:denied' <<<"$(e2e_withheld - <<<"$gs")"
e2e_assert_eq "B: not armed" false "$(e2e_state armed)"
e2e_assert_eq "B: tries" 0 "$(e2e_state tries)"
e2e_assert_eq "B: no NVRAM write for the module denial" "$w0" "$(e2e_lg_writes)"
no_panic() { ! grep -aq 'Kernel panic' "$1"; }
for f in "$E2E_GUEST_DIR"/logs/boot-*.log; do
        e2e_assert "B never crashed ($(basename "$f"))" no_panic "$f"
done
e2e_phase_end
