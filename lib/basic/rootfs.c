/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "macro.h"
#include "rootfs.h"
#include "safepath.h"

int lg_root_new(const char *prefix, lg_root **ret) {
        _cleanup_free_ lg_root *r = NULL;
        size_t len;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;

        if (!prefix || prefix[0] == '\0')
                prefix = "/";
        len = strlen(prefix);
        while (len > 1 && prefix[len - 1] == '/')
                len--;
        r->prefix = strndup(prefix, len);
        if (!r->prefix)
                return -ENOMEM;
        if (streq(r->prefix, "/"))
                r->prefix[0] = '\0';

        r->fd = open(prefix, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r->fd < 0) {
                int e = negative_errno();
                free(r->prefix);
                return e;
        }

        *ret = TAKE_PTR(r);
        return 0;
}

lg_root *lg_root_free(lg_root *r) {
        if (!r)
                return NULL;
        if (r->fd >= 0)
                close(r->fd);
        free(r->prefix);
        free(r);
        return NULL;
}

bool lg_root_is_host(const lg_root *r) {
        return r->prefix[0] == '\0';
}

char *lg_root_path(const lg_root *r, const char *path) {
        char *s;

        if (asprintf(&s, "%s%s%s", r->prefix, path[0] == '/' ? "" : "/", path) < 0)
                return NULL;
        return s;
}

static const char *relative(const char *path) {
        while (*path == '/')
                path++;
        return *path ? path : ".";
}

int lg_root_open(const lg_root *r, const char *path, int flags, mode_t mode) {
        int fd;

        fd = openat(r->fd, relative(path), flags | O_CLOEXEC, mode);
        if (fd < 0)
                return negative_errno();
        return fd;
}

int lg_read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;

        for (;;) {
                ssize_t n;

                if (size + 1 >= alloc) {
                        size_t want = alloc ? alloc * 2 : 4096;
                        char *t;

                        if (alloc > max_size + 1)
                                return -EFBIG;
                        if (want > max_size + 2)
                                want = max_size + 2;
                        t = realloc(buf, want);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                        alloc = want;
                }
                n = read(fd, buf + size, alloc - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return -EFBIG;
        }

        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int lg_root_read_file(const lg_root *r, const char *path, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        /* O_NONBLOCK: a FIFO in place of a file (a corrupt or hostile
         * root) must not block the boot in open() or read(); it has no
         * effect on regular files. */
        fd = lg_root_open(r, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
        if (fd < 0)
                return fd;
        return lg_read_full_fd(fd, max_size, ret, ret_size);
}

int lg_root_mkdir_p(const lg_root *r, const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(relative(path));

        if (!p)
                return -ENOMEM;
        for (char *s = p;; s++) {
                if (*s == '/' || *s == '\0') {
                        char c = *s;

                        *s = '\0';
                        if (mkdirat(r->fd, p, c == '\0' ? mode : 0755) < 0 && errno != EEXIST)
                                return negative_errno();
                        *s = c;
                        if (c == '\0')
                                break;
                }
        }
        return 0;
}

static int write_all(int fd, const void *data, size_t size) {
        const char *p = data;

        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -EIO;
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int lg_root_write_atomic(const lg_root *r, const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_free_ char *dir = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        const char *rel = relative(path), *slash;
        int k;

        slash = strrchr(rel, '/');
        dir = slash ? strndup(rel, (size_t) (slash - rel)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        if (slash) {
                k = lg_root_mkdir_p(r, dir, 0755);
                if (k < 0)
                        return k;
        }
        {
                /* Unpredictable (getrandom()): nobody can make it exist first. */
                _cleanup_free_ char *name = NULL;

                k = lg_tmp_name(slash ? slash + 1 : rel, &name);
                if (k < 0)
                        return k;
                if (asprintf(&tmp, "%s/%s", dir, name) < 0) {
                        tmp = NULL;
                        return -ENOMEM;
                }
        }

        fd = openat(r->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return negative_errno();
        k = write_all(fd, data, size);
        if (k >= 0 && fchmod(fd, mode) < 0)
                k = negative_errno();
        if (k >= 0 && fsync(fd) < 0)
                k = negative_errno();
        if (k >= 0 && renameat(r->fd, tmp, r->fd, rel) < 0)
                k = negative_errno();
        if (k < 0) {
                (void) unlinkat(r->fd, tmp, 0);
                return k;
        }

        dfd = openat(r->fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void) fsync(dfd); /* best effort: the rename is done */
        return 0;
}

int lg_kernel_release(const char *override, char **ret) {
        struct utsname u;
        char *s;

        if (override && override[0]) {
                s = strdup(override);
        } else {
                if (uname(&u) < 0)
                        return negative_errno();
                s = strdup(u.release);
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

char *lg_module_name_normalize(const char *name) {
        char *s = strdup(name);

        if (!s)
                return NULL;
        for (char *p = s; *p; p++)
                if (*p == '-')
                        *p = '_';
        return s;
}
