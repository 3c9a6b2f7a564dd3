/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Deny lists: the parser (pure, in place over the file's buffer: no
 * allocation per entry, so 100,000 entries cost one array and a sort) and
 * the loader with its trust checks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deny.h"
#include "macro.h"
#include "safepath.h"

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

char *lg_sha256_to_string(const uint8_t sha256[LG_SHA256_SIZE], char out[static LG_SHA256_STRING_MAX]) {
        static const char hex[] = "0123456789abcdef";
        char *p = out;

        memcpy(p, "sha256:", 7);
        p += 7;
        for (size_t i = 0; i < LG_SHA256_SIZE; i++) {
                *p++ = hex[sha256[i] >> 4];
                *p++ = hex[sha256[i] & 15];
        }
        *p = '\0';
        return out;
}

int lg_sha256_from_string(const char *s, size_t len, uint8_t ret[LG_SHA256_SIZE]) {
        uint8_t v[LG_SHA256_SIZE];

        if (len != 7 + 2 * LG_SHA256_SIZE || strncmp(s, "sha256:", 7) != 0)
                return -EINVAL;
        for (size_t i = 0; i < LG_SHA256_SIZE; i++) {
                int hi = hexval(s[7 + 2 * i]), lo = hexval(s[8 + 2 * i]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                v[i] = (uint8_t) (hi << 4 | lo);
        }
        memcpy(ret, v, sizeof(v));
        return 0;
}

static int add_file(lg_deny *d, const char *file, char *buf) {
        char **f, **b;
        bool *ig;

        f = realloc(d->files, sizeof(*f) * (d->n_files + 1));
        if (!f)
                goto fail;
        d->files = f;
        b = realloc(d->buffers, sizeof(*b) * (d->n_files + 1));
        if (!b)
                goto fail;
        d->buffers = b;
        ig = realloc(d->ignored, sizeof(*ig) * (d->n_files + 1));
        if (!ig)
                goto fail;
        d->ignored = ig;
        d->files[d->n_files] = strdup(file ? file : "-");
        if (!d->files[d->n_files])
                goto fail;
        d->buffers[d->n_files] = buf;
        d->ignored[d->n_files] = false;
        d->n_files++;
        return 0;
fail:
        free(buf);
        return -ENOMEM;
}

static void problem(lg_deny *d, unsigned file, unsigned line, const char *what) {
        d->n_problems_total++;
        if (d->n_problems < LG_DENY_PROBLEMS_MAX)
                d->problems[d->n_problems++] = (lg_deny_problem) { .file = file, .line = line, .what = what };
}

int lg_deny_add_problem_file(lg_deny *d, const char *file, unsigned line, const char *what) {
        int r = add_file(d, file, NULL);

        if (r < 0)
                return r;
        d->ignored[d->n_files - 1] = line == 0;
        problem(d, (unsigned) d->n_files - 1, line, what);
        return 0;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* \xHH in place; no NUL, nothing else escaped. false when malformed. */
static bool unescape_name(char *s) {
        char *o = s;

        for (char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                int hi, lo;

                if (c != '\\') {
                        /* Blank and unprintable bytes must come escaped;
                         * UTF-8 beyond ASCII too (one spelling per name). */
                        if (c <= 0x20 || c >= 0x7f)
                                return false;
                        *o++ = *p;
                        continue;
                }
                if (p[1] != 'x' || (hi = hexval(p[2])) < 0 || (lo = hexval(p[3])) < 0 || (hi == 0 && lo == 0))
                        return false;
                *o++ = (char) (hi << 4 | lo);
                p += 3;
        }
        *o = '\0';
        return o > s;
}

/* One line (NUL-terminated, in place). 1: an entry in *e, 0: nothing on
 * it, else a problem's text in *ret_what. */
static int parse_line(char *line, lg_deny_entry *e, const char **ret_what) {
        char *f[5];
        size_t n = 0;
        char *p = line;

        for (char *q = line; *q; q++) {
                unsigned char c = (unsigned char) *q;

                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        *ret_what = "binary data (a control byte)";
                        return -1;
                }
        }
        for (;;) {
                while (is_blank(*p))
                        p++;
                if (!*p || *p == '#')
                        break;
                if (n == ELEMENTSOF(f)) {
                        *ret_what = "too many fields (a comment starts with #)";
                        return -1;
                }
                f[n++] = p;
                while (*p && !is_blank(*p))
                        p++;
                if (*p)
                        *p++ = '\0';
        }
        if (n == 0)
                return 0;
        if (n < 3) {
                *ret_what = "missing fields (sha256:HEX KIND NAME [AGENT])";
                return -1;
        }
        if (n > 4) {
                *ret_what = "too many fields (a comment starts with #)";
                return -1;
        }
        if (lg_sha256_from_string(f[0], strlen(f[0]), e->sha256) < 0) {
                *ret_what = strncmp(f[0], "sha256:", 7) != 0 ? "not a sha256: fingerprint"
                            : strlen(f[0]) != 7 + 2 * LG_SHA256_SIZE
                                    ? "fingerprint of the wrong length (64 hex digits)"
                                    : "fingerprint with a non-hex digit";
                return -1;
        }
        if (streq(f[1], "module"))
                e->kind = LG_ITEM_MODULE;
        else if (streq(f[1], "content"))
                e->kind = LG_ITEM_CONTENT;
        else {
                *ret_what = "unknown kind (module or content)";
                return -1;
        }
        if (!unescape_name(f[2])) {
                *ret_what = "bad name (\\xHH for blank or unprintable bytes)";
                return -1;
        }
        e->name = f[2];
        e->agent = NULL;
        if (n == 4 && !streq(f[3], "-")) {
                if (!unescape_name(f[3])) {
                        *ret_what = "bad agent name";
                        return -1;
                }
                e->agent = f[3];
        }
        return 1;
}

int lg_deny_parse(lg_deny *d, const char *file, char *buf, size_t size) {
        unsigned idx, lineno = 0;
        char *p, *end;
        int taken = 0, r;

        r = add_file(d, file, buf);
        if (r < 0)
                return r;
        idx = (unsigned) d->n_files - 1;
        if (!buf)
                return 0;
        p = buf;
        end = buf + size;
        while (p < end) {
                char *nl = memchr(p, '\n', (size_t) (end - p)), *eol = nl ? nl : end;
                size_t len = (size_t) (eol - p);
                lg_deny_entry e = {};
                const char *what = NULL;

                lineno++;
                if (len > LG_DENY_LINE_MAX) {
                        problem(d, idx, lineno, "line too long");
                        p = eol + 1;
                        continue;
                }
                /* A NUL inside the line is binary data too. */
                if (memchr(p, '\0', len)) {
                        problem(d, idx, lineno, "binary data (a NUL byte)");
                        p = eol + 1;
                        continue;
                }
                *eol = '\0';
                r = parse_line(p, &e, &what);
                p = eol + 1;
                if (r == 0)
                        continue;
                if (r < 0) {
                        problem(d, idx, lineno, what);
                        continue;
                }
                if (d->n >= LG_DENY_ENTRIES_MAX) {
                        problem(d, idx, lineno, "too many entries: the rest is ignored");
                        break;
                }
                if (d->n == d->alloc) {
                        size_t want = d->alloc ? d->alloc * 2 : 256;
                        lg_deny_entry *t = realloc(d->entries, sizeof(*t) * want);

                        if (!t)
                                return -ENOMEM;
                        d->entries = t;
                        d->alloc = want;
                }
                e.file = idx;
                e.line = lineno;
                d->entries[d->n++] = e;
                taken++;
        }
        return taken;
}

static int cmp_entry(const void *a, const void *b) {
        const lg_deny_entry *x = a, *y = b;
        int c = memcmp(x->sha256, y->sha256, LG_SHA256_SIZE);

        if (c)
                return c;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        /* The first by file order and line is kept. */
        if (x->file != y->file)
                return x->file < y->file ? -1 : 1;
        return x->line < y->line ? -1 : x->line > y->line;
}

int lg_deny_finish(lg_deny *d) {
        size_t w = 0;

        if (d->n > 1)
                qsort(d->entries, d->n, sizeof(*d->entries), cmp_entry);
        for (size_t i = 0; i < d->n; i++) {
                if (w > 0 && d->entries[w - 1].kind == d->entries[i].kind &&
                    memcmp(d->entries[w - 1].sha256, d->entries[i].sha256, LG_SHA256_SIZE) == 0) {
                        problem(d, d->entries[i].file, d->entries[i].line, "duplicate of an earlier entry");
                        continue;
                }
                d->entries[w++] = d->entries[i];
        }
        d->n = w;
        return 0;
}

const lg_deny_entry *lg_deny_find(const lg_deny *d, lg_item_kind kind, const uint8_t sha256[LG_SHA256_SIZE]) {
        size_t lo = 0, hi;

        if (!d || !sha256)
                return NULL;
        hi = d->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const lg_deny_entry *e = &d->entries[mid];
                int c = memcmp(e->sha256, sha256, LG_SHA256_SIZE);

                if (c == 0)
                        c = e->kind == kind ? 0 : e->kind < kind ? -1 : 1;
                if (c == 0)
                        return e;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

const char *lg_deny_untrusted(const struct stat *st, uid_t self) {
        if (S_ISLNK(st->st_mode))
                return "is a symlink";
        if (st->st_uid != 0 && st->st_uid != self)
                return "is not owned by root";
        if (st->st_mode & S_IWOTH)
                return "is writable by others";
        if ((st->st_mode & S_IWGRP) && st->st_gid != 0)
                return "is writable by a group other than root";
        return NULL;
}

const char *lg_deny_where(const lg_deny *d, const lg_deny_entry *e, char *buf, size_t size) {
        snprintf(buf, size, "%s:%u", e->file < d->n_files ? d->files[e->file] : "?", e->line);
        return buf;
}

static bool is_list_name(const char *n) {
        size_t len = strlen(n);

        return n[0] != '.' && len > 5 && streq(n + len - 5, ".list");
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The *.list names of a folder, sorted. */
static int list_names(int dfd, char ***ret, size_t *ret_n) {
        DIR *dir;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;
        int fd = dup(dfd);

        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(dir)) && n < LG_DENY_FILES_MAX) {
                char **t;

                if (!is_list_name(de->d_name))
                        continue;
                t = realloc(names, sizeof(*t) * (n + 1));
                if (!t || !(t[n] = strdup(de->d_name))) {
                        names = t ? t : names;
                        for (size_t i = 0; i < n; i++)
                                free(names[i]);
                        free(names);
                        closedir(dir);
                        return -ENOMEM;
                }
                names = t;
                n++;
        }
        closedir(dir);
        if (n > 1)
                qsort(names, n, sizeof(*names), cmp_str);
        *ret = names;
        *ret_n = n;
        return 0;
}

static int load_file(lg_deny *d, int dfd, const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        char *buf = NULL;
        size_t size = 0;
        const char *why;
        struct stat st;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return lg_deny_add_problem_file(d, path, 0,
                                                errno == ELOOP ? "is a symlink" : "cannot be opened");
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return lg_deny_add_problem_file(d, path, 0, "is no regular file");
        why = lg_deny_untrusted(&st, geteuid());
        if (why)
                return lg_deny_add_problem_file(d, path, 0, why);
        r = lg_read_full_fd(fd, LG_DENY_FILE_MAX, &buf, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return lg_deny_add_problem_file(d, path, 0, r == -EFBIG ? "is too large" : "cannot be read");
        /* lg_read_full_fd() leaves a NUL after the data: the last line
         * may end without a newline. */
        r = lg_deny_parse(d, path, buf, size);
        return r < 0 ? r : 0;
}

int lg_deny_load(const lg_root *root, lg_deny *ret) {
        static const char *const dirs[] = { LG_DENY_DIR_ETC, LG_DENY_DIR_USR };
        lg_deny d = {};
        char **seen = NULL;
        size_t n_seen = 0;
        int r = 0;

        for (size_t k = 0; k < ELEMENTSOF(dirs) && r >= 0; k++) {
                _cleanup_close_ int dfd = lg_safe_open(root, dirs[k], O_RDONLY | O_DIRECTORY);
                char **names = NULL;
                size_t n = 0;
                struct stat st;
                const char *why;

                if (dfd == -ENOENT)
                        continue;
                if (dfd < 0) {
                        r = lg_deny_add_problem_file(&d, dirs[k], 0,
                                                     dfd == -ELOOP ? "is reached through a symlink"
                                                                   : "cannot be opened");
                        continue;
                }
                if (fstat(dfd, &st) < 0)
                        continue;
                why = lg_deny_untrusted(&st, geteuid());
                if (why) {
                        r = lg_deny_add_problem_file(&d, dirs[k], 0, why);
                        continue;
                }
                r = list_names(dfd, &names, &n);
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        bool masked = false;

                        for (size_t j = 0; j < n_seen && !masked; j++)
                                masked = streq(seen[j], names[i]);
                        if (!masked)
                                r = load_file(&d, dfd, dirs[k], names[i]);
                }
                for (size_t i = 0; i < n; i++) {
                        char **t = r >= 0 ? realloc(seen, sizeof(*t) * (n_seen + 1)) : NULL;

                        if (!t) {
                                free(names[i]);
                                r = r < 0 ? r : -ENOMEM;
                                continue;
                        }
                        seen = t;
                        seen[n_seen++] = names[i];
                }
                free(names);
        }
        for (size_t i = 0; i < n_seen; i++)
                free(seen[i]);
        free(seen);
        if (r >= 0)
                r = lg_deny_finish(&d);
        if (r < 0) {
                lg_deny_done(&d);
                return r;
        }
        *ret = d;
        return 0;
}

void lg_deny_done(lg_deny *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n_files; i++) {
                free(d->files[i]);
                free(d->buffers[i]);
        }
        free(d->files);
        free(d->buffers);
        free(d->ignored);
        free(d->entries);
        *d = (lg_deny) {};
}
