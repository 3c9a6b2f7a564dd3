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
        LATE = 1 << 3,
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

        /* --- late crash --- */
        { "boot: healthy-but-unproven previous boot is a late crash",
          S(.armed = true, .unproven = true, .boot_seq = 3), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 2, .boot_seq = 4), .flags = WRITE | COUNTED | LATE },
        { "boot: late crash reaching threshold escalates",
          S(.armed = true, .unproven = true, .tries = 1, .boot_seq = 3), LG_STEP_BOOT,
          .expect = S(.armed = true, .tries = 1, .level = 1, .boot_seq = 4), .level = 1,
          .flags = WRITE | COUNTED | LATE | ESCALATED },

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
        { "arm: a change after healthy leaves the boot unproven",
          S(.boot_seq = 4), LG_STEP_ARM, .facts = { .healthy = true },
          .expect = S(.armed = true, .unproven = true, .boot_seq = 4), .flags = WRITE | ARMED_NOW },
        { "arm: already armed writes nothing",
          S(.armed = true, .tries = 1), LG_STEP_ARM,
          .expect = S(.armed = true, .tries = 1), .flags = 0 },
        { "arm: mode=off writes nothing",
          S(), LG_STEP_ARM, .mode = LG_MODE_OFF, .expect = S(), .flags = NOOP | OVERRIDE },

        /* --- HEALTHY --- */
        { "healthy: armed boot gives its try back and waits for proof",
          S(.armed = true, .tries = 2, .level = 1), LG_STEP_HEALTHY,
          .expect = S(.armed = true, .unproven = true, .level = 1), .level = 1, .flags = WRITE },
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
        { "shutdown: unproven set in this boot proves it even if the watchdog forgot",
          S(.armed = true, .unproven = true), LG_STEP_SHUTDOWN, .facts = { .now_usec = NOW },
          .expect = S(.last_proven_usec = NOW), .flags = WRITE | PROVEN },
        { "shutdown: not armed, nothing to write",
          S(), LG_STEP_SHUTDOWN, .expect = S(), .flags = NEUTRAL },

        /* --- BAD --- */
        { "bad: before healthy, already counted",
          S(.armed = true, .tries = 1), LG_STEP_BAD,
          .expect = S(.armed = true, .tries = 1), .flags = UNHEALTHY },
        { "bad: after healthy takes the try again",
          S(.armed = true, .unproven = true), LG_STEP_BAD, .facts = { .healthy = true },
          .expect = S(.armed = true, .tries = 1), .flags = WRITE | UNHEALTHY },
        { "bad: on a steady host arms and counts",
          S(), LG_STEP_BAD,
          .expect = S(.armed = true, .tries = 1), .flags = WRITE | UNHEALTHY | ARMED_NOW },

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
               (d->late_crash ? LATE : 0) | (d->escalated ? ESCALATED : 0) | (d->exhausted ? EXHAUSTED : 0) |
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

/* A whole boot loop walked step by step: update, Threshold crashes, level 1,
 * healthy, proven, then steady state writes nothing. */
static void test_walk_crash_loop_to_recovery(void **state) {
        lg_state s = S(), n;
        lg_decision d;
        lg_facts healthy = { .healthy = true, .now_usec = NOW };
        unsigned writes = 0;

#define STEP(st, f)                                                  \
        do {                                                         \
                lg_machine_step(&s, (st), NULL, NULL, (f), &n, &d);  \
                writes += d.write;                                   \
                s = n;                                               \
        } while (0)

        STEP(LG_STEP_ARM, &healthy);     /* update lands at run time after healthy */
        assert_true(s.armed && s.unproven);
        STEP(LG_STEP_BOOT, NULL);        /* it crashed: late crash + this boot */
        assert_true(d.late_crash);
        assert_int_equal(s.tries, 2);
        STEP(LG_STEP_BOOT, NULL);        /* crashed again: threshold reached */
        assert_int_equal(d.level, 1);
        assert_true(d.escalated);
        STEP(LG_STEP_HEALTHY, NULL);
        assert_int_equal(s.tries, 0);
        STEP(LG_STEP_SHUTDOWN, &healthy); /* orderly shutdown after healthy = proven */
        assert_true(d.proven);
        assert_false(s.armed);
        assert_int_equal(s.level, 0);

        unsigned before = writes;
        for (int i = 0; i < 5; i++) {
                STEP(LG_STEP_BOOT, NULL);
                STEP(LG_STEP_HEALTHY, NULL);
                STEP(LG_STEP_PROVEN, &healthy);
                STEP(LG_STEP_SHUTDOWN, &healthy);
        }
        assert_int_equal(writes, before); /* steady state: no NVRAM write at all */
#undef STEP
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
                cmocka_unit_test(test_walk_to_exhausted),
                cmocka_unit_test(test_step_names),
        };

        printf("state machine table: %zu transitions\n", ELEMENTSOF(table));
        return cmocka_run_group_tests(tests, NULL, NULL);
}
