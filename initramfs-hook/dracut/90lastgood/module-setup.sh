#!/bin/bash
# dracut module of lastgood (boot-loop recovery). Works in a systemd initrd
# (two oneshot units) and in a non-systemd one (pre-udev and pre-pivot
# hooks). Environment (tests, staged installs): LASTGOOD_EARLY = the binary
# to copy, LASTGOOD_ROOT = the root whose /etc, /var/lib and /lib/modules
# are read.

lastgood_bin() {
        local b=${LASTGOOD_EARLY:-}
        [[ $b ]] || b=$(command -v lastgood-early 2>/dev/null)
        [[ $b && -x $b ]] && echo "$b"
}

check() {
        # Included by default wherever lastgood is installed.
        lastgood_bin > /dev/null || return 1
        return 0
}

depends() {
        return 0
}

installkernel() {
        # efivarfs is not loaded by default; efi_pstore gives the previous
        # boot's crash records; softdog is the hang reset of an armed boot
        # where there is no other watchdog device (lastgood-early loads it
        # then, and only then). Each may be built in: -o (optional).
        hostonly='' instmods -o efivarfs efi_pstore softdog
}

install() {
        local bin lgroot f
        bin=$(lastgood_bin) || return 0
        lgroot=${LASTGOOD_ROOT%/}

        # Its shared libraries come with inst_binary's ldd walk.
        inst_binary "$bin" /usr/sbin/lastgood-early
        # libkmod is opened on first use (dlopen()): no ldd walk sees it.
        inst_libdir_file "libkmod.so.2*"
        inst_multiple -o modprobe

        # Not /var/lib/lastgood: lastgood-early saves its module part below.
        for f in "$lgroot"/etc/lastgood/lastgood.conf "$lgroot"/etc/lastgood/agents.d/*.conf \
                "$lgroot"/usr/lib/lastgood/agents.d/*.conf; do
                [[ -f $f ]] || continue
                inst_simple "$f" "${f#"$lgroot"}"
        done
        # Deny lists (lastgood-deny.d(5)): pre-udev withholds a denied module
        # of the image before udev. A symlinked list is not read at boot
        # either: it is not copied.
        for f in "$lgroot"/etc/lastgood/deny.d/*.list "$lgroot"/usr/lib/lastgood/deny.d/*.list; do
                [[ -f $f && ! -L $f ]] || continue
                inst_simple "$f" "${f#"$lgroot"}"
        done

        # The agents' unit files (Units=, FallbackUnits=): their ExecStart= binaries name the agents'
        # processes (Processes= default) for the crash log's fast path.
        for f in "$lgroot"/etc/lastgood/agents.d/*.conf "$lgroot"/usr/lib/lastgood/agents.d/*.conf; do
                [[ -f $f ]] || continue
                for u in $(sed -n 's/^[[:space:]]*\(Fallback\)\{0,1\}Units=//p' "$f"); do
                        [[ $u == */* || $u == .* ]] && continue
                        for d in /etc/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
                                if [[ -f $lgroot$d/$u ]]; then
                                        inst_simple "$lgroot$d/$u" "/usr/lib/lastgood/units/$u"
                                        break
                                fi
                        done
                done
        done

        if dracut_module_included "systemd"; then
                inst_simple "$moddir/lastgood-pre-udev.service" "$systemdsystemunitdir/lastgood-pre-udev.service"
                inst_simple "$moddir/lastgood-pre-switch.service" "$systemdsystemunitdir/lastgood-pre-switch.service"
                mkdir -p "$initdir$systemdsystemunitdir/sysinit.target.wants" "$initdir$systemdsystemunitdir/initrd.target.wants"
                ln_r "$systemdsystemunitdir/lastgood-pre-udev.service" \
                        "$systemdsystemunitdir/sysinit.target.wants/lastgood-pre-udev.service"
                ln_r "$systemdsystemunitdir/lastgood-pre-switch.service" \
                        "$systemdsystemunitdir/initrd.target.wants/lastgood-pre-switch.service"
        else
                inst_hook pre-udev 05 "$moddir/lastgood-pre-udev.sh"
                inst_hook pre-pivot 50 "$moddir/lastgood-pre-pivot.sh"
        fi

        # Saves the kernel's third-party set into the image (pre-udev's stat
        # cache) and the modules of the manifest and of the cold record, never
        # agent content (a world-readable image must not disclose root-only
        # files); arms when the set differs from the manifest. Never fails.
        "$bin" --root="${lgroot:-/}" --kernel-release="$kernel" --image-dir="$initdir" arm-if-changed || :
        return 0
}
