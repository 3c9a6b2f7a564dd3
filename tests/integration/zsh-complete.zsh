#!/bin/zsh -f
# SPDX-License-Identifier: LGPL-2.1-or-later
# zsh-complete.zsh DIR LINE: what zsh's completion offers at the end of
# LINE, one match a line, with the completion functions of DIR first in
# $fpath. An interactive zsh runs on a pseudo-terminal (zsh/zpty); a
# compadd wrapper prints the matches of each call, between two NUL lines
# that the completion's pre- and post-functions write, and nothing is
# ever run (Enter is unbound).
zmodload zsh/zpty || exit 2
dir=$1
line=$2
zpty z zsh -f -i
init=$(mktemp)
trap 'rm -f $init; zpty -d z 2>/dev/null' EXIT
cat >$init <<INIT
PROMPT=
fpath=(${(q)dir} \$fpath)
autoload -Uz compinit && compinit -u -D
bindkey '^M' undefined
bindkey '^J' undefined
bindkey '^I' complete-word
null-line() { echo -E - \$'\\0' }
compprefuncs=(null-line)
comppostfuncs=(null-line exit)
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
zstyle ':completion:*' list-separator ''
compadd() {
        # Calls that only collect (-O, -A, -D) go through untouched.
        if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
                builtin compadd "\$@"
                return
        fi
        local -a __hits
        builtin compadd -A __hits "\$@"
        (( \$#__hits )) || return 1
        print -rl -- \$__hits
        builtin compadd -U -Q ''
}
echo ok
INIT
zpty -w z "source ${(q)init}"
repeat 20; do
        zpty -r z out || break
        [[ $out == ok* ]] && break
done
[[ $out == ok* ]] || { echo "zsh-complete: the interactive zsh did not start" >&2; exit 2 }
zpty -w -n z "$line"$'\t'
integer tog=0
while zpty -r z; do :; done | while IFS= read -r out; do
        if [[ $out == *$'\0\r' ]]; then
                (( tog++ )) && exit 0 || continue
        fi
        (( tog )) && print -r -- ${out%$'\r'}
done
