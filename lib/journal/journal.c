/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/journal/journal.h: the journal sinks of the main system. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* CODE_FILE= etc. would always name this file: useless in every entry. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "events.h"
#include "journal.h"
#include "log.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

int lg_journal_sendv(const struct iovec *iov, size_t n, void *userdata) {
        (void) userdata;
        /* sd_journal_sendv() succeeds silently when journald does not run;
         * an event must then stay where it is (or go to stderr). */
        if (access(JOURNAL_SOCKET, F_OK) < 0)
                return -errno;
        return sd_journal_sendv(iov, (int) n);
}

/* Is stderr the journal stream the service manager connected? Then log
 * natively (fields, no "<N>" parsing); otherwise (a test, a terminal, a
 * pipe) stderr it is. */
static int stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return 0;
        if (fstat(STDERR_FILENO, &st) < 0)
                return 0;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

static int log_journal(int prio, const char *ident, const char *message) {
        char *m = NULL, *p = NULL, *i = NULL;
        int r = -ENOMEM;

        if (asprintf(&m, "MESSAGE=%s", message) >= 0 && asprintf(&p, "PRIORITY=%d", prio) >= 0 &&
            asprintf(&i, "SYSLOG_IDENTIFIER=%s", ident) >= 0) {
                const struct iovec iov[] = {
                        { .iov_base = m, .iov_len = strlen(m) },
                        { .iov_base = p, .iov_len = strlen(p) },
                        { .iov_base = i, .iov_len = strlen(i) },
                };

                r = lg_journal_sendv(iov, 3, NULL);
        }
        free(m);
        free(p);
        free(i);
        return r;
}

void lg_journal_install(void) {
        lg_event_set_journal_sender(lg_journal_sendv);
        if (stderr_is_journal())
                lg_log_set_journal(log_journal);
}
