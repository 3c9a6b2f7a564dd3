#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Read an OVMF/EDK2 variable store (the writable OVMF_VARS*.fd copy) offline.

Layout (EDK2 MdeModulePkg/Include/Guid/VariableFormat.h):
  EFI_FIRMWARE_VOLUME_HEADER  ("_FVH" at offset 40, HeaderLength at 48)
  VARIABLE_STORE_HEADER       (signature GUID, Size, Format 0x5a, State 0xfe)
  records, each 4-byte aligned: StartId 0x55AA, State, Reserved, Attributes,
  [authenticated: MonotonicCount, EFI_TIME, PubKeyIndex], NameSize, DataSize,
  VendorGuid, then the UTF-16LE name and the data (no padding on x86).

Commands:
  list FILE               live variables: NAME-GUID, attributes, hex data
  records FILE            every record with its state (live/deleted/...)
  count FILE [GUID]       "live=N total=M" (total = every record ever written,
                          deleted ones included: a write counter); only the
                          variables of GUID when given
  set FILE NAME-GUID ATTRS HEXDATA
                          write a variable offline, as the firmware would:
                          the old record marked deleted, a new one appended
                          (tests use it to corrupt a record)
  get FILE NAME-GUID      the data of one live variable, raw, to stdout
  pstore FILE             the kernel crash logs efi_pstore left (dump-type0-*
                          variables), inflated when compressed, oldest first
  export FILE DIR         write each live variable as DIR/NAME-GUID in efivarfs
                          format (4-byte little-endian attributes, then data)
"""
import os
import struct
import sys
import uuid
import zlib

AUTH_GUIDS = {
    uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792"),  # gEfiAuthenticatedVariableGuid
    uuid.UUID("515fa686-b06e-4550-9112-382bf1067bfb"),  # older authenticated format
}
PLAIN_GUID = uuid.UUID("ddcf3616-3275-4164-98b6-fe85707ffe7d")  # gEfiVariableGuid

VAR_IN_DELETED_TRANSITION = 0xFE
VAR_DELETED = 0xFD
VAR_HEADER_VALID_ONLY = 0x7F
VAR_ADDED = 0x3F


class StoreError(Exception):
    pass


def state_name(state):
    # Flash bits only go from 1 to 0: each transition clears bits. Only the
    # bits inside VAR_ADDED count once the header was written.
    if state == VAR_ADDED:
        return "live"
    if state == VAR_ADDED & VAR_IN_DELETED_TRANSITION:
        return "in-deleted-transition"  # still the valid copy until the new one lands
    if state & VAR_ADDED == VAR_ADDED & VAR_DELETED or \
       state & VAR_ADDED == VAR_ADDED & VAR_DELETED & VAR_IN_DELETED_TRANSITION:
        return "deleted"
    if state == VAR_HEADER_VALID_ONLY:
        return "header-only"
    return "state-0x%02x" % state


def parse(blob):
    if len(blob) < 64 or blob[40:44] != b"_FVH":
        raise StoreError("no firmware volume header (_FVH) at offset 40")
    fv_len, = struct.unpack_from("<Q", blob, 32)
    hdr_len, = struct.unpack_from("<H", blob, 48)
    if hdr_len < 56 or hdr_len > len(blob):
        raise StoreError("bad firmware volume header length %d" % hdr_len)
    off = hdr_len
    sig = uuid.UUID(bytes_le=bytes(blob[off:off + 16]))
    size, fmt, st = struct.unpack_from("<IBB", blob, off + 16)
    if sig in AUTH_GUIDS:
        auth = True
    elif sig == PLAIN_GUID:
        auth = False
    else:
        raise StoreError("unknown variable store signature %s" % sig)
    if fmt != 0x5A or st != 0xFE:
        raise StoreError("variable store not formatted/healthy (format 0x%02x state 0x%02x)" % (fmt, st))
    end = min(off + size, len(blob), hdr_len + fv_len if fv_len else len(blob))
    pos = (off + 28 + 3) & ~3
    hsize = 60 if auth else 32
    records = []
    while pos + hsize <= end:
        start_id, = struct.unpack_from("<H", blob, pos)
        if start_id != 0x55AA:
            break
        state, _res, attrs = struct.unpack_from("<BBI", blob, pos + 2)
        if auth:
            name_size, data_size = struct.unpack_from("<II", blob, pos + 36)
            guid = uuid.UUID(bytes_le=bytes(blob[pos + 44:pos + 60]))
        else:
            name_size, data_size = struct.unpack_from("<II", blob, pos + 8)
            guid = uuid.UUID(bytes_le=bytes(blob[pos + 16:pos + 32]))
        npos = pos + hsize
        dpos = npos + name_size
        if name_size > end - npos or data_size > end - dpos:
            raise StoreError("record at 0x%x runs past the store" % pos)
        name = bytes(blob[npos:dpos]).decode("utf-16-le", "replace").rstrip("\0")
        records.append({
            "offset": pos, "state": state, "status": state_name(state), "attributes": attrs,
            "name": name, "guid": str(guid), "data": bytes(blob[dpos:dpos + data_size]),
        })
        pos = (dpos + data_size + 3) & ~3
    return records


def live(records):
    # A variable being updated exists twice for a moment (old one
    # in-deleted-transition, new one added): the added one wins.
    out = {}
    for r in records:
        key = (r["name"], r["guid"])
        if r["status"] == "live":
            out[key] = r
        elif r["status"] == "in-deleted-transition" and key not in out:
            out[key] = r
    return list(out.values())


def set_variable(blob, recs, fullname, attrs, data):
    name, guid = fullname[:-37], uuid.UUID(fullname[-36:])
    hdr_len, = struct.unpack_from("<H", blob, 48)
    sig = uuid.UUID(bytes_le=bytes(blob[hdr_len:hdr_len + 16]))
    size, = struct.unpack_from("<I", blob, hdr_len + 16)
    if sig not in AUTH_GUIDS:
        raise StoreError("set: only the authenticated store format is supported")
    if recs:
        last = recs[-1]
        nsize, dsize = struct.unpack_from("<II", blob, last["offset"] + 36)
        pos = (last["offset"] + 60 + nsize + dsize + 3) & ~3
    else:
        pos = (hdr_len + 28 + 3) & ~3
    ename = (name + "\0").encode("utf-16-le")
    rec = struct.pack("<HBBIQ16sIII16s", 0x55AA, VAR_ADDED, 0, attrs, 0, bytes(16), 0,
                      len(ename), len(data), guid.bytes_le) + ename + data
    if pos + len(rec) > hdr_len + size:
        raise StoreError("set: variable store full")
    for r in recs:
        if r["name"] == name and r["guid"] == str(guid) and r["status"] in ("live", "in-deleted-transition"):
            blob[r["offset"] + 2] = r["state"] & VAR_DELETED
    blob[pos:pos + len(rec)] = rec


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, path = argv[1], argv[2]
    with open(path, "rb") as f:
        blob = f.read()
    try:
        recs = parse(blob)
        if cmd == "set" and len(argv) == 6:
            blob = bytearray(blob)
            set_variable(blob, recs, argv[3], int(argv[4], 0), bytes.fromhex(argv[5]))
            with open(path, "r+b") as f:
                f.write(blob)
            return 0
    except (StoreError, ValueError) as e:
        sys.stderr.write("efivars.py: %s: %s\n" % (path, e))
        return 1
    if cmd == "list":
        for r in live(recs):
            print("%s-%s 0x%08x %s" % (r["name"], r["guid"], r["attributes"], r["data"].hex()))
    elif cmd == "records":
        for r in recs:
            print("0x%06x %-22s %s-%s 0x%08x %d" % (r["offset"], r["status"], r["name"], r["guid"],
                                                 r["attributes"], len(r["data"])))
    elif cmd == "count":
        if len(argv) == 4:
            recs = [r for r in recs if r["guid"] == argv[3].lower()]
        print("live=%d total=%d" % (len(live(recs)), len(recs)))
    elif cmd == "get" and len(argv) == 4:
        for r in live(recs):
            if "%s-%s" % (r["name"], r["guid"]) == argv[3]:
                sys.stdout.buffer.write(r["data"])
                return 0
        return 1
    elif cmd == "pstore":
        dumps = [r for r in live(recs) if r["name"].startswith("dump-type0-")]
        # dump-type0-PART-COUNT-TIME[-C]: parts of one dump share COUNT and TIME.
        def key(r):
            f = r["name"].split("-")
            try:
                return (int(f[4]), int(f[3]), -int(f[2]))
            except (IndexError, ValueError):
                return (0, 0, 0)
        for r in sorted(dumps, key=key):
            data = r["data"]
            if r["name"].endswith("-C"):
                try:
                    data = zlib.decompress(data, -15)
                except zlib.error:
                    try:
                        data = zlib.decompress(data)
                    except zlib.error:
                        pass
            sys.stdout.write("=== %s\n" % r["name"])
            sys.stdout.write(data.decode("utf-8", "replace"))
            sys.stdout.write("\n")
    elif cmd == "export" and len(argv) == 4:
        os.makedirs(argv[3], exist_ok=True)
        for r in live(recs):
            if "/" in r["name"] or not r["name"]:
                continue
            with open(os.path.join(argv[3], "%s-%s" % (r["name"], r["guid"])), "wb") as f:
                f.write(struct.pack("<I", r["attributes"]) + r["data"])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
