/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Required and wanted health checks (health-tiers.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health-tiers.h"
#include "macro.h"

/* Moves the items of from to the end of to, their names prefixed. */
static int append(lg_check_results *to, lg_check_results *from, const char *prefix) {
        lg_check_result *t;

        if (from->n == 0)
                return 0;
        t = realloc(to->items, sizeof(*t) * (to->n + from->n));
        if (!t)
                return -ENOMEM;
        to->items = t;
        for (size_t i = 0; i < from->n; i++) {
                lg_check_result *c = &from->items[i];

                if (prefix) {
                        char *name;

                        if (asprintf(&name, "%s/%s", prefix, c->name) < 0)
                                return -ENOMEM;
                        free(c->name);
                        c->name = name;
                }
                to->items[to->n++] = *c;
                if (!c->passed)
                        to->n_failed++;
                *c = (lg_check_result){};
        }
        from->n = 0;
        return 0;
}

static int run_dir(const lg_root *root, const char *dir, const char *prefix, uint64_t timeout_usec,
                   lg_ping_fn ping, void *userdata, uint64_t ping_usec, lg_check_results *into) {
        lg_check_results res = {};
        int r;

        r = lg_health_run_checks(root, dir, timeout_usec, ping, userdata, ping_usec, &res);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = append(into, &res, prefix);
        lg_check_results_done(&res);
        return r;
}

int lg_health_run_tiers(const lg_root *root, uint64_t timeout_usec, lg_ping_fn ping, void *userdata,
                        uint64_t ping_usec, lg_check_results *ret_required, lg_check_results *ret_wanted) {
        lg_check_results req = {}, want = {};
        int r, k;

        r = run_dir(root, LG_HEALTH_DIR, NULL, timeout_usec, ping, userdata, ping_usec, &req);
        if (r != -ENOMEM) {
                k = run_dir(root, LG_HEALTH_REQUIRED_DIR, "required", timeout_usec, ping, userdata,
                            ping_usec, &req);
                if (r >= 0)
                        r = k;
        }
        if (r != -ENOMEM) {
                k = run_dir(root, LG_HEALTH_WANTED_DIR, "wanted", timeout_usec, ping, userdata, ping_usec,
                            &want);
                /* An unreadable wanted folder is not a failed boot. */
                if (k == -ENOMEM)
                        r = k;
        }
        if (r == -ENOMEM) {
                lg_check_results_done(&req);
                lg_check_results_done(&want);
                return r;
        }
        *ret_required = req;
        *ret_wanted = want;
        return r;
}
