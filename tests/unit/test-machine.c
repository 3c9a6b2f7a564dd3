/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven test of every transition of the state machine (DESIGN.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"
#include "macro.h"

#define S(...) ((lg_state) { __VA_ARGS__ })

/* Expected decision flags, as a bit set, so that every row states all of them. */
enum {
        WRITE = 1 << 0,
        NOOP = 1 << 1,
        COUNTED = 1 << 2,
        ESCALATED = 1 << 4,
        EXHAUSTED = 1 << 5,
        FAST = 1 << 6,
        OVERRIDE = 1 << 7,
        RESET = 1 << 8,
        NEUTRAL = 1 << 9,
        UNHEALTHY = 1 << 10,
        ARMED_NOW = 1 << 11,
        PROVEN = 1 << 12,
};

typedef struct row {
        const char *name;
        lg_state old;
        lg_step step;
        lg_mode mode;
        bool reset;
        unsigned cmd_threshold;
        unsigned cfg_threshold;
        lg_facts facts;
        lg_state expect;
        unsigned level;  /* effective level */
        unsigned flags;
} row;

#define NOW 1700000000000000ULL

static const row table[] = {
        /* --- BOOT, steady state and counting --- */
        { "boot: not armed, steady state writes nothing",
          S(), LG_STEP_BOOT, .expect = S(), .level = 0, .flags = 0 },
        { "boot: not armed, old proven time kept, nothing written",
          S(.last_proven_usec = NOW, .boot_seq = 7), LG_STEP_BOOT,
          .expect = S(.last_proven_usec = NOW, .boot_seq = 7), .flags = 0 },
        { "boot: armed, first try counted",
          S(.armed = true), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 1, .boot_seq = 1), .flags = WRITE | COUNTED },
        { "boot: armed, second try counted below threshold",
          S(.armed = true, .tries = 1, .boot_seq = 1), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 2, .boot_seq = 2), .flags = WRITE | COUNTED },
        { "boot: threshold failed boots -> level 1",
          S(.armed = true, .tries = 2, .boot_seq = 2), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 1, .level = 1, .boot_seq = 3), .level = 1,
          .flags = WRITE | COUNTED | ESCALATED },
        { "boot: threshold failed boots at level 1 -> level 2",
          S(.armed = true, .tries = 2, .level = 1, .boot_seq = 5), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 1, .level = 2, .boot_seq = 6), .level = 2,
          .flags = WRITE | COUNTED | ESCALATED },
        { "boot: threshold failed boots at level 2 -> exhausted, not counted",
          S(.armed = true, .tries = 2, .level = 2, .boot_seq = 8), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 0, .level = 3, .boot_seq = 8), .level = 3,
          .flags = WRITE | ESCALATED | EXHAUSTED },
        { "boot: exhausted stays exhausted and writes nothing",
          S(.armed = true, .level = 3, .boot_seq = 8), LG_STEP_BOOT,
          .expect = S(.armed = true, .level = 3, .boot_seq = 8), .level = 3, .flags = EXHAUSTED },
        { "boot: config threshold 3 is honoured",
          S(.armed = true, .tries = 2), LG_STEP_BOOT, .cfg_threshold = 3,
          .expect = S(.armed = true, .tries = 3, .boot_seq = 1), .flags = WRITE | COUNTED },
        { "boot: tries saturate instead of wrapping",
          S(.armed = true, .tries = 255, .level = 2), LG_STEP_BOOT, .cfg_threshold = 255,
          .expect = S(.armed = true, .tries = 0, .level = 3), .level = 3,
          .flags = WRITE | ESCALATED | EXHAUSTED },
        { "boot: corrupt level above 3 is clamped to exhausted",
          S(.armed = true, .level = 9), LG_STEP_BOOT,
          .expect = S(.armed = true, .level = 3), .level = 3, .flags = WRITE | EXHAUSTED },

        /* --- late crash: healthy gave nothing back, so it needs no rule of its own --- */
        { "boot: a crash after healthy left the try spent: counted like any other",
          S(.armed = true, .tries = 1, .boot_seq = 3), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 2, .boot_seq = 4), .flags = WRITE | COUNTED },
        { "boot: an unproven bit of an older version is neither counted nor cleared",
          S(.armed = true, .unproven = true, .tries = 1, .boot_seq = 3), LG_STEP_BOOT,
          .expect = S(.armed = true, .unproven = true, .tries = 2, .boot_seq = 4), .flags = WRITE | COUNTED },
        { "boot: exhausted ignores a new crash record (no write at level 3)",
          S(.armed = true, .level = 3, .boot_seq = 8, .crash_seen = 1), LG_STEP_BOOT,
          .facts = { .culprit = "lgcrash", .crash_id = 2 },
          .expect = S(.armed = true, .level = 3, .boot_seq = 8, .crash_seen = 1), .level = 3, .flags = EXHAUSTED },

        /* --- crash-log fast path --- */
        { "boot: crash log names an unproven item -> level 1 at once",
          S(.armed = true, .tries = 1, .boot_seq = 1), LG_STEP_BOOT,
          .facts = { .culprit = "lgcrash", .crash_id = 0xabcd },
          .expect = S(.armed = true, .tries = 1, .level = 1, .boot_seq = 2, .crash_seen = 0xabcd), .level = 1,
          .flags = WRITE | COUNTED | ESCALATED | FAST },
        { "boot: crash log while not armed arms and withholds",
          S(), LG_STEP_BOOT, .facts = { .culprit = "lgcrash", .crash_id = 7 },
          .expect = S(.armed = true, .tries = 1, .level = 1, .boot_seq = 1, .crash_seen = 7), .level = 1,
          .flags = WRITE | COUNTED | ESCALATED | FAST | ARMED_NOW },
        { "boot: the same crash record is acted upon once",
          S(.armed = true, .tries = 1, .level = 1, .boot_seq = 2, .crash_seen = 7), LG_STEP_BOOT,
          .facts = { .culprit = "lgcrash", .crash_id = 7 },
          .expect = S(.armed = true, .tries = 2, .level = 1, .boot_seq = 3, .crash_seen = 7), .level = 1,
          .flags = WRITE | COUNTED },
        { "boot: crash log at level 2 does not lower the level",
          S(.armed = true, .level = 2, .boot_seq = 2), LG_STEP_BOOT,
          .facts = { .culprit = "lgcrash", .crash_id = 9 },
          .expect = S(.armed = true, .tries = 1, .level = 2, .boot_seq = 3, .crash_seen = 9), .level = 2,
          .flags = WRITE | COUNTED | FAST },
        { "boot: no culprit, crash id alone does nothing",
          S(), LG_STEP_BOOT, .facts = { .crash_id = 9 }, .expect = S(), .flags = 0 },

        /* --- command-line overrides at BOOT --- */
        { "boot: mode=off does nothing and writes nothing, even when armed",
          S(.armed = true, .tries = 5, .unproven = true), LG_STEP_BOOT, .mode = LG_MODE_OFF,
          .expect = S(.armed = true, .tries = 5, .unproven = true), .level = 0, .flags = NOOP | OVERRIDE },
        { "boot: mode=off ignores a crash log",
          S(), LG_STEP_BOOT, .mode = LG_MODE_OFF, .facts = { .culprit = "x", .crash_id = 1 },
          .expect = S(), .flags = NOOP | OVERRIDE },
        { "boot: mode=safe gives level 1 on an armed host, counting goes on",
          S(.armed = true), LG_STEP_BOOT, .mode = LG_MODE_SAFE,
          .expect = S(.armed = true, .tries = 1, .boot_seq = 1), .level = 1, .flags = WRITE | COUNTED | OVERRIDE },
        { "boot: mode=safe on a steady host writes nothing",
          S(), LG_STEP_BOOT, .mode = LG_MODE_SAFE, .expect = S(), .level = 1, .flags = OVERRIDE },
        { "boot: mode=strict gives level 2",
          S(.armed = true), LG_STEP_BOOT, .mode = LG_MODE_STRICT,
          .expect = S(.armed = true, .tries = 1, .boot_seq = 1), .level = 2, .flags = WRITE | COUNTED | OVERRIDE },
        { "boot: mode=strict overrides exhausted",
          S(.armed = true, .level = 3), LG_STEP_BOOT, .mode = LG_MODE_STRICT,
          .expect = S(.armed = true, .level = 3), .level = 2, .flags = OVERRIDE },
        { "boot: mode=normal withholds nothing, counting and escalation go on",
          S(.armed = true, .tries = 2), LG_STEP_BOOT, .mode = LG_MODE_NORMAL,
          .expect = S(.armed = true, .tries = 1, .level = 1, .boot_seq = 1), .level = 0,
          .flags = WRITE | COUNTED | ESCALATED | OVERRIDE },
        { "boot: lastgood.reset clears counter and level, then counts this boot",
          S(.armed = true, .tries = 2, .level = 2, .unproven = true, .boot_seq = 4), LG_STEP_BOOT, .reset = true,
          .expect = S(.armed = true, .tries = 1, .boot_seq = 5), .level = 0,
          .flags = WRITE | COUNTED | RESET | OVERRIDE },
        { "boot: lastgood.reset on a steady host writes nothing",
          S(), LG_STEP_BOOT, .reset = true, .expect = S(), .flags = OVERRIDE },
        { "boot: lastgood.threshold=3 delays escalation",
          S(.armed = true, .tries = 2), LG_STEP_BOOT, .cmd_threshold = 3,
          .expect = S(.armed = true, .tries = 3, .boot_seq = 1), .flags = WRITE | COUNTED | OVERRIDE },
        { "boot: lastgood.threshold=1 beats the config's 5",
          S(.armed = true, .tries = 1), LG_STEP_BOOT, .cmd_threshold = 1, .cfg_threshold = 5,
          .expect = S(.armed = true, .tries = 1, .level = 1, .boot_seq = 1), .level = 1,
          .flags = WRITE | COUNTED | ESCALATED | OVERRIDE },

        /* --- ARM --- */
        { "arm: a change before healthy counts this boot",
          S(.boot_seq = 4), LG_STEP_ARM,
          .expect = S(.armed = true, .tries = 1, .boot_seq = 5), .flags = WRITE | COUNTED | ARMED_NOW },
        { "arm: a change after healthy counts this boot too",
          S(.boot_seq = 4), LG_STEP_ARM, .facts = { .healthy = true },
          .expect = S(.armed = true, .tries = 1, .boot_seq = 5), .flags = WRITE | COUNTED | ARMED_NOW },
        { "arm: a change after a proof of this boot undoes it and counts the boot",
          S(.boot_seq = 4, .last_proven_usec = NOW), LG_STEP_ARM, .facts = { .healthy = true },
          .expect = S(.armed = true, .tries = 1, .boot_seq = 5, .last_proven_usec = NOW),
          .flags = WRITE | COUNTED | ARMED_NOW },
        { "arm: a change on disk only (initramfs rebuilt) arms, the next boot counts",
          S(.boot_seq = 4), LG_STEP_ARM, .facts = { .healthy = true, .next_boot_only = true },
          .expect = S(.armed = true, .boot_seq = 4), .flags = WRITE | ARMED_NOW },
        { "arm: already armed writes nothing",
          S(.armed = true, .tries = 1), LG_STEP_ARM,
          .expect = S(.armed = true, .tries = 1), .flags = 0 },
        { "arm: mode=off writes nothing",
          S(), LG_STEP_ARM, .mode = LG_MODE_OFF, .expect = S(), .flags = NOOP | OVERRIDE },

        /* --- HEALTHY --- */
        { "healthy: an armed boot keeps its try spent and writes nothing",
          S(.armed = true, .tries = 2, .level = 1), LG_STEP_HEALTHY,
          .expect = S(.armed = true, .tries = 2, .level = 1), .level = 1, .flags = 0 },
        { "healthy: exhausted writes nothing",
          S(.armed = true, .level = 3), LG_STEP_HEALTHY,
          .expect = S(.armed = true, .level = 3), .level = 3, .flags = 0 },
        { "healthy: not armed writes nothing",
          S(), LG_STEP_HEALTHY, .expect = S(), .flags = 0 },
        { "healthy: mode=off writes nothing",
          S(.armed = true, .tries = 1), LG_STEP_HEALTHY, .mode = LG_MODE_OFF,
          .expect = S(.armed = true, .tries = 1), .flags = NOOP | OVERRIDE },

        /* --- PROVEN --- */
        { "proven: clears armed, level, counter, records the time",
          S(.armed = true, .unproven = true, .level = 1, .boot_seq = 3), LG_STEP_PROVEN,
          .facts = { .now_usec = NOW },
          .expect = S(.boot_seq = 3, .last_proven_usec = NOW), .flags = WRITE | PROVEN },
        { "proven: steady state writes nothing",
          S(.last_proven_usec = 5), LG_STEP_PROVEN, .facts = { .now_usec = NOW },
          .expect = S(.last_proven_usec = 5), .flags = PROVEN },
        { "proven: keeps the crash record id",
          S(.armed = true, .unproven = true, .level = 1, .crash_seen = 7), LG_STEP_PROVEN,
          .facts = { .now_usec = NOW },
          .expect = S(.crash_seen = 7, .last_proven_usec = NOW), .flags = WRITE | PROVEN },

        /* --- SHUTDOWN --- */
        { "shutdown: orderly before healthy does not count",
          S(.armed = true, .tries = 2, .boot_seq = 2), LG_STEP_SHUTDOWN,
          .expect = S(.armed = true, .tries = 1, .boot_seq = 2), .flags = WRITE | NEUTRAL },
        { "shutdown: orderly after healthy proves the boot",
          S(.armed = true, .unproven = true, .level = 1), LG_STEP_SHUTDOWN,
          .facts = { .healthy = true, .now_usec = NOW },
          .expect = S(.last_proven_usec = NOW), .flags = WRITE | PROVEN },
        { "shutdown: an unproven bit alone proves nothing",
          S(.armed = true, .unproven = true, .tries = 1), LG_STEP_SHUTDOWN, .facts = { .now_usec = NOW },
          .expect = S(.armed = true, .unproven = true), .flags = WRITE | NEUTRAL },
        { "shutdown: after lastgoodctl bad, neither proven nor neutral",
          S(.armed = true, .tries = 1), LG_STEP_SHUTDOWN, .facts = { .healthy = true, .bad = true, .now_usec = NOW },
          .expect = S(.armed = true, .tries = 1), .flags = 0 },
        { "shutdown: before healthy at level 3 writes nothing",
          S(.armed = true, .level = 3), LG_STEP_SHUTDOWN,
          .expect = S(.armed = true, .level = 3), .level = 3, .flags = NEUTRAL },
        { "shutdown: not armed, nothing to write",
          S(), LG_STEP_SHUTDOWN, .expect = S(), .flags = NEUTRAL },

        /* --- BAD --- */
        { "bad: before healthy, already counted",
          S(.armed = true, .tries = 1), LG_STEP_BAD,
          .expect = S(.armed = true, .tries = 1), .flags = UNHEALTHY },
        { "bad: after healthy, the try was never given back: nothing to write",
          S(.armed = true, .tries = 1), LG_STEP_BAD, .facts = { .healthy = true },
          .expect = S(.armed = true, .tries = 1), .flags = UNHEALTHY },
        { "bad: on a steady host arms and counts",
          S(), LG_STEP_BAD,
          .expect = S(.armed = true, .tries = 1, .boot_seq = 1), .flags = WRITE | UNHEALTHY | ARMED_NOW | COUNTED },

        /* --- RESET --- */
        { "reset: clears counter, level and unproven, keeps armed",
          S(.armed = true, .tries = 2, .level = 2, .unproven = true, .boot_seq = 9), LG_STEP_RESET,
          .expect = S(.armed = true, .boot_seq = 9), .flags = WRITE | RESET },
        { "reset: nothing to clear writes nothing",
          S(), LG_STEP_RESET, .expect = S(), .flags = RESET },
};

static void assert_state(const char *name, const lg_state *got, const lg_state *want) {
        if (got->armed != want->armed || got->unproven != want->unproven || got->tries != want->tries ||
            got->level != want->level || got->boot_seq != want->boot_seq ||
            got->last_proven_usec != want->last_proven_usec || got->crash_seen != want->crash_seen) {
                print_error("%s:\n  got  armed=%d unproven=%d tries=%u level=%u seq=%u proven=%llu crash=%u\n"
                            "  want armed=%d unproven=%d tries=%u level=%u seq=%u proven=%llu crash=%u\n",
                            name, got->armed, got->unproven, got->tries, got->level, got->boot_seq,
                            (unsigned long long) got->last_proven_usec, got->crash_seen, want->armed,
                            want->unproven, want->tries, want->level, want->boot_seq,
                            (unsigned long long) want->last_proven_usec, want->crash_seen);
                fail();
        }
}

static unsigned flags_of(const lg_decision *d) {
        return (d->write ? WRITE : 0) | (d->noop ? NOOP : 0) | (d->counted ? COUNTED : 0) |
               (d->escalated ? ESCALATED : 0) | (d->exhausted ? EXHAUSTED : 0) |
               (d->fast_path ? FAST : 0) | (d->override ? OVERRIDE : 0) | (d->reset ? RESET : 0) |
               (d->neutral ? NEUTRAL : 0) | (d->unhealthy ? UNHEALTHY : 0) | (d->armed_now ? ARMED_NOW : 0) |
               (d->proven ? PROVEN : 0);
}

static void run_row(const row *r) {
        lg_cmdline cmd = { .mode = r->mode, .reset = r->reset, .threshold = r->cmd_threshold };
        lg_config cfg = { .threshold = r->cfg_threshold ? r->cfg_threshold : LG_DEFAULT_THRESHOLD };
        lg_state got;
        lg_decision d;

        memset(&got, 0xaa, sizeof(got));
        lg_machine_step(&r->old, r->step, &cmd, &cfg, &r->facts, &got, &d);
        assert_state(r->name, &got, &r->expect);
        if (d.level != r->level) {
                print_error("%s: effective level %u, want %u\n", r->name, d.level, r->level);
                fail();
        }
        if (flags_of(&d) != r->flags) {
                print_error("%s: decision flags 0x%x, want 0x%x\n", r->name, flags_of(&d), r->flags);
                fail();
        }
        /* write is exactly "the stored fields changed" */
        assert_int_equal(d.write, got.armed != r->old.armed || got.unproven != r->old.unproven ||
                                          got.tries != r->old.tries || got.level != r->old.level ||
                                          got.boot_seq != r->old.boot_seq ||
                                          got.last_proven_usec != r->old.last_proven_usec ||
                                          got.crash_seen != r->old.crash_seen);
}

static void test_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                run_row(&table[i]);
}

/* Every step leaves the state alone under mode=off. */
static void test_off_writes_nothing_at_any_step(void **state) {
        lg_cmdline cmd = { .mode = LG_MODE_OFF };
        const lg_state olds[] = { S(), S(.armed = true, .tries = 1), S(.armed = true, .unproven = true, .level = 2) };

        for (size_t i = 0; i < ELEMENTSOF(olds); i++)
                for (int step = 0; step < _LG_STEP_MAX; step++) {
                        lg_facts f = { .healthy = true, .culprit = "m", .crash_id = 3, .now_usec = NOW };
                        lg_state n;
                        lg_decision d;

                        lg_machine_step(&olds[i], step, &cmd, NULL, &f, &n, &d);
                        assert_true(d.noop);
                        assert_false(d.write);
                        assert_memory_equal(&n, &olds[i], sizeof(n));
                }
}

/* NULL command line and config are the defaults. */
static void test_null_inputs(void **state) {
        lg_state old = S(.armed = true, .tries = 2), n;
        lg_decision d;

        lg_machine_step(&old, LG_STEP_BOOT, NULL, NULL, NULL, &n, &d);
        assert_int_equal(d.threshold, LG_DEFAULT_THRESHOLD);
        assert_int_equal(n.level, 1);
        assert_int_equal(d.mode, LG_MODE_AUTO);
        assert_false(d.override);
}

/* Simulated boots for the walks below: each runs the steps a real boot
 * runs, and counts the hot-record writes. */
typedef enum ending {
        CRASH_EARLY,   /* crashes before healthy */
        CRASH_LATE,    /* healthy, then crashes before proven */
        REBOOT_EARLY,  /* a person reboots before healthy (orderly) */
        PROVEN_BOOT,   /* healthy, then ProveSec passes */
        BAD_REBOOT,    /* healthy, lastgoodctl bad, then an orderly reboot */
} ending;

typedef struct walk {
        lg_state s;
        unsigned writes, boot_writes;
        lg_decision boot; /* the BOOT decision of the last boot */
} walk;

static void walk_step(walk *w, lg_step step, const lg_facts *f) {
        lg_state n;
        lg_decision d;

        lg_machine_step(&w->s, step, NULL, NULL, f, &n, &d);
        w->writes += d.write;
        w->boot_writes += d.write;
        if (step == LG_STEP_BOOT)
                w->boot = d;
        w->s = n;
}

/* One boot; returns its effective level. */
static unsigned walk_boot(walk *w, ending e) {
        const lg_facts healthy = { .healthy = true, .now_usec = NOW }, bad = { .healthy = true, .bad = true };

        w->boot_writes = 0;
        walk_step(w, LG_STEP_BOOT, NULL);
        switch (e) {
        case CRASH_EARLY:
                break;
        case CRASH_LATE:
                walk_step(w, LG_STEP_HEALTHY, NULL);
                break;
        case REBOOT_EARLY:
                walk_step(w, LG_STEP_SHUTDOWN, NULL);
                break;
        case PROVEN_BOOT:
                walk_step(w, LG_STEP_HEALTHY, NULL);
                walk_step(w, LG_STEP_PROVEN, &healthy);
                walk_step(w, LG_STEP_SHUTDOWN, &healthy);
                break;
        case BAD_REBOOT:
                walk_step(w, LG_STEP_HEALTHY, NULL);
                walk_step(w, LG_STEP_BAD, &bad);
                walk_step(w, LG_STEP_SHUTDOWN, &bad);
                break;
        }
        return w->boot.level;
}

/* The boot (1-based) at which level 1 is first in force, or 0. Every failed
 * boot writes the hot record at most once. */
static unsigned walk_until_level1(walk *w, const ending *endings, size_t n) {
        for (size_t i = 0; i < n; i++) {
                unsigned level = walk_boot(w, endings[i]);

                if (endings[i] != PROVEN_BOOT && endings[i] != REBOOT_EARLY)
                        assert_in_range(w->boot_writes, 0, 1);
                if (level >= 1)
                        return (unsigned) i + 1;
        }
        return 0;
}

static void test_walk_late_crash_loop(void **state) {
        walk w = { .s = S(.armed = true) };
        const ending e[] = { CRASH_LATE, CRASH_LATE, CRASH_LATE, CRASH_LATE };

        assert_int_equal(walk_until_level1(&w, e, ELEMENTSOF(e)), 3);
        /* and level 2 two boots later, like early crashes */
        assert_int_equal(walk_boot(&w, CRASH_LATE), 1);
        assert_int_equal(walk_boot(&w, CRASH_LATE), 2);
}

static void test_walk_early_late_alternating(void **state) {
        walk w = { .s = S(.armed = true) };
        const ending e[] = { CRASH_EARLY, CRASH_LATE, CRASH_EARLY, CRASH_LATE };

        assert_int_equal(walk_until_level1(&w, e, ELEMENTSOF(e)), 3);
}

static void test_walk_person_reboots_in_late_loop(void **state) {
        walk w = { .s = S(.armed = true) };
        const ending e[] = { CRASH_LATE, REBOOT_EARLY, CRASH_LATE, CRASH_LATE, CRASH_LATE };

        assert_int_equal(walk_until_level1(&w, e, ELEMENTSOF(e)), 4);
}

static void test_walk_arm_after_healthy_then_late_crashes(void **state) {
        walk w = { .s = S() };
        const ending e[] = { CRASH_LATE, CRASH_LATE, CRASH_LATE };

        /* boot 1: steady, healthy, then a package hook arms; it crashes */
        walk_step(&w, LG_STEP_BOOT, NULL);
        walk_step(&w, LG_STEP_HEALTHY, NULL);
        walk_step(&w, LG_STEP_ARM, &(lg_facts) { .healthy = true });
        assert_true(w.s.armed);
        assert_int_equal(w.s.tries, 1);
        /* boot 2 crashes late too, boot 3 is at level 1 */
        assert_int_equal(walk_until_level1(&w, e, ELEMENTSOF(e)), 2);
}

static void test_walk_bad_then_orderly_reboot(void **state) {
        walk w = { .s = S(.armed = true) };
        const ending e[] = { BAD_REBOOT, BAD_REBOOT, BAD_REBOOT };

        assert_int_equal(walk_until_level1(&w, e, ELEMENTSOF(e)), 3);
}

static void test_walk_exhausted_late_crashes_write_nothing(void **state) {
        walk w = { .s = S(.armed = true, .level = 3, .boot_seq = 9) };

        for (int i = 0; i < 5; i++) {
                assert_int_equal(walk_boot(&w, i % 2 ? CRASH_LATE : REBOOT_EARLY), 3);
                assert_true(w.boot.exhausted);
        }
        assert_int_equal(w.writes, 0);
        /* a proof still ends it */
        walk_boot(&w, PROVEN_BOOT);
        assert_false(w.s.armed);
        assert_int_equal(w.s.level, 0);
}

/* Early crashes at every boot of a culprit the change set does not hold:
 * level 1 at boot 3, level 2 at boot 5, exhausted at boot 7. */
static void test_walk_culprit_not_in_changed_set(void **state) {
        walk w = { .s = S(.armed = true) };
        const unsigned want[] = { 0, 0, 1, 1, 2, 2, 3, 3 };

        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                assert_int_equal(walk_boot(&w, i % 2 ? CRASH_LATE : CRASH_EARLY), want[i]);
}

/* The update path: a change after healthy, then a proof or a neutral
 * shutdown; a proven change is not counted by a later unrelated crash. */
static void test_walk_change_then_shutdown(void **state) {
        const lg_facts healthy = { .healthy = true, .now_usec = NOW };
        walk w = { .s = S() };

        /* change after proven, healthy again, orderly shutdown: proven */
        walk_boot(&w, PROVEN_BOOT);
        walk_step(&w, LG_STEP_ARM, &healthy);
        assert_true(w.s.armed);
        walk_step(&w, LG_STEP_HEALTHY, NULL);
        walk_step(&w, LG_STEP_SHUTDOWN, &healthy);
        assert_false(w.s.armed);
        /* one unrelated crash: nothing counted */
        walk_boot(&w, CRASH_EARLY);
        assert_false(w.boot.counted);
        assert_int_equal(w.s.tries, 0);

        /* change, then shutdown at once (before healthy again): neutral,
         * still armed, the next boots count */
        walk_step(&w, LG_STEP_ARM, &healthy);
        walk_step(&w, LG_STEP_SHUTDOWN, NULL);
        assert_true(w.s.armed);
        assert_int_equal(w.s.tries, 0);
        const ending e[] = { CRASH_EARLY, CRASH_EARLY, CRASH_EARLY };
        assert_int_equal(walk_until_level1(&w, e, ELEMENTSOF(e)), 3);
}

/* A whole loop to recovery, then steady state writes nothing. */
static void test_walk_crash_loop_to_recovery(void **state) {
        walk w = { .s = S() };
        const lg_facts healthy = { .healthy = true, .now_usec = NOW };
        const ending e[] = { CRASH_EARLY, CRASH_EARLY, CRASH_EARLY };

        walk_step(&w, LG_STEP_ARM, &healthy); /* update lands at run time */
        walk_step(&w, LG_STEP_SHUTDOWN, NULL); /* rebooted at once: neutral */
        assert_int_equal(walk_until_level1(&w, e, ELEMENTSOF(e)), 3);
        walk_step(&w, LG_STEP_HEALTHY, NULL);
        assert_int_equal(w.s.tries, 1);
        walk_step(&w, LG_STEP_SHUTDOWN, &healthy); /* orderly shutdown after healthy = proven */
        assert_false(w.s.armed);
        assert_int_equal(w.s.level, 0);

        unsigned before = w.writes;
        for (int i = 0; i < 5; i++)
                walk_boot(&w, PROVEN_BOOT);
        assert_int_equal(w.writes, before); /* steady state: no NVRAM write at all */
}

/* Level 1 -> 2 -> exhausted when the crash is not caused by the change. */
static void test_walk_to_exhausted(void **state) {
        lg_state s = S(.armed = true), n;
        lg_decision d;
        unsigned levels[8];

        for (int i = 0; i < 8; i++) {
                lg_machine_step(&s, LG_STEP_BOOT, NULL, NULL, NULL, &n, &d);
                levels[i] = d.level;
                s = n;
        }
        /* boots 1,2 at level 0; 3,4 at level 1; 5,6 at level 2; then exhausted */
        const unsigned want[8] = { 0, 0, 1, 1, 2, 2, 3, 3 };
        assert_memory_equal(levels, want, sizeof(want));
        assert_true(d.exhausted);
        assert_false(d.write);
}

static void test_step_names(void **state) {
        for (int i = 0; i < _LG_STEP_MAX; i++)
                assert_non_null(lg_step_to_string(i));
        assert_null(lg_step_to_string(_LG_STEP_MAX));
        assert_null(lg_step_to_string(-1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_off_writes_nothing_at_any_step),
                cmocka_unit_test(test_null_inputs),
                cmocka_unit_test(test_walk_crash_loop_to_recovery),
                cmocka_unit_test(test_walk_late_crash_loop),
                cmocka_unit_test(test_walk_early_late_alternating),
                cmocka_unit_test(test_walk_person_reboots_in_late_loop),
                cmocka_unit_test(test_walk_arm_after_healthy_then_late_crashes),
                cmocka_unit_test(test_walk_bad_then_orderly_reboot),
                cmocka_unit_test(test_walk_exhausted_late_crashes_write_nothing),
                cmocka_unit_test(test_walk_culprit_not_in_changed_set),
                cmocka_unit_test(test_walk_change_then_shutdown),
                cmocka_unit_test(test_walk_to_exhausted),
                cmocka_unit_test(test_step_names),
        };

        printf("state machine table: %zu transitions\n", ELEMENTSOF(table));
        return cmocka_run_group_tests(tests, NULL, NULL);
}
