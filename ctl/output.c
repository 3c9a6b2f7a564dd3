/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl's output filter: every byte a verb prints goes through the
 * one escaping helper (lib/escape.c), so that no untrusted name (a file,
 * host or item name, a journal field, a crash-log line) can drive the
 * terminal or break the JSON, whichever verb prints it. stdout in --json
 * mode: invalid UTF-8 becomes U+FFFD (json-c escapes the controls itself);
 * otherwise, and always on stderr: controls and invalid bytes as \xHH.
 * Below the filter: /dev/null for --quiet, or the pager for a report on a
 * terminal. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "escape.h"
#include "macro.h"

typedef struct filter {
        int fd;
        lg_escape_mode mode;
        char carry[4]; /* an incomplete UTF-8 sequence from the last write */
        size_t n_carry;
} filter;

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -1;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int filter_out(filter *f, const char *buf, size_t size, bool final) {
        _cleanup_free_ char *in = NULL, *out = NULL;
        size_t n = f->n_carry + size, len, used;

        in = malloc(n ? n : 1);
        if (!in)
                return -1;
        memcpy(in, f->carry, f->n_carry);
        if (size)
                memcpy(in + f->n_carry, buf, size);
        if (lg_escape(f->mode, in, n, final, &out, &len, &used) < 0)
                return -1;
        /* At most 3 bytes of a valid prefix are left over. */
        f->n_carry = MIN(n - used, sizeof(f->carry));
        memcpy(f->carry, in + used, f->n_carry);
        return write_all(f->fd, out, len);
}

static ssize_t filter_write(void *cookie, const char *buf, size_t size) {
        return filter_out(cookie, buf, size, false) < 0 ? -1 : (ssize_t) size;
}

static int filter_close(void *cookie) {
        filter *f = cookie;
        int r = f->n_carry ? filter_out(f, NULL, 0, true) : 0;

        free(f);
        return r;
}

static FILE *filter_open(int fd, lg_escape_mode mode, int buffering) {
        cookie_io_functions_t io = { .write = filter_write, .close = filter_close };
        filter *f = calloc(1, sizeof(*f));
        FILE *s;

        if (!f)
                return NULL;
        *f = (filter){ .fd = fd, .mode = mode };
        s = fopencookie(f, "w", io);
        if (!s) {
                free(f);
                return NULL;
        }
        (void) setvbuf(s, NULL, buffering, BUFSIZ);
        return s;
}

/* The pager, as systemd's tools have it (src/shared/pager.c): its pid
 * while it runs, and whether stderr goes to it too. */
static pid_t pager_pid;
static bool filtered;

static bool pager_wanted(const char **ret_cmd) {
        const char *cmd = getenv("SYSTEMD_PAGER"), *term = getenv("TERM");

        if (!cmd)
                cmd = getenv("PAGER");
        /* An empty pager or cat: none; a dumb terminal cannot page. */
        if (cmd && (cmd[0] == '\0' || streq(cmd, "cat")))
                return false;
        if (!term || streq(term, "dumb") || !isatty(STDOUT_FILENO))
                return false;
        *ret_cmd = cmd;
        return true;
}

/* The pager process: the pipe on its stdin; no pager found, a copy. */
__attribute__((noreturn)) static void pager_exec(int in, const char *cmd) {
        const char *less = getenv("SYSTEMD_LESS");
        char buf[4096];
        ssize_t n;

        if (dup2(in, STDIN_FILENO) < 0)
                _exit(EXIT_FAILURE);
        /* F: quit when it fits one screen, R: raw colours, S: no wrapping,
         * X: no screen clearing, M: a long prompt, K: Ctrl-C quits. */
        (void) setenv("LESS", less ? less : "FRSXMK", 1);
        if (cmd)
                execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
        execlp("pager", "pager", (char *) NULL);
        execlp("less", "less", (char *) NULL);
        execlp("more", "more", (char *) NULL);
        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0 && write_all(STDOUT_FILENO, buf, (size_t) n) < 0)
                        break;
        _exit(EXIT_SUCCESS);
}

static int pager_open(void) {
        const char *cmd = NULL;
        int fd[2];
        pid_t pid;

        if (!pager_wanted(&cmd))
                return 0;
        if (pipe2(fd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                close(fd[0]);
                close(fd[1]);
                return r;
        }
        if (pid == 0)
                pager_exec(fd[0], cmd);
        /* Errors go to the pager too when they would reach the same
         * terminal, or the pager's screen would paint over them. */
        if (dup2(fd[1], STDOUT_FILENO) < 0 || (isatty(STDERR_FILENO) && dup2(fd[1], STDERR_FILENO) < 0)) {
                int r = -errno;

                close(fd[0]);
                close(fd[1]);
                (void) kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        close(fd[0]);
        close(fd[1]);
        pager_pid = pid;
        return 1;
}

/* At exit: the filters flushed (exit() flushes but does not close: the
 * carry must come out), then the pager sees the end of its input and is
 * waited for, so that the shell prompt comes after it. */
static void output_close(void) {
        if (filtered) {
                fclose(stdout);
                fclose(stderr);
        } else {
                fflush(stdout);
                fflush(stderr);
        }
        if (pager_pid > 0) {
                close(STDOUT_FILENO);
                close(STDERR_FILENO);
                while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
}

int lg_ctl_output_init(bool json, bool quiet, bool page) {
        FILE *o, *e;
        int r = 0;

        fflush(stdout);
        fflush(stderr);
        if (quiet) {
                int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
                        r = -errno;
                if (fd >= 0)
                        close(fd);
        } else if (page && pager_open() < 0)
                r = -EIO; /* unpaged is better than no output */
        if (atexit(output_close) != 0)
                return -ENOMEM;

        o = filter_open(STDOUT_FILENO, json ? LG_ESCAPE_UTF8 : LG_ESCAPE_TERMINAL,
                        isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
        e = filter_open(STDERR_FILENO, LG_ESCAPE_TERMINAL, _IOLBF);
        if (!o || !e) {
                if (o)
                        fclose(o);
                if (e)
                        fclose(e);
                return -ENOMEM; /* unfiltered is better than no output */
        }
        stdout = o;
        stderr = e;
        filtered = true;
        return r;
}

const char *ctl_reason_word(lg_reason r) {
        if (r == LG_REASON_QUARANTINE)
                return "persistently withheld";
        return strna(lg_reason_to_string(r));
}
