/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl status: the agents that run in their fallback this boot
 * (OnSafeMode=fallback, their units withheld) and the eBPF programs the
 * watchdog recorded on the last healthy boot (the crash log's eBPF frames
 * are matched against it). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "crash.h"
#include "ctl.h"
#include "inventory.h"
#include "macro.h"
#include "strv.h"

/* An agent runs in its fallback this boot when it has one
 * (OnSafeMode=fallback) and the decision withheld one of its units. */
static bool agent_in_fallback(const lg_agent *ag, const lg_withheld *w) {
        if (!lg_agent_uses_fallback(ag))
                return false;
        for (size_t k = 0; k < w->n; k++)
                if (w->items[k].kind == LG_ITEM_UNIT && lg_strv_contains(ag->units, w->items[k].name))
                        return true;
        return false;
}

json_object *status_fallback_json(const lg_root *root, const lg_withheld *w) {
        lg_agents agents = {};
        json_object *a = json_object_new_array();

        if (!a || !w || lg_agents_load(root, &agents) < 0)
                return a;
        for (size_t i = 0; i < agents.n; i++) {
                const lg_agent *ag = &agents.agents[i];
                json_object *o, *units;

                if (!agent_in_fallback(ag, w))
                        continue;
                o = json_object_new_object();
                units = json_object_new_array();
                for (char **u = ag->fallback_units; u && *u; u++)
                        json_object_array_add(units, json_object_new_string(*u));
                json_object_object_add(o, "agent", json_object_new_string(ag->name));
                json_object_object_add(o, "units", units);
                json_object_object_add(o, "drop_in",
                                       ag->fallback_dropin ? json_object_new_string(ag->fallback_dropin) : NULL);
                json_object_array_add(a, o);
        }
        lg_agents_done(&agents);
        return a;
}

void status_agents_print(const lg_root *root, const lg_withheld *w) {
        lg_agents agents = {};
        lg_bpf_record rec = {};
        int r;

        if (w && lg_agents_load(root, &agents) >= 0) {
                for (size_t a = 0; a < agents.n; a++) {
                        const lg_agent *ag = &agents.agents[a];

                        if (!agent_in_fallback(ag, w))
                                continue;
                        printf("     Fallback: agent %s runs in its fallback (", ag->name);
                        for (char **u = ag->fallback_units; u && *u; u++)
                                printf("%s%s", u == ag->fallback_units ? "" : " ", *u);
                        if (ag->fallback_dropin)
                                printf("%sdrop-in %s", ag->fallback_units[0] ? ", " : "", ag->fallback_dropin);
                        printf("), not disabled\n");
                }
                lg_agents_done(&agents);
        }

        r = lg_bpf_record_load(root, NULL, &rec);
        if (r == -ENOENT)
                return;
        if (r < 0) {
                printf("  eBPF record: unusable (%s)\n", r == -EBADMSG ? "corrupt" : r == -EFBIG ? "too large" : strerror(-r));
                return;
        }
        printf("  eBPF record: %zu program(s) loaded on the last healthy boot (kernel %s)\n", rec.n, rec.kernel);
        for (size_t i = 0; i < rec.n && i < 32; i++)
                printf("               %s %s (id %u) by %s\n", rec.progs[i].tag,
                       rec.progs[i].name[0] ? rec.progs[i].name : "-", rec.progs[i].id, rec.progs[i].unit);
        if (rec.n > 32)
                printf("               ... and %zu more\n", rec.n - 32);
        lg_bpf_record_done(&rec);
}
