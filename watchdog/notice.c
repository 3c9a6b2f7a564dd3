/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The login notice, the metrics file and the STATUS= line (notice.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "metrics.h"
#include "notice.h"
#include "proven.h"
#include "runstate.h"
#include "summary.h"

#define NOTICE_MAX (64 * 1024)

/* Write path unless it already holds exactly text (no churn of /run, no
 * inotify noise for pam_motd or the textfile collector). */
static int write_if_changed(const lg_root *root, const char *path, const char *text) {
        _cleanup_free_ char *old = NULL;
        size_t size = 0, len = strlen(text);

        if (lg_root_read_file(root, path, NOTICE_MAX, &old, &size) >= 0 && size == len &&
            memcmp(old, text, len) == 0)
                return 0;
        return lg_root_write_atomic(root, path, text, len, 0644);
}

static int remove_file(const lg_root *root, const char *path) {
        _cleanup_free_ char *p = lg_root_path(root, path);

        if (!p)
                return -ENOMEM;
        if (unlink(p) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int lg_notice_refresh(const lg_notice_input *in, char **ret_status) {
        _cleanup_free_ char *motd = NULL, *metrics = NULL, *line = NULL;
        lg_state state = {};
        lg_quarantine q = {};
        lg_runstate run = {};
        lg_summary s = {};
        int state_r = -ENOENT, run_r, r, ret = 0, fd;
        bool healthy;

        if (in->store) {
                state_r = lg_store_read_state(in->store, &state);
                if (state_r < 0)
                        state = (lg_state){};
                if (lg_store_read_quarantine(in->store, &q) < 0)
                        q = (lg_quarantine){};
        }
        run_r = lg_runstate_read(in->root, &run);
        fd = lg_root_open(in->root, LG_HEALTHY_MARKER, O_PATH, 0);
        healthy = fd >= 0;
        if (fd >= 0)
                close(fd);

        lg_summary_input si = {
                .state = &state,
                .state_r = state_r,
                .run = run_r >= 0 ? &run : NULL,
                .quarantine = &q,
                .threshold = in->threshold,
                .healthy_marker = healthy,
        };
        r = lg_summary_compute(&si, &s);
        if (r >= 0)
                r = lg_summary_line(&s, &line);
        if (r >= 0)
                r = lg_summary_motd(&s, run_r >= 0 ? &run : NULL, &motd);
        if (r >= 0 && in->metrics_file)
                r = lg_metrics_host(&s, &state, &metrics);
        if (r < 0) {
                ret = r;
                goto out;
        }

        r = motd ? write_if_changed(in->root, LG_MOTD_PATH, motd) : remove_file(in->root, LG_MOTD_PATH);
        if (r < 0 && ret == 0)
                ret = r;
        if (metrics) {
                r = write_if_changed(in->root, in->metrics_file, metrics);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        if (ret_status)
                *ret_status = TAKE_PTR(line);
out:
        lg_summary_done(&s);
        lg_quarantine_done(&q);
        if (run_r >= 0)
                lg_runstate_done(&run);
        return ret;
}
