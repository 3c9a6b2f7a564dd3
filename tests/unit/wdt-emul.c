/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Linked with -Wl,--wrap=ioctl -Wl,--wrap=openat into test-reset and into
 * test builds of lastgood-early and lastgood-watchdog. A plain file named
 * watchdog or watchdog<N> (the /dev/watchdog0 of a test root) behaves as a
 * watchdog driver does for the ioctls of Documentation/watchdog/
 * watchdog-api.rst: WDIOC_GETSUPPORT, WDIOC_SETTIMEOUT (the driver may
 * round: $LG_TEST_WDT_MAX caps it) and WDIOC_SETOPTIONS. Each call is
 * appended to FILE.log ("settimeout 900", "disable"); the magic 'V' is a
 * real write into FILE. Environment:
 *   LG_TEST_WDT_BUSY=1        opening the device fails with EBUSY
 *   LG_TEST_WDT_FIXED=1       the device has no WDIOF_SETTIMEOUT
 *   LG_TEST_PROC_SYS_RO=1     opening proc/sys/... for writing fails with
 *                             EROFS (a read-only /proc/sys)
 * Every other fd and path goes to the real ioctl()/openat(). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <linux/watchdog.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wdt-emul.h"

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __real_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...);

static bool env_on(const char *name) {
        const char *v = getenv(name);

        return v && strcmp(v, "1") == 0;
}

static bool is_watchdog_name(const char *path) {
        const char *base = strrchr(path, '/');

        base = base ? base + 1 : path;
        if (strncmp(base, "watchdog", 8) != 0)
                return false;
        return base[8] == '\0' || strspn(base + 8, "0123456789") == strlen(base + 8);
}

static bool fd_path(int fd, char *buf, size_t size) {
        char link[64];
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, buf, size - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        return true;
}

static void log_call(const char *dev, const char *what, int v) {
        char path[PATH_MAX + 8];
        FILE *f;

        snprintf(path, sizeof(path), "%s.log", dev);
        f = fopen(path, "ae");
        if (!f)
                return;
        if (v >= 0)
                fprintf(f, "%s %d\n", what, v);
        else
                fprintf(f, "%s\n", what);
        fclose(f);
}

int __wrap_ioctl(int fd, unsigned long req, ...) {
        char path[PATH_MAX];
        va_list ap;
        void *arg;

        va_start(ap, req);
        arg = va_arg(ap, void *);
        va_end(ap);

        if ((req != WDIOC_GETSUPPORT && req != WDIOC_SETTIMEOUT && req != WDIOC_SETOPTIONS) ||
            !fd_path(fd, path, sizeof(path)) || !is_watchdog_name(path) || strncmp(path, "/dev/", 5) == 0)
                return __real_ioctl(fd, req, arg);

        if (req == WDIOC_GETSUPPORT) {
                struct watchdog_info *info = arg;

                memset(info, 0, sizeof(*info));
                info->options = WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING;
                if (!env_on("LG_TEST_WDT_FIXED"))
                        info->options |= WDIOF_SETTIMEOUT;
                snprintf((char *) info->identity, sizeof(info->identity), "lastgood test");
                return 0;
        }
        if (req == WDIOC_SETTIMEOUT) {
                int *t = arg;
                const char *max = getenv("LG_TEST_WDT_MAX");

                if (env_on("LG_TEST_WDT_FIXED")) {
                        errno = EOPNOTSUPP;
                        return -1;
                }
                if (max && *t > atoi(max))
                        *t = atoi(max);
                log_call(path, "settimeout", *t);
                return 0;
        }
        if (*(int *) arg & WDIOS_DISABLECARD)
                log_call(path, "disable", -1);
        return 0;
}

int __wrap_openat(int dirfd, const char *path, int flags, ...) {
        mode_t mode = 0;

        if (flags & (O_CREAT | __O_TMPFILE)) {
                va_list ap;

                va_start(ap, flags);
                mode = (mode_t) va_arg(ap, int);
                va_end(ap);
        }
        if (path && path[0] != '/' && (flags & O_ACCMODE) != O_RDONLY) {
                if (env_on("LG_TEST_WDT_BUSY") && is_watchdog_name(path)) {
                        errno = EBUSY;
                        return -1;
                }
                if (env_on("LG_TEST_PROC_SYS_RO") && strstr(path, "proc/sys/") &&
                    (strncmp(path, "proc/sys/", 9) == 0 || strstr(path, "/proc/sys/"))) {
                        errno = EROFS;
                        return -1;
                }
        }
        return __real_openat(dirfd, path, flags, mode);
}
