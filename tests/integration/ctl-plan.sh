#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl plan [--level=1|2] [--cmdline=WORDS]: a dry run of safe mode
# on the fake module tree of early-lib.sh. At each level the plan is
# exactly what the real lastgood-early pre-switch stage then withholds at
# that level (same items, kinds, reasons, agents), and running it writes
# nothing: the whole temporary tree (both roots, the efivarfs folder) is
# compared, path by path, with size, mode, inode, mtime and contents,
# before and after. The plan takes the kernel command line in force
# (/proc/cmdline, or --cmdline=) as the boot does, and shows only what is
# on the host: an agent definition of which nothing is installed withholds
# nothing.
set -euo pipefail
. "$top_srcdir/tests/integration/early-lib.sh"
CTL=$top_builddir/lastgoodctl

plan() { "$CTL" --root="$S" --kernel-release="$KVER" plan "$@"; }
snapshot() {
        (cd "$T" && find . -printf '%p %y %s %m %i %T@\n' | sort &&
                find . -type f -exec sha256sum {} + | sort)
}
# The plan as "KIND NAME REASON AGENT" lines, sorted.
plan_set() {
        python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["schema_version"] == 1 and j["dry_run"] is True, j
for w in sorted(j["withheld"], key=lambda w: (w["kind"], w["name"])):
    print(w["kind"], w["name"], w["reason"], w["agent"] or "-")
'
}
# What pre-switch withheld, in the same form.
boot_set() {
        awk -F'\t' '{ print $1, $2, $3, $4 }' "$R/run/lastgood/withheld" | sort -k1,1 -k2,2
}

make_roots
# The agent is installed: its unit file is there (plan shows only what is).
mkdir -p "$S/usr/lib/systemd/system"
printf '[Service]\nExecStart=/usr/bin/falco\n' > "$S/usr/lib/systemd/system/falco-kmod.service"

# Steady: the manifest is the current set; level 1 would withhold nothing.
out=$(plan --json | plan_set)
[ -z "$out" ] || fail "steady host: plan withholds $out"
check
plan | grep "Nothing would be withheld" >/dev/null || fail "human plan: nothing"
check
ok "steady host: nothing would be withheld at level 1"

# An update lands (two modules, the agent's content) and arms.
update_module updates/dkms/nvidia.ko
update_module kernel/drivers/misc/vendor_blob.ko
echo "rules: 2" > "$S/etc/falco/rules.d/a.yaml"
rebuild_image

before=$(snapshot)
p1=$(plan --level=1 --json | plan_set)
p2=$(plan --level=2 --json | plan_set)
pd=$(plan --json | plan_set)
human1=$(plan --level=1 2>&1)
after=$(snapshot)
if [ "$before" != "$after" ]; then
        diff <(echo "$before") <(echo "$after") >&2 || true
        fail "plan wrote to the tree"
fi
check
ok "plan at levels 1, 2 and by default wrote nothing (tree before = after)"

[ "$pd" = "$p1" ] || fail "plan without --level on a level-0 record is not level 1"
check
want1=$(printf '%s\n' "content /etc/falco/rules.d/a.yaml changed falco" "module nvidia changed -" \
        "module vendor_blob changed -")
[ "$p1" = "$want1" ] || fail "level 1 plan: $p1"
check
grep -q "nvidia: new or changed since the last known good boot" <<< "$human1" || fail "human plan: why"
check
for l in 1 2; do
        plan --level=$l --json | /usr/bin/python3 "$top_srcdir/tests/integration/check-json.py" \
                "$top_srcdir/schemas/lastgoodctl.schema.json" plan || fail "plan --level=$l --json: schema"
        check
done
ok "level 1 plan: exactly the changed set, with why; both levels match the JSON schema"

# Boot to level 1 and compare with the real decision.
boot
boot
boot
expect_state "armed=1 tries=1 level=1 unproven=0 boot_seq=3"
[ "$(boot_set)" = "$p1" ] || fail "level 1: plan '$p1' but the boot withheld '$(boot_set)'"
check
# Without --level, the level of the record.
[ "$(plan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["level"])')" = 1 ] ||
        fail "plan without --level does not take the record's level"
check
ok "level 1 boot withholds exactly the plan"

boot
boot
expect_state "armed=1 tries=1 level=2 unproven=0 boot_seq=5"
[ "$(boot_set)" = "$p2" ] || fail "level 2: plan '$p2' but the boot withheld '$(boot_set)'"
check
ok "level 2 boot withholds exactly the plan ($(wc -l <<< "$p2") items)"

# The kernel command line in force, as the boot takes it: this boot's
# /proc/cmdline (under --root), or --cmdline=.
plan_level() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["level"], j["mode"], j["cmdline_source"])'; }
mkdir -p "$S/proc"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro lastgood.mode=safe quiet" > "$S/proc/cmdline"
[ "$(plan --json | plan_level)" = "1 safe /proc/cmdline" ] || fail "lastgood.mode=safe in /proc/cmdline: $(plan --json | plan_level)"
check
[ "$(plan --json | plan_set)" = "$p1" ] || fail "lastgood.mode=safe on a level-2 record: not the level-1 plan"
check
plan | grep -x "Kernel command line (/proc/cmdline): lastgood.mode=safe" >/dev/null || fail "human plan: command line"
check
[ "$(plan --cmdline="lastgood.mode=strict" --json | plan_level)" = "2 strict --cmdline" ] || fail "--cmdline=lastgood.mode=strict"
check
[ "$(plan --level=1 --cmdline="lastgood.mode=strict" --json | plan_set)" = "$p2" ] || fail "mode=strict is level 2 whatever --level says"
check
[ "$(plan --cmdline="lastgood.mode=normal lastgood.block=zfs" --json | plan_set)" = "module zfs block -" ] ||
        fail "mode=normal with a block: $(plan --cmdline="lastgood.mode=normal lastgood.block=zfs" --json | plan_set)"
check
[ -z "$(plan --level=2 --cmdline="lastgood.mode=off" --json | plan_set)" ] || fail "mode=off withholds something"
check
[ "$(plan --level=1 --cmdline="lastgood.allow=nvidia" --json | plan_set)" = "$(grep -v ' nvidia ' <<< "$p1")" ] ||
        fail "lastgood.allow=nvidia is not honoured"
check
[ "$(plan --cmdline="" --json | plan_level)" = "2 auto --cmdline" ] || fail "--cmdline= (empty): the record's level"
check
# The boot with the same line withholds what the plan said.
set_cmdline "lastgood.mode=safe"
boot
[ "$(boot_set)" = "$(plan --json | plan_set)" ] || fail "mode=safe: plan '$(plan --json | plan_set)' but the boot withheld '$(boot_set)'"
check
rm -f "$S/proc/cmdline"
set_cmdline ""
ok "plan takes the kernel command line in force (/proc/cmdline, --cmdline=) as the boot does"

# Definitions of agents of which nothing is installed (no unit file, no
# module, no content file): lastgood's shipped ones and one more. The boot
# names their units and modules at level 2, which withholds nothing; the
# plan leaves them out and says so.
mkdir -p "$S/usr/lib/lastgood/agents.d"
cp "$top_srcdir"/agents/*.conf "$S/usr/lib/lastgood/agents.d/"
printf '[Agent]\nUnits=absent-sensor.service\nModules=absent_lsm\nContent=/opt/absent/*.conf\nOnSafeMode=disable\n' \
        > "$S/usr/lib/lastgood/agents.d/absent.conf"
out=$(plan --level=2 --json)
[ "$(plan_set <<< "$out")" = "$p2" ] || fail "agents not installed changed the level-2 plan: $(plan_set <<< "$out")"
check
python3 -c '
import json, sys
j = json.load(sys.stdin)
assert "absent" in j["agents_not_installed"] and "falco" not in j["agents_not_installed"], j["agents_not_installed"]
assert len(j["agents_not_installed"]) >= 2, j["agents_not_installed"]  # some shipped definitions too
assert all(w["agent"] in (None, "falco") for w in j["withheld"]), j["withheld"]
' <<< "$out" || fail "agents_not_installed"
check
plan --level=2 | grep "^Not installed, nothing to withhold: agents .*absent" >/dev/null || fail "human plan: agents not installed"
check
plan --level=2 | grep "absent-sensor\|absent_lsm" >/dev/null && fail "human plan lists an agent that is not installed"
check
# Installed (a unit file): its units and modules are planned again.
printf '[Service]\nExecStart=/usr/bin/absent\n' > "$S/usr/lib/systemd/system/absent-sensor.service"
plan --level=2 --json | plan_set | grep -x "unit absent-sensor.service all-third-party absent" >/dev/null ||
        fail "an installed agent's unit is not planned"
check
plan --level=2 --json | plan_set | grep "absent_lsm" >/dev/null && fail "a module that is not on the host is planned"
check
rm -r "$S/usr/lib/lastgood/agents.d" "$S/usr/lib/systemd/system/absent-sensor.service"
ok "plan shows only what is on the host (an agent not installed is said, not listed)"

rc=0
plan --level=3 > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "plan --level=3: exit $rc, expected 2"
check
rc=0
plan extra > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "plan with an argument: exit $rc, expected 2"
check
ok "plan: usage errors exit 2"
checks_done
