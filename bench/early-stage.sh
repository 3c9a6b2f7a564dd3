#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Speed of lastgood-early (issue #3, "Speed") on a real-size module tree:
# a copy of the installed kernel's /lib/modules/KVER (Debian's
# linux-image-cloud-amd64 by default) plus 50 fake third-party modules with
# a modinfo section (tests/fixtures/modules/mkmod.sh), in a temporary root;
# the host's tree is only read. The initramfs root, on tmpfs as in a real
# boot, holds the modules the installed kernel's initramfs holds
# (lsinitramfs) plus the 50 fake ones; BENCH_IMAGE_MODULES=all puts the
# whole tree there instead (the upper bound).
#
# Timed with hyperfine (warm cache, medians):
#   pre-udev                      target <= 10 ms
#   pre-switch --sysroot=DIR      target <= 50 ms
#   depmod -n over the same tree  (for the ratio)
# in steady state (not armed) and armed (one third-party module updated,
# image rebuilt: counted at level 0, and at level 1 after Threshold tries).
# strace shows which files each stage opens: in steady state pre-udev
# opens no module file at all.
# Start-up (lastgood-early --help: exec and the dynamic loader, nothing
# else) is reported beside pre-udev, as a share of it (target: at most a
# third, issue #14), with the shared libraries the binary needs and maps.
#
#   bench/early-stage.sh [BUILDDIR]
#
# BUILDDIR (or $top_builddir) holds lastgood-early and
# tests/integration/early-helper (default: the current folder when it has
# them, else the source tree). Environment: BENCH_KVER (kernel release of
# the tree), RUNS (hyperfine runs per case, default 100), DEPMOD_RUNS (20),
# WARMUP (5), BENCH_OUT (folder for the JSON exports and strace logs,
# default: a temporary one, removed).
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
if [ $# -ge 1 ]; then
        top_builddir=$(cd "$1" && pwd)
elif [ -z "${top_builddir:-}" ]; then
        if [ -x ./lastgood-early ]; then top_builddir=$PWD; else top_builddir=$top_srcdir; fi
fi
export top_srcdir top_builddir
RUNS=${RUNS:-100}
DEPMOD_RUNS=${DEPMOD_RUNS:-20}
WARMUP=${WARMUP:-5}

for t in hyperfine strace depmod python3; do
        command -v "$t" >/dev/null || { echo "early-stage: $t is needed" >&2; exit 2; }
done
[ -x "$top_builddir/lastgood-early" ] || { echo "early-stage: no $top_builddir/lastgood-early (make first)" >&2; exit 2; }
[ -x "$top_builddir/tests/integration/early-helper" ] ||
        make -s -C "$top_builddir" tests/integration/early-helper

# T, S (real root), R (initramfs root), EARLY, HELPER, MODS, the efivarfs
# environment, rebuild_image, update_module, state, fail.
. "$top_srcdir/tests/integration/early-lib.sh"

# The kernel whose tree is measured: the newest cloud kernel installed.
if [ -n "${BENCH_KVER:-}" ]; then
        KVER=$BENCH_KVER
else
        KVER=$(ls -1 /lib/modules 2>/dev/null | grep -- '-cloud-amd64$' | sort -V | tail -n 1 || true)
fi
[ -n "$KVER" ] && [ -d "/lib/modules/$KVER/kernel" ] ||
        { echo "early-stage: no /lib/modules/*-cloud-amd64 (apt-get install linux-image-cloud-amd64, or set BENCH_KVER)" >&2; exit 2; }
# The initramfs root lives on tmpfs, as the unpacked image does in a real
# boot (rootfs), so /run writes and the walk of the image's modules cost
# what they cost there; the real root stays on the disk's file system.
RT=
if [ "$(stat -f -c %T "${BENCH_TMPFS:-/dev/shm}" 2>/dev/null)" = tmpfs ]; then
        RT=$(mktemp -d -p "${BENCH_TMPFS:-/dev/shm}")
        trap 'cleanup; rm -rf "$RT"' EXIT
        R=$RT/initramfs
        export EFIVARFS_PATH=$R/sys/firmware/efi/efivars/
        r_fs="tmpfs ($RT)"
else
        r_fs="$(stat -f -c %T "$T") (no tmpfs at ${BENCH_TMPFS:-/dev/shm})"
fi
OUT=${BENCH_OUT:-$T/out}
mkdir -p "$OUT"

echo "== setting up (kernel $KVER)"
M=$S/lib/modules/$KVER
mkdir -p "$S/lib/modules"
cp -a "/lib/modules/$KVER" "$S/lib/modules/"
n_real=$(find "$M" -name '*.ko*' | wc -l)
# 50 fake third-party modules, by every rule of the contract: under
# updates/dkms/, extra/, updates/, and without intree=Y under kernel/.
vm="vermagic=$KVER SMP mod_unload modversions"
for i in $(seq -w 1 50); do
        case $i in
        0* | 1?) d=updates/dkms ;;
        2? | 3[0-4]) d=extra ;;
        3? | 4[0-4]) d=updates ;;
        *) d=kernel/drivers/misc ;;
        esac
        "$MODS/mkmod.sh" "$M/$d/lgbench_$i.ko" license=Proprietary "$vm" "srcversion=BE0C00$i" \
                "description=lastgood bench fake module $i"
done
n_all=$(find "$M" -name '*.ko*' | wc -l)
mkdir -p "$S/etc/lastgood/agents.d" "$S/etc/benchagent/rules.d"
printf '[Agent]\nUnits=benchagent.service\nModules=lgbench_01\nContent=/etc/benchagent/rules.d/*\nOnSafeMode=rollback\n' \
        >"$S/etc/lastgood/agents.d/benchagent.conf"
echo "rules: 1" >"$S/etc/benchagent/rules.d/a.yaml"

mkdir -p "$R/proc" "$R/run" "$R/dev" "$R/sys/firmware/efi/efivars" "$R/etc" "$R/var/lib/lastgood" "$R/lib/modules"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" >"$R/proc/cmdline"
: >"$R/dev/kmsg"
# The proven boot's manifest (as the watchdog records it), then the image:
# the tree (cp -a keeps size and mtime, as copy_file's cp -p does),
# config, manifest, and the build-time inventory (arm-if-changed).
"$HELPER" "$S" manifest "$KVER"
# The image's modules: those of the installed kernel's real initramfs
# (lsinitramfs) plus the 50 fake ones, or the whole tree (the upper bound)
# with BENCH_IMAGE_MODULES=all or when there is no image to list.
image=/boot/initrd.img-$KVER
if [ "${BENCH_IMAGE_MODULES:-image}" != all ] && [ -r "$image" ] && command -v lsinitramfs >/dev/null &&
        lsinitramfs "$image" | grep -E '\.ko(\.(xz|zst|gz))?$' | sed -E "s#^(usr/)?lib/modules/$KVER/##" >"$T/image.list" &&
        [ -s "$T/image.list" ]; then
        n_img=$(wc -l <"$T/image.list")
        (cd "$M" && find . -name 'lgbench_*.ko' | sed 's#^\./##') >>"$T/image.list"
        mkdir -p "$R/lib/modules/$KVER"
        (cd "$M" && xargs -a "$T/image.list" cp -a --parents -t "$R/lib/modules/$KVER")
        image_desc="the $n_img modules of $image + the 50 fake ones"
else
        cp -a "$M" "$R/lib/modules/"
        image_desc="the whole tree"
fi
n_r=$(find "$R/lib/modules/$KVER" -name '*.ko*' | wc -l)
INITRAMFS_MODULES=
rebuild_image
"$HELPER" "$R" state armed=0 tries=0 level=0 boot_seq=7
echo "tree: $n_real modules of $KVER + $((n_all - n_real)) fake third-party = $n_all module files ($(du -sh "$M" | cut -f1))"
echo "real root: $(stat -f -c %T "$S") ($S); initramfs root: $r_fs"
echo "initramfs modules: $n_r module files, $image_desc"
echo "state: $(state)"

# ---- cases ------------------------------------------------------------------
PRE_UDEV="$EARLY --root=$R --kernel-release=$KVER pre-udev"
PRE_SWITCH="$EARLY --root=$R --kernel-release=$KVER pre-switch --sysroot=$S"
DEPMOD="depmod -n -b $S $KVER"

# prep NAME KEY=VALUE... [--pre-udev]: a prepare script for hyperfine (not
# timed): the hot record, an empty /run and /dev/kmsg, and with --pre-udev
# the run of pre-udev that comes before pre-switch in a boot.
prep() {
        local name=$1 f=$T/prep-$1.sh st="" pu=""
        shift
        for a in "$@"; do
                if [ "$a" = --pre-udev ]; then pu=1; else st="$st $a"; fi
        done
        {
                echo "set -e"
                printf 'export EFIVARFS_PATH=%q LIBEFIVAR_OPS=efivarfs\n' "$EFIVARFS_PATH"
                printf '%q %q state%s >/dev/null\n' "$HELPER" "$R" "$st"
                printf 'rm -rf %q && mkdir %q && : > %q\n' "$R/run" "$R/run" "$R/dev/kmsg"
                [ -z "$pu" ] || echo "$PRE_UDEV"
        } >"$f"
        echo "bash $f"
}

# bench NAME RUNS CMD PREPARE: hyperfine one case; its JSON in $OUT/NAME.json.
bench() {
        local name=$1 runs=$2 cmd=$3 prepare=$4
        echo
        echo "== $name"
        echo "   \$ $cmd"
        hyperfine -N --style basic --warmup "$WARMUP" --runs "$runs" --prepare "$prepare" \
                --export-json "$OUT/$name.json" --command-name "$name" "$cmd" | sed 's/^/   /'
}

median_ms() {
        python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' \
                "$OUT/$1.json"
}
# "min  user+sys" of a case, in ms
min_cpu_ms() {
        python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]
print("%6.2f %6.2f" % (r["min"] * 1000, (r["user"] + r["system"]) * 1000))' "$OUT/$1.json"
}

# trace NAME CMD PREPARE: the file system calls of one run; prints how
# many of them name a module file (and how many opened one).
trace() {
        local name=$1 cmd=$2 prepare=$3 log=$OUT/$1.strace
        $prepare
        # shellcheck disable=SC2086
        strace -f -qq -e trace=%file -o "$log" $cmd
        printf '%s %s %s\n' "$(grep -c . "$log")" "$(grep -c '\.ko' "$log" || true)" \
                "$(grep -E '^[0-9]+ +(open|openat|openat2)\(' "$log" | grep -c '\.ko' || true)"
}

# Sanity: steady state is steady (nothing counted, nothing written).
$(prep steady armed=0 tries=0 level=0 boot_seq=7)
$PRE_UDEV
[ -z "$(ls -A "$R/run")" ] || fail "steady-state pre-udev wrote to /run: $(ls -A "$R/run")"
[ "$(state)" = "armed=0 tries=0 level=0 unproven=0 boot_seq=7" ] || fail "steady-state pre-udev changed the state: $(state)"

echo
echo "=== steady state (not armed)"
bench depmod-n "$DEPMOD_RUNS" "$DEPMOD" "true"
# The floor under every case: starting the program (exec, dynamic loading
# of libefivar, libkmod and what they pull in), nothing else.
bench start-only "$RUNS" "$EARLY --help" "true"
bench steady-pre-udev "$RUNS" "$PRE_UDEV" "$(prep steady armed=0 tries=0 level=0 boot_seq=7)"
bench steady-pre-switch "$RUNS" "$PRE_SWITCH" "$(prep steady armed=0 tries=0 level=0 boot_seq=7)"
read -r tr_su_all tr_su_ko tr_su_open < <(trace steady-pre-udev "$PRE_UDEV" "$(prep steady armed=0 tries=0 level=0 boot_seq=7)")
read -r tr_ss_all tr_ss_ko tr_ss_open < <(trace steady-pre-switch "$PRE_SWITCH" "$(prep steady armed=0 tries=0 level=0 boot_seq=7)")
grep -q 'LEVEL=0' "$R/run/lastgood/decision" || fail "steady pre-switch: $(cat "$R/run/lastgood/decision")"
[ ! -e "$R/run/modprobe.d/lastgood.conf" ] || fail "steady state withheld something: $(cat "$R/run/modprobe.d/lastgood.conf")"

echo
echo "=== armed: a new build of updates/dkms/lgbench_02.ko lands, the image is rebuilt"
update_module updates/dkms/lgbench_02.ko
INITRAMFS_MODULES=updates/dkms/lgbench_02.ko
rebuild_image
case " $(state) " in *" armed=1 "*) ;; *) fail "rebuilding the image did not arm: $(state)" ;; esac
# Checks of the armed cases' outcome, once each before timing.
$(prep armed1 armed=1 tries=2 level=0 boot_seq=7)
$PRE_UDEV
grep -qx 'LEVEL=1' "$R/run/lastgood/decision" || fail "armed tries=2: not level 1: $(cat "$R/run/lastgood/decision")"
$PRE_SWITCH
grep -qx 'blacklist lgbench_02' "$R/run/modprobe.d/lastgood.conf" || fail "level 1 does not withhold lgbench_02"

bench armed0-pre-udev "$RUNS" "$PRE_UDEV" "$(prep armed0 armed=1 tries=0 level=0 boot_seq=7)"
bench armed1-pre-udev "$RUNS" "$PRE_UDEV" "$(prep armed1 armed=1 tries=2 level=0 boot_seq=7)"
bench armed0-pre-switch "$RUNS" "$PRE_SWITCH" "$(prep armed0s armed=1 tries=0 level=0 boot_seq=7 --pre-udev)"
bench armed1-pre-switch "$RUNS" "$PRE_SWITCH" "$(prep armed1s armed=1 tries=2 level=0 boot_seq=7 --pre-udev)"
read -r tr_a0u_all tr_a0u_ko tr_a0u_open < <(trace armed0-pre-udev "$PRE_UDEV" "$(prep armed0 armed=1 tries=0 level=0 boot_seq=7)")
read -r tr_a1u_all tr_a1u_ko tr_a1u_open < <(trace armed1-pre-udev "$PRE_UDEV" "$(prep armed1 armed=1 tries=2 level=0 boot_seq=7)")
read -r tr_a0s_all tr_a0s_ko tr_a0s_open < <(trace armed0-pre-switch "$PRE_SWITCH" "$(prep armed0s armed=1 tries=0 level=0 boot_seq=7 --pre-udev)")
read -r tr_a1s_all tr_a1s_ko tr_a1s_open < <(trace armed1-pre-switch "$PRE_SWITCH" "$(prep armed1s armed=1 tries=2 level=0 boot_seq=7 --pre-udev)")

# ---- report -----------------------------------------------------------------
dep=$(median_ms depmod-n)
row() { # NAME TARGET_MS LABEL STRACE_ALL STRACE_KO STRACE_OPEN_KO
        local m verdict
        m=$(median_ms "$1")
        verdict=$(python3 -c 'import sys; print("ok" if float(sys.argv[1]) <= float(sys.argv[2]) else "MISSES")' "$m" "$2")
        printf '%-38s %8s ms  <=%3s ms %-6s %s %6.1f%%  %5.1fx  %5s %5s %5s\n' "$3" "$m" "$2" "$verdict" "$(min_cpu_ms "$1")" \
                "$(python3 -c 'import sys; print(100*float(sys.argv[1])/float(sys.argv[2]))' "$m" "$dep")" \
                "$(python3 -c 'import sys; print(float(sys.argv[2])/float(sys.argv[1]))' "$m" "$dep")" "$4" "$5" "$6"
}
echo
echo "=== lastgood-early on $KVER: real root $n_all module files ($((n_all - n_real)) fake third-party), initramfs $n_r; warm cache"
echo "medians of $RUNS runs ($DEPMOD_RUNS for depmod -n), hyperfine --warmup $WARMUP, same run; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-38s %11s  %9s %-6s %6s %6s %7s  %6s  %5s %5s %5s\n' "case" "median" "target" "" "min" "cpu" "/depmod" "faster" "fs-sc" ".ko" "open"
printf '%-38s %8s ms  %16s %s\n' "depmod -n (same tree)" "$dep" "" "$(min_cpu_ms depmod-n)"
printf '%-38s %8s ms  %16s %s\n' "start-up only (lastgood-early --help)" "$(median_ms start-only)" "" "$(min_cpu_ms start-only)"
row steady-pre-udev 10 "steady    pre-udev" "$tr_su_all" "$tr_su_ko" "$tr_su_open"
row steady-pre-switch 50 "steady    pre-switch" "$tr_ss_all" "$tr_ss_ko" "$tr_ss_open"
row armed0-pre-udev 10 "armed L0  pre-udev (counted)" "$tr_a0u_all" "$tr_a0u_ko" "$tr_a0u_open"
row armed1-pre-udev 10 "armed L1  pre-udev (safe mode, scan)" "$tr_a1u_all" "$tr_a1u_ko" "$tr_a1u_open"
row armed0-pre-switch 50 "armed L0  pre-switch" "$tr_a0s_all" "$tr_a0s_ko" "$tr_a0s_open"
row armed1-pre-switch 50 "armed L1  pre-switch (withholds 1)" "$tr_a1s_all" "$tr_a1s_ko" "$tr_a1s_open"
echo "min, cpu: the fastest run and the mean user+sys CPU time (ms), less sensitive to a busy machine than the median"
echo
echo "=== start-up against pre-udev (target: start-up <= 1/3 of steady pre-udev, medians)"
share=$(python3 -c 'import sys; print("%.0f" % (100 * float(sys.argv[1]) / float(sys.argv[2])))' \
        "$(median_ms start-only)" "$(median_ms steady-pre-udev)")
verdict=$( [ "$share" -le 33 ] && echo ok || echo MISSES)
printf 'start-up %s ms, steady pre-udev %s ms: %s%% (<= 33%%) %s\n' "$(median_ms start-only)" \
        "$(median_ms steady-pre-udev)" "$share" "$verdict"
echo "NEEDED: $(readelf -d "$EARLY" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
echo "mapped at start (ldd): $(ldd "$EARLY" | awk '$1 !~ /vdso/ { print $1 }' | tr '\n' ' ')"
echo "fs-sc: file-system calls of one run (strace -f -e trace=%file); .ko: those naming a module file; open: open*() of one"
echo
echo "=== strace -f -e trace=%file, steady-state pre-udev (module files opened: $tr_su_open):"
echo "   (the dynamic loader's opens of ld.so.cache and $(grep -c 'x86_64-linux-gnu/lib' "$OUT/steady-pre-udev.strace") libraries left out)"
awk -v r="$R" 'index($0, "\"" r "\"") { on = 1 } on' "$OUT/steady-pre-udev.strace" |
        sed -e "s|$R|\$R|g" -e "s|$S|\$S|g" -e 's/^[0-9]* */   /'
[ "$tr_su_open" = 0 ] || echo "MISSES: steady-state pre-udev opened $tr_su_open module file(s)"
if [ -n "${BENCH_OUT:-}" ]; then echo "JSON and strace logs: $OUT"; fi
