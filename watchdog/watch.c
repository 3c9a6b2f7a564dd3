/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runtime change watch: judging module loads and content changes. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"
#include "watch.h"

const char *lg_watch_content_agent(const lg_agents *agents, const char *path) {
        for (size_t i = 0; agents && i < agents->n; i++)
                for (char **p = agents->agents[i].content; p && *p; p++)
                        if (fnmatch(*p, path, FNM_PATHNAME) == 0)
                                return agents->agents[i].name;
        return NULL;
}

char **lg_watch_content_dirs(const lg_agents *agents) {
        char **l = calloc(1, sizeof(char *));

        if (!l)
                return NULL;
        for (size_t i = 0; agents && i < agents->n; i++)
                for (char **p = agents->agents[i].content; p && *p; p++) {
                        _cleanup_free_ char *d = strdup(*p);
                        char *glob, *slash;

                        if (!d)
                                return lg_strv_free(l);
                        if (d[0] != '/')
                                continue;
                        glob = strpbrk(d, "*?[");
                        if (glob)
                                *glob = '\0';
                        slash = strrchr(d, '/');
                        if (slash == d)
                                slash[1] = '\0';
                        else
                                *slash = '\0';
                        if (lg_strv_contains(l, d))
                                continue;
                        if (lg_strv_push(&l, d) < 0)
                                return lg_strv_free(l);
                }
        return l;
}

int lg_watch_judge(const lg_watch_ctx *ctx, lg_item_kind kind, const char *name,
                   lg_watch_verdict *ret, uint64_t *ret_fingerprint, const char **ret_agent) {
        lg_inventory now = {}, good = {};
        const lg_inv_item *it, *g;
        _cleanup_free_ char *norm = NULL;
        bool have_good;
        int r;

        if (kind == LG_ITEM_MODULE) {
                norm = lg_module_name_normalize(name);
                if (!norm)
                        return -ENOMEM;
                name = norm;
        }
        have_good = lg_manifest_load(ctx->root, LG_MANIFEST_PATH, &good) == 0;
        /* The last known good is the stat cache, as in the proven write:
         * unchanged files are not read again at every change. A content
         * change needs only the content judged: the agent that just got it
         * may crash the host within a second, and the counter must be armed
         * before that. */
        r = kind == LG_ITEM_CONTENT
                    ? lg_inventory_scan_content(ctx->root, ctx->kernel, ctx->agents, have_good ? &good : NULL, &now)
                    : lg_inventory_scan_cached(ctx->root, ctx->kernel, ctx->config, ctx->agents,
                                               have_good ? &good : NULL, LG_STAT_STRICT, &now, NULL);
        if (r < 0) {
                lg_inventory_done(&good);
                return r;
        }

        it = lg_inventory_find(&now, kind, name);
        g = have_good ? lg_inventory_find(&good, kind, name) : NULL;
        *ret_fingerprint = it ? it->fingerprint : 0;
        *ret_agent = kind == LG_ITEM_CONTENT ? lg_watch_content_agent(ctx->agents, name) : NULL;

        if (!it) {
                /* Modules: not third-party. Content: gone; that is a change
                 * when the last known good had it (or there is none). */
                *ret = kind == LG_ITEM_CONTENT && *ret_agent && (g || !have_good) ? LG_WATCH_ARM : LG_WATCH_NONE;
        } else {
                const lg_qitem *q = ctx->quarantine ? lg_quarantine_find(ctx->quarantine, kind, name) : NULL;

                if (kind == LG_ITEM_CONTENT && q && q->fingerprint == it->fingerprint)
                        *ret = LG_WATCH_WITHHOLD;
                else if (g && g->fingerprint == it->fingerprint && streq_ptr(good.kernel, now.kernel))
                        *ret = LG_WATCH_NONE;
                else
                        *ret = LG_WATCH_ARM;
        }
        lg_inventory_done(&now);
        lg_inventory_done(&good);
        return 0;
}

static int mkdir_parents(const lg_root *root, const char *path) {
        _cleanup_free_ char *d = strdup(path);
        char *slash;

        if (!d)
                return -ENOMEM;
        slash = strrchr(d, '/');
        if (!slash || slash == d)
                return 0;
        *slash = '\0';
        return lg_root_mkdir_p(root, d, 0700);
}

int lg_content_withhold(const lg_root *root, const char *path, uint32_t boot_seq, char **ret_dest) {
        _cleanup_free_ char *dest = NULL;
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        struct stat st;
        int r;

        if (path[0] != '/' || strstr(path, "/../"))
                return -EINVAL;
        in = lg_root_open(root, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
        if (in < 0)
                return in;
        if (fstat(in, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;

        for (unsigned n = 0;; n++) {
                free(dest);
                if ((n == 0 ? asprintf(&dest, "%s/%" PRIu32 "%s", LG_QUARANTINE_DIR, boot_seq, path)
                            : asprintf(&dest, "%s/%" PRIu32 "%s.%u", LG_QUARANTINE_DIR, boot_seq, path, n)) < 0) {
                        dest = NULL;
                        return -ENOMEM;
                }
                r = mkdir_parents(root, dest);
                if (r < 0)
                        return r;
                /* Paths relative to the root fd for renameat2(). */
                if (renameat2(root->fd, path + 1, root->fd, dest + 1, RENAME_NOREPLACE) == 0)
                        break;
                if (errno == EEXIST)
                        continue;
                if (errno != EXDEV)
                        return negative_errno();

                out = lg_root_open(root, dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, st.st_mode & 07777);
                if (out == -EEXIST)
                        continue;
                if (out < 0)
                        return out;
                char buf[65536];
                for (;;) {
                        ssize_t k = read(in, buf, sizeof buf);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return negative_errno();
                        if (k == 0)
                                break;
                        for (ssize_t w = 0; w < k;) {
                                ssize_t x = write(out, buf + w, (size_t) (k - w));
                                if (x < 0 && errno == EINTR)
                                        continue;
                                if (x < 0)
                                        return negative_errno();
                                w += x;
                        }
                }
                (void) fchown(out, st.st_uid, st.st_gid);
                struct timespec ts[2] = { st.st_atim, st.st_mtim };
                (void) futimens(out, ts);
                if (fsync(out) < 0)
                        return negative_errno();
                /* Only once the copy is safely on disk. */
                if (unlinkat(root->fd, path + 1, 0) < 0)
                        return negative_errno();
                break;
        }
        if (ret_dest)
                *ret_dest = TAKE_PTR(dest);
        return 0;
}
