/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Private helpers shared by the pure parsers (cmdline.c, config.c,
 * agents.c). Not an interface for other parts. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "rootfs.h"

/* At most this many warnings are kept per parse; one more says the rest
 * were dropped. Garbage input must not turn into unbounded memory. */
#define LG_WARNINGS_MAX 32

/* Copy of at most max bytes of s[0..n) with every byte that is not
 * printable ASCII written as \xHH, so that hostile input can be quoted in a
 * log line. "..." is appended when cut. NULL on OOM. */
char *lg_escape_quote(const char *s, size_t n, size_t max);

/* Append a formatted warning to *warnings unless the cap is reached.
 * Returns 0 or -ENOMEM. */
int lg_warn(char ***warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a decimal unsigned number (no sign, no spaces, no trailing junk)
 * of at most max. Returns 0, -EINVAL, or -ERANGE. */
int lg_parse_unsigned(const char *s, unsigned max, unsigned *ret);

/* A systemd unit name: 1..255 bytes of [A-Za-z0-9:_.\\@-] with a '.'
 * type suffix. */
bool lg_unit_name_is_valid(const char *s);

/* Read a whole INI buffer with inih, line by line, with file:line warnings.
 * Lines with NUL or control bytes, lines longer than inih accepts and
 * lines that are neither a comment, a [section] nor KEY=VALUE are reported
 * and skipped; inih never sees them. handler gets the line number.
 * Returns 0, or the handler's negative error (e.g. -ENOMEM). */
typedef int (*lg_ini_handler)(void *userdata, unsigned line, const char *section, const char *key,
                              const char *value);
int lg_ini_parse(const char *source, const char *buf, size_t size, char ***warnings, lg_ini_handler handler,
                 void *userdata);

/* Split a space-separated value into words and call fn on each. */
int lg_split_words(const char *value, int (*fn)(void *userdata, const char *word), void *userdata);

/* agents-units.c: what an agent's units say, read from the unit files
 * under root (default Processes=, FallbackUnits= that exist and belong to
 * no other agent). Problems are warnings. Returns 0 or -ENOMEM. */
struct lg_agents;
int lg_agents_resolve_units(const lg_root *root, struct lg_agents *a);
