/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cmdline.h"
#include "inventory.h"
#include "rootfs.h"

/* What lastgood-early decided for this boot, handed to the main system under
 * /run/lastgood/ (which survives the switch to the real root):
 *
 *   /run/lastgood/decision   KEY=VALUE lines: LEVEL, MODE, TRIES, THRESHOLD,
 *                            BOOT_SEQ, KERNEL, COUNTED, EXHAUSTED, FAST_PATH,
 *                            OVERRIDE, NOOP, STAGE (pre-udev|pre-switch),
 *                            CULPRIT, CULPRIT_EVIDENCE
 *   /run/lastgood/withheld   one item a line: KIND<TAB>NAME<TAB>REASON<TAB>AGENT
 *                            ('-' for no agent), then for content
 *                            <TAB>FINGERPRINT (16 hex digits) when known:
 *                            the fingerprint of the file withheld, which the
 *                            proven write records in the cold record (the
 *                            file is gone from its place by then); '\\',
 *                            '\t', '\n' in names are written as C escapes.
 *                            A denied item (reason "denied") then has
 *                            <TAB>FILE:LINE of its deny list entry (the
 *                            fingerprint field "-" for a module).
 *
 * Readers must treat both as untrusted input. */

#define LG_RUN_DECISION "/run/lastgood/decision"
#define LG_RUN_WITHHELD "/run/lastgood/withheld"
/* Markers of this boot, between the watchdog and lastgoodctl:
 *   healthy  the watchdog saw this boot healthy (removed when a change
 *            restarts the health window);
 *   bad      `lastgoodctl bad`: this boot failed for good, no proof;
 *   changed  `lastgoodctl arm` (package hooks): a change the watchdog
 *            cannot see itself; it restarts the health window;
 *   proven   `lastgoodctl good` proved this boot (status says so while
 *            the host stays unarmed). */
#define LG_RUN_HEALTHY "/run/lastgood/healthy"
#define LG_RUN_BAD "/run/lastgood/bad"
#define LG_RUN_CHANGED "/run/lastgood/changed"
#define LG_RUN_PROVEN "/run/lastgood/proven"
/* The last boot (its boot_seq) the watchdog saw healthy and that was
 * neither proven nor shut down: at the next start, a crash after healthy. */
#define LG_LATE_CRASH_FILE "/var/lib/lastgood/healthy-boot"

typedef struct lg_runstate {
        unsigned level;
        lg_mode mode;
        unsigned tries;
        unsigned threshold;
        uint32_t boot_seq;
        bool counted, exhausted, fast_path, override, noop;
        char *stage;
        char *kernel;
        char *culprit;           /* NULL: none */
        char *culprit_evidence;  /* NULL: none */
        lg_withheld withheld;
} lg_runstate;

/* Both files, atomically each. Returns 0 or -errno. */
int lg_runstate_write(const lg_root *root, const lg_runstate *rs);
/* 0, -ENOENT when lastgood-early left nothing, -EBADMSG when unreadable
 * (bad lines are skipped; -EBADMSG only when nothing usable). */
int lg_runstate_read(const lg_root *root, lg_runstate *ret);
/* Pure parsers behind lg_runstate_read(). */
int lg_runstate_parse_decision(const char *buf, size_t size, lg_runstate *rs);
int lg_runstate_parse_withheld(const char *buf, size_t size, lg_withheld *w);
void lg_runstate_done(lg_runstate *rs);

/* /run/modprobe.d/lastgood.conf for the modules of w: "blacklist NAME" and
 * "install NAME /bin/false" each (blacklist alone stops only alias
 * loading), under a header naming writer. Only valid module names reach
 * the file (a name never carries modprobe.d or shell syntax); the others
 * are counted in *ret_refused. No module: no file (an earlier one goes).
 * Atomic. Returns 0 or -errno; *ret_n (may be NULL) = modules written. */
int lg_modprobe_conf_write(const lg_root *root, const lg_withheld *w, const char *writer, unsigned *ret_n,
                           unsigned *ret_refused);
