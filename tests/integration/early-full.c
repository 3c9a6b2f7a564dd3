/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A full /run for early-bad-state.sh: linked into a second build of
 * lastgood-early (tests/integration/lastgood-early-full) with
 * -Wl,--wrap=write, so that every write() of lastgood's own code to a file
 * under $LG_TEST_FULL_DIR behaves as on a full tmpfs: creating files and
 * folders still works (tmpfs needs no data page for them), data does not.
 * $LG_TEST_FULL_BYTES (default 0) bytes are accepted in all before that,
 * the write that crosses the limit is short, as the kernel makes it, and
 * the next one fails with ENOSPC. Everything else passes through to the
 * real write(); nothing of the program under test is replaced. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t __real_write(int fd, const void *buf, size_t count);
ssize_t __wrap_write(int fd, const void *buf, size_t count);

static unsigned long long used;

static int under_full_dir(int fd) {
        const char *dir = getenv("LG_TEST_FULL_DIR");
        char link[64], path[PATH_MAX];
        size_t len;
        ssize_t n;

        if (!dir || !dir[0])
                return 0;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n < 0)
                return 0;
        path[n] = '\0';
        len = strlen(dir);
        while (len > 1 && dir[len - 1] == '/')
                len--;
        return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

ssize_t __wrap_write(int fd, const void *buf, size_t count) {
        const char *limit_s = getenv("LG_TEST_FULL_BYTES");
        unsigned long long limit = limit_s ? strtoull(limit_s, NULL, 10) : 0;
        ssize_t n;

        if (count == 0 || !under_full_dir(fd))
                return __real_write(fd, buf, count);
        if (used >= limit) {
                errno = ENOSPC;
                return -1;
        }
        if (count > limit - used)
                count = (size_t) (limit - used);
        n = __real_write(fd, buf, count);
        if (n > 0)
                used += (unsigned long long) n;
        return n;
}
