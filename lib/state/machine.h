/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bootstate.h"
#include "cmdline.h"
#include "config.h"

/* The state machine of DESIGN.md as one pure function:
 *   (state, step, command line, config, facts) -> (new state, decision).
 * No I/O. Callers persist ret_new only when decision.write is set.
 *
 * tries counts the failed boots in a row since the last proof. A try is
 * spent when an armed boot starts, or when a change first reaches a boot
 * not yet counted (ARM, BAD). Only a proof (PROVEN, or SHUTDOWN after
 * healthy) or a neutral SHUTDOWN (before healthy: a person rebooting) gives
 * it back; HEALTHY writes nothing, so a crash after the health window is a
 * failed boot exactly like an early one, and a failed boot costs at most one
 * write of the hot record. At level 3 (exhausted) nothing is written until a
 * proof or a reset. The `unproven` bit of the record is no longer set (this
 * boot's health is the watchdog's /run/lastgood/healthy); proofs and resets
 * still clear a bit left by an older version. */

typedef enum lg_step {
        LG_STEP_BOOT,     /* a boot starts: lastgood-early pre-udev (or the generator without EFI) */
        LG_STEP_ARM,      /* a change was seen: new initramfs, real root differs, agent content, runtime load, lastgoodctl arm */
        LG_STEP_HEALTHY,  /* the watchdog saw the boot healthy */
        LG_STEP_PROVEN,   /* ProveSec without a crash, orderly shutdown after healthy, or lastgoodctl good */
        LG_STEP_BAD,      /* lastgoodctl bad: count this boot as failed */
        LG_STEP_SHUTDOWN, /* orderly shutdown (the watchdog's stop) */
        LG_STEP_RESET,    /* lastgoodctl reset: clear counter and level */
        _LG_STEP_MAX,
} lg_step;

const char *lg_step_to_string(lg_step s);

typedef struct lg_facts {
        /* BOOT: a crash record newer than the last proven boot names this
         * unproven third-party item (NULL: none), with this record id. */
        const char *culprit;
        uint32_t crash_id;
        /* PROVEN: now, CLOCK_REALTIME µs. */
        uint64_t now_usec;
        /* SHUTDOWN: this boot reached healthy and no change was seen since
         * (the watchdog restarts the health window at every change). */
        bool healthy;
        /* SHUTDOWN: `lastgoodctl bad` declared this boot failed: it is
         * neither proven nor neutral. */
        bool bad;
        /* ARM: the change is only on disk, not in this boot (an initramfs
         * rebuilt for the next boot): arm, but this boot is not counted. */
        bool next_boot_only;
} lg_facts;

typedef struct lg_decision {
        lg_mode mode;        /* effective mode this boot */
        unsigned level;      /* effective level: 0 none, 1 changed, 2 all third-party, 3 exhausted */
        unsigned threshold;  /* effective threshold */
        bool write;          /* new state differs from the old one: persist it */
        bool noop;           /* lastgood.mode=off: do nothing, write nothing */
        bool counted;        /* this boot was counted (armed) */
        bool escalated;      /* the level was raised at this step */
        bool exhausted;      /* level 3: withhold nothing, say so */
        bool fast_path;      /* a crash-log culprit is withheld this boot */
        bool override;       /* a command-line override is in force */
        bool reset;          /* counter and level were cleared (lastgood.reset or RESET) */
        bool neutral;        /* SHUTDOWN before healthy: this boot does not count (its try is given back) */
        bool unhealthy;      /* BAD: this boot was counted as failed */
        bool armed_now;      /* ARM (or BAD/fast path): armed was off and is now on */
        bool proven;         /* PROVEN, or SHUTDOWN after healthy: record the last known good */
} lg_decision;

/* Never fails; an out-of-range old state (level > 3) is clamped. */
void lg_machine_step(const lg_state *old, lg_step step, const lg_cmdline *cmdline,
                     const lg_config *config, const lg_facts *facts, lg_state *ret_new,
                     lg_decision *ret_decision);
