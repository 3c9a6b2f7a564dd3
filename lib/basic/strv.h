/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated string arrays. A NULL list is an empty list. */

size_t lg_strv_length(char *const *l);
/* Appends a copy of s; returns 0 or -ENOMEM (the list is unchanged). */
int lg_strv_push(char ***l, const char *s);
/* Appends a printf-formatted string; returns 0 or -ENOMEM. */
int lg_strv_pushf(char ***l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when s is in the list. */
bool lg_strv_contains(char *const *l, const char *s);
/* Frees the list and its strings; returns NULL. */
char **lg_strv_free(char **l);

/* Sorts l (strcmp order) and drops repeated strings, in place, in
 * O(n log n). l may be NULL. */
void lg_strv_sort_uniq(char **l);
