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
        uint64_t usec;
} precord;

typedef struct precords {
        precord *r;
        size_t n;
} precords;

static void precords_done(precords *p) {
        for (size_t i = 0; i < p->n; i++)
                free(p->r[i].text);
        free(p->r);
        *p = (precords) {};
}

/* "Panic#2 Part1\n" → reason, count, part; returns the header length or 0. */
static size_t parse_header(const char *t, size_t n, precord *rec) {
        const char *nl = memchr(t, '\n', MIN(n, (size_t) 64));
        char buf[65], reason[24];
        int count, len = 0;
        unsigned part;

        if (!nl)
                return 0;
        memcpy(buf, t, nl - t);
        buf[nl - t] = 0;
        if (sscanf(buf, "%23[A-Za-z]#%d Part%u%n", reason, &count, &part, &len) != 3 || (size_t) len != (size_t) (nl - t))
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

        if (p->n % 32 == 0) {
                precord *a = realloc(p->r, (p->n + 32) * sizeof(precord));
                if (!a) {
                        free(rec.text);
                        return -ENOMEM;
                }
                p->r = a;
        }
        p->r[p->n++] = rec;
        return 1;
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

static int cmp_part_desc(const void *a, const void *b) {
        const precord *x = *(const precord *const *) a, *y = *(const precord *const *) b;
        /* Highest part first: Part1 holds the newest text. */
        return x->part < y->part ? 1 : x->part > y->part ? -1 : 0;
}

int lg_pstore_read(const lg_root *root, uint64_t since_usec, char **ret_text, size_t *ret_size) {
        _cleanup_(precords_done) precords p = {};
        _cleanup_free_ const precord **group = NULL;
        _cleanup_free_ char *joined = NULL;
        const precord *newest = NULL;
        size_t n_group = 0, size = 0;
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

        for (size_t i = 0; i < p.n; i++) {
                if (p.r[i].usec <= since_usec)
                        continue;
                if (!newest || p.r[i].usec > newest->usec ||
                    (p.r[i].usec == newest->usec && p.r[i].part < newest->part))
                        newest = &p.r[i];
        }
        if (!newest)
                return -ENOENT;

        group = calloc(p.n, sizeof(precord *));
        if (!group)
                return -ENOMEM;
        if (newest->part == 0)
                group[n_group++] = newest;
        else
                for (size_t i = 0; i < p.n; i++) {
                        const precord *c = &p.r[i];
                        uint64_t dt = c->usec > newest->usec ? c->usec - newest->usec : newest->usec - c->usec;
                        bool dup = false;

                        if (c->part == 0 || c->usec <= since_usec || dt > PSTORE_GROUP_WINDOW_USEC ||
                            c->count != newest->count || !streq(c->reason, newest->reason) ||
                            strncmp(c->backend, newest->backend, 3) != 0)
                                continue;
                        /* The same part seen twice (in /sys/fs/pstore and in
                         * systemd's archive): keep the one closest in time. */
                        for (size_t j = 0; j < n_group; j++)
                                if (group[j]->part == c->part) {
                                        uint64_t dj = group[j]->usec > newest->usec ? group[j]->usec - newest->usec
                                                                                    : newest->usec - group[j]->usec;
                                        if (dt < dj)
                                                group[j] = c;
                                        dup = true;
                                }
                        if (!dup)
                                group[n_group++] = c;
                }
        qsort(group, n_group, sizeof(precord *), cmp_part_desc);

        for (size_t i = 0; i < n_group; i++)
                size += group[i]->size;
        size = MIN(size, (size_t) PSTORE_JOINED_MAX);
        joined = malloc(size + 1);
        if (!joined)
                return -ENOMEM;
        size_t at = 0;
        for (size_t i = 0; i < n_group && at < size; i++) {
                size_t k = MIN(group[i]->size, size - at);
                memcpy(joined + at, group[i]->text, k);
                at += k;
        }
        joined[at] = 0;

        *ret_text = TAKE_PTR(joined);
        if (ret_size)
                *ret_size = at;
        return 0;
}
