/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/basic/log.c: every target, with and without a working /dev/kmsg and
 * journal backend, the errno helpers and the escaping of untrusted names.
 * stderr and the kmsg fd are plain temporary files read back. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "macro.h"

enum { KMSG_NONE, KMSG_OK, KMSG_BROKEN };
enum { JOURNAL_NONE, JOURNAL_OK, JOURNAL_DOWN };

typedef struct row {
        const char *name;
        unsigned targets;
        int kmsg;
        int journal;
        const char *want_kmsg;    /* "" = nothing */
        const char *want_journal; /* "" = nothing */
        const char *want_stderr;  /* "" = nothing */
} row;

static const row rows[] = {
        { "cli", LG_LOG_STDERR, KMSG_NONE, JOURNAL_NONE, "", "", "id: hello 7\n" },
        { "cli ignores kmsg and journal", LG_LOG_STDERR, KMSG_OK, JOURNAL_OK, "", "", "id: hello 7\n" },
        { "early: kmsg", LG_LOG_KMSG, KMSG_OK, JOURNAL_NONE, "<4>id: hello 7\n", "", "" },
        { "early: no kmsg", LG_LOG_KMSG, KMSG_NONE, JOURNAL_NONE, "", "", "id: hello 7\n" },
        { "early: kmsg write fails", LG_LOG_KMSG, KMSG_BROKEN, JOURNAL_NONE, "", "", "id: hello 7\n" },
        { "service, stderr is the journal", LG_LOG_JOURNAL, KMSG_NONE, JOURNAL_NONE, "", "",
          "<4>id: hello 7\n" },
        { "service, native journal", LG_LOG_JOURNAL, KMSG_OK, JOURNAL_OK, "", "4 id hello 7", "" },
        { "service, journal down", LG_LOG_JOURNAL, KMSG_NONE, JOURNAL_DOWN, "", "", "<4>id: hello 7\n" },
        { "kmsg first, then the journal", LG_LOG_KMSG | LG_LOG_JOURNAL, KMSG_BROKEN, JOURNAL_OK, "",
          "4 id hello 7", "" },
};

static char journal_got[256];
static bool journal_up;

static int fake_journal(int prio, const char *ident, const char *message) {
        if (!journal_up)
                return -ENOTCONN;
        snprintf(journal_got, sizeof(journal_got), "%d %s %s", prio, ident, message);
        return 0;
}

static int saved_stderr = -1;

/* Point stderr at a fresh temporary file; returns its fd for reading. */
static int capture_stderr(void) {
        char path[] = "/tmp/lg-test-log-XXXXXX";
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        unlink(path);
        fflush(stderr);
        if (saved_stderr < 0)
                saved_stderr = dup(STDERR_FILENO);
        assert_true(dup2(fd, STDERR_FILENO) >= 0);
        return fd;
}

static void release_stderr(void) {
        fflush(stderr);
        assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
}

static char *slurp(int fd) {
        static char buf[4096];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        assert_true(n >= 0);
        buf[n] = '\0';
        return buf;
}

static int temp_fd(int flags) {
        char path[] = "/tmp/lg-test-log-XXXXXX";
        int fd = mkstemp(path), r;

        assert_true(fd >= 0);
        r = open(path, flags);
        assert_true(r >= 0);
        unlink(path);
        close(fd);
        return r;
}

static void test_targets(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const row *t = &rows[i];
                _cleanup_close_ int err = -EBADF, kmsg_read = -EBADF;
                int kmsg = -EBADF;

                print_message("%s\n", t->name);
                journal_got[0] = '\0';
                journal_up = t->journal == JOURNAL_OK;
                lg_log_set_journal(t->journal == JOURNAL_NONE ? NULL : fake_journal);
                if (t->kmsg != KMSG_NONE) {
                        /* A broken kmsg: an fd open for reading only. */
                        kmsg = temp_fd(t->kmsg == KMSG_OK ? O_RDWR : O_RDONLY);
                        kmsg_read = dup(kmsg);
                }
                lg_log_open(t->targets, "id");
                lg_log_set_kmsg_fd(kmsg);
                err = capture_stderr();
                log_warning("hello %d", 7);
                release_stderr();
                assert_string_equal(slurp(err), t->want_stderr);
                assert_string_equal(kmsg_read >= 0 ? slurp(kmsg_read) : "", t->want_kmsg);
                assert_string_equal(journal_got, t->want_journal);
                lg_log_close();
        }
        lg_log_set_journal(NULL);
}

static void test_errno(void **state) {
        _cleanup_close_ int err = -EBADF;

        lg_log_open(LG_LOG_STDERR, "id");
        err = capture_stderr();
        errno = EEXIST;
        assert_int_equal(log_error_errno(-ENOSPC, "write %s: %m", "x"), -ENOSPC);
        assert_int_equal(errno, EEXIST); /* left as it was */
        assert_int_equal(log_warning_errno(EIO, "positive %d", 1), -EIO);
        assert_int_equal(lg_log_errno(LOG_ERR, 0, "no error"), 0);
        release_stderr();
        assert_string_equal(slurp(err), "id: write x: No space left on device\n"
                                        "id: positive 1\n"
                                        "id: no error\n");
}

static void test_untrusted(void **state) {
        _cleanup_close_ int err = -EBADF, kmsg = temp_fd(O_RDWR | O_APPEND), kmsg_read = dup(kmsg);
        char big[4000];

        /* A name holding "\n<0>..." must not forge a line of ours. */
        lg_log_open(LG_LOG_KMSG, "lastgood");
        lg_log_set_kmsg_fd(TAKE_FD(kmsg));
        err = capture_stderr();
        log_error("Masked %s.", "evil\n<0>lastgood: forged");
        release_stderr();
        assert_string_equal(slurp(kmsg_read), "<3>lastgood: Masked evil\\x0a<0>lastgood: forged.\n");
        assert_string_equal(slurp(err), "");

        /* A long line is cut to one kmsg record, still one line. */
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(ftruncate(kmsg_read, 0), 0);
        log_info("%s", big);
        {
                const char *s = slurp(kmsg_read);

                assert_int_equal(strlen(s), 1023);
                assert_memory_equal(s, "<6>lastgood: aaa", 16);
                assert_int_equal(s[1022], '\n');
                assert_null(memchr(s, '\n', 1022));
        }
        lg_log_close();
        assert_int_equal(lg_log_kmsg_fd(), -EBADF);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_targets),
                cmocka_unit_test(test_errno),
                cmocka_unit_test(test_untrusted),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
