#!/bin/bash
# lastgood-apply and deny lists (lastgood-deny.d(5)): agent content whose
# SHA-256 a list names is withheld at every boot before the agent starts,
# level 0 included: the file goes to the quarantine and its last good copy
# back, whatever the agent's OnSafeMode= (keep included: the list is the
# administrator's word). It is not a change: nothing armed, no try, no
# state written. Each is an "item denied" event with the fingerprint and
# the list's line; the hand-over lists it with that line.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"
ID_DENIED=9e4cca18777541b5a0e7af80d37aeb7e

make_root
prove
state_before=$(ls -l --time-style=+%s.%N "$R/var/lib/lastgood" | grep -E ' state$' || true)

echo "rules v2 (bad)" >"$R/etc/falco/falco_rules.yaml"
echo "keep v2 (bad)" >"$R/etc/keeper/k.db"
bad=$(sha256sum "$R/etc/falco/falco_rules.yaml" | cut -d' ' -f1)
badk=$(sha256sum "$R/etc/keeper/k.db" | cut -d' ' -f1)
mkdir -p "$R/usr/lib/lastgood/deny.d"
{
        echo "# fleet list"
        echo "sha256:$bad content /etc/falco/falco_rules.yaml falco  # 12 hosts"
        echo "sha256:$badk content /etc/keeper/k.db keeper"
} >"$R/usr/lib/lastgood/deny.d/vendor.list"

apply
cat "$T/apply.log"
# Not a change: nothing armed, nothing counted, the state record untouched.
[ "$(state_field armed)" = false ]
[ "$(state_field tries)" = 0 ]
[ "$(events $ID_ARMED)" = 0 ]
[ "$(ls -l --time-style=+%s.%N "$R/var/lib/lastgood" | grep -E ' state$' || true)" = "$state_before" ]
# The last good copies are back; the denied files are in the quarantine.
[ "$(cat "$R/etc/falco/falco_rules.yaml")" = "rules v1" ]
[ "$(cat "$R/etc/keeper/k.db")" = "keep v1" ]
[ "$(cat "$R"/var/lib/lastgood/quarantine/*/falco/etc/falco/falco_rules.yaml)" = "rules v2 (bad)" ]
[ "$(cat "$R"/var/lib/lastgood/quarantine/*/keeper/etc/keeper/k.db)" = "keep v2 (bad)" ]
# One "item denied" event each, with the fingerprint and the line.
[ "$(events $ID_DENIED /etc/falco/falco_rules.yaml)" = 1 ]
[ "$(events $ID_DENIED /etc/keeper/k.db)" = 1 ]
[ "$(events $ID_WITHHELD)" = 0 ]
grep -q "^LASTGOOD_ITEM_SHA256=sha256:$bad\$" "$EXPORT"
grep -q "^LASTGOOD_DENY_LIST=/usr/lib/lastgood/deny.d/vendor.list:2\$" "$EXPORT"
grep -q "^LASTGOOD_REASON=denied\$" "$EXPORT"
grep -q "^content	/etc/falco/falco_rules.yaml	denied	falco	[0-9a-f]*	/usr/lib/lastgood/deny.d/vendor.list:2\$" \
        "$R/run/lastgood/withheld"
echo "ok - denied content rolled back at level 0 (keep included), not armed, one event each"

# The agent downloads the same bad bytes again (new inode, next boot):
# denied again, still no arming.
rm -rf "$R/run/lastgood"
echo "rules v2 (bad)" >"$R/etc/falco/falco_rules.yaml.tmp"
mv "$R/etc/falco/falco_rules.yaml.tmp" "$R/etc/falco/falco_rules.yaml"
apply
[ "$(cat "$R/etc/falco/falco_rules.yaml")" = "rules v1" ]
[ "$(events $ID_DENIED /etc/falco/falco_rules.yaml)" = 2 ]
[ "$(state_field armed)" = false ]
echo "ok - the same bytes renamed into place are denied again"

# A list writable by others is ignored, with the reason: the bad bytes are
# then a change like any other (armed, nothing moved at level 0).
chmod 0666 "$R/usr/lib/lastgood/deny.d/vendor.list"
rm -rf "$R/run/lastgood"
cp "$R/etc/falco/falco_rules.yaml" "$T/good"
echo "rules v2 (bad)" >"$R/etc/falco/falco_rules.yaml"
apply
grep -q "Deny list /usr/lib/lastgood/deny.d/vendor.list is writable by others; it is ignored." "$T/apply.log"
[ "$(cat "$R/etc/falco/falco_rules.yaml")" = "rules v2 (bad)" ]
[ "$(state_field armed)" = true ]
echo "ok - a world-writable list is ignored and said; the content is then a change"

# The watchdog (ProtectSystem=strict) gets the agents' content folders
# writable through the generator's drop-in, so that it can move denied
# content away at run time; a folder like /etc as a whole never.
mkdir -p "$T/gen/normal" "$T/gen/early" "$T/gen/late"
cat >"$R/etc/lastgood/agents.d/wide.conf" <<'EOC'
[Agent]
Units=wide.service
Content=/etc/wide.conf /opt/odd\ name/*
EOC
"$GEN" --root="$R" --kernel-release="$KVER" "$T/gen/normal" "$T/gen/early" "$T/gen/late" 2>"$T/gen.log" || true
conf="$T/gen/normal/lastgood-watchdog.service.d/50-lastgood-content.conf"
for d in /etc/falco /etc/falco/rules.d /opt/scanner/sig /etc/keeper /etc/edr; do
        grep -qx "ReadWritePaths=-$d" "$conf" || { cat "$conf"; echo "FAIL: $d not writable for the watchdog" >&2; exit 1; }
done
! grep -q "ReadWritePaths=-/etc\$" "$conf"
! grep -q "odd" "$conf"
echo "ok - the generator makes the content folders writable for the watchdog, never /etc as a whole"
