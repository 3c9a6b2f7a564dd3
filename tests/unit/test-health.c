/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The health checks runner and the kernel taint (watchdog/health.c) against
 * temporary roots: real executables in ROOT/etc/lastgood/health.d/ that
 * pass, fail, die by a signal, hang, flood their output, leave children
 * behind or cannot be started; what is no check (files without an x bit,
 * folders, dangling links, FIFOs, hidden and backup files); an empty and a
 * missing health.d; and ROOT/proc/sys/kernel/tainted with its D, W and L
 * bits. Checks are shell scripts run by /bin/sh, as an administrator's
 * would be. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "health.h"
#include "macro.h"
#include "rootfs.h"

#define SEC 1000000ULL

typedef struct fixture {
        char *dir; /* the temporary root */
        lg_root *root;
} fixture;

#define F ((fixture *) *state)

static char *path_in(const fixture *f, const char *rel) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", f->dir, rel) >= 0);
        return p;
}

static void put_file(const fixture *f, const char *rel, const char *text, mode_t mode) {
        _cleanup_free_ char *p = path_in(f, rel);
        FILE *o = fopen(p, "we");

        assert_non_null(o);
        assert_int_equal(fputs(text, o) >= 0, 1);
        assert_int_equal(fclose(o), 0);
        assert_int_equal(chmod(p, mode), 0);
}

/* A check: #!/bin/sh and body, in health.d under the name given. */
static void put_check(const fixture *f, const char *name, mode_t mode, const char *body) {
        _cleanup_free_ char *rel = NULL, *text = NULL;

        assert_true(asprintf(&rel, "etc/lastgood/health.d/%s", name) >= 0);
        assert_true(asprintf(&text, "#!/bin/sh\n%s\n", body) >= 0);
        put_file(f, rel, text, mode);
}

static uint64_t mono_usec(void) {
        struct timespec ts;

        assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
        return (uint64_t) ts.tv_sec * SEC + (uint64_t) ts.tv_nsec / 1000;
}

static int run(const fixture *f, uint64_t timeout_usec, lg_check_results *res, uint64_t *ret_elapsed) {
        uint64_t t0 = mono_usec();
        int r = lg_health_run_checks(f->root, LG_HEALTH_DIR, timeout_usec, NULL, NULL, 0, res);

        if (ret_elapsed)
                *ret_elapsed = mono_usec() - t0;
        return r;
}

static const lg_check_result *find(const lg_check_results *res, const char *name) {
        for (size_t i = 0; i < res->n; i++)
                if (streq(res->items[i].name, name))
                        return &res->items[i];
        return NULL;
}

/* The pid a check wrote into ROOT/REL. */
static pid_t read_pid(const fixture *f, const char *rel) {
        _cleanup_free_ char *p = path_in(f, rel);
        FILE *i = fopen(p, "re");
        long pid = 0;

        assert_non_null(i);
        assert_int_equal(fscanf(i, "%ld", &pid), 1);
        fclose(i);
        assert_true(pid > 1);
        return (pid_t) pid;
}

/* Gone, or a zombie waiting for whoever inherited it: either way it runs no
 * more. Its state is the field after the ")" of /proc/PID/stat. */
static bool process_ended(pid_t pid) {
        char p[64], buf[512], *s;
        FILE *i;
        size_t n;

        snprintf(p, sizeof p, "/proc/%ld/stat", (long) pid);
        for (int tries = 0; tries < 200; tries++) {
                i = fopen(p, "re");
                if (!i)
                        return true;
                n = fread(buf, 1, sizeof buf - 1, i);
                fclose(i);
                buf[n] = '\0';
                s = strrchr(buf, ')');
                if (!s || s[1] == '\0')
                        return true;
                if (s[2] == 'Z' || s[2] == 'X')
                        return true;
                /* SIGKILL is delivered asynchronously: give it a moment. */
                struct timespec ts = { 0, 10000000 };
                nanosleep(&ts, NULL);
        }
        return false;
}

static int setup(void **state) {
        fixture *f = calloc(1, sizeof(*f));
        const char *base = getenv("TMPDIR");

        if (!f)
                return -1;
        if (asprintf(&f->dir, "%s/lg-health.XXXXXX", base && base[0] ? base : "/tmp") < 0 ||
            !mkdtemp(f->dir))
                return -1;
        if (lg_root_new(f->dir, &f->root) < 0 || lg_root_mkdir_p(f->root, LG_HEALTH_DIR, 0755) < 0 ||
            lg_root_mkdir_p(f->root, "/proc/sys/kernel", 0755) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;
        _cleanup_free_ char *cmd = NULL;

        lg_root_free(f->root);
        assert_true(asprintf(&cmd, "rm -rf '%s'", f->dir) >= 0);
        assert_int_equal(system(cmd), 0);
        free(f->dir);
        free(f);
        return 0;
}

/* ---- outcomes of one check ---- */

static void test_pass(void **state) {
        lg_check_results res = {};
        const lg_check_result *c;

        put_check(F, "10-ok", 0755, "echo 'all good'\nexit 0");
        assert_int_equal(run(F, 10 * SEC, &res, NULL), 0);
        assert_int_equal(res.n, 1);
        assert_int_equal(res.n_failed, 0);
        c = &res.items[0];
        assert_string_equal(c->name, "10-ok");
        assert_true(c->passed);
        assert_false(c->timed_out);
        assert_false(c->flooded);
        assert_int_equal(c->exit_status, 0);
        assert_int_equal(c->signal, 0);
        assert_int_equal(c->error, 0);
        assert_string_equal(c->output, "all good\n");
        assert_int_equal(c->output_total, strlen("all good\n"));
        assert_null(c->reason);
        lg_check_results_done(&res);
        assert_int_equal(res.n, 0);
        assert_null(res.items);
}

static void test_fail_exit(void **state) {
        lg_check_results res = {};
        const lg_check_result *c;

        put_check(F, "20-fail", 0755, "echo out\necho 'disk full' >&2\nexit 1");
        put_check(F, "10-ok", 0700, "exit 0");
        put_check(F, "30-three", 0755, "exit 3");
        assert_int_equal(run(F, 10 * SEC, &res, NULL), 0);
        assert_int_equal(res.n, 3);
        assert_int_equal(res.n_failed, 2);
        /* Sorted by name, whatever readdir() says. */
        assert_string_equal(res.items[0].name, "10-ok");
        assert_string_equal(res.items[1].name, "20-fail");
        assert_string_equal(res.items[2].name, "30-three");
        assert_true(res.items[0].passed);

        c = &res.items[1];
        assert_false(c->passed);
        assert_false(c->timed_out);
        assert_int_equal(c->exit_status, 1);
        assert_int_equal(c->signal, 0);
        /* stdout and stderr, both into the one pipe. */
        assert_string_equal(c->output, "out\ndisk full\n");
        assert_string_equal(c->reason, "exited with status 1");
        assert_int_equal(res.items[2].exit_status, 3);
        assert_string_equal(res.items[2].reason, "exited with status 3");
        lg_check_results_done(&res);
}

static void test_killed_by_signal(void **state) {
        lg_check_results res = {};
        const lg_check_result *c;

        put_check(F, "segv", 0755, "echo before\nkill -SEGV $$\necho after");
        put_check(F, "term", 0755, "kill -TERM $$\nsleep 5");
        assert_int_equal(run(F, 10 * SEC, &res, NULL), 0);
        assert_int_equal(res.n_failed, 2);
        c = find(&res, "segv");
        assert_non_null(c);
        assert_false(c->passed);
        assert_false(c->timed_out);
        assert_int_equal(c->signal, SIGSEGV);
        assert_int_equal(c->exit_status, 0);
        assert_string_equal(c->output, "before\n");
        assert_string_equal(c->reason, "killed by signal SEGV");
        c = find(&res, "term");
        assert_non_null(c);
        assert_int_equal(c->signal, SIGTERM);
        assert_string_equal(c->reason, "killed by signal TERM");
        lg_check_results_done(&res);
}

/* What a check starts with: stdin at EOF (/dev/null), its own process
 * group, no core dumps, default signal dispositions and an empty mask even
 * when the watchdog ignores or blocks signals. */
static void test_child_environment(void **state) {
        lg_check_results res = {};
        struct sigaction ign = { .sa_handler = SIG_IGN }, old_usr1;
        sigset_t block, old_mask;
        const lg_check_result *c;

        put_check(F, "stdin", 0755, "if read x; then exit 1; fi\n[ -z \"$x\" ]");
        /* Field 5 of /proc/PID/stat: the process group. */
        /* Field 5 of /proc/PID/stat: the process group. */
        put_check(F, "pgrp", 0755, "set -- $(cat /proc/$$/stat)\n[ \"$5\" = $$ ]");
        put_check(F, "core", 0755, "[ \"$(ulimit -c)\" = 0 ]");
        put_check(F, "usr1", 0755, "kill -USR1 $$\nexit 0");
        put_check(F, "usr2", 0755, "kill -USR2 $$\nexit 0");

        assert_int_equal(sigaction(SIGUSR1, &ign, &old_usr1), 0);
        sigemptyset(&block);
        sigaddset(&block, SIGUSR2);
        assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
        assert_int_equal(run(F, 10 * SEC, &res, NULL), 0);
        assert_int_equal(sigprocmask(SIG_SETMASK, &old_mask, NULL), 0);
        assert_int_equal(sigaction(SIGUSR1, &old_usr1, NULL), 0);

        assert_int_equal(res.n, 5);
        assert_true(find(&res, "stdin")->passed);
        c = find(&res, "pgrp");
        assert_true(c->passed);
        assert_string_equal(c->output, "");
        assert_true(find(&res, "core")->passed);
        /* Had the disposition or the mask been inherited, these would have
         * exited 0. */
        assert_int_equal(find(&res, "usr1")->signal, SIGUSR1);
        assert_int_equal(find(&res, "usr2")->signal, SIGUSR2);
        assert_int_equal(res.n_failed, 2);
        lg_check_results_done(&res);
}

/* ---- hostile checks: bounded time, bounded memory ---- */

static void test_hang_killed(void **state) {
        lg_check_results res = {};
        const lg_check_result *c;
        uint64_t elapsed;
        pid_t child;

        /* It hangs, and so does a child of its own holding the pipe. */
        put_check(F, "hang", 0755, "sleep 1000 &\necho $! >\"$0.pid\"\necho waiting\nwait");
        put_check(F, "quick", 0755, "exit 0");
        assert_int_equal(run(F, 300000, &res, &elapsed), 0);
        assert_true(elapsed >= 300000);
        assert_true(elapsed < 5 * SEC);
        assert_int_equal(res.n_failed, 1);
        assert_true(find(&res, "quick")->passed);
        c = find(&res, "hang");
        assert_non_null(c);
        assert_false(c->passed);
        assert_true(c->timed_out);
        /* Killed by us, which is not "killed by a signal". */
        assert_int_equal(c->signal, 0);
        assert_string_equal(c->output, "waiting\n");
        assert_non_null(c->reason);
        assert_true(strncmp(c->reason, "did not finish within", strlen("did not finish within")) == 0);
        assert_non_null(strstr(c->reason, "within 0.300 s")); /* not "0 s" */
        /* The whole process group went. */
        child = read_pid(F, "etc/lastgood/health.d/hang.pid");
        assert_true(process_ended(child));
        lg_check_results_done(&res);
}

/* A check that exits at once but leaves a child behind (holding its
 * output pipe open): the check counts as done when it exits, and the child
 * goes with its process group. */
static void test_exit_leaves_child(void **state) {
        lg_check_results res = {};
        uint64_t elapsed;

        put_check(F, "leaver", 0755, "sleep 1000 &\necho $! >\"$0.pid\"\nexit 0");
        assert_int_equal(run(F, 30 * SEC, &res, &elapsed), 0);
        assert_true(elapsed < 5 * SEC);
        assert_int_equal(res.n, 1);
        assert_true(res.items[0].passed);
        assert_false(res.items[0].timed_out);
        assert_true(process_ended(read_pid(F, "etc/lastgood/health.d/leaver.pid")));
        lg_check_results_done(&res);
}

/* A child that left the process group (setsid) cannot be killed with it;
 * it keeps the pipe open, but the run must not wait for the pipe's end. */
static void test_escaped_child(void **state) {
        lg_check_results res = {};
        uint64_t elapsed;
        pid_t escaped;

        put_check(F, "escape", 0755, "setsid sleep 1000 &\necho $! >\"$0.pid\"\necho bye\nexit 0");
        assert_int_equal(run(F, 30 * SEC, &res, &elapsed), 0);
        escaped = read_pid(F, "etc/lastgood/health.d/escape.pid");
        (void) kill(escaped, SIGKILL);
        assert_true(elapsed < 5 * SEC);
        assert_int_equal(res.n, 1);
        assert_true(res.items[0].passed);
        assert_string_equal(res.items[0].output, "bye\n");
        lg_check_results_done(&res);
}

static void test_flood_killed(void **state) {
        lg_check_results res = {};
        const lg_check_result *c;
        uint64_t elapsed;

        /* yes(1) prints for ever, a megabyte in a few milliseconds. */
        put_check(F, "flood", 0755, "exec yes");
        put_check(F, "ok", 0755, "echo fine");
        assert_int_equal(run(F, 30 * SEC, &res, &elapsed), 0);
        assert_true(elapsed < 10 * SEC);
        assert_int_equal(res.n_failed, 1);
        assert_string_equal(find(&res, "ok")->output, "fine\n");
        c = find(&res, "flood");
        assert_non_null(c);
        assert_false(c->passed);
        assert_true(c->flooded);
        assert_false(c->timed_out);
        assert_true(c->output_total > LG_CHECK_OUTPUT_FAIL);
        /* Kept: the first LG_CHECK_OUTPUT_MAX bytes, no more. */
        assert_int_equal(strlen(c->output), LG_CHECK_OUTPUT_MAX);
        assert_true(strncmp(c->output, "y\ny\ny\n", 6) == 0);
        assert_string_equal(c->reason, "printed more than 1048576 bytes, killed");
        lg_check_results_done(&res);
}

/* Half a megabyte, far more than a pipe holds: read while the check runs
 * (else it would block on the full pipe until the timeout), counted in
 * full, kept in part, and the check passes. */
static void test_large_output_drained(void **state) {
        lg_check_results res = {};
        const lg_check_result *c;
        uint64_t elapsed;

        put_check(F, "chatty", 0755, "yes chatter | head -c 524288\nexit 0");
        assert_int_equal(run(F, 20 * SEC, &res, &elapsed), 0);
        assert_true(elapsed < 10 * SEC);
        c = &res.items[0];
        assert_true(c->passed);
        assert_false(c->flooded);
        assert_false(c->timed_out);
        assert_int_equal(c->output_total, 524288);
        assert_int_equal(strlen(c->output), LG_CHECK_OUTPUT_MAX);
        assert_true(strncmp(c->output, "chatter\nchatter\n", 16) == 0);
        lg_check_results_done(&res);
}

/* Checks run at once, not one after the other. */
static void test_parallel(void **state) {
        lg_check_results res = {};
        uint64_t elapsed;

        put_check(F, "a", 0755, "sleep 1");
        put_check(F, "b", 0755, "sleep 1");
        put_check(F, "c", 0755, "sleep 1");
        put_check(F, "d", 0755, "sleep 1");
        assert_int_equal(run(F, 30 * SEC, &res, &elapsed), 0);
        assert_int_equal(res.n, 4);
        assert_int_equal(res.n_failed, 0);
        assert_true(elapsed >= 1 * SEC);
        assert_true(elapsed < 3 * SEC);
        lg_check_results_done(&res);
}

static void count_ping(void *userdata) {
        (*(unsigned *) userdata)++;
}

/* The service manager's watchdog is fed while checks run. */
static void test_ping(void **state) {
        lg_check_results res = {};
        unsigned pings = 0;

        put_check(F, "slow", 0755, "sleep 1");
        assert_int_equal(
                lg_health_run_checks(F->root, LG_HEALTH_DIR, 10 * SEC, count_ping, &pings, 100000, &res), 0);
        assert_true(res.items[0].passed);
        /* About ten in a second; at least a few, however loaded the host. */
        assert_true(pings >= 3);
        assert_true(pings <= 20);
        lg_check_results_done(&res);
}

/* No file descriptors left for the output pipe: the check cannot start,
 * which fails it (a check that did not run did not say yes). */
static void test_cannot_start(void **state) {
        lg_check_results res = {};
        struct rlimit old, low;
        int lowest, r;

        put_check(F, "a", 0755, "exit 0");
        put_check(F, "b", 0755, "exit 0");
        /* The lowest free descriptor L; allowed: L and L+1, of which
         * /dev/null takes one, so no pipe (two) fits. */
        lowest = dup(STDIN_FILENO);
        assert_true(lowest >= 0);
        close(lowest);
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
        low = old;
        low.rlim_cur = (rlim_t) lowest + 2;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
        r = lg_health_run_checks(F->root, LG_HEALTH_DIR, 10 * SEC, NULL, NULL, 0, &res);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

        assert_int_equal(r, 0);
        assert_int_equal(res.n, 2);
        assert_int_equal(res.n_failed, 2);
        for (size_t i = 0; i < res.n; i++) {
                assert_false(res.items[i].passed);
                assert_int_equal(res.items[i].error, -EMFILE);
                assert_string_equal(res.items[i].reason, "could not be started: Too many open files");
        }
        lg_check_results_done(&res);
}

/* ---- what is a check ---- */

static void test_not_checks(void **state) {
        lg_check_results res = {};
        _cleanup_free_ char *dir = path_in(F, "etc/lastgood/health.d/b-folder");
        _cleanup_free_ char *dangling = path_in(F, "etc/lastgood/health.d/c-dangling");
        _cleanup_free_ char *linked = path_in(F, "etc/lastgood/health.d/d-link");
        _cleanup_free_ char *fifo = path_in(F, "etc/lastgood/health.d/g-fifo");

        /* Would fail if they ran. */
        put_check(F, "a-not-executable", 0644, "exit 1");
        assert_int_equal(mkdir(dir, 0755), 0);
        put_check(F, "b-folder/inner", 0755, "exit 1");
        assert_int_equal(symlink("missing-target", dangling), 0);
        assert_int_equal(mkfifo(fifo, 0755), 0);
        put_check(F, ".hidden", 0755, "exit 1");
        put_check(F, "e-backup~", 0755, "exit 1");
        /* Run: a plain check, and one whose interpreter does not exist
         * (exec fails: 127). Refused, and failed, never followed: a link
         * to an executable elsewhere and a dangling link (issue 10: a
         * check run as root must be one nobody else can replace). */
        put_file(F, "etc/lastgood/real-check", "#!/bin/sh\necho linked\n", 0755);
        assert_int_equal(symlink("../real-check", linked), 0);
        put_check(F, "f-ok", 0755, "exit 0");
        put_file(F, "etc/lastgood/health.d/x-bad-interpreter", "#!/nonexistent/interpreter\n", 0755);

        assert_int_equal(run(F, 10 * SEC, &res, NULL), 0);
        assert_int_equal(res.n, 4);
        assert_string_equal(res.items[0].name, "c-dangling");
        assert_string_equal(res.items[1].name, "d-link");
        assert_string_equal(res.items[2].name, "f-ok");
        assert_string_equal(res.items[3].name, "x-bad-interpreter");
        for (size_t i = 0; i < 2; i++) {
                assert_false(res.items[i].passed);
                assert_int_equal(res.items[i].error, -EPERM);
                assert_string_equal(res.items[i].reason, "not run: it is a symlink");
                assert_string_equal(res.items[i].output, "");
        }
        assert_true(res.items[2].passed);
        assert_false(res.items[3].passed);
        assert_int_equal(res.items[3].exit_status, 127);
        assert_int_equal(res.n_failed, 3);
        lg_check_results_done(&res);
}

static void test_empty_dir(void **state) {
        lg_check_results res = { .n = 99 };
        uint64_t elapsed;

        assert_int_equal(run(F, 10 * SEC, &res, &elapsed), 0);
        assert_int_equal(res.n, 0);
        assert_int_equal(res.n_failed, 0);
        assert_true(elapsed < 1 * SEC);
        lg_check_results_done(&res);

        /* Only things that are no checks: the same. */
        put_check(F, "README", 0644, "exit 1");
        assert_int_equal(run(F, 10 * SEC, &res, NULL), 0);
        assert_int_equal(res.n, 0);
        assert_int_equal(res.n_failed, 0);
        lg_check_results_done(&res);
}

static void test_missing_dir(void **state) {
        lg_check_results res = { .n = 99 };
        _cleanup_free_ char *hd = path_in(F, "etc/lastgood/health.d");

        /* No health.d: no checks (the watchdog calls that healthy). */
        assert_int_equal(rmdir(hd), 0);
        assert_int_equal(run(F, 10 * SEC, &res, NULL), -ENOENT);
        assert_int_equal(res.n, 99);
        /* A file where the folder should be. */
        put_file(F, "etc/lastgood/health.d", "#!/bin/sh\nexit 0\n", 0755);
        assert_int_equal(run(F, 10 * SEC, &res, NULL), -ENOTDIR);
        assert_int_equal(res.n, 99);
}

/* ---- kernel taint ---- */

static void test_taint_read(void **state) {
        static const struct {
                const char *text;
                int r;
                unsigned long value;
        } table[] = {
                { "0\n", 0, 0 },
                { "640\n", 0, 640 },     /* D and W */
                { "32768\n", 0, 32768 }, /* L */
                { "4097", 0, 4097 },     /* P and O: proprietary, out-of-tree; no newline */
                { "", -EBADMSG, 0 },
                { "\n", -EBADMSG, 0 },
                { "abc\n", -EBADMSG, 0 },
                { "12 x\n", -EBADMSG, 0 },
                { "99999999999999999999999999\n", -EBADMSG, 0 },
                { "-1\n", -EBADMSG, 0 }, /* strtoul() would make it all bits */
                { " 512\n", -EBADMSG, 0 },
        };
        unsigned long v;

        v = 7;
        assert_int_equal(lg_taint_read(F->root, &v), -ENOENT);
        assert_int_equal(v, 7);
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                put_file(F, "proc/sys/kernel/tainted", table[i].text, 0644);
                v = 7;
                assert_int_equal(lg_taint_read(F->root, &v), table[i].r);
                assert_int_equal(v, table[i].r == 0 ? table[i].value : 7);
        }
        /* Bigger than any taint value can be: refused, not truncated. */
        {
                char big[200];
                memset(big, '1', sizeof big - 1);
                big[sizeof big - 1] = '\0';
                put_file(F, "proc/sys/kernel/tainted", big, 0644);
                assert_true(lg_taint_read(F->root, &v) < 0);
        }
}

static void test_taint_bits(void **state) {
        char buf[16];
        unsigned long v;

        /* D (7, oops/BUG), W (9, WARN), L (14, soft lockup) are the bad ones
         * by default; P (0), O (12), E (13) are what third-party modules set
         * anyway, K (15) is a live patch. tainted-kernels.rst. */
        assert_int_equal(LG_TAINT_BAD, (1UL << 7) | (1UL << 9) | (1UL << 14));
        assert_string_equal(lg_taint_format(LG_TAINT_BAD, buf, sizeof buf), "D W L");
        assert_string_equal(lg_taint_format(1UL << 9, buf, sizeof buf), "W");
        assert_string_equal(lg_taint_format((1UL << 7) | (1UL << 14), buf, sizeof buf), "D L");
        assert_string_equal(lg_taint_format(0, buf, sizeof buf), "");
        /* Any mask is said in letters (the caller masks). */
        assert_string_equal(lg_taint_format((1UL << 0) | (1UL << 12) | (1UL << 13) | (1UL << 15), buf, sizeof buf),
                            "P O E K");
        /* Small buffers: cut at a whole letter, always terminated. */
        assert_string_equal(lg_taint_format(LG_TAINT_BAD, buf, 4), "D W");
        assert_string_equal(lg_taint_format(LG_TAINT_BAD, buf, 3), "D");
        memcpy(buf, "keep", 5);
        assert_ptr_equal(lg_taint_format(LG_TAINT_BAD, buf, 0), buf);
        assert_string_equal(buf, "keep");

        /* What the watchdog does with it: the bad bits that were not there
         * when it started. A host with a proprietary module and an old
         * WARN: only a new oops counts. */
        put_file(F, "proc/sys/kernel/tainted", "4609\n", 0644); /* P, W, O */
        assert_int_equal(lg_taint_read(F->root, &v), 0);
        unsigned long base = v;
        assert_string_equal(lg_taint_format(v & LG_TAINT_BAD, buf, sizeof buf), "W");
        put_file(F, "proc/sys/kernel/tainted", "4737\n", 0644); /* + D */
        assert_int_equal(lg_taint_read(F->root, &v), 0);
        assert_string_equal(lg_taint_format(v & ~base & LG_TAINT_BAD, buf, sizeof buf), "D");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_pass, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fail_exit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_killed_by_signal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_child_environment, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hang_killed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exit_leaves_child, setup, teardown),
                cmocka_unit_test_setup_teardown(test_escaped_child, setup, teardown),
                cmocka_unit_test_setup_teardown(test_flood_killed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_large_output_drained, setup, teardown),
                cmocka_unit_test_setup_teardown(test_parallel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ping, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cannot_start, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_checks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_taint_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_taint_bits, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
