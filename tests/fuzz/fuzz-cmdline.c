/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the kernel command line parser (lib/parse/cmdline.c), which
 * reads what a boot loader entry, an attacker with access to it, or a typo
 * put there. Beyond "no crash": every accepted name is valid and
 * normalized, the threshold is in range, warnings stay bounded, and the
 * override flag agrees with what was parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "macro.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(char **l) {
        if (!l)
                abort();
        if (lg_strv_length(l) > 256)
                abort();
        for (char **s = l; *s; s++) {
                if (!lg_name_is_valid(*s) || strchr(*s, '-'))
                        abort();
                if (!lg_name_in_list(l, *s))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        lg_cmdline c;
        bool any;

        if (lg_cmdline_parse((const char *) data, size, &c) < 0)
                return 0; /* OOM only */

        if (c.mode < 0 || c.mode >= _LG_MODE_MAX || c.threshold > 255)
                abort();
        check_list(c.release);
        check_list(c.block);
        check_list(c.allow);
        if (!c.warnings || lg_strv_length(c.warnings) > 33)
                abort();
        for (char **w = c.warnings; *w; w++)
                for (const char *p = *w; *p; p++)
                        if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
                                abort(); /* warnings are quoted for the log */

        any = c.mode != LG_MODE_AUTO || c.reset || c.release_all || c.threshold || c.release[0] ||
              c.block[0] || c.allow[0];
        if (any != lg_cmdline_is_override(&c))
                abort();
        lg_cmdline_done(&c);
        return 0;
}
