/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lastgood.conf: defaults, every key, and every bad input of the issue. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config.h" /* lib/parse/config.h: the build's own is force-included */
#include "macro.h"
#include "rootfs.h"
#include "strv.h"

static void init(lg_config *c) {
        assert_int_equal(lg_config_init(c), 0);
}

static void parse(lg_config *c, const char *s) {
        assert_int_equal(lg_config_parse(c, "lastgood.conf", s, strlen(s)), 0);
}

static bool warned(const lg_config *c, const char *needle) {
        for (char **w = c->warnings; *w; w++)
                if (strstr(*w, needle))
                        return true;
        return false;
}

static void assert_defaults(const lg_config *c) {
        assert_int_equal(c->threshold, LG_DEFAULT_THRESHOLD);
        assert_int_equal(c->stable_sec, LG_DEFAULT_STABLE_SEC);
        assert_int_equal(c->prove_sec, LG_DEFAULT_PROVE_SEC);
        assert_int_equal(c->check_timeout_sec, LG_DEFAULT_CHECK_TIMEOUT_SEC);
        assert_int_equal(lg_strv_length(c->require_units), 0);
        assert_int_equal(lg_strv_length(c->allow), 0);
        assert_int_equal(lg_strv_length(c->third_party_dirs), 4);
}

static void test_defaults(void **state) {
        lg_config c;

        init(&c);
        assert_defaults(&c);
        assert_non_null(c.require_units);
        assert_non_null(c.allow);
        assert_non_null(c.warnings);
        assert_string_equal(c.third_party_dirs[0], "updates");
        assert_string_equal(c.third_party_dirs[1], "extra");
        assert_string_equal(c.third_party_dirs[2], "weak-updates");
        assert_string_equal(c.third_party_dirs[3], "dkms");
        lg_config_done(&c);
        lg_config_done(NULL);
}

static void test_full(void **state) {
        lg_config c;

        init(&c);
        parse(&c, "# lastgood configuration\n"
                  "[Boot]\n"
                  "Threshold = 3\n"
                  "\n"
                  "; health\n"
                  "[Health]\n"
                  "StableSec=60\n"
                  "ProveSec=1h\n"
                  "RequireUnits=sshd.service network-online.target\n"
                  "RequireUnits=falcon-sensor.service   # the agent\n"
                  "CheckTimeoutSec=2min\n"
                  "[Modules]\n"
                  "Allow=zfs nvidia-drm\n"
                  "ThirdPartyDirs=\n"
                  "ThirdPartyDirs=updates/dkms extra/\n");
        assert_int_equal(lg_strv_length(c.warnings), 0);
        assert_int_equal(c.threshold, 3);
        assert_int_equal(c.stable_sec, 60);
        assert_int_equal(c.prove_sec, 3600);
        assert_int_equal(c.check_timeout_sec, 120);
        assert_int_equal(lg_strv_length(c.require_units), 3);
        assert_string_equal(c.require_units[2], "falcon-sensor.service");
        assert_int_equal(lg_strv_length(c.allow), 2);
        assert_string_equal(c.allow[1], "nvidia_drm");
        assert_int_equal(lg_strv_length(c.third_party_dirs), 2);
        assert_string_equal(c.third_party_dirs[0], "updates/dkms");
        assert_string_equal(c.third_party_dirs[1], "extra");
        lg_config_done(&c);
}

/* [Boot] keys of "Every failure ends in a reset": defaults, values, bad
 * values (warning, value kept), empty assignment (default again). */
static void test_reset_keys(void **state) {
        static const struct {
                const char *text;
                unsigned panic, hang;
                bool oops, soft, hard;
                unsigned warnings;
        } t[] = {
                { "", 10, 900, true, true, true, 0 },
                { "[Boot]\nPanicRebootSec=0\nHangResetSec=0\n", 0, 0, true, true, true, 0 },
                { "[Boot]\nPanicRebootSec=30s\nHangResetSec=5min\n", 30, 300, true, true, true, 0 },
                { "[Boot]\nPanicOnOops=no\nSoftLockupPanic=off\nHardLockupPanic=0\n", 10, 900, false, false,
                  false, 0 },
                { "[Boot]\nPanicOnOops=No\nPanicOnOops=YES\nHardLockupPanic=false\n", 10, 900, true, true,
                  false, 0 },
                { "[Boot]\nPanicOnOops=no\nPanicOnOops=\n", 10, 900, true, true, true, 0 },
                { "[Boot]\nPanicOnOops=maybe\nSoftLockupPanic=2\n", 10, 900, true, true, true, 2 },
                { "[Boot]\nPanicRebootSec=-1\nHangResetSec=65536\nPanicRebootSec=2h\n", 10, 900, true, true,
                  true, 3 },
                { "[Boot]\nHangResetSec=60\nHangResetSec=\nPanicRebootSec=5\n", 5, 900, true, true, true, 0 },
                { "[Health]\nPanicRebootSec=5\n", 10, 900, true, true, true, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                lg_config c;

                init(&c);
                parse(&c, t[i].text);
                assert_int_equal(c.panic_reboot_sec, t[i].panic);
                assert_int_equal(c.hang_reset_sec, t[i].hang);
                assert_int_equal(c.panic_on_oops, t[i].oops);
                assert_int_equal(c.softlockup_panic, t[i].soft);
                assert_int_equal(c.hardlockup_panic, t[i].hard);
                assert_int_equal(lg_strv_length(c.warnings), t[i].warnings);
                lg_config_done(&c);
        }
}

static void test_unknown_keys(void **state) {
        lg_config c;

        init(&c);
        parse(&c, "[Boot]\nThreshold=4\nTreshold=9\n[Health]\nStableSecs=1\n[Bogus]\nX=1\nGlobal=1\n");
        assert_int_equal(c.threshold, 4);
        assert_int_equal(c.stable_sec, LG_DEFAULT_STABLE_SEC);
        assert_int_equal(lg_strv_length(c.warnings), 4);
        assert_true(warned(&c, "lastgood.conf:3: Unknown key Treshold="));
        assert_true(warned(&c, "lastgood.conf:5: Unknown key StableSecs="));
        assert_true(warned(&c, "lastgood.conf:7: Unknown section [Bogus]"));
        lg_config_done(&c);

        /* A key before any section. */
        init(&c);
        parse(&c, "Threshold=5\n");
        assert_int_equal(c.threshold, LG_DEFAULT_THRESHOLD);
        assert_true(warned(&c, "lastgood.conf:1: Threshold= before any section ([Boot], [Health] or [Modules]), ignored."));
        lg_config_done(&c);
}

static void test_bad_numbers(void **state) {
        static const char *const bad[] = {
                "[Boot]\nThreshold=0\n",         "[Boot]\nThreshold=256\n",
                "[Boot]\nThreshold=abc\n",       "[Boot]\nThreshold=-1\n",
                "[Boot]\nThreshold=3s\n",        "[Boot]\nThreshold=1 2\n",
                "[Health]\nStableSec=forever\n", "[Health]\nProveSec=99999999999999999999\n",
                "[Health]\nProveSec=8d\n",       "[Health]\nCheckTimeoutSec=0\n",
                "[Health]\nStableSec=1.5\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                lg_config c;

                init(&c);
                parse(&c, bad[i]);
                assert_defaults(&c);
                assert_int_equal(lg_strv_length(c.warnings), 1);
                assert_true(warned(&c, "lastgood.conf:2: "));
                assert_true(warned(&c, "kept"));
                lg_config_done(&c);
        }
}

static void test_bad_number_keeps_earlier(void **state) {
        lg_config c;

        init(&c);
        parse(&c, "[Boot]\nThreshold=5\nThreshold=x\n");
        assert_int_equal(c.threshold, 5);
        assert_true(warned(&c, "5 kept"));
        /* Empty assignment: back to the default. */
        parse(&c, "[Boot]\nThreshold=\n");
        assert_int_equal(c.threshold, LG_DEFAULT_THRESHOLD);
        lg_config_done(&c);
}

static void test_no_trailing_newline(void **state) {
        lg_config c;

        init(&c);
        parse(&c, "[Boot]\nThreshold=7");
        assert_int_equal(c.threshold, 7);
        assert_int_equal(lg_strv_length(c.warnings), 0);
        lg_config_done(&c);

        init(&c);
        parse(&c, "[Health]\r\nStableSec=9\r\nRequireUnits=a.service");
        assert_int_equal(c.stable_sec, 9);
        assert_string_equal(c.require_units[0], "a.service");
        lg_config_done(&c);
}

static void test_binary_junk(void **state) {
        unsigned char junk[4096];
        unsigned seed = 7;
        lg_config c;

        for (size_t i = 0; i < sizeof(junk); i++) {
                seed = seed * 1103515245 + 12345;
                junk[i] = (unsigned char) (seed >> 16);
        }
        init(&c);
        assert_int_equal(lg_config_parse(&c, "lastgood.conf", (const char *) junk, sizeof(junk)), 0);
        assert_defaults(&c);
        assert_true(lg_strv_length(c.warnings) >= 1);
        assert_true(lg_strv_length(c.warnings) <= 33);
        lg_config_done(&c);
}

static void test_nul_bytes(void **state) {
        const char buf[] = "[Boot]\nThreshold=4\0junk\n[Health]\nStableSec=30\n";
        lg_config c;

        init(&c);
        assert_int_equal(lg_config_parse(&c, "lastgood.conf", buf, sizeof(buf) - 1), 0);
        /* The line with the NUL is dropped whole; the rest is read. */
        assert_int_equal(c.threshold, LG_DEFAULT_THRESHOLD);
        assert_int_equal(c.stable_sec, 30);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        assert_true(warned(&c, "lastgood.conf:2: Line contains NUL"));
        lg_config_done(&c);
}

static void test_long_line(void **state) {
        size_t n = 100000;
        char *buf = malloc(n + 64);
        lg_config c;

        assert_non_null(buf);
        strcpy(buf, "[Modules]\nAllow=");
        memset(buf + 16, 'a', n);
        strcpy(buf + 16 + n, "\nAllow=zfs\n");
        init(&c);
        parse(&c, buf);
        assert_int_equal(lg_strv_length(c.allow), 1);
        assert_string_equal(c.allow[0], "zfs");
        assert_true(warned(&c, "lastgood.conf:2: Line longer than"));
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_config_done(&c);
        free(buf);
}

static void test_syntax_errors(void **state) {
        lg_config c;

        init(&c);
        parse(&c, "[Boot\n"
                  "Threshold=4\n" /* still in no valid section */
                  "[Boot] trailing\n"
                  "just words\n"
                  "=5\n"
                  "Thresh old=5\n"
                  "Threshold:5\n"
                  "[]\n"
                  "[Boot]\n"
                  "   Threshold=6\n" /* leading blanks are fine */
                  "  6\n");          /* not a continuation line */
        assert_int_equal(c.threshold, 6);
        assert_true(warned(&c, "lastgood.conf:1: Section header without ']'"));
        assert_true(warned(&c, "lastgood.conf:3: Junk after section header"));
        assert_true(warned(&c, "lastgood.conf:4: Not a KEY=VALUE"));
        assert_true(warned(&c, "lastgood.conf:5: Bad key name"));
        assert_true(warned(&c, "lastgood.conf:6: Bad key name"));
        assert_true(warned(&c, "lastgood.conf:7: "));
        assert_true(warned(&c, "lastgood.conf:8: Bad section name"));
        assert_true(warned(&c, "lastgood.conf:11: Not a KEY=VALUE"));
        lg_config_done(&c);
}

static void test_bad_list_entries(void **state) {
        lg_config c;

        init(&c);
        parse(&c, "[Health]\nRequireUnits=ok.service noext $(reboot).service a;b.target\n"
                  "[Modules]\nAllow=good bad;name ../x\n"
                  "ThirdPartyDirs=/abs ../up a/../b ok/sub .\n");
        assert_int_equal(lg_strv_length(c.require_units), 1);
        assert_int_equal(lg_strv_length(c.allow), 1);
        assert_string_equal(c.allow[0], "good");
        /* default four + ok/sub */
        assert_int_equal(lg_strv_length(c.third_party_dirs), 5);
        assert_string_equal(c.third_party_dirs[4], "ok/sub");
        assert_int_equal(lg_strv_length(c.warnings), 9);
        lg_config_done(&c);
}

static void test_later_file_overrides(void **state) {
        lg_config c;

        init(&c);
        parse(&c, "[Boot]\nThreshold=3\n[Modules]\nAllow=a\n");
        parse(&c, "[Boot]\nThreshold=4\n[Modules]\nAllow=b\n");
        assert_int_equal(c.threshold, 4);
        assert_int_equal(lg_strv_length(c.allow), 2);
        parse(&c, "[Modules]\nAllow=\n");
        assert_int_equal(lg_strv_length(c.allow), 0);
        lg_config_done(&c);
}

static void write_file(const char *dir, const char *rel, const char *s) {
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s%s", dir, rel);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(s, f);
        fclose(f);
}

static void test_load(void **state) {
        char tmpl[] = "/tmp/test-config.XXXXXX", cmd[256];
        _cleanup_root_ lg_root *root = NULL;
        lg_config c;
        char *dir = mkdtemp(tmpl);

        assert_non_null(dir);
        assert_int_equal(lg_root_new(dir, &root), 0);

        /* Missing file: defaults, no warning. */
        assert_int_equal(lg_config_load(root, &c), 0);
        assert_defaults(&c);
        assert_int_equal(lg_strv_length(c.warnings), 0);
        lg_config_done(&c);

        assert_int_equal(lg_root_mkdir_p(root, "/etc/lastgood", 0755), 0);
        write_file(dir, "/etc/lastgood/lastgood.conf", "[Boot]\nThreshold=9\nNope=1\n");
        assert_int_equal(lg_config_load(root, &c), 0);
        assert_int_equal(c.threshold, 9);
        assert_true(warned(&c, "/etc/lastgood/lastgood.conf:3: Unknown key Nope="));
        lg_config_done(&c);

        /* A folder where the file should be: a warning, defaults. */
        snprintf(cmd, sizeof(cmd), "%s/etc/lastgood/lastgood.conf", dir);
        assert_int_equal(unlink(cmd), 0);
        assert_int_equal(mkdir(cmd, 0755), 0);
        assert_int_equal(lg_config_load(root, &c), 0);
        assert_defaults(&c);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_config_done(&c);

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_unknown_keys),
                cmocka_unit_test(test_bad_numbers),
                cmocka_unit_test(test_bad_number_keeps_earlier),
                cmocka_unit_test(test_no_trailing_newline),
                cmocka_unit_test(test_binary_junk),
                cmocka_unit_test(test_nul_bytes),
                cmocka_unit_test(test_long_line),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_bad_list_entries),
                cmocka_unit_test(test_later_file_overrides),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_reset_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
