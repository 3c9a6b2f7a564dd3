#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Logs every write to the files of the watched folders, as the kernel sees
# it (inotify): one line "write NAME" per close of a file opened for writing,
# "delete NAME" per removal, "mark NAME" for a file written in the control
# folder (the tests write marks to cut the log into boots: one inotify
# descriptor keeps the order of events across its watches).
#
# usage: nvram-count.py LOG CONTROL_DIR DIR...
import ctypes
import os
import struct
import sys

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_DELETE = 0x00000200


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(0)
    if fd < 0:
        sys.exit("inotify_init1: " + os.strerror(ctypes.get_errno()))
    control = {}
    for i, d in enumerate(sys.argv[2:]):
        wd = libc.inotify_add_watch(fd, d.encode(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE)
        if wd < 0:
            sys.exit("inotify_add_watch %s: %s" % (d, os.strerror(ctypes.get_errno())))
        control[wd] = i == 0
    out = open(sys.argv[1], "a", buffering=1)
    out.write("ready\n")
    while True:
        buf = os.read(fd, 65536)
        i = 0
        while i < len(buf):
            wd, mask, _cookie, ln = struct.unpack_from("iIII", buf, i)
            name = buf[i + 16:i + 16 + ln].rstrip(b"\0").decode(errors="replace")
            i += 16 + ln
            if control.get(wd):
                if mask & IN_CLOSE_WRITE:
                    out.write("mark %s\n" % name)
            elif mask & IN_DELETE:
                out.write("delete %s\n" % name)
            else:
                out.write("write %s\n" % name)


if __name__ == "__main__":
    main()
