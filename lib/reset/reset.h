/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "rootfs.h"

/* Every failure ends in a reset (DESIGN.md). While the host is armed, and
 * only then, lastgood-early makes every failure of the boot a reset, before
 * udev loads a module:
 *
 *   kernel.panic             PanicRebootSec= (10) where the kernel would halt
 *                            (value 0) and the command line has no panic=
 *   kernel.panic_on_oops     1, where 0 and no oops= on the command line
 *   kernel.softlockup_panic  1, where 0 and no softlockup_panic=
 *   kernel.hardlockup_panic  1, where 0 and no nmi_watchdog=
 *   hang reset               a watchdog device (softdog when there is no
 *                            other) started with HangResetSec= (900) and
 *                            closed without the magic 'V': nobody pings it,
 *                            so it resets a boot that does not reach
 *                            boot-complete.target in time; the watchdog
 *                            daemon stops it there (lg_reset_release())
 *
 * The four kernel settings go back to the values found (0) once the boot
 * is proven or the host is no longer armed (lg_reset_restore()): an oops a
 * user can trigger must not reboot a steady host.
 *
 * A non-zero value already in force and a word of the command line
 * (panic=, oops=, softlockup_panic=, nmi_watchdog=, sysctl.kernel.*=) are
 * the administrator's: kept. What was done is kept in /run/lastgood/reset
 * for the watchdog and lastgoodctl status. Nothing here logs: the caller
 * reports each item once. Every host path goes through the root. */

#define LG_RUN_RESET "/run/lastgood/reset"

typedef enum lg_reset_kind {
        LG_RESET_PANIC,      /* kernel.panic */
        LG_RESET_OOPS,       /* kernel.panic_on_oops */
        LG_RESET_SOFTLOCKUP, /* kernel.softlockup_panic */
        LG_RESET_HARDLOCKUP, /* kernel.hardlockup_panic */
        LG_RESET_HANG,       /* the watchdog device deadline */
        _LG_RESET_KIND_MAX,
        _LG_RESET_KIND_INVALID = -1,
} lg_reset_kind;

typedef enum lg_reset_status {
        LG_RESET_NONE,        /* nothing done (not armed): never saved */
        LG_RESET_SET,         /* set by lastgood for this boot */
        LG_RESET_KEPT,        /* already non-zero (kernel build or administrator): kept */
        LG_RESET_CMDLINE,     /* the kernel command line sets it: kept */
        LG_RESET_OFF,         /* turned off in lastgood.conf */
        LG_RESET_UNAVAILABLE, /* no such setting or watchdog device here */
        LG_RESET_BUSY,        /* the watchdog device is held by another program */
        LG_RESET_FAILED,      /* reading or writing it failed */
        LG_RESET_SKIPPED,     /* hang reset: recovery exhausted, not armed */
        LG_RESET_RELEASED,    /* hang reset: stopped at boot-complete.target (or a proof) */
        LG_RESET_RESTORED,    /* panic settings: back to the value found, the boot proven or not armed */
        _LG_RESET_STATUS_MAX,
        _LG_RESET_STATUS_INVALID = -1,
} lg_reset_status;

#define LG_RESET_DEVICE_MAX 64

typedef struct lg_reset_item {
        lg_reset_status status;
        int value;                        /* the value in force (hang: its timeout in seconds) */
        int error;                        /* FAILED, UNAVAILABLE, BUSY: the errno (positive), or 0 */
        char device[LG_RESET_DEVICE_MAX]; /* hang: "/dev/watchdog0"; else "" */
} lg_reset_item;

typedef struct lg_reset {
        lg_reset_item items[_LG_RESET_KIND_MAX];
} lg_reset;

/* "kernel.panic", "kernel.panic_on_oops", "kernel.softlockup_panic",
 * "kernel.hardlockup_panic", "hang-reset". */
const char *lg_reset_kind_to_string(lg_reset_kind k);
lg_reset_kind lg_reset_kind_from_string(const char *s);
/* "none", "set", "kept", "cmdline", "off", "unavailable", "busy", "failed",
 * "skipped", "released", "restored". */
const char *lg_reset_status_to_string(lg_reset_status s);
lg_reset_status lg_reset_status_from_string(const char *s);

/* True when the item makes a failure reset in this boot (set, or kept or
 * from the command line with a non-zero value). */
bool lg_reset_in_force(lg_reset_kind k, const lg_reset_item *it);

/* One human sentence for it, e.g. "kernel.panic set to 10 (reboot 10 s
 * after a panic)". Always NUL-terminated. */
void lg_reset_describe(lg_reset_kind k, const lg_reset_item *it, char *buf, size_t size);

typedef struct lg_reset_options {
        const lg_config *config;
        const char *cmdline; /* the kernel command line (need not be NUL-terminated) */
        size_t cmdline_size;
        const char *kernel; /* release whose softdog module may be loaded */
        bool exhausted;     /* recovery exhausted: no hang reset */
        bool load_modules;  /* may load softdog (never under a --root) */
} lg_reset_options;

/* Applies every setting as described above. Never fails: each item says
 * what happened. */
void lg_reset_apply(const lg_root *root, const lg_reset_options *o, lg_reset *ret);

/* The boot is proven, or the host is not armed: each kernel setting that
 * lastgood SET goes back to the value found (0), unless it no longer holds
 * lastgood's value (someone changed it since: theirs, kept). Such an item
 * becomes RESTORED (value 0); one that cannot be written keeps SET. The
 * hang reset is not touched. Returns the number of settings restored, or
 * -errno of the first write that failed (the others are still tried). */
int lg_reset_restore(const lg_root *root, lg_reset *r);

/* At boot-complete.target: stops the hang reset when it is armed (opens the device,
 * disables it, magic close) and marks it released. Returns 1 when released,
 * 0 when there was nothing to release, -EBUSY when another program holds
 * the device (it pings it: its watchdog rules now), -errno. */
int lg_reset_release(const lg_root *root, lg_reset *r);

/* /run/lastgood/reset: one line per item that is not NONE,
 *   NAME=STATUS VALUE ERRNO DEVICE      (DEVICE "-" when none)
 * Pure format/parse (bad lines skipped; -EBADMSG when nothing usable), and
 * atomic save/load under the root (load: -ENOENT when absent). */
int lg_reset_format(const lg_reset *r, char **ret, size_t *ret_size);
int lg_reset_parse(const char *buf, size_t size, lg_reset *ret);
int lg_reset_save(const lg_root *root, const lg_reset *r);
int lg_reset_load(const lg_root *root, lg_reset *ret);
