/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl and the deny lists (lastgood-deny.d(5)): fingerprints of
 * withheld items for status and list, the line release names, doctor's
 * checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "deny.h"
#include "fingerprints.h"
#include "macro.h"
#include "runstate.h"

/* Module names: '-' and '_' are the same. */
static bool name_equal(const char *a, const char *b) {
        char *l[] = { (char *) a, NULL };

        return lg_name_in_list(l, b);
}

int ctl_fingerprints(lg_ctl *c, const lg_withheld *w, const lg_quarantine *q, char (**ret_w)[72],
                     char (**ret_q)[72], char ***ret_q_agent) {
        _cleanup_free_ char *kernel = NULL;
        lg_config cfg = {};
        lg_agents agents = {};
        lg_cmdline cmdline = {};
        lg_fp_lookup l = {};
        size_t nw = w ? w->n : 0, nq = q ? q->n : 0;
        char(*ws)[72] = calloc(nw ? nw : 1, sizeof(*ws));
        char(*qs)[72] = calloc(nq ? nq : 1, sizeof(*qs));
        char **qa = calloc(nq ? nq : 1, sizeof(char *));
        int r = 0;

        if (!ws || !qs || !qa) {
                free(ws), free(qs), free(qa);
                return -ENOMEM;
        }
        if (nw + nq > 0 && ctl_load_policy_inputs(c, &kernel, &cfg, &agents, &cmdline) == LG_EXIT_OK) {
                (void) lg_fp_lookup_open(c->root, kernel, &cfg, &agents, &l);
                for (size_t k = 0; k < nw; k++) {
                        const lg_withheld_item *it = &w->items[k];

                        if (it->kind != LG_ITEM_UNIT)
                                (void) lg_fp_lookup_sha256(&l, it->kind, it->name,
                                                           it->kind == LG_ITEM_CONTENT ? it->fingerprint : 0, ws[k]);
                }
                for (size_t k = 0; k < nq && r >= 0; k++) {
                        const lg_qitem *it = &q->items[k];
                        const lg_agent *a = it->kind == LG_ITEM_MODULE    ? lg_agents_find_module(&agents, it->name)
                                            : it->kind == LG_ITEM_CONTENT ? lg_agents_find_content(&agents, it->name)
                                                                          : NULL;

                        if (it->kind != LG_ITEM_UNIT)
                                (void) lg_fp_lookup_sha256(&l, it->kind, it->name, it->fingerprint, qs[k]);
                        if (a && !(qa[k] = strdup(a->name)))
                                r = -ENOMEM;
                }
                lg_fp_lookup_done(&l);
        }
        lg_agents_done(&agents);
        lg_config_done(&cfg);
        lg_cmdline_done(&cmdline);
        if (r < 0) {
                for (size_t k = 0; k < nq; k++)
                        free(qa[k]);
                free(ws), free(qs), free(qa);
                return r;
        }
        *ret_w = ws;
        *ret_q = qs;
        *ret_q_agent = qa;
        return 0;
}

const char *ctl_module_sha256(lg_ctl *c, const char *name, const char *kernel, char out[static 72]) {
        _cleanup_free_ char *k = NULL;
        lg_config cfg = {};
        lg_agents agents = {};
        lg_cmdline cmdline = {};
        lg_fp_lookup l = {};
        const char *r = NULL;

        if (!lg_module_name_valid(name) || ctl_load_policy_inputs(c, &k, &cfg, &agents, &cmdline) != LG_EXIT_OK)
                goto finish;
        /* The crash log's kernel when its tree is here, else this one. */
        if (lg_fp_lookup_open(c->root, kernel ?: k, &cfg, &agents, &l) >= 0)
                r = lg_fp_lookup_sha256(&l, LG_ITEM_MODULE, name, 0, out);
        if (!r && kernel && !streq(kernel, k)) {
                lg_fp_lookup_done(&l);
                if (lg_fp_lookup_open(c->root, k, &cfg, &agents, &l) >= 0)
                        r = lg_fp_lookup_sha256(&l, LG_ITEM_MODULE, name, 0, out);
        }
        lg_fp_lookup_done(&l);
finish:
        lg_agents_done(&agents);
        lg_config_done(&cfg);
        lg_cmdline_done(&cmdline);
        return r;
}

const char *ctl_denied_by(lg_ctl *c, const char *name, char *buf, size_t size) {
        _cleanup_(lg_runstate_done) lg_runstate rs = {};
        lg_deny d = {};
        const char *found = NULL;

        if (lg_runstate_read(c->root, &rs) >= 0)
                for (size_t i = 0; i < rs.withheld.n && !found; i++) {
                        const lg_withheld_item *it = &rs.withheld.items[i];

                        if (it->reason == LG_REASON_DENIED && it->denied_by &&
                            (streq(it->name, name) || (it->kind != LG_ITEM_CONTENT && name_equal(it->name, name)))) {
                                snprintf(buf, size, "%s", it->denied_by);
                                found = buf;
                        }
                }
        if (found || lg_deny_load(c->root, &d) < 0)
                return found;
        for (size_t i = 0; i < d.n && !found; i++) {
                const lg_deny_entry *e = &d.entries[i];

                if (streq(e->name, name) || (e->kind == LG_ITEM_MODULE && name_equal(e->name, name)))
                        found = lg_deny_where(&d, e, buf, size);
        }
        lg_deny_done(&d);
        return found;
}

unsigned ctl_doctor_deny(lg_ctl *c, void (*report)(bool ok, const char *what, const char *detail, void *ud),
                         void *ud) {
        lg_deny d = {};
        char detail[1024];
        unsigned n = 0;

        if (lg_deny_load(c->root, &d) < 0) {
                report(false, "deny lists", "cannot be read (out of memory)", ud);
                return 1;
        }
        for (size_t i = 0; i < d.n_problems; i++) {
                const lg_deny_problem *p = &d.problems[i];

                if (p->line)
                        snprintf(detail, sizeof(detail), "%s, line %u: %s (the line is ignored)", d.files[p->file],
                                 p->line, p->what);
                else
                        snprintf(detail, sizeof(detail), "%s %s (it is ignored)", d.files[p->file], p->what);
                report(false, "deny lists", detail, ud);
                n++;
        }
        if (d.n_problems_total > d.n_problems) {
                snprintf(detail, sizeof(detail), "%zu more problems", d.n_problems_total - d.n_problems);
                report(false, "deny lists", detail, ud);
                n++;
        }
        /* No list at all: nothing to say (most hosts). */
        if (n == 0 && d.n_files > 0) {
                size_t files = 0;

                for (size_t i = 0; i < d.n_files; i++)
                        files += !d.ignored[i];
                snprintf(detail, sizeof(detail), "%zu entr%s in %zu file%s", d.n, d.n == 1 ? "y" : "ies", files,
                         files == 1 ? "" : "s");
                report(true, "deny lists", detail, ud);
        }
        lg_deny_done(&d);
        return n;
}
