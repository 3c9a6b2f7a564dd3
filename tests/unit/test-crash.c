/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash-log attribution, pure, from memory buffers: the forms, the
 * decision rules, and the bad input the issue lists (truncated records,
 * records cut mid-line, two oopses, 1 MiB of junk, non-UTF-8 bytes, an
 * over-long module name, a wrapped module list, the same record twice,
 * CRLF). The real logs are checked by tests/integration/crash-fixtures.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "crash.h"
#include "macro.h"
#include "strv.h"

#define OOPS_FOO                                                                               \
        "[  12.000001] BUG: kernel NULL pointer dereference, address: 0000000000000010\n"       \
        "[  12.000002] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"                                      \
        "[  12.000003] CPU: 1 PID: 42 Comm: foo-daemon Tainted: G           OE      6.1.0-18-amd64 #1 Debian 6.1.76-1\n" \
        "[  12.000004] RIP: 0010:foo_poll+0x1a/0x230 [foo]\n"                                    \
        "[  12.000005] Code: 48 8b 97 c8 01 00 00 <8b> 52 10\n"                                   \
        "[  12.000006] Call Trace:\n"                                                             \
        "[  12.000007]  <TASK>\n"                                                                \
        "[  12.000008]  foo_ioctl+0x44/0x90 [foo]\n"                                             \
        "[  12.000009]  __x64_sys_ioctl+0x92/0xd0\n"                                             \
        "[  12.000010]  </TASK>\n"                                                               \
        "[  12.000011] Modules linked in: foo(OE) ext4 mbcache jbd2 e1000e\n"                     \
        "[  12.000012] ---[ end trace 0000000000000000 ]---\n"

#define OOPS_INTREE                                                                            \
        "[  20.000001] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"       \
        "[  20.000002] Oops: 0000 [#2] SMP PTI\n"                                                \
        "[  20.000003] CPU: 0 PID: 7 Comm: kworker/0:1 Tainted: G      D    OE      6.1.0-18-amd64 #1\n" \
        "[  20.000004] RIP: 0010:e1000_clean+0x10/0x300 [e1000e]\n"                              \
        "[  20.000005] Call Trace:\n"                                                             \
        "[  20.000006]  ? foo_poll+0x1a/0x230 [foo]\n"                                           \
        "[  20.000007]  net_rx_action+0x232/0x290\n"                                             \
        "[  20.000008] Modules linked in: foo(OE) ext4 mbcache jbd2 e1000e\n"                     \
        "[  20.000009] ---[ end trace 0000000000000001 ]---\n"

static lg_crash_report attribute_with(const char *text, size_t size, const lg_agents *agents) {
        lg_crash_report r = {};
        assert_int_equal(lg_crash_attribute(text, size, agents, &r), 0);
        assert_non_null(r.evidence);
        assert_int_not_equal(r.id, 0);
        assert_true((r.culprit == NULL) == (r.confidence == LG_CONFIDENCE_NONE));
        for (char **e = r.evidence; *e; e++)
                for (const unsigned char *c = (const unsigned char *) *e; *c; c++)
                        assert_true(*c >= 0x20 && *c < 0x7f);
        return r;
}

static lg_crash_report attribute(const char *text) {
        return attribute_with(text, strlen(text), NULL);
}

static bool has_evidence(const lg_crash_report *r, const char *needle) {
        for (char **e = r->evidence; *e; e++)
                if (strstr(*e, needle))
                        return true;
        return false;
}

static void test_confidence_strings(void **state) {
        assert_string_equal(lg_confidence_to_string(LG_CONFIDENCE_NONE), "none");
        assert_string_equal(lg_confidence_to_string(LG_CONFIDENCE_LOW), "low");
        assert_string_equal(lg_confidence_to_string(LG_CONFIDENCE_MEDIUM), "medium");
        assert_string_equal(lg_confidence_to_string(LG_CONFIDENCE_HIGH), "high");
        assert_null(lg_confidence_to_string(_LG_CONFIDENCE_MAX));
}

static void test_rip_in_third_party(void **state) {
        lg_crash_report r = attribute(OOPS_FOO);
        assert_string_equal(r.culprit, "foo");
        assert_string_equal(r.family, "foo");
        assert_null(r.agent);
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        assert_string_equal(r.kernel, "6.1.0-18-amd64");
        assert_string_equal(r.taint, "G OE");
        assert_string_equal(r.rip, "RIP: 0010:foo_poll+0x1a/0x230 [foo]");
        assert_true(has_evidence(&r, "RIP: 0010:foo_poll"));
        assert_int_equal(r.reports, 1);
        lg_crash_report_done(&r);
}

static void test_in_tree_fault_with_unreliable_third_party(void **state) {
        lg_crash_report r = attribute(OOPS_INTREE);
        assert_null(r.culprit);
        assert_null(r.family);
        assert_int_equal(r.confidence, LG_CONFIDENCE_NONE);
        assert_true(has_evidence(&r, "e1000_clean"));
        lg_crash_report_done(&r);
}

static void test_empty_and_null(void **state) {
        lg_crash_report r = attribute("");
        assert_null(r.culprit);
        assert_null(r.kernel);
        assert_null(r.evidence[0]);
        assert_int_equal(r.reports, 0);
        lg_crash_report_done(&r);

        r = attribute_with(NULL, 100, NULL);
        assert_null(r.culprit);
        lg_crash_report_done(&r);
        lg_crash_report_done(NULL);
}

/* Truncated: every prefix of a record either names the right module or
 * none, never another one; once the RIP line and the module list (which
 * says foo is out of tree: the taint alone says only that some module is)
 * are complete it is named. */
static void test_truncated_records(void **state) {
        const char *text = OOPS_FOO;
        const char *rip_end = strstr(text, "Modules linked in:");
        rip_end = strchr(rip_end, '\n') + 1;
        size_t n = strlen(text);

        for (size_t len = 0; len <= n; len++) {
                lg_crash_report r = attribute_with(text, len, NULL);
                if (r.culprit)
                        assert_string_equal(r.culprit, "foo");
                if (len >= (size_t) (rip_end - text))
                        assert_non_null(r.culprit);
                lg_crash_report_done(&r);
        }
}

/* Cut mid-line: a half-written module name must never become a culprit. */
static void test_cut_mid_line(void **state) {
        lg_crash_report r = attribute("BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
                                      "CPU: 1 PID: 42 Comm: x Tainted: G           OE      6.1.0 #1\n"
                                      "RIP: 0010:foo_poll+0x1a/0x230 [fo");
        assert_null(r.culprit);
        lg_crash_report_done(&r);

        r = attribute("BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
                      "RIP: 0010:foo_po");
        assert_null(r.culprit);
        lg_crash_report_done(&r);

        /* The taint line cut inside the version: the version is what was there. */
        r = attribute("CPU: 1 PID: 42 Comm: x Tainted: P           OE      6.1.0-1");
        assert_string_equal(r.kernel, "6.1.0-1");
        assert_string_equal(r.taint, "P OE");
        lg_crash_report_done(&r);
}

static void test_two_oopses_first_decides(void **state) {
        lg_crash_report r = attribute(OOPS_FOO OOPS_INTREE);
        assert_string_equal(r.culprit, "foo");
        assert_int_equal(r.reports, 2);
        assert_true(has_evidence(&r, "later report"));
        lg_crash_report_done(&r);

        r = attribute(OOPS_INTREE OOPS_FOO);
        assert_null(r.culprit);
        assert_int_equal(r.reports, 2);
        assert_true(has_evidence(&r, "later report"));
        lg_crash_report_done(&r);
}

/* Without end markers, a second oops numbered [#2] after a full first
 * report still starts a new report. */
static void test_two_oopses_without_end_marker(void **state) {
        lg_crash_report r = attribute("Oops: 0000 [#1] SMP\n"
                                      "RIP: 0010:blk_run+0x1d/0x130\n"
                                      "Call Trace:\n"
                                      " blk_run_all+0x54/0x100\n"
                                      "Modules linked in: bar(O) sd_mod\n"
                                      "Oops: 0002 [#2] SMP\n"
                                      "RIP: 0010:bar_io+0x88/0x1a0 [bar]\n");
        assert_null(r.culprit);
        assert_int_equal(r.reports, 2);
        lg_crash_report_done(&r);
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void junk_case(const char *what, char *buf, size_t size) {
        double t0 = now(), dt;
        lg_crash_report r = attribute_with(buf, size, NULL);
        dt = now() - t0;
        printf("# %s: %zu bytes in %.3f s\n", what, size, dt);
        assert_true(dt < 1.0);
        assert_null(r.culprit);
        lg_crash_report_done(&r);
}

static void test_one_mib_of_junk(void **state) {
        const size_t size = 1024 * 1024;
        _cleanup_free_ char *buf = malloc(size);
        uint32_t x = 2463534242u;

        assert_non_null(buf);
        /* Random bytes (xorshift, fixed seed: reproducible). */
        for (size_t i = 0; i < size; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                buf[i] = (char) x;
        }
        junk_case("random bytes", buf, size);

        /* One line without a newline. */
        memset(buf, 'A', size);
        junk_case("one long line", buf, size);

        /* Hostile repetition of what the parser looks at most. */
        static const char *const pieces[] = {
                "? junk_fn+0x1/0x2 [junkmod]\n",
                "Modules linked in: a(O) b(P) c d e f g h i j k l m n o p q r s t u v w x y z\n",
                "WARNING: CPU: 0 PID: 1 at x.c:1\n",
                "Oops: 0000 [#1]\n",
                "Tainted: [O]=OOT_MODULE, [P]=PROPRIETARY_MODULE\n",
        };
        for (size_t p = 0; p < ELEMENTSOF(pieces); p++) {
                size_t l = strlen(pieces[p]), at = 0;
                while (at + l <= size) {
                        memcpy(buf + at, pieces[p], l);
                        at += l;
                }
                memset(buf + at, '\n', size - at);
                char what[64];
                snprintf(what, sizeof(what), "repeated line %zu", p + 1);
                junk_case(what, buf, size);
        }

        /* Unique module names beyond the module table's bound. */
        size_t at = 0;
        for (unsigned i = 0; at + 32 < size; i++) {
                if (i % 256 == 0)
                        at += snprintf(buf + at, size - at, "\nModules linked in:");
                at += snprintf(buf + at, size - at, i % 8 == 0 ? "\n m%u(O)" : " m%u(O)", i);
        }
        junk_case("many module names", buf, at);
}

static void test_non_utf8(void **state) {
        const char text[] = "BUG: kernel NULL pointer dereference\xff\xfe\n"
                            "CPU: 1 PID: 42 Comm: \xc3\x28\x80 Tainted: G           OE      6.1.0 #1\n"
                            "RIP: 0010:foo_poll+0x1a/0x230 [foo] \xe2\x82\n"
                            "Modules linked in: \x80\x81 foo(OE) ext4\n";
        lg_crash_report r = attribute_with(text, sizeof(text) - 1, NULL);
        assert_string_equal(r.culprit, "foo");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        lg_crash_report_done(&r);

        /* NUL bytes inside the text are just bytes. */
        const char nul[] = "RIP: 0010:foo_poll+0x1a/0x230 [foo]\n\0\0\0Modules linked in: foo(OE)\n";
        r = attribute_with(nul, sizeof(nul) - 1, NULL);
        assert_string_equal(r.culprit, "foo");
        lg_crash_report_done(&r);
}

static void test_module_name_too_long(void **state) {
        char text[1024];
        const char *n56 = "a234567890123456789012345678901234567890123456789012345X"; /* 56 */
        const char *n55 = "a23456789012345678901234567890123456789012345678901234X";  /* 55 */

        assert_int_equal(strlen(n56), 56);
        snprintf(text, sizeof(text),
                 "BUG: kernel NULL pointer dereference\n"
                 "RIP: 0010:f_poll+0x1a/0x230 [%s]\n"
                 "Modules linked in: %s(OE) ext4\n", n56, n56);
        lg_crash_report r = attribute(text);
        assert_null(r.culprit);
        lg_crash_report_done(&r);

        snprintf(text, sizeof(text),
                 "BUG: kernel NULL pointer dereference\n"
                 "RIP: 0010:f_poll+0x1a/0x230 [%s]\n"
                 "Modules linked in: %s(OE) ext4\n", n55, n55);
        r = attribute(text);
        assert_string_equal(r.culprit, n55);
        lg_crash_report_done(&r);
}

static void test_module_list_over_several_lines(void **state) {
        /* The marker of the faulting module is on the third line only;
         * without it the module would be in-tree (the kernel is tainted
         * only by it) — so this also shows continuation lines are read. */
        const char *text = "BUG: kernel NULL pointer dereference\n"
                           "Modules linked in: ext4 mbcache jbd2\n"
                           "e1000e ahci libahci\n"
                           "[   3.1] sd_mod wrapped(O) [last unloaded:\n"
                           "gone(O)]\n"
                           "CPU: 0 PID: 1 Comm: x Tainted: G           O      6.1.0 #1\n"
                           "RIP: 0010:wrapped_fn+0x1a/0x230 [wrapped]\n";
        lg_crash_report r = attribute(text);
        assert_string_equal(r.culprit, "wrapped");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        lg_crash_report_done(&r);

        /* An unmarked module on a continuation line stays in-tree. */
        r = attribute("BUG: kernel NULL pointer dereference\n"
                      "Modules linked in: foo(OE) ext4\n"
                      " e1000e ahci\n"
                      "CPU: 0 PID: 1 Comm: x Tainted: G           OE      6.1.0 #1\n"
                      "RIP: 0010:e1000_clean+0x10/0x300 [e1000e]\n");
        assert_null(r.culprit);
        lg_crash_report_done(&r);
}

static void test_last_unloaded_is_no_evidence(void **state) {
        lg_crash_report r = attribute("BUG: kernel NULL pointer dereference\n"
                                      "CPU: 0 PID: 1 Comm: x Tainted: G           OE      6.1.0 #1\n"
                                      "RIP: 0010:gone_fn+0x1a/0x230 [gone]\n"
                                      "Modules linked in: ext4 gone [last unloaded: gone(OE)]\n");
        assert_null(r.culprit);
        lg_crash_report_done(&r);
}

static void test_same_record_twice(void **state) {
        lg_crash_report a = attribute(OOPS_FOO), b = attribute(OOPS_FOO), c = attribute(OOPS_FOO OOPS_FOO);
        assert_int_equal(a.id, b.id);
        assert_int_equal(a.id, c.id);
        assert_string_equal(c.culprit, "foo");
        assert_int_equal(c.reports, 2);
        lg_crash_report d = attribute(OOPS_INTREE);
        assert_int_not_equal(a.id, d.id);
        lg_crash_report_done(&a);
        lg_crash_report_done(&b);
        lg_crash_report_done(&c);
        lg_crash_report_done(&d);
}

/* CRLF, syslog prefixes and mail quotes change nothing, not even the id. */
static void test_crlf_and_prefixes(void **state) {
        const char *lf = OOPS_FOO;
        size_t n = strlen(lf);
        _cleanup_free_ char *crlf = malloc(2 * n + 1), *syslog = malloc(4 * n + 1);
        size_t k = 0, s = 0;
        bool bol = true;

        assert_non_null(crlf);
        assert_non_null(syslog);
        for (size_t i = 0; i < n; i++) {
                if (lf[i] == '\n')
                        crlf[k++] = '\r';
                crlf[k++] = lf[i];
                if (bol)
                        s += sprintf(syslog + s, "> Jan  1 00:00:01 host kernel: ");
                syslog[s++] = lf[i];
                bol = lf[i] == '\n';
        }
        crlf[k] = syslog[s] = 0;

        lg_crash_report a = attribute(lf), b = attribute(crlf), c = attribute(syslog);
        assert_string_equal(b.culprit, "foo");
        assert_string_equal(c.culprit, "foo");
        assert_int_equal(a.id, b.id);
        assert_int_equal(a.id, c.id);
        assert_string_equal(b.rip, a.rip);
        lg_crash_report_done(&a);
        lg_crash_report_done(&b);
        lg_crash_report_done(&c);
}

static void test_families(void **state) {
        assert_string_equal(lg_crash_known_family("nvidia_modeset"), "nvidia");
        assert_string_equal(lg_crash_known_family("spl"), "zfs");
        assert_string_equal(lg_crash_known_family("vboxnetflt"), "vboxdrv");
        assert_string_equal(lg_crash_known_family("vmnet"), "vmmon");
        assert_null(lg_crash_known_family("ext4"));
        assert_null(lg_crash_known_family(NULL));

        /* Not marked (old kernels print no markers) and in the list: a known
         * family member is still third-party, and reported as itself. */
        lg_crash_report r = attribute("general protection fault: 0000 [#1] SMP\n"
                                      "Modules linked in: zfs spl ext4\n"
                                      "Pid: 1, comm: x Tainted: G      D     2.6.38 #1\n"
                                      "RIP: 0010:[<ffffffffa00d593b>]  [<ffffffffa00d593b>] spl_kmem_cache_alloc+0x3b/0xd90 [spl]\n");
        assert_string_equal(r.culprit, "spl");
        assert_string_equal(r.family, "zfs");
        lg_crash_report_done(&r);
}

static void test_agents(void **state) {
        char *mods[] = { (char *) "agentmod", (char *) "agent_net", NULL };
        lg_agent agent = { .name = (char *) "sentry", .modules = mods };
        lg_agents agents = { .n = 1, .agents = &agent };
        const char *text = "BUG: kernel NULL pointer dereference\n"
                           "CPU: 0 PID: 1 Comm: x Not tainted 6.1.0 #1\n"
                           "RIP: 0010:an_fn+0x1a/0x230 [agent-net]\n"
                           "Modules linked in: agent_net agentmod ext4\n";

        lg_crash_report r = attribute_with(text, strlen(text), NULL);
        assert_null(r.culprit);
        lg_crash_report_done(&r);

        r = attribute_with(text, strlen(text), &agents);
        assert_string_equal(r.culprit, "agent_net");
        assert_string_equal(r.family, "sentry");
        assert_string_equal(r.agent, "sentry");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        lg_crash_report_done(&r);
}

static void test_forms(void **state) {
        lg_crash_report r;

        /* KASAN names the module in its headline. */
        r = attribute("BUG: KASAN: slab-out-of-bounds in kz_fn+0x4bf/0xae0 [kz]\n"
                      "CPU: 1 UID: 0 PID: 7 Comm: awg Tainted: G           O       6.12.0 #1\n"
                      "Tainted: [O]=OOT_MODULE\n"
                      "Call Trace:\n"
                      " dump_stack_lvl+0x4f/0x70\n"
                      " kasan_report+0xaa/0xe0\n");
        assert_string_equal(r.culprit, "kz");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        assert_string_equal(r.taint, "G O");
        lg_crash_report_done(&r);

        /* New-form taint line alone. */
        r = attribute("Tainted: [P]=PROPRIETARY_MODULE, [O]=OOT_MODULE\n");
        assert_string_equal(r.taint, "PO");
        lg_crash_report_done(&r);

        /* A panic raised by a module. */
        r = attribute("Kernel panic - not syncing: [guard] integrity lost\n"
                      "CPU: 0 PID: 9 Comm: kworker Tainted: G           OE     5.4.0 #1\n"
                      "Call Trace:\n dump_stack+0xac/0xec\n panic+0x119/0x31a\n guard_check+0x10/0x20 [guard]\n");
        assert_string_equal(r.culprit, "guard");
        lg_crash_report_done(&r);

        /* arm64 pc in a module. */
        r = attribute("Internal error: Oops: 96000005 [#1] SMP\n"
                      "Modules linked in: armdrv(O)\n"
                      "pc : armdrv_irq+0x24/0x90 [armdrv]\n"
                      "lr : armdrv_irq+0x1c/0x90 [armdrv]\n");
        assert_string_equal(r.culprit, "armdrv");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        lg_crash_report_done(&r);

        /* Old "PC is at" in core, "LR is at" in a module: a caller, medium. */
        r = attribute("Internal error: Oops: 17 [#1] ARM\n"
                      "Modules linked in: armdrv(O)\n"
                      "PC is at memcpy+0x48/0x330\n"
                      "LR is at armdrv_copy+0x30/0x60 [armdrv]\n");
        assert_string_equal(r.culprit, "armdrv");
        assert_int_equal(r.confidence, LG_CONFIDENCE_MEDIUM);
        lg_crash_report_done(&r);

        /* User-mode RIP lines are not the fault. */
        r = attribute("WARNING: CPU: 0 PID: 1 at fs/x.c:1 x_fn+0x1/0x2\n"
                      "RIP: 0033:0x7ff539ace2e9\n"
                      "Modules linked in: foo(O)\n");
        assert_null(r.culprit);
        assert_null(r.rip);
        lg_crash_report_done(&r);

        /* A module whose origin the log does not show: medium, not high. */
        r = attribute("RIP: 0010:acer_wmi_init+0x69f/0x1d90 [facer]\n");
        assert_string_equal(r.culprit, "facer");
        assert_int_equal(r.confidence, LG_CONFIDENCE_MEDIUM);
        lg_crash_report_done(&r);

        /* ... but with a clean taint it is in-tree. */
        r = attribute("CPU: 1 PID: 2 Comm: x Tainted: G        W         6.1.0 #1\n"
                      "RIP: 0010:acer_wmi_init+0x69f/0x1d90 [facer]\n");
        assert_null(r.culprit);
        lg_crash_report_done(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_confidence_strings),
                cmocka_unit_test(test_rip_in_third_party),
                cmocka_unit_test(test_in_tree_fault_with_unreliable_third_party),
                cmocka_unit_test(test_empty_and_null),
                cmocka_unit_test(test_truncated_records),
                cmocka_unit_test(test_cut_mid_line),
                cmocka_unit_test(test_two_oopses_first_decides),
                cmocka_unit_test(test_two_oopses_without_end_marker),
                cmocka_unit_test(test_one_mib_of_junk),
                cmocka_unit_test(test_non_utf8),
                cmocka_unit_test(test_module_name_too_long),
                cmocka_unit_test(test_module_list_over_several_lines),
                cmocka_unit_test(test_last_unloaded_is_no_evidence),
                cmocka_unit_test(test_same_record_twice),
                cmocka_unit_test(test_crlf_and_prefixes),
                cmocka_unit_test(test_families),
                cmocka_unit_test(test_agents),
                cmocka_unit_test(test_forms),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
