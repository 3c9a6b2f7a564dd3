/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgoodctl's output filter: every byte a verb prints goes through the
 * one escaping helper (lib/escape.c), so that no untrusted name (a file,
 * host or item name, a journal field, a crash-log line) can drive the
 * terminal or break the JSON, whichever verb prints it. stdout in --json
 * mode: invalid UTF-8 becomes U+FFFD (json-c escapes the controls itself);
 * otherwise, and always on stderr: controls and invalid bytes as \xHH. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void filters_close(void) {
        /* exit() flushes but does not close: the carry must come out. */
        fclose(stdout);
        fclose(stderr);
}

int lg_ctl_output_init(bool json) {
        FILE *o, *e;

        fflush(stdout);
        fflush(stderr);
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
        return atexit(filters_close) == 0 ? 0 : -ENOMEM;
}
