/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pstore records read from temporary roots: multi-part EFI records joined
 * oldest text first, systemd-pstore's archive layout, ERST and ramoops,
 * compressed leftovers, unreadable entries, an empty pstore, records older
 * than the last proven boot. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crash.h"
#include "macro.h"
#include "rootfs.h"

#define T0 1700000000ULL /* seconds: the crash */
#define USEC(s) ((uint64_t) (s) * 1000000ULL)

static char root_dir[] = "/tmp/test-pstore-XXXXXX";

static int setup(void **state) {
        strcpy(root_dir, "/tmp/test-pstore-XXXXXX");
        assert_non_null(mkdtemp(root_dir));
        return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        chmod(path, 0700);
        return remove(path) < 0 ? 0 : 0;
}

static int teardown(void **state) {
        nftw(root_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static void mkdir_p(const char *path) {
        char buf[4096];
        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        mkdir(buf, 0755);
                        *p = '/';
                }
        mkdir(buf, 0755);
}

/* Writes ROOT/dir/name with the given mtime (seconds; 0 = now). */
static void put(const char *dir, const char *name, const char *content, uint64_t mtime) {
        char d[2048], p[4096];
        FILE *f;

        snprintf(d, sizeof(d), "%s%s", root_dir, dir);
        mkdir_p(d);
        snprintf(p, sizeof(p), "%s/%s", d, name);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
        if (mtime) {
                struct timespec ts[2] = { { .tv_sec = (time_t) mtime }, { .tv_sec = (time_t) mtime } };
                assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
        }
}

static char *efi_name(const char *backend, uint64_t secs, unsigned part, unsigned count) {
        static char buf[128];
        /* drivers/firmware/efi/efi-pstore.c: generic_id() */
        snprintf(buf, sizeof(buf), "dmesg-%s-%llu", backend,
                 (unsigned long long) ((secs * 100 + part) * 1000 + count));
        return buf;
}

static int read_pstore(uint64_t since, char **text, size_t *size) {
        _cleanup_root_ lg_root *root = NULL;
        assert_int_equal(lg_root_new(root_dir, &root), 0);
        return lg_pstore_read(root, since, text, size);
}

static void expect_text(uint64_t since, const char *expected) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        assert_int_equal(read_pstore(since, &text, &size), 0);
        assert_string_equal(text, expected);
        assert_int_equal(size, strlen(expected));
}

static void expect_none(uint64_t since) {
        char *text = NULL;
        size_t size = 0;
        assert_int_equal(read_pstore(since, &text, &size), -ENOENT);
        assert_null(text);
}

static void test_efi_parts_joined_in_order(void **state) {
        /* Part1 holds the newest text; parts can be a second apart. */
        put("/sys/fs/pstore", efi_name("efi", T0, 1, 1), "Panic#1 Part1\nCCC end\n", T0 + 1);
        put("/sys/fs/pstore", efi_name("efi", T0, 2, 1), "Panic#1 Part2\nBBB middle\n", T0);
        put("/sys/fs/pstore", efi_name("efi", T0, 3, 1), "Panic#1 Part3\nAAA start\n", T0);
        /* An older crash of another boot, same count. */
        put("/sys/fs/pstore", efi_name("efi", T0 - 86400, 1, 1), "Panic#1 Part1\nOLD\n", T0 - 86400);
        expect_text(0, "AAA start\nBBB middle\nCCC end\n");
        expect_text(USEC(T0 - 3600), "AAA start\nBBB middle\nCCC end\n");
}

static void test_efi_pstore_backend_name(void **state) {
        /* Linux 6.x names the EFI backend "efi_pstore". */
        put("/sys/fs/pstore", efi_name("efi_pstore", T0, 1, 2), "Oops#2 Part1\nsecond half\n", T0);
        put("/sys/fs/pstore", efi_name("efi_pstore", T0, 2, 2), "Oops#2 Part2\nfirst half\n", T0);
        expect_text(0, "first half\nsecond half\n");
}

static void test_newest_crash_wins(void **state) {
        put("/sys/fs/pstore", efi_name("efi", T0, 1, 1), "Panic#1 Part1\nfirst crash\n", T0);
        put("/sys/fs/pstore", efi_name("efi", T0 + 600, 1, 2), "Panic#2 Part1\nsecond crash\n", T0 + 600);
        expect_text(0, "second crash\n");
}

static void test_boot_loop_dumps_not_mixed(void **state) {
        /* A boot loop: every boot's dump is "Panic#1", 40 s apart. */
        put("/sys/fs/pstore", "dmesg-ramoops-0", "Panic#1 Part1\nboot1 end\n", T0);
        put("/sys/fs/pstore", "dmesg-ramoops-1", "Panic#1 Part2\nboot1 start\n", T0);
        put("/sys/fs/pstore", "dmesg-ramoops-2", "Panic#1 Part1\nboot2 end\n", T0 + 40);
        put("/sys/fs/pstore", "dmesg-ramoops-3", "Panic#1 Part2\nboot2 start\n", T0 + 41);
        expect_text(0, "boot2 start\nboot2 end\n");
}

static void test_systemd_pstore_archive(void **state) {
        /* src/pstore/pstore.c: EFI parts go to ARCHIVE/<id without its last
         * 5 digits>/<count>/ (a copy: its mtime is the copy's, now), with a
         * dmesg.txt that repeats them. */
        char dir[512], id[160];
        snprintf(id, sizeof(id), "%s", efi_name("efi", T0, 1, 1) + strlen("dmesg-efi-"));
        id[strlen(id) - 5] = 0;
        snprintf(dir, sizeof(dir), "/var/lib/systemd/pstore/%s/001", id);
        put(dir, efi_name("efi", T0, 1, 1), "Panic#1 Part1\nnewest part\n", 0);
        put(dir, efi_name("efi", T0, 2, 1), "Panic#1 Part2\noldest part\n", 0);
        put(dir, "dmesg.txt", "Panic#1 Part2\noldest part\nPanic#1 Part1\nnewest part\n", 0);
        expect_text(0, "oldest part\nnewest part\n");
        /* The record time comes from the EFI id, not the copy's mtime. */
        expect_none(USEC(T0 + 10));
}

static void test_systemd_pstore_erst_and_ramoops(void **state) {
        put("/var/lib/systemd/pstore/7000000000000000001", "dmesg-erst-7000000000000000001", "Panic#1 Part2\nerst a\n", T0);
        put("/var/lib/systemd/pstore/7000000000000000001", "dmesg-erst-7000000000000000000", "Panic#1 Part1\nerst b\n", T0);
        expect_text(0, "erst a\nerst b\n");
        /* ramoops leftovers stay at the archive's top level. */
        put("/var/lib/systemd/pstore", "dmesg-ramoops-0", "Oops#1 Part1\nramoops\n", T0 + 5);
        expect_text(0, "ramoops\n");
}

static void test_same_part_in_both_places(void **state) {
        /* systemd-pstore with Unlink=no: both copies exist. */
        char dir[512], id[160];
        snprintf(id, sizeof(id), "%s", efi_name("efi", T0, 1, 1) + strlen("dmesg-efi-"));
        id[strlen(id) - 5] = 0;
        snprintf(dir, sizeof(dir), "/var/lib/systemd/pstore/%s/001", id);
        put("/sys/fs/pstore", efi_name("efi", T0, 1, 1), "Panic#1 Part1\nonce\n", T0);
        put(dir, efi_name("efi", T0, 1, 1), "Panic#1 Part1\nonce\n", 0);
        expect_text(0, "once\n");
}

static void test_compressed_skipped(void **state) {
        char name[160];
        snprintf(name, sizeof(name), "%s.enc.z", efi_name("efi", T0, 1, 1));
        put("/sys/fs/pstore", name, "\x78\x9c garbage", T0);
        expect_none(0);
        put("/sys/fs/pstore", "dmesg-ramoops-0", "Panic#1 Part1\nplain\n", T0 - 5);
        expect_text(0, "plain\n");
}

static void test_unreadable_entries(void **state) {
        char path[4096];

        put("/sys/fs/pstore", "dmesg-ramoops-0", "Oops#1 Part1\nreadable\n", T0 - 100);
        /* chmod 000 (no effect when the test runs as root, so also: */
        put("/sys/fs/pstore", "dmesg-ramoops-1", "Panic#1 Part1\nsecret\n", T0);
        snprintf(path, sizeof(path), "%s/sys/fs/pstore/dmesg-ramoops-1", root_dir);
        assert_int_equal(chmod(path, 0), 0);
        /* a record name that is a folder, and a dangling symlink. */
        snprintf(path, sizeof(path), "%s/sys/fs/pstore/dmesg-ramoops-2", root_dir);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/sys/fs/pstore/dmesg-ramoops-3", root_dir);
        assert_int_equal(symlink("/nonexistent/dmesg", path), 0);
        /* an empty record */
        put("/sys/fs/pstore", "dmesg-ramoops-4", "", T0 + 100);

        /* Whether mode 000 stops us depends on the capabilities the test
         * runs with (root with CAP_DAC_OVERRIDE reads anyway): ask. */
        snprintf(path, sizeof(path), "%s/sys/fs/pstore/dmesg-ramoops-1", root_dir);
        int probe = open(path, O_RDONLY | O_CLOEXEC);
        bool readable = probe >= 0;
        if (probe >= 0)
                close(probe);

        _cleanup_free_ char *text = NULL;
        size_t size;
        assert_int_equal(read_pstore(0, &text, &size), 0);
        assert_string_equal(text, readable ? "secret\n" : "readable\n");
}

static void test_only_unreadable_entries(void **state) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/sys/fs/pstore/dmesg-efi-170000000000101001", root_dir);
        mkdir_p(path);
        snprintf(path, sizeof(path), "%s/sys/fs/pstore/dmesg-erst-1", root_dir);
        assert_int_equal(symlink("dmesg-erst-1", path), 0); /* a loop */
        expect_none(0);
}

static void test_pstore_folder_unreadable(void **state) {
        char path[4096];
        put("/sys/fs/pstore", "dmesg-ramoops-0", "Panic#1 Part1\nx\n", T0);
        snprintf(path, sizeof(path), "%s/sys/fs/pstore", root_dir);
        assert_int_equal(chmod(path, 0), 0);
        int probe = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (probe >= 0) {
                close(probe);
                expect_text(0, "x\n");
        } else
                expect_none(0);
        /* The folder replaced by a file. */
        teardown(state);
        setup(state);
        put("/sys/fs", "pstore", "not a folder", T0);
        expect_none(0);
}

static void test_empty_pstore(void **state) {
        expect_none(0);               /* no folders at all */
        put("/sys/fs/pstore", "other-file", "x", T0);
        mkdir_p("/var/lib/systemd/pstore");
        expect_none(0);
}

static void test_records_older_than_since(void **state) {
        put("/sys/fs/pstore", efi_name("efi", T0, 1, 1), "Panic#1 Part1\nold\n", T0);
        expect_none(USEC(T0));
        expect_none(USEC(T0 + 1));
        expect_text(USEC(T0) - 1, "old\n");
        /* Only the parts newer than since are joined. */
        put("/sys/fs/pstore", efi_name("efi", T0 + 60, 1, 1), "Panic#1 Part1\nnew1\n", T0 + 60);
        put("/sys/fs/pstore", efi_name("efi", T0 + 60, 2, 1), "Panic#1 Part2\nnew2\n", T0 + 60);
        expect_text(USEC(T0 + 30), "new2\nnew1\n");
}

static void test_record_without_header(void **state) {
        put("/sys/fs/pstore", "dmesg-ramoops-0", "no header here\nBUG: x\n", T0);
        expect_text(0, "no header here\nBUG: x\n");
}

/* oops=panic leaves two dumps of one crash, a second or two apart: the
 * oops's ("Oops#1") and the panic's ("Panic#2", the same log and its last
 * lines). The one holding more text is joined, whatever readdir gives
 * first; a panic dump cut short (NVRAM full) loses to the oops dump. */
static void test_oops_and_panic_dumps(void **state) {
        put("/sys/fs/pstore", efi_name("efi_pstore", T0, 1, 1), "Oops#1 Part1\noops end\n", T0);
        put("/sys/fs/pstore", efi_name("efi_pstore", T0 + 1, 2, 1), "Oops#1 Part2\noops start\n", T0 + 1);
        put("/sys/fs/pstore", efi_name("efi_pstore", T0 + 1, 1, 2), "Panic#2 Part1\noops end\npanic\n", T0 + 1);
        put("/sys/fs/pstore", efi_name("efi_pstore", T0 + 2, 2, 2), "Panic#2 Part2\noops start\n", T0 + 2);
        expect_text(0, "oops start\noops end\npanic\n");

        teardown(state);
        setup(state);
        put("/sys/fs/pstore", efi_name("efi_pstore", T0, 1, 1), "Oops#1 Part1\noops end\n", T0);
        put("/sys/fs/pstore", efi_name("efi_pstore", T0 + 1, 2, 1), "Oops#1 Part2\noops start\n", T0 + 1);
        put("/sys/fs/pstore", efi_name("efi_pstore", T0 + 1, 1, 2), "Panic#2 Part1\npanic\n", T0 + 1);
        expect_text(0, "oops start\noops end\n");
}

/* From pstore to the culprit: what lastgood-early does at the next boot. */
static void test_pstore_to_culprit(void **state) {
        put("/sys/fs/pstore", efi_name("efi", T0, 2, 1),
            "Panic#1 Part2\n"
            "<4>[   12.000001] BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
            "<4>[   12.000003] CPU: 1 PID: 42 Comm: x Tainted: G           OE      6.1.0-18-amd64 #1\n"
            "<4>[   12.000004] RIP: 0010:foo_poll+0x1a/0x230 [foo]\n", T0);
        put("/sys/fs/pstore", efi_name("efi", T0, 1, 1),
            "Panic#1 Part1\n"
            "<4>[   12.000008]  foo_ioctl+0x44/0x90 [foo]\n"
            "<4>[   12.000011] Modules linked in: foo(OE) ext4\n"
            "<0>[   12.000020] Kernel panic - not syncing: Fatal exception\n", T0);

        _cleanup_free_ char *text = NULL;
        size_t size;
        lg_crash_report r = {};
        assert_int_equal(read_pstore(0, &text, &size), 0);
        assert_int_equal(lg_crash_attribute(text, size, NULL, &r), 0);
        assert_string_equal(r.culprit, "foo");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        assert_string_equal(r.kernel, "6.1.0-18-amd64");
        lg_crash_report_done(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_efi_parts_joined_in_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_efi_pstore_backend_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newest_crash_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_boot_loop_dumps_not_mixed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_systemd_pstore_archive, setup, teardown),
                cmocka_unit_test_setup_teardown(test_systemd_pstore_erst_and_ramoops, setup, teardown),
                cmocka_unit_test_setup_teardown(test_same_part_in_both_places, setup, teardown),
                cmocka_unit_test_setup_teardown(test_compressed_skipped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_entries, setup, teardown),
                cmocka_unit_test_setup_teardown(test_only_unreadable_entries, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pstore_folder_unreadable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_empty_pstore, setup, teardown),
                cmocka_unit_test_setup_teardown(test_records_older_than_since, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record_without_header, setup, teardown),
                cmocka_unit_test_setup_teardown(test_oops_and_panic_dumps, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pstore_to_culprit, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
