#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lastgoodctl's options, as systemd's tools have them:
#  - each command takes its own options; any other is a usage error (exit
#    2, "VERB does not take --OPTION"), and every option of --help belongs
#    to some command or to all;
#  - a bare lastgoodctl is lastgoodctl status (as bootctl);
#  - -q/--quiet prints nothing on stdout, the exit status tells;
#  - a report for people goes through a pager when stdout is a terminal
#    ($SYSTEMD_PAGER, $PAGER, less with $SYSTEMD_LESS or FRSXMK), never
#    with --no-pager, -q, a pipe, a dumb terminal or a pager of cat, and
#    lastgoodctl waits for it;
#  - one JSON style: --help, lastgoodctl(8) and the program agree on which
#    commands take --json, each has a schema (schemas/), and each output
#    (fleet's in fleet.sh) validates with its schema_version first.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
CTL=$top_builddir/lastgoodctl
SCHEMA=$top_srcdir/schemas/lastgoodctl.schema.json
R=$(mktemp -d)
trap '[ -n "${KEEP-}" ] || rm -rf "$R"' EXIT
EFI=$R/sys/firmware/efi/efivars
export EFIVARFS_PATH="$EFI/" LIBEFIVAR_OPS=efivarfs
mkdir -p "$EFI" "$R/var/lib/lastgood" "$R/lib/modules/6.1.0-lg" "$R/journal"
unset SYSTEMD_PAGER PAGER SYSTEMD_LESS LESS
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
CHECKS=0
check() { CHECKS=$((CHECKS + 1)); }
ctl() { "$CTL" --root="$R" "$@"; }

# The options each command takes; those of every command: GLOBAL.
declare -A takes=(
        [status]="--json --metrics"
        [good]=""
        [bad]=""
        [reset]=""
        [arm]="--if-changed"
        [list]="--json --names"
        [release]="--all"
        [restore]=""
        [plan]="--json --level --cmdline"
        [crash]="--json"
        [fleet]="--json --metrics --directory --state --since --host"
        [doctor]="--json"
)
# Which host to act on (a script may give them to every call), and more.
GLOBAL="-h --help --version --no-pager -q --quiet --root --store --kernel-release"
declare -A value=([--level]="=2" [--cmdline]="=quiet"
        [--directory]="=$R/journal" [--state]="=steady" [--since]="=yesterday" [--host]="=web-*")
declare -A args=([release]="lgcrash" [crash]="/dev/null" [fleet]="$R/journal")
ALL=$(printf '%s\n' ${takes[*]} | sort -u)
HOST="--store=auto --kernel-release=6.1.0-lg"

echo "== every option of --help belongs to a command or to all"
verbs=$("$CTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }')
[ "$(sort <<<"$verbs")" = "$(printf '%s\n' "${!takes[@]}" | sort)" ] || fail "the commands of --help: $verbs"
for o in $("$CTL" --help | sed 's/uname -r/uname/' | grep -oE '(^|[ ,[|])(--[a-z][a-z-]*|-[a-zA-Z])\b' | sed 's/^[ ,[|]//' | sort -u); do
        [ "$o" = -D ] && o=--directory
        grep -qx -- "$o" <<<"$ALL" || [[ " $GLOBAL " == *" $o "* ]] || fail "option $o of --help: no command takes it"
        check
done

echo "== each command takes its options, and refuses the others"
for v in "${!takes[@]}"; do
        for o in $ALL; do
                rc=0
                # shellcheck disable=SC2086
                ctl $HOST "$o${value[$o]-}" "$v" ${args[$v]-} </dev/null >"$R/out" 2>"$R/err" || rc=$?
                if [[ " ${takes[$v]} " == *" $o "* ]]; then
                        if grep -q "does not take" "$R/err"; then fail "$v $o: $(cat "$R/err")"; fi
                else
                        [ $rc = 2 ] || fail "$v $o: exit $rc, expected 2 (usage)"
                        grep -qx "lastgoodctl: $v does not take $o; see lastgoodctl --help." "$R/err" ||
                                fail "$v $o: $(cat "$R/err")"
                        [ ! -s "$R/out" ] || fail "$v $o printed $(cat "$R/out")"
                fi
                check
        done
done
# The three of the issue, as an administrator types them.
for cmd in "list --metrics" "good --json" "arm --all"; do
        rc=0
        # shellcheck disable=SC2086
        ctl $cmd >/dev/null 2>&1 || rc=$?
        [ $rc = 2 ] || fail "$cmd: exit $rc"
        check
done
rc=0
ctl --json --metrics status >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--json --metrics: exit $rc"
rc=0
ctl --bogus status >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "an unknown option: exit $rc"
rc=0
ctl frobnicate >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "an unknown command: exit $rc"
check
echo "   ${#takes[@]} commands x $(wc -l <<<"$ALL") options"

echo "== a bare lastgoodctl is status"
rc1=0 rc2=0
ctl >"$R/bare" 2>&1 || rc1=$?
ctl status >"$R/status" 2>&1 || rc2=$?
[ "$rc1" = "$rc2" ] && cmp -s "$R/bare" "$R/status" || fail "bare lastgoodctl (exit $rc1) is not status (exit $rc2)"
grep -q "lastgood boot state" "$R/bare" || fail "bare: $(cat "$R/bare")"
ctl --json >"$R/json" || true
python3 "$top_srcdir/tests/integration/check-json.py" "$SCHEMA" status "$R/json" || fail "bare --json: not status"
check

echo "== -q, --quiet"
ctl arm >/dev/null
rc1=0 rc2=0
ctl status >/dev/null || rc1=$?
out=$(ctl -q status) || rc2=$?
[ -z "$out" ] && [ "$rc1" = "$rc2" ] && [ "$rc1" = 3 ] || fail "-q status: '$out', exit $rc2 (status: $rc1)"
out=$(ctl --quiet reset)
[ -z "$out" ] || fail "--quiet reset printed $out"
python3 -c 'import json, sys; assert json.load(sys.stdin)["tries"] == 0' < <(ctl status --json) ||
        fail "--quiet reset did not reset"
for o in --json --metrics; do
        rc=0
        ctl -q "$o" status >/dev/null 2>&1 || rc=$?
        [ $rc = 2 ] || fail "-q $o: exit $rc"
done
rc=0
ctl -q list --names >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "-q --names: exit $rc"
check

echo "== the pager"
command -v script >/dev/null || fail "script (util-linux) is needed"
# on_tty ENV...: lastgoodctl status with stdout and stderr on a terminal;
# prints what reached the terminal.
on_tty() {
        rm -f "$R/paged"
        # script exits with lastgoodctl's status (3: armed).
        { env TERM=xterm "$@" script -qec "$(printf '%q ' "$CTL" --root="$R" "${ARGS[@]}")" /dev/null </dev/null ||
                true; } | tr -d '\r'
}
ARGS=(status)
out=$(on_tty PAGER="cat > $R/paged")
grep -q "lastgood boot state" "$R/paged" || fail "PAGER: nothing paged"
if grep -q "lastgood boot state" <<<"$out"; then fail "PAGER: the output reached the terminal too"; fi
check
out=$(on_tty SYSTEMD_PAGER="cat > $R/paged" PAGER="cat > $R/other")
[ -s "$R/paged" ] && [ ! -e "$R/other" ] || fail "SYSTEMD_PAGER does not come before PAGER"
rm -f "$R/other"
check
for env in "PAGER=" "PAGER=cat" "SYSTEMD_PAGER=cat" "TERM=dumb"; do
        out=$(on_tty "$env")
        grep -q "lastgood boot state" <<<"$out" || fail "$env: the output did not reach the terminal"
        check
done
out=$(on_tty PAGER="cat > $R/paged")
ARGS=(--no-pager status)
out=$(on_tty PAGER="cat > $R/paged")
[ ! -e "$R/paged" ] && grep -q "lastgood boot state" <<<"$out" || fail "--no-pager: paged"
ARGS=(-q status)
out=$(on_tty PAGER="cat > $R/paged")
[ ! -e "$R/paged" ] && [ -z "$out" ] || fail "-q: paged or printed '$out'"
ARGS=(reset)
out=$(on_tty PAGER="cat > $R/paged")
[ ! -e "$R/paged" ] || fail "reset (no report) was paged"
check
rm -f "$R/paged"
PAGER="cat > $R/paged" "$CTL" --root="$R" status >/dev/null || true
[ ! -e "$R/paged" ] || fail "paged into a pipe"
check
ARGS=(status)
out=$(on_tty PAGER="printf %s \"\$LESS\" > $R/less; cat >/dev/null")
[ "$(cat "$R/less")" = FRSXMK ] || fail "LESS: '$(cat "$R/less")'"
out=$(on_tty SYSTEMD_LESS=FRX PAGER="printf %s \"\$LESS\" > $R/less; cat >/dev/null")
[ "$(cat "$R/less")" = FRX ] || fail "SYSTEMD_LESS: '$(cat "$R/less")'"
check
# lastgoodctl ends after its pager: the pager's file is complete when it
# returns.
out=$(env TERM=xterm PAGER="sleep 1; cat > $R/paged" script -qec \
        "$(printf '%q ' "$CTL" --root="$R" status); grep -c . $R/paged" /dev/null </dev/null | tr -d '\r' || true)
[ "$(tail -n 1 <<<"$out")" -gt 5 ] || fail "lastgoodctl did not wait for its pager: $out"
check

echo "== one JSON style"
json_verbs=$(for v in "${!takes[@]}"; do if [[ " ${takes[$v]} " == *" --json "* ]]; then echo "$v"; fi; done | sort)
help_json=$("$CTL" --help | tr '\n' ' ' | grep -oE -- '--json +Print one JSON object \([a-z, ]+\)' | grep -oE '\(.*\)' |
        tr -d '() ' | tr ',' '\n' | sort)
[ "$help_json" = "$json_verbs" ] || fail "--help says --json for '$help_json', the program takes it for '$json_verbs'"
man_json=$(sed -n '/^\*--json\*$/,/^$/p' "$top_srcdir/man/lastgoodctl.8.scd" | tr '\n' ' ' | grep -oE '\([a-z, ]+\)' |
        tr -d '() ' | tr ',' '\n' | sort)
[ "$man_json" = "$json_verbs" ] || fail "lastgoodctl(8) says --json for '$man_json', the program takes it for '$json_verbs'"
for v in $json_verbs; do
        grep -qE "^\*$v\*.*\*--json\*" "$top_srcdir/man/lastgoodctl.8.scd" || fail "lastgoodctl(8): $v without [--json]"
        python3 -c 'import json, sys; assert sys.argv[2] in json.load(open(sys.argv[1]))["$defs"]' "$SCHEMA" "$v" ||
                fail "no schema for $v --json"
        check
done
printf 'BUG: unable to handle page fault for address: 0000000000000008\nRIP: 0010:evil_func+0x10/0x20 [evil_mod]\n' \
        >"$R/oops.txt"
for cmd in status list plan crash doctor; do
        a=()
        [ "$cmd" = crash ] && a=("$R/oops.txt")
        ctl --kernel-release=6.1.0-lg --json "$cmd" "${a[@]}" >"$R/json" 2>/dev/null || true
        python3 "$top_srcdir/tests/integration/check-json.py" "$SCHEMA" "$cmd" "$R/json" || fail "$cmd --json: schema"
        python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert list(d)[0] == "schema_version", list(d)' \
                "$R/json" || fail "$cmd --json: schema_version is not the first member"
        [ "$(wc -l <"$R/json")" -gt 3 ] || fail "$cmd --json: not in the indented style"
        check
done
echo "ok: $CHECKS checks"
