/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The logging helper of lib/basic/log.h. No libsystemd here: the native journal
 * backend is a function pointer that main-system programs install
 * (lib/journal/journal.c), so that lastgood-early does not map libsystemd. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"
#include "macro.h"

static unsigned log_targets = LG_LOG_STDERR;
static const char *log_ident = "lastgood";
static int log_kmsg_fd = -EBADF;
static lg_log_journal_fn log_journal;

void lg_log_open(unsigned targets, const char *ident) {
        log_targets = targets;
        log_ident = ident ?: "lastgood";
}

void lg_log_set_kmsg_fd(int fd) {
        if (log_kmsg_fd >= 0 && log_kmsg_fd != fd)
                close(log_kmsg_fd);
        log_kmsg_fd = fd >= 0 ? fd : -EBADF;
}

int lg_log_kmsg_fd(void) {
        return log_kmsg_fd;
}

void lg_log_close(void) {
        lg_log_set_kmsg_fd(-EBADF);
}

void lg_log_set_journal(lg_log_journal_fn fn) {
        log_journal = fn;
}

/* One write of the whole line: lines of concurrent writers never mix, and
 * /dev/kmsg takes one record per write(). */
static int write_line(int fd, const char *buf, size_t n) {
        ssize_t k;

        do
                k = write(fd, buf, n);
        while (k < 0 && errno == EINTR);
        return k < 0 ? -errno : 0;
}

static void emit(int prio, const char *message) {
        /* Bounded as a kmsg record is (the kernel cuts at 1 KiB anyway). */
        char buf[1024];
        int n;

        if ((log_targets & LG_LOG_KMSG) && log_kmsg_fd >= 0) {
                n = snprintf(buf, sizeof(buf) - 1, "<%d>%s: %s", prio, log_ident, message);
                n = MIN(n, (int) sizeof(buf) - 2);
                buf[n++] = '\n';
                if (write_line(log_kmsg_fd, buf, (size_t) n) >= 0)
                        return;
        }
        if ((log_targets & LG_LOG_JOURNAL) && log_journal && log_journal(prio, log_ident, message) >= 0)
                return;
        /* A service's stderr is the journal: "<N>" gives the priority.
         * Everywhere else (the CLI, kmsg missing): a plain line. */
        if ((log_targets & LG_LOG_JOURNAL) && !(log_targets & LG_LOG_STDERR))
                fprintf(stderr, "<%d>%s: %s\n", prio, log_ident, message);
        else
                fprintf(stderr, "%s: %s\n", log_ident, message);
}

int lg_logv(int prio, int error, const char *fmt, va_list ap) {
        _cleanup_free_ char *m = NULL, *e = NULL;
        int saved = errno, r;

        error = error < 0 ? -error : error;
        if (error != 0)
                errno = error;
        r = vasprintf(&m, fmt, ap);
        e = r >= 0 ? lg_escape_string(LG_ESCAPE_LINE, m) : NULL;
        emit(prio & LOG_PRIMASK, e ?: "(out of memory)");
        errno = saved;
        return -error;
}

int lg_log_errno(int prio, int error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = lg_logv(prio, error, fmt, ap);
        va_end(ap);
        return r;
}
