/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status, good, bad, reset, arm: placeholder until the store work lands. */
#include <stdio.h>

#include "ctl.h"

static int not_yet(char **argv) {
        fprintf(stderr, "lastgoodctl: %s is not built yet.\n", argv[0]);
        return LG_EXIT_FAILURE;
}

int verb_status(lg_ctl *c, int argc, char **argv) { return not_yet(argv); }
int verb_good(lg_ctl *c, int argc, char **argv) { return not_yet(argv); }
int verb_bad(lg_ctl *c, int argc, char **argv) { return not_yet(argv); }
int verb_reset(lg_ctl *c, int argc, char **argv) { return not_yet(argv); }
int verb_arm(lg_ctl *c, int argc, char **argv) { return not_yet(argv); }
