/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fleet: placeholder until the main-system work lands. */
#include <stdio.h>

#include "ctl.h"

int verb_fleet(lg_ctl *c, int argc, char **argv) {
        fprintf(stderr, "lastgoodctl: %s is not built yet.\n", argv[0]);
        return LG_EXIT_FAILURE;
}
