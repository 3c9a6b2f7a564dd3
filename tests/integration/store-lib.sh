# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tests: the last good copies in the content-addressed store
# (castore/castore.h), found through the current generation's index.

# lastgood_copy ROOT AGENT PATH: the store file holding AGENT's last good
# copy of PATH (a path that does not exist when there is none). PATH as the
# index writes it: spaces, control bytes and '\' as \xHH.
lastgood_copy() {
        local idx="$1/var/lib/lastgood/current/copies" key=
        # ENVIRON, not -v: awk would read the \xHH escapes of the index.
        [ -r "$idx" ] && key=$(LG_A="$2" LG_P="$3" awk '$2 == ENVIRON["LG_A"] && $3 == ENVIRON["LG_P"] { print $1; exit }' "$idx")
        if [ -n "$key" ]; then
                echo "$1/var/lib/lastgood/store/${key:0:2}/$key"
        else
                echo "$1/var/lib/lastgood/store/no-copy-of-$2"
        fi
}

# store_check ROOT: every store file named by a kept generation's index is
# there and sound (its SHA-256 name matches owner, mode, mtime and bytes is
# checked by the C code; here: present and a regular file). Prints what
# lacks; fails when something does.
store_check() {
        local lib="$1/var/lib/lastgood" bad=0 key idx
        for idx in "$lib"/generations/*/copies; do
                [ -e "$idx" ] || continue
                case "$idx" in *.tmp/copies) continue ;; esac
                while read -r key _; do
                        case "$key" in lastgood-copies | end) continue ;; esac
                        [ -f "$lib/store/${key:0:2}/$key" ] || { echo "missing: $key (${idx#"$lib"/})"; bad=1; }
                done <"$idx"
        done
        return $bad
}
