/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content-addressed store of last good copies (see castore.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "castore.h"
#include "copy.h"
#include "macro.h"
#include "safepath.h"
#include "sha256.h"

#define STORE_MAGIC "lastgood-store 1"

bool lg_castore_key_valid(const char *key) {
        size_t i;

        if (!key)
                return false;
        for (i = 0; i < LG_CASTORE_KEY_LEN; i++)
                if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
                        return false;
        return key[i] == '\0';
}

int lg_castore_open(const lg_root *root, bool create) {
        int fd;

        if (create) {
                int r = lg_root_mkdir_p(root, LG_CASTORE_DIR, 0700);

                if (r < 0)
                        return r;
        }
        fd = lg_root_open(root, LG_CASTORE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
        /* Root's and 0700 whatever made it (a copy keeps its owner's mode,
         * the folder keeps everyone else out). */
        if (fd >= 0 && create) {
                struct stat st;

                if (fstat(fd, &st) == 0 && (st.st_mode & 07777) != 0700)
                        (void) fchmod(fd, 0700);
        }
        return fd;
}

static void put_le64(lg_sha256 *s, uint64_t v) {
        uint8_t b[8];

        for (unsigned i = 0; i < 8; i++)
                b[i] = (uint8_t) (v >> (8 * i));
        lg_sha256_update(s, b, sizeof(b));
}

int lg_castore_key_fd(int fd, uint64_t max, char ret_key[LG_CASTORE_KEY_LEN + 1]) {
        static const char hex[] = "0123456789abcdef";
        char buf[65536];
        uint8_t md[LG_SHA256_SIZE];
        struct stat st;
        lg_sha256 s;
        uint64_t total = 0;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;
        lg_sha256_init(&s);
        lg_sha256_update(&s, STORE_MAGIC, sizeof(STORE_MAGIC));
        put_le64(&s, st.st_uid);
        put_le64(&s, st.st_gid);
        put_le64(&s, st.st_mode & 07777);
        put_le64(&s, (uint64_t) st.st_mtim.tv_sec);
        put_le64(&s, (uint64_t) st.st_mtim.tv_nsec);
        put_le64(&s, (uint64_t) st.st_size);
        for (;;) {
                ssize_t n = pread(fd, buf, sizeof(buf), (off_t) total);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                total += (uint64_t) n;
                if (total > max)
                        return -EFBIG;
                lg_sha256_update(&s, buf, (size_t) n);
        }
        /* Grown or shrunk while read: what we read is not what the header
         * says. */
        if (total != (uint64_t) st.st_size)
                return -EBADMSG;
        lg_sha256_final(&s, md);
        for (unsigned i = 0; i < LG_SHA256_SIZE; i++) {
                ret_key[2 * i] = hex[md[i] >> 4];
                ret_key[2 * i + 1] = hex[md[i] & 15];
        }
        ret_key[LG_CASTORE_KEY_LEN] = '\0';
        return 0;
}

/* The copy named key in the folder bfd is sound. 1 yes, 0 no or missing,
 * -errno when it cannot be read. */
static int entry_ok(int bfd, const char *key) {
        _cleanup_close_ int fd = openat(bfd, key, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        char k[LG_CASTORE_KEY_LEN + 1];
        int r;

        if (fd < 0)
                return errno == ENOENT || errno == ELOOP ? 0 : negative_errno();
        r = lg_castore_key_fd(fd, LG_CONTENT_FILE_MAX, k);
        if (r == -EBADMSG || r == -EFBIG)
                return 0;
        if (r < 0)
                return r;
        return streq(k, key);
}

static int open_bucket(int storefd, const char *key, bool create) {
        char b[3] = { key[0], key[1], '\0' };
        int fd;

        if (create && mkdirat(storefd, b, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        fd = openat(storefd, b, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

int lg_castore_put(int storefd, int in, const struct stat *st, uint64_t max_data,
                   char ret_key[LG_CASTORE_KEY_LEN + 1], uint64_t *ret_data, bool *ret_new) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int out = -EBADF, bfd = -EBADF;
        char key[LG_CASTORE_KEY_LEN + 1];
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        uint64_t data = 0;
        bool fresh = true;
        int r;

        if (!S_ISREG(st->st_mode))
                return -EINVAL;
        r = lg_tmp_name("put", &tmp);
        if (r < 0)
                return r;
        out = openat(storefd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return negative_errno();
        /* A reflink costs nothing on btrfs/xfs (and keeps holes); elsewhere
         * the data extents only, so that a sparse file stays sparse. */
        if (ioctl(out, FICLONE, in) != 0)
                r = lg_copy_sparse(in, out, (uint64_t) st->st_size, max_data, &data);
        if (r >= 0) {
                /* Owner kept where possible; a copy left root's is no
                 * worse. */
                if (fchown(out, st->st_uid, st->st_gid) < 0) {
                }
                if (fchmod(out, st->st_mode & 07777) < 0 || futimens(out, ts) < 0)
                        r = negative_errno();
        }
        if (r >= 0)
                r = lg_castore_key_fd(out, LG_CONTENT_FILE_MAX, key);
        if (r >= 0) {
                bfd = open_bucket(storefd, key, true);
                r = bfd < 0 ? bfd : 0;
        }
        if (r >= 0) {
                r = entry_ok(bfd, key);
                if (r > 0)
                        fresh = false; /* stored already: ours goes */
                else if (r == 0 && renameat(storefd, tmp, bfd, key) < 0)
                        r = negative_errno();
        }
        if (r < 0 || !fresh)
                (void) unlinkat(storefd, tmp, 0);
        if (r < 0)
                return r;
        memcpy(ret_key, key, sizeof(key));
        if (ret_data)
                *ret_data = data;
        if (ret_new)
                *ret_new = fresh;
        return 0;
}

int lg_castore_open_entry(int storefd, const char *key) {
        _cleanup_close_ int bfd = -EBADF;
        int r;

        if (!lg_castore_key_valid(key))
                return -EINVAL;
        bfd = open_bucket(storefd, key, false);
        if (bfd < 0)
                return bfd == -ELOOP || bfd == -ENOTDIR ? -EBADMSG : bfd;
        r = entry_ok(bfd, key);
        if (r < 0)
                return r;
        if (r == 0) {
                struct stat st;

                return fstatat(bfd, key, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT ? -ENOENT : -EBADMSG;
        }
        return TAKE_FD(bfd);
}

/* The kept keys as an open-addressing hash set: a key is SHA-256, so its
 * first 16 hex digits spread well (a sweep of 10,000 copies against 20,000
 * kept keys, at every proven write). */
typedef struct keyset {
        const char **slot;
        size_t mask;
} keyset;

static uint64_t key_hash(const char *k) {
        uint64_t h = 0;

        for (unsigned i = 0; i < 16 && k[i]; i++)
                h = h << 4 | (uint64_t) (k[i] <= '9' ? k[i] - '0' : k[i] - 'a' + 10);
        return h;
}

static int keyset_make(keyset *s, const char *const *keys, size_t n) {
        size_t size = 16;

        while (size < 2 * n)
                size *= 2;
        s->slot = calloc(size, sizeof(*s->slot));
        if (!s->slot)
                return -ENOMEM;
        s->mask = size - 1;
        for (size_t i = 0; i < n; i++) {
                size_t j;

                if (!lg_castore_key_valid(keys[i]))
                        continue;
                for (j = key_hash(keys[i]) & s->mask; s->slot[j]; j = (j + 1) & s->mask)
                        if (streq(s->slot[j], keys[i]))
                                break;
                s->slot[j] = keys[i];
        }
        return 0;
}

static bool keyset_has(const keyset *s, const char *k) {
        for (size_t j = key_hash(k) & s->mask; s->slot[j]; j = (j + 1) & s->mask)
                if (streq(s->slot[j], k))
                        return true;
        return false;
}

static bool is_bucket(const char *n) {
        return strlen(n) == 2 && strchr("0123456789abcdef", n[0]) && strchr("0123456789abcdef", n[1]);
}

int lg_castore_prune(int storefd, const char *const *keep, size_t n_keep, size_t *ret_removed) {
        _cleanup_close_ int fd = -EBADF;
        keyset set = {};
        size_t removed = 0;
        struct dirent *de;
        DIR *d;
        int r;

        r = keyset_make(&set, keep, n_keep);
        if (r < 0)
                return r;

        fd = openat(storefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                free(set.slot);
                return negative_errno();
        }
        fd = -EBADF;
        while ((de = readdir(d))) {
                _cleanup_close_ int bfd = -EBADF;
                struct dirent *be;
                DIR *b;

                /* Leftovers of an interrupted put. */
                if (strncmp(de->d_name, ".#lastgood.put.", 15) == 0) {
                        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                                removed++;
                        continue;
                }
                if (!is_bucket(de->d_name))
                        continue;
                bfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (bfd < 0)
                        continue;
                b = fdopendir(bfd);
                if (!b) {
                        r = negative_errno();
                        break;
                }
                bfd = -EBADF;
                while ((be = readdir(b))) {
                        const char *k = be->d_name;

                        if (be->d_type != DT_REG && be->d_type != DT_UNKNOWN)
                                continue;
                        if (lg_castore_key_valid(k) && keyset_has(&set, k))
                                continue;
                        if (be->d_type == DT_UNKNOWN) {
                                struct stat st;

                                if (fstatat(dirfd(b), k, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                                        continue;
                        }
                        if (unlinkat(dirfd(b), k, 0) == 0)
                                removed++;
                }
                closedir(b);
        }
        closedir(d);
        free(set.slot);
        if (ret_removed)
                *ret_removed = removed;
        return r;
}
