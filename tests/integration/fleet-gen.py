#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# fleet-gen.py HOSTS: a fleet's lastgood events in the Journal Export Format
# on standard output, 4 entries per host, for systemd-journal-remote to
# write into a journal directory (tests/integration/fleet-large.sh,
# bench/fleet.sh). The mix is fixed, so the summary is known:
#   i % 50 == 0           safe mode: falco (module) and its content withheld
#   i % 500 == 1          exhausted: nvidia and zfs withheld at level 2, then level 3
#   i % 100 == 7          armed, unhealthy, then silent (two days earlier)
#   every other host      steady: a change, counted, healthy, proven
# With HOSTS=10000: 200 safe-mode, 20 exhausted, 100 armed (all silent),
# 9680 steady; 40,000 entries.
# Fingerprints (fleet --deny-list): the safe-mode hosts' falco module and
# content are verdicts (only-change), one build of each among FINGERPRINTS
# (i // 50 % FINGERPRINTS, 1000 by default), so that a list of 100,000
# hosts holds up to 2,000 entries; the exhausted hosts' items carry a
# fingerprint but are suspects (no verdict), as are the steady hosts'.
import hashlib
import sys

COUNTED = "f512fca8badc4407aed2807c102a59a3"
SAFE = "605d133f879541c6af3eb804f5a8449e"
WITHHELD = "202bb5539a0b41fb99c1ed313c3c5435"
HEALTHY = "c4e37499c9ef4c4eb05e8cc6773f08ce"
PROVEN = "7c3647799b584874825ece8b306b803b"
UNHEALTHY = "1ad7ae27e18e41ed99f2fa0b506c8ae5"
EXHAUSTED = "967cd6dae204458f9c1f906356f7aaf2"
ARMED = "b83179c7853e45618ad897dcd4ce5248"

BASE = 1764400000000000  # 2025-11-29T07:06:40Z
DAY = 86400 * 1000000


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


FINGERPRINTS = 1000


def sha(s):
    return "sha256:" + hashlib.sha256(s.encode()).hexdigest()


def kind_of(i):
    if i % 50 == 0:
        return "safe"
    if i % 500 == 1:
        return "exhausted"
    if i % 100 == 7:
        return "silent"
    return "steady"


def main():
    n = int(sys.argv[1])
    out = sys.stdout
    seq = 0
    for i in range(n):
        host = "host-%05d" % i
        mid = md5(host)
        boot = md5(host + "/boot")
        k = kind_of(i)
        build = i // 50 % FINGERPRINTS
        t0 = BASE + i * 1000 - (2 * DAY if k == "silent" else 0)
        if k == "safe":
            events = [
                (COUNTED, "boot counted", ["LASTGOOD_TRIES=1", "LASTGOOD_LEVEL=1"]),
                (SAFE, "safe mode", ["LASTGOOD_LEVEL=1", "LASTGOOD_MODE=auto"]),
                (WITHHELD, "withheld falco", ["LASTGOOD_ITEM=falco", "LASTGOOD_ITEM_KIND=module",
                                              "LASTGOOD_REASON=changed", "LASTGOOD_LEVEL=1",
                                              "LASTGOOD_VERDICT=only-change",
                                              "LASTGOOD_ITEM_SHA256=" + sha("falco.ko/%d" % build)]),
                (WITHHELD, "withheld content", ["LASTGOOD_ITEM=/etc/falco/rules.d/update.yaml",
                                                "LASTGOOD_ITEM_KIND=content", "LASTGOOD_REASON=changed",
                                                "LASTGOOD_LEVEL=1", "LASTGOOD_VERDICT=only-change",
                                                "LASTGOOD_ITEM_SHA256=" + sha("update.yaml/%d" % build)]),
            ]
        elif k == "exhausted":
            events = [
                (COUNTED, "boot counted", ["LASTGOOD_TRIES=2", "LASTGOOD_LEVEL=2"]),
                (WITHHELD, "withheld nvidia", ["LASTGOOD_ITEM=nvidia", "LASTGOOD_ITEM_KIND=module",
                                               "LASTGOOD_REASON=all-third-party", "LASTGOOD_LEVEL=2",
                                               "LASTGOOD_ITEM_SHA256=" + sha("nvidia.ko")]),
                (WITHHELD, "withheld zfs", ["LASTGOOD_ITEM=zfs", "LASTGOOD_ITEM_KIND=module",
                                            "LASTGOOD_REASON=all-third-party", "LASTGOOD_LEVEL=2"]),
                (EXHAUSTED, "exhausted", ["LASTGOOD_LEVEL=3"]),
            ]
        elif k == "silent":
            events = [
                (ARMED, "change seen", ["LASTGOOD_ITEM=nvidia", "LASTGOOD_ITEM_KIND=module"]),
                (COUNTED, "boot counted", ["LASTGOOD_TRIES=1", "LASTGOOD_LEVEL=0"]),
                (COUNTED, "boot counted", ["LASTGOOD_TRIES=2", "LASTGOOD_LEVEL=0"]),
                (UNHEALTHY, "unhealthy", ["LASTGOOD_REASON=taint"]),
            ]
        else:
            events = [
                (ARMED, "change seen", ["LASTGOOD_ITEM=nvidia", "LASTGOOD_ITEM_KIND=module"]),
                (COUNTED, "boot counted", ["LASTGOOD_TRIES=1", "LASTGOOD_LEVEL=0"]),
                (HEALTHY, "healthy", []),
                (PROVEN, "proven", []),
            ]
        for j, (mid_, msg, fields) in enumerate(events):
            seq += 1
            out.write("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" % (t0 + j, seq))
            out.write("_BOOT_ID=%s\n_HOSTNAME=%s\n_MACHINE_ID=%s\n" % (boot, host, mid))
            out.write("_UID=0\n_COMM=lastgood-watchdog\n")
            out.write("SYSLOG_IDENTIFIER=lastgood\nPRIORITY=5\nMESSAGE_ID=%s\nMESSAGE=%s\n" % (mid_, msg))
            for f in fields:
                out.write(f + "\n")
            out.write("\n")


if __name__ == "__main__":
    main()
