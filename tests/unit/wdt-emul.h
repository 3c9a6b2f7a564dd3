/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A watchdog device and a read-only /proc/sys, emulated on the plain files
 * of a test root (tests/unit/wdt-emul.c), for programs and tests linked
 * with -Wl,--wrap=ioctl -Wl,--wrap=openat. Nothing else is replaced. */
