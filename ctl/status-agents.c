/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl status: the agents that run in their fallback this boot
 * (OnSafeMode=fallback, their units withheld) and the eBPF programs the
 * watchdog recorded on the last healthy boot (the crash log's eBPF frames
 * are matched against it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crash.h"
#include "ctl.h"
#include "inventory.h"
#include "macro.h"
#include "strv.h"

void status_agents_print(const lg_root *root, const lg_withheld *w) {
        lg_agents agents = {};
        lg_bpf_record rec = {};
        int r;

        if (w && lg_agents_load(root, &agents) >= 0) {
                for (size_t a = 0; a < agents.n; a++) {
                        const lg_agent *ag = &agents.agents[a];
                        bool in = false;

                        if (!lg_agent_uses_fallback(ag))
                                continue;
                        for (size_t k = 0; k < w->n; k++)
                                if (w->items[k].kind == LG_ITEM_UNIT && lg_strv_contains(ag->units, w->items[k].name))
                                        in = true;
                        if (!in)
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
