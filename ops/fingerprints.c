/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SHA-256 fingerprints of withheld items, found again on disk
 * (fingerprints.h). */
#include <errno.h>
#include <string.h>

#include "fingerprints.h"
#include "macro.h"

int lg_fp_lookup_open(const lg_root *root, const char *kernel, const lg_config *config, const lg_agents *agents,
                      lg_fp_lookup *ret) {
        lg_inventory good = {};
        bool have_good;
        int r;

        *ret = (lg_fp_lookup) { .root = root };
        have_good = lg_manifest_load(root, LG_MANIFEST_PATH, &good) == 0;
        r = lg_inventory_scan_cached(root, kernel, config, agents, have_good ? &good : NULL, LG_STAT_STRICT,
                                     &ret->now, NULL);
        lg_inventory_done(&good);
        if (r < 0)
                ret->now = (lg_inventory) {};
        return r;
}

const char *lg_fp_lookup_sha256(lg_fp_lookup *l, lg_item_kind kind, const char *name, uint64_t fnv,
                                char out[static LG_SHA256_STRING_MAX]) {
        const lg_inv_item *it = lg_inventory_find(&l->now, kind, name);

        if (it && it->has_sha256 && (fnv == 0 || it->fingerprint == fnv))
                return lg_sha256_to_string(it->sha256, out);
        if (kind != LG_ITEM_CONTENT || fnv == 0)
                return NULL;
        /* Moved into the quarantine: the copy there with this FNV. */
        if (l->qf_r == 0)
                l->qf_r = lg_qfiles_list(l->root, &l->qf, &l->n_qf) < 0 ? -1 : 1;
        for (size_t i = 0; l->qf_r > 0 && i < l->n_qf; i++) {
                uint8_t sha[LG_SHA256_SIZE];
                uint64_t fp;

                if (!S_ISREG(l->qf[i].st.st_mode) || !streq_ptr(l->qf[i].original, name))
                        continue;
                if (lg_module_fingerprints(l->root, l->qf[i].path, &fp, sha) == 0 && fp == fnv)
                        return lg_sha256_to_string(sha, out);
        }
        return NULL;
}

void lg_fp_lookup_done(lg_fp_lookup *l) {
        if (!l)
                return;
        lg_inventory_done(&l->now);
        if (l->qf_r > 0)
                lg_qfiles_free(l->qf, l->n_qf);
        *l = (lg_fp_lookup) {};
}
