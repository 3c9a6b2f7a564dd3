/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Safe moves of agent content: quarantine, rollback, restore. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "castore.h"
#include "copy.h"
#include "macro.h"
#include "safepath.h"

#define WALK_DEPTH_MAX 32
#define QFILES_MAX 100000

static const char *skip_slashes(const char *p) {
        while (*p == '/')
                p++;
        return p;
}

/* One path component that may be used as a file or folder name. */
static bool name_ok(const char *s, size_t len) {
        if (len == 0 || len > 255)
                return false;
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
                return false;
        return memchr(s, '/', len) == NULL;
}

/* An absolute path with no "." or ".." component. */
static bool abs_path_ok(const char *p) {
        if (!p || p[0] != '/')
                return false;
        for (const char *s = skip_slashes(p); *s;) {
                size_t len = strcspn(s, "/");

                if (!name_ok(s, len))
                        return false;
                s = skip_slashes(s + len);
        }
        return true;
}

static char *glob_free_folder(const char *pattern) {
        size_t g = strcspn(pattern, "*?[");
        const char *slash;

        /* Last '/' before the first glob character; for a plain path that is
         * the file's folder. */
        slash = pattern + g;
        while (slash > pattern && *slash != '/')
                slash--;
        if (slash == pattern)
                return strdup("/");
        return strndup(pattern, (size_t) (slash - pattern));
}

char *lg_content_anchor(const lg_agent *agent, const char *path) {
        if (!path || path[0] != '/')
                return NULL;
        for (char **p = agent ? agent->content : NULL; p && *p; p++) {
                if ((*p)[0] != '/' || fnmatch(*p, path, FNM_PATHNAME | FNM_PERIOD) != 0)
                        continue;
                return glob_free_folder(*p);
        }
        return glob_free_folder(path);
}

int lg_dir_open_anchor(const lg_root *root, const char *dir) {
        /* The whole path from the root, not only what lies below the
         * anchor: the folders above a content folder may belong to the
         * agent's user too (DESIGN.md, "Trust boundaries"). */
        return lg_safe_open(root, dir, O_RDONLY | O_DIRECTORY);
}

static int tmp_name(const char *base, char **ret) {
        /* Hidden, so content globs like rules.d/ * never pick it up; random,
         * so that the agent's user cannot make it exist first. */
        return lg_tmp_name(base, ret);
}

/* Owner first: chown clears set-id bits, so the mode comes after. Without
 * privileges (tests as a user) a foreign owner cannot be kept; that is not
 * worth losing the copy over. */
static int keep_owner(int fd, const char *name, const struct stat *st, int flags) {
        if (fchownat(fd, name, st->st_uid, st->st_gid, flags) < 0) {
                if (errno == EPERM && geteuid() != 0)
                        return 0;
                return negative_errno();
        }
        return 0;
}

int lg_copy_entry_tmp(int src_dirfd, const char *src_name, int dst_dirfd, const char *dst_name,
                      char **ret_tmp) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        struct stat st, st2;
        int r;

        if (fstatat(src_dirfd, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        r = tmp_name(dst_name, &tmp);
        if (r < 0)
                return r;

        if (S_ISLNK(st.st_mode)) {
                _cleanup_free_ char *target = NULL;
                struct timespec ts[2] = { st.st_atim, st.st_mtim };
                ssize_t n;

                if (st.st_size <= 0 || st.st_size > 65536)
                        return -EINVAL;
                target = malloc((size_t) st.st_size + 1);
                if (!target)
                        return -ENOMEM;
                n = readlinkat(src_dirfd, src_name, target, (size_t) st.st_size + 1);
                if (n < 0)
                        return negative_errno();
                if (n > st.st_size)
                        return -ESTALE; /* changed under us */
                target[n] = '\0';
                if (symlinkat(target, dst_dirfd, tmp) < 0)
                        return negative_errno();
                r = keep_owner(dst_dirfd, tmp, &st, AT_SYMLINK_NOFOLLOW);
                if (r >= 0 && utimensat(dst_dirfd, tmp, ts, AT_SYMLINK_NOFOLLOW) < 0)
                        r = negative_errno();
                if (r < 0) {
                        (void) unlinkat(dst_dirfd, tmp, 0);
                        return r;
                }
                *ret_tmp = TAKE_PTR(tmp);
                return 0;
        }

        if (!S_ISREG(st.st_mode))
                return -EOPNOTSUPP;

        /* O_NONBLOCK: should a FIFO have been swapped in, never hang on it. */
        in = openat(src_dirfd, src_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (in < 0)
                return negative_errno();
        if (fstat(in, &st2) < 0)
                return negative_errno();
        if (!S_ISREG(st2.st_mode) || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
                return -ESTALE;

        out = openat(dst_dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return negative_errno();

        /* Holes stay holes (lib/basic/copy.c); a file that changed size or time
         * meanwhile is not the one stat()ed: -ESTALE, source kept. */
        r = lg_copy_sparse(in, out, (uint64_t) st2.st_size, 0, NULL);
        if (r >= 0) {
                struct stat st3;

                if (fstat(in, &st3) < 0)
                        r = negative_errno();
                else if (st3.st_size != st2.st_size || st3.st_mtim.tv_sec != st2.st_mtim.tv_sec ||
                         st3.st_mtim.tv_nsec != st2.st_mtim.tv_nsec)
                        r = -ESTALE;
        }
        if (r >= 0)
                r = keep_owner(out, "", &st2, AT_EMPTY_PATH);
        if (r >= 0 && fchmod(out, st2.st_mode & 07777) < 0)
                r = negative_errno();
        if (r >= 0) {
                struct timespec ts[2] = { st2.st_atim, st2.st_mtim };

                if (futimens(out, ts) < 0)
                        r = negative_errno();
        }
        if (r >= 0 && fsync(out) < 0)
                r = negative_errno();
        if (r < 0) {
                /* Our own partial copy, not the user's data. */
                (void) unlinkat(dst_dirfd, tmp, 0);
                return r;
        }
        *ret_tmp = TAKE_PTR(tmp);
        return 0;
}

int lg_move_entry(int src_dirfd, const char *src_name, int dst_dirfd, const char *dst_name) {
        _cleanup_free_ char *tmp = NULL;
        struct stat st, now;
        int r;

        if (fstatat(src_dirfd, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
                return -EOPNOTSUPP;

        if (renameat2(src_dirfd, src_name, dst_dirfd, dst_name, RENAME_NOREPLACE) >= 0) {
                (void) fsync(dst_dirfd);
                (void) fsync(src_dirfd);
                return 0;
        }
        if (errno != EXDEV)
                return negative_errno();

        /* Another file system (a separate /var): copy, make the copy
         * durable and visible under its final name, only then unlink. */
        r = lg_copy_entry_tmp(src_dirfd, src_name, dst_dirfd, dst_name, &tmp);
        if (r < 0)
                return r;
        if (renameat2(dst_dirfd, tmp, dst_dirfd, dst_name, RENAME_NOREPLACE) < 0) {
                r = negative_errno();
                (void) unlinkat(dst_dirfd, tmp, 0);
                return r;
        }
        if (fsync(dst_dirfd) < 0)
                return negative_errno(); /* the copy stays; so does the source */

        if (fstatat(src_dirfd, src_name, &now, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
                return -ESTALE;
        if (unlinkat(src_dirfd, src_name, 0) < 0)
                return negative_errno();
        (void) fsync(src_dirfd);
        return 0;
}

void lg_withhold_result_done(lg_withhold_result *r) {
        if (!r)
                return;
        free(r->quarantined);
        *r = (lg_withhold_result) {};
}

/* Split "a/b/c" into folder "a/b" and name "c" (folder "" for "c"). */
static int split(const char *rel, char **ret_dir, const char **ret_base) {
        const char *slash = strrchr(rel, '/');

        *ret_dir = slash ? strndup(rel, (size_t) (slash - rel)) : strdup("");
        if (!*ret_dir)
                return -ENOMEM;
        *ret_base = slash ? slash + 1 : rel;
        return 0;
}

/* path relative to anchor, or NULL when path is not below anchor. */
static const char *below(const char *anchor, const char *path) {
        const char *a = skip_slashes(anchor), *p = skip_slashes(path);
        size_t len = strlen(a);

        while (len > 0 && a[len - 1] == '/')
                len--;
        if (len == 0)
                return p;
        if (strncmp(a, p, len) != 0 || p[len] != '/')
                return NULL;
        return skip_slashes(p + len);
}

static int open_store_dir(const lg_root *root, const char *dir, bool create) {
        int r;

        if (create) {
                r = lg_root_mkdir_p(root, dir, 0700);
                if (r < 0)
                        return r;
        }
        return lg_root_open(root, dir, O_RDONLY | O_DIRECTORY, 0);
}

/* Move (parent, base) to quarantine/<batch>/<agent>/<rel>, trying the next
 * batch name when that path was already used. */
static int quarantine_entry(const lg_root *root, int parent, const char *base, const char *agent,
                            const char *rel, uint32_t boot_seq, char **ret_path) {
        _cleanup_free_ char *rel_dir = NULL;
        _cleanup_close_ int qroot = -EBADF;
        const char *unused;
        int r;

        qroot = open_store_dir(root, LG_QUARANTINE_DIR, true);
        if (qroot < 0)
                return qroot;
        r = split(rel, &rel_dir, &unused);
        if (r < 0)
                return r;

        for (unsigned n = 0; n <= LG_QUARANTINE_BATCH_MAX; n++) {
                _cleanup_free_ char *batch = NULL, *sub = NULL;
                _cleanup_close_ int qdir = -EBADF;
                int k;

                k = n == 0 ? asprintf(&batch, "%" PRIu32, boot_seq)
                           : asprintf(&batch, "%" PRIu32 ".%u", boot_seq, n);
                if (k < 0 || asprintf(&sub, "%s/%s/%s", batch, agent, rel_dir) < 0)
                        return -ENOMEM;
                qdir = lg_safe_walk(qroot, sub, true, 0700);
                if (qdir < 0)
                        return qdir;
                r = lg_move_entry(parent, base, qdir, base);
                if (r == -EEXIST) {
                        /* Only the destination can exist with NOREPLACE;
                         * but make sure the source is still there. */
                        struct stat st;

                        if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return negative_errno();
                        continue;
                }
                if (r < 0)
                        return r;
                if (asprintf(ret_path, "%s/%s/%s/%s", LG_QUARANTINE_DIR, batch, agent, rel) < 0)
                        *ret_path = NULL; /* moved; only the name for the report is lost */
                return 0;
        }
        return -EEXIST;
}

/* Same bytes? Both regular files; bounded by their (equal) size. */
static int same_file_content(int adir, const char *a, int bdir, const char *b) {
        _cleanup_close_ int fa = -EBADF, fb = -EBADF;
        char ba[16384], bb[16384];
        struct stat sa, sb;

        fa = openat(adir, a, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        fb = openat(bdir, b, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fa < 0 || fb < 0)
                return 0;
        if (fstat(fa, &sa) < 0 || fstat(fb, &sb) < 0 || !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode) ||
            sa.st_size != sb.st_size || (uint64_t) sa.st_size > LG_CONTENT_FILE_MAX)
                return 0;
        for (;;) {
                ssize_t na = read(fa, ba, sizeof(ba)), nb;

                if (na < 0)
                        return negative_errno();
                if (na == 0)
                        return 1;
                for (ssize_t got = 0; got < na; got += nb) {
                        nb = read(fb, bb + got, (size_t) (na - got));
                        if (nb <= 0)
                                return nb < 0 ? negative_errno() : 0;
                }
                if (memcmp(ba, bb, (size_t) na) != 0)
                        return 0;
        }
}

/* The store's copy key, put next to base in parent under a temporary name
 * (*ret_tmp), with the store file's owner, mode and times, fsynced: its
 * bytes hashed as they are written, so that what is put back is exactly
 * what the key names (lg_castore_export()). Every byte hashed, compared or
 * copied counts against *budget (apparent size: a sparse file costs its
 * st_size to hash). Returns 0 (ret_tmp), 1 when base already is that copy
 * (check_same: it exists), -ENOENT (no such store file), -EBADMSG (damaged),
 * -EFBIG (over the budget), -errno. */
static int good_copy_tmp(const lg_root *root, const char *key, int parent, const char *base, bool check_same,
                         uint64_t *budget, char **ret_tmp) {
        _cleanup_close_ int storefd = -EBADF, out = -EBADF;
        _cleanup_free_ char *tmp = NULL;
        struct stat st, cur;
        int r;

        storefd = lg_castore_open(root, false);
        if (storefd < 0)
                return storefd == -ELOOP || storefd == -ENOTDIR ? -EBADMSG : storefd;
        r = lg_castore_stat(storefd, key, &st);
        if (r < 0)
                return r;
        if (check_same && fstatat(parent, base, &cur, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(cur.st_mode) &&
            cur.st_size == st.st_size && cur.st_mtim.tv_sec == st.st_mtim.tv_sec &&
            cur.st_mtim.tv_nsec == st.st_mtim.tv_nsec && (cur.st_mode & 07777) == (st.st_mode & 07777)) {
                /* Looks like the copy put back earlier: its key says. */
                _cleanup_close_ int fd =
                        openat(parent, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                char k[LG_CASTORE_KEY_LEN + 1];

                if ((uint64_t) cur.st_size > *budget)
                        return -EFBIG;
                *budget -= (uint64_t) cur.st_size;
                if (fd >= 0 && lg_castore_key_fd(fd, LG_CONTENT_FILE_MAX, k) >= 0 && streq(k, key))
                        return 1;
        }
        if ((uint64_t) st.st_size > *budget)
                return -EFBIG;
        *budget -= (uint64_t) st.st_size;

        r = tmp_name(base, &tmp);
        if (r < 0)
                return r;
        out = openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return negative_errno();
        r = lg_castore_export(storefd, key, LG_CONTENT_FILE_MAX, out, &st);
        if (r >= 0)
                r = keep_owner(out, "", &st, AT_EMPTY_PATH);
        if (r >= 0 && fchmod(out, st.st_mode & 07777) < 0)
                r = negative_errno();
        if (r >= 0) {
                struct timespec ts[2] = { st.st_atim, st.st_mtim };

                if (futimens(out, ts) < 0)
                        r = negative_errno();
        }
        if (r >= 0 && fsync(out) < 0)
                r = negative_errno();
        if (r < 0) {
                /* Our own partial copy, not the user's data. */
                (void) unlinkat(parent, tmp, 0);
                return r;
        }
        *ret_tmp = TAKE_PTR(tmp);
        return 0;
}

/* An older version's layout, content/AGENT/PATH (read until the next
 * proof): its copy next to base, as good_copy_tmp() does. */
static int legacy_copy_tmp(const lg_root *root, const char *agent, const char *rel_root, int parent,
                           const char *base, bool check_same, lg_withhold_result *res, char **ret_tmp) {
        _cleanup_close_ int gstore = -EBADF, gparent = -EBADF;
        _cleanup_free_ char *gdir = NULL, *sub = NULL;
        int r;

        r = split(rel_root, &gdir, &(const char *) { NULL });
        if (r < 0)
                return r;
        if (asprintf(&sub, "%s/%s", agent, gdir) < 0)
                return -ENOMEM;
        gstore = open_store_dir(root, LG_CONTENT_DIR, false);
        if (gstore == -ENOENT)
                return 0;
        if (gstore < 0)
                return gstore;
        gparent = lg_safe_walk(gstore, sub, false, 0);
        if (gparent == -ENOENT)
                return 0;
        if (gparent < 0)
                return gparent;
        if (check_same && same_file_content(parent, base, gparent, base) > 0) {
                res->same_as_good = true;
                return 0;
        }
        r = lg_copy_entry_tmp(gparent, base, parent, base, ret_tmp);
        return r == -ENOENT ? 0 : r;
}

int lg_apply_withhold(const lg_root *root, const char *agent, const char *anchor, const char *path,
                        uint32_t boot_seq, bool rollback, lg_withhold_result *ret) {
        uint64_t budget = LG_CONTENT_TOTAL_MAX;

        return lg_apply_withhold_budget(root, agent, anchor, path, boot_seq, rollback, &budget, ret);
}

int lg_apply_withhold_budget(const lg_root *root, const char *agent, const char *anchor, const char *path,
                             uint32_t boot_seq, bool rollback, uint64_t *budget, lg_withhold_result *ret) {
        _cleanup_free_ char *dir = NULL, *tmp = NULL;
        _cleanup_close_ int afd = -EBADF, parent = -EBADF;
        lg_withhold_result res = {};
        const char *rel_anchor, *rel_root, *base;
        struct stat st;
        int r;

        if (!agent || !name_ok(agent, strlen(agent)) || !abs_path_ok(path) || !anchor || anchor[0] != '/')
                return -EINVAL;
        rel_anchor = below(anchor, path);
        if (!rel_anchor || !*rel_anchor)
                return -EINVAL;
        rel_root = skip_slashes(path);

        afd = lg_dir_open_anchor(root, anchor);
        if (afd < 0)
                return afd;
        r = split(rel_anchor, &dir, &base);
        if (r < 0)
                return r;
        parent = lg_safe_walk(afd, dir, false, 0);
        if (parent < 0)
                return parent;

        if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return negative_errno();
                res.vanished = true;
        } else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
                return -EOPNOTSUPP;

        if (rollback) {
                char key[LG_CASTORE_KEY_LEN + 1];

                /* Prepare the good copy first: a full disk must stop us
                 * before anything was moved. The copy is in the store
                 * (castore.h), named by the current generation's index. */
                r = lg_lastgood_copy_key(root, agent, path, key);
                if (r >= 0) {
                        r = good_copy_tmp(root, key, parent, base, !res.vanished, budget, &tmp);
                        if (r == 1) {
                                /* Already the last good copy (put back
                                 * earlier in this boot, under a new inode):
                                 * leave it. */
                                res.same_as_good = true;
                                *ret = res;
                                return 0;
                        }
                        res.damaged_copy = r == -EBADMSG;
                        res.over_budget = r == -EFBIG;
                        if (r < 0 && r != -ENOENT && r != -EBADMSG && r != -EFBIG)
                                return r;
                } else if (r == -ENODATA) {
                        r = legacy_copy_tmp(root, agent, rel_root, parent, base, !res.vanished, &res, &tmp);
                        if (r < 0)
                                return r;
                        if (res.same_as_good) {
                                *ret = res;
                                return 0;
                        }
                } else if (r != -ENOENT && r != -EBADMSG)
                        return r;
                else
                        /* A damaged index is no last good copy: the new
                         * file is still quarantined. */
                        res.damaged_copy = r == -EBADMSG;
                if (!tmp)
                        res.no_good_copy = true;
        }

        if (!res.vanished) {
                r = quarantine_entry(root, parent, base, agent, rel_root, boot_seq, &res.quarantined);
                if (r == -ENOENT)
                        res.vanished = true;
                else if (r < 0) {
                        if (tmp)
                                (void) unlinkat(parent, tmp, 0);
                        return r;
                }
        }

        if (tmp) {
                if (renameat2(parent, tmp, parent, base, RENAME_NOREPLACE) < 0) {
                        /* Something appeared at the path meanwhile; leave it,
                         * the bad file is in quarantine already. */
                        r = negative_errno();
                        (void) unlinkat(parent, tmp, 0);
                        if (r != -EEXIST) {
                                lg_withhold_result_done(&res);
                                return r;
                        }
                } else {
                        (void) fsync(parent);
                        res.restored = true;
                }
        }

        *ret = res;
        return 0;
}

void lg_qfiles_free(lg_qfile *f, size_t n) {
        for (size_t i = 0; f && i < n; i++) {
                free(f[i].path);
                free(f[i].batch);
                free(f[i].agent);
                free(f[i].original);
        }
        free(f);
}

typedef struct qlist {
        lg_qfile *f;
        size_t n;
} qlist;

static int qlist_add(qlist *l, const char *rel, const struct stat *st) {
        /* rel = batch/agent/original-without-slash */
        const char *a = strchr(rel, '/'), *o = a ? strchr(a + 1, '/') : NULL;
        lg_qfile *t, *f;

        if (!a || !o || !o[1])
                return 0; /* not of our layout: not ours to report */
        if (l->n >= QFILES_MAX)
                return -E2BIG;
        t = realloc(l->f, sizeof(*t) * (l->n + 1));
        if (!t)
                return -ENOMEM;
        l->f = t;
        f = &l->f[l->n];
        *f = (lg_qfile) { .st = *st };
        f->batch = strndup(rel, (size_t) (a - rel));
        f->agent = strndup(a + 1, (size_t) (o - a - 1));
        if (asprintf(&f->original, "%s", o) < 0)
                f->original = NULL;
        if (asprintf(&f->path, "%s/%s", LG_QUARANTINE_DIR, rel) < 0)
                f->path = NULL;
        if (!f->batch || !f->agent || !f->original || !f->path) {
                free(f->batch);
                free(f->agent);
                free(f->original);
                free(f->path);
                return -ENOMEM;
        }
        l->n++;
        return 0;
}

static int qwalk(int dirfd, const char *rel, unsigned depth, qlist *l) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (depth > WALK_DEPTH_MAX)
                return 0;
        fd = openat(dirfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP || errno == ENOTDIR ? 0 : negative_errno();
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        fd = -EBADF;

        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (fstatat(dirfd, sub, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* vanished */
                if (S_ISDIR(st.st_mode))
                        r = qwalk(dirfd, sub, depth + 1, l);
                else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && strncmp(de->d_name, ".#lastgood.", 11) != 0)
                        r = qlist_add(l, sub, &st);
        }
        closedir(d);
        return r;
}

static int qfile_cmp(const void *a, const void *b) {
        return strcmp(((const lg_qfile *) a)->path, ((const lg_qfile *) b)->path);
}

int lg_qfiles_list(const lg_root *root, lg_qfile **ret, size_t *ret_n) {
        _cleanup_close_ int qroot = -EBADF;
        qlist l = {};
        int r;

        qroot = open_store_dir(root, LG_QUARANTINE_DIR, false);
        if (qroot == -ENOENT) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (qroot < 0)
                return qroot;
        /* The walk goes through relative paths from qroot, so a component
         * swapped for a symlink between readdir and fstatat is seen as a
         * symlink (lstat) and listed, never followed. */
        r = qwalk(qroot, "", 0, &l);
        if (r < 0) {
                lg_qfiles_free(l.f, l.n);
                return r;
        }
        if (l.n > 1)
                qsort(l.f, l.n, sizeof(*l.f), qfile_cmp);
        *ret = l.f;
        *ret_n = l.n;
        return 0;
}

int lg_apply_restore(const lg_root *root, const lg_qfile *f, const char *anchor) {
        _cleanup_free_ char *qrel = NULL, *qdir = NULL, *odir = NULL, *own_anchor = NULL;
        _cleanup_close_ int qroot = -EBADF, qparent = -EBADF, afd = -EBADF, oparent = -EBADF;
        const char *qbase, *obase, *rel_anchor;
        int r;

        if (!abs_path_ok(f->original) || !name_ok(f->agent, strlen(f->agent)) ||
            !name_ok(f->batch, strlen(f->batch)))
                return -EINVAL;
        if (!anchor) {
                own_anchor = glob_free_folder(f->original);
                if (!own_anchor)
                        return -ENOMEM;
                anchor = own_anchor;
        }
        rel_anchor = below(anchor, f->original);
        if (!rel_anchor || !*rel_anchor)
                return -EINVAL;

        qroot = open_store_dir(root, LG_QUARANTINE_DIR, false);
        if (qroot < 0)
                return qroot;
        if (asprintf(&qrel, "%s/%s%s", f->batch, f->agent, f->original) < 0)
                return -ENOMEM;
        r = split(qrel, &qdir, &qbase);
        if (r < 0)
                return r;
        qparent = lg_safe_walk(qroot, qdir, false, 0);
        if (qparent < 0)
                return qparent;

        afd = lg_dir_open_anchor(root, anchor);
        if (afd < 0)
                return afd;
        r = split(rel_anchor, &odir, &obase);
        if (r < 0)
                return r;
        oparent = lg_safe_walk(afd, odir, false, 0);
        if (oparent < 0)
                return oparent;

        r = lg_move_entry(qparent, qbase, oparent, obase);
        if (r < 0)
                return r;

        /* Tidy the folders the quarantine made; rmdir only takes empty ones. */
        for (char *s = strrchr(qdir, '/'); ; s = strrchr(qdir, '/')) {
                if (unlinkat(qroot, qdir, AT_REMOVEDIR) < 0)
                        break;
                if (!s)
                        break;
                *s = '\0';
        }
        return 0;
}
