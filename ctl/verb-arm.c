/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl arm --if-changed: what package-manager hooks call (a dpkg
 * trigger on the module trees, /etc/kernel/postinst.d, DKMS). Arms only
 * when the third-party set of the kernel (--kernel-release=, else the
 * running one) differs from the last known good; otherwise it writes
 * nothing at all, so that an apt run that touched no third-party module
 * costs no NVRAM write. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "inventory.h"
#include "macro.h"
#include "store.h"

int ctl_third_party_changed(lg_ctl *c, char **ret_kernel) {
        _cleanup_store_ lg_store *store = NULL;
        _cleanup_free_ char *kernel = NULL;
        lg_config cfg = {};
        lg_agents agents = {};
        lg_inventory good = {}, now = {};
        lg_quarantine q = {};
        bool have_good, have_q = false;
        int r;

        r = lg_kernel_release(c->kernel_release, &kernel);
        if (r < 0)
                return r;
        r = lg_config_load(c->root, &cfg);
        if (r >= 0)
                r = lg_agents_load(c->root, &agents);
        if (r < 0)
                goto finish;

        have_good = lg_manifest_load(c->root, LG_MANIFEST_PATH, &good) >= 0;
        r = lg_inventory_scan_cached(c->root, kernel, &cfg, &agents, have_good ? &good : NULL,
                                     LG_STAT_STRICT, &now, NULL);
        if (r < 0)
                goto finish;
        /* Persistently withheld items that are still the ones withheld do
         * not load: they are no change (lg_manifest_differs). */
        if (lg_store_open(c->root, c->force_file ? LG_STORE_FORCE_FILE : LG_STORE_AUTO, &store) >= 0 &&
            lg_store_read_quarantine(store, &q) >= 0)
                have_q = true;
        r = lg_manifest_differs(have_good ? &good : NULL, &now, have_q ? &q : NULL);
finish:
        lg_quarantine_done(&q);
        lg_inventory_done(&now);
        lg_inventory_done(&good);
        lg_agents_done(&agents);
        lg_config_done(&cfg);
        if (r >= 0 && ret_kernel)
                *ret_kernel = TAKE_PTR(kernel);
        return r;
}
