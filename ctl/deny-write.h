/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The writing side of a deny list (lastgood-deny.d(5)): what
 * `lastgoodctl fleet --deny-list` and `lastgoodctl deny-list
 * --from-prometheus` print. One entry a line,
 *
 *     sha256:HEX KIND NAME AGENT  # comment
 *
 * KIND "module" or "content", NAME and AGENT with every byte that is blank,
 * not printable ASCII, '\\' or '#' written as \xHH (so that a name holding
 * a blank, a newline or "# " cannot add a field, a line or a comment), AGENT
 * "-" when unknown. Only the fingerprint and the kind decide; the rest is
 * for people. */

#define CTL_DENY_FP_LEN (7 + 64) /* "sha256:" and 64 lowercase hex digits */
#define CTL_DENY_NAME_MAX 4096   /* longer names are no file or module name */
/* The parser takes lines of at most 4096 bytes (lastgood-deny.d(5)): an
 * escaped NAME is cut at 2048 bytes, an AGENT at 256 ("..." at the end). */
#define CTL_DENY_NAME_FIELD_MAX 2048
#define CTL_DENY_AGENT_FIELD_MAX 256

/* s as "sha256:HEX" in lowercase into ret (CTL_DENY_FP_LEN + 1 bytes).
 * Takes "sha256:" followed by exactly 64 hex digits, either case.
 * Returns 0 or -EINVAL. Pure. */
int ctl_deny_fingerprint(const char *s, char ret[static CTL_DENY_FP_LEN + 1]);

/* true for "module" and "content". */
bool ctl_deny_kind_ok(const char *kind);

/* One entry to print: fingerprint and kind checked by the caller. */
typedef struct ctl_deny_entry {
        char fp[CTL_DENY_FP_LEN + 1];
        const char *kind;
        const char *name;   /* NULL: "-" */
        const char *agent;  /* NULL: "-" */
        uint64_t hosts;
        uint64_t usec;          /* when (0: unknown), said after time_word */
        const char *time_word;  /* "first seen", "counted" */
} ctl_deny_entry;

/* Sorts e[0..n) by hosts (most first), then kind and fingerprint, so that
 * the same evidence always gives the same file. */
void ctl_deny_sort(ctl_deny_entry *e, size_t n);

/* Writes one line to f, its comment "N hosts, TIME_WORD TIME". Returns 0 or -ENOMEM/-EIO. */
int ctl_deny_print(FILE *f, const ctl_deny_entry *e);

/* "2025-11-29T07:06:40Z" into buf, "-" for 0. */
void ctl_deny_time(uint64_t usec, char buf[static 32]);
