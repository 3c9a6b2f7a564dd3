/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Deny lists (lib/inventory/deny.c): the format of lastgood-deny.d(5) from
 * memory buffers, every kind of bad line, the trust rule, and the loader
 * over a temporary root (masking, symlinks, a folder reached through a
 * symlink). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "deny.h"
#include "inventory.h"
#include "macro.h"
#include "rootfs.h"

#define H1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "sha256:ABCDEFabcdef0000000000000000000000000000000000000000000000000000"

static int parse(lg_deny *d, const char *file, const char *text) {
        size_t n = strlen(text);
        char *buf = malloc(n + 1);

        assert_non_null(buf);
        memcpy(buf, text, n + 1);
        return lg_deny_parse(d, file, buf, n);
}

static void sha_of(const char *s, uint8_t out[LG_SHA256_SIZE]) {
        assert_int_equal(lg_sha256_from_string(s, strlen(s), out), 0);
}

static void test_good_lines(void **state) {
        lg_deny d = {};
        uint8_t h[LG_SHA256_SIZE];
        const lg_deny_entry *e;
        char where[64], s[LG_SHA256_STRING_MAX];

        (void) state;
        assert_int_equal(parse(&d, "a.list",
                               "# a comment\n"
                               "\n"
                               "   \t\n" H1 " module lgcrash  # 3 hosts, first seen 2026-07-19\n" H2
                               "\tcontent\t/opt/agent/content/C-00000291\\x20x.sys\tfalcon\n" H3
                               " content /x -\n" H1 " content /same/hash/other/kind"),
                         4);
        assert_int_equal(lg_deny_finish(&d), 0);
        assert_int_equal(d.n, 4);
        assert_int_equal(d.n_problems_total, 0);

        sha_of(H1, h);
        e = lg_deny_find(&d, LG_ITEM_MODULE, h);
        assert_non_null(e);
        assert_string_equal(e->name, "lgcrash");
        assert_null(e->agent);
        assert_string_equal(lg_deny_where(&d, e, where, sizeof(where)), "a.list:4");
        e = lg_deny_find(&d, LG_ITEM_CONTENT, h);
        assert_non_null(e);
        assert_int_equal(e->line, 7); /* last line, no newline */

        sha_of(H2, h);
        assert_null(lg_deny_find(&d, LG_ITEM_MODULE, h)); /* kind decides too */
        e = lg_deny_find(&d, LG_ITEM_CONTENT, h);
        assert_non_null(e);
        assert_string_equal(e->name, "/opt/agent/content/C-00000291 x.sys");
        assert_string_equal(e->agent, "falcon");

        sha_of(H3, h); /* upper case hex reads the same */
        e = lg_deny_find(&d, LG_ITEM_CONTENT, h);
        assert_non_null(e);
        assert_null(e->agent);
        assert_string_equal(lg_sha256_to_string(h, s),
                            "sha256:abcdefabcdef0000000000000000000000000000000000000000000000000000");
        lg_deny_done(&d);
}

static void expect_problem(const char *text, const char *what) {
        lg_deny d = {};

        assert_int_equal(parse(&d, "bad.list", text), 0);
        assert_int_equal(lg_deny_finish(&d), 0);
        assert_int_equal(d.n, 0);
        assert_int_equal(d.n_problems, 1);
        assert_int_equal(d.problems[0].line, 1);
        if (!strstr(d.problems[0].what, what))
                fail_msg("\"%s\": expected a problem with \"%s\", got \"%s\"", text, what, d.problems[0].what);
        lg_deny_done(&d);
}

static void test_bad_lines(void **state) {
        (void) state;
        expect_problem("sha256:1234 module x\n", "wrong length");
        expect_problem("sha256:111111111111111111111111111111111111111111111111111111111111111 module x\n",
                       "wrong length");
        expect_problem("sha256:g111111111111111111111111111111111111111111111111111111111111111 module x\n",
                       "non-hex");
        expect_problem("md5:1111 module x\n", "not a sha256");
        expect_problem(H1 " driver x\n", "unknown kind");
        expect_problem(H1 " Module x\n", "unknown kind");
        expect_problem(H1 " module\n", "missing fields");
        expect_problem(H1 " module a b c\n", "too many fields");
        expect_problem(H1 " module a\x01\n", "binary");
        expect_problem(H1 " module a\x7f\n", "binary");
        expect_problem(H1 " module caf\xc3\xa9\n", "bad name");
        expect_problem(H1 " module a\\x\n", "bad name");
        expect_problem(H1 " module a\\x00\n", "bad name");
        expect_problem(H1 " module a\\q41\n", "bad name");
}

static void test_binary_nul(void **state) {
        lg_deny d = {};
        static const char text[] = H1 " module a\0b\n" H2 " module ok\n";
        char *buf = malloc(sizeof(text));

        (void) state;
        assert_non_null(buf);
        memcpy(buf, text, sizeof(text));
        assert_int_equal(lg_deny_parse(&d, "nul.list", buf, sizeof(text) - 1), 1);
        assert_int_equal(d.n_problems, 1);
        assert_int_equal(d.problems[0].line, 1);
        assert_non_null(strstr(d.problems[0].what, "NUL"));
        lg_deny_done(&d);
}

static void test_too_long(void **state) {
        lg_deny d = {};
        size_t n = LG_DENY_LINE_MAX + 200;
        char *buf = malloc(n + 200);
        int k;

        (void) state;
        assert_non_null(buf);
        k = snprintf(buf, n, "%s module ", H1);
        memset(buf + k, 'a', n - (size_t) k);
        k = snprintf(buf + n, 200, "\n%s module ok\n", H2);
        assert_int_equal(lg_deny_parse(&d, "long.list", buf, n + (size_t) k), 1);
        assert_int_equal(d.n_problems, 1);
        assert_int_equal(d.problems[0].line, 1);
        assert_string_equal(d.problems[0].what, "line too long");
        assert_int_equal(d.entries[0].line, 2);
        lg_deny_done(&d);
}

static void test_duplicate(void **state) {
        lg_deny d = {};
        uint8_t h[LG_SHA256_SIZE];
        const lg_deny_entry *e;

        (void) state;
        assert_int_equal(parse(&d, "10-a.list", H1 " module first\n"), 1);
        assert_int_equal(parse(&d, "20-b.list", "\n" H1 " module second\n" H1 " module third\n"), 2);
        assert_int_equal(lg_deny_finish(&d), 0);
        assert_int_equal(d.n, 1);
        sha_of(H1, h);
        e = lg_deny_find(&d, LG_ITEM_MODULE, h);
        assert_non_null(e);
        assert_string_equal(e->name, "first");
        assert_int_equal(d.n_problems, 2);
        for (size_t i = 0; i < d.n_problems; i++) {
                assert_string_equal(d.problems[i].what, "duplicate of an earlier entry");
                assert_string_equal(d.files[d.problems[i].file], "20-b.list");
        }
        lg_deny_done(&d);
}

static void test_untrusted(void **state) {
        struct stat st = { .st_mode = S_IFREG | 0644, .st_uid = 0, .st_gid = 0 };

        (void) state;
        assert_null(lg_deny_untrusted(&st, 1000));
        st.st_mode = S_IFREG | 0664;
        assert_null(lg_deny_untrusted(&st, 1000)); /* group root */
        st.st_gid = 50;
        assert_string_equal(lg_deny_untrusted(&st, 1000), "is writable by a group other than root");
        st.st_mode = S_IFREG | 0646;
        st.st_gid = 0;
        assert_string_equal(lg_deny_untrusted(&st, 1000), "is writable by others");
        st.st_mode = S_IFREG | 0644;
        st.st_uid = 1001;
        assert_string_equal(lg_deny_untrusted(&st, 1000), "is not owned by root");
        assert_null(lg_deny_untrusted(&st, 1001));
        st.st_mode = S_IFLNK | 0777;
        assert_string_equal(lg_deny_untrusted(&st, 1001), "is a symlink");
}

/* 100,000 entries: parse, sort and look up, bounded (the figure for
 * lastgood-deny.d(5) comes from bench/deny.sh). */
static void test_many(void **state) {
        enum { N = 100000 };
        size_t line = 7 + 64 + 8 + 11 + 1, size = line * N;
        char *buf = malloc(size + 1);
        uint8_t h[LG_SHA256_SIZE] = {};
        lg_deny d = {};
        char s[LG_SHA256_STRING_MAX];

        (void) state;
        assert_non_null(buf);
        for (unsigned i = 0; i < N; i++) {
                h[0] = (uint8_t) (i >> 16);
                h[1] = (uint8_t) (i >> 8);
                h[31] = (uint8_t) i;
                snprintf(buf + i * line, line + 1, "%s module m%010u\n", lg_sha256_to_string(h, s), i);
        }
        assert_int_equal(lg_deny_parse(&d, "many.list", buf, size), N);
        assert_int_equal(lg_deny_finish(&d), 0);
        assert_int_equal(d.n, N);
        assert_int_equal(d.n_problems_total, 0);
        h[0] = 1;
        h[1] = 0x86;
        h[31] = 0x9f; /* 99999 */
        assert_non_null(lg_deny_find(&d, LG_ITEM_MODULE, h));
        assert_string_equal(lg_deny_find(&d, LG_ITEM_MODULE, h)->name, "m0000099999");
        h[31] = 0xa0;
        assert_null(lg_deny_find(&d, LG_ITEM_MODULE, h));
        lg_deny_done(&d);
}

/* A boot's filter: only entries matching the host's fingerprints (by their
 * first 8 bytes) or naming one of its in-tree modules are taken; a line
 * with a bad first field is still parsed and said. */
static void test_filter(void **state) {
        static const char manifest[] =
                "lastgood-manifest 1\n"
                "kernel 6.1.0-lg\n"
                "module nvidia updates/nvidia.ko - 0000000000000001 1 2 3 4 " H2 "\n"
                "intree kernel/fs/ext4/ext4.ko.zst 1 2 3\n"
                "end 2\n";
        lg_inventory now = {};
        lg_deny_filter f = {};
        lg_deny d = {};

        (void) state;
        assert_int_equal(lg_manifest_parse(manifest, sizeof(manifest) - 1, &now), 0);
        assert_int_equal(lg_deny_filter_build(&f, &now), 0);
        d.filter = &f;
        assert_int_equal(parse(&d, "f.list",
                               "# c\n" H1 " module other\n" H2 " module nvidia\n" H3 " module ext4\n" H1
                               "x module bad\n" H3 " module ext-4x\n"),
                         2);
        assert_int_equal(lg_deny_finish(&d), 0);
        assert_int_equal(d.n, 2);
        assert_string_equal(d.entries[0].name, "nvidia");
        assert_string_equal(d.entries[1].name, "ext4");
        assert_int_equal(d.n_problems, 1);
        assert_int_equal(d.problems[0].line, 5);
        assert_int_equal(d.n_skipped, 3); /* the comment too */
        lg_deny_done(&d);
        lg_deny_filter_done(&f);
        lg_inventory_done(&now);
}

static void write_file(const char *dir, const char *rel, const char *text, mode_t mode) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s%s", dir, rel);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, mode), 0);
}

__attribute__((format(printf, 1, 2))) static void run(const char *fmt, ...) {
        char cmd[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        assert_int_equal(system(cmd), 0);
}

static void test_load(void **state) {
        char dir[] = "/tmp/lg-test-deny.XXXXXX";
        _cleanup_root_ lg_root *root = NULL;
        lg_deny d = {};
        uint8_t h[LG_SHA256_SIZE];
        bool saw_writable = false, saw_link = false;

        (void) state;
        assert_non_null(mkdtemp(dir));
        run("mkdir -p %s/etc/lastgood/deny.d %s/usr/lib/lastgood/deny.d", dir, dir);
        write_file(dir, "/usr/lib/lastgood/deny.d/vendor.list", H1 " module masked\n", 0644);
        write_file(dir, "/etc/lastgood/deny.d/vendor.list", H2 " module mine\n", 0644);
        write_file(dir, "/usr/lib/lastgood/deny.d/other.list", H3 " content /x\n", 0644);
        write_file(dir, "/etc/lastgood/deny.d/open.list", H1 " content /open\n", 0666);
        write_file(dir, "/etc/lastgood/deny.d/not-a-list.txt", H1 " content /txt\n", 0644);
        run("ln -s ../../../usr/lib/lastgood/deny.d/other.list %s/etc/lastgood/deny.d/link.list", dir);
        assert_int_equal(lg_root_new(dir, &root), 0);
        assert_int_equal(lg_deny_load(root, &d), 0);

        assert_int_equal(d.n, 2);
        sha_of(H2, h);
        assert_non_null(lg_deny_find(&d, LG_ITEM_MODULE, h));
        sha_of(H1, h);
        assert_null(lg_deny_find(&d, LG_ITEM_MODULE, h));  /* masked by /etc */
        assert_null(lg_deny_find(&d, LG_ITEM_CONTENT, h)); /* world-writable */
        sha_of(H3, h);
        assert_non_null(lg_deny_find(&d, LG_ITEM_CONTENT, h));
        for (size_t i = 0; i < d.n_problems; i++) {
                const char *f = d.files[d.problems[i].file];

                if (strstr(f, "/open.list") && streq(d.problems[i].what, "is writable by others"))
                        saw_writable = true;
                if (strstr(f, "/link.list") && streq(d.problems[i].what, "is a symlink"))
                        saw_link = true;
        }
        assert_true(saw_writable);
        assert_true(saw_link);
        lg_deny_done(&d);

        /* The folder reached through a symlink: not read at all. */
        run("rm -rf %s/etc/lastgood/deny.d && mkdir -p %s/elsewhere && ln -s ../../elsewhere %s/etc/lastgood/deny.d", dir,
            dir, dir);
        write_file(dir, "/elsewhere/x.list", H2 " module mine\n", 0644);
        assert_int_equal(lg_deny_load(root, &d), 0);
        sha_of(H2, h);
        assert_null(lg_deny_find(&d, LG_ITEM_MODULE, h));
        assert_true(d.n_problems >= 1);
        assert_string_equal(d.problems[0].what, "is reached through a symlink");
        lg_deny_done(&d);

        /* Read in chunks with a filter: a line of 300,000 bytes is one
         * line too long, the lines around it keep their numbers. */
        {
                static const char manifest[] = "lastgood-manifest 1\nkernel k\n"
                                               "module nvidia updates/nvidia.ko - 0000000000000001 1 2 3 4 " H2
                                               "\nend 1\n";
                lg_inventory now = {};
                lg_deny_filter f = {};
                char path[512];
                FILE *fp;

                snprintf(path, sizeof(path), "%s/usr/lib/lastgood/deny.d/long.list", dir);
                run("rm -rf %s/etc/lastgood/deny.d %s/usr/lib/lastgood/deny.d/*", dir, dir);
                fp = fopen(path, "w");
                assert_non_null(fp);
                fputs(H1 " module a\n", fp);
                for (int i = 0; i < 300000; i++)
                        fputc('y', fp);
                fputs("\n" H2 " module nvidia\n# end\n" H2 "x\n" H2 " module last-no-newline", fp);
                assert_int_equal(fclose(fp), 0);
                assert_int_equal(lg_manifest_parse(manifest, sizeof(manifest) - 1, &now), 0);
                assert_int_equal(lg_deny_filter_build(&f, &now), 0);
                assert_int_equal(lg_deny_load_filtered(root, &f, &d), 0);
                assert_int_equal(d.n, 1);
                assert_int_equal(d.entries[0].line, 3);
                assert_int_equal(d.n_problems, 3); /* line 5 bad, line 6 duplicate, line 2 too long */
                for (size_t i = 0; i < d.n_problems; i++)
                        if (d.problems[i].line == 2)
                                assert_string_equal(d.problems[i].what, "line too long");
                assert_int_equal(d.n_skipped, 2);
                lg_deny_done(&d);
                lg_deny_filter_done(&f);
                lg_inventory_done(&now);
        }

        run("rm -rf %s", dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_lines), cmocka_unit_test(test_bad_lines),
                cmocka_unit_test(test_binary_nul), cmocka_unit_test(test_too_long),
                cmocka_unit_test(test_duplicate),  cmocka_unit_test(test_untrusted),
                cmocka_unit_test(test_many),       cmocka_unit_test(test_load),
                cmocka_unit_test(test_filter),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
