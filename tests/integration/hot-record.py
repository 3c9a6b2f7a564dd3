#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# hot-record.py FILE KEY=VALUE...: write the hot record (efi/record.c
# layout, with the 4-byte efivarfs attribute header) to FILE; keys armed,
# unproven, tries, level, boot_seq, last_proven, crash_seen (default 0; a
# later KEY= wins over an earlier one).
import struct
import sys
import zlib

f = {"armed": 0, "unproven": 0, "tries": 0, "level": 0, "boot_seq": 0, "last_proven": 0, "crash_seen": 0}
for a in sys.argv[2:]:
    k, v = a.split("=")
    f[k] = int(v)
b = b"LGST" + bytes([1, (f["armed"] and 1) | (f["unproven"] and 2), f["tries"], f["level"]])
b += struct.pack("<IQI", f["boot_seq"], f["last_proven"], f["crash_seen"])
b += b"\0" * (28 - len(b))
b += struct.pack("<I", zlib.crc32(b))
open(sys.argv[1], "wb").write(struct.pack("<I", 7) + b)
