#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The service manager's side of sd_notify(3) for tests: binds the datagram
# socket NOTIFY_SOCKET names and logs every assignment received, one per
# line, prefixed with a monotonic time stamp in ms.
#
# usage: watchdog-notify.py SOCKET_PATH LOG_FILE
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as f:
    f.write("%d LISTENING=1\n" % (time.monotonic() * 1000))
    while True:
        data = s.recv(65536)
        for line in data.decode(errors="replace").splitlines():
            f.write("%d %s\n" % (time.monotonic() * 1000, line))
