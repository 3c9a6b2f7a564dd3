/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crash records pstore left: /sys/fs/pstore (the kernel's view of EFI
 * variables, ERST or ramoops) and /var/lib/systemd/pstore, where
 * systemd-pstore.service moves them at boot (its default Unlink=yes erases
 * the originals, so the main system must read both).
 *
 * A kmsg dump is written in parts, newest text first: pstore_dump() in the
 * kernel's fs/pstore/platform.c starts each part with "<Reason>#<count>
 * Part<n>", Part1 holding the end of the log. The file names carry the
 * record id: for EFI (drivers/firmware/efi/efi-pstore.c, generic_id())
 * id = (seconds * 100 + part) * 1000 + count; the kernel names the files
 * "dmesg-<backend>-<id>" (fs/pstore/inode.c) with backend "efi" or, since
 * Linux 6.x, "efi_pstore", and ".enc.z" when it could not decompress them.
 * systemd-pstore (src/pstore/pstore.c) keeps EFI parts in
 * <archive>/<id without its last 5 digits>/<count, 3 digits>/ and ERST
 * parts in <archive>/<first record id>/, each with a joined dmesg.txt,
 * and other backends' files in <archive>/ itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crash.h"
#include "macro.h"

#define PSTORE_FILE_MAX (1024 * 1024)   /* a part is a few KiB; anything bigger is not one */
#define PSTORE_RECORDS_MAX 4096
#define PSTORE_JOINED_MAX (4 * 1024 * 1024)
/* pstore_dump() stamps each part when it writes it: the parts of one dump
 * lie within milliseconds, maybe across a second boundary. Dumps of a boot
 * loop lie a boot apart and restart their count at 1, so the window must
 * stay far below the time a boot takes. */
#define PSTORE_GROUP_WINDOW_USEC (5ULL * 1000000ULL)

static inline void closedirp_(DIR **d) {
        if (*d)
                closedir(*d);
}

typedef struct precord {
        char *text;          /* without the part header */
        size_t size;
        char backend[24];
        char reason[24];     /* "Panic", "Oops", ... ("" without header) */
        int count;
        unsigned part;       /* 0 without header */
        uint64_t usec;       /* 0 when unknown (parts read from a text) */
        size_t dump;         /* the dump it was assigned to, or NO_DUMP */
        unsigned instance;   /* of its reason and count: see assign_dump() */
} precord;

#define NO_DUMP ((size_t) -1)

typedef struct precords {
        precord *r;
        size_t n;
        size_t *dump_first;  /* a record of each dump (its key and instance) */
        size_t n_dumps;
} precords;

static void precords_done(precords *p) {
        for (size_t i = 0; i < p->n; i++)
                free(p->r[i].text);
        free(p->r);
        free(p->dump_first);
        *p = (precords) {};
}

/* Takes over rec->text, also on failure. */
static int precords_push(precords *p, precord *rec) {
        if (p->n % 32 == 0) {
                precord *a = realloc(p->r, (p->n + 32) * sizeof(precord));
                if (!a) {
                        free(TAKE_PTR(rec->text));
                        return -ENOMEM;
                }
                p->r = a;
        }
        rec->dump = NO_DUMP;
        p->r[p->n++] = *rec;
        rec->text = NULL;
        return 0;
}

/* "Panic#2 Part1\n" (or "\r\n", a log that went through a mail or a
 * Windows editor) → reason, count, part; returns the header length
 * including the line end, or 0 when t does not start with a header. */
static size_t parse_header(const char *t, size_t n, precord *rec) {
        const char *nl = memchr(t, '\n', MIN(n, (size_t) 64));
        char buf[65], reason[24];
        size_t line;
        int count, len = 0;
        unsigned part;

        if (!nl)
                return 0;
        line = nl - t;
        if (line > 0 && t[line - 1] == '\r')
                line--;
        memcpy(buf, t, line);
        buf[line] = 0;
        if (sscanf(buf, "%23[A-Za-z]#%d Part%u%n", reason, &count, &part, &len) != 3 || (size_t) len != line ||
            part == 0)
                return 0;
        snprintf(rec->reason, sizeof(rec->reason), "%s", reason);
        rec->count = count;
        rec->part = part;
        return nl - t + 1;
}

/* Reads one dmesg-* file (or a dmesg.txt) at dirfd/name into the list.
 * Anything unreadable or odd is skipped: a crash record is a hint, never a
 * reason to fail. */
static int add_file(precords *p, int dirfd, const char *name, bool archive) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        precord rec = {};
        size_t size = 0;
        const char *b, *dash;

        if (p->n >= PSTORE_RECORDS_MAX)
                return 0;
        if (strncmp(name, "dmesg-", 6) != 0)
                return 0;
        if (strlen(name) > 6 && strstr(name, ".enc.z"))
                return 0; /* the kernel could not decompress it */

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return 0;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PSTORE_FILE_MAX)
                return 0;
        buf = malloc(PSTORE_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + size, PSTORE_FILE_MAX - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return 0;
                }
                if (k == 0)
                        break;
                size += k;
                if (size >= PSTORE_FILE_MAX)
                        break;
        }
        if (size == 0)
                return 0;

        b = name + 6;
        dash = strrchr(b, '-');
        if (dash && (size_t) (dash - b) < sizeof(rec.backend)) {
                memcpy(rec.backend, b, dash - b);
                rec.backend[dash - b] = 0;
        }
        rec.usec = (uint64_t) st.st_mtim.tv_sec * 1000000ULL + st.st_mtim.tv_nsec / 1000;
        if (archive && dash && (streq(rec.backend, "efi") || streq(rec.backend, "efi_pstore"))) {
                /* systemd-pstore copies the file: its mtime is the copy's.
                 * The record's own time is in the EFI id. */
                unsigned long long id = strtoull(dash + 1, NULL, 10);
                if (id / 100000 > 0)
                        rec.usec = (uint64_t) (id / 100000) * 1000000ULL;
        }

        size_t h = parse_header(buf, size, &rec);
        rec.size = size - h;
        rec.text = malloc(rec.size + 1);
        if (!rec.text)
                return -ENOMEM;
        memcpy(rec.text, buf + h, rec.size);
        rec.text[rec.size] = 0;

        int r = precords_push(p, &rec);
        return r < 0 ? r : 1;
}

/* Scans one folder; with depth > 0 also its subfolders. */
static int scan_dir(precords *p, int dirfd, unsigned depth, bool archive) {
        _cleanup_(closedirp_) DIR *d = NULL;
        int fd, r, found = 0;

        fd = dup(dirfd);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                if (depth > 0 && (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) &&
                    strncmp(de->d_name, "dmesg-", 6) != 0) {
                        _cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (sub >= 0) {
                                r = scan_dir(p, sub, depth - 1, archive);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                r = add_file(p, dirfd, de->d_name, archive);
                if (r < 0)
                        return r;
                found += r;
        }
        return found;
}

/* ---- the dumps of one crash, shared by the pstore folders and a text ------ */

static uint64_t usec_distance(uint64_t a, uint64_t b) {
        return a > b ? a - b : b - a;
}

static bool same_dump_key(const precord *a, const precord *b) {
        /* "efi" and "efi_pstore" are one backend under two kernel names. */
        return a->count == b->count && streq(a->reason, b->reason) && strncmp(a->backend, b->backend, 3) == 0;
}

/* Puts record i into a dump, identified by reason, count, backend and an
 * instance number. The same part seen again with the same text is a copy
 * (the pstore folder and systemd's archive, a dmesg.txt next to its parts)
 * and is dropped. The same part with another text belongs to another dump
 * that happens to carry the same "Reason#count": with split, the n-th text
 * of a part goes to the n-th instance (a text holding two boots' dumps);
 * without, the copy closest in time to near_usec stays (the time window
 * already kept other boots out). Linear in the records before i. */
static int assign_dump(precords *p, size_t i, bool split, uint64_t near_usec) {
        precord *c = &p->r[i];
        unsigned instance = 0;

        for (size_t j = 0; j < i; j++) {
                precord *o = &p->r[j];

                if (o->dump == NO_DUMP || o->part != c->part || !same_dump_key(o, c))
                        continue;
                if (o->size == c->size && memcmp(o->text, c->text, c->size) == 0)
                        return 0; /* a copy */
                if (split) {
                        instance++;
                        continue;
                }
                if (usec_distance(c->usec, near_usec) < usec_distance(o->usec, near_usec)) {
                        c->dump = o->dump;
                        c->instance = o->instance;
                        o->dump = NO_DUMP;
                }
                return 0;
        }
        c->instance = instance;
        for (size_t d = 0; d < p->n_dumps; d++) {
                const precord *f = &p->r[p->dump_first[d]];
                if (f->instance == instance && same_dump_key(f, c)) {
                        c->dump = d;
                        return 0;
                }
        }
        if (p->n_dumps % 32 == 0) {
                size_t *a = realloc(p->dump_first, (p->n_dumps + 32) * sizeof(size_t));
                if (!a)
                        return -ENOMEM;
                p->dump_first = a;
        }
        p->dump_first[p->n_dumps] = i;
        c->dump = p->n_dumps++;
        return 0;
}

static int cmp_part_desc(const void *a, const void *b) {
        const precord *x = *(const precord *const *) a, *y = *(const precord *const *) b;
        /* Highest part first: Part1 holds the newest text. Records are
         * unique per part within a dump; the index keeps the sort stable. */
        if (x->part != y->part)
                return x->part < y->part ? 1 : -1;
        return x < y ? -1 : x > y ? 1 : 0;
}

/* Joins the records in order, at most PSTORE_JOINED_MAX bytes. */
static int join_records(const precord **list, size_t n, char **ret_text, size_t *ret_size) {
        _cleanup_free_ char *joined = NULL;
        size_t size = 0, at = 0;

        for (size_t i = 0; i < n; i++)
                size += list[i]->size;
        size = MIN(size, (size_t) PSTORE_JOINED_MAX);
        joined = malloc(size + 1);
        if (!joined)
                return -ENOMEM;
        for (size_t i = 0; i < n && at < size; i++) {
                size_t k = MIN(list[i]->size, size - at);
                memcpy(joined + at, list[i]->text, k);
                at += k;
        }
        joined[at] = 0;
        *ret_text = TAKE_PTR(joined);
        if (ret_size)
                *ret_size = at;
        return 0;
}

/* One crash can leave several dumps: an oops is dumped ("Oops#1"), then
 * oops=panic dumps the log again ("Panic#2"), and either may have been cut
 * short when the backend ran out of space. They are views of the same log
 * tail, so the one holding the most text shows the most of it; on a tie the
 * later dump (the higher count), then the dump of newest, then the first
 * seen. Joins that dump's parts, oldest text first. */
static int join_best_dump(const precords *p, const precord *newest, lg_pstore_info *ret_info, char **ret_text,
                          size_t *ret_size) {
        _cleanup_free_ const precord **list = NULL;
        size_t best = NO_DUMP, best_bytes = 0, n = 0;
        int best_count = 0;
        bool best_newest = false;

        for (size_t d = 0; d < p->n_dumps; d++) {
                size_t bytes = 0;
                int count = 0;
                bool has = false, any = false;

                for (size_t i = 0; i < p->n; i++)
                        if (p->r[i].dump == d) {
                                any = true;
                                bytes += p->r[i].size;
                                count = p->r[i].count;
                                has = has || &p->r[i] == newest;
                        }
                if (!any)
                        continue;
                if (best == NO_DUMP || bytes > best_bytes || (bytes == best_bytes && count > best_count) ||
                    (bytes == best_bytes && count == best_count && has && !best_newest)) {
                        best = d;
                        best_bytes = bytes;
                        best_count = count;
                        best_newest = has;
                }
        }
        if (best == NO_DUMP)
                return -ENOENT;

        list = calloc(p->n, sizeof(precord *));
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < p->n; i++)
                if (p->r[i].dump == best)
                        list[n++] = &p->r[i];
        qsort(list, n, sizeof(precord *), cmp_part_desc);

        if (ret_info) {
                *ret_info = (lg_pstore_info) { .count = list[0]->count, .parts = n };
                snprintf(ret_info->reason, sizeof(ret_info->reason), "%s", list[0]->reason);
                ret_info->dumps = p->n_dumps; /* a dump never loses its last part */
        }
        return join_records(list, n, ret_text, ret_size);
}

int lg_pstore_read(const lg_root *root, uint64_t since_usec, char **ret_text, size_t *ret_size) {
        _cleanup_(precords_done) precords p = {};
        const precord *newest = NULL;
        int r;

        static const struct {
                const char *path;
                unsigned depth;
                bool archive;
        } sources[] = {
                { "/sys/fs/pstore", 0, false },
                { "/var/lib/systemd/pstore", 2, true },
        };
        for (size_t i = 0; i < ELEMENTSOF(sources); i++) {
                _cleanup_close_ int fd = lg_root_open(root, sources[i].path, O_RDONLY | O_DIRECTORY, 0);
                if (fd < 0)
                        continue;
                r = scan_dir(&p, fd, sources[i].depth, sources[i].archive);
                if (r < 0)
                        return r;
        }

        /* The newest record; at the same time (EFI stamps whole seconds)
         * the later dump of the crash, then its newest part. */
        for (size_t i = 0; i < p.n; i++) {
                const precord *c = &p.r[i];
                if (since_usec > 0 && c->usec <= since_usec)
                        continue;
                if (!newest || c->usec > newest->usec ||
                    (c->usec == newest->usec &&
                     (c->count > newest->count || (c->count == newest->count && c->part < newest->part))))
                        newest = c;
        }
        if (!newest)
                return -ENOENT;
        if (newest->part == 0) /* a record without header stands alone */
                return join_records(&newest, 1, ret_text, ret_size);

        /* The dumps of the newest crash: same backend, within the window. */
        for (size_t i = 0; i < p.n; i++) {
                const precord *c = &p.r[i];
                if (c->part == 0 || (since_usec > 0 && c->usec <= since_usec) ||
                    usec_distance(c->usec, newest->usec) > PSTORE_GROUP_WINDOW_USEC ||
                    strncmp(c->backend, newest->backend, 3) != 0)
                        continue;
                r = assign_dump(&p, i, false, newest->usec);
                if (r < 0)
                        return r;
        }
        return join_best_dump(&p, newest, NULL, ret_text, ret_size);
}

int lg_pstore_reassemble(const char *text, size_t size, char **ret_text, size_t *ret_size, lg_pstore_info *ret_info) {
        _cleanup_(precords_done) precords p = {};
        const char *body = NULL;  /* the text of the part whose header came last */
        precord cur = {};
        int r;

        /* A header starts a line; the part runs to the next header. Text
         * before the first header belongs to no part and is left out. */
        for (size_t pos = 0; pos <= size;) {
                const char *line = text + pos;
                precord h = {};
                size_t hl = pos < size && p.n < PSTORE_RECORDS_MAX ? parse_header(line, size - pos, &h) : 0;

                if (hl > 0 || pos == size) {
                        if (body) {
                                cur.size = line - body;
                                cur.text = malloc(cur.size + 1);
                                if (!cur.text)
                                        return -ENOMEM;
                                memcpy(cur.text, body, cur.size);
                                cur.text[cur.size] = 0;
                                r = precords_push(&p, &cur);
                                if (r < 0)
                                        return r;
                        }
                        if (pos == size)
                                break;
                        cur = h;
                        body = line + hl;
                        pos += hl;
                        continue;
                }
                const char *nl = memchr(line, '\n', size - pos);
                pos = nl ? (size_t) (nl - text) + 1 : size;
        }
        if (p.n == 0)
                return 0; /* no part header: a plain log */

        for (size_t i = 0; i < p.n; i++) {
                r = assign_dump(&p, i, true, 0);
                if (r < 0)
                        return r;
        }
        r = join_best_dump(&p, NULL, ret_info, ret_text, ret_size);
        return r < 0 ? r : 1;
}
