/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "rootfs.h"
#include "store.h"

/* What the administrator sees of this boot outside lastgoodctl, kept
 * current by the watchdog at each change of state (start, healthy, proven,
 * armed at run time, an item withheld again):
 *
 *   /run/motd.d/lastgood   the login notice (pam_motd shows /run/motd.d/),
 *                          while anything is withheld or the host is in
 *                          safe mode or exhausted; removed when steady
 *   MetricsFile=           ([Health], optional) the host's metrics in
 *                          node_exporter's textfile format, as lastgoodctl
 *                          status --metrics prints them
 *
 * and the one-line status for the service manager's STATUS=. */

#define LG_MOTD_PATH "/run/motd.d/lastgood"

typedef struct lg_notice_input {
        const lg_root *root;
        lg_store *store; /* may be NULL: no records */
        unsigned threshold;
        const char *metrics_file; /* host path, NULL: none */
} lg_notice_input;

/* Gathers the records, this boot's hand-over and /run/lastgood/healthy,
 * then writes or removes the notice and writes the metrics file (each
 * only when its contents change). *ret_status (may be NULL) gets the
 * STATUS= line, even when a file could not be written. Returns 0, or the
 * first -errno of a file that could not be written or removed, or -ENOMEM
 * (then *ret_status is NULL). */
int lg_notice_refresh(const lg_notice_input *in, char **ret_status);
