#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Shell completion of lastgoodctl, bash and zsh: commands, the options of
# each command (only those it takes), option values; every command of
# lastgoodctl --help is offered; release completes the names of the
# persistently withheld items of the root on the line (from `lastgoodctl
# list --names`), never a heading of list's text. zsh runs interactively
# on a pseudo-terminal (zsh-complete.zsh).
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
. /usr/share/bash-completion/bash_completion
. "$top_srcdir/shell-completion/bash/lastgoodctl"
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
CHECKS=0
check() { CHECKS=$((CHECKS + 1)); }
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
export PATH="$top_builddir:$PATH"

complete_line() { # WORD...: the bash completions of the last word
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _lastgoodctl lastgoodctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        if [ ${#COMPREPLY[@]} -gt 0 ]; then printf '%s\n' "${COMPREPLY[@]}" | sort; fi
}
zsh_line() { # LINE: the zsh completions at its end
        command -v zsh >/dev/null || fail "zsh is needed (apt-get install zsh)"
        timeout 30 zsh -f "$top_srcdir/tests/integration/zsh-complete.zsh" "$top_srcdir/shell-completion/zsh" "$1" |
                sort
}

# A root whose cold record holds three items, and a this-boot list whose
# text has headings and kind words.
GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9
EFI="$R/sys/firmware/efi/efivars"
export EFIVARFS_PATH="$EFI/" LIBEFIVAR_OPS=efivarfs
mkdir -p "$EFI" "$R/run/lastgood"
"$top_builddir/tests/integration/early-helper" "$R" quarantine module lgcrash 1111 module nvidia 2222 \
        content "/etc/falco/rules.d/a.yaml" 3333
printf 'module\tnvidia\tquarantine\t-\n' >"$R/run/lastgood/withheld"
NAMES=$(printf '%s\n' /etc/falco/rules.d/a.yaml lgcrash nvidia)
[ "$(lastgoodctl --root="$R" list --names | sort)" = "$NAMES" ] || fail "list --names: $(lastgoodctl --root="$R" list --names)"
check

echo "== bash"
for v in $(lastgoodctl --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }'); do
        complete_line lastgoodctl "" | grep -x "$v" >/dev/null || fail "command $v not offered"
        check
done
[ "$(complete_line lastgoodctl do)" = doctor ] || fail "do -> $(complete_line lastgoodctl do)"
complete_line lastgoodctl arm --if | grep -x -- --if-changed >/dev/null || fail "arm --if"
complete_line lastgoodctl --sto | grep -x -- --store= >/dev/null || fail "--sto"
[ "$(complete_line lastgoodctl --store "")" = "$(printf 'auto\nfile')" ] || fail "--store values"
[ -z "$(complete_line lastgoodctl status "")" ] || fail "status takes no argument"
check
# Each command offers its own options only.
complete_line lastgoodctl list --n | grep -x -- --names >/dev/null || fail "list --names not offered"
[ -z "$(complete_line lastgoodctl status --a)" ] || fail "status offers --all"
[ -z "$(complete_line lastgoodctl good --j)" ] || fail "good offers --json"
complete_line lastgoodctl release --a | grep -x -- --all >/dev/null || fail "release --all not offered"
check
# release: the item names of the root on the line, nothing else.
out=$(complete_line lastgoodctl --root="$R" release "")
[ "$out" = "$(printf '%q\n' /etc/falco/rules.d/a.yaml lgcrash nvidia | sort)" ] || fail "release: offered '$out'"
[ "$(complete_line lastgoodctl --root="$R" release nv)" = nvidia ] || fail "release nv"
if complete_line lastgoodctl --root="$R" release "" | grep -iE 'withheld|persistently|module|quarantine' >/dev/null ; then
        fail "release offers headings or kind words"
fi
check
echo "ok: bash"

echo "== zsh"
out=$(zsh_line 'lastgoodctl ')
for v in $(lastgoodctl --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }'); do
        grep -qx "$v" <<<"$out" || fail "zsh: command $v not offered ($out)"
        check
done
[ "$(zsh_line 'lastgoodctl do')" = doctor ] || fail "zsh: do -> $(zsh_line 'lastgoodctl do')"
zsh_line 'lastgoodctl status --' | grep -x -- --json >/dev/null || fail "zsh: status --json"
if zsh_line 'lastgoodctl status --' | grep -x -- --all >/dev/null ; then fail "zsh: status offers --all"; fi
zsh_line 'lastgoodctl list --' | grep -x -- --names >/dev/null || fail "zsh: list --names"
[ "$(zsh_line 'lastgoodctl plan --level=')" = "$(printf '1\n2')" ] || fail "zsh: --level values"
check
out=$(zsh_line "lastgoodctl --root=$R release ")
[ "$out" = "$NAMES" ] || fail "zsh: release offered '$out'"
[ "$(zsh_line "lastgoodctl --root=$R release lg")" = lgcrash ] || fail "zsh: release lg"
check
echo "ok: zsh"
echo "ok: $CHECKS checks"
