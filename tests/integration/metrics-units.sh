#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The metrics reach node_exporter's textfile collector without hand work
# (issue 20): lastgood-metrics.timer (enabled by the package) runs
# lastgood-metrics.service every minute where
# /var/lib/prometheus/node-exporter exists; the service runs
# lastgood-metrics-textfile, which writes `lastgoodctl status --metrics`
# there atomically. Checked: systemd-analyze verify (a copy of the host's
# unit folder under --root, as in watchdog-units.sh), the sandbox (exposure
# at most 3.0, the textfile folder the only writable place, no network, no
# capabilities), and the script through the real lastgoodctl against a
# temporary root: steady and armed hosts give a file both Prometheus
# parsers read, a failing lastgoodctl leaves the last file and no
# temporary one, a missing folder writes nothing.
set -euo pipefail
: "${top_builddir:?}" "${top_srcdir:?}"
UNITS="$top_builddir/units"
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R="$T/root"
ETC="$R/etc/systemd/system"
TEXTFILE=/var/lib/prometheus/node-exporter
. "$top_srcdir/tests/integration/tap-lib.sh"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (package systemd)"

SVC="$UNITS/lastgood-metrics.service"
TMR="$top_srcdir/units/lastgood-metrics.timer" # static: in the source tree
SCRIPT="$UNITS/lastgood-metrics-textfile"
for u in "$SVC" "$SCRIPT"; do
        [ -f "$u" ] || fail "$u was not built"
        ! grep -n '@[a-z_]*@' "$u" || fail "$(basename "$u"): placeholder left unsubstituted"
done
[ -x "$SCRIPT" ] || fail "lastgood-metrics-textfile is not executable"
grep -qx "ConditionPathIsDirectory=$TEXTFILE" "$SVC" || fail "service: no ConditionPathIsDirectory=$TEXTFILE"
grep -qx 'Type=oneshot' "$SVC" || fail "service: not oneshot"
grep -qx 'WantedBy=timers.target' "$TMR" || fail "timer: not WantedBy=timers.target"
grep -q '^OnUnitActiveSec=' "$TMR" || fail "timer: no OnUnitActiveSec="
grep -q 'dh_installsystemd.* lastgood-metrics.timer' "$top_srcdir/debian/rules" || fail "the package does not enable the timer"
ok "units built; the service runs where the textfile folder exists; the timer is enabled by the package"

# ---- systemd-analyze verify and security --------------------------------------
mkdir -p "$ETC" "$R/usr/lib/systemd/system" "$R$TEXTFILE"
HOSTDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
for d in $HOSTDIR /usr/lib/systemd/system /lib/systemd/system; do
        [ -d "$d" ] && cp -a "$d/." "$R/usr/lib/systemd/system/"
done
cp "$SVC" "$TMR" "$ETC/"
b=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$SVC")
[[ "$b" == /* ]] || fail "ExecStart= is not an absolute path: $b"
mkdir -p "$R$(dirname "$b")"
printf '#!/bin/sh\nexit 0\n' >"$R$b"
chmod 0755 "$R$b"
mkdir -p "$ETC/timers.target.wants"
ln -sf ../lastgood-metrics.timer "$ETC/timers.target.wants/lastgood-metrics.timer"
systemd-analyze verify --man=no --root="$R" lastgood-metrics.timer lastgood-metrics.service >"$T/verify.out" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$T/verify.out")"
[ ! -s "$T/verify.out" ] || fail "systemd-analyze verify warns: $(cat "$T/verify.out")"
ok "systemd-analyze verify: timer and service clean"

e=$(systemd-analyze security --offline=yes --root="$R" lastgood-metrics.service 2>/dev/null |
        sed -n 's/^.*Overall exposure level for [^:]*: \([0-9.]*\) .*$/\1/p')
[ -n "$e" ] || fail "no overall exposure from systemd-analyze security"
awk -v e="$e" 'BEGIN { exit !(e <= 3.0) }' || fail "exposure $e, wanted at most 3.0"
echo "  lastgood-metrics: exposure $e"
systemd-analyze security --offline=yes --root="$R" --json=short lastgood-metrics.service >"$T/sec.json" 2>/dev/null
$PY - "$T/sec.json" <<'PYEOF' || fail "sandbox"
import json, sys
s = {e["name"]: e["set"] for e in json.load(open(sys.argv[1]))}
for name in ("PrivateNetwork=", "NoNewPrivileges=", "ProtectSystem=", "PrivateDevices=", "PrivateTmp=",
             "CapabilityBoundingSet=~CAP_SYS_ADMIN"):
    assert s.get(name) is True, (name, s.get(name))
PYEOF
grep -qx 'ProtectSystem=strict' "$SVC" && grep -qx "ReadWritePaths=$TEXTFILE" "$SVC" ||
        fail "the textfile folder is not the only writable place"
grep -qx 'CapabilityBoundingSet=' "$SVC" || fail "capabilities kept"
ok "sandbox: exposure $e (at most 3.0), no network, no devices, no capabilities, only $TEXTFILE writable"

# ---- the script through the real lastgoodctl ------------------------------------
HR="$T/host"
D="$T/textfile"
mkdir -p "$HR" "$D"
cat >"$T/ctl" <<EOF2
#!/bin/sh
exec "$top_builddir/lastgoodctl" --root="$HR" --store=file "\$@"
EOF2
chmod +x "$T/ctl"
parse() { # FILE: both Prometheus parsers read it; prints lastgood_armed
        $PY - "$1" <<'PYEOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
v = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        v[(s.name, tuple(sorted(s.labels.items())))] = s.value
assert ("lastgood_level", ()) in v, v
print(int(v[("lastgood_armed", ())]))
PYEOF
}
LASTGOODCTL="$T/ctl" "$SCRIPT" "$D" || fail "the script failed on a steady host"
[ "$(parse "$D/lastgood.prom")" = 0 ] || fail "steady: lastgood_armed is not 0"
[ "$(stat -c %a "$D/lastgood.prom")" = 644 ] || fail "lastgood.prom is not readable by node_exporter's user"
"$T/ctl" arm >/dev/null
LASTGOODCTL="$T/ctl" "$SCRIPT" "$D" || fail "the script failed on an armed host (status exits 3)"
[ "$(parse "$D/lastgood.prom")" = 1 ] || fail "armed: lastgood_armed is not 1"
[ "$(ls -A "$D")" = lastgood.prom ] || fail "files left: $(ls -A "$D")"
ok "steady and armed hosts: $D/lastgood.prom rewritten, mode 0644, read by the Prometheus parser"

cp "$D/lastgood.prom" "$T/before"
printf '#!/bin/sh\necho "# HELP half" ; exit 1\n' >"$T/failing"
chmod +x "$T/failing"
if LASTGOODCTL="$T/failing" "$SCRIPT" "$D" 2>"$T/err"; then fail "a failing lastgoodctl is success"; fi
cmp -s "$T/before" "$D/lastgood.prom" || fail "a failing lastgoodctl replaced the file"
[ "$(ls -A "$D")" = lastgood.prom ] || fail "temporary files left: $(ls -A "$D")"
grep -q 'left as it was' "$T/err" || fail "the failure is not said"
LASTGOODCTL="$T/ctl" "$SCRIPT" "$T/missing" 2>/dev/null || fail "a missing folder is an error"
[ ! -e "$T/missing" ] || fail "the folder was created"
ok "a failing lastgoodctl leaves the last file (atomic, no temporary left); no folder, nothing written"
echo "# $n checks"
