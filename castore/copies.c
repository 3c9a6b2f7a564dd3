/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The index of a generation: which store copy (castore.h) is the last good
 * copy of each content file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "castore.h"
#include "macro.h"

#define COPIES_MAGIC "lastgood-copies 1"
#define COPIES_MAX (64u * 1024 * 1024)

void lg_copies_done(lg_copies *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++) {
                free(c->e[i].path);
                free(c->e[i].agent);
        }
        free(c->e);
        *c = (lg_copies) {};
}

static bool agent_ok(const char *a) {
        return a && a[0] && !strchr(a, '/') && !streq(a, ".") && !streq(a, "..");
}

int lg_copies_add(lg_copies *c, const char *agent, const char *path, const char *key) {
        lg_copy_entry *e;

        if (!agent_ok(agent) || !path || path[0] != '/' || !lg_castore_key_valid(key))
                return -EINVAL;
        if (c->n == c->alloc) {
                size_t na = c->alloc ? c->alloc * 2 : 64;
                lg_copy_entry *t = realloc(c->e, na * sizeof(*t));

                if (!t)
                        return -ENOMEM;
                c->e = t;
                c->alloc = na;
        }
        e = &c->e[c->n];
        *e = (lg_copy_entry) {};
        e->path = strdup(path);
        e->agent = strdup(agent);
        if (!e->path || !e->agent) {
                free(e->path);
                free(e->agent);
                return -ENOMEM;
        }
        memcpy(e->key, key, LG_CASTORE_KEY_LEN + 1);
        c->n++;
        return 0;
}

static int cmp_entry(const void *a, const void *b) {
        return strcmp(((const lg_copy_entry *) a)->path, ((const lg_copy_entry *) b)->path);
}

void lg_copies_sort(lg_copies *c) {
        size_t i = 1;

        /* The proven write adds in the manifest's order, sorted already. */
        while (i < c->n && cmp_entry(&c->e[i - 1], &c->e[i]) <= 0)
                i++;
        if (i < c->n)
                qsort(c->e, c->n, sizeof(*c->e), cmp_entry);
}

const lg_copy_entry *lg_copies_find(const lg_copies *c, const char *path) {
        lg_copy_entry k = { .path = (char *) path };

        if (!c || !c->n || !path)
                return NULL;
        return bsearch(&k, c->e, c->n, sizeof(*c->e), cmp_entry);
}

static bool needs_escape(unsigned char ch) {
        return ch <= 0x20 || ch == 0x7f || ch == '\\';
}

static void put_escaped(FILE *f, const char *s) {
        const char *p = s;

        /* Most names need no escape: one fputs() instead of a call per
         * byte (an index of 10,000 paths is written at every proof). */
        while (*p && !needs_escape((unsigned char) *p))
                p++;
        if (!*p) {
                fputs(s, f);
                return;
        }
        for (; *s; s++) {
                unsigned char ch = (unsigned char) *s;

                if (needs_escape(ch))
                        fprintf(f, "\\x%02x", ch);
                else
                        fputc(ch, f);
        }
}

int lg_copies_format(const lg_copies *c, char **ret, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        fputs(COPIES_MAGIC "\n", f);
        for (size_t i = 0; i < c->n; i++) {
                fprintf(f, "%s ", c->e[i].key);
                put_escaped(f, c->e[i].agent);
                fputc(' ', f);
                put_escaped(f, c->e[i].path);
                fputc('\n', f);
        }
        fprintf(f, "end %zu\n", c->n);
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

/* In place. -EBADMSG for a bad escape or an empty field. */
static int unescape(char *s) {
        char *o = s;

        if (!*s)
                return -EBADMSG;
        for (char *p = s; *p; p++) {
                unsigned v;

                if (*p != '\\') {
                        *o++ = *p;
                        continue;
                }
                if (p[1] != 'x' || !p[2] || !p[3] || sscanf(p + 2, "%2x", &v) != 1 || v == 0)
                        return -EBADMSG;
                *o++ = (char) v;
                p += 3;
        }
        *o = '\0';
        return 0;
}

int lg_copies_parse(const char *buf, size_t size, lg_copies *ret) {
        _cleanup_free_ char *s = NULL;
        lg_copies c = {};
        char *line, *next;
        bool ended = false;
        int r = -EBADMSG;

        if (size > COPIES_MAX)
                return -EBADMSG;
        s = strndup(buf, size);
        if (!s)
                return -ENOMEM;
        if (strlen(s) != size)
                return -EBADMSG; /* a NUL byte inside */
        next = strchr(s, '\n');
        if (!next)
                return -EBADMSG;
        *next++ = '\0';
        if (!streq(s, COPIES_MAGIC))
                return -EBADMSG;
        for (line = next; line && *line; line = next) {
                char *agent, *path, *end;
                size_t count;

                next = strchr(line, '\n');
                if (!next)
                        goto fail; /* truncated */
                *next++ = '\0';
                if (ended)
                        goto fail;
                if (strncmp(line, "end ", 4) == 0) {
                        errno = 0;
                        count = strtoul(line + 4, &end, 10);
                        if (errno || *end || end == line + 4 || count != c.n)
                                goto fail;
                        ended = true;
                        continue;
                }
                agent = strchr(line, ' ');
                if (!agent)
                        goto fail;
                *agent++ = '\0';
                path = strchr(agent, ' ');
                if (!path)
                        goto fail;
                *path++ = '\0';
                if (strchr(path, ' ') || unescape(agent) < 0 || unescape(path) < 0)
                        goto fail;
                r = lg_copies_add(&c, agent, path, line);
                if (r == -EINVAL)
                        r = -EBADMSG;
                if (r < 0)
                        goto fail;
                r = -EBADMSG;
        }
        if (!ended)
                goto fail;
        lg_copies_sort(&c);
        for (size_t i = 1; i < c.n; i++)
                if (streq(c.e[i - 1].path, c.e[i].path))
                        goto fail; /* one copy per path */
        *ret = c;
        return 0;
fail:
        lg_copies_done(&c);
        return r;
}

int lg_copies_load(const lg_root *root, const char *path, lg_copies *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = lg_root_read_file(root, path, COPIES_MAX, &buf, &size);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return lg_copies_parse(buf, size, ret);
}

int lg_copies_load_at(int dfd, const char *name, lg_copies *ret) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        if (fd < 0)
                return errno == ELOOP ? -EBADMSG : negative_errno();
        r = lg_read_full_fd(fd, COPIES_MAX, &buf, &size);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return lg_copies_parse(buf, size, ret);
}

int lg_lastgood_copy_key(const lg_root *root, const char *agent, const char *path,
                         char ret_key[LG_CASTORE_KEY_LEN + 1]) {
        lg_copies c = {};
        const lg_copy_entry *e;
        int r;

        r = lg_copies_load(root, LG_COPIES_PATH, &c);
        if (r == -ENOENT)
                return -ENODATA;
        if (r < 0)
                return r;
        e = lg_copies_find(&c, path);
        if (!e || !streq(e->agent, agent)) {
                lg_copies_done(&c);
                return -ENOENT;
        }
        memcpy(ret_key, e->key, LG_CASTORE_KEY_LEN + 1);
        lg_copies_done(&c);
        return 0;
}

int lg_lastgood_copy_open(const lg_root *root, const char *agent, const char *path,
                          char ret_key[LG_CASTORE_KEY_LEN + 1]) {
        _cleanup_close_ int storefd = -EBADF;
        int r, fd;

        r = lg_lastgood_copy_key(root, agent, path, ret_key);
        if (r < 0)
                return r;
        storefd = lg_castore_open(root, false);
        if (storefd < 0)
                return storefd == -ELOOP || storefd == -ENOTDIR ? -EBADMSG : storefd;
        fd = lg_castore_open_entry(storefd, ret_key);
        return fd;
}
