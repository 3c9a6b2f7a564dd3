#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# fleet-entries.py: lastgood journal entries in the Journal Export Format
# (binary-safe: a value with a newline or any byte is written in the
# format's binary form), for systemd-journal-remote to write the journal of
# one sender. Reads one entry a line on stdin, tab-separated:
#
#   HOST  MACHINE_ID|-  UID  COMM  MESSAGE_ID  SECONDS  FIELD=VALUE...
#
# VALUE may hold \xHH escapes (decoded to bytes). MACHINE_ID "-": the
# md5 of HOST (as the other fleet tests make them). SECONDS: after
# 2025-11-29T07:06:40Z. The boot id is the md5 of HOST and "/boot".
import hashlib
import re
import struct
import sys

BASE = 1764400000000000


def md5(s):
    return hashlib.md5(s).hexdigest().encode()


def unescape(s):
    return re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), s)


def field(out, name, value):
    if b"\n" in value or any(b < 0x20 and b != 0x09 for b in value):
        out.write(name + b"\n" + struct.pack("<Q", len(value)) + value + b"\n")
    else:
        out.write(name + b"=" + value + b"\n")


def main():
    out = sys.stdout.buffer
    for seq, line in enumerate(sys.stdin.buffer.read().splitlines(), 1):
        if not line.strip():
            continue
        host, mid, uid, comm, msgid, secs, *fields = line.split(b"\t")
        host = unescape(host)
        if mid == b"-":
            mid = md5(host)
        out.write(b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" % (BASE + int(secs) * 1000000, seq))
        field(out, b"_BOOT_ID", md5(host + b"/boot"))
        field(out, b"_HOSTNAME", host)
        field(out, b"_MACHINE_ID", mid)
        field(out, b"_UID", uid)
        field(out, b"_COMM", comm)
        field(out, b"SYSLOG_IDENTIFIER", b"lastgood")
        field(out, b"MESSAGE_ID", msgid)
        field(out, b"MESSAGE", b"event")
        for f in fields:
            name, _, value = f.partition(b"=")
            field(out, name, unescape(value))
        out.write(b"\n")


if __name__ == "__main__":
    main()
