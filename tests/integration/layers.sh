#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The source tree's layers, bottom up:
#   library     lib/basic < lib/parse < lib/state, lib/events, lib/crash
#               < lib/inventory, lib/journal < lib/reset  (no program knowledge)
#   stores      efi/ (boot-state records), castore/ (last good copies)
#   operations  ops/
#   programs    initramfs-hook/ generator/ watchdog/ ctl/
# Every #include "x.h" of a source file is resolved as the compiler does
# (the file's own folder first, then the layer folders); it must land in
# the file's own folder or in a lower layer. So no program folder includes
# another program folder's header, ops/ includes no program, the stores no
# operation, and the library nothing above it. The build files are held
# to the same rule: no -I of a program folder outside that folder's own
# local.mk (tests/ may reach anything).
set -euo pipefail
: "${top_srcdir:?}"
cd "$top_srcdir"

declare -A rank=(
        [lib/basic]=0 [lib/parse]=1 [lib/state]=2 [lib/events]=2 [lib/crash]=2
        [lib/inventory]=3 [lib/reset]=4 [lib/journal]=3
        [efi]=10 [castore]=10 [ops]=20
        [initramfs-hook]=30 [generator]=30 [watchdog]=30 [ctl]=30
)
# The search order of LG_LAYER_CPPFLAGS (Makefile.am).
search=(lib/basic lib/parse lib/state lib/inventory lib/crash lib/events lib/reset lib/journal efi castore ops)
programs=(initramfs-hook generator watchdog ctl)

fail=0 checked=0
bad() {
        echo "FAIL: $*" >&2
        fail=$((fail + 1))
}

# Every folder named above exists and holds code: a test over a moved tree
# that matched nothing would prove nothing.
for d in "${!rank[@]}"; do
        compgen -G "$d/*.[ch]" > /dev/null || bad "layer folder $d has no sources"
done

# Source folders that are not in the table are a layer nobody placed.
# (find, not git: `make distcheck` runs this in an unpacked tarball.)
sources() {
        find . \( -path ./tests -o -path ./bench -o -path ./debian -o -path ./m4 -o -path './.*' -o -name 'build*' \
                -o -name '_build' -o -name 'autom4te.cache' \) -prune -o \
                -type f -name '*.[ch]' -print | sed 's|^\./||'
}
# A build tree inside the source tree (any name: its config.status says
# so) holds a generated config.h and is no layer.
in_build_tree() {
        local d=$1
        # An in-tree build (dpkg-buildpackage's): the top folder holds
        # config.status and the generated config.h, and no other source.
        if [[ $d == . && -e ./config.status ]]; then
                [[ -z $(find . -maxdepth 1 -type f -name '*.[ch]' ! -name config.h) ]] && return 0
                return 1
        fi
        while [[ "$d" != . && -n "$d" ]]; do
                [[ -e "$d/config.status" ]] && return 0
                d=$(dirname "$d")
        done
        return 1
}
# dh builds inside the source tree itself (debhelper's autoconf default):
# then the top holds config.status and the config.h it wrote, no source.
generated() {
        [[ -e config.status ]] && grep -qE '^config_headers=".*\<config\.h\>' config.status
}
unplaced() { # each source folder in no layer, one a line
        local d gen=no
        generated && gen=yes
        while IFS= read -r d; do
                in_build_tree "$d" && continue
                [[ -n "${rank[$d]+x}" ]] || echo "$d"
        done < <(sources | { if [[ $gen == yes ]]; then grep -vx config.h; else cat; fi; } | xargs -r -n1 dirname | sort -u)
}
while IFS= read -r d; do
        bad "$d holds C sources but is in no layer (tests/integration/layers.sh)"
done < <(unplaced)

# Program folders come last: reachable only through an -I that the build
# files must not have (checked below), so that is what such an include uses.
resolve() { # DIR HEADER -> folder where the compiler finds it, or nothing
        local dir=$1 h=$2 s
        [[ -f "$dir/$h" ]] && { echo "$dir"; return 0; }
        for s in "${search[@]}" "${programs[@]}"; do
                [[ -f "$s/$h" ]] && { echo "$s"; return 0; }
        done
        return 0
}

# scan: every include of every layer folder under the current directory.
scan() {
        local dir r f h to
        for dir in "${!rank[@]}"; do
                r=${rank[$dir]}
                for f in "$dir"/*.[ch]; do
                        [[ -f "$f" ]] || continue
                        while IFS= read -r h; do
                                [[ "$h" == */* ]] && { bad "$f includes \"$h\" by a path: include by name"; continue; }
                                to=$(resolve "$dir" "$h")
                                [[ -n "$to" ]] || continue # system or generated header
                                checked=$((checked + 1))
                                [[ "$to" == "$dir" ]] && continue
                                if (( ${rank[$to]} >= 30 )); then
                                        bad "$f includes $to/$h: a program folder's header"
                                elif (( ${rank[$to]} >= r )); then
                                        bad "$f (layer $dir) includes $to/$h, a layer at or above its own"
                                fi
                        done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
                done
        done
}

# The rule bites: the tree copied with one planted include of a program
# header from another program folder, and one of an operation from the
# library, gives exactly two violations.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sources | cpio -pdm --quiet "$T"
echo '#include "health.h"' >> "$T/ctl/output.c"
echo '#include "proven.h"' >> "$T/lib/basic/strv.c"
(
        cd "$T"
        fail=0 checked=0
        bad() { fail=$((fail + 1)); }
        scan
        echo "$fail" > "$T/planted"
)
[[ "$(cat "$T/planted")" == 2 ]] || bad "self-check: 2 planted violations, $(cat "$T/planted") found"

# The placement check in the shape dh leaves (configured inside the source
# tree: config.status and config.h at the top) places everything, while a
# stray source at the top is still caught.
(
        cd "$T"
        echo 'config_headers=" config.h"' > config.status
        echo '#define VERSION "0"' > config.h
        [[ -z "$(unplaced)" ]] || echo "in-tree build: $(unplaced | tr '\n' ' ')" > "$T/intree"
        echo 'int x;' > stray.c
        [[ "$(unplaced)" == . ]] || echo "a stray ./stray.c is not caught" >> "$T/intree"
        rm -f config.status config.h stray.c
)
[[ ! -s "$T/intree" ]] || bad "self-check: $(cat "$T/intree")"

scan

# Tests include by name too: a path into the tree breaks when it moves.
while IFS= read -r hit; do
        bad "$hit: include by name, not by path"
done < <(grep -rn --include='*.c' --include='*.h' -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"\.\./' tests 2> /dev/null || true)

# Build files: -I of a program folder only in its own fragment (and tests').
for p in "${programs[@]}"; do
        while IFS= read -r hit; do
                file=${hit%%:*}
                [[ "$file" == "$p/local.mk" || "$file" == tests/* ]] && continue
                bad "$file adds -I$p: only $p/local.mk may"
        done < <(grep -n -- "-I\$(top_srcdir)/$p\b" Makefile.am $(git ls-files '*.mk') 2> /dev/null || true)
done

(( checked > 100 )) || bad "only $checked includes resolved: the scan is broken"
if (( fail > 0 )); then
        echo "$fail layering violation(s)" >&2
        exit 1
fi
echo "layers: $checked project includes checked, every one within its layer"
