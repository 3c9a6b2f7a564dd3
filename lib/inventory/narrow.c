/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The narrowing search after level 2 (see narrow.h). Pure. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "macro.h"
#include "narrow.h"

static const char *const kind_table[_LG_SUSPECT_KIND_MAX] = {
        [LG_SUSPECT_AGENT] = "agent",
        [LG_SUSPECT_MODULE] = "module",
};

static const char *const state_table[_LG_SUSPECT_STATE_MAX] = {
        [LG_SUSPECT_HELD] = "held",
        [LG_SUSPECT_CLEARED] = "cleared",
        [LG_SUSPECT_GUILTY] = "guilty",
};

const char *lg_suspect_kind_to_string(lg_suspect_kind k) {
        return (int) k >= 0 && k < _LG_SUSPECT_KIND_MAX ? kind_table[k] : NULL;
}

const char *lg_suspect_state_to_string(lg_suspect_state s) {
        return (int) s >= 0 && s < _LG_SUSPECT_STATE_MAX ? state_table[s] : NULL;
}

static int lookup(const char *const *table, int n, const char *s) {
        for (int i = 0; i < n; i++)
                if (streq(table[i], s))
                        return i;
        return -1;
}

static bool suspect_name_valid(lg_suspect_kind kind, const char *name) {
        return kind == LG_SUSPECT_MODULE ? lg_module_name_valid(name) : lg_name_is_valid(name);
}

void lg_narrow_done(lg_narrow *nw) {
        for (size_t i = 0; nw && i < nw->n; i++)
                free(nw->items[i].name);
        if (nw) {
                free(nw->items);
                *nw = (lg_narrow){};
        }
}

int lg_narrow_copy(const lg_narrow *nw, lg_narrow *ret) {
        lg_narrow c = *nw;

        c.items = calloc(nw->n ? nw->n : 1, sizeof(lg_suspect));
        if (!c.items)
                return -ENOMEM;
        for (size_t i = 0; i < nw->n; i++) {
                c.items[i] = nw->items[i];
                c.items[i].name = strdup(nw->items[i].name);
                if (!c.items[i].name) {
                        c.n = i;
                        lg_narrow_done(&c);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

size_t lg_narrow_held(const lg_narrow *nw) {
        size_t h = 0;

        for (size_t i = 0; nw && i < nw->n; i++)
                h += nw->items[i].state == LG_SUSPECT_HELD;
        return h;
}

bool lg_narrow_active(const lg_narrow *nw) {
        return lg_narrow_held(nw) > 0;
}

static lg_suspect *held_at(const lg_narrow *nw, size_t k) {
        for (size_t i = 0; i < nw->n; i++)
                if (nw->items[i].state == LG_SUSPECT_HELD && k-- == 0)
                        return &nw->items[i];
        return NULL;
}

const lg_suspect *lg_narrow_held_at(const lg_narrow *nw, size_t k) {
        return held_at(nw, k);
}

bool lg_narrow_readmitted(const lg_narrow *nw, const lg_suspect *s) {
        size_t k = 0;

        for (size_t i = 0; i < nw->n; i++) {
                if (nw->items[i].state != LG_SUSPECT_HELD)
                        continue;
                if (&nw->items[i] == s)
                        return k < nw->probe;
                k++;
        }
        return false;
}

/* Halves, except that the agents at the head of the list go first on their
 * own (keep security on: an innocent agent is back after one boot). */
static void choose_probe(lg_narrow *nw) {
        size_t p = nw->bad / 2, a = 0;
        const lg_suspect *s;

        while ((s = held_at(nw, a)) && s->kind == LG_SUSPECT_AGENT)
                a++;
        if (a > 0 && a < p)
                p = a;
        nw->probe = MAX(p, (size_t) 1);
}

/* A new round among the suspects left: all of them at once. */
static void new_round(lg_narrow *nw) {
        size_t h = lg_narrow_held(nw);

        nw->bad = h + 1;
        nw->probe = h;
}

static void add_index(size_t *list, size_t *n, size_t i) {
        if (*n < LG_NARROW_MAX_ITEMS)
                list[(*n)++] = i;
}

/* The shortest failing prefix is one suspect long: it is guilty. */
static void settle(lg_narrow *nw, lg_narrow_report *rep) {
        if (nw->bad == 1) {
                lg_suspect *s = held_at(nw, 0);

                if (s) {
                        s->state = LG_SUSPECT_GUILTY;
                        if (rep)
                                add_index(rep->guilty, &rep->n_guilty, (size_t) (s - nw->items));
                }
                new_round(nw);
        } else
                choose_probe(nw);
        if (rep)
                rep->done = !lg_narrow_active(nw);
}

static void failed(lg_narrow *nw, lg_narrow_report *rep) {
        nw->bad = nw->probe;
        if (rep)
                rep->failed++;
        settle(nw, rep);
}

void lg_narrow_passed(lg_narrow *nw, uint32_t boot_seq, lg_narrow_report *rep) {
        size_t k = 0;

        for (size_t i = 0; i < nw->n && k < nw->probe; i++) {
                if (nw->items[i].state != LG_SUSPECT_HELD)
                        continue;
                nw->items[i].state = LG_SUSPECT_CLEARED;
                if (rep)
                        add_index(rep->cleared, &rep->n_cleared, i);
                k++;
        }
        nw->bad = nw->bad > k ? nw->bad - k : 1;
        nw->base_seq = boot_seq;
        if (!lg_narrow_active(nw)) {
                nw->bad = 1;
                nw->probe = 0;
                if (rep)
                        rep->done = true;
                return;
        }
        settle(nw, rep);
        if (rep)
                rep->new_probe = true;
}

int lg_narrow_derive(const lg_narrow *recorded, uint32_t boot_seq, lg_narrow *ret, lg_narrow_report *rep) {
        lg_narrow nw;
        uint32_t boots;
        unsigned t = recorded->threshold ? recorded->threshold : 1;
        int r;

        r = lg_narrow_copy(recorded, &nw);
        if (r < 0)
                return r;
        if (rep)
                *rep = (lg_narrow_report){};
        /* Boots of the current probe so far, this one included. A hot
         * record started afresh (corrupt, rewritten: boot_seq went back
         * below the record's) counts from its own start, so that the
         * search still moves on; the next proof records the new base. */
        if (boot_seq < nw.base_seq)
                nw.base_seq = 0;
        boots = boot_seq - nw.base_seq;
        if (rep)
                rep->new_probe = boots >= 1 && (boots - 1) % t == 0;
        /* Each failure but the last was found (and reported) by an
         * earlier boot; the last one by this boot when it starts a probe. */
        while (boots > t && lg_narrow_active(&nw)) {
                bool now = boots <= 2 * t && rep && rep->new_probe;

                failed(&nw, now ? rep : NULL);
                boots -= t;
                nw.base_seq += t;
        }
        if (rep)
                rep->done = !lg_narrow_active(&nw);
        *ret = nw;
        return 0;
}

int lg_narrow_withhold(const lg_narrow *nw, const lg_agents *agents, const lg_inventory *now,
                       lg_withheld *w) {
        size_t k = 0;
        int r;

        for (size_t i = 0; i < nw->n; i++) {
                const lg_suspect *s = &nw->items[i];

                if (s->state != LG_SUSPECT_HELD)
                        continue;
                if (k++ < nw->probe)
                        continue; /* re-admitted */
                if (s->kind == LG_SUSPECT_MODULE) {
                        const lg_inv_item *it = lg_inventory_find(now, LG_ITEM_MODULE, s->name);

                        r = lg_withheld_add(w, LG_ITEM_MODULE, s->name, LG_REASON_ALL_THIRD_PARTY, NULL,
                                            it ? it->fingerprint : s->fingerprint);
                        if (r < 0)
                                return r;
                        continue;
                }
                const lg_agent *a = agents ? lg_agents_find(agents, s->name) : NULL;
                if (!a)
                        continue; /* its definition is gone: nothing of it to hold */
                for (char **u = a->units; u && *u; u++) {
                        r = lg_withheld_add(w, LG_ITEM_UNIT, *u, LG_REASON_ALL_THIRD_PARTY, a->name, 0);
                        if (r < 0)
                                return r;
                }
                for (char **m = a->modules; m && *m; m++) {
                        const lg_inv_item *it = lg_inventory_find(now, LG_ITEM_MODULE, *m);

                        r = lg_withheld_add(w, LG_ITEM_MODULE, *m, LG_REASON_ALL_THIRD_PARTY, a->name,
                                            it ? it->fingerprint : 0);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int lg_narrow_quarantine(const lg_narrow *nw, const lg_agents *agents, const lg_inventory *now,
                         lg_quarantine *q) {
        int r, changed = 0;

        for (size_t i = 0; i < nw->n; i++) {
                const lg_suspect *s = &nw->items[i];
                const lg_agent *a;

                if (s->state != LG_SUSPECT_GUILTY)
                        continue;
                if (s->kind == LG_SUSPECT_MODULE) {
                        r = lg_quarantine_add(q, LG_ITEM_MODULE, s->name, s->fingerprint);
                        if (r < 0)
                                return r;
                        changed += r;
                        continue;
                }
                a = agents ? lg_agents_find(agents, s->name) : NULL;
                for (char **u = a ? a->units : NULL; u && *u; u++) {
                        r = lg_quarantine_add(q, LG_ITEM_UNIT, *u, 0);
                        if (r < 0)
                                return r;
                        changed += r;
                }
                for (char **m = a ? a->modules : NULL; m && *m; m++) {
                        const lg_inv_item *it = lg_inventory_find(now, LG_ITEM_MODULE, *m);

                        if (!it)
                                continue; /* not installed: nothing to match later */
                        r = lg_quarantine_add(q, LG_ITEM_MODULE, *m, it->fingerprint);
                        if (r < 0)
                                return r;
                        changed += r;
                }
        }
        return changed;
}

bool lg_narrow_in_set(const lg_narrow *nw, const lg_suspect *s, lg_narrow_set set) {
        switch (set) {
        case LG_NARROW_READMITTED:
                return s->state == LG_SUSPECT_HELD && lg_narrow_readmitted(nw, s);
        case LG_NARROW_HELD_BACK:
                return s->state == LG_SUSPECT_HELD && !lg_narrow_readmitted(nw, s);
        case LG_NARROW_CLEARED:
                return s->state == LG_SUSPECT_CLEARED;
        case LG_NARROW_GUILTY:
                return s->state == LG_SUSPECT_GUILTY;
        default:
                return false;
        }
}

char *lg_narrow_names(const lg_narrow *nw, lg_narrow_set set) {
        char *buf = NULL;
        size_t size = 0;
        bool first = true;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        for (size_t i = 0; i < nw->n; i++) {
                if (!lg_narrow_in_set(nw, &nw->items[i], set))
                        continue;
                fprintf(f, "%s%s", first ? "" : ", ", nw->items[i].name);
                first = false;
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

const char *lg_narrow_ended_by(const lg_cmdline *c) {
        if (!c)
                return NULL;
        switch (c->mode) {
        case LG_MODE_SAFE:
                return "lastgood.mode=safe";
        case LG_MODE_STRICT:
                return "lastgood.mode=strict";
        case LG_MODE_NORMAL:
                return "lastgood.mode=normal";
        default:
                break;
        }
        if (c->reset)
                return "lastgood.reset";
        if (c->release_all || (c->release && c->release[0]))
                return "lastgood.release=";
        if (c->block && c->block[0])
                return "lastgood.block=";
        if (c->allow && c->allow[0])
                return "lastgood.allow=";
        return NULL;
}

/* ---- creation ---------------------------------------------------------- */

static int find_node(const lg_suspect *items, size_t n, lg_suspect_kind kind, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (items[i].kind == kind && streq(items[i].name, name))
                        return (int) i;
        return -1;
}

static int cmp_node(const lg_suspect *a, const lg_suspect *b) {
        if (a->kind != b->kind)
                return a->kind == LG_SUSPECT_AGENT ? -1 : 1;
        return strcmp(a->name, b->name);
}

int lg_narrow_new(const lg_suspect_input *in, size_t n, unsigned threshold, uint32_t boot_seq,
                  lg_narrow *ret) {
        _cleanup_free_ lg_suspect *nodes = NULL;
        _cleanup_free_ bool *dep = NULL, *placed = NULL;
        lg_narrow nw = { .threshold = threshold ? threshold : 1, .base_seq = boot_seq };
        size_t m = 0;

        if (n == 0 || n > LG_NARROW_MAX_ITEMS)
                return -EINVAL;
        nodes = calloc(n, sizeof(lg_suspect));
        placed = calloc(n, sizeof(bool));
        dep = calloc(n * n, sizeof(bool));
        if (!nodes || !placed || !dep)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if ((int) in[i].kind < 0 || in[i].kind >= _LG_SUSPECT_KIND_MAX || !in[i].name ||
                    !suspect_name_valid(in[i].kind, in[i].name))
                        return -EINVAL;
                if (find_node(nodes, m, in[i].kind, in[i].name) >= 0)
                        continue;
                nodes[m++] = (lg_suspect){ .kind = in[i].kind,
                                           .name = (char *) in[i].name,
                                           .fingerprint = in[i].fingerprint };
        }
        /* dep[i * m + j]: node i needs module node j. */
        for (size_t i = 0; i < n; i++) {
                int a = find_node(nodes, m, in[i].kind, in[i].name);

                for (char *const *d = in[i].deps; d && *d; d++) {
                        int b = find_node(nodes, m, LG_SUSPECT_MODULE, *d);

                        if (b >= 0 && b != a)
                                dep[(size_t) a * m + (size_t) b] = true;
                }
        }

        nw.items = calloc(m, sizeof(lg_suspect));
        if (!nw.items)
                return -ENOMEM;
        for (size_t k = 0; k < m; k++) {
                int best = -1, best_any = -1;

                for (size_t i = 0; i < m; i++) {
                        bool ready = true;

                        if (placed[i])
                                continue;
                        for (size_t j = 0; j < m && ready; j++)
                                if (dep[i * m + j] && !placed[j])
                                        ready = false;
                        if (best_any < 0 || cmp_node(&nodes[i], &nodes[best_any]) < 0)
                                best_any = (int) i;
                        if (ready && (best < 0 || cmp_node(&nodes[i], &nodes[best]) < 0))
                                best = (int) i;
                }
                if (best < 0)
                        best = best_any; /* a cycle: broken by name */
                placed[best] = true;
                nw.items[k] = nodes[best];
                nw.items[k].state = LG_SUSPECT_HELD;
                nw.items[k].name = strdup(nodes[best].name);
                nw.n = k + 1;
                if (!nw.items[k].name) {
                        nw.n = k;
                        lg_narrow_done(&nw);
                        return -ENOMEM;
                }
        }
        nw.bad = m + 1;
        choose_probe(&nw);
        *ret = nw;
        return 0;
}

/* ---- text form --------------------------------------------------------- */

int lg_narrow_format(const lg_narrow *nw, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f,
                "# lastgood: narrowing after level 2 (lastgoodctl status shows it)\n"
                "VERSION=1\nTHRESHOLD=%u\nBASE_SEQ=%" PRIu32 "\nBAD=%zu\nPROBE=%zu\n",
                nw->threshold, nw->base_seq, nw->bad, nw->probe);
        for (size_t i = 0; i < nw->n; i++)
                fprintf(f, "%s\t%s\t%s\t%016" PRIx64 "\n", lg_suspect_kind_to_string(nw->items[i].kind),
                        nw->items[i].name, lg_suspect_state_to_string(nw->items[i].state),
                        nw->items[i].fingerprint);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *ret) {
        char *end;
        unsigned long v;

        if (*s < '0' || *s > '9')
                return -EBADMSG;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_item(lg_narrow *nw, char *line) {
        char *f[4], *save = NULL, *end;
        int kind, state;
        uint64_t fp;

        for (int i = 0; i < 4; i++) {
                f[i] = strtok_r(i == 0 ? line : NULL, "\t", &save);
                if (!f[i])
                        return -EBADMSG;
        }
        if (strtok_r(NULL, "\t", &save))
                return -EBADMSG;
        kind = lookup(kind_table, _LG_SUSPECT_KIND_MAX, f[0]);
        state = lookup(state_table, _LG_SUSPECT_STATE_MAX, f[2]);
        if (kind < 0 || state < 0 || !suspect_name_valid(kind, f[1]) || strlen(f[3]) != 16)
                return -EBADMSG;
        errno = 0;
        fp = strtoull(f[3], &end, 16);
        if (errno || *end)
                return -EBADMSG;
        if (find_node(nw->items, nw->n, kind, f[1]) >= 0 || nw->n >= LG_NARROW_MAX_ITEMS)
                return -EBADMSG;
        nw->items[nw->n].name = strdup(f[1]);
        if (!nw->items[nw->n].name)
                return -ENOMEM;
        nw->items[nw->n].kind = kind;
        nw->items[nw->n].state = state;
        nw->items[nw->n].fingerprint = fp;
        nw->n++;
        return 0;
}

int lg_narrow_parse(const char *buf, size_t size, lg_narrow *ret) {
        _cleanup_free_ char *copy = NULL;
        lg_narrow nw = {};
        unsigned long v[5];
        static const char *const keys[5] = { "VERSION", "THRESHOLD", "BASE_SEQ", "BAD", "PROBE" };
        static const unsigned long max[5] = { 1, UINT8_MAX, UINT32_MAX, LG_NARROW_MAX_ITEMS + 1,
                                              LG_NARROW_MAX_ITEMS };
        bool seen[5] = {};
        size_t h;
        char *save = NULL;
        int r = 0;

        if (size > LG_NARROW_MAX_SIZE || memchr(buf, '\0', size))
                return -EBADMSG;
        copy = strndup(buf, size);
        nw.items = calloc(LG_NARROW_MAX_ITEMS, sizeof(lg_suspect));
        if (!copy || !nw.items) {
                free(nw.items);
                return -ENOMEM;
        }
        for (char *line = strtok_r(copy, "\n", &save); line && r >= 0; line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');
                int k;

                if (line[0] == '#')
                        continue;
                if (strchr(line, '\t') || !eq) {
                        r = parse_item(&nw, line);
                        continue;
                }
                *eq = '\0';
                k = lookup(keys, 5, line);
                if (k < 0 || seen[k] || nw.n > 0) {
                        r = -EBADMSG;
                        continue;
                }
                seen[k] = true;
                r = parse_ulong(eq + 1, max[k], &v[k]);
        }
        for (int k = 0; k < 5 && r >= 0; k++)
                if (!seen[k])
                        r = -EBADMSG;
        if (r >= 0) {
                nw.threshold = (unsigned) v[1];
                nw.base_seq = (uint32_t) v[2];
                nw.bad = v[3];
                nw.probe = v[4];
                h = lg_narrow_held(&nw);
                /* The search's own invariant: a probe inside what is not
                 * known to fail. */
                if (v[0] != 1 || nw.threshold == 0 ||
                    (h > 0 && (nw.probe < 1 || nw.probe >= nw.bad || nw.bad > h + 1)))
                        r = -EBADMSG;
        }
        if (r < 0) {
                lg_narrow_done(&nw);
                return r;
        }
        *ret = nw;
        return 0;
}
