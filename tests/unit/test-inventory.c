/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Agent content in the inventory: fingerprinted by what a file holds (the
 * same bad file downloaded again is known as the withheld one), a symlink by
 * its target (never followed), and an unchanged stat key reuses the cached
 * fingerprint without reading the file. A temporary root, no module tree. */
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

#include "config.h"
#include "copy.h"
#include "inventory.h"
#include "macro.h"
#include "rootfs.h"

#define KVER "6.1.0-lg"
#define RULES "/opt/agent/content/rules.dat"

typedef struct fixture {
        char dir[64];
        lg_root *root;
        lg_agents agents;
} fixture;

static int setup(void **state) {
        static const char agent[] = "[Agent]\nUnits=agent.service\nContent=/opt/agent/content/*\n";
        fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        strcpy(f->dir, "/tmp/lg-test-inventory.XXXXXX");
        if (!mkdtemp(f->dir) || lg_root_new(f->dir, &f->root) < 0 ||
            lg_root_mkdir_p(f->root, "/opt/agent/content", 0755) < 0)
                return -1;
        f->agents.agents = calloc(1, sizeof(lg_agent));
        if (!f->agents.agents ||
            lg_agent_parse(f->agents.agents, "agent", agent, sizeof(agent) - 1, &f->agents.warnings) < 0)
                return -1;
        f->agents.n = 1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
                return -1;
        lg_root_free(f->root);
        lg_agents_done(&f->agents);
        free(f);
        return 0;
}

static void put(fixture *f, const char *path, const char *text) {
        assert_int_equal(lg_root_write_atomic(f->root, path, text, strlen(text), 0644), 0);
}

/* Scans the content alone, with cache; returns the fingerprint of path
 * (0: not listed). */
static uint64_t scan_fp(fixture *f, const lg_inventory *cache, const char *path, lg_inventory *keep) {
        lg_inventory inv = {};
        const lg_inv_item *it;
        uint64_t fp;

        assert_int_equal(lg_inventory_scan_content(f->root, KVER, &f->agents, cache, &inv), 0);
        assert_string_equal(inv.kernel, KVER);
        it = lg_inventory_find(&inv, LG_ITEM_CONTENT, path);
        fp = it ? it->fingerprint : 0;
        if (it)
                assert_string_equal(it->agent, "agent");
        if (keep)
                *keep = inv;
        else
                lg_inventory_done(&inv);
        return fp;
}

static void test_same_bytes_same_fingerprint(void **state) {
        fixture *f = *state;
        _cleanup_free_ char *full = lg_root_path(f->root, RULES);
        uint64_t bad, again, good;

        assert_non_null(full);
        put(f, RULES, "rules v2\nBAD\n");
        bad = scan_fp(f, NULL, RULES, NULL);
        assert_true(bad != 0);

        /* Downloaded again: a new file (new inode, new mtime), same bytes. */
        assert_int_equal(unlink(full), 0);
        put(f, "/opt/agent/other", "padding to move the inode on");
        put(f, RULES, "rules v2\nBAD\n");
        again = scan_fp(f, NULL, RULES, NULL);
        assert_true(again == bad);

        put(f, RULES, "rules v1\ngood\n");
        good = scan_fp(f, NULL, RULES, NULL);
        assert_true(good != 0 && good != bad);
}

static void test_symlink_by_target(void **state) {
        fixture *f = *state;
        _cleanup_free_ char *link = lg_root_path(f->root, "/opt/agent/content/link.dat");
        uint64_t a, b, c;

        assert_non_null(link);
        put(f, "/opt/agent/outside-a", "secret a");
        put(f, "/opt/agent/outside-b", "secret b");
        assert_int_equal(symlink("/opt/agent/outside-a", link), 0);
        a = scan_fp(f, NULL, "/opt/agent/content/link.dat", NULL);
        assert_true(a != 0);
        /* The target's bytes do not matter (never followed)... */
        put(f, "/opt/agent/outside-a", "another secret");
        b = scan_fp(f, NULL, "/opt/agent/content/link.dat", NULL);
        assert_true(a == b);
        /* ...the target does. */
        assert_int_equal(unlink(link), 0);
        assert_int_equal(symlink("/opt/agent/outside-b", link), 0);
        c = scan_fp(f, NULL, "/opt/agent/content/link.dat", NULL);
        assert_true(c != a);
}

static void test_stat_cache_spares_the_read(void **state) {
        fixture *f = *state;
        lg_inventory first = {};
        uint64_t fp, cached;

        put(f, RULES, "rules v1\ngood\n");
        fp = scan_fp(f, NULL, RULES, &first);
        assert_int_equal(first.n, 1);
        /* The same stat key: the cached value is taken as it is (it is not
         * read again, so a planted value shows through). */
        first.items[0].fingerprint = 0x42;
        cached = scan_fp(f, &first, RULES, NULL);
        assert_true(cached == 0x42);
        /* Another stat key (a rewrite): read again. */
        first.items[0].ino++;
        cached = scan_fp(f, &first, RULES, NULL);
        assert_true(cached == fp);
        lg_inventory_done(&first);
}

/* The SHA-256 of a content file: its bytes (sha256sum's answer), kept
 * through the manifest, and taken from the cache with the FNV: a scan over
 * an unchanged stat key hashes nothing. A manifest without SHA-256s (older
 * lastgood) reads the file once more. */
static void test_sha256_cached(void **state) {
        fixture *f = *state;
        lg_inventory first = {}, back = {}, again = {};
        _cleanup_free_ char *text = NULL;
        size_t size;
        unsigned long long before;
        char sha[72];

        put(f, RULES, "abc");
        (void) scan_fp(f, NULL, RULES, &first);
        assert_non_null(lg_inventory_sha256(&first, LG_ITEM_CONTENT, RULES, sha));
        /* FIPS 180-2, appendix B.1 */
        assert_string_equal(sha, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_int_equal(lg_manifest_format(&first, &text, &size), 0);
        assert_int_equal(lg_manifest_parse(text, size, &back), 0);
        assert_non_null(lg_inventory_sha256(&back, LG_ITEM_CONTENT, RULES, sha));
        assert_string_equal(sha, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

        before = lg_inventory_files_hashed();
        (void) scan_fp(f, &back, RULES, &again);
        assert_true(lg_inventory_files_hashed() == before);
        assert_true(again.items[0].has_sha256);
        lg_inventory_done(&again);

        back.items[0].has_sha256 = false;
        (void) scan_fp(f, &back, RULES, &again);
        assert_true(lg_inventory_files_hashed() == before + 1);
        assert_non_null(lg_inventory_sha256(&again, LG_ITEM_CONTENT, RULES, sha));
        assert_string_equal(sha, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        lg_inventory_done(&again);
        lg_inventory_done(&back);
        lg_inventory_done(&first);
}

/* A cache that knows when it was written: a file whose ctime is later
 * (changed since, if only by a restored mtime) is read again. */
static void test_stat_cache_ctime_after_written(void **state) {
        fixture *f = *state;
        _cleanup_free_ char *full = lg_root_path(f->root, RULES);
        lg_inventory first = {};
        struct stat st;
        uint64_t fp, ctime_ns;

        assert_non_null(full);
        put(f, RULES, "rules v1\ngood\n");
        fp = scan_fp(f, NULL, RULES, &first);
        assert_int_equal(stat(full, &st), 0);
        ctime_ns = (uint64_t) st.st_ctim.tv_sec * 1000000000ULL + (uint64_t) st.st_ctim.tv_nsec;
        first.items[0].fingerprint = 0x42;
        const struct {
                uint64_t written_ns;
                uint64_t want;
        } rows[] = {
                { 0, 0x42 },            /* unknown: the stat key is trusted */
                { ctime_ns, 0x42 },     /* written at the change: trusted */
                { ctime_ns + 1, 0x42 }, /* written after it: trusted */
                { ctime_ns - 1, 0 },    /* changed after it was written: read again */
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                first.written_ns = rows[i].written_ns;
                assert_true(scan_fp(f, &first, RULES, NULL) == (rows[i].want ?: fp));
        }
        lg_inventory_done(&first);
}

static void test_unreadable_still_listed(void **state) {
        fixture *f = *state;
        _cleanup_free_ char *full = lg_root_path(f->root, RULES);
        uint64_t a, b;

        assert_non_null(full);
        put(f, RULES, "rules v1\ngood\n");
        assert_int_equal(chmod(full, 0), 0);
        /* Unreadable (as a user; root reads it anyway): still a listed item,
         * its change still seen; the same file gives the same value. */
        a = scan_fp(f, NULL, RULES, NULL);
        b = scan_fp(f, NULL, RULES, NULL);
        assert_true(a != 0 && a == b);
        assert_int_equal(chmod(full, 0644), 0);
}

/* A change seen at run time is judged by that file alone: the item must be
 * exactly the one a scan gives (or none where a scan has none), with and
 * without the stat cache, without walking the folder. */
static void test_one_file_as_the_scan(void **state) {
        static const char *const paths[] = {
                RULES,                             /* a regular file */
                "/opt/agent/content/link.dat",     /* a symlink, by its target */
                "/opt/agent/content/.hidden",      /* '*' takes no leading dot */
                "/opt/agent/content/sub/deep.dat", /* '*' takes no '/' */
                "/opt/agent/content/fifo",         /* no regular file */
                "/opt/agent/content/gone.dat",     /* not there */
                "/opt/agent/elsewhere.dat",        /* no agent's Content= */
        };
        fixture *f = *state;
        _cleanup_free_ char *link = lg_root_path(f->root, "/opt/agent/content/link.dat");
        _cleanup_free_ char *fifo = lg_root_path(f->root, "/opt/agent/content/fifo");
        lg_inventory scan = {};

        put(f, RULES, "rules v1\n");
        put(f, "/opt/agent/content/.hidden", "hidden\n");
        put(f, "/opt/agent/content/sub/deep.dat", "deep\n");
        put(f, "/opt/agent/elsewhere.dat", "elsewhere\n");
        assert_int_equal(symlink("/etc/passwd", link), 0);
        assert_int_equal(mkfifo(fifo, 0644), 0);
        assert_int_equal(lg_inventory_scan_content(f->root, KVER, &f->agents, NULL, &scan), 0);

        for (int cached = 0; cached < 2; cached++)
                for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                        const lg_inv_item *want = lg_inventory_find(&scan, LG_ITEM_CONTENT, paths[i]);
                        uint64_t budget = LG_CONTENT_TOTAL_MAX;
                        lg_inv_item it = {};
                        int r;

                        r = lg_inventory_content_one(f->root, &f->agents, cached ? &scan : NULL, paths[i], &budget,
                                                     &it);
                        assert_int_equal(r, want ? 1 : 0);
                        if (!want)
                                continue;
                        assert_string_equal(it.name, want->name);
                        assert_string_equal(it.agent, "agent");
                        assert_true(it.fingerprint == want->fingerprint);
                        assert_true(it.size == want->size && it.ino == want->ino && it.ctime_ns == want->ctime_ns);
                        lg_inv_item_done(&it);
                }

        /* The folder swapped for a symlink by the agent's user: nothing. */
        {
                _cleanup_free_ char *dir = lg_root_path(f->root, "/opt/agent/content");
                _cleanup_free_ char *real = lg_root_path(f->root, "/opt/agent/real");
                uint64_t budget = LG_CONTENT_TOTAL_MAX;
                lg_inv_item it = {};

                assert_int_equal(rename(dir, real), 0);
                assert_int_equal(symlink("real", dir), 0);
                assert_int_equal(lg_inventory_content_one(f->root, &f->agents, NULL, RULES, &budget, &it), 0);
        }
        lg_inventory_done(&scan);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_same_bytes_same_fingerprint, setup, teardown),
                cmocka_unit_test_setup_teardown(test_symlink_by_target, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stat_cache_spares_the_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stat_cache_ctime_after_written, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sha256_cached, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_still_listed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_one_file_as_the_scan, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
