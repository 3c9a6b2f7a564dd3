/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list, release, restore: placeholder until the main-system work lands. */
#include <stdio.h>

#include "ctl.h"

int verb_list(lg_ctl *c, int argc, char **argv) {
        fprintf(stderr, "lastgoodctl: %s is not built yet.\n", argv[0]);
        return LG_EXIT_FAILURE;
}

int verb_release(lg_ctl *c, int argc, char **argv) {
        return verb_list(c, argc, argv);
}

int verb_restore(lg_ctl *c, int argc, char **argv) {
        return verb_list(c, argc, argv);
}
