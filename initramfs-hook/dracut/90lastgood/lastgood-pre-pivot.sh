#!/bin/sh
# dracut pre-pivot hook (non-systemd initrd): the real root is at $NEWROOT.
if [ -x /usr/sbin/lastgood-early ]; then
        /usr/sbin/lastgood-early pre-switch --sysroot="${NEWROOT:-/sysroot}"
fi
:
