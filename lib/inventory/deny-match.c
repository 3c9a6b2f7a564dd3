/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* In-tree modules named by a deny list. The inventory fingerprints only
 * third-party modules (an in-tree file is known by its stat key alone), so
 * a list entry for an in-tree module is found by its name first -- the
 * only use of a list's NAME field -- and then decided by the fingerprint:
 * that one file is read and withheld only when its SHA-256 is the denied
 * one. An administrator's list may deny an in-tree module (DESIGN.md,
 * "Withhold the least": never unless an administrator names them). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "deny.h"
#include "inventory.h"
#include "macro.h"

static uint64_t hash_str(const char *s) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (; *s; s++) {
                h ^= (unsigned char) (*s == '-' ? '_' : *s);
                h *= 0x100000001b3ULL;
        }
        return h;
}

/* The module name of an in-tree path ("kernel/fs/ext4/ext4.ko.zst" ->
 * "ext4"), or NULL (OOM, not a module file). */
static char *intree_name(const char *path) {
        static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
        const char *base = strrchr(path, '/');
        size_t len;

        base = base ? base + 1 : path;
        len = strlen(base);
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t sl = strlen(suffixes[i]);
                _cleanup_free_ char *b = NULL;

                if (len <= sl || !streq(base + len - sl, suffixes[i]))
                        continue;
                b = strndup(base, len - sl);
                return b ? lg_module_name_normalize(b) : NULL;
        }
        return NULL;
}

static int cmp_item(const void *a, const void *b) {
        return strcmp(((const lg_inv_item *) a)->name, ((const lg_inv_item *) b)->name);
}

int lg_deny_filter_add_sha(lg_deny_filter *f, const uint8_t sha[LG_SHA256_SIZE]);
int lg_deny_filter_add_name(lg_deny_filter *f, const char *name);

int lg_deny_filter_build(lg_deny_filter *f, const lg_inventory *now) {
        size_t want = 16, want_names = 16;
        int r = 0;

        *f = (lg_deny_filter) {};
        while (now && want < now->n * 2)
                want <<= 1;
        while (now && want_names < now->n_intree * 2)
                want_names <<= 1;
        f->keys = calloc(want, sizeof(uint64_t));
        f->names = calloc(want_names, sizeof(char *));
        if (!f->keys || !f->names) {
                lg_deny_filter_done(f);
                return -ENOMEM;
        }
        f->cap = want;
        f->names_cap = want_names;
        for (size_t i = 0; now && i < now->n; i++)
                if (now->items[i].has_sha256)
                        (void) lg_deny_filter_add_sha(f, now->items[i].sha256);
        for (size_t i = 0; now && i < now->n_intree && r >= 0; i++) {
                _cleanup_free_ char *n = intree_name(now->intree[i].path);

                if (n)
                        r = lg_deny_filter_add_name(f, n);
        }
        if (r < 0)
                lg_deny_filter_done(f);
        return r;
}

int lg_deny_intree(const lg_root *root, const char *kernel, const lg_inventory *now, const lg_deny *deny,
                   lg_inventory *ret) {
        _cleanup_free_ char **names = NULL;
        _cleanup_free_ size_t *slots = NULL;
        lg_inventory out = {};
        size_t cap = 1, n_module = 0;
        int r = 0;

        *ret = (lg_inventory) {};
        if (!deny || !now || now->n_intree == 0 || !kernel)
                return 0;
        for (size_t i = 0; i < deny->n; i++)
                n_module += deny->entries[i].kind == LG_ITEM_MODULE;
        if (n_module == 0)
                return 0;

        /* An open-addressing table of the in-tree module names: each list
         * entry costs one look-up (100,000 entries, 4,000 in-tree files). */
        while (cap < now->n_intree * 2)
                cap <<= 1;
        names = calloc(now->n_intree, sizeof(char *));
        slots = calloc(cap, sizeof(size_t));
        if (!names || !slots)
                return -ENOMEM;
        for (size_t i = 0; i < now->n_intree; i++) {
                names[i] = intree_name(now->intree[i].path);
                if (names[i]) {
                        size_t h = hash_str(names[i]) & (cap - 1);

                        while (slots[h])
                                h = (h + 1) & (cap - 1);
                        slots[h] = i + 1;
                }
        }

        for (size_t e = 0; e < deny->n && r >= 0; e++) {
                const lg_deny_entry *d = &deny->entries[e];
                _cleanup_free_ char *norm = NULL;

                if (d->kind != LG_ITEM_MODULE)
                        continue;
                norm = lg_module_name_normalize(d->name);
                if (!norm || !lg_module_name_valid(norm))
                        continue;
                for (size_t h = hash_str(norm) & (cap - 1); slots[h]; h = (h + 1) & (cap - 1)) {
                        size_t i = slots[h] - 1;
                        _cleanup_free_ char *abs = NULL;
                        lg_inv_item it = { .kind = LG_ITEM_MODULE };
                        lg_inv_item *t;

                        if (!streq(names[i], norm))
                                continue;
                        if (asprintf(&abs, "/lib/modules/%s/%s", kernel, now->intree[i].path) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        if (lg_module_fingerprints(root, abs, &it.fingerprint, it.sha256) < 0 ||
                            !lg_deny_find(deny, LG_ITEM_MODULE, it.sha256))
                                continue;
                        it.has_sha256 = true;
                        it.name = strdup(norm);
                        it.path = strdup(now->intree[i].path);
                        t = realloc(out.items, sizeof(*t) * (out.n + 1));
                        if (!it.name || !it.path || !t) {
                                free(it.name);
                                free(it.path);
                                if (t)
                                        out.items = t;
                                r = -ENOMEM;
                                break;
                        }
                        out.items = t;
                        out.items[out.n++] = it;
                }
        }
        for (size_t i = 0; i < now->n_intree; i++)
                free(names[i]);
        if (r < 0) {
                lg_inventory_done(&out);
                return r;
        }
        if (out.n > 1)
                qsort(out.items, out.n, sizeof(*out.items), cmp_item);
        *ret = out;
        return 0;
}
