/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String tables of the contract's enumerations (DESIGN.md, "Machine-readable output"). */
#include <string.h>

#include "bootstate.h"
#include "cmdline.h"
#include "config.h"
#include "inventory.h"
#include "macro.h"

static const char *const item_kind_table[_LG_ITEM_KIND_MAX] = {
        [LG_ITEM_MODULE] = "module",
        [LG_ITEM_CONTENT] = "content",
        [LG_ITEM_UNIT] = "unit",
};

const char *lg_item_kind_to_string(lg_item_kind k) {
        if (k < 0 || k >= _LG_ITEM_KIND_MAX)
                return NULL;
        return item_kind_table[k];
}

lg_item_kind lg_item_kind_from_string(const char *s) {
        for (int i = 0; s && i < _LG_ITEM_KIND_MAX; i++)
                if (streq(item_kind_table[i], s))
                        return (lg_item_kind) i;
        return _LG_ITEM_KIND_INVALID;
}

static const char *const reason_table[_LG_REASON_MAX] = {
        [LG_REASON_CHANGED] = "changed",
        [LG_REASON_CRASH_LOG] = "crash-log",
        [LG_REASON_ALL_THIRD_PARTY] = "all-third-party",
        [LG_REASON_BLOCK] = "block",
        [LG_REASON_QUARANTINE] = "quarantine",
        [LG_REASON_DENIED] = "denied",
};

const char *lg_reason_to_string(lg_reason r) {
        if (r < 0 || r >= _LG_REASON_MAX)
                return NULL;
        return reason_table[r];
}

lg_reason lg_reason_from_string(const char *s) {
        for (int i = 0; s && i < _LG_REASON_MAX; i++)
                if (streq(reason_table[i], s))
                        return (lg_reason) i;
        return _LG_REASON_INVALID;
}

void lg_withheld_done(lg_withheld *w) {
        if (!w)
                return;
        for (size_t i = 0; i < w->n; i++) {
                free(w->items[i].name);
                free(w->items[i].agent);
                free(w->items[i].denied_by);
        }
        free(w->items);
        w->items = NULL;
        w->n = 0;
}

int lg_withheld_add(lg_withheld *w, lg_item_kind kind, const char *name, lg_reason reason,
                    const char *agent, uint64_t fingerprint) {
        lg_withheld_item *t, *it;

        for (size_t i = 0; i < w->n; i++)
                if (w->items[i].kind == kind && streq(w->items[i].name, name)) {
                        /* Known twice: keep what the later one knows. */
                        if (!w->items[i].fingerprint)
                                w->items[i].fingerprint = fingerprint;
                        return 0;
                }

        t = realloc(w->items, sizeof(*t) * (w->n + 1));
        if (!t)
                return -ENOMEM;
        w->items = t;
        it = &w->items[w->n];
        *it = (lg_withheld_item) { .kind = kind, .reason = reason, .fingerprint = fingerprint };
        it->name = strdup(name);
        it->agent = agent ? strdup(agent) : NULL;
        if (!it->name || (agent && !it->agent)) {
                free(it->name);
                free(it->agent);
                return -ENOMEM;
        }
        w->n++;
        return 1;
}

int lg_withheld_set_denied(lg_withheld *w, lg_item_kind kind, const char *name, const char *agent,
                           uint64_t fingerprint, const char *where) {
        char *d = where ? strdup(where) : NULL;
        int r;

        if (where && !d)
                return -ENOMEM;
        r = lg_withheld_add(w, kind, name, LG_REASON_DENIED, agent, fingerprint);
        if (r < 0) {
                free(d);
                return r;
        }
        for (size_t i = 0; i < w->n; i++)
                if (w->items[i].kind == kind && streq(w->items[i].name, name)) {
                        w->items[i].reason = LG_REASON_DENIED;
                        free(w->items[i].denied_by);
                        w->items[i].denied_by = d;
                        return 0;
                }
        free(d);
        return 0;
}

static const char *const mode_table[_LG_MODE_MAX] = {
        [LG_MODE_AUTO] = "auto",
        [LG_MODE_SAFE] = "safe",
        [LG_MODE_STRICT] = "strict",
        [LG_MODE_NORMAL] = "normal",
        [LG_MODE_OFF] = "off",
};

const char *lg_mode_to_string(lg_mode m) {
        if (m < 0 || m >= _LG_MODE_MAX)
                return NULL;
        return mode_table[m];
}

lg_mode lg_mode_from_string(const char *s) {
        for (int i = 0; s && i < _LG_MODE_MAX; i++)
                if (streq(mode_table[i], s))
                        return (lg_mode) i;
        return _LG_MODE_INVALID;
}

static const char *const policy_table[_LG_POLICY_MAX] = {
        [LG_POLICY_ROLLBACK] = "rollback",
        [LG_POLICY_QUARANTINE] = "quarantine",
        [LG_POLICY_DISABLE] = "disable",
        [LG_POLICY_KEEP] = "keep",
        [LG_POLICY_FALLBACK] = "fallback",
};

const char *lg_policy_to_string(lg_policy p) {
        if (p < 0 || p >= _LG_POLICY_MAX)
                return NULL;
        return policy_table[p];
}

lg_policy lg_policy_from_string(const char *s) {
        for (int i = 0; s && i < _LG_POLICY_MAX; i++)
                if (streq(policy_table[i], s))
                        return (lg_policy) i;
        return _LG_POLICY_INVALID;
}
