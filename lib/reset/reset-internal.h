/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "reset.h"

/* Shared by reset.c and reset-wdt.c (and their unit test). */

/* A sysctl as an int, under the root. Returns 0, -ENOENT, -EBADMSG, -errno. */
int lg_reset_sysctl_read(const lg_root *root, const char *path, int *ret);
/* Writes "value\n". Returns 0 or -errno. */
int lg_reset_sysctl_write(const lg_root *root, const char *path, int value);

/* The hang reset of lg_reset_apply(). */
void lg_reset_hang_arm(const lg_root *root, const lg_reset_options *o, lg_reset_item *ret);
