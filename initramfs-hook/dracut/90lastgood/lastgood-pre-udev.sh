#!/bin/sh
# dracut pre-udev hook (non-systemd initrd): lastgood-early before udev.
if [ -x /usr/sbin/lastgood-early ]; then
        if [ -d /sys/firmware/efi ]; then
                modprobe -qa efivarfs efi_pstore 2>/dev/null
        fi
        /usr/sbin/lastgood-early pre-udev
fi
:
