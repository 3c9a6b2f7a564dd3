# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the lastgoodctl tests that need a host lastgood protects (doctor,
# monitoring): sourced after T and R are set. make_protected_root KVER lays
# out under $R what doctor checks -- the units and the generator installed,
# this boot healthy, efi-pstore, a watchdog device, an EFI variable store
# for the hot record (libefivar's efivarfs ops pointed at $R) -- and an
# empty initramfs of KVER the test fills. state_set writes the hot record.
: "${top_srcdir:?}" "${T:?}" "${R:?}"
GUID=5d6f9d7f-8fb2-447b-889a-27e408146ce9
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd)
GENDIR=$(pkg-config --variable=systemdsystemgeneratordir systemd)
PY=/usr/bin/python3

make_protected_root() { # KVER
        mkdir -p "$R"/{proc,dev,run/lastgood,var/lib/lastgood,sys/firmware/efi/efivars,sys/module/pstore/parameters} \
                "$R"/etc/lastgood/agents.d "$R"/usr/lib/lastgood/agents.d "$R"/etc/systemd/system \
                "$R$UNITDIR" "$R$GENDIR" "$R/boot" "$R/lib/modules/$1/kernel"
        echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" >"$R/proc/cmdline"
        for u in lastgood-watchdog.service lastgood-check.service lastgood-apply.service; do
                echo "[Unit]" >"$R$UNITDIR/$u"
        done
        echo "#!/bin/true" >"$R$GENDIR/lastgood-generator"
        : >"$R/run/lastgood/healthy"
        echo efi_pstore >"$R/sys/module/pstore/parameters/backend"
        : >"$R/dev/watchdog0"
        export EFIVARFS_PATH=$R/sys/firmware/efi/efivars/ LIBEFIVAR_OPS=efivarfs
}

# state_set level=N tries=N armed=N: the hot record (efi/record.c layout).
state_set() {
        "$PY" "$top_srcdir/tests/integration/hot-record.py" "$R/sys/firmware/efi/efivars/LastGoodState-$GUID" \
                boot_seq=1 "$@"
}
