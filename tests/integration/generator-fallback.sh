#!/bin/bash
# OnSafeMode=fallback (issue 21): an agent's own process crashes the kernel
# (a panic whose crashing task is the agent's, no module of its in the
# trace). On the next boot the generator (a host without EFI variables
# counts there) names the agent by its process, masks its Units= and pulls
# in its FallbackUnits= instead of switching it off, says so in the journal
# spool, and `lastgoodctl status` says the agent runs in its fallback. An
# agent with a FallbackDropIn= alone keeps its units, with the drop-in.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

make_root
: >"$R/dev/kmsg"
mkdir -p "$R/usr/lib/systemd/system" "$R/etc/sensor" "$R/sys/fs/pstore" "$R/etc/lastgood/fallback"
cat >"$R/etc/lastgood/agents.d/sensor.conf" <<'EOC'
[Agent]
Units=sensor.service
Content=/etc/sensor/*
OnSafeMode=fallback
FallbackUnits=sensor-kmod.service
EOC
cat >"$R/etc/lastgood/agents.d/tracer.conf" <<'EOC'
[Agent]
Units=tracer.service
Content=/etc/tracer/*
OnSafeMode=fallback
FallbackDropIn=/etc/lastgood/fallback/tracer.conf
EOC
printf '[Service]\nEnvironment=TRACER_BACKEND=kmod\n' >"$R/etc/lastgood/fallback/tracer.conf"
# The default Processes=: the ExecStart= binaries' basenames, cut to 15.
printf '[Service]\nExecStart=/opt/sensor/bin/sensor-agent-bpf-user --daemon\n' >"$R/usr/lib/systemd/system/sensor.service"
printf '[Service]\nExecStart=/opt/sensor/bin/sensor-agent --kmod\n' >"$R/usr/lib/systemd/system/sensor-kmod.service"
printf '[Service]\nExecStart=-/usr/bin/tracerd\n' >"$R/usr/lib/systemd/system/tracer.service"
echo "sensor v1" >"$R/etc/sensor/policy"
prove
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd)

boot() { # a new boot: /run is empty again
        rm -rf "$T/out" "$R/run"
        mkdir -p "$T/out/normal" "$T/out/early" "$T/out/late" "$R/run"
        "$GEN" --root="$R" --kernel-release="$KVER" "$T/out/normal" "$T/out/early" "$T/out/late"
}
crash_as() { # a panic whose crashing task is $1, left in pstore
        rm -f "$R"/sys/fs/pstore/*
        { echo "Panic#1 Part1"; sed "s|Comm: fakeagent|Comm: $1|" "$top_srcdir/tests/fixtures/agents/sysrq-fakeagent.txt"; } \
                >"$R/sys/fs/pstore/dmesg-efi-$2"
}

# The agent names its process in the crash verdict.
crash_as sensor-agent-bp 171000000000001
json=$("$CTL" --root="$R" crash --json "$R/sys/fs/pstore/dmesg-efi-171000000000001")
python3 - "$json" <<'EOP'
import json, sys
j = json.loads(sys.argv[1])
assert j["culprit"] == "sensor" and j["culprit_kind"] == "agent", j
assert j["confidence"] == "medium", j
assert any("Comm: sensor-agent-bp" in e for e in j["evidence"]), j
EOP

# The next boot: the fast path takes the agent's fallback (a process name
# never switches an agent off).
"$CTL" --root="$R" --store=file arm >/dev/null
boot
[ "$(readlink "$T/out/early/sensor.service")" = /dev/null ]
[ "$(readlink "$T/out/normal/multi-user.target.wants/sensor-kmod.service")" = /usr/lib/systemd/system/sensor-kmod.service ]
[ ! -e "$T/out/early/sensor-kmod.service" ]
grep -q '^LEVEL=1$' "$R/run/lastgood/decision"
grep -q '^CULPRIT=sensor$' "$R/run/lastgood/decision"
grep -q 'Agent sensor runs in its fallback' "$R/run/lastgood/events"
grep -q '^LASTGOOD_ITEM_KIND=agent$' "$R/run/lastgood/events"
# The tracer was not named: untouched.
[ ! -e "$T/out/early/tracer.service" ]
[ ! -e "$T/out/normal/tracer.service.d/60-lastgood-fallback.conf" ]
rc=0; "$CTL" --root="$R" --store=file status >"$T/status" || rc=$?
[ "$rc" = 4 ] # safe mode in force
cat "$T/status"
grep -q 'sensor.*runs in its fallback' "$T/status"
rc=0; "$CTL" --root="$R" --store=file status --json >"$T/status.json" || rc=$?
[ "$rc" = 0 ]
/usr/bin/python3 "$top_srcdir/tests/integration/check-json.py" "$top_srcdir/schemas/lastgoodctl.schema.json" \
        status "$T/status.json"
/usr/bin/python3 - "$T/status.json" <<'EOP'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["fallback"] == [{"agent": "sensor", "units": ["sensor-kmod.service"], "drop_in": None}], j["fallback"]
EOP
# What the watchdog recorded of the eBPF programs is shown too.
printf 'lastgood-bpf-record 1\nkernel %s\nprog 896bb3a8c2cab17b - 1187 sensor.service\n' "$KVER" >"$R/var/lib/lastgood/bpf-progs"
"$CTL" --root="$R" --store=file status >"$T/status" || true
grep -q 'eBPF record: 1 program(s) loaded on the last healthy boot (kernel 6.1.0-lgtest)' "$T/status"
grep -q '896bb3a8c2cab17b - (id 1187) by sensor.service' "$T/status"
printf 'garbage\n' >"$R/var/lib/lastgood/bpf-progs"
"$CTL" --root="$R" --store=file status >"$T/status" || true
grep -q 'eBPF record: unusable (corrupt)' "$T/status"
rm "$R/var/lib/lastgood/bpf-progs"

# A drop-in fallback: the units run, with the administrator's drop-in.
"$CTL" --root="$R" --store=file reset >/dev/null
crash_as tracerd 171000000000002
"$CTL" --root="$R" --store=file arm >/dev/null
boot
[ ! -e "$T/out/early/tracer.service" ]
grep -q '^Environment=TRACER_BACKEND=kmod$' "$T/out/normal/tracer.service.d/60-lastgood-fallback.conf"
grep -q 'Agent tracer runs in its fallback' "$R/run/lastgood/events"
"$CTL" --root="$R" --store=file status --json >"$T/status.json" || true
/usr/bin/python3 - "$T/status.json" <<'EOP'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["fallback"] == [{"agent": "tracer", "units": [], "drop_in": "/etc/lastgood/fallback/tracer.conf"}], j["fallback"]
EOP

# A crash of a process that no agent claims, or of the idle task, names
# nothing: counting goes on, nothing masked.
"$CTL" --root="$R" --store=file reset >/dev/null
for comm in swapper/0 kworker/0:1 bash; do
        crash_as "$comm" "17100000000010${#comm}"
        rc=0
        "$CTL" --root="$R" crash --json "$R/sys/fs/pstore/dmesg-efi-17100000000010${#comm}" >"$T/j" || rc=$?
        [ "$rc" = 3 ]
        grep -q '"culprit": null' "$T/j"
done
echo "ok"
