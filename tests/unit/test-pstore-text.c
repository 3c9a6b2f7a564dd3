/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lg_pstore_reassemble(): a crash log handed over as one text holding
 * pstore's parts ("Panic#2 Part1" headers), as `lastgoodctl crash FILE`
 * gets it: the parts in any order (newest first as an NVRAM dump lists
 * them, oldest first as systemd-pstore's dmesg.txt holds them), split at
 * every place, copies, an oops's dump next to the panic's, two boots' dumps
 * with the same header, hostile headers. Pure: no files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crash.h"
#include "macro.h"

/* The oops of tests/e2e/modules/lgcrash ("oops" build: a NULL store in its
 * init), as Debian's 6.1 cloud kernel prints it with oops=panic, with the
 * syslog prefixes pstore's kmsg dump keeps. The oops itself comes early; the
 * tail holds the user-space RIP of the finit_module() caller, the module
 * list and the register dump repeated after the end marker. */
static const char *const oops_lines[] = {
        "<6>[   13.902214] lgcrash: loading out-of-tree module taints kernel.\n",
        "<1>[   13.911452] BUG: kernel NULL pointer dereference, address: 0000000000000000\n",
        "<1>[   13.912033] #PF: supervisor write access in kernel mode\n",
        "<1>[   13.912410] #PF: error_code(0x0002) - not-present page\n",
        "<6>[   13.912801] PGD 0 P4D 0 \n",
        "<4>[   13.913104] Oops: 0002 [#1] PREEMPT SMP NOPTI\n",
        "<4>[   13.913502] CPU: 1 PID: 188 Comm: (udev-worker) Tainted: G           OE      6.1.0-57-cloud-amd64 #1  Debian 6.1.192-3\n",
        "<4>[   13.914238] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 0.0.0 02/06/2015\n",
        "<4>[   13.914862] RIP: 0010:lgcrash_init+0x15/0x1000 [lgcrash]\n",
        "<4>[   13.915281] Code: Unable to access opcode bytes at 0xffffffffc0355feb.\n",
        "<4>[   13.915760] RSP: 0018:ffffb3c1c03d7c68 EFLAGS: 00010246\n",
        "<4>[   13.916153] RAX: 0000000000000000 RBX: ffffffffc0356000 RCX: 0000000000000000\n",
        "<4>[   13.916692] RDX: 0000000000000000 RSI: 0000000000000000 RDI: ffffffffc0353040\n",
        "<4>[   13.917231] RBP: 0000000000000000 R08: 0000000000000000 R09: ffffb3c1c03d7b08\n",
        "<4>[   13.917766] R10: 0000000000000003 R11: ffffffffa3ad3ae8 R12: ffff9a4a0235a7c0\n",
        "<4>[   13.918302] R13: 0000000000000000 R14: ffffffffc0353040 R15: ffffb3c1c03d7e98\n",
        "<4>[   13.918840] FS:  00007f5f8e6a78c0(0000) GS:ffff9a4a3ed00000(0000) knlGS:0000000000000000\n",
        "<4>[   13.919442] CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033\n",
        "<4>[   13.919875] CR2: 0000000000000000 CR3: 0000000002a5c000 CR4: 00000000003506e0\n",
        "<4>[   13.920417] Call Trace:\n",
        "<4>[   13.920621]  <TASK>\n",
        "<4>[   13.920795]  do_one_initcall+0x56/0x220\n",
        "<4>[   13.921101]  do_init_module+0x4a/0x1f0\n",
        "<4>[   13.921397]  __do_sys_finit_module+0xac/0x120\n",
        "<4>[   13.921737]  do_syscall_64+0x5b/0xc0\n",
        "<4>[   13.922027]  ? exit_to_user_mode_prepare+0x40/0x1e0\n",
        "<4>[   13.922401]  entry_SYSCALL_64_after_hwframe+0x6e/0xd8\n",
        "<4>[   13.922784] RIP: 0033:0x7f5f8eb1f559\n",
        "<4>[   13.923069] Code: 08 89 e8 5b 5d c3 66 2e 0f 1f 84 00 00 00 00 00 90 48 89 f8 48 89 f7 48 89 d6\n",
        "<4>[   13.923702] RSP: 002b:00007ffe9ac10a38 EFLAGS: 00000246 ORIG_RAX: 0000000000000139\n",
        "<4>[   13.924249] RAX: ffffffffffffffda RBX: 0000561d2c5a2c40 RCX: 00007f5f8eb1f559\n",
        "<4>[   13.924790] RDX: 0000000000000000 RSI: 00007f5f8ecb1efd RDI: 0000000000000006\n",
        "<4>[   13.925327]  </TASK>\n",
        "<4>[   13.925503] Modules linked in: lgcrash(OE+) efi_pstore virtio_blk virtio_pci virtio_pci_legacy_dev virtio_pci_modern_dev virtio ext4 crc16 mbcache jbd2\n",
        "<4>[   13.926540] CR2: 0000000000000000\n",
        "<4>[   13.926810] ---[ end trace 0000000000000000 ]---\n",
        "<4>[   13.927143] RIP: 0010:lgcrash_init+0x15/0x1000 [lgcrash]\n",
        "<4>[   13.927560] Code: Unable to access opcode bytes at 0xffffffffc0355feb.\n",
        "<4>[   13.928042] RSP: 0018:ffffb3c1c03d7c68 EFLAGS: 00010246\n",
        "<0>[   13.928433] Kernel panic - not syncing: Fatal exception\n",
};
#define N_LINES ELEMENTSOF(oops_lines)

/* Lines [from, to) of the oops into buf at *at. */
static void put_lines(char *buf, size_t *at, size_t from, size_t to) {
        for (size_t i = from; i < to; i++) {
                size_t n = strlen(oops_lines[i]);
                memcpy(buf + *at, oops_lines[i], n);
                *at += n;
        }
        buf[*at] = 0;
}

static void put_str(char *buf, size_t *at, const char *s) {
        size_t n = strlen(s);
        memcpy(buf + *at, s, n);
        *at += n;
        buf[*at] = 0;
}

static char *whole_oops(size_t *ret_size) {
        char *buf = malloc(16384);
        size_t at = 0;
        assert_non_null(buf);
        put_lines(buf, &at, 0, N_LINES);
        *ret_size = at;
        return buf;
}

/* Reassembles text and checks the joined text and the culprit. */
static void expect_joined(const char *text, const char *expected, const char *culprit, size_t parts) {
        _cleanup_free_ char *joined = NULL;
        lg_pstore_info info = {};
        lg_crash_report rep = {};
        size_t size = 0;

        assert_int_equal(lg_pstore_reassemble(text, strlen(text), &joined, &size, &info), 1);
        assert_non_null(joined);
        assert_int_equal(size, strlen(joined));
        if (expected)
                assert_string_equal(joined, expected);
        if (parts)
                assert_int_equal(info.parts, parts);
        if (culprit) {
                assert_int_equal(lg_crash_attribute(joined, size, NULL, &rep), 0);
                assert_non_null(rep.culprit);
                assert_string_equal(rep.culprit, culprit);
                lg_crash_report_done(&rep);
        }
}

/* The failing case of issue 15: the NVRAM dump lists Part1 (the tail: a
 * user-space RIP and the module list) before Part2 (the oops). As it comes,
 * the text names no culprit; put in order it names lgcrash. */
static void test_oops_in_part2_newest_first(void **state) {
        char text[16384];
        size_t at = 0, split = 27; /* Part1 starts at the user-space RIP */
        _cleanup_free_ char *whole = NULL;
        size_t whole_size;
        lg_crash_report rep = {};

        assert_string_equal(oops_lines[split], "<4>[   13.922784] RIP: 0033:0x7f5f8eb1f559\n");
        put_str(text, &at, "Panic#2 Part1\n");
        put_lines(text, &at, split, N_LINES);
        put_str(text, &at, "Panic#2 Part2\n");
        put_lines(text, &at, 0, split);

        /* As it comes, the module list of Part1 is all the parser sees
         * before the oops: no verdict naming lgcrash with confidence. */
        assert_int_equal(lg_crash_attribute(text, at, NULL, &rep), 0);
        assert_true(!rep.culprit || rep.confidence != LG_CONFIDENCE_HIGH);
        lg_crash_report_done(&rep);

        whole = whole_oops(&whole_size);
        expect_joined(text, whole, "lgcrash", 2);
}

/* Every split point, two and three parts, newest first and oldest first:
 * the joined text is the log and the culprit is lgcrash, wherever the
 * parts fall. */
static void test_every_split(void **state) {
        _cleanup_free_ char *whole = NULL;
        size_t whole_size;

        whole = whole_oops(&whole_size);
        for (size_t a = 1; a < N_LINES; a++)
                for (int order = 0; order < 2; order++) {
                        char text[16384];
                        size_t at = 0;

                        if (order == 0) {
                                put_str(text, &at, "Oops#1 Part1\n");
                                put_lines(text, &at, a, N_LINES);
                                put_str(text, &at, "Oops#1 Part2\n");
                                put_lines(text, &at, 0, a);
                        } else {
                                put_str(text, &at, "Oops#1 Part2\n");
                                put_lines(text, &at, 0, a);
                                put_str(text, &at, "Oops#1 Part1\n");
                                put_lines(text, &at, a, N_LINES);
                        }
                        expect_joined(text, whole, "lgcrash", 2);
                }
        for (size_t a = 1; a < N_LINES; a += 3)
                for (size_t b = a + 1; b < N_LINES; b += 4) {
                        /* Part3 = [0,a), Part2 = [a,b), Part1 = [b,end), shuffled */
                        char text[16384];
                        size_t at = 0;

                        put_str(text, &at, "Panic#1 Part2\n");
                        put_lines(text, &at, a, b);
                        put_str(text, &at, "Panic#1 Part1\n");
                        put_lines(text, &at, b, N_LINES);
                        put_str(text, &at, "Panic#1 Part3\n");
                        put_lines(text, &at, 0, a);
                        expect_joined(text, whole, "lgcrash", 3);
                }
}

/* `cat` of a systemd-pstore archive folder: its dmesg.txt (every part,
 * oldest first) and the part files themselves. Copies are dropped. */
static void test_copies_dropped(void **state) {
        _cleanup_free_ char *whole = NULL;
        char text[65536];
        size_t at = 0, whole_size;

        whole = whole_oops(&whole_size);
        /* dmesg.txt */
        put_str(text, &at, "Panic#1 Part3\n");
        put_lines(text, &at, 0, 10);
        put_str(text, &at, "Panic#1 Part2\n");
        put_lines(text, &at, 10, 30);
        put_str(text, &at, "Panic#1 Part1\n");
        put_lines(text, &at, 30, N_LINES);
        /* dmesg-efi_pstore-…01001, …02001, …03001 */
        put_str(text, &at, "Panic#1 Part1\n");
        put_lines(text, &at, 30, N_LINES);
        put_str(text, &at, "Panic#1 Part2\n");
        put_lines(text, &at, 10, 30);
        put_str(text, &at, "Panic#1 Part3\n");
        put_lines(text, &at, 0, 10);
        expect_joined(text, whole, "lgcrash", 3);
}

/* oops=panic: the oops is dumped ("Oops#1"), then the panic ("Panic#2"),
 * which holds the same log and its last line. The larger dump is joined,
 * so a panic dump cut short (NVRAM full) loses to the oops dump. */
static void test_oops_and_panic_dumps(void **state) {
        _cleanup_free_ char *whole = NULL;
        char text[65536], expected[16384];
        size_t at = 0, whole_size, e = 0;
        _cleanup_free_ char *joined = NULL;
        lg_pstore_info info = {};
        size_t size;

        whole = whole_oops(&whole_size);
        put_lines(expected, &e, 0, N_LINES - 1); /* the oops dump lacks the panic line */

        put_str(text, &at, "Oops#1 Part1\n");
        put_lines(text, &at, 20, N_LINES - 1);
        put_str(text, &at, "Oops#1 Part2\n");
        put_lines(text, &at, 0, 20);
        put_str(text, &at, "Panic#2 Part1\n");
        put_lines(text, &at, 21, N_LINES);
        put_str(text, &at, "Panic#2 Part2\n");
        put_lines(text, &at, 0, 21);
        expect_joined(text, whole, "lgcrash", 2);
        assert_int_equal(lg_pstore_reassemble(text, at, &joined, &size, &info), 1);
        assert_string_equal(info.reason, "Panic");
        assert_int_equal(info.count, 2);
        assert_int_equal(info.dumps, 2);
        free(TAKE_PTR(joined));

        /* The panic dump got only its Part1 into NVRAM. */
        at = 0;
        put_str(text, &at, "Panic#2 Part1\n");
        put_lines(text, &at, 27, N_LINES);
        put_str(text, &at, "Oops#1 Part1\n");
        put_lines(text, &at, 20, N_LINES - 1);
        put_str(text, &at, "Oops#1 Part2\n");
        put_lines(text, &at, 0, 20);
        expect_joined(text, expected, "lgcrash", 2);
        assert_int_equal(lg_pstore_reassemble(text, at, &joined, &size, &info), 1);
        assert_string_equal(info.reason, "Oops");
        assert_int_equal(info.count, 1);
}

/* Two boots of a loop each left "Panic#1" (the count starts again at every
 * boot): their parts are never mixed. */
static void test_two_boots_same_header(void **state) {
        const char *text =
                "Panic#1 Part1\nboot A end\n"
                "Panic#1 Part1\nboot B end, a longer tail\n"
                "Panic#1 Part2\nboot A start\n"
                "Panic#1 Part2\nboot B start\n";
        /* glob order of the files: each part of A before the same part of B;
         * B holds more text. */
        expect_joined(text, "boot B start\nboot B end, a longer tail\n", NULL, 2);
        /* Equal sizes: the first seen. */
        expect_joined("Panic#1 Part1\nA1\nPanic#1 Part1\nB1\nPanic#1 Part2\nA2\nPanic#1 Part2\nB2\n", "A2\nA1\n", NULL, 2);
}

/* The NVRAM reader of the e2e rig prints the variable's name before each
 * part and an empty line after it; text before the first header is left
 * out, the rest stays with its part (lines the parser ignores). */
static void test_rig_format(void **state) {
        char text[16384];
        size_t at = 0;

        put_str(text, &at, "=== dump-type0-1-2-1764640000-C\nPanic#2 Part1\n");
        put_lines(text, &at, 27, N_LINES);
        put_str(text, &at, "\n=== dump-type0-2-2-1764640000-C\nPanic#2 Part2\n");
        put_lines(text, &at, 0, 27);
        put_str(text, &at, "\n");
        expect_joined(text, NULL, "lgcrash", 2);

        _cleanup_free_ char *joined = NULL;
        size_t size;
        assert_int_equal(lg_pstore_reassemble(text, at, &joined, &size, NULL), 1);
        assert_true(strncmp(joined, oops_lines[0], strlen(oops_lines[0])) == 0);
        assert_null(strstr(joined, "Panic#2"));
}

/* Line ends of a log that went through mail or an editor. */
static void test_crlf_headers(void **state) {
        expect_joined("Oops#1 Part1\r\nend\r\nOops#1 Part2\r\nstart\r\n", "start\r\nend\r\n", NULL, 2);
}

/* No part header: nothing to do, the caller keeps the text. */
static void test_no_header(void **state) {
        _cleanup_free_ char *whole = NULL;
        char *joined = NULL;
        size_t whole_size, size = 7;
        lg_pstore_info info = { .parts = 99 };

        whole = whole_oops(&whole_size);
        assert_int_equal(lg_pstore_reassemble(whole, whole_size, &joined, &size, &info), 0);
        assert_null(joined);
        assert_int_equal(size, 7);
        assert_int_equal(info.parts, 99);
        assert_int_equal(lg_pstore_reassemble("", 0, &joined, &size, &info), 0);
        assert_null(joined);
}

/* What is not a header: inside a line, "Part0", junk after it, a reason
 * that is not a word, too long a line, no line end. */
static void test_not_headers(void **state) {
        static const char *const texts[] = {
                "x Panic#1 Part1\nabc\n",
                "Panic#1 Part0\nabc\n",
                "Panic#1 Part1 trailing\nabc\n",
                "Pa nic#1 Part1\nabc\n",
                "Panic#x Part1\nabc\n",
                "Panicpanicpanicpanicpanicpanicpanicpanicpanicpanicpanicpanicpanic#1 Part1\nabc\n",
                "Panic#1 Part1",
                "#1 Part1\nabc\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                char *joined = NULL;
                size_t size;
                assert_int_equal(lg_pstore_reassemble(texts[i], strlen(texts[i]), &joined, &size, NULL), 0);
                assert_null(joined);
        }
}

/* Hostile texts: empty parts, huge counts and part numbers, NUL bytes,
 * thousands of headers. Bounded, never more than the input. */
static void test_hostile(void **state) {
        expect_joined("Panic#1 Part1\n", "", NULL, 1);
        expect_joined("Panic#2147483647 Part4294967295\nx\nPanic#-5 Part1\nyy\n", "yy\n", NULL, 1);

        const char nul[] = "Oops#1 Part2\na\0b\nOops#1 Part1\nc\n";
        _cleanup_free_ char *joined = NULL;
        size_t size;
        assert_int_equal(lg_pstore_reassemble(nul, sizeof(nul) - 1, &joined, &size, NULL), 1);
        assert_int_equal(size, 6);
        assert_memory_equal(joined, "a\0b\nc\n", 6);
        free(TAKE_PTR(joined));

        /* 10,000 one-line parts of one dump: the first 4096 headers count, the
         * rest stays text of the last part. */
        size_t cap = 10000 * 32, at = 0;
        _cleanup_free_ char *big = malloc(cap);
        assert_non_null(big);
        for (unsigned i = 1; i <= 10000; i++)
                at += (size_t) snprintf(big + at, cap - at, "Panic#1 Part%u\nL%u\n", i, i);
        assert_int_equal(lg_pstore_reassemble(big, at, &joined, &size, NULL), 1);
        assert_true(size <= at);
        assert_non_null(strstr(joined, "L1\n"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_oops_in_part2_newest_first),
                cmocka_unit_test(test_every_split),
                cmocka_unit_test(test_copies_dropped),
                cmocka_unit_test(test_oops_and_panic_dumps),
                cmocka_unit_test(test_two_boots_same_header),
                cmocka_unit_test(test_rig_format),
                cmocka_unit_test(test_crlf_headers),
                cmocka_unit_test(test_no_header),
                cmocka_unit_test(test_not_headers),
                cmocka_unit_test(test_hostile),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
