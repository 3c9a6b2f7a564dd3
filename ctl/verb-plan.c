/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl plan [--level=1|2] [--json]: a dry run of safe mode. What
 * would the next boot withhold at this level, now, and why: the same
 * inventory, last-known-good manifest, cold record, configuration, agent
 * definitions and policy as lastgood-early's pre-switch stage, with an
 * empty kernel command line. Nothing is written (no record, no /run, no
 * modprobe.d): it only reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "deny.h"
#include "inventory.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"
#include "store.h"

/* One sentence per reason: the "why" of each item. */
static const char *reason_text(lg_reason r) {
        switch (r) {
        case LG_REASON_CHANGED:
                return "new or changed since the last known good boot";
        case LG_REASON_CRASH_LOG:
                return "named by the crash log";
        case LG_REASON_ALL_THIRD_PARTY:
                return "level 2 withholds every third-party item";
        case LG_REASON_BLOCK:
                return "blocked by the administrator";
        case LG_REASON_QUARANTINE:
                return "persistently withheld (cold record) and unchanged since";
        case LG_REASON_DENIED:
                return "denied by a deny list (its fingerprint), at every level";
        default:
                return "unknown reason";
        }
}

typedef struct plan {
        unsigned level;
        bool have_manifest;
        bool kernel_changed;
        size_t n_inventory, n_changed;
        lg_withheld withheld;
        const lg_agents *agents;
} plan;

static int plan_json(const plan *p) {
        json_object *o = lg_json_doc_new(), *a = json_object_new_array();

        if (!o || !a) {
                json_object_put(o);
                json_object_put(a);
                return -ENOMEM;
        }
        json_object_object_add(o, "level", json_object_new_int((int) p->level));
        json_object_object_add(o, "dry_run", json_object_new_boolean(true));
        json_object_object_add(o, "manifest", json_object_new_boolean(p->have_manifest));
        json_object_object_add(o, "kernel_changed", json_object_new_boolean(p->kernel_changed));
        json_object_object_add(o, "third_party_items", json_object_new_int64((int64_t) p->n_inventory));
        json_object_object_add(o, "changed_items", json_object_new_int64((int64_t) p->n_changed));
        for (size_t k = 0; k < p->withheld.n; k++) {
                const lg_withheld_item *w = &p->withheld.items[k];
                const lg_agent *ag = w->agent ? lg_agents_find(p->agents, w->agent) : NULL;
                json_object *it = json_object_new_object();

                json_object_object_add(it, "name", lg_json_str(w->name));
                json_object_object_add(it, "kind", lg_json_str(lg_item_kind_to_string(w->kind)));
                json_object_object_add(it, "reason", lg_json_str(lg_reason_to_string(w->reason)));
                json_object_object_add(it, "agent", lg_json_str(w->agent));
                json_object_object_add(it, "policy",
                                       lg_json_str(ag ? lg_policy_to_string(ag->on_safe_mode) : NULL));
                json_object_object_add(it, "why", lg_json_str(reason_text(w->reason)));
                json_object_object_add(it, "denied_by", lg_json_str(w->denied_by));
                json_object_array_add(a, it);
        }
        json_object_object_add(o, "withheld", a);
        return lg_json_print(o);
}

static void plan_human(const plan *p) {
        printf("Dry run: what a boot at level %u would withhold now (nothing is changed).\n", p->level);
        if (!p->have_manifest)
                printf("No last-known-good manifest: every third-party item counts as changed.\n");
        else if (p->kernel_changed)
                printf("The kernel release differs from the last known good: every third-party item counts as "
                       "changed.\n");
        printf("%zu third-party item%s, %zu changed since the last known good.\n", p->n_inventory,
               p->n_inventory == 1 ? "" : "s", p->n_changed);
        if (p->withheld.n == 0) {
                printf("Nothing would be withheld.\n");
                return;
        }
        printf("Would withhold:\n");
        for (size_t k = 0; k < p->withheld.n; k++) {
                const lg_withheld_item *w = &p->withheld.items[k];
                const lg_agent *ag = w->agent ? lg_agents_find(p->agents, w->agent) : NULL;

                printf("  %-7s %s: %s%s%s%s%s%s%s%s%s\n", strna(lg_item_kind_to_string(w->kind)), w->name,
                       reason_text(w->reason), w->denied_by ? " (" : "", w->denied_by ?: "",
                       w->denied_by ? ")" : "", w->agent ? " (agent " : "", w->agent ?: "",
                       ag ? ", OnSafeMode=" : "", ag ? lg_policy_to_string(ag->on_safe_mode) : "",
                       w->agent ? ")" : "");
        }
}

int verb_plan(lg_ctl *c, int argc, char **argv) {
        _cleanup_store_ lg_store *s = NULL;
        _cleanup_(lg_config_done) lg_config cfg = {};
        _cleanup_(lg_agents_done) lg_agents agents = {};
        _cleanup_(lg_cmdline_done) lg_cmdline cmdline = {};
        _cleanup_(lg_inventory_done) lg_inventory manifest = {}, now = {};
        _cleanup_(lg_changes_done) lg_changes changes = {};
        _cleanup_free_ char *kernel = NULL;
        lg_quarantine quarantine = {};
        lg_deny deny = {};
        lg_state st = {};
        unsigned skipped = 0;
        plan p = {};
        int r;

        if (argc > 1) {
                log_error("plan takes no arguments (the level is --level=1|2).");
                return LG_EXIT_USAGE;
        }
        if (c->metrics) {
                log_error("plan has no --metrics.");
                return LG_EXIT_USAGE;
        }
        r = ctl_load_policy_inputs(c, &kernel, &cfg, &agents, &cmdline);
        if (r != LG_EXIT_OK)
                return r;

        /* The records are read only; a missing or corrupt one is no state. */
        r = lg_store_open(c->root, c->force_file ? LG_STORE_FORCE_FILE : LG_STORE_AUTO, &s);
        if (r < 0)
                log_error("no boot-state store (%s); planning without the records.", strerror(-r));
        else {
                if (lg_store_read_state(s, &st) < 0)
                        st = (lg_state){};
                r = lg_store_read_quarantine(s, &quarantine);
                if (r < 0 && r != -ENOENT)
                        log_error("cannot read the persistently withheld list (%s).", strerror(-r));
        }

        /* Without --level: the level the records are at, else safe mode. */
        p.level = c->level > 0                              ? (unsigned) c->level
                  : st.level > 0 && st.level < LG_LEVEL_MAX ? st.level
                                                            : 1;
        p.agents = &agents;

        r = lg_manifest_load(c->root, LG_MANIFEST_PATH, &manifest);
        p.have_manifest = r >= 0;
        if (r == -EBADMSG)
                log_error("the last-known-good manifest is corrupt: treated as missing.");
        r = lg_inventory_scan_cached(c->root, kernel, &cfg, &agents, p.have_manifest ? &manifest : NULL,
                                     LG_STAT_STRICT, &now, &skipped);
        if (r < 0) {
                log_error("cannot list the third-party items: %s", strerror(-r));
                lg_quarantine_done(&quarantine);
                return LG_EXIT_FAILURE;
        }
        if (skipped)
                log_error("%u unusable module files skipped.", skipped);
        if (p.have_manifest && lg_manifest_diff(&manifest, &now, &changes) < 0) {
                log_error("out of memory");
                lg_quarantine_done(&quarantine);
                return LG_EXIT_FAILURE;
        }
        p.n_inventory = now.n;
        p.n_changed = p.have_manifest ? changes.n : now.n;
        p.kernel_changed = p.have_manifest && changes.kernel_changed;

        lg_policy_input in = {
                .level = p.level,
                .now = &now,
                .changes = p.have_manifest ? &changes : NULL,
                .quarantine = &quarantine,
                .cmdline = &cmdline,
                .config = &cfg,
                .agents = &agents,
                .deny = &deny,
        };
        r = lg_deny_load(c->root, &deny);
        if (r < 0)
                log_error("cannot read the deny lists: %s", strerror(-r));
        for (size_t k = 0; k < deny.n_problems; k++)
                log_error("deny list %s%s%.0u: %s (ignored).", deny.files[deny.problems[k].file],
                          deny.problems[k].line ? ", line " : "", deny.problems[k].line, deny.problems[k].what);
        r = lg_policy_compute(&in, &p.withheld);
        lg_deny_done(&deny);
        lg_quarantine_done(&quarantine);
        if (r < 0) {
                log_error("cannot compute the withheld set: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        if (c->json)
                r = plan_json(&p);
        else {
                plan_human(&p);
                r = 0;
        }
        lg_withheld_done(&p.withheld);
        if (r < 0) {
                log_error("cannot print the plan: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        return LG_EXIT_OK;
}
