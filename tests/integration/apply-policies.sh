#!/bin/bash
# lastgood-apply against a temporary root whose last known good was written
# by the real watchdog (--prove-now): arming on changed agent content, each
# agent's OnSafeMode= policy at level 1, the cold record at level 0, mode=off.
set -euo pipefail
source "$top_srcdir/tests/integration/lib-generator.sh"

make_root
prove

# 1. Nothing changed: no arming, no state written, nothing moved.
apply
[ "$(state_field record)" = false ]
[ "$(events $ID_ARMED)" = 0 ]
[ ! -e "$R/var/lib/lastgood/quarantine" ]

# 2. New content (an agent update): armed before any agent runs, once.
echo "rules v2 (bad)" >"$R/etc/falco/falco_rules.yaml"
chmod 0600 "$R/etc/falco/falco_rules.yaml"
echo "new rules" >"$R/etc/falco/rules.d/zz-new.yaml"
echo "sig v2" >"$R/opt/scanner/sig/main.sig"
echo "keep v2" >"$R/etc/keeper/k.db"
apply
[ "$(state_field armed)" = true ]
[ "$(state_field tries)" = 1 ]
[ "$(events $ID_ARMED)" = 1 ]
apply
[ "$(events $ID_ARMED)" = 1 ] # still armed: no second arming, no write
# At level 0 nothing is moved.
grep -q 'rules v2' "$R/etc/falco/falco_rules.yaml"
[ ! -e "$R/var/lib/lastgood/quarantine" ]

# 3. Level 1 (lastgood-early decided safe mode, boot 7): every agent's policy.
decision 1 7
apply
cat "$T/apply.log"
Q="$R/var/lib/lastgood/quarantine/7"
# rollback: the last good copy is back, with its mode and time; the bad
# file is in the quarantine with its own.
[ "$(cat "$R/etc/falco/falco_rules.yaml")" = "rules v1" ]
[ "$(stat -c %a "$R/etc/falco/falco_rules.yaml")" = 640 ]
[ "$(stat -c %Y "$R/etc/falco/falco_rules.yaml")" = 1700000000 ]
[ "$(cat "$Q/falco/etc/falco/falco_rules.yaml")" = "rules v2 (bad)" ]
[ "$(stat -c %a "$Q/falco/etc/falco/falco_rules.yaml")" = 600 ]
# rollback of a file that had no good copy: quarantined only.
[ ! -e "$R/etc/falco/rules.d/zz-new.yaml" ]
[ "$(cat "$Q/falco/etc/falco/rules.d/zz-new.yaml")" = "new rules" ]
# unchanged files stay.
[ "$(cat "$R/etc/falco/rules.d/extra.yaml")" = "extra v1" ]
# quarantine: moved, nothing put back.
[ ! -e "$R/opt/scanner/sig/main.sig" ]
[ "$(cat "$Q/scanner/opt/scanner/sig/main.sig")" = "sig v2" ]
# keep: untouched.
[ "$(cat "$R/etc/keeper/k.db")" = "keep v2" ]
[ ! -e "$Q/keeper" ]
# One loud event per file, with its fields.
[ "$(events $ID_WITHHELD)" = 3 ]
[ "$(events $ID_WITHHELD /etc/falco/falco_rules.yaml)" = 1 ]
[ "$(events $ID_WITHHELD /opt/scanner/sig/main.sig)" = 1 ]
grep -q '^LASTGOOD_ITEM_KIND=content$' "$EXPORT"
grep -q '^PRIORITY=4$' "$EXPORT"
grep -q 'last good copy restored' "$EXPORT"
# /run/lastgood/withheld now lists them for lastgoodctl.
grep -q "^content	/etc/falco/falco_rules.yaml	changed	falco" "$R/run/lastgood/withheld"
# The export stream is valid for the real journal tools.
/lib/systemd/systemd-journal-remote --output="$T/apply.journal" - <"$EXPORT" 2>/dev/null
journalctl --file="$T/apply.journal" -o verbose MESSAGE_ID=$ID_WITHHELD | grep 'LASTGOOD_ITEM=/opt/scanner/sig/main.sig' >/dev/null

# 4. Running again in the same boot moves nothing more (the files are the
# last good ones now, or gone).
n=$(find "$R/var/lib/lastgood/quarantine" -type f | wc -l)
apply
[ "$(find "$R/var/lib/lastgood/quarantine" -type f | wc -l)" = "$n" ]

# 5. A later boot at level 0 with the bad file back under a new inode (the
# agent downloaded it again): a change, so armed again, and nothing moved
# at level 0 (stat fingerprints see a new version, DESIGN.md).
rm -rf "$R/run/lastgood"
cp "$Q/scanner/opt/scanner/sig/main.sig" "$R/opt/scanner/sig/main.sig"
apply
[ -e "$R/opt/scanner/sig/main.sig" ]

# 6. lastgood.mode=off: nothing at all, even with changes and level 1.
make_off() { echo "ro lastgood.mode=off" >"$R/proc/cmdline"; }
make_off
decision 1 8
echo "rules v3" >"$R/etc/falco/falco_rules.yaml"
before=$(find "$R/var/lib/lastgood" | sort | md5sum)
apply
[ "$(cat "$R/etc/falco/falco_rules.yaml")" = "rules v3" ]
[ "$(find "$R/var/lib/lastgood" | sort | md5sum)" = "$before" ]
echo "apply-policies: ok"
