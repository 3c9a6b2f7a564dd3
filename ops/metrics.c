/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl status --metrics and the watchdog's MetricsFile=: the host's
 * boot state for node_exporter's textfile collector. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "macro.h"
#include "metrics.h"

static void gauge(FILE *f, const char *name, const char *help, uint64_t value) {
        fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRIu64 "\n", name, help, name, name, value);
}

int lg_metrics_host(const lg_summary *s, const lg_state *state, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        gauge(f, "lastgood_level",
              "Safe-mode level in force this boot (0 normal, 1 safe, 2 strict, 3 exhausted).", s->level);
        gauge(f, "lastgood_armed", "1 when a change since the last known good boot is being counted.",
              state->armed);
        gauge(f, "lastgood_tries", "Failed boots in a row since the last proven boot.", state->tries);
        gauge(f, "lastgood_withheld_items", "Items withheld this boot (modules, agent content, units).",
              s->n_withheld);
        gauge(f, "lastgood_persistently_withheld_items", "Persistently withheld items in the cold record.",
              s->n_quarantine);
        gauge(f, "lastgood_last_proven_timestamp_seconds",
              "Time of the last proven boot in seconds since the epoch (0: never).",
              state->last_proven_usec / 1000000ULL);
        gauge(f, "lastgood_exhausted", "1 when recovery is exhausted (level 3).",
              s->host == LG_HOST_EXHAUSTED);
        gauge(f, "lastgood_state_corrupt", "1 when the boot-state record cannot be used.",
              s->host == LG_HOST_CORRUPT);
        gauge(f, "lastgood_boot_healthy", "1 when this boot reached healthy.",
              s->health == LG_BOOT_HEALTHY || s->health == LG_BOOT_PROVEN);
        gauge(f, "lastgood_boot_proven", "1 when this boot is proven (nothing left to prove).",
              s->health == LG_BOOT_PROVEN);
        fprintf(f,
                "# HELP lastgood_host_state The host's state, one series per state, 1 for the one in force.\n"
                "# TYPE lastgood_host_state gauge\n");
        for (lg_host_state h = 0; h < _LG_HOST_STATE_MAX; h++)
                fprintf(f, "lastgood_host_state{state=\"%s\"} %d\n", lg_host_state_to_string(h),
                        h == s->host);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* A label value: valid UTF-8 (lg_escape()), then \\, \" and \n as the text
 * format escapes them; nothing else (no \x: Prometheus has none). */
static int put_label(FILE *f, const char *key, const char *v, bool last) {
        _cleanup_free_ char *u = NULL;
        size_t len;

        if (lg_escape(LG_ESCAPE_UTF8, v ?: "", strlen(v ?: ""), true, &u, &len, NULL) < 0)
                return -ENOMEM;
        fprintf(f, "%s=\"", key);
        for (size_t i = 0; i < len; i++)
                switch (u[i]) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                default:
                        fputc(u[i], f);
                }
        fputs(last ? "\"" : "\",", f);
        return 0;
}

int lg_metrics_withheld_info(const lg_withheld_info *items, size_t n, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r = 0;

        if (!f)
                return -ENOMEM;
        if (n > 0)
                fputs("# HELP lastgood_withheld_info An item this host withholds at every boot (the cold record, "
                      "or a deny list), by its SHA-256 fingerprint.\n"
                      "# TYPE lastgood_withheld_info gauge\n",
                      f);
        for (size_t i = 0; i < n && r >= 0; i++) {
                fputs("lastgood_withheld_info{", f);
                r = put_label(f, "kind", items[i].kind, false);
                if (r >= 0)
                        r = put_label(f, "name", items[i].name, false);
                if (r >= 0)
                        r = put_label(f, "agent", items[i].agent, false);
                if (r >= 0)
                        r = put_label(f, "sha256", items[i].sha256, false);
                if (r >= 0)
                        r = put_label(f, "reason", items[i].reason, true);
                fputs("} 1\n", f);
        }
        if (fclose(f) != 0 || r < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}
