/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content-addressed store of last good copies (castore/castore.c) and the
 * generation index (store/copies.c) against a temporary root: put, lookup,
 * prune, damaged and missing store files, a store file whose bytes or
 * metadata no longer match its name, the index format. SHA-256 against
 * the FIPS 180-4 examples. A full disk is injected with -Wl,--wrap= on
 * ioctl (FICLONE), copy_file_range and write. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "castore.h"
#include "copy.h"
#include "enospc-wrap.h"
#include "macro.h"
#include "rootfs.h"
#include "sha256.h"

typedef struct fixture {
        char dir[64];
        lg_root *root;
        int storefd;
} fixture;

static int rm_tree(const char *p) {
        char cmd[256];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
        return system(cmd);
}

static int setup(void **state) {
        fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        strcpy(f->dir, "/tmp/test-castore.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(lg_root_new(f->dir, &f->root), 0);
        f->storefd = lg_castore_open(f->root, true);
        assert_true(f->storefd >= 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;

        lg_test_enospc = false;
        close(f->storefd);
        lg_root_free(f->root);
        (void) rm_tree(f->dir);
        free(f);
        return 0;
}

/* A file under the root with text, mode and mtime; returns an open fd. */
static int mkfile(fixture *f, const char *rel, const char *text, mode_t mode, time_t mtime) {
        char p[512];
        struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
        int fd;

        snprintf(p, sizeof p, "%s/%s", f->dir, rel);
        fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(__real_write(fd, text, strlen(text)), (ssize_t) strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(futimens(fd, ts), 0);
        return fd;
}

static void put_text(fixture *f, const char *text, mode_t mode, time_t mtime, char key[LG_CASTORE_KEY_LEN + 1],
                     bool *ret_new) {
        _cleanup_close_ int fd = mkfile(f, "src", text, mode, mtime);
        struct stat st;

        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(lg_castore_put(f->storefd, fd, &st, 0, key, NULL, ret_new), 0);
}

static char *store_path(fixture *f, const char *key) {
        char *p;

        assert_true(asprintf(&p, "%s/var/lib/lastgood/store/%.2s/%s", f->dir, key, key) >= 0);
        return p;
}

static unsigned count_files(fixture *f) {
        char cmd[256];
        FILE *o;
        unsigned n = 0;

        snprintf(cmd, sizeof cmd, "find '%s/var/lib/lastgood/store' -type f | wc -l", f->dir);
        o = popen(cmd, "r");
        assert_non_null(o);
        assert_int_equal(fscanf(o, "%u", &n), 1);
        pclose(o);
        return n;
}

static void test_sha256(void **state) {
        static const struct {
                const char *in;
                size_t repeat;
                const char *md;
        } cases[] = {
                { "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
                { "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
                { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
                { "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint8_t md[LG_SHA256_SIZE];
                char hex[2 * LG_SHA256_SIZE + 1];
                lg_sha256 s;

                lg_sha256_init(&s);
                for (size_t k = 0; k < cases[i].repeat; k++)
                        lg_sha256_update(&s, cases[i].in, strlen(cases[i].in));
                lg_sha256_final(&s, md);
                for (size_t k = 0; k < LG_SHA256_SIZE; k++)
                        snprintf(hex + 2 * k, 3, "%02x", md[k]);
                assert_string_equal(hex, cases[i].md);
        }
}

static void test_key_valid(void **state) {
        (void) state;
        assert_true(lg_castore_key_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
        assert_false(lg_castore_key_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
        assert_false(lg_castore_key_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"));
        assert_false(lg_castore_key_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
        assert_false(lg_castore_key_valid("../../../../etc/shadow"));
        assert_false(lg_castore_key_valid(""));
        assert_false(lg_castore_key_valid(NULL));
}

/* Put: the copy is named by its key, holds the bytes, mode and mtime;
 * the same file again is stored once; metadata are part of the key. */
static void test_put_lookup(void **state) {
        fixture *f = *state;
        char k1[LG_CASTORE_KEY_LEN + 1], k2[LG_CASTORE_KEY_LEN + 1], k3[LG_CASTORE_KEY_LEN + 1];
        _cleanup_free_ char *p1 = NULL;
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        char buf[64] = "";
        struct stat st;
        bool fresh;

        put_text(f, "rule: one\n", 0640, 1000000, k1, &fresh);
        assert_true(fresh);
        assert_true(lg_castore_key_valid(k1));
        p1 = store_path(f, k1);
        assert_int_equal(stat(p1, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(st.st_mtim.tv_sec, 1000000);
        assert_int_equal(st.st_uid, geteuid());

        put_text(f, "rule: one\n", 0640, 1000000, k2, &fresh);
        assert_false(fresh);
        assert_string_equal(k1, k2);
        assert_int_equal(count_files(f), 1);

        put_text(f, "rule: one\n", 0600, 1000000, k3, &fresh); /* another mode */
        assert_true(fresh);
        assert_string_not_equal(k1, k3);
        put_text(f, "rule: one\n", 0640, 1000001, k3, &fresh); /* another mtime */
        assert_true(fresh);
        assert_string_not_equal(k1, k3);
        assert_int_equal(count_files(f), 3);

        dfd = lg_castore_open_entry(f->storefd, k1);
        assert_true(dfd >= 0);
        fd = openat(dfd, k1, O_RDONLY);
        assert_true(fd >= 0);
        assert_true(read(fd, buf, sizeof buf - 1) > 0);
        assert_string_equal(buf, "rule: one\n");

        /* The key of the copy is the key of the source. */
        {
                _cleanup_close_ int src = mkfile(f, "again", "rule: one\n", 0640, 1000000);
                char k[LG_CASTORE_KEY_LEN + 1];

                assert_int_equal(lg_castore_key_fd(src, LG_CONTENT_FILE_MAX, k), 0);
                assert_string_equal(k, k1);
                assert_int_equal(lg_castore_key_fd(src, 3, k), -EFBIG);
        }
        /* The store folder is 0700 whatever made it. */
        {
                char sp[512];
                struct stat sst;
                int fd2;

                snprintf(sp, sizeof sp, "%s/var/lib/lastgood/store", f->dir);
                assert_int_equal(chmod(sp, 0755), 0);
                fd2 = lg_castore_open(f->root, true);
                assert_true(fd2 >= 0);
                close(fd2);
                assert_int_equal(stat(sp, &sst), 0);
                assert_int_equal(sst.st_mode & 07777, 0700);
        }
        /* No temporary file is left. */
        {
                DIR *d = fdopendir(dup(f->storefd));
                struct dirent *de;

                assert_non_null(d);
                while ((de = readdir(d)))
                        assert_true(de->d_name[0] != '.' || streq(de->d_name, ".") || streq(de->d_name, ".."));
                closedir(d);
        }
}

/* Missing, damaged (bytes, metadata), swapped for a symlink or a folder,
 * a bad key: never a last good copy. */
static void test_damaged(void **state) {
        fixture *f = *state;
        char k[LG_CASTORE_KEY_LEN + 1], k2[LG_CASTORE_KEY_LEN + 1];
        _cleanup_free_ char *p = NULL, *p2 = NULL;
        bool fresh;
        int fd;

        put_text(f, "good\n", 0644, 2000000, k, &fresh);
        p = store_path(f, k);

        assert_int_equal(lg_castore_open_entry(f->storefd, "zz"), -EINVAL);
        assert_int_equal(lg_castore_open_entry(f->storefd, "../../../../../../../../../../../../../../etc/passwd"),
                         -EINVAL);
        assert_int_equal(
                lg_castore_open_entry(f->storefd, "00000000000000000000000000000000000000000000000000000000000000ff"),
                -ENOENT);

        /* The bytes: same size, other content. */
        fd = open(p, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "evil\n", 5, 0), 5);
        {
                struct timespec ts[2] = { { 2000000, 0 }, { 2000000, 0 } };
                assert_int_equal(futimens(fd, ts), 0);
        }
        close(fd);
        assert_int_equal(lg_castore_open_entry(f->storefd, k), -EBADMSG);

        /* A put of the good file repairs it (an existing entry is checked
         * before it is trusted). */
        put_text(f, "good\n", 0644, 2000000, k2, &fresh);
        assert_string_equal(k, k2);
        assert_true(fresh);
        fd = lg_castore_open_entry(f->storefd, k);
        assert_true(fd >= 0);
        close(fd);

        /* The metadata: a chmod. */
        assert_int_equal(chmod(p, 0666), 0);
        assert_int_equal(lg_castore_open_entry(f->storefd, k), -EBADMSG);
        /* Truncated (a power cut before the sync). */
        assert_int_equal(truncate(p, 0), 0);
        assert_int_equal(lg_castore_open_entry(f->storefd, k), -EBADMSG);
        /* A symlink in its place. */
        assert_int_equal(unlink(p), 0);
        assert_int_equal(symlink("/etc/passwd", p), 0);
        assert_int_equal(lg_castore_open_entry(f->storefd, k), -EBADMSG);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(lg_castore_open_entry(f->storefd, k), -ENOENT);
        /* A bucket swapped for a symlink. */
        p2 = strdup(p);
        assert_non_null(p2);
        *strrchr(p2, '/') = '\0';
        assert_int_equal(rmdir(p2), 0);
        assert_int_equal(symlink(f->dir, p2), 0);
        assert_int_equal(lg_castore_open_entry(f->storefd, k), -EBADMSG);
}

/* A full disk: an error, and no temporary file left. */
static void test_enospc(void **state) {
        fixture *f = *state;
        char k[LG_CASTORE_KEY_LEN + 1];
        _cleanup_close_ int fd = mkfile(f, "src", "some rules\n", 0644, 3000000);
        struct stat st;

        assert_int_equal(fstat(fd, &st), 0);
        lg_test_enospc = true;
        assert_int_equal(lg_castore_put(f->storefd, fd, &st, 0, k, NULL, NULL), -ENOSPC);
        lg_test_enospc = false;
        assert_int_equal(count_files(f), 0);
        /* Over the byte budget: -EFBIG, nothing left either. */
        assert_int_equal(lg_castore_put(f->storefd, fd, &st, 4, k, NULL, NULL), -EFBIG);
        assert_int_equal(count_files(f), 0);
}

/* Sparse files are bounded by apparent size (issue 18, row 4): a file of
 * 64 MiB holding 4 KiB of data is over a 1 MiB bound although its data is
 * not; nothing is read or left behind. */
static void test_sparse_bound(void **state) {
        fixture *f = *state;
        char k[LG_CASTORE_KEY_LEN + 1];
        _cleanup_close_ int fd = mkfile(f, "sparse", "", 0644, 3000000);
        struct stat st;

        assert_int_equal(pwrite(fd, "data", 4, 32 << 20), 4);
        assert_int_equal(ftruncate(fd, 64 << 20), 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_true((uint64_t) st.st_blocks * 512 < (1 << 20));
        assert_int_equal(lg_castore_put(f->storefd, fd, &st, 1 << 20, k, NULL, NULL), -EFBIG);
        assert_int_equal(count_files(f), 0);
        /* Within the bound it is stored, sparse, and exported sparse with
         * the same bytes. */
        assert_int_equal(lg_castore_put(f->storefd, fd, &st, 64 << 20, k, NULL, NULL), 0);
        {
                char p[512], buf[8] = {};
                struct stat ost;
                _cleanup_close_ int out = -EBADF;

                snprintf(p, sizeof p, "%s/out", f->dir);
                out = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                assert_true(out >= 0);
                assert_int_equal(lg_castore_export(f->storefd, k, 1 << 20, out, NULL), -EFBIG);
                assert_int_equal(lg_castore_export(f->storefd, k, 0, out, &ost), 0);
                assert_int_equal(ost.st_size, 64 << 20);
                assert_int_equal(fstat(out, &ost), 0);
                assert_int_equal(ost.st_size, 64 << 20);
                assert_true((uint64_t) ost.st_blocks * 512 < (1 << 20));
                assert_int_equal(pread(out, buf, 4, 32 << 20), 4);
                assert_string_equal(buf, "data");
        }
}

/* Export hashes what it writes: a store file whose bytes no longer match
 * its name is refused (-EBADMSG), so that a rollback never puts back
 * bytes the key does not name. */
static void test_export_damaged(void **state) {
        fixture *f = *state;
        char k[LG_CASTORE_KEY_LEN + 1], p[512], buf[32] = {};
        _cleanup_free_ char *sp = NULL;
        _cleanup_close_ int out = -EBADF;
        struct stat st;
        bool fresh;
        int fd;

        put_text(f, "good rules\n", 0644, 3000000, k, &fresh);
        snprintf(p, sizeof p, "%s/out", f->dir);
        out = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(out >= 0);
        assert_int_equal(lg_castore_export(f->storefd, k, 0, out, &st), 0);
        assert_int_equal(pread(out, buf, sizeof buf - 1, 0), 11);
        assert_string_equal(buf, "good rules\n");
        assert_int_equal(st.st_mtim.tv_sec, 3000000);
        assert_int_equal(st.st_mode & 07777, 0644);

        /* Same size and mtime, other bytes. */
        sp = store_path(f, k);
        fd = open(sp, O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(__real_write(fd, "evil", 4), 4);
        assert_int_equal(futimens(fd, (struct timespec[2]) { { 3000000, 0 }, { 3000000, 0 } }), 0);
        close(fd);
        assert_int_equal(ftruncate(out, 0), 0);
        assert_int_equal(lg_castore_export(f->storefd, k, 0, out, NULL), -EBADMSG);
        assert_int_equal(lg_castore_stat(f->storefd, k, &st), 0);
        assert_int_equal(lg_castore_export(f->storefd, "00", 0, out, NULL), -EINVAL);
        k[0] = k[0] == 'a' ? 'b' : 'a';
        assert_int_equal(lg_castore_stat(f->storefd, k, &st), -ENOENT);
}

/* Prune: what the kept keys name stays, the rest (and leftovers of an
 * interrupted put) goes; what is not a regular file is left alone. */
static void test_prune(void **state) {
        fixture *f = *state;
        char a[LG_CASTORE_KEY_LEN + 1], b[LG_CASTORE_KEY_LEN + 1], c[LG_CASTORE_KEY_LEN + 1];
        const char *keep[] = { a, c, a };
        _cleanup_free_ char *pa = NULL, *pb = NULL, *pc = NULL;
        char odd[512], tmp[512];
        size_t removed = 0;
        bool fresh;

        put_text(f, "a\n", 0644, 1, a, &fresh);
        put_text(f, "b\n", 0644, 1, b, &fresh);
        put_text(f, "c\n", 0644, 1, c, &fresh);
        snprintf(tmp, sizeof tmp, "%s/var/lib/lastgood/store/.#lastgood.put.0123456789abcdef", f->dir);
        close(open(tmp, O_WRONLY | O_CREAT, 0600));
        snprintf(odd, sizeof odd, "%s/var/lib/lastgood/store/%.2s/somedir", f->dir, a);
        assert_int_equal(mkdir(odd, 0700), 0);
        pa = store_path(f, a), pb = store_path(f, b), pc = store_path(f, c);

        assert_int_equal(lg_castore_prune(f->storefd, keep, ELEMENTSOF(keep), &removed), 0);
        assert_int_equal(removed, 2);
        assert_int_equal(access(pa, F_OK), 0);
        assert_int_equal(access(pc, F_OK), 0);
        assert_int_equal(access(pb, F_OK), -1);
        assert_int_equal(access(tmp, F_OK), -1);
        assert_int_equal(access(odd, F_OK), 0);

        assert_int_equal(lg_castore_prune(f->storefd, NULL, 0, &removed), 0);
        assert_int_equal(removed, 2);
        assert_int_equal(count_files(f), 0);
}

static const char KA[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char KB[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/* The index: format and parse agree (escapes included), sorted lookup. */
static void test_copies_roundtrip(void **state) {
        lg_copies c = {}, d = {};
        _cleanup_free_ char *buf = NULL;
        size_t size;
        const lg_copy_entry *e;
        (void) state;

        assert_int_equal(lg_copies_add(&c, "falco", "/etc/falco/rules.d/z.yaml", KA), 0);
        assert_int_equal(lg_copies_add(&c, "falco", "/etc/falco/rules.d/new\nline with space\\.yaml", KB), 0);
        assert_int_equal(lg_copies_add(&c, "scanner", "/opt/a", KB), 0);
        assert_int_equal(lg_copies_add(&c, "bad/agent", "/opt/a", KB), -EINVAL);
        assert_int_equal(lg_copies_add(&c, "falco", "relative", KB), -EINVAL);
        assert_int_equal(lg_copies_add(&c, "falco", "/opt/b", "nokey"), -EINVAL);
        lg_copies_sort(&c);
        assert_int_equal(lg_copies_format(&c, &buf, &size), 0);
        assert_non_null(strstr(buf, "new\\x0aline\\x20with\\x20space\\x5c.yaml"));
        assert_int_equal(lg_copies_parse(buf, size, &d), 0);
        assert_int_equal(d.n, 3);
        e = lg_copies_find(&d, "/etc/falco/rules.d/new\nline with space\\.yaml");
        assert_non_null(e);
        assert_string_equal(e->key, KB);
        assert_string_equal(e->agent, "falco");
        e = lg_copies_find(&d, "/opt/a");
        assert_non_null(e);
        assert_string_equal(e->agent, "scanner");
        assert_null(lg_copies_find(&d, "/opt/none"));
        lg_copies_done(&c);
        lg_copies_done(&d);
}

/* Anything malformed is -EBADMSG, never half an index. */
static void test_copies_bad(void **state) {
        static const char *const bad[] = {
                "",
                "lastgood-copies 2\nend 0\n",
                "lastgood-copies 1\n",                                 /* no trailer */
                "lastgood-copies 1\nend 1\n",                          /* count */
                "lastgood-copies 1\nend 0",                            /* truncated line */
                "lastgood-copies 1\nend 0\nend 0\n",
                "lastgood-copies 1\nzz falco /a\nend 1\n",             /* bad key */
                "lastgood-copies 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa falco a\nend 1\n",
                "lastgood-copies 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa falco /a b\nend 1\n",
                "lastgood-copies 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa fal/co /a\nend 1\n",
                "lastgood-copies 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa falco /a\\x0\nend 1\n",
                "lastgood-copies 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa falco /a\\x00\nend 1\n",
                "lastgood-copies 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa falco /a\n"
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb falco /a\nend 2\n", /* twice */
                "lastgood-copies 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  /a\nend 1\n",
        };
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                lg_copies c = {};

                if (lg_copies_parse(bad[i], strlen(bad[i]), &c) != -EBADMSG)
                        fail_msg("case %zu parsed: %s", i, bad[i]);
                assert_int_equal(c.n, 0);
        }
        {
                static const char nul[] = "lastgood-copies 1\n\0end 0\n";
                lg_copies c = {};
                assert_int_equal(lg_copies_parse(nul, sizeof nul - 1, &c), -EBADMSG);
        }
}

/* The current generation's copy through the index, as the apply unit
 * reads it: none, an old layout, a damaged index, a damaged copy. */
static void test_lastgood_copy_open(void **state) {
        fixture *f = *state;
        char k[LG_CASTORE_KEY_LEN + 1], got[LG_CASTORE_KEY_LEN + 1];
        _cleanup_free_ char *buf = NULL, *p = NULL;
        lg_copies c = {};
        size_t size;
        bool fresh;
        int fd;

        assert_int_equal(lg_lastgood_copy_open(f->root, "falco", "/etc/falco/a.yaml", got), -ENODATA);
        assert_int_equal(lg_root_mkdir_p(f->root, "/var/lib/lastgood/generations/1", 0700), 0);
        {
                char cur[512];
                snprintf(cur, sizeof cur, "%s/var/lib/lastgood/current", f->dir);
                assert_int_equal(symlink("generations/1", cur), 0);
        }
        /* current, but no index: an old layout. */
        assert_int_equal(lg_lastgood_copy_open(f->root, "falco", "/etc/falco/a.yaml", got), -ENODATA);

        put_text(f, "good\n", 0644, 5000000, k, &fresh);
        assert_int_equal(lg_copies_add(&c, "falco", "/etc/falco/a.yaml", k), 0);
        assert_int_equal(lg_copies_format(&c, &buf, &size), 0);
        assert_int_equal(lg_root_write_atomic(f->root, "/var/lib/lastgood/generations/1/copies", buf, size, 0600), 0);
        fd = lg_lastgood_copy_open(f->root, "falco", "/etc/falco/a.yaml", got);
        assert_true(fd >= 0);
        close(fd);
        assert_string_equal(got, k);
        assert_int_equal(lg_lastgood_copy_open(f->root, "other", "/etc/falco/a.yaml", got), -ENOENT);
        assert_int_equal(lg_lastgood_copy_open(f->root, "falco", "/etc/falco/b.yaml", got), -ENOENT);

        p = store_path(f, k);
        assert_int_equal(chmod(p, 0600), 0);
        assert_int_equal(lg_lastgood_copy_open(f->root, "falco", "/etc/falco/a.yaml", got), -EBADMSG);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(lg_lastgood_copy_open(f->root, "falco", "/etc/falco/a.yaml", got), -ENOENT);

        assert_int_equal(lg_root_write_atomic(f->root, "/var/lib/lastgood/generations/1/copies", "junk\n", 5, 0600), 0);
        assert_int_equal(lg_lastgood_copy_open(f->root, "falco", "/etc/falco/a.yaml", got), -EBADMSG);
        lg_copies_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sha256),
                cmocka_unit_test(test_key_valid),
                cmocka_unit_test_setup_teardown(test_put_lookup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
                cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sparse_bound, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_damaged, setup, teardown),
                cmocka_unit_test(test_copies_roundtrip),
                cmocka_unit_test(test_copies_bad),
                cmocka_unit_test_setup_teardown(test_lastgood_copy_open, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
