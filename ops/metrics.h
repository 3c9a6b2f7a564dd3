/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "bootstate.h"
#include "summary.h"

/* One host's boot state in the Prometheus text exposition format, as
 * node_exporter's textfile collector reads it (*.prom files): every metric
 * with # HELP and # TYPE, gauges only, no timestamps. Pure. Returns 0 and
 * a malloc'd string, or -ENOMEM. */
int lg_metrics_host(const lg_summary *s, const lg_state *state, char **ret);
