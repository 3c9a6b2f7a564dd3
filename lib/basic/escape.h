/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Untrusted names on their way out (DESIGN.md, "Trust boundaries": lastgood
 * escapes every untrusted name it prints, terminal and JSON alike). File
 * names, host names, journal fields and crash-log lines may hold any byte.
 *
 * LG_ESCAPE_TERMINAL: valid UTF-8 is kept, except what a terminal acts on
 *   or what hides text: C0 controls other than '\n' and '\t', DEL, the C1
 *   controls U+0080..U+009F and the bidirectional overrides (U+202A..U+202E,
 *   U+2066..U+2069); those and every byte that is no valid UTF-8 are
 *   written as \xHH, byte by byte.
 * LG_ESCAPE_LINE: as TERMINAL, and '\n' and '\t' too: one log line stays
 *   one line (a name holding "\n<0>..." must not forge a journal line).
 * LG_ESCAPE_UTF8: every byte that is no valid UTF-8 becomes U+FFFD; all else
 *   is kept (for JSON, whose serializer escapes the controls itself).
 * LG_ESCAPE_LABEL: a Prometheus/OpenMetrics label value (the text
 *   exposition format knows only \\, \" and \n): '\\', '"' and '\n'
 *   escaped so; every byte that is no valid UTF-8, and what TERMINAL
 *   escapes, as U+FFFD (never \x, which the parsers reject). */
typedef enum lg_escape_mode {
        LG_ESCAPE_TERMINAL,
        LG_ESCAPE_LINE,
        LG_ESCAPE_UTF8,
        LG_ESCAPE_LABEL,
} lg_escape_mode;

/* Escape s[0..n). Unless final, an incomplete UTF-8 sequence at the end is
 * left for the next call: *ret_consumed says how many bytes were used.
 * *ret is malloc'd and NUL-terminated (*ret_len without the NUL).
 * Returns 0 or -ENOMEM. Pure. */
int lg_escape(lg_escape_mode mode, const char *s, size_t n, bool final, char **ret, size_t *ret_len,
              size_t *ret_consumed);

/* The whole NUL-terminated s, escaped; NULL on OOM (or for NULL). */
char *lg_escape_string(lg_escape_mode mode, const char *s);
