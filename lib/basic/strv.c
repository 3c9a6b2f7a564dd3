/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

size_t lg_strv_length(char *const *l) {
        size_t n = 0;

        if (!l)
                return 0;
        while (l[n])
                n++;
        return n;
}

static int strv_consume(char ***l, char *s) {
        size_t n = lg_strv_length(*l);
        char **t;

        if (!s)
                return -ENOMEM;
        t = realloc(*l, sizeof(char *) * (n + 2));
        if (!t) {
                free(s);
                return -ENOMEM;
        }
        t[n] = s;
        t[n + 1] = NULL;
        *l = t;
        return 0;
}

int lg_strv_push(char ***l, const char *s) {
        return strv_consume(l, strdup(s));
}

int lg_strv_pushf(char ***l, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_consume(l, s);
}

bool lg_strv_contains(char *const *l, const char *s) {
        if (!l)
                return false;
        for (; *l; l++)
                if (strcmp(*l, s) == 0)
                        return true;
        return false;
}

char **lg_strv_free(char **l) {
        if (l) {
                for (char **s = l; *s; s++)
                        free(*s);
                free(l);
        }
        return NULL;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void lg_strv_sort_uniq(char **l) {
        size_t n = lg_strv_length(l), w = 0;

        if (n < 2)
                return;
        qsort(l, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++) {
                if (w > 0 && strcmp(l[w - 1], l[i]) == 0) {
                        free(l[i]);
                        continue;
                }
                l[w++] = l[i];
        }
        l[w] = NULL;
}
