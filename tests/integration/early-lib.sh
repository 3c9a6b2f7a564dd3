# Shared setup of the early-*.sh and initramfs-*.sh tests (sourced).
#
# $T      temporary folder, removed on exit
# $S      the real root: a fake module tree (tests/fixtures/modules), an
#         agent (falco, OnSafeMode=rollback) and the manifest of a proven boot
# $R      the initramfs root: /proc/cmdline, /dev/kmsg (a file), /run, the
#         efivarfs folder libefivar is pointed at, copies of the config, the
#         manifest, the build-time inventory and some modules
# boot    one boot: clears /run, runs pre-udev then pre-switch
set -euo pipefail

: "${top_srcdir:?}" "${top_builddir:?}"
EARLY=$top_builddir/lastgood-early
HELPER=$top_builddir/tests/integration/early-helper
MODS=$top_srcdir/tests/fixtures/modules
KVER=6.1.0-lg
export MKMOD_CACHE=${MKMOD_CACHE:-$top_builddir/tests/fixtures-cache}

T=$(mktemp -d)
cleanup() {
        chmod -R u+rwX "$T" 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT
S=$T/sysroot
R=$T/initramfs
export EFIVARFS_PATH=$R/sys/firmware/efi/efivars/ LIBEFIVAR_OPS=efivarfs

CHECKS=0
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
ok() {
        echo "ok - $*"
}
# check: one assertion made (counted; checks_done prints the total).
check() {
        CHECKS=$((CHECKS + 1))
}
checks_done() {
        echo "# $CHECKS checks"
}

# Modules copied into the initramfs (cp -p, as copy_file does).
INITRAMFS_MODULES="kernel/fs/efivarfs/efivarfs.ko kernel/drivers/net/virtio_net.ko updates/dkms/nvidia.ko updates/zfs.ko.xz"

make_roots() {
        "$MODS/build-tree.sh" "$S" "$KVER" 2>/dev/null
        mkdir -p "$S/etc/lastgood/agents.d" "$S/etc/falco/rules.d"
        printf '[Agent]\nUnits=falco-kmod.service\nModules=falco\nContent=/etc/falco/rules.d/*\nOnSafeMode=rollback\n' \
                > "$S/etc/lastgood/agents.d/falco.conf"
        echo "rules: 1" > "$S/etc/falco/rules.d/a.yaml"
        mkdir -p "$R/proc" "$R/run" "$R/dev" "$R/sys/firmware/efi/efivars" "$R/etc" "$R/var/lib/lastgood"
        echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" > "$R/proc/cmdline"
        : > "$R/dev/kmsg"
        # The proven boot's manifest, as the watchdog records it.
        "$HELPER" "$S" manifest "$KVER"
        rebuild_image
}

# What the initramfs hook does: copy modules, config, manifest; arm.
rebuild_image() {
        local p
        for p in $INITRAMFS_MODULES; do
                mkdir -p "$(dirname "$R/lib/modules/$KVER/$p")"
                cp -p "$S/lib/modules/$KVER/$p" "$R/lib/modules/$KVER/$p"
        done
        rm -rf "$R/etc/lastgood"
        cp -a "$S/etc/lastgood" "$R/etc/"
        if [ -f "$S/var/lib/lastgood/manifest" ]; then
                cp -p "$S/var/lib/lastgood/manifest" "$R/var/lib/lastgood/manifest"
        else
                rm -f "$R/var/lib/lastgood/manifest"
        fi
        "$EARLY" --root="$S" --kernel-release="$KVER" --image-dir="$R" arm-if-changed > /dev/null
}

set_cmdline() {
        echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet $*" > "$R/proc/cmdline"
}

# without_dac CMD...: CMD without the capabilities that let root ignore
# file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that a mode 000
# file is unreadable and a mode 555 folder unwritable even when the tests
# run as root. Not root: the modes apply anyway.
without_dac() {
        if [ "$(id -u)" = 0 ]; then
                setpriv --inh-caps=-dac_override,-dac_read_search \
                        --bounding-set=-dac_override,-dac_read_search -- "$@"
        else
                "$@"
        fi
}

# Each stage must exit 0 whatever happens (do no harm); its stderr is
# kept in $T/stderr (log_early falls back to it without /dev/kmsg).
# EARLY_PREFIX: a command the stages run under (e.g. without_dac).
EARLY_PREFIX=
run_early() {
        local rc=0
        $EARLY_PREFIX "$EARLY" --root="$R" --kernel-release="$KVER" "$@" 2>> "$T/stderr" || rc=$?
        [ "$rc" = 0 ] || fail "lastgood-early $* exited $rc"
        # The run-time bound lets the boot go on, but no test may need it.
        if grep -q 'time limit reached' "$R/dev/kmsg" "$T/stderr" 2> /dev/null; then
                fail "lastgood-early $* hit its time limit"
        fi
        check
}
pre_udev() {
        run_early pre-udev
}
pre_switch() {
        run_early pre-switch --sysroot="$S"
}
boot() {
        rm -rf "$R/run" && mkdir -p "$R/run"
        : > "$R/dev/kmsg"
        : > "$T/stderr"
        pre_udev
        pre_switch
}

# A new build of a third-party module on the real root (an update lands).
update_module() {
        local rel=$1 name
        name=$(basename "$rel")
        name=${name%%.ko*}
        rm -f "$S/lib/modules/$KVER/$rel"
        "$MODS/mkmod.sh" "$S/lib/modules/$KVER/$rel" license=GPL "srcversion=NEW$RANDOM$RANDOM"
}

state() {
        "$HELPER" "$R" show
}

# expect_file FILE <<EOF ... EOF: exact contents.
expect_file() {
        local want
        want=$(cat)
        [ -f "$1" ] || fail "$1 missing"
        if [ "$(cat "$1")" != "$want" ]; then
                diff -u <(echo "$want") "$1" >&2 || true
                fail "$1 differs"
        fi
        check
}

expect_no_file() {
        [ ! -e "$1" ] || fail "$1 exists: $(cat "$1" 2>/dev/null | head -5)"
        check
}

expect_state() {
        [ "$(state)" = "$1" ] || fail "hot record is '$(state)', expected '$1'"
        check
}

# expect_conf NAME...: /run/modprobe.d/lastgood.conf is exactly the header
# and both lines of each NAME, in this order; no NAME: no file at all.
CONF_HEADER="# Written by lastgood-early: modules withheld this boot (lastgoodctl status says why)."
expect_conf() {
        local n
        if [ $# = 0 ]; then
                expect_no_file "$R/run/modprobe.d/lastgood.conf"
                return
        fi
        {
                echo "$CONF_HEADER"
                for n in "$@"; do
                        printf 'blacklist %s\ninstall %s /bin/false\n' "$n" "$n"
                done
        } | expect_file "$R/run/modprobe.d/lastgood.conf"
}

# expect_withheld "KIND NAME REASON AGENT"...: /run/lastgood/withheld,
# exactly these lines (fields are tab-separated in the file). A content
# item carries the fingerprint of the file withheld as a fifth field (for
# the cold record), here its current one in the real root's inventory;
# "KIND NAME REASON AGENT FP" gives it explicitly, FP "-" for none.
expect_withheld() {
        local l fps kind name rest fp IFS=$' \t\n'
        fps=$("$HELPER" "$S" fingerprints "$KVER")
        for l in "$@"; do
                read -r kind name rest <<< "$l"
                set -- $rest
                if [ $# -ge 3 ]; then
                        fp=$3
                elif [ "$kind" != content ]; then
                        fp=
                else
                        fp=$(awk -v k="$kind" -v n="$name" '$1 == k && $2 == n { print $3 }' <<< "$fps")
                fi
                if [ -n "$fp" ] && [ "$fp" != - ]; then
                        printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$name" "$1" "$2" "$fp"
                else
                        printf '%s\t%s\t%s\t%s\n' "$kind" "$name" "$1" "$2"
                fi
        done | expect_file "$R/run/lastgood/withheld"
}

# expect_decision KEY=VALUE...: /run/lastgood/decision is exactly the
# defaults below with these keys replaced (CULPRIT= adds a line).
expect_decision() {
        local kv k want
        declare -A v=([LEVEL]=0 [MODE]=auto [TRIES]=0 [THRESHOLD]=2 [BOOT_SEQ]=0 [COUNTED]=0
                [EXHAUSTED]=0 [FAST_PATH]=0 [OVERRIDE]=0 [NOOP]=0 [STAGE]=pre-switch [KERNEL]=$KVER)
        for kv in "$@"; do
                v[${kv%%=*}]=${kv#*=}
        done
        want=
        for k in LEVEL MODE TRIES THRESHOLD BOOT_SEQ COUNTED EXHAUSTED FAST_PATH OVERRIDE NOOP STAGE KERNEL CULPRIT; do
                if [ -n "${v[$k]+x}" ]; then
                        want+="$k=${v[$k]}"$'\n'
                fi
        done
        printf '%s' "$want" | expect_file "$R/run/lastgood/decision"
}

# The MESSAGE= lines of the spool's records; "reset" for only the
# reset-on-failure events (early-reset.sh checks them), else all others.
RESET_MSG_ID=c1777c1426114746bc56bdfbf1d02426
spool_messages() {
        [ -f "$R/run/lastgood/events" ] || return 0
        awk -v id="MESSAGE_ID=$RESET_MSG_ID" -v want="${1:-other}" '
                BEGIN { RS = ""; FS = "\n" }
                {
                        is_reset = 0; msg = ""
                        for (i = 1; i <= NF; i++) {
                                if ($i == id) is_reset = 1
                                if ($i ~ /^MESSAGE=/) msg = substr($i, 9)
                        }
                        if ((want == "reset") == is_reset) print msg
                }' "$R/run/lastgood/events"
}

# expect_events MESSAGE...: the MESSAGE= lines of /run/lastgood/events, in
# order, without the reset-on-failure ones; none: no such event.
expect_events() {
        if [ $# = 0 ]; then
                [ -z "$(spool_messages)" ] || fail "events written: $(spool_messages)"
                check
                return
        fi
        [ -f "$R/run/lastgood/events" ] || fail "no events written"
        if [ "$(spool_messages)" != "$(printf '%s\n' "$@")" ]; then
                diff -u <(printf '%s\n' "$@") <(spool_messages) >&2 || true
                fail "events differ"
        fi
        check
}

# expect_kmsg TEXT: a line of /dev/kmsg (the file) carries "lastgood: TEXT".
expect_kmsg() {
        grep -qF "lastgood: $1" "$R/dev/kmsg" ||
                fail "no kmsg line 'lastgood: $1' in: $(cat "$R/dev/kmsg")"
        check
}

# A listing of a folder that changes with any write: name, inode, size,
# mtime ns and a content hash of each file (and the folders themselves).
snapshot() {
        [ -e "$1" ] || { echo "(absent)"; return; }
        (cd "$1" && find . -printf '%p %y %i %s %T@\n' | sort && find . -type f -exec md5sum {} + | sort)
}
efi_snapshot() {
        snapshot "$R/sys/firmware/efi/efivars"
}

# decision without the fields that vary between cases
decision() {
        cat "$R/run/lastgood/decision"
}

# In-tree modules must never be named, whatever the level.
INTREE_RE='efivarfs|virtio_net|e1000e|efi_pstore'
expect_no_intree() {
        local f
        for f in "$R/run/modprobe.d/lastgood.conf" "$R/run/lastgood/withheld" "$R/run/lastgood/events"; do
                [ -f "$f" ] || continue
                if grep -qwE "$INTREE_RE" "$f"; then
                        fail "in-tree module named in $f"
                fi
        done
        check
}

# make_roots_updated: make_roots, then the update of the early-*.sh
# scenario: nvidia (in the image) and vendor_blob change, the image is
# rebuilt (which arms).
make_roots_updated() {
        make_roots
        update_module updates/dkms/nvidia.ko
        update_module kernel/drivers/misc/vendor_blob.ko
        rebuild_image
}

# initramfs_added BASE_IMAGE IMAGE: what lastgood adds to an image, from
# `lsinitramfs -l` of the same build without and with lastgood: one
# "BYTES PATH" line per file (symlinks as 0 bytes), then "TOTAL BYTES
# N files"; fails when a journal, JSON or crypto library comes in because
# of lastgood (lastgood-early links libefivar and libkmod only).
initramfs_added() {
        # (An uncompressed dracut image ends in a way lsinitramfs reports
        # as an error, after the whole list.)
        { lsinitramfs -l "$1" 2>/dev/null || true; } | awk '{ print $9 }' | sort -u >"$T/base.paths"
        { lsinitramfs -l "$2" 2>/dev/null || true; } |
                awk '$1 !~ /^d/ { print ($1 ~ /^l/ ? 0 : $5), $9 }' | sort -k2,2 -u >"$T/with.sizes"
        [ -s "$T/base.paths" ] && [ -s "$T/with.sizes" ] || fail "lsinitramfs -l listed nothing"
        awk 'NR == FNR { base[$1] = 1; next } !($2 in base)' "$T/base.paths" "$T/with.sizes" |
                sort -k1,1nr >"$T/added"
        cat "$T/added"
        awk '{ b += $1; n++ } END { printf "TOTAL %d bytes %d files\n", b, n }' "$T/added"
        ! grep -E '/lib(systemd|json-c|crypto|ssl|udev)\.so' "$T/added" ||
                fail "lastgood brings a journal, JSON or crypto library into the image (above)"
        grep -q 'sbin/lastgood-early$' "$T/added" || fail "lastgood-early is not among what lastgood adds"
}
