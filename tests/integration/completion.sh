#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion of lastgoodctl: commands, options, option values; every
# command of lastgoodctl --help is offered.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
. /usr/share/bash-completion/bash_completion
. "$top_srcdir/shell-completion/bash/lastgoodctl"
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
complete_line() { # WORD...: the completions of the last word
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _lastgoodctl lastgoodctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}" | sort
}
for v in $("$top_builddir/lastgoodctl" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }'); do
        complete_line lastgoodctl "" | grep -qx "$v" || fail "command $v not offered"
done
[ "$(complete_line lastgoodctl do)" = doctor ] || fail "do -> $(complete_line lastgoodctl do)"
complete_line lastgoodctl arm --if | grep -qx -- --if-changed || fail "arm --if"
complete_line lastgoodctl --sto | grep -qx -- --store= || fail "--sto"
[ "$(complete_line lastgoodctl --store "")" = "$(printf 'auto\nfile')" ] || fail "--store values"
[ -z "$(complete_line lastgoodctl status "")" ] || fail "status takes no argument"
echo OK
