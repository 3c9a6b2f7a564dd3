/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The withheld set of one boot (DESIGN.md, "The state machine", "Agents",
 * "Persistently withheld items", "Administrator override"). Pure.
 *
 * Reasons are added strongest first (block, crash-log, quarantine, changed,
 * all-third-party); lg_withheld_add() keeps the first reason of an item.
 * Then allow (config Allow= and lastgood.allow=) removes anything, release
 * removes anything not named by block=, and the result is sorted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "deny.h"
#include "inventory.h"
#include "macro.h"
#include "narrow.h"
#include "qname.h"

static bool name_in(char *const *list, const char *name) {
        return name && list && lg_name_in_list(list, name);
}

static const lg_agent *agent_of(const lg_policy_input *in, const char *agent_name, const char *module) {
        if (!in->agents)
                return NULL;
        if (agent_name)
                return lg_agents_find(in->agents, agent_name);
        return module ? lg_agents_find_module(in->agents, module) : NULL;
}

/* The agent's units and modules, as one disable action. */
static int add_agent(lg_withheld *w, const lg_policy_input *in, const lg_agent *a, lg_reason reason) {
        int r;

        for (char **u = a->units; u && *u; u++) {
                r = lg_withheld_add(w, LG_ITEM_UNIT, *u, reason, a->name, 0);
                if (r < 0)
                        return r;
        }
        for (char **m = a->modules; m && *m; m++) {
                const lg_inv_item *it = lg_inventory_find(in->now, LG_ITEM_MODULE, *m);

                r = lg_withheld_add(w, LG_ITEM_MODULE, *m, reason, a->name, it ? it->fingerprint : 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* OnSafeMode=fallback: the agent's units are withheld, and the generator
 * starts its FallbackUnits= (or installs its FallbackDropIn=) instead of
 * masking them: security stays on. Its modules stay (a kernel backend may
 * be the fallback); a changed one is withheld as a change. */
static int add_fallback(lg_withheld *w, const lg_agent *a, lg_reason reason) {
        int r;

        for (char **u = a->units; u && *u; u++) {
                r = lg_withheld_add(w, LG_ITEM_UNIT, *u, reason, a->name, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One changed (level 1) item, as its agent's OnSafeMode= says. */
static int add_changed(lg_withheld *w, const lg_policy_input *in, const lg_inv_item *it) {
        const lg_agent *a = agent_of(in, it->agent, it->kind == LG_ITEM_MODULE ? it->name : NULL);

        if (!a)
                return it->kind == LG_ITEM_MODULE ?
                               lg_withheld_add(w, LG_ITEM_MODULE, it->name, LG_REASON_CHANGED, NULL, it->fingerprint) :
                               0;
        switch (a->on_safe_mode) {
        case LG_POLICY_KEEP:
                return 0;
        case LG_POLICY_DISABLE:
                return add_agent(w, in, a, LG_REASON_CHANGED);
        case LG_POLICY_FALLBACK: {
                int r = add_fallback(w, a, LG_REASON_CHANGED);
                if (r < 0)
                        return r;
                /* and the changed item itself: content rolled back, a
                 * changed module withheld */
                return lg_withheld_add(w, it->kind, it->name, LG_REASON_CHANGED, a->name, it->fingerprint);
        }
        default:
                /* rollback/quarantine act on files: the content item goes to
                 * the apply unit; a changed module of the agent cannot be
                 * rolled back, so it is withheld. */
                return lg_withheld_add(w, it->kind, it->name, LG_REASON_CHANGED, a->name, it->fingerprint);
        }
}

static int add_quarantine(lg_withheld *w, const lg_policy_input *in) {
        for (size_t i = 0; in->quarantine && i < in->quarantine->n; i++) {
                const lg_qitem *q = &in->quarantine->items[i];
                const lg_inv_item *it;
                const char *agent = NULL;
                int r;

                if (q->kind == LG_ITEM_UNIT) {
                        /* A unit has no version of its own: it stays masked
                         * until released. */
                        r = lg_withheld_add(w, LG_ITEM_UNIT, q->name, LG_REASON_QUARANTINE, NULL, 0);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Withheld only while it is the very same file: a new
                 * version is a change like any other. Without an inventory
                 * (or with the item absent) there is nothing to match. */
                it = lg_inventory_find(in->now, q->kind, q->name);
                /* Recorded by the hash of its name (too long, control
                 * bytes): look for the item whose name hashes to it. */
                for (size_t k = 0; !it && in->now && lg_qname_is_hashed(q->name) && k < in->now->n; k++)
                        if (in->now->items[k].kind == q->kind &&
                            lg_qname_matches(q->name, in->now->items[k].name))
                                it = &in->now->items[k];
                if (!it || it->fingerprint != q->fingerprint)
                        continue;
                agent = it->agent;
                r = lg_withheld_add(w, q->kind, it->name, LG_REASON_QUARANTINE, agent, it->fingerprint);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Items of the host whose fingerprint a deny list names: withheld as
 * they are, whatever their agent's OnSafeMode= (the content goes back to
 * its last good copy through the apply unit). */
static int add_denied_from(lg_withheld *w, const lg_policy_input *in, const lg_inventory *inv) {
        for (size_t i = 0; in->deny && inv && i < inv->n; i++) {
                const lg_inv_item *it = &inv->items[i];
                const lg_deny_entry *e;
                char where[512];
                int r;

                if (!it->has_sha256 || !(e = lg_deny_find(in->deny, it->kind, it->sha256)))
                        continue;
                r = lg_withheld_set_denied(w, it->kind, it->name, it->agent, it->fingerprint,
                                           lg_deny_where(in->deny, e, where, sizeof(where)));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_denied(lg_withheld *w, const lg_policy_input *in) {
        int r = add_denied_from(w, in, in->now);

        return r < 0 ? r : add_denied_from(w, in, in->denied_intree);
}

static int add_block(lg_withheld *w, const lg_policy_input *in) {
        for (char **b = in->cmdline ? in->cmdline->block : NULL; b && *b; b++) {
                const lg_agent *a = in->agents ? lg_agents_find(in->agents, *b) : NULL;
                const lg_inv_item *it;
                int r;

                if (a) {
                        r = add_agent(w, in, a, LG_REASON_BLOCK);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Named by the administrator: in-tree modules too. */
                if (!lg_module_name_valid(*b))
                        continue;
                it = lg_inventory_find(in->now, LG_ITEM_MODULE, *b);
                a = agent_of(in, it ? it->agent : NULL, *b);
                r = lg_withheld_add(w, LG_ITEM_MODULE, *b, LG_REASON_BLOCK, a ? a->name : NULL,
                                    it ? it->fingerprint : 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_culprit(lg_withheld *w, const lg_policy_input *in) {
        const lg_inv_item *it;
        const lg_agent *a;

        if (!in->culprit || !lg_module_name_valid(in->culprit))
                return 0;
        it = lg_inventory_find(in->now, LG_ITEM_MODULE, in->culprit);
        a = agent_of(in, it ? it->agent : NULL, in->culprit);
        /* An agent named by its process or its eBPF programs: only its
         * fallback is taken at once (never "off" on a process name). */
        if (!it && !a && in->agents && (a = lg_agents_find(in->agents, in->culprit)))
                return lg_agent_uses_fallback(a) ? add_fallback(w, a, LG_REASON_CRASH_LOG) : 0;
        if (a && lg_agent_uses_fallback(a)) {
                int r = add_fallback(w, a, LG_REASON_CRASH_LOG);
                if (r < 0)
                        return r;
        }
        /* Never an in-tree module: with an inventory at hand, the culprit
         * must be one of its third-party items (or an agent's module). */
        if (in->now && !it && !a)
                return 0;
        if (a && a->on_safe_mode == LG_POLICY_KEEP)
                return 0;
        if (a && a->on_safe_mode == LG_POLICY_DISABLE)
                return add_agent(w, in, a, LG_REASON_CRASH_LOG);
        return lg_withheld_add(w, LG_ITEM_MODULE, in->culprit, LG_REASON_CRASH_LOG, a ? a->name : NULL,
                               it ? it->fingerprint : 0);
}

static int add_level2(lg_withheld *w, const lg_policy_input *in) {
        int r;

        for (size_t i = 0; in->agents && i < in->agents->n; i++) {
                const lg_agent *a = &in->agents->agents[i];

                if (a->on_safe_mode == LG_POLICY_KEEP)
                        continue;
                /* disable is the last resort: an agent with a fallback
                 * runs in it at level 2 too */
                r = lg_agent_uses_fallback(a) ? add_fallback(w, a, LG_REASON_ALL_THIRD_PARTY)
                                              : add_agent(w, in, a, LG_REASON_ALL_THIRD_PARTY);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; in->now && i < in->now->n; i++) {
                const lg_inv_item *it = &in->now->items[i];
                const lg_agent *a;

                if (it->kind != LG_ITEM_MODULE)
                        continue;
                a = agent_of(in, it->agent, it->name);
                if (a && a->on_safe_mode == LG_POLICY_KEEP)
                        continue;
                r = lg_withheld_add(w, LG_ITEM_MODULE, it->name, LG_REASON_ALL_THIRD_PARTY, a ? a->name : NULL,
                                    it->fingerprint);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool is_allowed(const lg_policy_input *in, const lg_withheld_item *it) {
        if (it->reason == LG_REASON_DENIED)
                return false;
        char *const *cfg = in->config ? in->config->allow : NULL;
        char *const *cmd = in->cmdline ? in->cmdline->allow : NULL;

        return name_in(cfg, it->name) || name_in(cmd, it->name) || name_in(cfg, it->agent) ||
               name_in(cmd, it->agent);
}

static bool is_released(const lg_policy_input *in, const lg_withheld_item *it) {
        if (!in->cmdline || it->reason == LG_REASON_BLOCK || it->reason == LG_REASON_DENIED)
                return false;
        return in->cmdline->release_all || name_in(in->cmdline->release, it->name) ||
               name_in(in->cmdline->release, it->agent);
}

static int cmp_withheld(const void *a, const void *b) {
        const lg_withheld_item *x = a, *y = b;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return strcmp(x->name, y->name);
}

int lg_policy_compute(const lg_policy_input *in, lg_withheld *ret) {
        lg_withheld w = {};
        lg_mode mode = in->cmdline ? in->cmdline->mode : LG_MODE_AUTO;
        size_t k = 0;
        int r = 0;

        if (mode == LG_MODE_OFF) {
                *ret = w;
                return 0;
        }

        r = add_denied(&w, in);
        if (r >= 0)
                r = add_block(&w, in);
        /* mode=normal withholds nothing this boot but what the administrator
         * names on the same command line. */
        if (r >= 0 && mode != LG_MODE_NORMAL) {
                r = add_culprit(&w, in);
                if (r >= 0)
                        r = add_quarantine(&w, in);
                if (r >= 0 && (in->level == 1 || in->level == 2))
                        for (size_t i = 0; in->changes && i < in->changes->n && r >= 0; i++)
                                r = add_changed(&w, in, in->changes->items[i]);
                if (r >= 0 && in->level == 2)
                        r = add_level2(&w, in);
                if (r >= 0 && in->narrow)
                        r = lg_narrow_withhold(in->narrow, in->agents, in->now, &w);
        }
        if (r < 0) {
                lg_withheld_done(&w);
                return r;
        }

        for (size_t i = 0; i < w.n; i++) {
                if (is_allowed(in, &w.items[i]) || is_released(in, &w.items[i])) {
                        free(w.items[i].name);
                        free(w.items[i].agent);
                        free(w.items[i].denied_by);
                        continue;
                }
                w.items[k++] = w.items[i];
        }
        w.n = k;
        if (w.n)
                qsort(w.items, w.n, sizeof(*w.items), cmp_withheld);
        *ret = w;
        return 0;
}
