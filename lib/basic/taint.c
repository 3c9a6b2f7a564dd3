/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel taint letters (taint.h). */
#include <errno.h>
#include <string.h>

#include "taint.h"

int lg_taint_letter_bit(char c) {
        const char *p = c ? strchr(LG_TAINT_LETTERS, c) : NULL;

        return p ? (int) (p - LG_TAINT_LETTERS) : -EINVAL;
}

int lg_taint_parse(const char *s, unsigned long *ret) {
        unsigned long mask = 0;

        for (; *s; s++) {
                int b;

                if (*s == ' ' || *s == ',' || *s == '\t')
                        continue;
                b = lg_taint_letter_bit(*s);
                if (b < 0)
                        return -EINVAL;
                mask |= 1UL << b;
        }
        *ret = mask;
        return 0;
}

const char *lg_taint_letters(unsigned long mask, char *buf, size_t size) {
        size_t n = 0;

        if (size == 0)
                return buf;
        for (size_t b = 0; b < strlen(LG_TAINT_LETTERS) && n + 2 < size; b++)
                if (mask & (1UL << b)) {
                        if (n > 0)
                                buf[n++] = ' ';
                        buf[n++] = LG_TAINT_LETTERS[b];
                }
        buf[n] = '\0';
        return buf;
}
