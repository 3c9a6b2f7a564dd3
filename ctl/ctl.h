/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "rootfs.h"

/* lastgoodctl: options shared by every verb (parsed in lastgoodctl.c) and
 * the verbs, one file per group of verbs. Each verb gets the positional
 * arguments after the verb name (argv[0] is the verb) and returns the
 * process exit status:
 *   0  success (status: steady -- not armed, level 0)
 *   1  the operation failed (details logged to stderr)
 *   2  usage error
 * and, from status (the status is printed all the same):
 *   3  armed: a change is being counted, level 0
 *   4  safe mode: level 1 or 2 in force this boot
 *   5  exhausted: level 3, lastgood withholds nothing more
 *   6  state corrupt: the hot record cannot be read or trusted
 * and, from crash: 3 when the log names no culprit. */

#define LG_EXIT_OK 0
#define LG_EXIT_FAILURE 1
#define LG_EXIT_USAGE 2
#define LG_EXIT_ARMED 3
#define LG_EXIT_SAFE_MODE 4
#define LG_EXIT_EXHAUSTED 5
#define LG_EXIT_CORRUPT 6
#define LG_EXIT_NO_CULPRIT 3

typedef struct lg_ctl {
        const char *root_dir;        /* --root=, NULL for / */
        lg_root *root;
        const char *kernel_release;  /* --kernel-release=, NULL for uname */
        bool json;                   /* --json */
        bool all;                    /* --all (release) */
        bool force_file;             /* --store=file */
        const char *directory;       /* --directory= (fleet) */
        bool metrics;                /* --metrics (status, fleet) */
        int level;                   /* --level= (plan), -1 when not given */
        const char *state_filter;    /* --state= (fleet) */
        const char *since;           /* --since= (fleet) */
        const char *host_filter;     /* --host= (fleet) */
} lg_ctl;

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
int verb_plan(lg_ctl *c, int argc, char **argv);
