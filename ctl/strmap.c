/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String -> index hash table (strmap.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static uint64_t hash(const char *s) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 0x100000001b3ULL;
        }
        return h;
}

/* The slot of key, or of the empty slot where it would go. */
static size_t slot(const lg_strmap *m, const char *key) {
        size_t i = (size_t) hash(key) & (m->size - 1);

        while (m->keys[i] && strcmp(m->keys[i], key) != 0)
                i = (i + 1) & (m->size - 1);
        return i;
}

bool lg_strmap_get(const lg_strmap *m, const char *key, size_t *ret) {
        size_t i;

        if (m->size == 0)
                return false;
        i = slot(m, key);
        if (!m->keys[i])
                return false;
        if (ret)
                *ret = m->values[i];
        return true;
}

static int grow(lg_strmap *m) {
        lg_strmap n = { .size = m->size ? m->size * 2 : 64 };

        n.keys = calloc(n.size, sizeof(*n.keys));
        n.values = calloc(n.size, sizeof(*n.values));
        if (!n.keys || !n.values) {
                free(n.keys);
                free(n.values);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->size; i++)
                if (m->keys[i]) {
                        size_t j = slot(&n, m->keys[i]);

                        n.keys[j] = m->keys[i];
                        n.values[j] = m->values[i];
                        n.n++;
                }
        free(m->keys);
        free(m->values);
        *m = n;
        return 0;
}

int lg_strmap_put(lg_strmap *m, const char *key, size_t value) {
        size_t i;

        /* At most half full: probes stay short. */
        if ((m->n + 1) * 2 > m->size && grow(m) < 0)
                return -ENOMEM;
        i = slot(m, key);
        if (!m->keys[i]) {
                m->keys[i] = key;
                m->n++;
        }
        m->values[i] = value;
        return 0;
}

void lg_strmap_done(lg_strmap *m) {
        free(m->keys);
        free(m->values);
        *m = (lg_strmap){};
}
