/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The watchdog's eBPF record from a fake /proc under a temporary root:
 * bpf-prog descriptors with their fdinfo, the holder's unit from its
 * cgroup; other descriptors, bad fdinfo, processes without a unit are
 * skipped; the record is written only when it changed, and read back. */
#include <errno.h>
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

#include "bpf-record.h"
#include "macro.h"

static char dir[64];
static lg_root *root;

static void put(const char *rel, const char *s) {
        assert_int_equal(lg_root_write_atomic(root, rel, s, strlen(s), 0644), 0);
}

static void fd_link(const char *pid, const char *fd, const char *target) {
        char p[128];

        snprintf(p, sizeof(p), "proc/%s/fd", pid);
        assert_int_equal(lg_root_mkdir_p(root, p, 0755), 0);
        snprintf(p, sizeof(p), "proc/%s/fd/%s", pid, fd);
        assert_int_equal(symlinkat(target, root->fd, p), 0);
}

static int setup(void **state) {
        strcpy(dir, "/tmp/test-bpf-record.XXXXXX");
        if (!mkdtemp(dir) || lg_root_new(dir, &root) < 0)
                return -1;
        return 0;
}

static int teardown(void **state) {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        lg_root_free(root);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_scan(void **state) {
        lg_bpf_record rec, back;
        struct stat st1, st2;

        /* netdata.service holds two programs (one twice), sd's own one. */
        fd_link("100", "3", "anon_inode:bpf-prog");
        fd_link("100", "4", "anon_inode:bpf-prog");
        fd_link("100", "5", "anon_inode:bpf-map");
        fd_link("100", "6", "/dev/null");
        fd_link("100", "7", "anon_inode:bpf-prog");
        put("/proc/100/fdinfo/3", "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nprog_type:\t2\nprog_jited:\t1\n"
                                  "prog_tag:\t896bb3a8c2cab17b\nmemlock:\t4096\nprog_id:\t1187\n");
        put("/proc/100/fdinfo/4", "prog_tag:\t896bb3a8c2cab17b\nprog_id:\t1187\n");
        put("/proc/100/fdinfo/7", "prog_tag:\tnot-a-tag\nprog_id:\t12\n"); /* corrupt: skipped */
        put("/proc/100/cgroup", "0::/system.slice/netdata.service/ebpf\n");
        fd_link("1", "20", "anon_inode:bpf-prog");
        put("/proc/1/fdinfo/20", "prog_tag:\t6deef7357e7b4530\nprog_id:\t12\n");
        put("/proc/1/cgroup", "0::/init.scope\n");
        /* No unit to name (a kernel thread, a cgroup v1 host): skipped. */
        fd_link("200", "3", "anon_inode:bpf-prog");
        put("/proc/200/fdinfo/3", "prog_tag:\t0123456789abcdef\nprog_id:\t99\n");
        put("/proc/200/cgroup", "1:name=systemd:/\n");
        /* Gone between readdir and open: skipped. */
        assert_int_equal(lg_root_mkdir_p(root, "proc/300", 0755), 0);
        put("/proc/self-not-a-pid", "x");

        assert_int_equal(bpf_record_scan(root, "6.1.0-18-amd64", &rec), 0);
        assert_string_equal(rec.kernel, "6.1.0-18-amd64");
        assert_int_equal(rec.n, 2);
        bool seen_netdata = false, seen_init = false;
        for (size_t i = 0; i < rec.n; i++) {
                if (streq(rec.progs[i].tag, "896bb3a8c2cab17b")) {
                        assert_string_equal(rec.progs[i].unit, "netdata.service");
                        assert_int_equal(rec.progs[i].id, 1187);
                        seen_netdata = true;
                }
                if (streq(rec.progs[i].tag, "6deef7357e7b4530")) {
                        assert_string_equal(rec.progs[i].unit, "init.scope");
                        seen_init = true;
                }
        }
        assert_true(seen_netdata && seen_init);
        lg_bpf_record_done(&rec);

        /* Written, read back; unchanged: not rewritten. */
        assert_int_equal(bpf_record_update(root, "6.1.0-18-amd64"), 2);
        assert_int_equal(fstatat(root->fd, "var/lib/lastgood/bpf-progs", &st1, 0), 0);
        assert_int_equal(lg_bpf_record_load(root, "6.1.0-18-amd64", &back), 0);
        assert_int_equal(back.n, 2);
        lg_bpf_record_done(&back);
        assert_int_equal(lg_bpf_record_load(root, "6.1.0-19-amd64", &back), -ESTALE);
        assert_int_equal(bpf_record_update(root, "6.1.0-18-amd64"), 2);
        assert_int_equal(fstatat(root->fd, "var/lib/lastgood/bpf-progs", &st2, 0), 0);
        assert_int_equal(st1.st_ino, st2.st_ino);

        /* Corrupt and huge records are refused. */
        put("/var/lib/lastgood/bpf-progs", "lastgood-bpf-record 1\nkernel x\nprog zz\n");
        assert_int_equal(lg_bpf_record_load(root, NULL, &back), -EBADMSG);
        char *huge = malloc(LG_BPF_RECORD_MAX_SIZE + 100);
        assert_non_null(huge);
        memset(huge, '#', LG_BPF_RECORD_MAX_SIZE + 99);
        huge[LG_BPF_RECORD_MAX_SIZE + 99] = 0;
        put("/var/lib/lastgood/bpf-progs", huge);
        free(huge);
        assert_int_equal(lg_bpf_record_load(root, NULL, &back), -EFBIG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
