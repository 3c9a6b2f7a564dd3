/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A string -> index hash table (open addressing, linear probing, FNV-1a),
 * for lastgoodctl fleet: hosts by machine id and items by name, so that
 * 10,000 hosts and 40,000 entries cost O(entries), not O(hosts²). Keys are
 * borrowed: they must outlive the map and never change. */

typedef struct lg_strmap {
        size_t size; /* slots, a power of two (0: empty map) */
        size_t n;    /* keys stored */
        const char **keys;
        size_t *values;
} lg_strmap;

/* true and *ret (may be NULL) when key is there. */
bool lg_strmap_get(const lg_strmap *m, const char *key, size_t *ret);
/* Adds or replaces. Returns 0 or -ENOMEM (the map is unchanged). */
int lg_strmap_put(lg_strmap *m, const char *key, size_t value);
void lg_strmap_done(lg_strmap *m);
