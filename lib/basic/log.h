/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "macro.h"

/* One logging helper for every program, its targets chosen once at start:
 *
 * LG_LOG_KMSG     "<N>IDENT: message" to /dev/kmsg (the initramfs and the
 *                 generator, where no journal runs). The program opens the
 *                 device under its root and hands the fd over with
 *                 lg_log_set_kmsg_fd(); without it, or when a write fails,
 *                 the line goes to stderr as "IDENT: message".
 * LG_LOG_JOURNAL  the journal of a service: natively when a backend is
 *                 installed (lg_journal_install(), lib/journal/journal.c, which
 *                 alone links libsystemd) and stderr is the service's
 *                 journal stream; otherwise "<N>IDENT: message" on stderr,
 *                 which the journal reads with its priority (sd-daemon(3)).
 * LG_LOG_STDERR   "IDENT: message" on stderr (the command line tool).
 *
 * Messages are escaped to one line (LG_ESCAPE_LINE): names in them are
 * untrusted, and a file name holding "\n<0>..." must not forge a line.
 * Library code does not log; programs do, once, where they decide. */
enum {
        LG_LOG_STDERR = 1 << 0,
        LG_LOG_KMSG = 1 << 1,
        LG_LOG_JOURNAL = 1 << 2,
};

/* Choose the targets and the identifier (not copied: a string literal or
 * program_invocation_short_name). Before any call, LG_LOG_STDERR with the
 * identifier "lastgood". */
void lg_log_open(unsigned targets, const char *ident);
/* Hand over the fd of /dev/kmsg (closed by the next call or lg_log_close());
 * a negative fd means none. */
void lg_log_set_kmsg_fd(int fd);
/* The kmsg fd handed over, or -EBADF (for async-signal-safe writers). */
int lg_log_kmsg_fd(void);
void lg_log_close(void);

/* A native journal backend: returns >= 0 when the message was taken, -errno
 * to fall back to stderr. Installed by lg_journal_install(). */
typedef int (*lg_log_journal_fn)(int prio, const char *ident, const char *message);
void lg_log_set_journal(lg_log_journal_fn fn);

/* Log at prio (LOG_ERR...). With error != 0, errno is set to |error| while
 * formatting, so "%m" names it. Return -|error| (0 when error is 0), so
 * that "return log_error_errno(r, ...)" logs and passes r up. */
int lg_logv(int prio, int error, const char *fmt, va_list ap) _printf_(3, 0);
int lg_log_errno(int prio, int error, const char *fmt, ...) _printf_(3, 4);
#define lg_log(prio, ...) ((void) lg_log_errno((prio), 0, __VA_ARGS__))

#define log_debug(...) lg_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) lg_log(LOG_INFO, __VA_ARGS__)
#define log_notice(...) lg_log(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) lg_log(LOG_WARNING, __VA_ARGS__)
#define log_error(...) lg_log(LOG_ERR, __VA_ARGS__)
#define log_warning_errno(error, ...) lg_log_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) lg_log_errno(LOG_ERR, (error), __VA_ARGS__)
