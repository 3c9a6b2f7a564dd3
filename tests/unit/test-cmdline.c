/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lastgood.* words of the kernel command line: every bad input of the
 * issue has its own test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"
#include "macro.h"
#include "strv.h"

static void parse(const char *s, lg_cmdline *c) {
        assert_int_equal(lg_cmdline_parse(s, strlen(s), c), 0);
        assert_non_null(c->release);
        assert_non_null(c->block);
        assert_non_null(c->allow);
        assert_non_null(c->warnings);
}

static bool warned(const lg_cmdline *c, const char *needle) {
        for (char **w = c->warnings; *w; w++)
                if (strstr(*w, needle))
                        return true;
        return false;
}

static void test_empty(void **state) {
        lg_cmdline c;

        parse("", &c);
        assert_int_equal(c.mode, LG_MODE_AUTO);
        assert_false(c.reset);
        assert_false(c.release_all);
        assert_int_equal(c.threshold, 0);
        assert_int_equal(lg_strv_length(c.warnings), 0);
        assert_false(lg_cmdline_is_override(&c));
        lg_cmdline_done(&c);

        assert_int_equal(lg_cmdline_parse(NULL, 0, &c), 0);
        assert_false(lg_cmdline_is_override(&c));
        lg_cmdline_done(&c);
}

static void test_typical(void **state) {
        lg_cmdline c;

        parse("BOOT_IMAGE=/vmlinuz-6.1.0 root=UUID=1234 ro quiet lastgood.mode=safe "
              "lastgood.block=falco,nvidia-drm lastgood.allow=zfs lastgood.threshold=3 "
              "lastgood.release=crowdstrike_falcon lastgood.reset splash\n",
              &c);
        assert_int_equal(c.mode, LG_MODE_SAFE);
        assert_true(c.reset);
        assert_int_equal(c.threshold, 3);
        assert_int_equal(lg_strv_length(c.block), 2);
        assert_string_equal(c.block[0], "falco");
        assert_string_equal(c.block[1], "nvidia_drm");
        assert_string_equal(c.allow[0], "zfs");
        assert_string_equal(c.release[0], "crowdstrike_falcon");
        assert_false(c.release_all);
        assert_int_equal(lg_strv_length(c.warnings), 0);
        assert_true(lg_cmdline_is_override(&c));
        lg_cmdline_done(&c);
}

static void test_modes(void **state) {
        static const struct {
                const char *s;
                lg_mode m;
                bool override;
        } t[] = {
                { "lastgood.mode=auto", LG_MODE_AUTO, false },
                { "lastgood.mode=safe", LG_MODE_SAFE, true },
                { "lastgood.mode=strict", LG_MODE_STRICT, true },
                { "lastgood.mode=normal", LG_MODE_NORMAL, true },
                { "lastgood.mode=off", LG_MODE_OFF, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                lg_cmdline c;

                parse(t[i].s, &c);
                assert_int_equal(c.mode, t[i].m);
                assert_int_equal(lg_cmdline_is_override(&c), t[i].override);
                assert_int_equal(lg_strv_length(c.warnings), 0);
                lg_cmdline_done(&c);
        }
}

static void test_mode_bogus(void **state) {
        lg_cmdline c;

        parse("lastgood.mode=bogus", &c);
        assert_int_equal(c.mode, LG_MODE_AUTO);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        assert_true(warned(&c, "lastgood.mode=bogus"));
        assert_false(lg_cmdline_is_override(&c));
        lg_cmdline_done(&c);

        /* A bad later value does not undo a good earlier one. */
        parse("lastgood.mode=strict lastgood.mode=SAFE lastgood.mode", &c);
        assert_int_equal(c.mode, LG_MODE_STRICT);
        assert_int_equal(lg_strv_length(c.warnings), 2);
        lg_cmdline_done(&c);
}

static void test_threshold_zero(void **state) {
        lg_cmdline c;

        parse("lastgood.threshold=0", &c);
        assert_int_equal(c.threshold, 0);
        assert_true(warned(&c, "from 1 to 255"));
        lg_cmdline_done(&c);
}

static void test_threshold_abc(void **state) {
        lg_cmdline c;

        parse("lastgood.threshold=abc lastgood.threshold=-1 lastgood.threshold=3x lastgood.threshold=", &c);
        assert_int_equal(c.threshold, 0);
        assert_int_equal(lg_strv_length(c.warnings), 4);
        lg_cmdline_done(&c);
}

static void test_threshold_999(void **state) {
        lg_cmdline c;

        parse("lastgood.threshold=999 lastgood.threshold=99999999999999999999999", &c);
        assert_int_equal(c.threshold, 0);
        assert_int_equal(lg_strv_length(c.warnings), 2);
        lg_cmdline_done(&c);

        parse("lastgood.threshold=255 lastgood.threshold=1", &c);
        assert_int_equal(c.threshold, 1);
        assert_int_equal(lg_strv_length(c.warnings), 0);
        lg_cmdline_done(&c);
}

static void test_unknown_words(void **state) {
        lg_cmdline c;

        parse("lastgood.frobnicate=1 lastgood.modes=safe lastgood. lastgood lastgoodx.mode=safe "
              "xlastgood.mode=safe",
              &c);
        assert_int_equal(c.mode, LG_MODE_AUTO);
        /* frobnicate and modes are lastgood.* words; the others are not ours. */
        assert_int_equal(lg_strv_length(c.warnings), 2);
        assert_true(warned(&c, "lastgood.frobnicate=1"));
        assert_true(warned(&c, "unknown"));
        assert_false(lg_cmdline_is_override(&c));
        lg_cmdline_done(&c);
}

static void test_repeated_words(void **state) {
        lg_cmdline c;

        /* Scalars: the last one wins; lists accumulate without duplicates. */
        parse("lastgood.mode=safe lastgood.mode=normal lastgood.threshold=4 lastgood.threshold=5 "
              "lastgood.block=a,b lastgood.block=b,c lastgood.block=a-x lastgood.block=a_x",
              &c);
        assert_int_equal(c.mode, LG_MODE_NORMAL);
        assert_int_equal(c.threshold, 5);
        assert_int_equal(lg_strv_length(c.block), 4);
        assert_string_equal(c.block[0], "a");
        assert_string_equal(c.block[1], "b");
        assert_string_equal(c.block[2], "c");
        assert_string_equal(c.block[3], "a_x");
        assert_int_equal(lg_strv_length(c.warnings), 0);
        lg_cmdline_done(&c);

        parse("lastgood.reset lastgood.reset=0", &c);
        assert_false(c.reset);
        lg_cmdline_done(&c);
        parse("lastgood.reset=maybe", &c);
        assert_false(c.reset);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_cmdline_done(&c);
}

static void test_dash_underscore(void **state) {
        lg_cmdline c;

        parse("lastgood.block=nvidia-uvm,my_mod lastgood.allow=zfs-kmod", &c);
        assert_string_equal(c.block[0], "nvidia_uvm");
        assert_string_equal(c.block[1], "my_mod");
        assert_string_equal(c.allow[0], "zfs_kmod");
        assert_true(lg_name_in_list(c.block, "nvidia-uvm"));
        assert_true(lg_name_in_list(c.block, "nvidia_uvm"));
        assert_true(lg_name_in_list(c.block, "my-mod"));
        assert_false(lg_name_in_list(c.block, "nvidia"));
        assert_false(lg_name_in_list(c.block, "nvidia_uvm2"));
        assert_false(lg_name_in_list(NULL, "x"));
        lg_cmdline_done(&c);
}

static void test_dash_in_keys(void **state) {
        lg_cmdline c;

        /* No key of ours has '_' today; the rule must hold for the prefix
         * part too: "lastgood.re-set" is not "lastgood.reset". */
        parse("lastgood.re-set lastgood.mode=safe", &c);
        assert_false(c.reset);
        assert_int_equal(c.mode, LG_MODE_SAFE);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_cmdline_done(&c);
}

static void test_release_all(void **state) {
        lg_cmdline c;

        parse("lastgood.release=all", &c);
        assert_true(c.release_all);
        assert_int_equal(lg_strv_length(c.release), 0);
        assert_true(lg_cmdline_is_override(&c));
        lg_cmdline_done(&c);

        parse("lastgood.release=foo,all,bar", &c);
        assert_true(c.release_all);
        assert_int_equal(lg_strv_length(c.release), 2);
        lg_cmdline_done(&c);

        /* "all" is only special for release. */
        parse("lastgood.block=all", &c);
        assert_false(c.release_all);
        assert_string_equal(c.block[0], "all");
        lg_cmdline_done(&c);
}

static void test_quotes(void **state) {
        lg_cmdline c;

        /* As the kernel: quotes hold spaces together and are removed around
         * the value or the whole word. */
        parse("foo=\"a b lastgood.mode=off\" lastgood.mode=\"safe\" \"lastgood.threshold=4\"", &c);
        assert_int_equal(c.mode, LG_MODE_SAFE);
        assert_int_equal(c.threshold, 4);
        assert_int_equal(lg_strv_length(c.warnings), 0);
        lg_cmdline_done(&c);

        /* A quoted list with a space inside is one word with a bad name. */
        parse("lastgood.block=\"a b,c\"", &c);
        assert_int_equal(lg_strv_length(c.block), 1);
        assert_string_equal(c.block[0], "c");
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_cmdline_done(&c);

        /* An unterminated quote swallows the rest of the line. */
        parse("lastgood.mode=safe dyndbg=\"file x.c lastgood.mode=off", &c);
        assert_int_equal(c.mode, LG_MODE_SAFE);
        lg_cmdline_done(&c);

        /* Quotes left inside the value make it bad, not dangerous. */
        parse("lastgood.mode=sa\"fe\"", &c);
        assert_int_equal(c.mode, LG_MODE_AUTO);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_cmdline_done(&c);
}

static void test_double_dash(void **state) {
        lg_cmdline c;

        /* Words after "--" are for init, not the kernel. */
        parse("lastgood.mode=safe -- lastgood.mode=off", &c);
        assert_int_equal(c.mode, LG_MODE_SAFE);
        lg_cmdline_done(&c);
}

static void test_unsafe_names(void **state) {
        lg_cmdline c;
        char big[600], line[700];

        parse("lastgood.block=foo;reboot,$(id),`x`,a|b,../etc,.hidden,-rf,ok.name,x@y lastgood.allow=a/b",
              &c);
        assert_int_equal(lg_strv_length(c.block), 2);
        assert_string_equal(c.block[0], "ok.name");
        assert_string_equal(c.block[1], "x@y");
        assert_int_equal(lg_strv_length(c.allow), 0);
        assert_int_equal(lg_strv_length(c.warnings), 8);
        lg_cmdline_done(&c);

        /* 255 bytes are fine, 256 are not. */
        memset(big, 'm', 256);
        big[256] = '\0';
        snprintf(line, sizeof(line), "lastgood.block=%s", big);
        parse(line, &c);
        assert_int_equal(lg_strv_length(c.block), 0);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_cmdline_done(&c);
        big[255] = '\0';
        snprintf(line, sizeof(line), "lastgood.block=%s", big);
        parse(line, &c);
        assert_int_equal(lg_strv_length(c.block), 1);
        lg_cmdline_done(&c);

        assert_false(lg_name_is_valid(""));
        assert_false(lg_name_is_valid("a b"));
        assert_false(lg_name_is_valid("a\nb"));
        assert_false(lg_name_is_valid("a'b"));
        assert_false(lg_name_is_valid("\xc3\xa9t\xc3\xa9"));
        assert_true(lg_name_is_valid("nvidia_uvm"));
}

static void test_empty_lists(void **state) {
        lg_cmdline c;

        parse("lastgood.block= lastgood.allow lastgood.release=,,", &c);
        assert_int_equal(lg_strv_length(c.block), 0);
        assert_int_equal(lg_strv_length(c.allow), 0);
        assert_int_equal(lg_strv_length(c.release), 0);
        assert_int_equal(lg_strv_length(c.warnings), 2);
        assert_false(lg_cmdline_is_override(&c));
        lg_cmdline_done(&c);
}

static void test_garbage_4k(void **state) {
        size_t n = 8192;
        char *buf = malloc(n);
        unsigned seed = 1;
        lg_cmdline c;

        assert_non_null(buf);
        /* Random bytes, NUL-free, a few of them lastgood words. */
        for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245 + 12345;
                buf[i] = (char) (1 + (seed >> 16) % 255);
                if (buf[i] == '"')
                        buf[i] = 'q'; /* a quote would hold the words below together */
        }
        memcpy(buf + 100, " lastgood.mode=strict ", 22);
        memcpy(buf + 3000, " lastgood.xyz=\xff\x01 ", 18);
        assert_int_equal(lg_cmdline_parse(buf, n, &c), 0);
        assert_int_equal(c.mode, LG_MODE_STRICT);
        lg_cmdline_done(&c);

        /* 4 KiB of one endless word, of quotes, of spaces, of commas. */
        memset(buf, 'x', n);
        assert_int_equal(lg_cmdline_parse(buf, n, &c), 0);
        assert_int_equal(lg_strv_length(c.warnings), 0);
        lg_cmdline_done(&c);
        memset(buf, '"', n);
        assert_int_equal(lg_cmdline_parse(buf, n, &c), 0);
        lg_cmdline_done(&c);
        memset(buf, ' ', n);
        assert_int_equal(lg_cmdline_parse(buf, n, &c), 0);
        lg_cmdline_done(&c);
        memcpy(buf, "lastgood.block=", 15);
        memset(buf + 15, ',', n - 15);
        assert_int_equal(lg_cmdline_parse(buf, n, &c), 0);
        assert_int_equal(lg_strv_length(c.block), 0);
        lg_cmdline_done(&c);

        /* Thousands of bad words: the warnings stay bounded. */
        for (size_t i = 0; i + 12 <= n; i += 12)
                memcpy(buf + i, "lastgood.x=1", 12);
        for (size_t i = 11; i < n; i += 12)
                buf[i] = ' ';
        assert_int_equal(lg_cmdline_parse(buf, n, &c), 0);
        assert_true(lg_strv_length(c.warnings) <= 33);
        assert_true(warned(&c, "Too many warnings"));
        lg_cmdline_done(&c);

        /* Thousands of distinct names: the list stays bounded. */
        {
                size_t off = 15;

                memcpy(buf, "lastgood.block=", 15);
                for (int i = 0; off + 8 < n; i++)
                        off += (size_t) snprintf(buf + off, n - off, "m%d,", i);
                assert_int_equal(lg_cmdline_parse(buf, off, &c), 0);
                assert_int_equal(lg_strv_length(c.block), 256);
                lg_cmdline_done(&c);
        }
        free(buf);
}

static void test_not_nul_terminated(void **state) {
        const char s[] = { 'l', 'a', 's', 't', 'g', 'o', 'o', 'd', '.',
                           'm', 'o', 'd', 'e', '=', 's', 'a', 'f', 'e' };
        const char z[] = "lastgood.mode=safe\0lastgood.mode=off";
        lg_cmdline c;

        assert_int_equal(lg_cmdline_parse(s, sizeof(s), &c), 0);
        assert_int_equal(c.mode, LG_MODE_SAFE);
        lg_cmdline_done(&c);
        /* Nothing after a NUL is looked at. */
        assert_int_equal(lg_cmdline_parse(z, sizeof(z) - 1, &c), 0);
        assert_int_equal(c.mode, LG_MODE_SAFE);
        lg_cmdline_done(&c);
        /* Half a word at the end of the buffer. */
        assert_int_equal(lg_cmdline_parse(s, 16, &c), 0);
        assert_int_equal(c.mode, LG_MODE_AUTO);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        lg_cmdline_done(&c);
}

static void test_warning_escapes(void **state) {
        lg_cmdline c;

        parse("lastgood.mode=\x1b[31mred\x7f", &c);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        assert_null(strchr(c.warnings[0], '\x1b'));
        assert_non_null(strstr(c.warnings[0], "\\x1b"));
        lg_cmdline_done(&c);
}

static void test_is_override(void **state) {
        lg_cmdline c = {};

        assert_false(lg_cmdline_is_override(NULL));
        assert_false(lg_cmdline_is_override(&c));
        c.threshold = 2;
        assert_true(lg_cmdline_is_override(&c));
        lg_cmdline_done(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty),           cmocka_unit_test(test_typical),
                cmocka_unit_test(test_modes),           cmocka_unit_test(test_mode_bogus),
                cmocka_unit_test(test_threshold_zero),  cmocka_unit_test(test_threshold_abc),
                cmocka_unit_test(test_threshold_999),   cmocka_unit_test(test_unknown_words),
                cmocka_unit_test(test_repeated_words),  cmocka_unit_test(test_dash_underscore),
                cmocka_unit_test(test_dash_in_keys),    cmocka_unit_test(test_release_all),
                cmocka_unit_test(test_quotes),          cmocka_unit_test(test_double_dash),
                cmocka_unit_test(test_unsafe_names),    cmocka_unit_test(test_empty_lists),
                cmocka_unit_test(test_garbage_4k),      cmocka_unit_test(test_not_nul_terminated),
                cmocka_unit_test(test_warning_escapes), cmocka_unit_test(test_is_override),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
