/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl status: which reset-on-failure settings are in force this
 * boot (lib/reset/reset.h), from /run/lastgood/reset as lastgood-early and the
 * watchdog left it. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "macro.h"
#include "reset.h"

json_object *status_reset_json(const lg_root *root) {
        json_object *a = json_object_new_array();
        lg_reset r;

        if (!a || lg_reset_load(root, &r) < 0)
                return a;
        for (int k = 0; k < _LG_RESET_KIND_MAX; k++) {
                const lg_reset_item *it = &r.items[k];
                json_object *o;

                if (it->status == LG_RESET_NONE)
                        continue;
                o = json_object_new_object();
                if (!o)
                        break;
                json_object_object_add(o, "name",
                                       json_object_new_string(lg_reset_kind_to_string((lg_reset_kind) k)));
                json_object_object_add(o, "status",
                                       json_object_new_string(lg_reset_status_to_string(it->status)));
                json_object_object_add(o, "in_force",
                                       json_object_new_boolean(lg_reset_in_force((lg_reset_kind) k, it)));
                json_object_object_add(o, "value", json_object_new_int(it->value));
                json_object_object_add(o, "device",
                                       it->device[0] ? json_object_new_string(it->device) : NULL);
                json_object_array_add(a, o);
        }
        return a;
}

void ctl_reset_release(const lg_root *root) {
        lg_reset r, before;
        int k;

        if (lg_reset_load(root, &r) < 0)
                return;
        before = r;
        /* Proven: the panic settings go back to the values found. */
        k = lg_reset_restore(root, &r);
        if (k < 0)
                log_error("cannot put the panic settings back: %s", strerror(-k));
        else if (k > 0)
                printf("Panic settings back to the values found (%d).\n", k);
        if (r.items[LG_RESET_HANG].status == LG_RESET_SET) {
                k = lg_reset_release(root, &r);
                if (k == -EBUSY)
                        r.items[LG_RESET_HANG].status = LG_RESET_SET; /* another program pings it: its rules */
                else if (k < 0)
                        log_error("cannot stop the hang reset on %s (%s): the host will be reset.",
                                  r.items[LG_RESET_HANG].device, strerror(-k));
                else
                        printf("Hang reset released: %s stopped.\n", r.items[LG_RESET_HANG].device);
        }
        if (memcmp(&before, &r, sizeof(r)) == 0)
                return;
        k = lg_reset_save(root, &r);
        if (k < 0)
                log_error("cannot write %s: %s", LG_RUN_RESET, strerror(-k));
}

void status_reset_print(const lg_root *root, bool armed, bool early_ran) {
        lg_reset r;
        int n = 0, k;

        k = lg_reset_load(root, &r);
        /* Set up only by an armed boot's early stage: on a host armed
         * since (lastgoodctl arm, a change at run time), from the next. */
        if (k < 0) {
                printf("   On failure: %s\n",
                       k != -ENOENT ? "unknown (/run/lastgood/reset unreadable)"
                       : !armed     ? "nothing set up this boot (not armed)"
                       : early_ran  ? "nothing set up this boot (armed after it started): from the next boot"
                                    : "nothing set up this boot (lastgood-early did not run; see lastgoodctl doctor)");
                return;
        }
        for (k = 0; k < _LG_RESET_KIND_MAX; k++) {
                char line[256];

                if (r.items[k].status == LG_RESET_NONE)
                        continue;
                lg_reset_describe((lg_reset_kind) k, &r.items[k], line, sizeof(line));
                printf("%s %s %s\n", n++ == 0 ? "   On failure:" : "              ",
                       lg_reset_in_force((lg_reset_kind) k, &r.items[k]) ? "[in force]" : "[not in force]",
                       line);
        }
}
