/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the narrowing state (/var/lib/lastgood/narrowing,
 * lib/inventory/narrow.c), which lastgood-early reads in the initramfs. Beyond "no
 * crash": a parsed state formats to text that parses to the same text, and
 * every step of the search (derive with any boot_seq, a passed probe)
 * keeps its invariant (a probe inside what is not known to fail) and stays
 * parseable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "narrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const lg_narrow *nw) {
        _cleanup_free_ char *text = NULL, *again = NULL;
        lg_narrow back = {};
        size_t n, m, h = lg_narrow_held(nw);

        if (h > 0 && (nw->probe < 1 || nw->probe >= nw->bad || nw->bad > h + 1))
                abort();
        if (lg_narrow_format(nw, &text, &n) != 0 || lg_narrow_parse(text, n, &back) != 0)
                abort();
        if (lg_narrow_format(&back, &again, &m) != 0 || m != n || memcmp(text, again, n) != 0)
                abort();
        lg_narrow_done(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        lg_narrow nw = {}, d = {};
        lg_narrow_report rep;
        uint32_t seq = 0;

        /* The first 4 bytes: the hot record's boot_seq; the rest: the file. */
        if (size < 4)
                return 0;
        memcpy(&seq, data, 4);
        if (lg_narrow_parse((const char *) data + 4, size - 4, &nw) != 0)
                return 0;
        check(&nw);
        if (lg_narrow_derive(&nw, seq, &d, &rep) != 0)
                abort();
        check(&d);
        if (lg_narrow_active(&d)) {
                lg_narrow_passed(&d, seq, &rep);
                check(&d);
        }
        lg_narrow_done(&d);
        lg_narrow_done(&nw);
        return 0;
}
