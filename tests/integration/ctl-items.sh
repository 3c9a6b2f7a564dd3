#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Black-box test of lastgoodctl list, release and restore against a
# temporary root: the cold record written through the real store (EFI
# variables in a plain directory), this boot's hand-over under /run, the
# modprobe.d file, and a quarantined content file whose last good copy a
# rollback put back. Nothing is ever deleted; every release is checked in
# the record, in /run/lastgood/withheld and in /run/modprobe.d.
set -euo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
CTL="$top_builddir/lastgoodctl"
HELPER="$top_builddir/tests/integration/early-helper"
GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9

R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
EFI="$R/sys/firmware/efi/efivars"
QVAR="$EFI/LastGoodQuarantine-$GUID"
CONF="$R/run/modprobe.d/lastgood.conf"
RULES=/etc/falco/rules.d/a.yaml
QFILE="$R/var/lib/lastgood/quarantine/7/falco$RULES"
export EFIVARFS_PATH="$EFI/" LIBEFIVAR_OPS=efivarfs
mkdir -p "$EFI" "$R/run/lastgood" "$R/run/modprobe.d" "$R/etc/lastgood/agents.d" "$R/etc/falco/rules.d" \
        "$(dirname "$QFILE")"

. "$top_srcdir/tests/integration/tap-lib.sh"
ctl() { "$CTL" --root="$R" "$@"; }
json() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
cold() { "$HELPER" "$R" show >/dev/null; json "$(ctl status --json)" '" ".join(sorted(j["quarantine"]))'; }

printf '[Agent]\nUnits=falco.service\nModules=falco\nContent=/etc/falco/rules.d/*\n' \
        >"$R/etc/lastgood/agents.d/falco.conf"
"$HELPER" "$R" quarantine module lgcrash 1111 module nvidia 2222 module vendor_blob 4444 content "$RULES" 3333
printf 'STAGE=pre-switch\nLEVEL=0\nMODE=auto\nBOOT_SEQ=7\n' >"$R/run/lastgood/decision"
{
        printf 'module\tlgcrash\tquarantine\t-\n'
        printf 'module\tnvidia\tquarantine\t-\n'
        printf 'module\tzfs\tblock\t-\n'
        printf 'content\t%s\tquarantine\tfalco\t0000000000003333\n' "$RULES"
} >"$R/run/lastgood/withheld"
printf '# x\nblacklist lgcrash\ninstall lgcrash /bin/false\nblacklist nvidia\ninstall nvidia /bin/false\nblacklist zfs\ninstall zfs /bin/false\n' >"$CONF"
printf 'good rules\n' >"$R$RULES"
printf 'bad rules\n' >"$QFILE"

# --- list ---
out=$(ctl list)
grep -q '^Withheld this boot:$' <<<"$out" || fail "list: no this-boot section"
grep -q 'module  zfs (block)' <<<"$out" || fail "list: the blocked module and why"
grep -q "content $RULES (persistently withheld, agent falco)" <<<"$out" || fail "list: the content and its agent"
grep -q 'module  lgcrash (fingerprint 0000000000001111)' <<<"$out" || fail "list: the cold record"
grep -q "  $RULES (agent falco, boot 7)" <<<"$out" || fail "list: the quarantined file"
grep -q "kept at /var/lib/lastgood/quarantine/7/falco$RULES" <<<"$out" || fail "list: where it is kept"
ok "list: this boot, persistently withheld, quarantined files"
out=$(ctl list --json)
[ "$(json "$out" 'len(j["withheld"]), len(j["quarantine"]), len(j["quarantined_files"])')" = "(4, 4, 1)" ] ||
        fail "list --json: counts"
[ "$(json "$out" 'j["quarantined_files"][0]["original"]')" = "$RULES" ] || fail "list --json: original path"
[ "$(json "$out" '[i["reason"] for i in j["withheld"] if i["name"] == "zfs"][0]')" = block ] ||
        fail "list --json: reason"
ok "list --json: one object, every item with kind and reason"

# --- release: usage and unknown names change nothing ---
q_before=$(md5sum <"$QVAR")
rc=0; ctl release >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "release without names: exit 2, got $rc"
rc=0; ctl release --all lgcrash >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "release with names and --all: exit 2, got $rc"
rc=0; err=$(ctl release no_such_mod 2>&1 >/dev/null) || rc=$?
[ $rc = 1 ] || fail "release of an unknown name: exit 1, got $rc"
grep -q "no_such_mod is not persistently withheld" <<<"$err" || fail "release: unknown name said"
[ "$(md5sum <"$QVAR")" = "$q_before" ] || fail "a failed release wrote the record"
ok "release: usage errors exit 2, an unknown name exits 1, nothing written"

# --- release two modules ('-' and '_' alike) ---
out=$(ctl release lgcrash vendor-blob) || fail "release lgcrash vendor-blob exits 0"
grep -q "Released module lgcrash: it may load again" <<<"$out" || fail "release: said"
grep -q "Released module vendor_blob" <<<"$out" || fail "release: vendor-blob is vendor_blob"
[ "$(cold)" = "$RULES nvidia" ] || fail "release: the record still holds lgcrash: $(cold)"
grep -q lgcrash "$CONF" && fail "release: lgcrash still in modprobe.d"
grep -qx 'install nvidia /bin/false' "$CONF" || fail "release: nvidia left modprobe.d"
grep -qx 'install zfs /bin/false' "$CONF" || fail "release: the blocked zfs left modprobe.d"
grep -q lgcrash "$R/run/lastgood/withheld" && fail "release: lgcrash still in this boot's withheld list"
grep -qP "^content\t$RULES\tquarantine\tfalco\t0000000000003333$" "$R/run/lastgood/withheld" ||
        fail "release: the other items' hand-over changed"
ok "release lgcrash vendor-blob: out of the record, of modprobe.d and of this boot's list; the rest untouched"

# --- restore: the rolled-back good copy is in the way: both kept ---
rc=0; err=$(ctl restore 2>&1 >/dev/null) || rc=$?
[ $rc = 1 ] || fail "restore over a file in place: exit 1, got $rc"
grep -q "$RULES is in place" <<<"$err" || fail "restore: the file in the way is said"
[ "$(cat "$R$RULES")" = "good rules" ] && [ "$(cat "$QFILE")" = "bad rules" ] || fail "restore overwrote or lost a file"
[ "$(cold)" = "$RULES nvidia" ] || fail "a failed restore released the record"
ok "restore with the last good copy in place: nothing overwritten, both kept, exit 1"

mv "$R$RULES" "$R/etc/falco/a.yaml.good"
out=$(ctl restore "$RULES") || fail "restore exits 0"
grep -q "Restored $RULES (agent falco, quarantined at boot 7)" <<<"$out" || fail "restore: said"
[ "$(cat "$R$RULES")" = "bad rules" ] || fail "restore: the file is not back"
[ ! -e "$QFILE" ] || fail "restore: the quarantined file is still there"
[ "$(cold)" = nvidia ] || fail "restore: the content's record stays (the watchdog would withhold it again)"
grep -q "$RULES" "$R/run/lastgood/withheld" && fail "restore: the content still in this boot's list"
ok "restore PATH: the file is back, its record released"

out=$(ctl restore) || fail "restore of an empty quarantine exits 0"
grep -q "Nothing to restore" <<<"$out" || fail "restore: empty quarantine said"
rc=0; ctl restore /etc/none >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "restore of a path not in the quarantine: exit 1"
ok "restore: nothing left is said; an unknown path exits 1"

# --- release --all: the record goes away (an empty cold record is deleted) ---
ctl release --all >/dev/null || fail "release --all exits 0"
[ ! -e "$QVAR" ] || fail "release --all: the empty record was not deleted"
if grep -q nvidia "$CONF"; then fail "release --all: nvidia still in modprobe.d"; fi
grep -qx 'install zfs /bin/false' "$CONF" || fail "release --all lifted this boot's block="
out=$(ctl release --all) || fail "release --all again exits 0"
grep -q "Nothing to release" <<<"$out" || fail "release --all on nothing: said"
ok "release --all: record deleted, this boot's block= stays; again: nothing to release"

echo "ctl-items: $n checks ok"
