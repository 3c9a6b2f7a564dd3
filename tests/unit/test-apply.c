/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The safe content moves (ops/apply.c) against temporary trees, with
 * failures injected through the linker: renameat2 (EXDEV to force the copy
 * path; a file that vanishes just before its move), copy_file_range and
 * write (ENOSPC: a full /var). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "apply.h"
#include "castore.h"
#include "macro.h"

/* ---- failure injection ---- */

static int inject_exdev;      /* renameat2 across folders fails with EXDEV */
static int inject_enospc;     /* copy_file_range/write fail with ENOSPC */
static const char *inject_vanish; /* renameat2 of this name: unlink it first */

int __real_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);
int __wrap_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);
ssize_t __real_copy_file_range(int in, off_t *off_in, int out, off_t *off_out, size_t len, unsigned flags);
ssize_t __wrap_copy_file_range(int in, off_t *off_in, int out, off_t *off_out, size_t len, unsigned flags);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

static bool same_dir(int a, int b) {
        struct stat sa, sb;

        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int __wrap_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags) {
        if (inject_vanish && streq(oldpath, inject_vanish))
                (void) unlinkat(olddirfd, oldpath, 0);
        if (inject_exdev && !same_dir(olddirfd, newdirfd)) {
                errno = EXDEV;
                return -1;
        }
        return __real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}

ssize_t __wrap_copy_file_range(int in, off_t *off_in, int out, off_t *off_out, size_t len, unsigned flags) {
        if (inject_enospc) {
                errno = ENOSPC;
                return -1;
        }
        return __real_copy_file_range(in, off_in, out, off_out, len, flags);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n) {
        if (inject_enospc && fd > 2) {
                errno = ENOSPC;
                return -1;
        }
        return __real_write(fd, buf, n);
}

/* ---- fixture ---- */

typedef struct fx {
        char dir[64];
        lg_root *root;
} fx;

static void mkfile(const fx *f, const char *rel, const char *text, mode_t mode, time_t mtime) {
        char p[512];
        FILE *o;

        snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
        for (char *s = strchr(p + strlen(f->dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                (void) mkdir(p, 0755);
                *s = '/';
        }
        o = fopen(p, "we");
        assert_non_null(o);
        fputs(text, o);
        fclose(o);
        assert_int_equal(chmod(p, mode), 0);
        if (mtime) {
                struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
                assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
        }
}

static char *slurp(const fx *f, const char *rel) {
        char p[512];
        static char buf[4096];
        FILE *i;
        size_t n;

        snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
        i = fopen(p, "re");
        if (!i)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, i);
        buf[n] = '\0';
        fclose(i);
        return buf;
}

static int lst(const fx *f, const char *rel, struct stat *st) {
        char p[512];

        snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
        return lstat(p, st);
}

static bool exists(const fx *f, const char *rel) {
        struct stat st;

        return lst(f, rel, &st) == 0;
}

static int count_entries(const fx *f, const char *rel) {
        char p[512], cmd[600];
        FILE *o;
        int n = -1;

        snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
        snprintf(cmd, sizeof(cmd), "find '%s' -mindepth 1 | wc -l", p);
        o = popen(cmd, "r");
        assert_non_null(o);
        assert_int_equal(fscanf(o, "%d", &n), 1);
        pclose(o);
        return n;
}

static int setup(void **state) {
        fx *f = calloc(1, sizeof(*f));

        snprintf(f->dir, sizeof(f->dir), "/tmp/lg-apply-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(lg_root_new(f->dir, &f->root), 0);
        inject_exdev = inject_enospc = 0;
        inject_vanish = NULL;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fx *f = *state;
        char cmd[128];

        inject_exdev = inject_enospc = 0;
        inject_vanish = NULL;
        lg_root_free(f->root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

/* ---- tests ---- */

static void test_anchor(void **state) {
        char *content[] = { "/etc/falco/falco_rules.yaml", "/etc/falco/rules.d/*", "/opt/a/*/x.bin", NULL };
        lg_agent a = { .name = "falco", .content = content };
        char *s;

        s = lg_content_anchor(&a, "/etc/falco/rules.d/r.yaml");
        assert_string_equal(s, "/etc/falco/rules.d");
        free(s);
        s = lg_content_anchor(&a, "/etc/falco/falco_rules.yaml");
        assert_string_equal(s, "/etc/falco");
        free(s);
        s = lg_content_anchor(&a, "/opt/a/b/x.bin");
        assert_string_equal(s, "/opt/a");
        free(s);
        s = lg_content_anchor(&a, "/srv/other/file");
        assert_string_equal(s, "/srv/other");
        free(s);
        s = lg_content_anchor(NULL, "/top");
        assert_string_equal(s, "/");
        free(s);
        assert_null(lg_content_anchor(&a, "relative/path"));
}

static void check_quarantined(fx *f, const char *qrel, const char *text, mode_t mode, time_t mtime) {
        struct stat st;

        assert_int_equal(lst(f, qrel, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, mode);
        assert_int_equal(st.st_mtim.tv_sec, mtime);
        assert_int_equal(st.st_uid, geteuid());
        assert_string_equal(slurp(f, qrel), text);
}

static void test_quarantine_same_fs(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};

        mkfile(f, "etc/falco/rules.d/new.yaml", "bad rules\n", 0640, 1000000);
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco/rules.d", "/etc/falco/rules.d/new.yaml",
                                             7, false, &res), 0);
        assert_string_equal(res.quarantined, "/var/lib/lastgood/quarantine/7/falco/etc/falco/rules.d/new.yaml");
        assert_false(res.vanished || res.restored || res.no_good_copy);
        assert_false(exists(f, "etc/falco/rules.d/new.yaml"));
        check_quarantined(f, "var/lib/lastgood/quarantine/7/falco/etc/falco/rules.d/new.yaml", "bad rules\n", 0640,
                          1000000);
        lg_withhold_result_done(&res);
}

/* The layout of an older version (content/AGENT/PATH, no index): still
 * read, so that a host upgraded in place keeps its last good copies. */
static void test_rollback(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        struct stat st;

        mkfile(f, "etc/falco/falco_rules.yaml", "new\n", 0644, 2000000);
        mkfile(f, "var/lib/lastgood/content/falco/etc/falco/falco_rules.yaml", "good\n", 0600, 1000000);
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco", "/etc/falco/falco_rules.yaml", 3, true,
                                             &res), 0);
        assert_true(res.restored);
        assert_false(res.no_good_copy);
        assert_string_equal(slurp(f, "etc/falco/falco_rules.yaml"), "good\n");
        assert_int_equal(lst(f, "etc/falco/falco_rules.yaml", &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_mtim.tv_sec, 1000000);
        check_quarantined(f, "var/lib/lastgood/quarantine/3/falco/etc/falco/falco_rules.yaml", "new\n", 0644, 2000000);
        /* The last good copy stays in the store (copied, not moved). */
        assert_string_equal(slurp(f, "var/lib/lastgood/content/falco/etc/falco/falco_rules.yaml"), "good\n");
        /* No temporary file left next to the content. */
        assert_int_equal(count_entries(f, "etc/falco"), 1);
        lg_withhold_result_done(&res);

        /* Again in the same boot: the file is the last good copy already. */
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco", "/etc/falco/falco_rules.yaml", 3, true,
                                           &res), 0);
        assert_true(res.same_as_good);
        assert_null(res.quarantined);
        assert_false(exists(f, "var/lib/lastgood/quarantine/3.1"));
}

/* A generation 1 whose index names the store copy of path, made from a
 * file with text, mode and mtime (as the proven write makes it). */
static void mkstore(fx *f, const char *agent, const char *path, const char *text, mode_t mode, time_t mtime,
                    char key[LG_CASTORE_KEY_LEN + 1]) {
        _cleanup_close_ int storefd = lg_castore_open(f->root, true), fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        lg_copies c = {};
        struct stat st;
        char p[512];
        size_t size;

        assert_true(storefd >= 0);
        mkfile(f, "tmp-src", text, mode, mtime);
        snprintf(p, sizeof(p), "%s/tmp-src", f->dir);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(lg_castore_put(storefd, fd, &st, 0, key, NULL, NULL), 0);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(lg_copies_add(&c, agent, path, key), 0);
        assert_int_equal(lg_copies_format(&c, &buf, &size), 0);
        assert_int_equal(lg_root_write_atomic(f->root, "/var/lib/lastgood/generations/1/copies", buf, size, 0600), 0);
        snprintf(p, sizeof(p), "%s/var/lib/lastgood/current", f->dir);
        (void) unlink(p);
        assert_int_equal(symlink("generations/1", p), 0);
        lg_copies_done(&c);
}

/* Rollback from the content-addressed store, through the current index;
 * the index wins over an old layout's folder; a damaged store copy is no
 * last good copy (the new file is still quarantined). */
static void test_rollback_store(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        char key[LG_CASTORE_KEY_LEN + 1], sp[512];
        struct stat st;

        mkfile(f, "etc/falco/falco_rules.yaml", "new\n", 0644, 2000000);
        mkstore(f, "falco", "/etc/falco/falco_rules.yaml", "good\n", 0600, 1000000, key);
        /* An old layout's copy too: not read while an index exists. */
        mkfile(f, "var/lib/lastgood/content/falco/etc/falco/falco_rules.yaml", "older\n", 0600, 1000000);
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco", "/etc/falco/falco_rules.yaml", 3, true,
                                           &res), 0);
        assert_true(res.restored);
        assert_false(res.no_good_copy || res.damaged_copy);
        assert_string_equal(slurp(f, "etc/falco/falco_rules.yaml"), "good\n");
        assert_int_equal(lst(f, "etc/falco/falco_rules.yaml", &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_mtim.tv_sec, 1000000);
        check_quarantined(f, "var/lib/lastgood/quarantine/3/falco/etc/falco/falco_rules.yaml", "new\n", 0644, 2000000);
        /* The store copy stays (copied, not moved), still sound. */
        snprintf(sp, sizeof(sp), "var/lib/lastgood/store/%.2s/%s", key, key);
        assert_string_equal(slurp(f, sp), "good\n");
        assert_int_equal(count_entries(f, "etc/falco"), 1);
        lg_withhold_result_done(&res);

        /* Again in the same boot: already the last good copy. */
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco", "/etc/falco/falco_rules.yaml", 3, true,
                                           &res), 0);
        assert_true(res.same_as_good);
        lg_withhold_result_done(&res);

        /* Another agent's file of the same path is not this copy. */
        mkfile(f, "etc/falco/falco_rules.yaml", "new again\n", 0644, 3000000);
        assert_int_equal(lg_apply_withhold(f->root, "other", "/etc/falco", "/etc/falco/falco_rules.yaml", 4, true,
                                           &res), 0);
        assert_true(res.no_good_copy);
        assert_false(res.restored);
        lg_withhold_result_done(&res);

        /* A damaged store copy (its bytes changed, size and mtime kept). */
        mkfile(f, "etc/falco/falco_rules.yaml", "new third\n", 0644, 4000000);
        {
                char p[600];
                int fd;

                snprintf(p, sizeof(p), "%s/%s", f->dir, sp);
                fd = open(p, O_WRONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                assert_int_equal(pwrite(fd, "evil\n", 5, 0), 5);
                assert_int_equal(futimens(fd, (struct timespec[2]) { { 1000000, 0 }, { 1000000, 0 } }), 0);
                close(fd);
        }
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco", "/etc/falco/falco_rules.yaml", 5, true,
                                           &res), 0);
        assert_true(res.no_good_copy);
        assert_true(res.damaged_copy);
        assert_false(res.restored);
        assert_false(exists(f, "etc/falco/falco_rules.yaml"));
        check_quarantined(f, "var/lib/lastgood/quarantine/5/falco/etc/falco/falco_rules.yaml", "new third\n", 0644,
                          4000000);
        lg_withhold_result_done(&res);
}

/* The rollbacks of one run share a byte budget (apparent size): a copy
 * over what is left is not put back, the file is quarantined only; a
 * sparse copy costs its apparent size, not its data (issue 18, row 4). */
static void test_rollback_budget(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        char key[LG_CASTORE_KEY_LEN + 1], p[512];
        uint64_t budget = 4096;
        int fd;

        mkfile(f, "etc/falco/a.yaml", "new a\n", 0644, 2000000);
        mkfile(f, "etc/falco/b.yaml", "new b\n", 0644, 2000000);
        /* b's good copy: 1 MiB apparent, 5 bytes of data. */
        mkfile(f, "tmp-b", "good\n", 0600, 1000000);
        snprintf(p, sizeof(p), "%s/tmp-b", f->dir);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 1 << 20), 0);
        assert_int_equal(futimens(fd, (struct timespec[2]) { { 1000000, 0 }, { 1000000, 0 } }), 0);
        close(fd);
        {
                _cleanup_close_ int storefd = lg_castore_open(f->root, true), in = open(p, O_RDONLY | O_CLOEXEC);
                char ka[LG_CASTORE_KEY_LEN + 1];
                _cleanup_free_ char *buf = NULL;
                lg_copies c = {};
                struct stat st;
                size_t size;

                assert_true(storefd >= 0 && in >= 0);
                assert_int_equal(fstat(in, &st), 0);
                assert_int_equal(lg_castore_put(storefd, in, &st, 0, key, NULL, NULL), 0);
                mkstore(f, "falco", "/etc/falco/a.yaml", "good a\n", 0600, 1000000, ka);
                assert_int_equal(lg_copies_add(&c, "falco", "/etc/falco/a.yaml", ka), 0);
                assert_int_equal(lg_copies_add(&c, "falco", "/etc/falco/b.yaml", key), 0);
                lg_copies_sort(&c);
                assert_int_equal(lg_copies_format(&c, &buf, &size), 0);
                assert_int_equal(
                        lg_root_write_atomic(f->root, "/var/lib/lastgood/generations/1/copies", buf, size, 0600), 0);
                lg_copies_done(&c);
        }
        assert_int_equal(lg_apply_withhold_budget(f->root, "falco", "/etc/falco", "/etc/falco/a.yaml", 3, true,
                                                  &budget, &res), 0);
        assert_true(res.restored);
        assert_int_equal(budget, 4096 - 7);
        lg_withhold_result_done(&res);
        assert_int_equal(lg_apply_withhold_budget(f->root, "falco", "/etc/falco", "/etc/falco/b.yaml", 3, true,
                                                  &budget, &res), 0);
        assert_true(res.over_budget);
        assert_true(res.no_good_copy);
        assert_false(res.restored);
        assert_false(exists(f, "etc/falco/b.yaml"));
        check_quarantined(f, "var/lib/lastgood/quarantine/3/falco/etc/falco/b.yaml", "new b\n", 0644, 2000000);
        assert_int_equal(count_entries(f, "etc/falco"), 1);
        lg_withhold_result_done(&res);
        /* With room for it, the sparse copy comes back, sparse. */
        budget = 2 << 20;
        mkfile(f, "etc/falco/b.yaml", "new b\n", 0644, 2000000);
        assert_int_equal(lg_apply_withhold_budget(f->root, "falco", "/etc/falco", "/etc/falco/b.yaml", 4, true,
                                                  &budget, &res), 0);
        assert_true(res.restored);
        {
                struct stat st;

                assert_int_equal(lst(f, "etc/falco/b.yaml", &st), 0);
                assert_int_equal(st.st_size, 1 << 20);
                assert_true(st.st_blocks * 512 < (1 << 20));
        }
        lg_withhold_result_done(&res);
}

static void test_rollback_no_good_copy(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};

        mkfile(f, "etc/agent/sig.db", "new\n", 0644, 0);
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/sig.db", 1, true, &res), 0);
        assert_true(res.no_good_copy);
        assert_false(res.restored);
        assert_false(exists(f, "etc/agent/sig.db"));
        assert_true(exists(f, "var/lib/lastgood/quarantine/1/agent/etc/agent/sig.db"));
        lg_withhold_result_done(&res);
}

static void test_exdev_copy(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};

        mkfile(f, "etc/agent/sig.db", "payload\n", 0604, 1234567);
        inject_exdev = 1;
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/sig.db", 9, false, &res), 0);
        inject_exdev = 0;
        assert_false(exists(f, "etc/agent/sig.db"));
        check_quarantined(f, "var/lib/lastgood/quarantine/9/agent/etc/agent/sig.db", "payload\n", 0604, 1234567);
        assert_int_equal(count_entries(f, "var/lib/lastgood/quarantine/9/agent/etc/agent"), 1);
        lg_withhold_result_done(&res);
}

static void test_enospc_quarantine(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};

        mkfile(f, "etc/agent/sig.db", "payload\n", 0644, 0);
        inject_exdev = 1;
        inject_enospc = 1;
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/sig.db", 9, false, &res),
                         -ENOSPC);
        inject_exdev = inject_enospc = 0;
        /* The source is untouched, no partial copy is left behind. */
        assert_string_equal(slurp(f, "etc/agent/sig.db"), "payload\n");
        assert_int_equal(count_entries(f, "var/lib/lastgood/quarantine/9/agent/etc/agent"), 0);
        assert_null(res.quarantined);
}

static void test_enospc_rollback(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};

        mkfile(f, "etc/agent/sig.db", "new\n", 0644, 0);
        mkfile(f, "var/lib/lastgood/content/agent/etc/agent/sig.db", "good\n", 0644, 0);
        inject_enospc = 1;
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/sig.db", 2, true, &res),
                         -ENOSPC);
        inject_enospc = 0;
        /* Nothing moved: the good copy could not be prepared. */
        assert_string_equal(slurp(f, "etc/agent/sig.db"), "new\n");
        assert_int_equal(count_entries(f, "etc/agent"), 1);
        assert_false(exists(f, "var/lib/lastgood/quarantine/2"));
}

static void test_symlinked_folder_refused(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        char target[512];

        /* rules.d/sub -> <root>/etc/shadowdir: the walk must not pass it. */
        mkfile(f, "etc/shadowdir/victim", "secret\n", 0600, 0);
        mkfile(f, "etc/falco/rules.d/ok.yaml", "x\n", 0644, 0);
        snprintf(target, sizeof(target), "%s/etc/shadowdir", f->dir);
        {
                char link[512];
                snprintf(link, sizeof(link), "%s/etc/falco/rules.d/sub", f->dir);
                assert_int_equal(symlink(target, link), 0);
        }
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco/rules.d", "/etc/falco/rules.d/sub/victim",
                                             1, false, &res),
                         -ELOOP);
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco/rules.d", "/etc/falco/rules.d/sub/victim",
                                             1, true, &res),
                         -ELOOP);
        assert_string_equal(slurp(f, "etc/shadowdir/victim"), "secret\n");
        assert_false(exists(f, "var/lib/lastgood/quarantine/1"));
        /* A path with ".." is refused outright. */
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco/rules.d",
                                             "/etc/falco/rules.d/../shadowdir/victim", 1, false, &res),
                         -EINVAL);
        /* And a path outside its anchor. */
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco/rules.d", "/etc/shadowdir/victim", 1,
                                             false, &res),
                         -EINVAL);
        assert_string_equal(slurp(f, "etc/shadowdir/victim"), "secret\n");
}

static void symlinked_file(fx *f, bool exdev) {
        lg_withhold_result res = {};
        char link[512];
        struct stat st;

        mkfile(f, "etc/shadow", "root:x\n", 0600, 0);
        mkfile(f, "etc/falco/rules.d/keep.yaml", "x\n", 0644, 0);
        snprintf(link, sizeof(link), "%s/etc/falco/rules.d/evil.yaml", f->dir);
        assert_int_equal(symlink("/etc/shadow", link), 0);
        mkfile(f, "var/lib/lastgood/content/falco/etc/falco/rules.d/evil.yaml", "good\n", 0644, 0);

        inject_exdev = exdev;
        assert_int_equal(lg_apply_withhold(f->root, "falco", "/etc/falco/rules.d", "/etc/falco/rules.d/evil.yaml",
                                             4, true, &res),
                         0);
        inject_exdev = 0;
        /* The link itself went to quarantine, as a link; its target is
         * untouched; the good copy is a regular file. */
        assert_int_equal(lst(f, "var/lib/lastgood/quarantine/4/falco/etc/falco/rules.d/evil.yaml", &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        assert_string_equal(slurp(f, "etc/shadow"), "root:x\n");
        assert_int_equal(lst(f, "etc/falco/rules.d/evil.yaml", &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_string_equal(slurp(f, "etc/falco/rules.d/evil.yaml"), "good\n");
        lg_withhold_result_done(&res);
}

static void test_symlinked_file(void **state) {
        symlinked_file(*state, false);
}

static void test_symlinked_file_exdev(void **state) {
        symlinked_file(*state, true);
}

static void test_good_copy_symlinked_folder(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        char target[512], link[512];

        /* A symlink planted in the last-good store is not followed either. */
        mkfile(f, "etc/agent/sig.db", "new\n", 0644, 0);
        mkfile(f, "elsewhere/etc/agent/sig.db", "attacker\n", 0644, 0);
        mkfile(f, "var/lib/lastgood/content/.keep", "", 0644, 0);
        snprintf(target, sizeof(target), "%s/elsewhere", f->dir);
        snprintf(link, sizeof(link), "%s/var/lib/lastgood/content/agent", f->dir);
        assert_int_equal(symlink(target, link), 0);
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/sig.db", 1, true, &res),
                         -ELOOP);
        assert_string_equal(slurp(f, "etc/agent/sig.db"), "new\n");
}

static void test_hardlink(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        char a[512], b[512];
        struct stat st;

        mkfile(f, "etc/passwd", "users\n", 0644, 0);
        snprintf(a, sizeof(a), "%s/etc/passwd", f->dir);
        snprintf(b, sizeof(b), "%s/etc/agent/linked.db", f->dir);
        mkfile(f, "etc/agent/other", "", 0644, 0);
        assert_int_equal(link(a, b), 0);

        for (int exdev = 0; exdev <= 1; exdev++) {
                inject_exdev = exdev;
                assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/linked.db", 5,
                                                     false, &res),
                                 0);
                inject_exdev = 0;
                assert_false(exists(f, "etc/agent/linked.db"));
                assert_string_equal(slurp(f, "etc/passwd"), "users\n");
                assert_int_equal(lst(f, "etc/passwd", &st), 0);
                assert_int_equal(st.st_mode & 07777, 0644);
                lg_withhold_result_done(&res);
                /* Second round: the same name again, through the copy path,
                 * lands in the next batch. */
                assert_int_equal(link(a, b), 0);
        }
        assert_true(exists(f, "var/lib/lastgood/quarantine/5/agent/etc/agent/linked.db"));
        assert_true(exists(f, "var/lib/lastgood/quarantine/5.1/agent/etc/agent/linked.db"));
}

static void test_fifo_socket(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char p[512];
        int s;

        mkfile(f, "etc/agent/x", "", 0644, 0);
        snprintf(p, sizeof(p), "%s/etc/agent/pipe", f->dir);
        assert_int_equal(mkfifo(p, 0644), 0);
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/pipe", 1, true, &res),
                         -EOPNOTSUPP);
        assert_true(exists(f, "etc/agent/pipe"));

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/etc/agent/sock", f->dir);
        s = socket(AF_UNIX, SOCK_STREAM, 0);
        assert_true(s >= 0);
        assert_int_equal(bind(s, (struct sockaddr *) &sa, sizeof(sa)), 0);
        close(s);
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/sock", 1, false, &res),
                         -EOPNOTSUPP);
        assert_true(exists(f, "etc/agent/sock"));
        /* A folder is not a content file either. */
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc", "/etc/agent", 1, false, &res), -EOPNOTSUPP);
        assert_false(exists(f, "var/lib/lastgood/quarantine/1/agent/etc/agent/pipe"));
}

static void test_vanish(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};

        mkfile(f, "etc/agent/sig.db", "new\n", 0644, 0);
        mkfile(f, "var/lib/lastgood/content/agent/etc/agent/sig.db", "good\n", 0644, 0);
        inject_vanish = "sig.db";
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/sig.db", 1, true, &res), 0);
        inject_vanish = NULL;
        assert_true(res.vanished);
        assert_null(res.quarantined);
        /* The good copy still goes back: the agent gets its last good content. */
        assert_true(res.restored);
        assert_string_equal(slurp(f, "etc/agent/sig.db"), "good\n");

        /* Vanished before anything was looked at. */
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/gone.db", 1, false, &res),
                         0);
        assert_true(res.vanished);
        lg_withhold_result_done(&res);
}

static void test_newline_name(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        lg_qfile *q = NULL;
        size_t n = 0;

        mkfile(f, "etc/agent/bad\nname.db", "nl\n", 0644, 0);
        assert_int_equal(lg_apply_withhold(f->root, "agent", "/etc/agent", "/etc/agent/bad\nname.db", 6, false,
                                             &res),
                         0);
        assert_string_equal(res.quarantined, "/var/lib/lastgood/quarantine/6/agent/etc/agent/bad\nname.db");
        assert_string_equal(slurp(f, "var/lib/lastgood/quarantine/6/agent/etc/agent/bad\nname.db"), "nl\n");
        lg_withhold_result_done(&res);

        assert_int_equal(lg_qfiles_list(f->root, &q, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(q[0].original, "/etc/agent/bad\nname.db");
        assert_int_equal(lg_apply_restore(f->root, &q[0], "/etc/agent"), 0);
        assert_string_equal(slurp(f, "etc/agent/bad\nname.db"), "nl\n");
        lg_qfiles_free(q, n);
}

static void test_list_restore(void **state) {
        fx *f = *state;
        lg_withhold_result res = {};
        lg_qfile *q = NULL;
        size_t n = 0;

        assert_int_equal(lg_qfiles_list(f->root, &q, &n), 0);
        assert_int_equal(n, 0);

        mkfile(f, "etc/a/one", "1\n", 0644, 0);
        mkfile(f, "etc/b/two", "2\n", 0644, 0);
        assert_int_equal(lg_apply_withhold(f->root, "a", "/etc/a", "/etc/a/one", 1, false, &res), 0);
        lg_withhold_result_done(&res);
        assert_int_equal(lg_apply_withhold(f->root, "b", "/etc/b", "/etc/b/two", 2, false, &res), 0);
        lg_withhold_result_done(&res);

        assert_int_equal(lg_qfiles_list(f->root, &q, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(q[0].batch, "1");
        assert_string_equal(q[0].agent, "a");
        assert_string_equal(q[0].original, "/etc/a/one");
        assert_string_equal(q[1].path, "/var/lib/lastgood/quarantine/2/b/etc/b/two");

        /* Something new at the original path: both are kept. */
        mkfile(f, "etc/a/one", "newer\n", 0644, 0);
        assert_int_equal(lg_apply_restore(f->root, &q[0], NULL), -EEXIST);
        assert_string_equal(slurp(f, "etc/a/one"), "newer\n");
        assert_string_equal(slurp(f, "var/lib/lastgood/quarantine/1/a/etc/a/one"), "1\n");

        assert_int_equal(lg_apply_restore(f->root, &q[1], "/etc/b"), 0);
        assert_string_equal(slurp(f, "etc/b/two"), "2\n");
        /* The emptied quarantine folders are gone, the other batch stays. */
        assert_false(exists(f, "var/lib/lastgood/quarantine/2"));
        assert_true(exists(f, "var/lib/lastgood/quarantine/1"));
        lg_qfiles_free(q, n);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_anchor),
                cmocka_unit_test_setup_teardown(test_quarantine_same_fs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rollback_store, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rollback_no_good_copy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rollback_budget, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exdev_copy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enospc_quarantine, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enospc_rollback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_symlinked_folder_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_symlinked_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_symlinked_file_exdev, setup, teardown),
                cmocka_unit_test_setup_teardown(test_good_copy_symlinked_folder, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hardlink, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fifo_socket, setup, teardown),
                cmocka_unit_test_setup_teardown(test_vanish, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newline_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_restore, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
