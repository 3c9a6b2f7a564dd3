# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared part of the counting-patterns*.sh tests (sourced): sequences of
# simulated boots through the real programs, as a host runs them:
#
#   initramfs  lastgood-early pre-udev, then pre-switch --sysroot (root $R,
#              the initramfs image: its modules, config and manifest copy)
#   switch     /run moves to the real root $S (= $ROOT of watchdog-lib.sh)
#   main       lastgood-apply, then the real lastgood-watchdog against the
#              D-Bus stub of the service manager; lastgoodctl status --json
#   end        a crash is SIGKILL of the daemon (before or after healthy), an
#              orderly shutdown is shutdown.target queued then SIGTERM
#
# One EFI variable folder (EFIVARFS_PATH) for all of them; every write to it
# is logged by nvram-count.py (inotify), so each boot knows its NVRAM writes.
# Threshold=2 (the default).
#
#   boot KIND            one whole boot: early | late | neutral | proven |
#                        bad | shutdown (orderly after healthy)
#   boot_start / end_KIND / boot_end   the same in parts, with actions of
#                        the test in between (a change at run time, ...)
#   expect_boot LEVEL "armed=A tries=N level=L" WRITES
#                        the level in force in the boot just ended (from
#                        status --json), the hot record after it, and its
#                        number of NVRAM writes
set -euo pipefail
. "$top_srcdir/tests/integration/watchdog-lib.sh"

EARLY=$top_builddir/lastgood-early
APPLY=$top_builddir/lastgood-apply
CTL=$top_builddir/lastgoodctl
MODS=$top_srcdir/tests/fixtures/modules
COUNTER=$top_srcdir/tests/integration/nvram-count.py
export MKMOD_CACHE=${MKMOD_CACHE:-$top_builddir/tests/fixtures-cache}
S=$ROOT
R=$T/initramfs
EFI=$S/sys/firmware/efi/efivars
export EFIVARFS_PATH=$EFI/ LIBEFIVAR_OPS=efivarfs
CONTENT=$S/etc/falco/rules.d/a.yaml
INITRAMFS_MODULES="kernel/fs/efivarfs/efivarfs.ko updates/dkms/nvidia.ko updates/zfs.ko.xz"
MSG_CULPRIT=c3b3145aed6c4a7c8b1517766ebb932c
MSG_EXHAUSTED=967cd6dae204458f9c1f906356f7aaf2

BOOT_N=0
CHECKS=0
# Per boot (after boot_end): the status --json taken during the boot, the
# level in force, the NVRAM writes (hot and cold record together).
STATUS=
LEVEL=
WRITES=
STABLE=0
PROVE=3600
WD_EXTRA=()

fail() {
        echo "FAIL (boot $BOOT_N): $*" >&2
        echo "  hot record: $(hot)" >&2
        [ -f "$R/dev/kmsg" ] && sed 's/^/  kmsg: /' "$R/dev/kmsg" | tail -n 20 >&2
        [ -f "$T/daemon.log" ] && sed 's/^/  daemon: /' "$T/daemon.log" | tail -n 30 >&2
        [ -f "$T/apply.log" ] && sed 's/^/  apply: /' "$T/apply.log" | tail -n 10 >&2
        exit 1
}
check() {
        CHECKS=$((CHECKS + 1))
}

# hot: armed, tries, level of the hot record ("none" counts as zeros).
hot() {
        local s
        s=$(state_get)
        if [ "$s" = none ]; then
                echo "armed=0 tries=0 level=0 boot_seq=0"
        else
                echo "$s" | sed 's/ unproven=[0-9]*//; s/ last_proven=.*//'
        fi
}

hot_has() { # KEY=VALUE...
        local s kv
        s=" $(hot) "
        for kv in "$@"; do
                [[ "$s" == *" $kv "* ]] || return 1
        done
}

ctl() {
        "$CTL" --root="$S" "$@"
}

# json EXPR: a python expression over j, the status --json of this boot.
json() {
        python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$STATUS" "$1"
}
expect_json() { # EXPR WHAT
        [ "$(json "$1")" = True ] || fail "$2: status --json does not hold $1: $STATUS"
        check
}

# ---- the host -------------------------------------------------------------

# make_host: a module tree (tests/fixtures/modules), an agent (falco, its
# module and content, OnSafeMode=rollback), a proven last known good made by
# the real watchdog, an initramfs built from it; no hot record (steady).
make_host() {
        "$MODS/build-tree.sh" "$S" "$KVER" 2>/dev/null
        mkdir -p "$S"/{proc/sys/kernel,etc/lastgood/health.d,etc/lastgood/agents.d,var/lib/lastgood,run} \
                "$S/etc/falco/rules.d" "$EFI" "$T/ctl"
        echo 0 >"$S/proc/sys/kernel/tainted"
        echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" >"$S/proc/cmdline"
        printf '[Agent]\nUnits=falco.service\nModules=falco\nContent=/etc/falco/rules.d/*\nOnSafeMode=rollback\n' \
                >"$S/etc/lastgood/agents.d/falco.conf"
        echo "rules: good" >"$CONTENT"
        mkdir -p "$R"/{proc,run,dev,etc,var/lib/lastgood,sys/fs/pstore}
        cp "$S/proc/cmdline" "$R/proc/cmdline"
        : >"$R/dev/kmsg"
        "$WD" --root="$S" --kernel-release="$KVER" --prove-now 2>>"$T/daemon.log" || fail "first proof"
        rebuild_image
        [ "$(state_get)" = none ] || fail "a steady host has a hot record"
        "$PY" "$COUNTER" "$T/nvram.log" "$T/ctl" "$EFI" &
        PIDS+=($!)
        wait_for 50 grep -qs ready "$T/nvram.log" || fail "nvram-count.py did not start"
        bus_start boot-complete.target=inactive
}

# rebuild_image: what the initramfs hook does (update-initramfs): copy the
# modules, the config and the manifest into the image, and arm when the set
# the image is built for differs from the last known good.
rebuild_image() {
        local p
        for p in $INITRAMFS_MODULES; do
                mkdir -p "$(dirname "$R/lib/modules/$KVER/$p")"
                cp -p "$S/lib/modules/$KVER/$p" "$R/lib/modules/$KVER/$p"
        done
        rm -rf "$R/etc/lastgood"
        cp -a "$S/etc/lastgood" "$R/etc/"
        rm -f "$R/var/lib/lastgood/manifest"
        cp -pL "$S/var/lib/lastgood/manifest" "$R/var/lib/lastgood/manifest"
        "$EARLY" --root="$S" --kernel-release="$KVER" --image-dir="$R" arm-if-changed >/dev/null 2>>"$T/early.log"
}

# A new build of a third-party module on the real root (an update lands;
# the initramfs is not rebuilt unless the test says so).
update_module() { # REL
        local rel=$1
        rm -f "$S/lib/modules/$KVER/$rel"
        "$MODS/mkmod.sh" "$S/lib/modules/$KVER/$rel" license=GPL "vermagic=$KVER SMP mod_unload modversions" \
                "srcversion=NEW$RANDOM$RANDOM"
}

# A kernel crash record for the next boot, as pstore shows it
# (/sys/fs/pstore/dmesg-efi-ID, the EFI id of drivers/firmware/efi/efi-pstore.c).
PSTORE_COUNT=0
crash_record() { # FIXTURE
        local now id
        PSTORE_COUNT=$((PSTORE_COUNT + 1))
        now=$(date +%s)
        id=$(((now * 100 + 1) * 1000 + PSTORE_COUNT))
        { printf 'Oops#%d Part1\n' "$PSTORE_COUNT"; cat "$top_srcdir/tests/fixtures/oops/$1"; } \
                >"$R/sys/fs/pstore/dmesg-efi-$id"
}

# ---- NVRAM writes ---------------------------------------------------------

MARKS=0
mark() { # NAME: wait until the counter has logged every event before it
        MARKS=$((MARKS + 1))
        : >"$T/ctl/$1-$MARKS"
        wait_for 100 grep -qx "mark $1-$MARKS" "$T/nvram.log" || fail "nvram-count.py lost mark $1"
}

# ---- one boot ---------------------------------------------------------------

early() {
        local rc=0
        "$EARLY" --root="$R" --kernel-release="$KVER" "$@" 2>>"$T/early.log" || rc=$?
        [ $rc = 0 ] || fail "lastgood-early $* exited $rc"
}

boot_start() {
        BOOT_N=$((BOOT_N + 1))
        mark boot
        # A boot starts with an empty /run (and, with_hang_reset, the
        # kernel's own panic settings and a stopped watchdog device).
        rm -rf "$R/run" "$S/run"
        if [ -e "$R/dev/watchdog0" ]; then
                : >"$R/dev/watchdog0"
                for k in panic panic_on_oops softlockup_panic hardlockup_panic; do echo 0 >"$R/proc/sys/kernel/$k"; done
        fi
        mkdir -p "$R/run"
        : >"$R/dev/kmsg"
        early pre-udev
        early pre-switch --sysroot="$S"
        # switch_root: /run moves to the real root.
        mv "$R/run" "$S/run"
        "$APPLY" --root="$S" --kernel-release="$KVER" --journal-export="$T/export" 2>>"$T/apply.log" ||
                fail "lastgood-apply exited $?"
        stub SetUnit string:boot-complete.target string:inactive uint32:0
        stub SetUnit string:shutdown.target string:inactive uint32:0
        wd_start --stable-sec="$STABLE" --prove-sec="$PROVE" "${WD_EXTRA[@]}"
        # status exits 0 steady, 3 armed, 4 safe mode, 5 exhausted, 6 state corrupt.
        STATUS=$(ctl status --json) || [ $? -ge 3 ] || fail "lastgoodctl status --json failed"
        LEVEL=$(json 'j["level"]')
}

# The endings of a boot.
end_early() { # crashes before healthy
        wd_kill
}
healthy() {
        boot_complete
        wait_for 100 test -e "$S/run/lastgood/healthy" || fail "never healthy"
}
end_late() { # healthy, then crashes before proven
        healthy
        wd_kill
}
shutdown() { # orderly shutdown: shutdown.target queued, then the stop
        local rc=0
        shutdown_queued
        wd_stop || rc=$?
        [ $rc = 0 ] || fail "the watchdog's stop exited $rc"
}
end_neutral() { # a person reboots before healthy
        shutdown
}
n_proven() {
        [ -f "$T/export" ] || { echo 0; return; }
        grep -c "^MESSAGE_ID=$MSG_PROVEN" "$T/export" || true
}
proven_since() { [ "$(n_proven)" -gt "$1" ]; }
end_proven() { # healthy, ProveSec passes, then an orderly shutdown
        local before
        before=$(n_proven)
        healthy
        wait_for 100 proven_since "$before" || fail "not proven after ProveSec"
        shutdown
}
end_shutdown() { # healthy, then an orderly shutdown (proves)
        healthy
        shutdown
}
end_bad() { # healthy, lastgoodctl bad, then an orderly shutdown
        healthy
        ctl bad >/dev/null || fail "lastgoodctl bad exited $?"
        shutdown
}

boot_end() {
        mark boot-end
        # The writes between this boot's start mark and its end mark.
        WRITES=$(awk '/^mark boot-[0-9]+$/ { n = 0; next }
                $1 != "mark" && $2 ~ /^LastGood/ { n++ } END { print n + 0 }' "$T/nvram.log")
}

boot() { # KIND
        local kind=$1 prove=$PROVE
        [ "$kind" = proven ] && PROVE=1
        boot_start
        PROVE=$prove
        "end_$kind"
        boot_end
}

# expect_boot LEVEL "armed=A tries=N level=L" WRITES: WRITES is a number, or
# "<=N".
expect_boot() {
        local level=$1 rec=$2 writes=$3
        [ "$LEVEL" = "$level" ] || fail "level $LEVEL in force, expected $level"
        check
        hot_has $rec || fail "hot record $(hot), expected $rec"
        check
        case "$writes" in
        "<="*) [ "$WRITES" -le "${writes#<=}" ] || fail "$WRITES NVRAM writes, expected at most ${writes#<=}" ;;
        *) [ "$WRITES" = "$writes" ] || fail "$WRITES NVRAM writes, expected $writes" ;;
        esac
        check
        echo "ok - boot $BOOT_N: level $LEVEL, $(hot), $WRITES NVRAM write(s)"
}

# withheld_names: "NAME:REASON ..." of status --json, sorted.
withheld() {
        json '" ".join(sorted(w["name"] + ":" + w["reason"] for w in j["withheld"]))'
}
expect_withheld() { # "NAME:REASON ..." (sorted), or "" for none
        [ "$(withheld)" = "$1" ] || fail "withheld '$(withheld)', expected '$1'"
        check
}

# ---- the hang reset and the agent's own user (issue 18) ---------------------

# with_hang_reset: the test builds of lastgood-early and lastgood-watchdog
# that treat the plain file /dev/watchdog0 of their root as a watchdog
# device (tests/unit/wdt-emul.c); one file (hard-linked) for the initramfs
# and the real root, as /dev is one devtmpfs on a host. Call before
# make_host.
with_hang_reset() {
        EARLY=$top_builddir/tests/integration/lastgood-early-wdt
        WD=$top_builddir/tests/integration/lastgood-watchdog-wdt
        mkdir -p "$R/dev" "$S/dev" "$R/proc/sys/kernel" "$S/proc/sys/kernel"
        # The kernel's panic settings: one /proc/sys for both stages too.
        for k in panic panic_on_oops softlockup_panic hardlockup_panic; do
                echo 0 >"$R/proc/sys/kernel/$k"
                ln -f "$R/proc/sys/kernel/$k" "$S/proc/sys/kernel/$k"
        done
        : >"$R/dev/watchdog0"
        ln -f "$R/dev/watchdog0" "$S/dev/watchdog0"
}
# The deadline lastgood-early armed this boot is still running: when it
# expires the device resets the host.
hang_reset_pending() { grep -q '^hang-reset=set ' "$S/run/lastgood/reset" 2>/dev/null; }

# The agent's own, less trusted user (security-lib.sh): it owns a content
# folder and writes a file there every second, through the whole boot.
. "$top_srcdir/tests/integration/security-lib.sh"
ATTACKER_PID=
attacker_start() { # DIR
        chmod 0755 "$T" "$S" "$S/etc" "$S/opt" 2>/dev/null || true
        chown -R $AGENT_UID "$1"
        rm -f "$T/attacker.stop"
        # It stops when told (a file): as_agent is a shell function, its pid
        # is not the writer's.
        as_agent bash -c 'i=0; while [ ! -e "$2" ] && [ -d "$1" ]; do echo "rules: $RANDOM $i" >"$1/flood-$((i % 3)).yaml"; i=$((i + 1)); sleep 1; done' \
                attacker "$1" "$T/attacker.stop" 2>/dev/null &
        ATTACKER_PID=$!
        PIDS+=($ATTACKER_PID)
}
attacker_stop() {
        : >"$T/attacker.stop"
        [ -z "$ATTACKER_PID" ] || wait "$ATTACKER_PID" 2>/dev/null || true
        ATTACKER_PID=
}
# end_attacked: boot-complete.target is reached (the checks pass), the
# agent's user keeps writing (StableSec=2 never passes without a change),
# and the boot ends as the host ends it: the watchdog device resets it when
# the hang deadline is still running by then, else a person reboots it
# (orderly shutdown).
end_attacked() {
        boot_complete
        sleep 4
        if hang_reset_pending; then
                echo "  (boot $BOOT_N: the hang deadline expired: the device resets the host)"
                end_early
        else
                end_neutral
        fi
}
