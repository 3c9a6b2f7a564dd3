#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Footprint of lastgood-watchdog (issue #4, "Footprint"):
#   - the daemon at rest: RSS (VmRSS of /proc/PID/status, and the maximum
#     RSS of its whole life from /usr/bin/time -v) <= 4 MiB;
#   - no periodic wake-ups other than the watchdog ping: context switches
#     (/proc/PID/status) and the syscalls strace -f -tt -p sees over a quiet
#     window, against the pings WATCHDOG_USEC asks for (one per USEC/2);
#   - the proven write over 10,000 content files (issue #14): at most
#     200 ms with nothing changed and at most 300 ms with 100 changed
#     (median), timed with hyperfine on `lastgood-watchdog --prove-now` (the
#     same lg_proven_write() the daemon runs at ProveSec= or at an orderly
#     shutdown; the time includes the program's start), warm cache, with
#     the machine's load printed beside the figures.
#
# The real daemon runs as the daemon tests run it (tests/integration/
# watchdog-lib.sh): a temporary root, a private dbus-daemon with the
# systemd1 stub, a NOTIFY_SOCKET listener; here with the module watch on
# (kernel uevents) and a module tree copied from the installed kernel
# (Debian's linux-image-cloud-amd64 by default), plus an agent whose
# Content= matches 10,000 files.
#
#   bench/watchdog-footprint.sh [BUILDDIR]
#
# BUILDDIR (or $top_builddir) holds lastgood-watchdog (default: the current
# folder when it has it, else the source tree). Environment: BENCH_KVER
# (module tree to copy; the test fixture tree when there is none),
# N_FILES (10000), WINDOW (quiet window in s, 10), WD_USEC (WATCHDOG_USEC,
# 2000000), RUNS (hyperfine runs per case, 20), WARMUP (3), BENCH_OUT
# (folder for the JSON exports and logs, default: temporary, removed),
# PARTS (all; "proven": the proven-write figures only, not the daemon),
# FIRST_RUNS (runs of the first-ever case, seconds each: 5, one warm-up).
set -euo pipefail
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
if [ $# -ge 1 ]; then
        top_builddir=$(cd "$1" && pwd)
elif [ -z "${top_builddir:-}" ]; then
        if [ -x ./lastgood-watchdog ]; then top_builddir=$PWD; else top_builddir=$top_srcdir; fi
fi
export top_srcdir top_builddir
N_FILES=${N_FILES:-10000}
WINDOW=${WINDOW:-10}
WD_USEC=${WD_USEC:-2000000}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
PARTS=${PARTS:-all}
FIRST_RUNS=${FIRST_RUNS:-5}

for t in hyperfine strace dbus-daemon dbus-send /usr/bin/time bc pgrep; do
        command -v "$t" >/dev/null || { echo "watchdog-footprint: $t is needed" >&2; exit 2; }
done
[ -x "$top_builddir/lastgood-watchdog" ] ||
        { echo "watchdog-footprint: no $top_builddir/lastgood-watchdog (make first)" >&2; exit 2; }

# T, ROOT, WD, PY, NOTIFY, wait_for, fail, wd_setup_root, state_set,
# state_get, state_has, bus_start, boot_complete; the cleanup trap.
. "$top_srcdir/tests/integration/watchdog-lib.sh"
OUT=${BENCH_OUT:-$T/out}
mkdir -p "$OUT"

if [ -n "${BENCH_KVER:-}" ]; then
        host_kver=$BENCH_KVER
else
        host_kver=$(ls -1 /lib/modules 2>/dev/null | grep -- '-cloud-amd64$' | sort -V | tail -n 1 || true)
fi
if [ -n "$host_kver" ] && [ -d "/lib/modules/$host_kver/kernel" ]; then
        KVER=$host_kver
fi

echo "== setting up"
wd_setup_root
if [ "$KVER" = "$host_kver" ]; then
        rm -rf "$ROOT/lib/modules/$KVER"
        cp -a "/lib/modules/$KVER" "$ROOT/lib/modules/"
        tree="a copy of /lib/modules/$KVER"
else
        MKMOD_CACHE=${MKMOD_CACHE:-$top_builddir/tests/fixtures-cache} \
                "$top_srcdir/tests/fixtures/modules/build-tree.sh" "$ROOT" "$KVER" 2>/dev/null
        tree="the fixture tree (tests/fixtures/modules/build-tree.sh)"
fi
n_mod=$(find "$ROOT/lib/modules/$KVER" -name '*.ko*' | wc -l)

# The big agent: N_FILES content files of 256..4096 bytes in one folder
# (the runtime watch covers the folder before the first glob character).
CDIR=/var/lib/bigagent/signatures
cat >"$ROOT/etc/lastgood/agents.d/bigagent.conf" <<CONF
[Agent]
Units=bigagent.service
Content=$CDIR/*
OnSafeMode=rollback
CONF
"$PY" - "$ROOT$CDIR" "$N_FILES" <<'PY'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
rnd = random.Random(4)
for i in range(n):
    with open(os.path.join(d, "sig-%05d.db" % i), "wb") as f:
        f.write(rnd.randbytes(rnd.randint(256, 4096)))
PY
n_content=$(find "$ROOT$CDIR" "$ROOT/etc/falco/rules.d" -type f | wc -l)
echo "root: $ROOT ($(stat -f -c %T "$ROOT")); $n_mod module files ($tree), $n_content content files" \
        "($(du -sh "$ROOT$CDIR" | cut -f1) in $CDIR)"

# Hot records to start each case from, as the store keeps them.
state_set armed=1 tries=1 boot_seq=5
cp "$(STATE_VAR)" "$T/state-armed"
state_set armed=0 tries=0 boot_seq=5
cp "$(STATE_VAR)" "$T/state-steady"
find "$ROOT$CDIR" -type f | sort | sed -n 1,100p >"$T/changed.list"

PROVE="$WD --root=$ROOT --kernel-release=$KVER --prove-now"
# prep NAME SHELL-LINES: a prepare script for hyperfine (not timed).
prep() {
        local f=$T/prep-$1.sh
        {
                echo "set -e"
                echo "$2"
        } >"$f"
        echo "bash $f"
}
median_ms() {
        "$PY" -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' \
                "$OUT/$1.json"
}
min_cpu_ms() { # "min  user+sys" of a case, in ms
        "$PY" -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]
print("min %6.1f  cpu %6.1f" % (r["min"] * 1000, (r["user"] + r["system"]) * 1000))' "$OUT/$1.json"
}
bench() { # NAME PREPARE [RUNS WARMUP]
        echo
        echo "== proven write: $1"
        echo "   \$ $PROVE"
        hyperfine -N --style basic --warmup "${4:-$WARMUP}" --runs "${3:-$RUNS}" --prepare "$2" \
                --export-json "$OUT/$1.json" --command-name "$1" "$PROVE" | sed 's/^/   /'
}
LIB=$ROOT/var/lib/lastgood
P_FIRST=$(prep first "rm -rf '$LIB' && mkdir -p '$LIB' && cp '$T/state-armed' '$(STATE_VAR)'")
P_LINKED=$(prep linked "cp '$T/state-armed' '$(STATE_VAR)'")
P_CHANGED=$(prep changed "cp '$T/state-armed' '$(STATE_VAR)'
xargs -a '$T/changed.list' touch")
P_STEADY=$(prep steady "cp '$T/state-steady' '$(STATE_VAR)'")

# Sanity, once each: what every case does.
$P_FIRST
$PROVE 2>"$OUT/first.log" || fail "first proven write: $(cat "$OUT/first.log")"
state_has armed=0 unproven=0 tries=0 || fail "first proven write left $(state_get)"
grep -q "sig-00000.db" "$LIB/manifest" || fail "the manifest lacks the content"
$P_CHANGED
$PROVE 2>"$OUT/changed.log"
grep -q "Proven write: generation" "$OUT/changed.log" || fail "changed: $(cat "$OUT/changed.log")"
$P_STEADY
touch "$T/marker"
sleep 0.01
$PROVE 2>"$OUT/steady.log"
grep -q "steady state, nothing written" "$OUT/steady.log" || fail "steady: $(cat "$OUT/steady.log")"
[ -z "$(find "$LIB" "$ROOT/sys" -newer "$T/marker" | head -n 1)" ] ||
        fail "steady-state proven write wrote: $(find "$LIB" "$ROOT/sys" -newer "$T/marker" | head -n 5)"
echo "first:   $(grep -o 'Proven write: .*' "$OUT/first.log")"
echo "changed: $(grep -o 'Proven write: .*' "$OUT/changed.log")"
echo "steady:  $(grep -o 'Proven write: .*' "$OUT/steady.log")"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bench first-ever "$P_FIRST" "$FIRST_RUNS" 1
bench armed-unchanged "$P_LINKED"
bench armed-100-changed "$P_CHANGED"
bench steady "$P_STEADY"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Where the time of one proven write goes: the syscalls that wait for the
# disk, and the peak memory of one run.
sync_ms() { # PREPARE NAME: ms one run spends in syncfs/fsync
        $1
        strace -f -qq -T -e trace=syncfs,fsync,fdatasync -o "$OUT/$2.sync" $PROVE 2>/dev/null
        awk -F'<' '{ gsub(/>/, "", $NF); s += $NF } END { printf "%.1f", s * 1000 }' "$OUT/$2.sync"
}
sync_linked=$(sync_ms "$P_LINKED" linked)
sync_changed=$(sync_ms "$P_CHANGED" changed)
$P_LINKED
/usr/bin/time -v -o "$OUT/linked.time" $PROVE 2>/dev/null
prove_maxrss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/linked.time")

if [ "$PARTS" != proven ]; then
# ---- the daemon at rest ------------------------------------------------------
echo
echo "== the daemon at rest (WATCHDOG_USEC=$WD_USEC: a ping every $((WD_USEC / 2000)) ms)"
cp "$T/state-armed" "$(STATE_VAR)"
bus_start boot-complete.target=inactive
"$PY" "$NOTIFY" "$T/notify.sock" "$T/notify.log" &
PIDS+=($!)
wait_for 50 test -S "$T/notify.sock" || fail "notify listener did not start"
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC="$WD_USEC" \
        /usr/bin/time -v -o "$OUT/daemon.time" \
        "$WD" --root="$ROOT" --kernel-release="$KVER" --bus-address="$BUS_ADDR" \
        --journal-export="$T/export" --stable-sec=1 --prove-sec=2 2>>"$T/daemon.log" &
TIME_PID=$!
PIDS+=($TIME_PID)
wait_for 100 grep -q "READY=1" "$T/notify.log" || fail "daemon not ready"
DPID=$(pgrep -P "$TIME_PID" | head -n 1)
[ -n "$DPID" ] && [ -r "/proc/$DPID/status" ] || fail "no daemon process"
grep -q "No module watch" "$T/daemon.log" && module_watch="off ($(grep -o 'No module watch.*' "$T/daemon.log"))" ||
        module_watch=on

status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) * 1000 / hz }' "/proc/$1/stat"; }
pings() { grep -c "WATCHDOG=1" "$T/notify.log" || true; }

# window NAME: counters over WINDOW quiet seconds, then what strace sees
# over another WINDOW seconds.
window() {
        local name=$1 v0 n0 p0 c0 v1 n1 p1 c1 log=$OUT/$1.strace
        v0=$(status "$DPID" voluntary_ctxt_switches); n0=$(status "$DPID" nonvoluntary_ctxt_switches)
        p0=$(pings); c0=$(cpu_ms "$DPID")
        sleep "$WINDOW"
        v1=$(status "$DPID" voluntary_ctxt_switches); n1=$(status "$DPID" nonvoluntary_ctxt_switches)
        p1=$(pings); c1=$(cpu_ms "$DPID")
        eval "${name}_vol=$((v1 - v0)) ${name}_invol=$((n1 - n0)) ${name}_pings=$((p1 - p0)) ${name}_cpu=$(echo "$c1 - $c0" | bc)"
        eval "${name}_rss=$(status "$DPID" VmRSS) ${name}_anon=$(status "$DPID" RssAnon) ${name}_file=$(status "$DPID" RssFile) ${name}_hwm=$(status "$DPID" VmHWM)"
        eval "${name}_threads=$(status "$DPID" Threads)"
        eval "${name}_pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$DPID/smaps_rollup" 2>/dev/null || echo 0)"
        # RSS by mapping (what the shared libraries bring), largest first.
        awk '/^[0-9a-f]+-[0-9a-f]+ / { m = (NF >= 6 ? $6 : "[anon]") } $1 == "Rss:" { r[m] += $2 }
             END { for (k in r) if (r[k] > 0) printf "%6d kB  %s\n", r[k], k }' "/proc/$DPID/smaps" |
                sort -rn >"$OUT/$name.maps"
        timeout -s INT "$WINDOW" strace -f -tt -qq -p "$DPID" -o "$log" 2>/dev/null || true
        eval "${name}_wakeups=$(grep -cE 'epoll_wait\(.*= [1-9]' "$log" || true)"
        eval "${name}_syscalls=$(grep -cv -e '<unfinished' -e 'resumed>' "$log" || true)"
}

sleep 1
window waiting
[ ! -e "$ROOT/run/lastgood/healthy" ] || fail "healthy before boot-complete.target"
boot_complete
wait_for 600 state_has armed=0 unproven=0 || fail "not proven after boot-complete + StableSec + ProveSec"
sleep 1
window rest

# The cost of one change seen at run time (the daemon judges it).
c0=$(cpu_ms "$DPID")
echo "new" >>"$ROOT$CDIR/sig-09999.db"
wait_for 100 grep -q "Change seen at run time" "$T/daemon.log" || true
sleep 0.5
change_cpu=$(echo "$(cpu_ms "$DPID") - $c0" | bc)
change_seen=$(grep -c "Change seen at run time" "$T/daemon.log" || true)
after_rss=$(status "$DPID" VmRSS)
after_hwm=$(status "$DPID" VmHWM)

kill -TERM "$DPID"
wait "$TIME_PID" || true
daemon_maxrss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/daemon.time")

fi
# ---- report ------------------------------------------------------------------
mib() { echo "scale=2; $1 / 1024" | bc; }
verdict() { # VALUE LIMIT
        if [ "$(echo "$1 <= $2" | bc)" = 1 ]; then echo ok; else echo MISSES; fi
}
expected=$((WINDOW * 2000000 / WD_USEC))
if [ "$PARTS" != proven ]; then
echo
echo "=== lastgood-watchdog footprint ($n_content content files, $n_mod modules, module watch $module_watch)"
echo "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); window $WINDOW s; WATCHDOG_USEC=$WD_USEC -> $expected pings expected per window"
printf '%-32s %10s %10s\n' "" "waiting" "at rest"
printf '%-32s %10s %10s\n' "" "(before" "(after"
printf '%-32s %10s %10s\n' "" "boot-compl.)" "proven)"
printf '%-32s %8s MiB %6s MiB  (<= 4 MiB: %s)\n' "VmRSS" "$(mib "$waiting_rss")" "$(mib "$rest_rss")" "$(verdict "$rest_rss" 4096)"
printf '%-32s %8s MiB %6s MiB\n' "  RssAnon" "$(mib "$waiting_anon")" "$(mib "$rest_anon")"
printf '%-32s %8s MiB %6s MiB\n' "  RssFile (shared libraries)" "$(mib "$waiting_file")" "$(mib "$rest_file")"
printf '%-32s %8s MiB %6s MiB\n' "Pss (shared pages split)" "$(mib "$waiting_pss")" "$(mib "$rest_pss")"
printf '%-32s %8s MiB %6s MiB\n' "VmHWM (peak so far)" "$(mib "$waiting_hwm")" "$(mib "$rest_hwm")"
printf '%-32s %10s %10s\n' "threads" "$waiting_threads" "$rest_threads"
printf '%-32s %10s %10s\n' "watchdog pings (notify socket)" "$waiting_pings" "$rest_pings"
printf '%-32s %10s %10s\n' "voluntary context switches" "$waiting_vol" "$rest_vol"
printf '%-32s %10s %10s\n' "involuntary context switches" "$waiting_invol" "$rest_invol"
printf '%-32s %10s %10s\n' "CPU time (ms)" "$waiting_cpu" "$rest_cpu"
printf '%-32s %10s %10s\n' "strace: epoll_wait wake-ups" "$waiting_wakeups" "$rest_wakeups"
printf '%-32s %10s %10s\n' "strace: syscalls" "$waiting_syscalls" "$rest_syscalls"
for w in waiting rest; do
        v=${w}_vol
        if [ "${!v}" -le $((expected + 1)) ]; then echo "$w: wake-ups <= pings: ok"; else echo "$w: MISSES: ${!v} wake-ups for $expected pings"; fi
done
echo "max RSS over the daemon's life (/usr/bin/time -v, includes its proven write): $(mib "$daemon_maxrss") MiB ($(verdict "$daemon_maxrss" 4096))"
echo "one content change at run time: ${change_cpu} ms CPU, judged $change_seen time(s); VmRSS after $(mib "$after_rss") MiB, VmHWM $(mib "$after_hwm") MiB"
echo
echo "RSS by mapping at rest (/proc/PID/smaps), largest first:"
# head first: under pipefail, head closing a pipe on sed (SIGPIPE) failed the run
head -n 12 "$OUT/rest.maps" | sed -e "s|$top_builddir/||" -e 's/^/   /'
echo
echo "strace -f -tt -p PID, $WINDOW s at rest:"
head -n 24 "$OUT/rest.strace" | sed 's/^/   /'
fi
echo
echo "=== proven write over $n_content content files (hyperfine, median of $RUNS, --warmup $WARMUP; includes start-up)"
echo "$(nproc) CPUs, load $load_before before the runs, $load_after after; $(stat -f -c %T "$ROOT") under $ROOT"
printf '%-44s %9s ms  %-18s %s\n' "first ever (all copied, modules hashed; $FIRST_RUNS runs)" "$(median_ms first-ever)" "" "$(min_cpu_ms first-ever)"
printf '%-44s %9s ms  %-18s %s\n' "armed, content unchanged (old index kept)" "$(median_ms armed-unchanged)" "(<= 200 ms: $(verdict "$(median_ms armed-unchanged)" 200))" "$(min_cpu_ms armed-unchanged)"
printf '%-44s %9s ms  %-18s %s\n' "armed, 100 files changed (100 store copies)" "$(median_ms armed-100-changed)" "(<= 300 ms: $(verdict "$(median_ms armed-100-changed)" 300))" "$(min_cpu_ms armed-100-changed)"
printf '%-44s %9s ms  %-18s %s\n' "steady (not armed: nothing written)" "$(median_ms steady)" "" "$(min_cpu_ms steady)"
echo "min: the fastest run; cpu: mean user+sys CPU time of a run"
echo "time in syncfs/fsync of one run (strace -T): armed-unchanged ${sync_linked} ms, armed-100-changed ${sync_changed} ms"
echo "max RSS of one armed-unchanged run (/usr/bin/time -v): $(mib "$prove_maxrss") MiB"
if [ -n "${BENCH_OUT:-}" ]; then echo "JSON and logs: $OUT"; fi
