/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Health checks of /etc/lastgood/health.d/ and the kernel taint. A check is
 * hostile input: it may hang, fork without end, print without end or die
 * by a signal. Each runs in its own process group that is killed as a
 * whole, its output is drained into a bounded buffer, and the whole run is
 * bounded by one deadline; none of this can hang the watchdog. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "safepath.h"
#include "macro.h"

int lg_taint_read(const lg_root *root, unsigned long *ret) {
        _cleanup_free_ char *buf = NULL;
        unsigned long v;
        char *end;
        int r;

        r = lg_root_read_file(root, LG_TAINTED_PATH, 64, &buf, NULL);
        if (r < 0)
                return r;
        /* strtoul() takes "-1" (and leading blanks): a decimal number only. */
        if (buf[0] < '0' || buf[0] > '9')
                return -EBADMSG;
        errno = 0;
        v = strtoul(buf, &end, 10);
        if (errno != 0 || end == buf || (*end != '\0' && *end != '\n'))
                return -EBADMSG;
        *ret = v;
        return 0;
}

const char *lg_taint_format(unsigned long mask, char *buf, size_t size) {
        return lg_taint_letters(mask, buf, size);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

typedef struct running {
        pid_t pid;
        int pidfd;      /* -1: not supported, poll waitpid() */
        int out;        /* read end of the output pipe, -1 when closed */
        bool exited;
        int status;
        size_t kept;
} running;

static void results_add_failed(lg_check_results *res, lg_check_result *c, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void results_add_failed(lg_check_results *res, lg_check_result *c, const char *fmt, ...) {
        va_list ap;

        c->passed = false;
        res->n_failed++;
        free(c->reason);
        va_start(ap, fmt);
        if (vasprintf(&c->reason, fmt, ap) < 0)
                c->reason = NULL;
        va_end(ap);
}

/* SIGKILL the whole process group until nothing is left in it. Forks that
 * race with the kill are stopped by the kernel (a pending group-wide fatal
 * signal aborts copy_process()); a few rounds catch the rest. */
static void kill_group(pid_t pgid) {
        for (int i = 0; i < 50; i++) {
                if (kill(-pgid, SIGKILL) < 0 && errno == ESRCH)
                        return;
                /* Zombies reparented to init stay in the group until reaped. */
                struct timespec ts = { 0, 1000000 };
                nanosleep(&ts, NULL);
        }
}

static void drain(running *r, lg_check_result *c) {
        char buf[16384];

        /* Bounded: a check writing as fast as we read must not keep us here. */
        for (int rounds = 0; r->out >= 0 && rounds < 64; rounds++) {
                ssize_t n = read(r->out, buf, sizeof buf);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        close(r->out);
                        r->out = -1;
                        return;
                }
                c->output_total += (size_t) n;
                if (c->output_total > LG_CHECK_OUTPUT_FAIL && !c->flooded) {
                        c->flooded = true;
                        kill_group(r->pid);
                }
                if (r->kept < LG_CHECK_OUTPUT_MAX) {
                        size_t k = MIN((size_t) n, LG_CHECK_OUTPUT_MAX - r->kept);
                        memcpy(c->output + r->kept, buf, k);
                        r->kept += k;
                        c->output[r->kept] = '\0';
                }
        }
}

static pid_t spawn(const char *path, int out_fd, int devnull) {
        pid_t pid = fork();
        sigset_t all;

        if (pid != 0)
                return pid; /* parent or -1 */

        /* Child: own process group, clean signal state, no core dumps. */
        (void) setpgid(0, 0);
        sigemptyset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        for (int s = 1; s < NSIG; s++)
                (void) signal(s, SIG_DFL);
        struct rlimit rl = { 0, 0 };
        (void) setrlimit(RLIMIT_CORE, &rl);
        if (dup2(devnull, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(out_fd, STDERR_FILENO) < 0)
                _exit(127);
        char *argv[] = { (char *) path, NULL };
        execv(path, argv);
        _exit(127);
}

static void list_free(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* Why a health check may not run as root (DESIGN.md, "Trust boundaries"):
 * anyone who can replace it would run code as root. Owned by root (or by
 * the user running lastgood, for tests), not writable by group or others,
 * no symlink. NULL when it may run. */
static const char *check_unsafe(const struct stat *st) {
        if (S_ISLNK(st->st_mode))
                return "is a symlink";
        if (st->st_uid != 0 && st->st_uid != geteuid())
                return "is not owned by root";
        if (st->st_mode & 022)
                return "is writable by group or others";
        return NULL;
}

/* Executable regular files of the folder, sorted; (*ret_why)[i] says why
 * check i must not run (NULL: it may). Symlinks are never followed. */
static int list_checks(const lg_root *root, const char *dir, char ***ret, const char ***ret_why,
                       size_t *ret_n) {
        _cleanup_close_ int dfd = -EBADF;
        char **names = NULL;
        const char **whys = NULL;
        size_t n = 0;
        struct stat dst;
        DIR *d;
        struct dirent *de;

        /* The folder itself, from / without a symlink, and as safe as the
         * checks in it. */
        dfd = lg_safe_open(root, dir, O_RDONLY | O_DIRECTORY);
        if (dfd < 0)
                return dfd;
        if (fstat(dfd, &dst) < 0)
                return negative_errno();
        d = fdopendir(dfd);
        if (!d)
                return negative_errno();
        dfd = -EBADF; /* owned by d now */
        while ((de = readdir(d))) {
                struct stat st;
                size_t len = strlen(de->d_name);
                const char *why;

                if (de->d_name[0] == '.' || len == 0 || de->d_name[len - 1] == '~')
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                why = check_unsafe(&st);
                if (!why && !S_ISREG(st.st_mode))
                        continue;
                if (!why && !(st.st_mode & 0111))
                        continue;
                if (!why && check_unsafe(&dst))
                        why = "is in a folder that is not owned by root or is writable by group or others";
                char **nn = realloc(names, (n + 1) * sizeof(char *));
                if (!nn)
                        goto oom;
                names = nn;
                const char **wn = realloc(whys, (n + 1) * sizeof(char *));
                if (!wn)
                        goto oom;
                whys = wn;
                names[n] = strdup(de->d_name);
                if (!names[n])
                        goto oom;
                whys[n] = why;
                n++;
        }
        closedir(d);
        /* Sorted by name, each why along with its name. */
        for (size_t i = 1; i < n; i++)
                for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
                        char *t = names[k];
                        const char *w = whys[k];

                        names[k] = names[k - 1];
                        names[k - 1] = t;
                        whys[k] = whys[k - 1];
                        whys[k - 1] = w;
                }
        *ret = names;
        *ret_why = whys;
        *ret_n = n;
        return 0;
oom:
        closedir(d);
        list_free(names, n);
        free(whys);
        return -ENOMEM;
}

int lg_health_run_checks(const lg_root *root, const char *dir, uint64_t timeout_usec,
                         lg_ping_fn ping, void *userdata, uint64_t ping_usec,
                         lg_check_results *ret) {
        _cleanup_free_ char *dpath = NULL;
        _cleanup_free_ running *run = NULL;
        _cleanup_close_ int devnull = -EBADF;
        lg_check_results res = {};
        char **names = NULL;
        _cleanup_free_ const char **whys = NULL;
        size_t n = 0;
        uint64_t deadline, last_ping;
        int r;

        r = list_checks(root, dir, &names, &whys, &n);
        if (r < 0)
                return r;
        dpath = lg_root_path(root, dir);
        res.items = calloc(n ? n : 1, sizeof(lg_check_result));
        run = calloc(n ? n : 1, sizeof(running));
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (!dpath || !res.items || !run) {
                list_free(names, n);
                free(res.items);
                return -ENOMEM;
        }
        res.n = n;

        for (size_t i = 0; i < n; i++) {
                lg_check_result *c = &res.items[i];
                _cleanup_free_ char *path = NULL;
                int p[2];

                c->name = TAKE_PTR(names[i]);
                c->passed = true;
                c->output = calloc(1, LG_CHECK_OUTPUT_MAX + 1);
                run[i] = (running) { .pid = -1, .pidfd = -1, .out = -1 };
                if (!c->output || asprintf(&path, "%s/%s", dpath, c->name) < 0) {
                        path = NULL;
                        c->error = -ENOMEM;
                        results_add_failed(&res, c, "could not be started: out of memory");
                        continue;
                }
                if (whys[i]) {
                        /* Not run: it fails, loudly, so that it gets fixed. */
                        c->error = -EPERM;
                        results_add_failed(&res, c, "not run: it %s", whys[i]);
                        continue;
                }
                if (pipe2(p, O_CLOEXEC) < 0) {
                        c->error = negative_errno();
                        results_add_failed(&res, c, "could not be started: %s", strerror(-c->error));
                        continue;
                }
                run[i].pid = spawn(path, p[1], devnull);
                close(p[1]);
                if (run[i].pid < 0) {
                        c->error = negative_errno();
                        close(p[0]);
                        run[i].pid = -1;
                        results_add_failed(&res, c, "could not be started: %s", strerror(-c->error));
                        continue;
                }
                /* Also here, so that the group exists before we may kill it. */
                (void) setpgid(run[i].pid, run[i].pid);
                (void) fcntl(p[0], F_SETFL, O_NONBLOCK);
                run[i].out = p[0];
                run[i].pidfd = (int) syscall(SYS_pidfd_open, run[i].pid, 0);
        }
        free(names);

        deadline = now_usec() + timeout_usec;
        last_ping = now_usec();
        for (;;) {
                struct pollfd pfd[2 * n + 1];
                size_t np = 0;
                bool pending = false, need_poll_wait = false;
                uint64_t now = now_usec(), wait;

                for (size_t i = 0; i < n; i++) {
                        if (run[i].pid < 0)
                                continue;
                        if (!run[i].exited) {
                                pending = true;
                                if (run[i].pidfd >= 0)
                                        pfd[np++] = (struct pollfd) { .fd = run[i].pidfd, .events = POLLIN };
                                else
                                        need_poll_wait = true;
                        }
                        if (run[i].out >= 0)
                                pfd[np++] = (struct pollfd) { .fd = run[i].out, .events = POLLIN };
                }
                if (!pending || now >= deadline)
                        break;
                if (ping && ping_usec > 0 && now - last_ping >= ping_usec) {
                        ping(userdata);
                        last_ping = now;
                }
                wait = deadline - now;
                if (ping && ping_usec > 0)
                        wait = MIN(wait, ping_usec);
                if (need_poll_wait)
                        wait = MIN(wait, (uint64_t) 10000);
                (void) poll(pfd, np, (int) ((wait + 999) / 1000));

                for (size_t i = 0; i < n; i++) {
                        int status;
                        pid_t w;

                        if (run[i].pid < 0)
                                continue;
                        drain(&run[i], &res.items[i]);
                        if (run[i].exited)
                                continue;
                        w = waitpid(run[i].pid, &status, WNOHANG);
                        if (w == run[i].pid) {
                                run[i].exited = true;
                                run[i].status = status;
                                /* Whatever it left behind goes with it. */
                                kill_group(run[i].pid);
                                drain(&run[i], &res.items[i]);
                        }
                }
        }

        for (size_t i = 0; i < n; i++) {
                lg_check_result *c = &res.items[i];

                if (run[i].pid < 0)
                        continue;
                if (!run[i].exited) {
                        kill_group(run[i].pid);
                        (void) waitpid(run[i].pid, &run[i].status, 0);
                        c->timed_out = true;
                }
                /* Read what is buffered without waiting for writers that may
                 * have escaped the group: the pipe is closed after this. */
                drain(&run[i], c);
                if (run[i].out >= 0)
                        close(run[i].out);
                if (run[i].pidfd >= 0)
                        close(run[i].pidfd);

                if (c->flooded)
                        results_add_failed(&res, c, "printed more than %d bytes, killed", LG_CHECK_OUTPUT_FAIL);
                else if (c->timed_out) {
                        if (timeout_usec % 1000000)
                                results_add_failed(&res, c, "did not finish within %" PRIu64 ".%03" PRIu64
                                                   " s, killed", timeout_usec / 1000000, timeout_usec / 1000 % 1000);
                        else
                                results_add_failed(&res, c, "did not finish within %" PRIu64 " s, killed",
                                                   timeout_usec / 1000000);
                } else if (WIFSIGNALED(run[i].status)) {
                        c->signal = WTERMSIG(run[i].status);
                        results_add_failed(&res, c, "killed by signal %s", sigabbrev_np(c->signal) ?: "?");
                } else if (WIFEXITED(run[i].status)) {
                        c->exit_status = WEXITSTATUS(run[i].status);
                        if (c->exit_status != 0)
                                results_add_failed(&res, c, "exited with status %d", c->exit_status);
                }
        }

        *ret = res;
        return 0;
}

void lg_check_results_done(lg_check_results *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n; i++) {
                free(r->items[i].name);
                free(r->items[i].output);
                free(r->items[i].reason);
        }
        free(r->items);
        *r = (lg_check_results) {};
}
