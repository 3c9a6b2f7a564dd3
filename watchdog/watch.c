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

#include "copy.h"
#include "macro.h"
#include "safepath.h"
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
        lg_inventory now = {}, loaded = {};
        const lg_inventory *good = NULL;
        lg_inv_item one = {};
        const lg_inv_item *it = NULL, *g;
        _cleanup_free_ char *norm = NULL;
        uint64_t budget = LG_CONTENT_TOTAL_MAX;
        int r;

        if (kind == LG_ITEM_MODULE) {
                norm = lg_module_name_normalize(name);
                if (!norm)
                        return -ENOMEM;
                name = norm;
        }
        if (ctx->good_given)
                good = ctx->good;
        else if (lg_manifest_load(ctx->root, LG_MANIFEST_PATH, &loaded) == 0)
                good = &loaded;
        /* The last known good is the stat cache, as in the proven write:
         * unchanged files are not read again at every change. A content
         * change needs only that file judged (a stat, and its bytes when
         * they changed): the agent that just got it may crash the host
         * within a second, and the counter must be armed before that; and
         * a burst of N new files costs N such judgements, not N scans of
         * the whole content set (that was quadratic, DESIGN.md "Every
         * failure ends in a reset"). */
        if (kind == LG_ITEM_CONTENT) {
                r = lg_inventory_content_one(ctx->root, ctx->agents, good, name, ctx->budget ?: &budget, &one);
                if (r > 0)
                        it = &one;
        } else {
                r = lg_inventory_scan_cached(ctx->root, ctx->kernel, ctx->config, ctx->agents, good,
                                             LG_STAT_STRICT, &now, NULL);
                if (r >= 0)
                        it = lg_inventory_find(&now, kind, name);
        }
        if (r < 0) {
                lg_inventory_done(&loaded);
                return r;
        }

        g = good ? lg_inventory_find(good, kind, name) : NULL;
        *ret_fingerprint = it ? it->fingerprint : 0;
        *ret_agent = kind == LG_ITEM_CONTENT ? lg_watch_content_agent(ctx->agents, name) : NULL;

        if (!it) {
                /* Modules: not third-party. Content: gone; that is a change
                 * when the last known good had it (or there is none). */
                *ret = kind == LG_ITEM_CONTENT && *ret_agent && (g || !good) ? LG_WATCH_ARM : LG_WATCH_NONE;
        } else {
                const lg_qitem *q = ctx->quarantine ? lg_quarantine_find(ctx->quarantine, kind, name) : NULL;

                const lg_deny_entry *e = it->has_sha256 && ctx->deny
                                                 ? lg_deny_find(ctx->deny, kind, it->sha256)
                                                 : NULL;

                /* Denied first: the list is the administrator's word on
                 * these bytes, and a denied item is no change. */
                if (kind == LG_ITEM_CONTENT && e) {
                        *ret = LG_WATCH_DENY;
                        if (ctx->denial) {
                                lg_sha256_to_string(it->sha256, ctx->denial->sha256);
                                lg_deny_where(ctx->deny, e, ctx->denial->where, sizeof(ctx->denial->where));
                        }
                } else if (kind == LG_ITEM_CONTENT && q && q->fingerprint == it->fingerprint)
                        *ret = LG_WATCH_WITHHOLD;
                else if (g && g->fingerprint == it->fingerprint && streq_ptr(good->kernel, ctx->kernel))
                        *ret = LG_WATCH_NONE;
                else
                        *ret = LG_WATCH_ARM;
        }
        lg_inv_item_done(&one);
        lg_inventory_done(&now);
        lg_inventory_done(&loaded);
        return 0;
}

bool lg_watch_create_wait_close(const lg_root *root, const char *path) {
        _cleanup_close_ int dfd = -EBADF;
        const char *base;
        struct stat st;

        dfd = lg_safe_open_parent(root, path, &base);
        if (dfd < 0 || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return false;
        return S_ISREG(st.st_mode) && st.st_nlink == 1;
}

/* Copy in (a regular file, st its fstat()) to a new file name of dirfd,
 * sparse holes kept as holes, owner and times kept, fsynced. */
static int copy_out(int in, const struct stat *st, int dirfd, const char *name) {
        _cleanup_close_ int out = -EBADF;
        int r;

        out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
        if (out < 0)
                return negative_errno();
        r = lg_copy_sparse(in, out, (uint64_t) st->st_size, 0, NULL);
        if (r < 0)
                return r;
        if (fchown(out, st->st_uid, st->st_gid) < 0) {
                /* best effort, as before: the copy stays root's */
        }
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        (void) futimens(out, ts);
        if (fsync(out) < 0)
                return negative_errno();
        return 0;
}

int lg_content_withhold(const lg_root *root, const char *path, uint32_t boot_seq, char **ret_dest) {
        _cleanup_free_ char *dest = NULL, *qdir = NULL;
        _cleanup_close_ int in = -EBADF, parent = -EBADF, qfd = -EBADF;
        const char *base;
        struct stat st, now;
        bool moved = false;
        int r;

        if (path[0] != '/' || strstr(path, "/../"))
                return -EINVAL;
        /* The file's folder from / with no symlink on the way, and every
         * step after it relative to that fd: a content folder swapped for a
         * symlink by the agent's user can never make the watchdog move a
         * file from elsewhere (DESIGN.md, "Trust boundaries"). */
        parent = lg_safe_open_parent(root, path, &base);
        if (parent < 0)
                return parent;
        in = openat(parent, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (in < 0)
                return negative_errno();
        if (fstat(in, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;

        if (asprintf(&qdir, "%s/%" PRIu32 "%.*s", LG_QUARANTINE_DIR, boot_seq, (int) (base - path - 1),
                     path) < 0) {
                qdir = NULL;
                return -ENOMEM;
        }
        qfd = lg_safe_mkdir_open(root, qdir, 0700);
        if (qfd < 0)
                return qfd;

        for (unsigned n = 0; n < 100; n++) {
                _cleanup_free_ char *name = NULL;

                if ((n == 0 ? asprintf(&name, "%s", base) : asprintf(&name, "%s.%u", base, n)) < 0)
                        return -ENOMEM;
                if (renameat2(parent, base, qfd, name, RENAME_NOREPLACE) == 0) {
                        moved = true;
                        if (asprintf(&dest, "%s/%s", qdir, name) < 0)
                                dest = NULL;
                        break;
                }
                if (errno == EEXIST)
                        continue;
                if (errno != EXDEV)
                        return negative_errno();

                r = copy_out(in, &st, qfd, name);
                if (r == -EEXIST)
                        continue;
                if (r < 0) {
                        (void) unlinkat(qfd, name, 0);
                        return r;
                }
                /* Only once the copy is safely on disk, and only the file
                 * that was copied. */
                if (fstatat(parent, base, &now, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();
                if (now.st_ino != st.st_ino || now.st_dev != st.st_dev)
                        return -ESTALE;
                if (unlinkat(parent, base, 0) < 0)
                        return negative_errno();
                moved = true;
                if (asprintf(&dest, "%s/%s", qdir, name) < 0)
                        dest = NULL;
                break;
        }
        if (!moved)
                return -EEXIST;
        if (ret_dest)
                *ret_dest = TAKE_PTR(dest);
        return 0;
}
