/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The watchdog's libkmod provider (lib/inventory/kmod-dlopen.c): nothing mapped
 * before the first modinfo read; a scan classifies in-tree and third-party
 * modules as the linked provider does; libkmod (and with it libcrypto) is
 * unmapped again once the scan is done, and a second scan opens it anew. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "inventory.h"
#include "kmod-api.h"
#include "macro.h"
#include "rootfs.h"

#define KVER "6.1.0-lg"

static char dir[64];
static lg_root *root;

static bool mapped(const char *what) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        bool found = false;
        FILE *f = fopen("/proc/self/maps", "re");

        assert_non_null(f);
        while (getline(&line, &n, f) > 0)
                if (strstr(line, what))
                        found = true;
        fclose(f);
        return found;
}

static void mkmod(const char *rel, const char *info) {
        _cleanup_free_ char *cmd = NULL;

        assert_true(asprintf(&cmd, "'%s/modules/mkmod.sh' '%s/lib/modules/" KVER "/%s' license=GPL %s",
                             LG_TEST_FIXTURES, dir, rel, info) > 0);
        assert_int_equal(system(cmd), 0);
}

static int setup(void **state) {
        strcpy(dir, "/tmp/lg-test-kmod.XXXXXX");
        if (!mkdtemp(dir) || lg_root_new(dir, &root) < 0 ||
            lg_root_mkdir_p(root, "/lib/modules/" KVER "/kernel/drivers/net", 0755) < 0 ||
            lg_root_mkdir_p(root, "/lib/modules/" KVER "/extra", 0755) < 0)
                return -1;
        return 0;
}

static int teardown(void **state) {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        lg_root_free(root);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_open_use_close(void **state) {
        lg_inventory inv = {};
        lg_config cfg = {};

        mkmod("kernel/drivers/net/e1000e.ko", "intree=Y");
        mkmod("extra/vendor.ko", "srcversion=VENDOR00001");
        assert_int_equal(lg_config_init(&cfg), 0);

        assert_false(lg_kmod_api_loaded());
        assert_false(mapped("libkmod.so"));

        for (int round = 0; round < 2; round++) {
                assert_int_equal(lg_inventory_scan(root, KVER, &cfg, NULL, &inv, NULL), 0);
                /* modinfo was read through the opened library ... */
                assert_int_equal(inv.n, 1);
                assert_string_equal(inv.items[0].name, "vendor");
                assert_int_equal(inv.n_intree, 1);
                /* ... which is gone again once the scan is done */
                assert_false(lg_kmod_api_loaded());
                assert_false(mapped("libkmod.so"));
                lg_inventory_done(&inv);
        }
        lg_config_done(&cfg);
}

static void test_refcount(void **state) {
        const lg_kmod_api *a = lg_kmod_api_acquire(), *b;

        assert_non_null(a);
        assert_true(lg_kmod_api_loaded());
        b = lg_kmod_api_acquire();
        assert_ptr_equal(a, b);
        lg_kmod_api_release();
        assert_true(lg_kmod_api_loaded());
        lg_kmod_api_release();
        assert_false(lg_kmod_api_loaded());
        /* an extra release is harmless */
        lg_kmod_api_release();
        assert_false(lg_kmod_api_loaded());
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_open_use_close),
                cmocka_unit_test(test_refcount),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
