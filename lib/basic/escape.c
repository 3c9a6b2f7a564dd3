/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "macro.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, at most U+10FFFF), 0 when invalid, -1 when s[0..n) is a
 * valid but incomplete prefix. *ret_cp: the code point. */
static int utf8_seq(const unsigned char *s, size_t n, uint32_t *ret_cp) {
        unsigned char c = s[0];
        size_t len;
        uint32_t cp, min;

        if (c < 0x80) {
                *ret_cp = c;
                return 1;
        }
        if (c >= 0xc2 && c <= 0xdf)
                len = 2, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4, cp = c & 0x07, min = 0x10000;
        else
                return 0;
        for (size_t i = 1; i < len; i++) {
                if (i >= n)
                        return -1;
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
                /* Reject early what can no longer become valid. */
                if (i == 1 && len == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f)))
                        return 0;
                if (i == 1 && len == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f)))
                        return 0;
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return (int) len;
}

static bool terminal_unsafe(uint32_t cp, bool line) {
        return (cp < 0x20 && (line || (cp != '\n' && cp != '\t'))) || cp == 0x7f ||
               (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
               (cp >= 0x2066 && cp <= 0x2069);
}

int lg_escape(lg_escape_mode mode, const char *s, size_t n, bool final, char **ret, size_t *ret_len,
              size_t *ret_consumed) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0, o = 0;
        char *out;

        /* Worst case: every byte as \xHH (4) or U+FFFD (3). */
        if (n > (SIZE_MAX - 1) / 4)
                return -ENOMEM;
        out = malloc(n * 4 + 1);
        if (!out)
                return -ENOMEM;
        while (i < n) {
                uint32_t cp = 0;
                int len = utf8_seq(p + i, n - i, &cp);

                if (len < 0 && !final)
                        break; /* the rest comes with the next call */
                if (mode == LG_ESCAPE_LABEL && len == 1 && (cp == '\\' || cp == '"' || cp == '\n')) {
                        out[o++] = '\\';
                        out[o++] = cp == '\n' ? 'n' : (char) cp;
                        i++;
                        continue;
                }
                if (len > 0 && (mode == LG_ESCAPE_UTF8 || !terminal_unsafe(cp, mode == LG_ESCAPE_LINE))) {
                        memcpy(out + o, p + i, (size_t) len);
                        o += (size_t) len;
                        i += (size_t) len;
                        continue;
                }
                /* Invalid (one byte at a time, so that the next ASCII byte is
                 * never swallowed), or unsafe on a terminal (all its bytes). */
                for (int k = 0; k < (len > 0 ? len : 1); k++, i++) {
                        if (mode == LG_ESCAPE_UTF8 || mode == LG_ESCAPE_LABEL) {
                                memcpy(out + o, "\xef\xbf\xbd", 3);
                                o += 3;
                        } else {
                                out[o++] = '\\';
                                out[o++] = 'x';
                                out[o++] = hex[p[i] >> 4];
                                out[o++] = hex[p[i] & 15];
                        }
                }
        }
        out[o] = '\0';
        *ret = out;
        if (ret_len)
                *ret_len = o;
        if (ret_consumed)
                *ret_consumed = i;
        return 0;
}

char *lg_escape_string(lg_escape_mode mode, const char *s) {
        char *r;

        if (!s || lg_escape(mode, s, strlen(s), true, &r, NULL, NULL) < 0)
                return NULL;
        return r;
}
