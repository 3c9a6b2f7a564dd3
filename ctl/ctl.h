/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "rootfs.h"

/* lastgoodctl: options shared by every verb (parsed in lastgoodctl.c) and
 * the verbs, one file per group of verbs. Each verb gets the positional
 * arguments after the verb name (argv[0] is the verb) and returns the
 * process exit status:
 *   0  success
 *   1  the operation failed (details logged to stderr)
 *   2  usage error
 *   3  status: no record yet (status still printed)  */

#define LG_EXIT_OK 0
#define LG_EXIT_FAILURE 1
#define LG_EXIT_USAGE 2

typedef struct lg_ctl {
        const char *root_dir;        /* --root=, NULL for / */
        lg_root *root;
        const char *kernel_release;  /* --kernel-release=, NULL for uname */
        bool json;                   /* --json */
        bool all;                    /* --all (release) */
        bool force_file;             /* --store=file */
        const char *directory;       /* --directory= (fleet) */
} lg_ctl;

/* Route stdout and stderr through the escaping filter (ctl/output.c):
 * U+FFFD for invalid UTF-8 in JSON, \xHH for controls on a terminal.
 * Returns 0 or -ENOMEM (output then stays unfiltered). */
int lg_ctl_output_init(bool json);

int verb_status(lg_ctl *c, int argc, char **argv);
int verb_good(lg_ctl *c, int argc, char **argv);
int verb_bad(lg_ctl *c, int argc, char **argv);
int verb_reset(lg_ctl *c, int argc, char **argv);
int verb_arm(lg_ctl *c, int argc, char **argv);
int verb_list(lg_ctl *c, int argc, char **argv);
int verb_release(lg_ctl *c, int argc, char **argv);
int verb_restore(lg_ctl *c, int argc, char **argv);
int verb_crash(lg_ctl *c, int argc, char **argv);
int verb_fleet(lg_ctl *c, int argc, char **argv);
