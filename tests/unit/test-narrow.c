/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The narrowing search after level 2 (lib/inventory/narrow.c), as pure functions.
 *
 * Simulated hosts boot again and again: each boot derives the search from
 * the state recorded at the last proof and the hot record's boot_seq (as
 * lastgood-early pre-switch does), loads the cleared and re-admitted
 * suspects, crashes when the culprit is among them (nothing is recorded
 * then), and otherwise is proven (lg_narrow_passed, recorded, as the proven
 * write does). Every host must end with the culprit alone guilty and every
 * other suspect cleared, within the log2 bound of probes and boots, and no
 * probe may re-admit a module without what it depends on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "inventory.h"
#include "macro.h"
#include "narrow.h"
#include "proven.h"

#define MAXN 64

typedef struct host {
        size_t n;
        lg_suspect_input in[MAXN];
        char names[MAXN][32];
        char *deps[MAXN][4];
        int culprit; /* index into in[], -1: none (the crash was something else) */
        unsigned threshold;
        bool cycle; /* the dependencies have a cycle: no order satisfies them */
} host;

static unsigned ceil_log2(size_t v) {
        unsigned r = 0;

        while (((size_t) 1 << r) < v)
                r++;
        return r;
}

static void host_modules(host *h, size_t n) {
        memset(h, 0, sizeof(*h));
        h->n = n;
        h->threshold = 2;
        h->culprit = -1;
        for (size_t i = 0; i < n; i++) {
                snprintf(h->names[i], sizeof(h->names[i]), "mod%02u", (unsigned) i);
                h->in[i] = (lg_suspect_input){ .kind = LG_SUSPECT_MODULE,
                                               .name = h->names[i],
                                               .fingerprint = 0x1000 + i,
                                               .deps = h->deps[i] };
        }
}

static const lg_suspect *find(const lg_narrow *nw, const char *name) {
        for (size_t i = 0; i < nw->n; i++)
                if (streq(nw->items[i].name, name))
                        return &nw->items[i];
        return NULL;
}

/* Loaded in this boot: cleared (released) or re-admitted by the probe. */
static bool loaded(const lg_narrow *nw, const char *name) {
        const lg_suspect *s = find(nw, name);

        assert_non_null(s);
        return s->state == LG_SUSPECT_CLEARED ||
               (s->state == LG_SUSPECT_HELD && lg_narrow_readmitted(nw, s));
}

typedef struct outcome {
        unsigned boots, probes, failed_probes;
} outcome;

static outcome simulate(const host *h) {
        lg_narrow rec = {}, cur = {};
        uint32_t seq = 1000;
        outcome o = {};

        assert_int_equal(lg_narrow_new(h->in, h->n, h->threshold, seq, &rec), 0);
        while (lg_narrow_active(&rec)) {
                lg_narrow_report rep;
                bool crash = false;

                assert_true(o.boots < 1000);
                seq++; /* the boot is counted (armed) */
                o.boots++;
                assert_int_equal(lg_narrow_derive(&rec, seq, &cur, &rep), 0);
                o.failed_probes += rep.failed;
                if (rep.new_probe && lg_narrow_active(&cur))
                        o.probes++;
                /* A probe never re-admits a module without what it needs. */
                for (size_t i = 0; i < h->n; i++) {
                        if (!loaded(&cur, h->in[i].name))
                                continue;
                        for (char *const *d = h->in[i].deps; d && *d && !h->cycle; d++)
                                /* (a guilty one stays out: what needs it
                                 * cannot load, and is cleared all the same) */
                                if (find(&cur, *d) && find(&cur, *d)->state != LG_SUSPECT_GUILTY)
                                        assert_true(loaded(&cur, *d));
                }
                if (h->culprit >= 0)
                        crash = loaded(&cur, h->in[h->culprit].name);
                if (!crash) {
                        /* Proven: the watchdog records the step. */
                        if (lg_narrow_active(&cur))
                                lg_narrow_passed(&cur, seq, NULL);
                        lg_narrow_done(&rec);
                        rec = cur;
                        cur = (lg_narrow){};
                } else
                        lg_narrow_done(&cur);
        }
        /* The end: the culprit alone guilty, every other suspect cleared. */
        for (size_t i = 0; i < h->n; i++) {
                const lg_suspect *s = find(&rec, h->in[i].name);

                assert_non_null(s);
                assert_int_equal(s->state, (int) i == h->culprit ? LG_SUSPECT_GUILTY : LG_SUSPECT_CLEARED);
        }
        lg_narrow_done(&rec);
        return o;
}

/* Probes: ceil(log2(n + 1)) to find one culprit among n, one to verify
 * the others after it, one more when agents go first. */
static void check_bound(const host *h, outcome o, bool agents) {
        unsigned bound = ceil_log2(h->n + 1) + (h->culprit >= 0 ? 1 : 0) + (agents ? 1 : 0);

        if (o.probes > bound || o.boots > bound * h->threshold)
                fail_msg("n=%zu culprit=%d: %u probes, %u boots; bound %u probes, %u boots", h->n,
                         h->culprit, o.probes, o.boots, bound, bound * h->threshold);
        /* A failed probe costs Threshold boots, a passed one a single boot,
         * and the search may end at a boot that runs no probe (the last
         * culprit named, nothing left to re-admit). */
        assert_true(o.boots <= o.failed_probes * h->threshold + (o.probes - o.failed_probes) + 1);
}

static void test_every_position(void **state) {
        static const size_t sizes[] = { 1, 2, 3, 7, 64 };
        host h;

        (void) state;
        for (size_t s = 0; s < ELEMENTSOF(sizes); s++)
                for (int c = -1; c < (int) sizes[s]; c++)
                        for (unsigned t = 1; t <= 3; t += 2) {
                                outcome o;

                                host_modules(&h, sizes[s]);
                                h.culprit = c;
                                h.threshold = t;
                                o = simulate(&h);
                                check_bound(&h, o, false);
                                /* No culprit: every probe passes, every
                                 * suspect is released. */
                                if (c < 0)
                                        assert_int_equal(o.failed_probes, 0);
                                else
                                        assert_true(o.failed_probes >= 1);
                        }
}

/* 64 suspects, one culprit: about log2 boots, not 64. */
static void test_log2_numbers(void **state) {
        host h;
        outcome o;

        (void) state;
        host_modules(&h, 64);
        h.culprit = 0;
        o = simulate(&h);
        /* Six failed probes narrow 64 to one; a seventh probe (the 63
         * others at once) passes. */
        assert_int_equal(o.failed_probes, 6);
        assert_int_equal(o.probes, 7); /* 32, 16, 8, 4, 2, 1, then 63 */
        assert_int_equal(o.boots, 6 * 2 + 1);

        host_modules(&h, 64);
        o = simulate(&h);
        assert_int_equal(o.failed_probes, 0);
        assert_int_equal(o.probes, 7); /* 32, 16, 8, 4, 2, 1, 1 */
        assert_int_equal(o.boots, 7);
}

/* zdep is needed by amod and bmod (and sorts after them by name): it comes
 * first in the list, and a probe with amod always has zdep. */
static void test_dependency_culprit(void **state) {
        host h;
        lg_narrow nw = {};

        (void) state;
        for (int c = 0; c < 5; c++) {
                host_modules(&h, 5);
                strcpy(h.names[0], "amod");
                strcpy(h.names[1], "bmod");
                strcpy(h.names[2], "cmod");
                strcpy(h.names[3], "dmod");
                strcpy(h.names[4], "zdep");
                h.deps[0][0] = (char *) "zdep";
                h.deps[1][0] = (char *) "amod";
                h.deps[1][1] = (char *) "zdep";
                h.deps[1][2] = (char *) "in_tree_dep"; /* no suspect: ignored */
                h.culprit = c;
                check_bound(&h, simulate(&h), false);
        }
        assert_int_equal(lg_narrow_new(h.in, h.n, 2, 1, &nw), 0);
        assert_string_equal(nw.items[0].name, "cmod");
        assert_string_equal(nw.items[1].name, "dmod");
        assert_string_equal(nw.items[2].name, "zdep");
        assert_string_equal(nw.items[3].name, "amod");
        assert_string_equal(nw.items[4].name, "bmod");
        lg_narrow_done(&nw);

        /* A cycle (broken modules) still gives an order and an answer. */
        host_modules(&h, 3);
        h.deps[0][0] = h.names[1];
        h.deps[1][0] = h.names[0];
        h.cycle = true;
        h.culprit = 1;
        simulate(&h);
}

/* Agents go first, on their own: an innocent agent is back after one
 * boot; a guilty one is named among the agents only. */
static void test_agent_culprit(void **state) {
        host h;
        lg_narrow nw = {};

        (void) state;
        for (int c = -1; c < 7; c++) {
                host_modules(&h, 7);
                strcpy(h.names[5], "falco");
                strcpy(h.names[6], "scanner");
                h.in[5].kind = h.in[6].kind = LG_SUSPECT_AGENT;
                h.in[5].fingerprint = h.in[6].fingerprint = 0;
                h.culprit = c;
                check_bound(&h, simulate(&h), true);
        }
        assert_int_equal(lg_narrow_new(h.in, h.n, 2, 1, &nw), 0);
        assert_int_equal(nw.items[0].kind, LG_SUSPECT_AGENT);
        assert_string_equal(nw.items[0].name, "falco");
        assert_string_equal(nw.items[1].name, "scanner");
        assert_int_equal(nw.probe, 2); /* the first probe: both agents, no module */
        assert_int_equal(nw.bad, 8);
        lg_narrow_done(&nw);
}

/* Deriving is idempotent: the state recorded from a derived one derives
 * to itself (an advance written by one boot is not applied twice). */
static void test_derive_idempotent(void **state) {
        host h;
        lg_narrow rec = {}, a = {}, b = {};
        lg_narrow_report rep;
        _cleanup_free_ char *fa = NULL, *fb = NULL;
        size_t sa, sb;

        (void) state;
        host_modules(&h, 7);
        assert_int_equal(lg_narrow_new(h.in, h.n, 2, 10, &rec), 0);
        assert_int_equal(rec.probe, 4);
        /* Boots 11, 12 fail; 13 is the first boot of the second probe. */
        assert_int_equal(lg_narrow_derive(&rec, 11, &a, &rep), 0);
        assert_true(rep.new_probe);
        assert_int_equal(rep.failed, 0);
        lg_narrow_done(&a);
        assert_int_equal(lg_narrow_derive(&rec, 12, &a, &rep), 0);
        assert_false(rep.new_probe);
        lg_narrow_done(&a);
        assert_int_equal(lg_narrow_derive(&rec, 13, &a, &rep), 0);
        assert_true(rep.new_probe);
        assert_int_equal(rep.failed, 1);
        assert_int_equal(a.bad, 4);
        assert_int_equal(a.probe, 2);
        assert_int_equal(a.base_seq, 12);
        assert_int_equal(lg_narrow_derive(&a, 13, &b, &rep), 0);
        assert_int_equal(rep.failed, 0);
        assert_int_equal(lg_narrow_format(&a, &fa, &sa), 0);
        assert_int_equal(lg_narrow_format(&b, &fb, &sb), 0);
        assert_string_equal(fa, fb);
        lg_narrow_done(&b);
        /* A hot record started afresh (boot_seq went back to 0): failures
         * count from its start, the search does not stall. */
        assert_int_equal(lg_narrow_derive(&rec, 1, &b, &rep), 0);
        assert_int_equal(rep.failed, 0);
        assert_true(rep.new_probe);
        assert_int_equal(b.probe, 4);
        lg_narrow_done(&b);
        assert_int_equal(lg_narrow_derive(&rec, 3, &b, &rep), 0);
        assert_int_equal(rep.failed, 1);
        assert_int_equal(b.probe, 2);
        assert_int_equal(b.base_seq, 2);
        lg_narrow_done(&a);
        lg_narrow_done(&b);
        lg_narrow_done(&rec);
}

/* A probe is judged only by failed boots: a boot that ended neutral (an
 * orderly shutdown before healthy) moves the recorded base one boot on
 * (ops/proven-narrow.c), and the next derivation does not count it. */
static void test_neutral_boot_not_counted(void **state) {
        char dir[] = "/tmp/lg-test-narrow.XXXXXX", cmd[64];
        lg_root *root = NULL;
        host h;
        lg_narrow rec = {}, back = {}, a = {};
        lg_narrow_report rep;

        (void) state;
        assert_non_null(mkdtemp(dir));
        assert_int_equal(lg_root_new(dir, &root), 0);
        assert_int_equal(lg_root_mkdir_p(root, "/var/lib/lastgood", 0700), 0);
        host_modules(&h, 7);
        assert_int_equal(lg_narrow_new(h.in, h.n, 2, 10, &rec), 0);
        assert_int_equal(lg_narrow_save(root, &rec), 0);
        /* No boot counted since the record: nothing to move. */
        assert_int_equal(lg_proven_narrowing_neutral(root, 10), 0);
        assert_int_equal(lg_proven_narrowing_neutral(root, 0), 0);
        /* Boot 11 crashed, boot 12 ended neutral, 13 starts: one failed
         * boot, the probe goes on. Without the move it would have failed. */
        assert_int_equal(lg_proven_narrowing_neutral(root, 12), 1);
        assert_int_equal(lg_narrow_load(root, &back), 0);
        assert_int_equal(back.base_seq, 11);
        assert_int_equal(lg_narrow_derive(&back, 13, &a, &rep), 0);
        assert_int_equal(rep.failed, 0);
        assert_int_equal(a.probe, rec.probe);
        lg_narrow_done(&a);
        assert_int_equal(lg_narrow_derive(&rec, 13, &a, &rep), 0);
        assert_int_equal(rep.failed, 1);
        lg_narrow_done(&a);
        /* Boot 13 crashes too: 11 and 13 fail the probe at boot 14. */
        assert_int_equal(lg_narrow_derive(&back, 14, &a, &rep), 0);
        assert_int_equal(rep.failed, 1);
        lg_narrow_done(&a);
        lg_narrow_done(&back);
        lg_narrow_done(&rec);
        /* No narrowing: nothing. */
        assert_int_equal(lg_narrow_remove(root), 0);
        assert_int_equal(lg_proven_narrowing_neutral(root, 12), 0);
        lg_root_free(root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_withhold_and_quarantine(void **state) {
        static const char falco_conf[] =
                "[Agent]\nUnits=falco-kmod.service\nModules=falco\nOnSafeMode=rollback\n";
        lg_agent *agent = calloc(1, sizeof(lg_agent));
        char **warnings = NULL;
        lg_inv_item items[] = {
                { .kind = LG_ITEM_MODULE,
                  .name = (char *) "falco",
                  .agent = (char *) "falco",
                  .fingerprint = 0xf },
                { .kind = LG_ITEM_MODULE, .name = (char *) "nvidia", .fingerprint = 0xa },
                { .kind = LG_ITEM_MODULE, .name = (char *) "zfs", .fingerprint = 0xb },
        };
        lg_inventory now = { .n = ELEMENTSOF(items), .items = items };
        lg_suspect_input in[] = {
                { LG_SUSPECT_MODULE, "zfs", 0xb, NULL },
                { LG_SUSPECT_MODULE, "nvidia", 0xa, NULL },
                { LG_SUSPECT_AGENT, "falco", 0, NULL },
        };
        lg_narrow nw = {};
        lg_withheld w = {};
        lg_quarantine q = {};
        lg_agents agents;

        (void) state;
        assert_non_null(agent);
        assert_int_equal(lg_agent_parse(agent, "falco", falco_conf, strlen(falco_conf), &warnings), 0);
        agents = (lg_agents){ .agents = agent, .n = 1, .warnings = warnings };
        assert_int_equal(lg_narrow_new(in, ELEMENTSOF(in), 2, 1, &nw), 0);
        /* falco first and alone: both modules held. */
        assert_int_equal(nw.probe, 1);
        assert_int_equal(lg_narrow_withhold(&nw, &agents, &now, &w), 0);
        assert_int_equal(w.n, 2);
        assert_string_equal(w.items[0].name, "nvidia");
        assert_int_equal(w.items[0].reason, LG_REASON_ALL_THIRD_PARTY);
        assert_string_equal(w.items[1].name, "zfs");
        assert_int_equal(w.items[1].fingerprint, 0xb);
        lg_withheld_done(&w);

        /* The agent's probe fails: the agent is guilty; its unit and
         * module go to the cold record, the modules are re-admitted. */
        nw.probe = 1;
        {
                lg_narrow d = {};
                lg_narrow_report rep;

                assert_int_equal(lg_narrow_derive(&nw, 1 + 2 + 1, &d, &rep), 0);
                assert_int_equal(rep.n_guilty, 1);
                assert_string_equal(d.items[rep.guilty[0]].name, "falco");
                assert_int_equal(lg_narrow_withhold(&d, &agents, &now, &w), 0);
                assert_int_equal(w.n, 0);
                assert_int_equal(lg_narrow_quarantine(&d, &agents, &now, &q), 2);
                assert_non_null(lg_quarantine_find(&q, LG_ITEM_UNIT, "falco-kmod.service"));
                assert_int_equal(lg_quarantine_find(&q, LG_ITEM_MODULE, "falco")->fingerprint, 0xf);
                assert_int_equal(lg_narrow_quarantine(&d, &agents, &now, &q), 0); /* idempotent */
                lg_narrow_done(&d);
        }
        /* While held, the agent's unit and module are withheld. */
        nw.items[0].state = LG_SUSPECT_HELD;
        nw.probe = 2;
        nw.bad = 4;
        assert_int_equal(lg_narrow_withhold(&nw, &agents, &now, &w), 0);
        assert_int_equal(w.n, 1);
        assert_string_equal(w.items[0].name, "zfs");
        lg_withheld_done(&w);
        nw.probe = 0 + 1;
        nw.items[0].state = LG_SUSPECT_CLEARED; /* falco cleared: nvidia re-admitted, zfs held */
        assert_int_equal(lg_narrow_withhold(&nw, &agents, &now, &w), 0);
        assert_int_equal(w.n, 1);
        assert_string_equal(w.items[0].name, "zfs");
        lg_withheld_done(&w);

        lg_quarantine_done(&q);
        lg_narrow_done(&nw);
        lg_agents_done(&agents);
}

static void test_new_invalid(void **state) {
        lg_suspect_input bad[] = { { LG_SUSPECT_MODULE, "../etc", 0, NULL } };
        lg_suspect_input dup[] = { { LG_SUSPECT_MODULE, "zfs", 1, NULL },
                                   { LG_SUSPECT_MODULE, "zfs", 1, NULL } };
        lg_narrow nw = {};

        (void) state;
        assert_int_equal(lg_narrow_new(bad, 1, 2, 1, &nw), -EINVAL);
        assert_int_equal(lg_narrow_new(dup, 0, 2, 1, &nw), -EINVAL);
        assert_int_equal(lg_narrow_new(dup, 2, 2, 1, &nw), 0);
        assert_int_equal(nw.n, 1);
        assert_int_equal(nw.probe, 1);
        lg_narrow_done(&nw);
}

static const char GOOD[] = "# comment\nVERSION=1\nTHRESHOLD=2\nBASE_SEQ=13\nBAD=4\nPROBE=1\n"
                           "agent\tfalco\theld\t0000000000000000\n"
                           "module\tnvidia\tcleared\t00000000000000aa\n"
                           "module\tzfs\theld\t00000000000000bb\n"
                           "module\tvboxdrv\theld\t00000000000000cc\n";

static void test_parse_format(void **state) {
        lg_narrow nw = {};
        _cleanup_free_ char *out = NULL;
        size_t size;

        (void) state;
        assert_int_equal(lg_narrow_parse(GOOD, strlen(GOOD), &nw), 0);
        assert_int_equal(nw.n, 4);
        assert_int_equal(nw.threshold, 2);
        assert_int_equal(nw.base_seq, 13);
        assert_int_equal(lg_narrow_held(&nw), 3);
        assert_string_equal(lg_narrow_held_at(&nw, 1)->name, "zfs");
        assert_true(lg_narrow_readmitted(&nw, lg_narrow_held_at(&nw, 0)));
        assert_false(lg_narrow_readmitted(&nw, lg_narrow_held_at(&nw, 1)));
        assert_int_equal(nw.items[2].fingerprint, 0xbb);
        assert_int_equal(lg_narrow_format(&nw, &out, &size), 0);
        assert_string_equal(strstr(out, "VERSION"), strstr(GOOD, "VERSION"));
        lg_narrow_done(&nw);
}

static void test_parse_corrupt(void **state) {
        static const char *const bad[] = {
                "",
                "VERSION=2\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=0\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=2\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=3\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=0\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nEXTRA=1\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=-1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\t../zfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs;x\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nfile\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\tmaybe\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t01\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t000000000000000g\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\tx\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=3\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\n"
                "module\tzfs\theld\t0000000000000001\n",
                "VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=2\nPROBE=1\nmodule\tzfs\theld\t0000000000000001\n"
                "VERSION=1\n",
        };
        lg_narrow nw = {};
        char nul[] = "VERSION=1\0THRESHOLD=2\n";
        _cleanup_free_ char *big = NULL;

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (lg_narrow_parse(bad[i], strlen(bad[i]), &nw) != -EBADMSG)
                        fail_msg("case %zu parsed: %s", i, bad[i]);
        assert_int_equal(lg_narrow_parse(nul, sizeof(nul) - 1, &nw), -EBADMSG);
        big = malloc(LG_NARROW_MAX_SIZE + 1);
        assert_non_null(big);
        memset(big, '#', LG_NARROW_MAX_SIZE + 1);
        assert_int_equal(lg_narrow_parse(big, LG_NARROW_MAX_SIZE + 1, &nw), -EBADMSG);
        /* No suspect held: valid, not active (a finished search). */
        assert_int_equal(lg_narrow_parse("VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=1\nPROBE=0\n"
                                         "module\tzfs\tguilty\t0000000000000001\n",
                                         strlen("VERSION=1\nTHRESHOLD=2\nBASE_SEQ=1\nBAD=1\nPROBE=0\n"
                                                "module\tzfs\tguilty\t0000000000000001\n"),
                                         &nw),
                         0);
        assert_false(lg_narrow_active(&nw));
        lg_narrow_done(&nw);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_position),     cmocka_unit_test(test_log2_numbers),
                cmocka_unit_test(test_dependency_culprit), cmocka_unit_test(test_agent_culprit),
                cmocka_unit_test(test_derive_idempotent),  cmocka_unit_test(test_neutral_boot_not_counted),
                cmocka_unit_test(test_withhold_and_quarantine),
                cmocka_unit_test(test_new_invalid),        cmocka_unit_test(test_parse_format),
                cmocka_unit_test(test_parse_corrupt),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
