/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Safe path resolution from the root: no symlink followed in any component
 * (the idea of systemd's chase() with CHASE_NO_SYMLINKS|CHASE_PROHIBIT_SYMLINKS,
 * done by the kernel through openat2() where it can). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "safepath.h"

static const char *skip_slashes(const char *p) {
        while (*p == '/')
                p++;
        return p;
}

static bool component_ok(const char *s, size_t len) {
        if (len == 0 || len > 255)
                return false;
        return !((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'));
}

/* Each component of a relative path is a usable name. */
static bool rel_ok(const char *rel) {
        for (const char *s = skip_slashes(rel); *s;) {
                size_t len = strcspn(s, "/");

                if (!component_ok(s, len))
                        return false;
                s = skip_slashes(s + len);
        }
        return true;
}

/* O_NOFOLLOW|O_DIRECTORY on a symlink says ENOTDIR (or ELOOP): say what it is. */
static int why_not(int dirfd, const char *name, int err) {
        struct stat st;

        if ((err == ENOTDIR || err == ELOOP) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                return S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
        return -err;
}

int lg_safe_walk(int dirfd, const char *rel, bool create, mode_t mode) {
        _cleanup_close_ int cur = -EBADF;
        unsigned depth = 0;

        cur = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return negative_errno();

        for (const char *s = skip_slashes(rel); *s;) {
                size_t len = strcspn(s, "/");
                char name[256];
                int fd;

                if (!component_ok(s, len))
                        return -EINVAL;
                if (++depth > LG_SAFE_DEPTH_MAX)
                        return -ELOOP;
                memcpy(name, s, len);
                name[len] = '\0';

                fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && create) {
                        if (mkdirat(cur, name, mode) < 0 && errno != EEXIST)
                                return negative_errno();
                        fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0)
                        return why_not(cur, name, errno);
                closep(&cur);
                cur = fd;
                s = skip_slashes(s + len);
        }
        return TAKE_FD(cur);
}

int lg_safe_open(const lg_root *root, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_NOFOLLOW | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const char *rel, *base;
        long fd;
        int e;

        if (!path || path[0] != '/' || (flags & (O_CREAT | O_PATH)))
                return -EINVAL;
        rel = skip_slashes(path);
        if (!rel_ok(rel))
                return -EINVAL;
        if (*rel == '\0') {
                fd = openat(root->fd, ".", flags | O_CLOEXEC);
                return fd < 0 ? negative_errno() : (int) fd;
        }

        fd = syscall(SYS_openat2, root->fd, rel, &how, sizeof(how));
        if (fd >= 0)
                return (int) fd;
        e = errno;
        if (e != ENOSYS && e != EPERM && e != E2BIG && e != ENOTDIR)
                return -e; /* ELOOP: a symlink on the way; EXDEV: out of the root */

        /* No openat2 (Linux < 5.6, or a seccomp filter): the same, one
         * component at a time. Also for ENOTDIR, which O_DIRECTORY on a
         * symlink gives too: the walk tells the two apart. */
        base = strrchr(rel, '/');
        dir = base ? strndup(rel, (size_t) (base - rel)) : strdup("");
        if (!dir)
                return -ENOMEM;
        base = base ? base + 1 : rel;
        dfd = lg_safe_walk(root->fd, dir, false, 0);
        if (dfd < 0)
                return dfd;
        if (*base == '\0') /* "dir/": the folder itself */
                fd = openat(dfd, ".", flags | O_CLOEXEC);
        else
                fd = openat(dfd, base, flags | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return why_not(dfd, base, errno);
        return (int) fd;
}

int lg_safe_open_parent(const lg_root *root, const char *path, const char **ret_base) {
        _cleanup_free_ char *dir = NULL;
        const char *slash;
        size_t len;

        if (!path || path[0] != '/')
                return -EINVAL;
        len = strlen(path);
        slash = strrchr(path, '/');
        if (!component_ok(slash + 1, (size_t) (path + len - slash - 1)))
                return -EINVAL; /* "/", a trailing '/', "." or ".." */
        /* The folder without its trailing '/' ("/" stays "/"): the
         * component walk of lg_safe_open() takes the last component as the
         * thing to open. */
        dir = strndup(path, slash == path ? 1 : (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        *ret_base = slash + 1;
        return lg_safe_open(root, dir, O_RDONLY | O_DIRECTORY);
}

int lg_safe_mkdir_open(const lg_root *root, const char *path, mode_t mode) {
        _cleanup_close_ int top = -EBADF;

        if (!path || path[0] != '/')
                return -EINVAL;
        top = openat(root->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (top < 0)
                return negative_errno();
        return lg_safe_walk(top, path, true, mode);
}

typedef struct glob_ctx {
        lg_safe_glob_fn fn;
        void *userdata;
        size_t max, n;
        bool truncated;
} glob_ctx;

static bool has_magic(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
                        return true;
        return false;
}

static int glob_report(glob_ctx *g, int dirfd, const char *name, const char *path) {
        struct stat st;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0; /* gone meanwhile, or unreadable: no match */
        if (g->max && g->n >= g->max) {
                g->truncated = true;
                return 0;
        }
        g->n++;
        return g->fn(dirfd, name, path, &st, g->userdata);
}

static int glob_step(glob_ctx *g, int dirfd, const char *prefix, const char *rest, unsigned depth);

/* Go on below the entry name of dirfd (a folder, never through a symlink). */
static int glob_descend(glob_ctx *g, int dirfd, const char *name, const char *path, const char *rest,
                        unsigned depth) {
        _cleanup_close_ int fd = -EBADF;

        if (*rest == '\0')
                return glob_report(g, dirfd, name, path);
        if (depth >= LG_SAFE_DEPTH_MAX)
                return 0;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOMEM ? -ENOMEM : 0; /* a symlink, no folder, gone: no match */
        return glob_step(g, fd, path, rest, depth + 1);
}

static int glob_step(glob_ctx *g, int dirfd, const char *prefix, const char *rest, unsigned depth) {
        _cleanup_free_ char *comp = NULL;
        size_t len;
        const char *next;
        DIR *d;
        struct dirent *de;
        int dfd, r = 0;

        rest = skip_slashes(rest);
        len = strcspn(rest, "/");
        next = skip_slashes(rest + len);
        comp = strndup(rest, len);
        if (!comp)
                return -ENOMEM;

        if (!has_magic(comp, len)) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", prefix, comp) < 0)
                        return -ENOMEM;
                return glob_descend(g, dirfd, comp, path, next, depth);
        }

        dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return 0;
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return errno == ENOMEM ? -ENOMEM : 0;
        }
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fnmatch(comp, de->d_name, FNM_PERIOD) != 0)
                        continue;
                if (asprintf(&path, "%s/%s", prefix, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = glob_descend(g, dirfd, de->d_name, path, next, depth);
        }
        closedir(d);
        return r;
}

int lg_safe_glob(const lg_root *root, const char *pattern, size_t max_matches, lg_safe_glob_fn fn,
                 void *userdata, bool *ret_truncated) {
        glob_ctx g = { .fn = fn, .userdata = userdata, .max = max_matches };
        _cleanup_close_ int top = -EBADF;
        int r;

        if (ret_truncated)
                *ret_truncated = false;
        if (!pattern || pattern[0] != '/' || !rel_ok(pattern) || *skip_slashes(pattern) == '\0')
                return -EINVAL;
        top = openat(root->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (top < 0)
                return negative_errno();
        r = glob_step(&g, top, "", pattern, 0);
        if (ret_truncated)
                *ret_truncated = g.truncated;
        return r;
}

int lg_tmp_name(const char *base, char **ret) {
        uint64_t v = 0;
        ssize_t n;

        /* GRND_NONBLOCK: early in boot the pool may not be ready, and a
         * temporary name must never wait for it; GRND_INSECURE (Linux 5.6)
         * is still unpredictable enough for a name created with O_EXCL. */
        n = getrandom(&v, sizeof(v), GRND_NONBLOCK);
#ifdef GRND_INSECURE
        if (n != (ssize_t) sizeof(v))
                n = getrandom(&v, sizeof(v), GRND_INSECURE);
#endif
        if (n != (ssize_t) sizeof(v)) {
                struct timespec ts = {};

                (void) clock_gettime(CLOCK_MONOTONIC, &ts);
                v ^= ((uint64_t) ts.tv_nsec << 32) ^ (uint64_t) ts.tv_sec ^ (uint64_t) getpid() ^
                     (uint64_t) (uintptr_t) &v;
        }
        if (asprintf(ret, ".#lastgood.%.200s.%016" PRIx64, base, v) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}
