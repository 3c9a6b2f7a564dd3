/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Kernel taint letters and their bits in /proc/sys/kernel/tainted, as
 * Documentation/admin-guide/tainted-kernels.rst lists them (the letter
 * of bit N is LG_TAINT_LETTERS[N]; kernel/panic.c, taint_flags[]). */
#define LG_TAINT_LETTERS "PFSRMBUDAWCIOELKXTN"

/* D (7, oops/BUG), W (9, WARN), L (14, soft lockup): the default of
 * [Health] TaintFlags=. */
#define LG_TAINT_DEFAULT ((1UL << 7) | (1UL << 9) | (1UL << 14))

/* The bit of a taint letter (upper case), -EINVAL when none. */
int lg_taint_letter_bit(char c);
/* "D W L"-style words (spaces or commas between letters, or one word of
 * letters, "DWL") into a mask. Returns 0, -EINVAL on an unknown letter
 * (*ret untouched). An empty string is 0: no taint counts. */
int lg_taint_parse(const char *s, unsigned long *ret);
/* The letters of mask, space-separated, into buf (at least 2 bytes). */
const char *lg_taint_letters(unsigned long mask, char *buf, size_t size);
