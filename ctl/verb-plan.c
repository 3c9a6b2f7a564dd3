/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl plan [--level=1|2] [--cmdline=WORDS] [--json]: a dry run of
 * safe mode. What would the next boot withhold at this level, now, and
 * why: the same inventory, last-known-good manifest, cold record,
 * configuration, agent definitions and policy as lastgood-early's
 * pre-switch stage, with the kernel command line of this boot
 * (/proc/cmdline) or the one given. Only what is on the host is shown: the
 * boot would also name the units and modules of agents that are not
 * installed (lastgood ships definitions of several), which withholds
 * nothing. Nothing is written (no record, no /run, no modprobe.d): it only
 * reads. */
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
#include "proven.h"
#include "store.h"
#include "strv.h"

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
        lg_mode mode;
        const char *cmdline_source; /* "/proc/cmdline", "--cmdline", or NULL: none */
        char *cmdline_words;        /* the lastgood.* words of it, or NULL */
        bool have_manifest;
        bool kernel_changed;
        size_t n_inventory, n_changed;
        lg_withheld withheld;
        char **not_installed; /* agents with items in the decision but nothing on the host */
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
        json_object_object_add(o, "mode", lg_json_str(lg_mode_to_string(p->mode)));
        json_object_object_add(o, "cmdline_source", lg_json_str(p->cmdline_source));
        json_object_object_add(o, "cmdline", lg_json_str(p->cmdline_words));
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
        a = json_object_new_array();
        for (char **n = p->not_installed; n && *n; n++)
                json_object_array_add(a, json_object_new_string(*n));
        json_object_object_add(o, "agents_not_installed", a);
        return lg_json_print(o);
}

static void plan_human(const plan *p) {
        printf("Dry run: what a boot at level %u would withhold now (nothing is changed).\n", p->level);
        if (p->cmdline_words)
                printf("Kernel command line (%s): %s\n", p->cmdline_source, p->cmdline_words);
        if (p->mode == LG_MODE_OFF)
                printf("lastgood.mode=off: lastgood would do nothing at all.\n");
        else if (p->mode == LG_MODE_NORMAL)
                printf("lastgood.mode=normal: only what the command line blocks would be withheld.\n");
        if (!p->have_manifest)
                printf("No last-known-good manifest: every third-party item counts as changed.\n");
        else if (p->kernel_changed)
                printf("The kernel release differs from the last known good: every third-party item counts as "
                       "changed.\n");
        printf("%zu third-party item%s, %zu changed since the last known good.\n", p->n_inventory,
               p->n_inventory == 1 ? "" : "s", p->n_changed);
        if (p->not_installed && *p->not_installed) {
                printf("Not installed, nothing to withhold: agent%s", p->not_installed[1] ? "s" : "");
                for (char **n = p->not_installed; *n; n++)
                        printf("%s%s", n == p->not_installed ? " " : ", ", *n);
                printf(".\n");
        }
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

/* The lastgood.* words of a command line, blank-separated, for people;
 * NULL when there is none (or out of memory). */
static char *lastgood_words(const char *buf, size_t size) {
        char *out = NULL;
        size_t len = 0;

        for (size_t i = 0; i < size;) {
                size_t n = 0;

                while (i < size && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
                        i++;
                while (i + n < size && buf[i + n] != ' ' && buf[i + n] != '\t' && buf[i + n] != '\n')
                        n++;
                if (n > 9 && strncmp(buf + i, "lastgood.", 9) == 0) {
                        char *m = realloc(out, len + n + 2);

                        if (!m) {
                                free(out);
                                return NULL;
                        }
                        out = m;
                        if (len)
                                out[len++] = ' ';
                        memcpy(out + len, buf + i, n);
                        len += n;
                        out[len] = '\0';
                }
                i += n;
        }
        return out;
}

/* The kernel command line in force: --cmdline=, else this boot's
 * /proc/cmdline (the next boot's too, unless the boot loader's entry
 * changes); none at all (a --root tree without /proc) is an empty one. */
static int plan_cmdline(lg_ctl *c, plan *p, lg_cmdline *cmdline) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        if (c->cmdline) {
                buf = strdup(c->cmdline);
                if (!buf)
                        return -ENOMEM;
                size = strlen(buf);
                p->cmdline_source = "--cmdline";
        } else {
                r = lg_root_read_file(c->root, "/proc/cmdline", 64 * 1024, &buf, &size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if (r != -ENOENT)
                                log_warning("cannot read /proc/cmdline (%s): planning without it.", strerror(-r));
                        return 0;
                }
                p->cmdline_source = "/proc/cmdline";
        }
        lg_cmdline_done(cmdline);
        r = lg_cmdline_parse(buf, size, cmdline);
        if (r < 0)
                return r;
        for (char **w = cmdline->warnings; w && *w; w++)
                log_warning("%s", *w);
        p->cmdline_words = lastgood_words(buf, size);
        return 0;
}

/* Only what is on the host. The boot names every unit and module of every
 * agent whose policy is not keep (level 2), installed or not; for an agent
 * of which nothing is installed, a unit file that does not exist or a
 * module that is not there, that withholds nothing. What the command line
 * blocks stays: the administrator's own words. */
static int plan_on_host(lg_ctl *c, plan *p, const lg_inventory *now) {
        size_t k = 0;

        for (size_t i = 0; i < p->withheld.n; i++) {
                lg_withheld_item *w = &p->withheld.items[i];
                const lg_agent *a = w->agent ? lg_agents_find(p->agents, w->agent) : NULL;
                bool keep = true;

                if (w->reason == LG_REASON_BLOCK)
                        keep = true;
                else if (a && !lg_agent_on_host(c->root, a, now)) {
                        keep = false;
                        if (!lg_strv_contains(p->not_installed, a->name) && lg_strv_push(&p->not_installed, a->name) < 0)
                                return -ENOMEM;
                } else if (w->kind == LG_ITEM_UNIT)
                        keep = lg_unit_file_exists(c->root, w->name);
                else if (w->kind == LG_ITEM_MODULE)
                        keep = lg_inventory_find(now, LG_ITEM_MODULE, w->name) != NULL;
                if (keep) {
                        p->withheld.items[k++] = *w;
                        continue;
                }
                free(w->name);
                free(w->agent);
        }
        p->withheld.n = k;
        return 0;
}

static void plan_done(plan *p) {
        lg_withheld_done(&p->withheld);
        p->not_installed = lg_strv_free(p->not_installed);
        free(p->cmdline_words);
        p->cmdline_words = NULL;
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
        _cleanup_(plan_done) plan p = {};
        int r;

        if (argc > 1) {
                log_error("plan takes no arguments (the level is --level=1|2).");
                return LG_EXIT_USAGE;
        }
        r = ctl_load_policy_inputs(c, &kernel, &cfg, &agents, &cmdline);
        if (r != LG_EXIT_OK)
                return r;
        if (plan_cmdline(c, &p, &cmdline) < 0) {
                log_error("out of memory");
                return LG_EXIT_FAILURE;
        }

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

        /* Without --level: the level the records are at, else safe mode;
         * then the command line, as lastgood-early takes it (lastgood.mode=
         * safe or strict whatever the counter says, normal or off: 0). */
        p.level = c->level > 0                              ? (unsigned) c->level
                  : st.level > 0 && st.level < LG_LEVEL_MAX ? st.level
                                                            : 1;
        p.mode = cmdline.mode;
        switch (p.mode) {
        case LG_MODE_SAFE:
                p.level = 1;
                break;
        case LG_MODE_STRICT:
                p.level = 2;
                break;
        case LG_MODE_NORMAL:
        case LG_MODE_OFF:
                p.level = 0;
                break;
        default:
                break;
        }
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
        if (r >= 0)
                r = plan_on_host(c, &p, &now);
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
        if (r < 0) {
                log_error("cannot print the plan: %s", strerror(-r));
                return LG_EXIT_FAILURE;
        }
        return LG_EXIT_OK;
}
