#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# units/lastgood.catalog is a valid journal catalog with one entry for each
# of the 13 MESSAGE_IDs of DESIGN.md, the reset-on-failure one and the
# narrowing step: journalctl builds its database from it under a temporary
# root and lists every ID with its subject and text.
set -euo pipefail

: "${top_srcdir:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ids=(
        f512fca8badc4407aed2807c102a59a3 605d133f879541c6af3eb804f5a8449e
        202bb5539a0b41fb99c1ed313c3c5435 c4e37499c9ef4c4eb05e8cc6773f08ce
        7c3647799b584874825ece8b306b803b 1ad7ae27e18e41ed99f2fa0b506c8ae5
        c3b3145aed6c4a7c8b1517766ebb932c 967cd6dae204458f9c1f906356f7aaf2
        02a4660dc9834676abaff33688fb8024 b01d199650a743cda75439e341b24aa1
        b83179c7853e45618ad897dcd4ce5248 d6040cbea783455b8c8f8248cd1f3cc8
        c1777c1426114746bc56bdfbf1d02426
        7dc2bf4fc2304e85b2bdb5dc504b4bde
        9e4cca18777541b5a0e7af80d37aeb7e
)

mkdir -p "$tmp/usr/lib/systemd/catalog"
cp "$top_srcdir/units/lastgood.catalog" "$tmp/usr/lib/systemd/catalog/lastgood.catalog"
journalctl --root="$tmp" --update-catalog
[[ -s $tmp/var/lib/systemd/catalog/database ]]

journalctl --root="$tmp" --list-catalog --no-pager > "$tmp/list"
[[ $(wc -l < "$tmp/list") -eq 15 ]]
for id in "${ids[@]}"; do
        grep -q "^$id lastgood: " "$tmp/list" || { echo "missing $id" >&2; exit 1; }
        journalctl --root="$tmp" --dump-catalog "$id" --no-pager > "$tmp/entry"
        grep -q "^-- $id\$" "$tmp/entry"
        grep -q '^Subject: ' "$tmp/entry"
        grep -q '^Defined-By: lastgood$' "$tmp/entry"
        grep -q '^Documentation: ' "$tmp/entry"
        # A paragraph of explanation, not just the header.
        [[ $(grep -cv -e '^--' -e '^[A-Za-z-]*: ' -e '^$' "$tmp/entry") -ge 3 ]]
done
# The catalog has no ID that the events code does not define.
[[ $(grep -c '^-- ' "$top_srcdir/units/lastgood.catalog") -eq 15 ]]
# lastgood(7) lists every ID the catalog ships, and no other.
diff <(grep -o '^-- [0-9a-f]\{32\}' "$top_srcdir/units/lastgood.catalog" | cut -c4- | sort) \
        <(grep -o '^\*[0-9a-f]\{32\}\*$' "$top_srcdir/man/lastgood.7.scd" | tr -d '*' | sort) ||
        { echo "lastgood(7) and units/lastgood.catalog list different MESSAGE_IDs (< catalog, > man page)" >&2; exit 1; }
echo "catalog: 15 entries ok, each in lastgood(7)"
