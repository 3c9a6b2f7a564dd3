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

/* -1 for no hex digit; a table: 100,000 lines are 6.4 million digits. */
static const int8_t hex_table[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
        ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
        ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(char c) {
        return hex_table[(unsigned char) c] - 1;
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

                if ((hi | lo) < 0)
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

static uint64_t key_of(const uint8_t *sha) {
        uint64_t k = 0;

        for (size_t i = 0; i < 8; i++)
                k = k << 8 | sha[i];
        return k ? k : 1;
}

static uint64_t mix(uint64_t k) {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdULL;
        return k ^ (k >> 33);
}

static bool filter_has_key(const lg_deny_filter *f, uint64_t k) {
        if (f->cap == 0)
                return false;
        for (size_t h = mix(k) & (f->cap - 1);; h = (h + 1) & (f->cap - 1)) {
                if (f->keys[h] == 0)
                        return false;
                if (f->keys[h] == k)
                        return true;
        }
}

static uint64_t hash_name(const char *s, size_t len) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char) (s[i] == '-' ? '_' : s[i]);
                h *= 0x100000001b3ULL;
        }
        return h;
}

static bool filter_has_name(const lg_deny_filter *f, const char *s, size_t len) {
        if (f->names_cap == 0)
                return false;
        for (size_t h = hash_name(s, len) & (f->names_cap - 1); f->names[h]; h = (h + 1) & (f->names_cap - 1)) {
                const char *n = f->names[h];
                size_t i = 0;

                for (; i < len && n[i]; i++)
                        if ((s[i] == '-' ? '_' : s[i]) != n[i])
                                break;
                if (i == len && !n[i])
                        return true;
        }
        return false;
}

int lg_deny_filter_add_sha(lg_deny_filter *f, const uint8_t sha[LG_SHA256_SIZE]);
int lg_deny_filter_add_sha(lg_deny_filter *f, const uint8_t sha[LG_SHA256_SIZE]) {
        uint64_t k = key_of(sha);
        size_t h;

        if (f->cap == 0)
                return -EINVAL;
        for (h = mix(k) & (f->cap - 1); f->keys[h] && f->keys[h] != k; h = (h + 1) & (f->cap - 1))
                ;
        f->keys[h] = k;
        return 0;
}

int lg_deny_filter_add_name(lg_deny_filter *f, const char *name);
int lg_deny_filter_add_name(lg_deny_filter *f, const char *name) {
        size_t h;

        if (f->names_cap == 0)
                return -EINVAL;
        for (h = hash_name(name, strlen(name)) & (f->names_cap - 1); f->names[h]; h = (h + 1) & (f->names_cap - 1))
                if (streq(f->names[h], name))
                        return 0;
        f->names[h] = strdup(name);
        return f->names[h] ? 0 : -ENOMEM;
}

void lg_deny_filter_done(lg_deny_filter *f) {
        if (!f)
                return;
        for (size_t i = 0; i < f->names_cap; i++)
                free(f->names[i]);
        free(f->names);
        free(f->keys);
        *f = (lg_deny_filter) {};
}

/* With a filter: whether the line at p (eol its end) needs parsing. A line
 * that does not start with a well-formed first field is parsed (and its
 * problem said); one whose fingerprint the host has not, and that names no
 * in-tree module of the host, is not. */
static bool wanted(const lg_deny_filter *f, const char *p, const char *eol) {
        const char *q = p, *k, *n;
        uint64_t key = 0;

        while (q < eol && is_blank(*q))
                q++;
        if (q == eol || *q == '#')
                return false;
        if (eol - q < 71 || memcmp(q, "sha256:", 7) != 0 || (q + 71 < eol && !is_blank(q[71])))
                return true;
        for (size_t i = 0; i < 16; i++) {
                int v = hexval(q[7 + i]);

                if (v < 0)
                        return true;
                key = key << 4 | (uint64_t) v;
        }
        if (filter_has_key(f, key ? key : 1))
                return true;
        if (f->names_cap == 0)
                return false;
        /* KIND "module", then NAME, as written (in-tree names need no
         * escape; one with an escape is no in-tree name). */
        for (k = q + 71; k < eol && is_blank(*k); k++)
                ;
        if (eol - k < 8 || memcmp(k, "module", 6) != 0 || !is_blank(k[6]))
                return false;
        for (k += 7; k < eol && is_blank(*k); k++)
                ;
        for (n = k; n < eol && !is_blank(*n); n++)
                ;
        return n > k && filter_has_name(f, k, (size_t) (n - k));
}

/* linenos: the line number of each line of buf (the kept lines of a
 * filtered read), or NULL: counted. */
static int parse_buffer(lg_deny *d, const char *file, char *buf, size_t size, const unsigned *linenos) {
        unsigned idx, lineno = 0;
        size_t k = 0;
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

                lineno = linenos ? linenos[k++] : lineno + 1;
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
                if (d->filter && !wanted(d->filter, p, eol)) {
                        d->n_skipped++;
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

int lg_deny_parse(lg_deny *d, const char *file, char *buf, size_t size) {
        return parse_buffer(d, file, buf, size, NULL);
}

static int cmp_entry(const void *a, const void *b) {
        const lg_deny_entry *x = a, *y = b;
        uint64_t kx = key_of(x->sha256), ky = key_of(y->sha256);
        int c = kx < ky ? -1 : kx > ky ? 1 : memcmp(x->sha256, y->sha256, LG_SHA256_SIZE);

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

static int append(char **buf, size_t *size, size_t *alloc, const char *p, size_t n) {
        if (*size + n + 1 > *alloc) {
                size_t want = MAX(*alloc * 2, *size + n + 1 + 4096);
                char *t = realloc(*buf, want);

                if (!t)
                        return -ENOMEM;
                *buf = t;
                *alloc = want;
        }
        memcpy(*buf + *size, p, n);
        *size += n;
        (*buf)[*size] = '\0';
        return 0;
}

/* With a filter: the file read in chunks, only the lines it wants kept
 * (the others as empty lines, so that line numbers stay), and then parsed:
 * a list of 100,000 entries costs its reading, not its size in memory. */
static int read_filtered(lg_deny *d, int fd, const char *path) {
        enum { CHUNK = 65536 };
        _cleanup_free_ char *win = malloc(CHUNK + LG_DENY_LINE_MAX + 2);
        char *kept = NULL;
        _cleanup_free_ unsigned *linenos = NULL;
        size_t have = 0, size = 0, alloc = 0, total = 0, skipped = 0, n_long = 0, n_kept = 0, alloc_kept = 0;
        unsigned lineno = 0, longs[LG_DENY_PROBLEMS_MAX];
        bool in_long = false, eof = false;
        int r = 0;

        if (!win)
                return -ENOMEM;
        while (!eof && r >= 0) {
                ssize_t n = read(fd, win + have, CHUNK + LG_DENY_LINE_MAX + 1 - have);
                char *p = win, *end;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        free(kept);
                        return lg_deny_add_problem_file(d, path, 0, "cannot be read");
                }
                eof = n == 0;
                have += (size_t) n;
                total += (size_t) n;
                if (total > LG_DENY_FILE_MAX) {
                        free(kept);
                        return lg_deny_add_problem_file(d, path, 0, "is too large");
                }
                end = win + have;
                for (;;) {
                        char *nl = memchr(p, '\n', (size_t) (end - p)), *eol = nl ? nl : end;

                        if (!nl && (!eof || p == end))
                                break;
                        if (in_long) {
                                /* The rest of a line already said too long. */
                                in_long = false;
                        } else {
                                lineno++;
                                if ((size_t) (eol - p) > LG_DENY_LINE_MAX) {
                                        if (n_long < ELEMENTSOF(longs))
                                                longs[n_long] = lineno;
                                        n_long++;
                                } else if (wanted(d->filter, p, eol)) {
                                        if (n_kept == alloc_kept) {
                                                size_t want = alloc_kept ? alloc_kept * 2 : 64;
                                                unsigned *t = realloc(linenos, sizeof(*t) * want);

                                                if (!t) {
                                                        r = -ENOMEM;
                                                        break;
                                                }
                                                linenos = t;
                                                alloc_kept = want;
                                        }
                                        linenos[n_kept++] = lineno;
                                        r = append(&kept, &size, &alloc, p, (size_t) (eol - p) + 1);
                                        if (r >= 0 && !nl)
                                                kept[size - 1] = '\n';
                                } else
                                        skipped++;
                                if (r < 0)
                                        break;
                        }
                        p = nl ? nl + 1 : end;
                }
                have = (size_t) (end - p);
                memmove(win, p, have);
                if (have > LG_DENY_LINE_MAX) {
                        /* No newline in sight: a line too long, its rest
                         * skipped up to the next newline. */
                        if (!in_long) {
                                lineno++;
                                if (n_long < ELEMENTSOF(longs))
                                        longs[n_long] = lineno;
                                n_long++;
                        }
                        have = 0;
                        in_long = true;
                }
        }
        if (r < 0) {
                free(kept);
                return r;
        }
        /* The kept lines are wanted already: no filter on the second pass. */
        const lg_deny_filter *f = d->filter;
        d->filter = NULL;
        r = parse_buffer(d, path, kept, size, linenos);
        d->filter = f;
        if (r < 0)
                return r;
        d->n_skipped += skipped;
        for (size_t i = 0; i < MIN(n_long, ELEMENTSOF(longs)); i++)
                problem(d, (unsigned) d->n_files - 1, longs[i], "line too long");
        d->n_problems_total += n_long > ELEMENTSOF(longs) ? n_long - ELEMENTSOF(longs) : 0;
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
        if (d->filter)
                return read_filtered(d, fd, path);
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
        return lg_deny_load_filtered(root, NULL, ret);
}

int lg_deny_load_filtered(const lg_root *root, const lg_deny_filter *filter, lg_deny *ret) {
        static const char *const dirs[] = { LG_DENY_DIR_ETC, LG_DENY_DIR_USR };
        lg_deny d = { .filter = filter };
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
