#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd units of lastgood as built (units/*.service of the build tree),
# checked with systemd's own tools and against DESIGN.md: the watchdog is a
# Type=notify daemon with WatchdogSec=, the check unit sits in systemd's
# boot assessment (Before= and RequiredBy= boot-complete.target), the apply
# unit runs before sysinit.target, the sandbox leaves efivarfs writable and
# CAP_LINUX_IMMUTABLE in place, and it does not break the health checks that
# run inside it.
#
# How `systemd-analyze verify` runs here (a container, systemd not PID 1,
# possibly not root): verify starts a test manager inside the process and
# needs no running systemd. It checks that every ExecStart= binary exists
# and is executable, and that the start transaction has no ordering cycle,
# for which it needs the units ours depend on (sysinit.target, dbus.service,
# boot-complete.target, ...). SYSTEMD_UNIT_PATH would find the host's units,
# but ExecStart= would then be checked on the host (/usr/libexec/lastgood/
# is not installed). So: --root=DIR with a copy of the host's unit folder in
# DIR/usr/lib/systemd/system, the built units in DIR/etc/systemd/system,
# enabled as the package and the generator do (symlinks), and executable
# stubs at the exact ExecStart= paths. Two traps: with --recursive-errors=no
# an ordering cycle is not reported at all (so the default, yes, is used),
# and warnings such as an unknown key or a bad value leave the exit status
# 0 (so any output fails too). A broken copy checks that the harness sees
# errors at all. `systemd-analyze security --offline=yes` then gives the
# effective sandbox (what each directive implies, e.g. the capabilities
# ProtectClock= drops), read as JSON.
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
UNITS="$top_builddir/units"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R="$T/root"
ETC="$R/etc/systemd/system"

. "$top_srcdir/tests/integration/tap-lib.sh"

command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (package systemd)"

WD="$UNITS/lastgood-watchdog.service"
CK="$UNITS/lastgood-check.service"
AP="$UNITS/lastgood-apply.service"
for u in "$WD" "$CK" "$AP"; do
        [ -f "$u" ] || fail "$u was not built"
        ! grep -n '@[a-z_]*@' "$u" || fail "$(basename "$u"): placeholder left unsubstituted"
        ! grep -n '\\$' "$u" || fail "$(basename "$u"): line continuations are not understood by this test"
done
ok "units built, every @placeholder@ substituted"

# ---- reading unit files ------------------------------------------------------

# unit_values FILE SECTION KEY: the values of KEY in [SECTION], one a line, as
# systemd reads list settings (an empty assignment resets the list). For a
# single-value setting the last line wins: unit_value.
unit_values() {
        awk -v sec="[$2]" -v key="$3" '
                /^[ \t]*[#;]/ { next }
                /^[ \t]*\[/ { cur = $0; gsub(/[ \t]/, "", cur); next }
                cur == sec {
                        i = index($0, "=")
                        if (i == 0) next
                        k = substr($0, 1, i - 1)
                        gsub(/[ \t]/, "", k)
                        if (k != key) next
                        v = substr($0, i + 1)
                        sub(/^[ \t]+/, "", v)
                        sub(/[ \t]+$/, "", v)
                        if (v == "") { n = 0; next }
                        vals[n++] = v
                }
                END { for (j = 0; j < n; j++) print vals[j] }' "$1"
}
unit_value() { unit_values "$@" | tail -n 1; }
unit_words() { unit_values "$@" | tr ' \t' '\n\n' | sed '/^$/d'; }
has_word() { unit_words "$1" "$2" "$3" | grep -xF -- "$4" >/dev/null ; }
is_true() {
        case "${1,,}" in 1 | yes | y | true | t | on) return 0 ;; *) return 1 ;; esac
}

# exec_path FILE: the binary of ExecStart= (without the -@:+! prefixes).
exec_path() {
        local v
        v=$(unit_value "$1" Service ExecStart)
        v=${v%% *}
        while [[ "$v" == [-@:+!]* ]]; do v=${v:1}; done
        echo "$v"
}

# writable FILE PATH: would PATH be writable inside the unit's mount
# namespace? The longest matching rule wins, as in systemd's namespace
# setup: ProtectSystem= (strict: all but /dev, /proc, /sys; full: /usr,
# /boot, /efi, /etc; yes: /usr, /boot, /efi), ProtectKernelTunables= (/sys,
# /proc/sys), ProtectHome=, ReadOnlyPaths=, InaccessiblePaths=, and what
# re-opens: ReadWritePaths=, StateDirectory=, RuntimeDirectory=, LogsDirectory=,
# CacheDirectory=.
writable() {
        local f=$1 p=$2 rules=() ps w best=-1 mode=rw
        ps=$(unit_value "$f" Service ProtectSystem)
        case "${ps,,}" in
        strict) rules+=("/ ro") ;;
        full) rules+=("/usr ro" "/boot ro" "/efi ro" "/etc ro") ;;
        "" | no | false | 0 | off) ;;
        *) rules+=("/usr ro" "/boot ro" "/efi ro") ;;
        esac
        if [ "${ps,,}" = strict ]; then rules+=("/dev rw" "/proc rw" "/sys rw"); fi
        if is_true "$(unit_value "$f" Service ProtectKernelTunables)"; then rules+=("/sys ro" "/proc/sys ro"); fi
        case "$(unit_value "$f" Service ProtectHome)" in
        "" | no | false | 0 | off | tmpfs) ;;
        *) rules+=("/home ro" "/root ro" "/run/user ro") ;;
        esac
        for w in $(unit_words "$f" Service ReadOnlyPaths) $(unit_words "$f" Service InaccessiblePaths); do
                w=${w#-}
                w=${w#+}
                rules+=("${w%/} ro")
        done
        for w in $(unit_words "$f" Service ReadWritePaths); do
                w=${w#-}
                w=${w#+}
                rules+=("${w%/} rw")
        done
        for w in $(unit_words "$f" Service StateDirectory); do rules+=("/var/lib/${w%%:*} rw"); done
        for w in $(unit_words "$f" Service RuntimeDirectory); do rules+=("/run/${w%%:*} rw"); done
        for w in $(unit_words "$f" Service LogsDirectory); do rules+=("/var/log/${w%%:*} rw"); done
        for w in $(unit_words "$f" Service CacheDirectory); do rules+=("/var/cache/${w%%:*} rw"); done
        for w in "${rules[@]}"; do
                local rp=${w% *} rm=${w##* }
                [ "$rp" = "" ] && rp=/
                if [ "$rp" = / ] || [ "$p" = "$rp" ] || [[ "$p" == "$rp"/* ]]; then
                        if [ ${#rp} -ge $best ]; then
                                best=${#rp}
                                mode=$rm
                        fi
                fi
        done
        [ "$mode" = rw ]
}

# ---- systemd-analyze verify ---------------------------------------------------

mkdir -p "$ETC" "$R/usr/lib/systemd/system"
HOSTDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
for d in $HOSTDIR /usr/lib/systemd/system /lib/systemd/system; do
        [ -d "$d" ] && cp -a "$d/." "$R/usr/lib/systemd/system/"
done
[ -f "$R/usr/lib/systemd/system/sysinit.target" ] && [ -f "$R/usr/lib/systemd/system/boot-complete.target" ] ||
        fail "no systemd unit folder with sysinit.target and boot-complete.target on this host"
cp "$WD" "$CK" "$AP" "$ETC/"
for u in "$WD" "$CK" "$AP"; do
        b=$(exec_path "$u")
        [[ "$b" == /* ]] || fail "$(basename "$u"): ExecStart= is not an absolute path: $b"
        mkdir -p "$R$(dirname "$b")"
        printf '#!/bin/sh\nexit 0\n' >"$R$b"
        chmod 0755 "$R$b"
done
# Enabled as installed: [Install] of the watchdog and the check unit; the
# apply unit is pulled in by lastgood-generator (sysinit.target.wants).
enable() { # enable UNIT KEY SUFFIX
        local t
        for t in $(unit_words "$ETC/$1" Install "$2"); do
                mkdir -p "$ETC/$t.$3"
                ln -sf "../$1" "$ETC/$t.$3/$1"
        done
}
enable lastgood-watchdog.service WantedBy wants
enable lastgood-check.service RequiredBy requires
mkdir -p "$ETC/sysinit.target.wants"
ln -sf ../lastgood-apply.service "$ETC/sysinit.target.wants/lastgood-apply.service"
[ -L "$ETC/multi-user.target.wants/lastgood-watchdog.service" ] || fail "watchdog: no WantedBy=multi-user.target"
[ -L "$ETC/boot-complete.target.requires/lastgood-check.service" ] || fail "check: not enabled into boot-complete.target"

verify() {
        systemd-analyze verify --man=no --root="$R" "$@" >"$T/verify.out" 2>&1
}

# The harness itself: a bad value and an ordering cycle must be reported.
selftest() { # selftest EXTRA-UNIT-LINE EXTRA-SERVICE-LINE
        printf '[Unit]\nDescription=selftest\n%s\n[Service]\nType=oneshot\nExecStart=%s\n%s\n' \
                "$1" "$(exec_path "$WD")" "$2" >"$ETC/lg-selftest.service"
}
selftest "" ""
verify lg-selftest.service && [ ! -s "$T/verify.out" ] || fail "a good unit does not verify: $(cat "$T/verify.out")"
selftest "" "WatchdogSec=notatime"
verify lg-selftest.service || true
grep -q "lg-selftest.service" "$T/verify.out" || fail "systemd-analyze verify did not report a bad WatchdogSec= value"
selftest "DefaultDependencies=no
Requires=sysinit.target
After=sysinit.target
Before=sysinit.target" ""
! verify lg-selftest.service || fail "systemd-analyze verify did not fail an ordering cycle"
grep -q "cycle" "$T/verify.out" || fail "no ordering cycle reported: $(cat "$T/verify.out")"
rm "$ETC/lg-selftest.service"
ok "systemd-analyze verify --root reports bad values and ordering cycles"

if ! verify lastgood-watchdog.service lastgood-check.service lastgood-apply.service; then
        cat "$T/verify.out" >&2
        fail "systemd-analyze verify failed"
fi
[ ! -s "$T/verify.out" ] || fail "systemd-analyze verify warns: $(cat "$T/verify.out")"
ok "systemd-analyze verify: all three units clean"

# The whole boot transaction with lastgood's units enabled: no cycle
# between the apply unit and sysinit.target, the check unit and
# multi-user/boot-complete.target.
if ! verify sysinit.target multi-user.target boot-complete.target shutdown.target; then
        cat "$T/verify.out" >&2
        fail "the boot transaction with lastgood enabled does not verify"
fi
[ ! -s "$T/verify.out" ] || fail "boot transaction warnings: $(cat "$T/verify.out")"
ok "boot transaction (sysinit, multi-user, boot-complete, shutdown) verifies with lastgood enabled"

# ---- the watchdog -------------------------------------------------------------

[ "$(unit_value "$WD" Service Type)" = notify ] || fail "watchdog: Type=$(unit_value "$WD" Service Type), not notify"
ws=$(unit_value "$WD" Service WatchdogSec)
[ -n "$ws" ] || fail "watchdog: no WatchdogSec="
us=$(systemd-analyze timespan "$ws" | awk '$1 == "μs:" { print $2 }')
[ -n "$us" ] && [ "$us" -gt 0 ] || fail "watchdog: WatchdogSec=$ws is no positive time span"
ok "watchdog: Type=notify, WatchdogSec=$ws ($us µs)"

case "$(unit_value "$WD" Service Restart)" in
on-failure | on-watchdog | on-abnormal | always) ;;
*) fail "watchdog: a hung daemon killed by WatchdogSec= is not restarted (Restart=$(unit_value "$WD" Service Restart))" ;;
esac
[ "$(basename "$(exec_path "$WD")")" = lastgood-watchdog ] || fail "watchdog: ExecStart= runs $(exec_path "$WD")"
# It tells an orderly shutdown from a stop by the stop job running while
# shutdown.target is queued: the default dependencies give it that.
case "$(unit_value "$WD" Unit DefaultDependencies)" in
no | false | 0 | off)
        has_word "$WD" Unit Conflicts shutdown.target && has_word "$WD" Unit Before shutdown.target ||
                fail "watchdog: without default dependencies, Conflicts=/Before=shutdown.target are needed"
        ;;
esac
has_word "$WD" Unit After local-fs.target || fail "watchdog: not After=local-fs.target (the proven write at shutdown)"
ok "watchdog: restarted when hung, stopped before shutdown.target and before local file systems go"

# ---- the check unit -----------------------------------------------------------

has_word "$CK" Unit Before boot-complete.target || fail "check: not Before=boot-complete.target"
has_word "$CK" Install RequiredBy boot-complete.target || fail "check: not RequiredBy=boot-complete.target"
! has_word "$CK" Unit After boot-complete.target || fail "check: After=boot-complete.target"
# Before= only waits for a start job that ends when the checks end.
[ "$(unit_value "$CK" Service Type)" = oneshot ] || fail "check: Type=$(unit_value "$CK" Service Type): the target would not wait"
exec_line=$(unit_value "$CK" Service ExecStart)
[[ "$exec_line" == *lastgood-watchdog*--check* ]] || fail "check: ExecStart=$exec_line"
ok "check: oneshot, Before= and RequiredBy= boot-complete.target"

# ---- the apply unit -----------------------------------------------------------

case "$(unit_value "$AP" Unit DefaultDependencies)" in
no | false | 0 | off) ;;
*) fail "apply: DefaultDependencies=$(unit_value "$AP" Unit DefaultDependencies), not no" ;;
esac
has_word "$AP" Unit Before sysinit.target || fail "apply: not Before=sysinit.target"
[ "$(unit_value "$AP" Service Type)" = oneshot ] || fail "apply: not Type=oneshot: sysinit.target would not wait"
has_word "$AP" Unit RequiresMountsFor /var/lib/lastgood || has_word "$AP" Unit After local-fs.target ||
        fail "apply: /var/lib/lastgood (manifest, last good copies) may not be mounted yet"
ok "apply: DefaultDependencies=no, oneshot, Before=sysinit.target, after /var/lib/lastgood is mounted"

# ---- the sandbox --------------------------------------------------------------

# sec UNIT NAME: "true", "false" or "null" for one line of
# systemd-analyze security (true: the restriction is in force).
for u in lastgood-watchdog lastgood-check lastgood-apply; do
        systemd-analyze security --offline=yes --root="$R" --json=short "$u.service" >"$T/$u.json" 2>"$T/sec.err" ||
                fail "systemd-analyze security $u: $(cat "$T/sec.err")"
done
sec() {
        "$PY" - "$T/$1.json" "$2" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1])):
    if e["name"] == sys.argv[2]:
        print(json.dumps(e["set"]))
        sys.exit(0)
sys.exit("no line %r in systemd-analyze security" % sys.argv[2])
PY
}
want() { # want UNIT NAME true|false WHY
        local v
        v=$(sec "$1" "$2") || fail "$1: $v"
        [ "$v" = "$3" ] || fail "$1: $2 is $v, wanted $3: $4"
}

# Hardening that is there.
want lastgood-watchdog ProtectSystem= true "the daemon must not be able to write the OS tree"
want lastgood-watchdog PrivateTmp= true "private /tmp"
want lastgood-watchdog NoNewPrivileges= true "no privilege gain"
[ "$(unit_value "$WD" Service ProtectSystem)" = strict ] || fail "watchdog: ProtectSystem= is not strict"
# For units with DefaultDependencies=no the analyzer scores ProtectSystem=,
# ProtectHome= and PrivateTmp= as null ("special boot phase"), though they
# apply: read them from the file.
[ "$(unit_value "$CK" Service ProtectSystem)" = strict ] || fail "check: ProtectSystem= is not strict"
is_true "$(unit_value "$CK" Service PrivateTmp)" || fail "check: no PrivateTmp="
want lastgood-check NoNewPrivileges= true "no privilege gain"
is_true "$(unit_value "$AP" Service PrivateTmp)" || fail "apply: no PrivateTmp="
want lastgood-apply PrivateNetwork= true "early boot, no network"
ok "hardening in force: ProtectSystem=strict, PrivateTmp=, NoNewPrivileges= (watchdog, check); PrivateTmp=, PrivateNetwork= (apply)"

# The boot-state records: efivarfs writable, the immutable flag clearable.
for u in lastgood-watchdog lastgood-apply; do
        want $u ProtectKernelTunables= false "it remounts /sys read-only: no efivarfs writes"
        want $u CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE false \
                "efivarfs files are immutable; the store clears the flag before each write"
        writable "$ETC/$u.service" /sys/firmware/efi/efivars || fail "$u: /sys/firmware/efi/efivars is read-only"
        writable "$ETC/$u.service" /var/lib/lastgood || fail "$u: /var/lib/lastgood is read-only"
        writable "$ETC/$u.service" /run/lastgood || fail "$u: /run/lastgood is read-only"
done
# The rule above, checked on a unit that breaks it.
printf '[Service]\nProtectSystem=strict\nProtectKernelTunables=yes\n' >"$T/bad.service"
! writable "$T/bad.service" /sys/firmware/efi/efivars || fail "writable() does not see ProtectKernelTunables="
! writable "$T/bad.service" /var/lib/lastgood || fail "writable() does not see ProtectSystem=strict"
printf 'ReadWritePaths=-/var/lib/lastgood/\n' >>"$T/bad.service"
writable "$T/bad.service" /var/lib/lastgood/generations || fail "writable() does not see ReadWritePaths="
# The apply unit moves agent content (/etc/falco/rules.d/... in DESIGN.md).
writable "$AP" /etc/falco/rules.d || fail "apply: agent content under /etc is read-only: rollback cannot work"
ok "watchdog, apply: efivarfs, /var/lib/lastgood, /run/lastgood writable; CAP_LINUX_IMMUTABLE kept"

# The health checks run as children of the watchdog and of the check unit
# and inherit their seccomp filters and namespaces: a check that probes a
# local service over IP, or runs on a JIT, must not fail because of
# lastgood's sandbox (it would count a good boot as failed).
for u in lastgood-watchdog lastgood-check; do
        want $u "RestrictAddressFamilies=~AF_(INET|INET6)" false "health checks may probe services over IP"
        want $u PrivateNetwork= false "health checks may probe services over IP"
        want $u MemoryDenyWriteExecute= false "health checks may run on a JIT (Java, node.js, LuaJIT)"
done
ok "watchdog, check: the health checks keep IP sockets, the host network and W+X mappings"

# Issues 10 and 18: the sandbox as systemd-analyze scores it (0 safe .. 10
# unsafe): at most 3.0 for all three units, which must still reach the
# service manager (AF_UNIX) and the journal. The check unit cannot write
# /run/lastgood (the hand-over, the healthy marker): its health checks run
# inside it, bounded as under the watchdog (issue 18: it scored 8.0, the
# checks ran there as full root).
exposure() {
        systemd-analyze security --offline=yes --root="$R" "$1.service" 2>/dev/null |
                sed -n 's/^.*Overall exposure level for [^:]*: \([0-9.]*\) .*$/\1/p'
}
for u in lastgood-apply lastgood-watchdog lastgood-check; do
        e=$(exposure $u)
        [ -n "$e" ] || fail "$u: no overall exposure from systemd-analyze security"
        awk -v e="$e" 'BEGIN { exit !(e <= 3.0) }' || fail "$u: exposure $e, wanted at most 3.0"
        echo "  $u: exposure $e"
        want $u "RestrictAddressFamilies=~AF_UNIX" false "the service manager and the journal are AF_UNIX sockets"
        want $u NoNewPrivileges= true "no privilege gain"
        want $u "CapabilityBoundingSet=~CAP_SYS_ADMIN" true "no administrator privileges"
done
want lastgood-apply PrivateDevices= true "no device access"
want lastgood-apply "RestrictAddressFamilies=~AF_(INET|INET6)" true "early boot: no network at all"
! writable "$CK" /run/lastgood || fail "check: /run/lastgood is writable, its health checks could forge the hand-over"
! writable "$CK" /run/lastgood/withheld || fail "check: /run/lastgood/withheld is writable"
# The checks under the check unit get what they get under the watchdog:
# localhost over IP, no other host.
[ "$(unit_value "$CK" Service IPAddressAllow)" = "$(unit_value "$WD" Service IPAddressAllow)" ] ||
        fail "check: IPAddressAllow= differs from the watchdog's (the same checks run in both)"
[ "$(unit_value "$CK" Service RestrictAddressFamilies)" = "$(unit_value "$WD" Service RestrictAddressFamilies)" ] ||
        fail "check: RestrictAddressFamilies= differs from the watchdog's (the same checks run in both)"
ok "sandbox: apply, watchdog and check at most 3.0, AF_UNIX kept; the check unit cannot write /run/lastgood"

echo "OK: $n checks"
