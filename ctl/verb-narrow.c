/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl: the narrowing after level 2 in `status` (text and JSON) and
 * its end at `reset` (lib/inventory/narrow.h). */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ctl.h"
#include "events.h"
#include "log.h"
#include "macro.h"
#include "narrow.h"

/* The search as this boot runs it: the recorded state advanced by the
 * probes that failed since (the hot record's boot_seq). 0, -ENOENT (none),
 * -EBADMSG (corrupt), -errno. */
static int narrow_now(lg_ctl *c, uint32_t boot_seq, lg_narrow *ret, uint32_t *ret_boots) {
        lg_narrow rec = {};
        int r;

        r = lg_narrow_load(c->root, &rec);
        if (r < 0)
                return r;
        if (!lg_narrow_active(&rec)) {
                lg_narrow_done(&rec);
                return -ENOENT;
        }
        r = lg_narrow_derive(&rec, boot_seq, ret, NULL);
        lg_narrow_done(&rec);
        if (r >= 0)
                *ret_boots = boot_seq > ret->base_seq ? boot_seq - ret->base_seq : 0;
        return r;
}

static json_object *json_set(const lg_narrow *nw, lg_narrow_set set) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; i < nw->n; i++)
                if (lg_narrow_in_set(nw, &nw->items[i], set))
                        json_object_array_add(a, json_object_new_string(nw->items[i].name));
        return a;
}

void ctl_narrow_status_json(lg_ctl *c, uint32_t boot_seq, json_object *o) {
        lg_narrow nw = {};
        uint32_t boots = 0;
        json_object *n;
        int r;

        r = narrow_now(c, boot_seq, &nw, &boots);
        if (r < 0) {
                json_object_object_add(o, "narrowing", NULL);
                json_object_object_add(
                        o, "narrowing_error",
                        r == -ENOENT ? NULL
                                     : json_object_new_string(r == -EBADMSG ? "corrupt" : strerror(-r)));
                return;
        }
        n = json_object_new_object();
        json_object_object_add(n, "suspects_left", json_object_new_int((int) lg_narrow_held(&nw)));
        json_object_object_add(n, "readmitted", json_set(&nw, LG_NARROW_READMITTED));
        json_object_object_add(n, "held_back", json_set(&nw, LG_NARROW_HELD_BACK));
        json_object_object_add(n, "cleared", json_set(&nw, LG_NARROW_CLEARED));
        json_object_object_add(n, "guilty", json_set(&nw, LG_NARROW_GUILTY));
        json_object_object_add(n, "probe_boot", json_object_new_int64(boots));
        json_object_object_add(n, "threshold", json_object_new_int((int) nw.threshold));
        json_object_object_add(o, "narrowing", n);
        lg_narrow_done(&nw);
}

void ctl_narrow_status_text(lg_ctl *c, uint32_t boot_seq) {
        static const char *const label[_LG_NARROW_SET_MAX] = {
                [LG_NARROW_READMITTED] = "  Re-admitted",
                [LG_NARROW_HELD_BACK] = "    Held back",
                [LG_NARROW_CLEARED] = "      Cleared",
                [LG_NARROW_GUILTY] = "       Guilty",
        };
        lg_narrow nw = {};
        uint32_t boots = 0;
        int r;

        r = narrow_now(c, boot_seq, &nw, &boots);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                printf("    Narrowing: state %s; no narrowing\n", r == -EBADMSG ? "corrupt" : strerror(-r));
                return;
        }
        printf("    Narrowing: in progress, %zu suspect%s left (boot %" PRIu32
               " of this probe; %u failed boots "
               "name it guilty)\n",
               lg_narrow_held(&nw), lg_narrow_held(&nw) == 1 ? "" : "s", boots, nw.threshold);
        for (int s = 0; s < _LG_NARROW_SET_MAX; s++) {
                _cleanup_free_ char *names = lg_narrow_names(&nw, s);

                if (names && *names)
                        printf("%s: %s\n", label[s], names);
        }
        lg_narrow_done(&nw);
}

void ctl_narrow_end(lg_ctl *c, const char *why) {
        lg_narrow nw = {};
        int r;

        r = lg_narrow_load(c->root, &nw);
        if (r == -ENOENT)
                return;
        if (r >= 0 && !lg_narrow_active(&nw)) {
                lg_narrow_done(&nw);
                return;
        }
        r = lg_narrow_remove(c->root);
        if (r < 0) {
                log_error("cannot end the narrowing: %s", strerror(-r));
                lg_narrow_done(&nw);
                return;
        }
        printf("Narrowing ended: its suspects are released.\n");
        /* Only on the host itself: a --root run is not this host's news. */
        if (lg_root_is_host(c->root)) {
                _cleanup_free_ char *msg = NULL;
                lg_event e = LG_EVENT_INIT(LG_MSG_NARROWING);

                if (asprintf(&msg, "Narrowing ended by lastgoodctl %s: its suspects are released.", why) < 0)
                        msg = NULL;
                e.priority = LOG_NOTICE;
                e.message = msg ?: "Narrowing ended.";
                e.reason = "ended";
                (void) lg_event_emit(c->root, LG_SINK_JOURNAL, &e);
        }
        lg_narrow_done(&nw);
}
