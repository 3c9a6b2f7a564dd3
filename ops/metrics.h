/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "bootstate.h"
#include "summary.h"

/* One host's boot state in the Prometheus text exposition format, as
 * node_exporter's textfile collector reads it (*.prom files): every metric
 * with # HELP and # TYPE, gauges only, no timestamps. Pure. Returns 0 and
 * a malloc'd string, or -ENOMEM. */
int lg_metrics_host(const lg_summary *s, const lg_state *state, char **ret);

/* One persistently withheld (or denied) item for lastgood_withheld_info. */
typedef struct lg_withheld_info {
        const char *kind, *name, *agent, *sha256, *reason; /* NULL: "" */
} lg_withheld_info;

/* lastgood_withheld_info{kind,name,agent,sha256,reason} 1 for each item,
 * with # HELP and # TYPE (none for n == 0). Label values as the text
 * format wants them: '\\', '"' and newline escaped, every byte that is no
 * valid UTF-8 replaced by U+FFFD. Pure. 0 and a malloc'd string, -ENOMEM. */
int lg_metrics_withheld_info(const lg_withheld_info *items, size_t n, char **ret);
