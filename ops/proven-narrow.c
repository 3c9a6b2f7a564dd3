/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The proven write's part in narrowing (lib/inventory/narrow.h): a proven level-2
 * boot starts a search over its suspects instead of recording them in the
 * cold record; a proven boot during a search clears the suspects its
 * probe re-admitted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "proven.h"
#include "strv.h"

bool lg_withheld_is_suspect(const lg_withheld *w, const lg_withheld_item *it) {
        bool level2 = false;

        if (it->reason == LG_REASON_ALL_THIRD_PARTY)
                return true;
        if (it->reason != LG_REASON_CHANGED)
                return false;
        /* At level 2 a changed item is withheld because everything is: level
         * 1 withheld the changed set already, and the host failed anyway. */
        for (size_t i = 0; i < w->n && !level2; i++)
                level2 = w->items[i].reason == LG_REASON_ALL_THIRD_PARTY;
        /* Content of no agent is no suspect of its own. */
        return level2 && (it->agent || it->kind == LG_ITEM_MODULE);
}

/* The proven write has moved the items that ran out of the scan (their
 * names are NULL now): a linear look-up, no bsearch. */
static const lg_inv_item *scan_find(const lg_inventory *scan, const char *name) {
        for (size_t i = 0; i < scan->n; i++)
                if (scan->items[i].kind == LG_ITEM_MODULE && streq_ptr(scan->items[i].name, name))
                        return &scan->items[i];
        return NULL;
}

/* Where a unit file of an installed agent lives (systemd's search path
 * for system units, without the generators' folders: lastgood's own masks
 * are there). */
static const char *const unit_dirs[] = {
        "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system", "/lib/systemd/system",
};

bool lg_unit_file_exists(const lg_root *root, const char *unit) {
        char name[256], path[512];
        const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');

        /* An instance "foo@bar.service" comes from its template "foo@.service". */
        if (at && dot && dot > at)
                snprintf(name, sizeof(name), "%.*s@%s", (int) (at - unit), unit, dot);
        else
                snprintf(name, sizeof(name), "%s", unit);
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                int fd;

                if (snprintf(path, sizeof(path), "%s/%s", unit_dirs[i], name) >= (int) sizeof(path))
                        continue;
                fd = lg_root_open(root, path, O_PATH | O_NOFOLLOW, 0);
                if (fd >= 0) {
                        close(fd);
                        return true;
                }
                /* Unreadable (not missing): count it as installed. */
                if (fd != -ENOENT && fd != -ENOTDIR)
                        return true;
        }
        return false;
}

static bool inventory_has_agent(const lg_inventory *inv, const lg_agent *a) {
        for (size_t i = 0; inv && i < inv->n; i++) {
                const lg_inv_item *it = &inv->items[i];

                if (streq_ptr(it->agent, a->name) ||
                    (it->kind == LG_ITEM_MODULE && it->name && lg_strv_contains(a->modules, it->name)))
                        return true;
        }
        return false;
}

bool lg_agent_on_host(const lg_root *root, const lg_agent *a, const lg_inventory *inv) {
        for (char **u = a->units; u && *u; u++)
                if (lg_unit_file_exists(root, *u))
                        return true;
        return inventory_has_agent(inv, a);
}

/* An agent is a suspect only when something of it is on the host: a unit
 * file, one of its modules or content files. A definition shipped for an
 * agent that is not installed (lastgood ships several) ran nothing and can
 * have crashed nothing: searching it would only cost boots. scan: what the
 * proof did not take (the withheld items), manifest: what it took; fps:
 * the fingerprints of the withheld items (0: not on disk). */
static bool agent_installed(const lg_proven_input *in, const lg_inventory *scan, const lg_inventory *manifest,
                            const uint64_t *fps, const char *agent) {
        const lg_agent *a = in->agents ? lg_agents_find(in->agents, agent) : NULL;
        const lg_withheld *w = in->withheld;

        if (!a || !in->root)
                return true; /* unknown: a suspect, as before */
        if (lg_agent_on_host(in->root, a, scan) || inventory_has_agent(manifest, a))
                return true;
        for (size_t i = 0; i < w->n; i++)
                if (streq_ptr(w->items[i].agent, agent) && w->items[i].kind == LG_ITEM_MODULE &&
                    (w->items[i].fingerprint || fps[i]))
                        return true;
        return false;
}

static int start(const lg_proven_input *in, const lg_inventory *scan, const lg_inventory *manifest,
                 const uint64_t *fps, uint32_t boot_seq, unsigned threshold, lg_narrow *ret,
                 size_t *ret_not_installed) {
        const lg_withheld *w = in->withheld;
        lg_suspect_input *sin;
        char ***deps;
        size_t n = 0;
        int r = 0;

        sin = calloc(w->n, sizeof(*sin));
        deps = calloc(w->n, sizeof(*deps));
        if (!sin || !deps) {
                free(sin);
                free(deps);
                return -ENOMEM;
        }
        for (size_t i = 0; i < w->n; i++) {
                const lg_withheld_item *it = &w->items[i];
                const lg_inv_item *s;

                if (!lg_withheld_is_suspect(w, it))
                        continue;
                if (!it->agent && it->kind != LG_ITEM_MODULE)
                        continue;
                if (it->agent && !agent_installed(in, scan, manifest, fps, it->agent)) {
                        (*ret_not_installed)++;
                        continue;
                }
                /* A module's dependencies from libkmod (the agent's modules
                 * count for the agent); unreadable: none, the order by name
                 * is still a valid search. */
                s = it->kind == LG_ITEM_MODULE ? scan_find(scan, it->name) : NULL;
                if (s && s->path && lg_narrow_module_depends(in->root, in->kernel, s->path, &deps[n]) < 0)
                        deps[n] = NULL;
                sin[n] = (lg_suspect_input){
                        .kind = it->agent ? LG_SUSPECT_AGENT : LG_SUSPECT_MODULE,
                        .name = it->agent ? it->agent : it->name,
                        .fingerprint = it->agent ? 0 : (it->fingerprint ?: fps[i]),
                        .deps = deps[n],
                };
                n++;
        }
        r = n > 0 ? lg_narrow_new(sin, n, threshold, boot_seq, ret) : -ENOENT;
        for (size_t i = 0; i < n; i++)
                lg_strv_free(deps[i]);
        free(deps);
        free(sin);
        return r;
}

int lg_proven_narrowing(const lg_proven_input *in, const lg_inventory *scan, const lg_inventory *manifest,
                        const uint64_t *fps, uint32_t boot_seq, unsigned threshold, lg_proven_result *res) {
        lg_narrow rec = {};
        int r;

        r = lg_narrow_load(in->root, &rec);
        if (r == -EBADMSG)
                res->narrow_was_corrupt = true;
        if (r >= 0 && lg_narrow_active(&rec)) {
                /* This boot ran the probe derived from the record and the
                 * boot_seq it was handed over with: it passed. A later
                 * proof of the same boot (after a change undid the first)
                 * finds the record made by the first: nothing more. */
                uint32_t seq = in->handover_boot_seq ?: boot_seq;

                if (seq == rec.base_seq) {
                        lg_narrow_done(&rec);
                        return 0;
                }
                boot_seq = seq;
                r = lg_narrow_derive(&rec, boot_seq, &res->narrow, &res->narrow_report);
                lg_narrow_done(&rec);
                if (r < 0)
                        return r;
                /* What pre-switch found at the start of this boot was said
                 * then; only what this proof does is reported. */
                res->narrow_report = (lg_narrow_report){};
                if (lg_narrow_active(&res->narrow)) {
                        lg_narrow_passed(&res->narrow, boot_seq, &res->narrow_report);
                }
                res->narrow_passed = true;
                return lg_narrow_save(in->root, &res->narrow);
        }
        lg_narrow_done(&rec);
        /* Without EFI variables the boots are counted by the generator in
         * the main system, which does not run the search: there the level-2
         * items stay verdicts, as before (withholding too much is safe;
         * releasing an unproven suspect on an uncounted host is not). */
        if (!in->withheld || lg_store_get_backend(in->store) != LG_STORE_EFI)
                return 0;
        r = start(in, scan, manifest, fps, boot_seq, threshold, &res->narrow, &res->narrow_not_installed);
        if (r == -ENOENT)
                return 0; /* no suspect: no level-2 boot */
        if (r < 0)
                return r;
        r = lg_narrow_save(in->root, &res->narrow);
        if (r < 0)
                return r;
        res->narrow_started = true;
        return 0;
}

int lg_proven_narrowing_neutral(const lg_root *root, uint32_t boot_seq) {
        lg_narrow rec = {};
        int r;

        r = lg_narrow_load(root, &rec);
        if (r == -ENOENT || r == -EBADMSG)
                return 0; /* no search (a corrupt one is removed at the next start) */
        if (r < 0)
                return r;
        /* Only a boot counted since the record: boot_seq - base_seq is the
         * number of the probe's boots so far, this one included. */
        if (!lg_narrow_active(&rec) || boot_seq == 0 || boot_seq <= rec.base_seq) {
                lg_narrow_done(&rec);
                return 0;
        }
        rec.base_seq++;
        r = lg_narrow_save(root, &rec);
        lg_narrow_done(&rec);
        return r < 0 ? r : 1;
}
