/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper for events-journal.sh: emits every event of DESIGN.md.
 *
 *   lg-emit-events export                 all events, Journal Export Format, on stdout
 *   lg-emit-events early ROOT             all events into ROOT's /dev/kmsg and spool
 *   lg-emit-events forward-export ROOT    forward ROOT's spool, as Journal Export
 *                                         Format on stdout; the count on stderr
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "events.h"
#include "macro.h"
#include "rootfs.h"

#define HOSTILE_ITEM "evil\n\nMESSAGE_ID=02a4660dc9834676abaff33688fb8024\nLASTGOOD_ITEM=forged"

static lg_event event_for(lg_msg m) {
        lg_event e = LG_EVENT_INIT(m);

        e.tries = 2;
        e.threshold = 2;
        e.level = m == LG_MSG_SAFE_MODE ? 1 : 0;
        e.mode = "auto";
        e.kernel = "6.1.0-18-amd64";
        e.boot_seq = 17;
        if (m == LG_MSG_WITHHELD || m == LG_MSG_RELEASED || m == LG_MSG_CULPRIT) {
                e.item = m == LG_MSG_CULPRIT ? HOSTILE_ITEM : "nvidia_drm";
                e.item_kind = "module";
                e.reason = m == LG_MSG_CULPRIT ? "crash-log" : "changed";
        }
        if (m == LG_MSG_CULPRIT) {
                e.evidence = "RIP: 0010:evil_init+0x1a/0x40 [evil]";
                e.verdict = "crash-log";
        }
        if (m == LG_MSG_DENIED || m == LG_MSG_WITHHELD || m == LG_MSG_CULPRIT)
                e.item_sha256 = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        if (m == LG_MSG_DENIED) {
                e.item = "/opt/agent/content/C-291.sys";
                e.item_kind = "content";
                e.reason = "denied";
                e.deny_list = "/etc/lastgood/deny.d/fleet.list:3";
        }
        return e;
}

/* systemd-journal-remote (v257, Debian 13) refuses entries without one. */
#define TEST_BOOT_ID "4c617374476f6f64b007b007b007b007"

/* The fields a sender got, in Journal Export Format. */
static int export_iov(const struct iovec *iov, size_t n, void *userdata) {
        FILE *f = userdata;
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        fprintf(f, "_BOOT_ID=%s\n", TEST_BOOT_ID);
        fprintf(f, "__REALTIME_TIMESTAMP=%" PRIu64 "\n",
                (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000);
        for (size_t i = 0; i < n; i++) {
                const char *s = iov[i].iov_base, *eq = memchr(s, '=', iov[i].iov_len);
                size_t klen = (size_t) (eq - s), vlen = iov[i].iov_len - klen - 1;
                bool binary = false;

                for (size_t j = 0; j < vlen; j++)
                        if ((unsigned char) eq[1 + j] < 0x20)
                                binary = true;
                if (!binary) {
                        fwrite(s, 1, iov[i].iov_len, f);
                        fputc('\n', f);
                        continue;
                }
                fwrite(s, 1, klen, f);
                fputc('\n', f);
                for (int b = 0; b < 8; b++)
                        fputc((int) (((uint64_t) vlen >> (8 * b)) & 0xff), f);
                fwrite(eq + 1, 1, vlen, f);
                fputc('\n', f);
        }
        fputc('\n', f);
        return ferror(f) ? -EIO : 0;
}

int main(int argc, char **argv) {
        _cleanup_root_ lg_root *root = NULL;
        int r;

        if (argc >= 2 && streq(argv[1], "export")) {
                for (int m = 0; m < _LG_MSG_MAX; m++) {
                        lg_event e = event_for((lg_msg) m);

                        lg_export_meta meta = { .boot_id = TEST_BOOT_ID };

                        r = lg_event_format_export(&e, &meta, stdout);
                        if (r < 0) {
                                fprintf(stderr, "export: %s\n", strerror(-r));
                                return 1;
                        }
                }
                return 0;
        }
        if (argc < 3) {
                fprintf(stderr, "usage: %s export | early ROOT | forward-export ROOT\n", argv[0]);
                return 2;
        }
        r = lg_root_new(argv[2], &root);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", argv[2], strerror(-r));
                return 1;
        }
        if (streq(argv[1], "early")) {
                for (int m = 0; m < _LG_MSG_MAX; m++) {
                        lg_event e = event_for((lg_msg) m);

                        r = lg_event_emit(root, LG_SINK_EARLY, &e);
                        if (r < 0) {
                                fprintf(stderr, "emit: %s\n", strerror(-r));
                                return 1;
                        }
                }
                return 0;
        }
        if (streq(argv[1], "forward-export")) {
                r = lg_events_forward_spool_with(root, export_iov, stdout);
                if (r < 0) {
                        fprintf(stderr, "forward: %s\n", strerror(-r));
                        return 1;
                }
                fprintf(stderr, "%d\n", r);
                return 0;
        }
        return 2;
}
