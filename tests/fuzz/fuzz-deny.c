/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the deny-list parser (lib/inventory/deny.c), which
 * reads lists a fleet ships to every host. Beyond "no crash": every entry
 * taken is found again by its fingerprint and kind after the sort, its
 * line is within the input, and no name is empty or holds a NUL byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deny.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        lg_deny d = {};
        char *buf = malloc(size + 1);
        size_t lines = 1;
        int r;

        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';
        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        r = lg_deny_parse(&d, "fuzz.list", buf, size);
        if (r < 0 || lg_deny_finish(&d) < 0) {
                lg_deny_done(&d);
                return 0;
        }
        for (size_t i = 0; i < d.n; i++) {
                const lg_deny_entry *e = &d.entries[i];

                if (lg_deny_find(&d, e->kind, e->sha256) != e)
                        abort();
                if (e->line == 0 || e->line > lines || !e->name[0])
                        abort();
                if (e->kind != LG_ITEM_MODULE && e->kind != LG_ITEM_CONTENT)
                        abort();
        }
        if (d.n_problems > d.n_problems_total)
                abort();
        lg_deny_done(&d);
        return 0;
}
