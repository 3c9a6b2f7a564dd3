/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Agents named from a crash log (issue 21): by the crashing task (Comm:),
 * by the eBPF programs in the trace and the watchdog's record of who had
 * loaded them; and the cases that must name nobody: a task two agents
 * claim, the idle task or a kernel thread, eBPF frames without a record or
 * with a record of another kernel, a WARNING the kernel survived. The
 * eBPF record's own bad input: corrupt, huge, another kernel. */
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
#include "crash.h"
#include "macro.h"
#include "strv.h"

/* Debian 12's kernel on `echo c > /proc/sysrq-trigger` (sysrq_handle_crash
 * calls panic() directly since 5.x). */
#define SYSRQ(COMM)                                                                                    \
        "[   25.123456] sysrq: Trigger a crash\n"                                                     \
        "[   25.123789] Kernel panic - not syncing: sysrq triggered crash\n"                          \
        "[   25.124000] CPU: 0 PID: 512 Comm: " COMM " Not tainted 6.1.0-18-amd64 #1  Debian 6.1.76-1\n" \
        "[   25.124200] Call Trace:\n"                                                                \
        "[   25.124210]  <TASK>\n"                                                                    \
        "[   25.124220]  dump_stack_lvl+0x44/0x5c\n"                                                  \
        "[   25.124230]  panic+0x118/0x2ed\n"                                                        \
        "[   25.124240]  sysrq_handle_crash+0x16/0x20\n"                                             \
        "[   25.124250]  __handle_sysrq.cold+0x43/0x11b\n"                                           \
        "[   25.124260]  write_sysrq_trigger+0x24/0x40\n"                                            \
        "[   25.124270]  proc_reg_write+0x56/0xa0\n"                                                 \
        "[   25.124280]  vfs_write+0xc7/0x3c0\n"                                                     \
        "[   25.124290]  ksys_write+0x5f/0xe0\n"                                                     \
        "[   25.124300]  do_syscall_64+0x58/0xc0\n"                                                  \
        "[   25.124320]  </TASK>\n"                                                                   \
        "[   25.124340] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---\n"

/* The shape of netdata#12027's trace: an eBPF program in another task's
 * context (Comm: is whoever sent on a socket). */
#define BPF_OOPS(COMM)                                                                                 \
        "BUG: unable to handle page fault for address: ffffffffff6004ad\n"                            \
        "Oops: 0000 [#1] SMP NOPTI\n"                                                                  \
        "CPU: 60 PID: 3174 Comm: " COMM " Not tainted 6.1.0-18-amd64 #1\n"                             \
        "RIP: 0010:copy_from_kernel_nofault+0xa7/0x100\n"                                              \
        "Call Trace:\n"                                                                                \
        " <TASK>\n"                                                                                    \
        " bpf_probe_read_compat+0x64/0x90\n"                                                           \
        " bpf_prog_896bb3a8c2cab17b_netdata_tcp_sendmsg+0xbc/0xb48\n"                                  \
        " trace_call_bpf+0x9f/0x150\n"                                                                 \
        " kretprobe_perf_func+0x4e/0x280\n"                                                            \
        " tcp_sendmsg+0x31/0x40\n"                                                                     \
        " </TASK>\n"

static int lg_strv_split(char ***ret, const char *words) {
        _cleanup_free_ char *copy = strdup(words);
        char *save = NULL;

        *ret = calloc(1, sizeof(char *));
        if (!*ret || !copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                if (lg_strv_push(ret, w) < 0)
                        return -ENOMEM;
        return 0;
}

typedef struct agents_fixture {
        lg_agents a;
} agents_fixture;

static void add_agent(lg_agents *as, const char *name, const char *units, const char *processes, lg_policy pol,
                      const char *fallback) {
        lg_agent *t = realloc(as->agents, sizeof(lg_agent) * (as->n + 1));
        assert_non_null(t);
        as->agents = t;
        lg_agent *a = &as->agents[as->n++];
        *a = (lg_agent) { .name = strdup(name), .on_safe_mode = pol };
        assert_int_equal(lg_strv_split(&a->units, units), 0);
        assert_int_equal(lg_strv_split(&a->processes, processes), 0);
        assert_int_equal(lg_strv_split(&a->fallback_units, fallback ?: ""), 0);
        a->modules = calloc(1, sizeof(char *));
        a->content = calloc(1, sizeof(char *));
        a->processes_set = true;
}

static int setup(void **state) {
        agents_fixture *f = calloc(1, sizeof(*f));

        add_agent(&f->a, "fakeagent", "fakeagent.service", "fakeagent", LG_POLICY_FALLBACK, "fakeagent-fallback.service");
        add_agent(&f->a, "netdata", "netdata.service", "netdata ebpf.plugin", LG_POLICY_ROLLBACK, NULL);
        add_agent(&f->a, "sensor-a", "a.service", "shared-helper", LG_POLICY_ROLLBACK, NULL);
        add_agent(&f->a, "sensor-b", "b.service", "shared-helper", LG_POLICY_DISABLE, NULL);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        agents_fixture *f = *state;

        lg_agents_done(&f->a);
        free(f);
        return 0;
}

static lg_crash_report attribute(const char *text, const lg_agents *agents, const lg_bpf_record *bpf) {
        lg_crash_context ctx = { .agents = agents, .bpf = bpf };
        lg_crash_report r = {};

        assert_int_equal(lg_crash_attribute_ctx(text, strlen(text), &ctx, &r), 0);
        assert_non_null(r.evidence);
        assert_true((r.culprit == NULL) == (r.confidence == LG_CONFIDENCE_NONE));
        return r;
}

static bool has_evidence(const lg_crash_report *r, const char *needle) {
        for (char **e = r->evidence; e && *e; e++)
                if (strstr(*e, needle))
                        return true;
        return false;
}

static void test_process_names_agent(void **state) {
        agents_fixture *f = *state;
        lg_crash_report r = attribute(SYSRQ("fakeagent"), &f->a, NULL);

        assert_string_equal(r.culprit, "fakeagent");
        assert_string_equal(r.culprit_kind, "agent");
        assert_string_equal(r.agent, "fakeagent");
        assert_string_equal(r.comm, "fakeagent");
        /* weaker than a module in the trace */
        assert_int_equal(r.confidence, LG_CONFIDENCE_MEDIUM);
        assert_true(has_evidence(&r, "Comm: fakeagent Not tainted"));
        assert_non_null(strstr(r.reason, "process of agent fakeagent"));
        /* its fallback is taken at once */
        assert_string_equal(lg_crash_fast_path_culprit(&r, &f->a), "fakeagent");
        lg_crash_report_done(&r);

        /* Without agent definitions, nobody. */
        r = attribute(SYSRQ("fakeagent"), NULL, NULL);
        assert_null(r.culprit);
        assert_string_equal(r.comm, "fakeagent");
        lg_crash_report_done(&r);

        /* An agent without a fallback is named, but the fast path never
         * switches it off on a process name. */
        r = attribute(SYSRQ("ebpf.plugin"), &f->a, NULL);
        assert_string_equal(r.culprit, "netdata");
        assert_null(lg_crash_fast_path_culprit(&r, &f->a));
        lg_crash_report_done(&r);
}

/* The kernel cuts task names to 15 bytes: "falcon-sensor-bpf" crashes as
 * "falcon-sensor-b"; a name with blanks ends at the taint words. */
static void test_process_name_forms(void **state) {
        agents_fixture *f = *state;
        lg_agents *as = &f->a;
        lg_crash_report r;

        add_agent(as, "falcon-sensor", "falcon-sensor.service", "falcond falcon-sensor-b", LG_POLICY_ROLLBACK, NULL);
        r = attribute("Oops: 0002 [#1] PREEMPT SMP NOPTI\n"
                      "CPU: 1 PID: 933 Comm: falcon-sensor-b Not tainted 5.14.0-427.16.1.el9_4.x86_64 #1\n",
                      as, NULL);
        assert_string_equal(r.culprit, "falcon-sensor");
        lg_crash_report_done(&r);
        /* Newer kernels print the UID too; old ones "Pid: N, comm: NAME". */
        r = attribute("Oops: 0002 [#1] PREEMPT SMP NOPTI\n"
                      "CPU: 1 UID: 0 PID: 933 Comm: falcond Tainted: G        W          6.12.0 #1\n",
                      as, NULL);
        assert_string_equal(r.culprit, "falcon-sensor");
        lg_crash_report_done(&r);
        r = attribute("Oops: 0000 [#1] SMP\n"
                      "Pid: 77, comm: fakeagent Tainted: G        W    3.2.0 #1\n",
                      as, NULL);
        assert_string_equal(r.culprit, "fakeagent");
        lg_crash_report_done(&r);
        r = attribute("Oops: 0000 [#1] SMP\nCPU: 3 PID: 9 Comm: Web Content Not tainted 6.1.0 #1\n", as, NULL);
        assert_null(r.culprit);
        assert_string_equal(r.comm, "Web Content");
        lg_crash_report_done(&r);
}

static void test_process_ambiguous(void **state) {
        agents_fixture *f = *state;
        lg_crash_report r = attribute(SYSRQ("shared-helper"), &f->a, NULL);

        assert_null(r.culprit);
        assert_null(r.culprit_kind);
        assert_non_null(strstr(r.reason, "more than one agent"));
        assert_non_null(strstr(r.reason, "ambiguous"));
        assert_true(has_evidence(&r, "Comm: shared-helper"));
        assert_null(lg_crash_fast_path_culprit(&r, &f->a));
        lg_crash_report_done(&r);
}

/* The idle task and kernel threads are nobody's process, even where a
 * (bad) definition claims the name: the parser refuses such names, and
 * the attribution ignores them in any case. */
static void test_kernel_threads(void **state) {
        agents_fixture *f = *state;
        static const char *const comms[] = { SYSRQ("swapper/0"), SYSRQ("swapper"), SYSRQ("kworker/u8:2"),
                                             SYSRQ("ksoftirqd/3"), SYSRQ("rcu_preempt"), SYSRQ("migration/1") };

        add_agent(&f->a, "bad", "bad.service", "swapper kworker rcu_preempt", LG_POLICY_FALLBACK, "x.service");
        for (size_t i = 0; i < ELEMENTSOF(comms); i++) {
                lg_crash_report r = attribute(comms[i], &f->a, NULL);
                assert_null(r.culprit);
                lg_crash_report_done(&r);
        }
}

/* A module in the trace is stronger than the process name. */
static void test_module_beats_process(void **state) {
        agents_fixture *f = *state;
        lg_crash_report r = attribute("BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
                                      "Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
                                      "CPU: 1 PID: 42 Comm: fakeagent Tainted: G           OE      6.1.0-18-amd64 #1\n"
                                      "RIP: 0010:foo_poll+0x1a/0x230 [foo]\n"
                                      "Modules linked in: foo(OE) ext4\n",
                                      &f->a, NULL);

        assert_string_equal(r.culprit, "foo");
        assert_string_equal(r.culprit_kind, "module");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        lg_crash_report_done(&r);

        /* An in-tree module near the crash, no module list shown, the
         * kernel tainted by some other module: the taint does not say
         * which module is out of tree, so nf_conntrack is never named
         * (opensnitch#297's shape); the task's agent is. */
        static const char nf[] = "BUG: kernel NULL pointer dereference, address: 0000000000000084\n"
                                 "Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
                                 "CPU: 9 PID: 970 Comm: %s Tainted: P        W  OE     5.6.16-1-MANJARO #1\n"
                                 "RIP: 0010:nf_conntrack_update+0x234/0x3a0 [nf_conntrack]\n"
                                 "Call Trace:\n"
                                 " nfqnl_reinject+0x4a/0x70 [nfnetlink_queue]\n";
        char text[1024];
        snprintf(text, sizeof(text), nf, "opensnitchd");
        r = attribute(text, NULL, NULL);
        assert_null(r.culprit);
        assert_non_null(strstr(r.reason, "not known to be third-party"));
        lg_crash_report_done(&r);
        snprintf(text, sizeof(text), nf, "fakeagent");
        r = attribute(text, &f->a, NULL);
        assert_string_equal(r.culprit, "fakeagent");
        lg_crash_report_done(&r);
}

static void record(lg_bpf_record *rec, const char *kernel) {
        *rec = (lg_bpf_record) { .kernel = strdup(kernel) };
        assert_int_equal(lg_bpf_record_add(rec, "896bb3a8c2cab17b", "netdata_tcp_se", 42, "netdata.service"), 1);
        assert_int_equal(lg_bpf_record_add(rec, "896bb3a8c2cab17b", "netdata_tcp_se", 42, "netdata.service"), 0);
        assert_int_equal(lg_bpf_record_add(rec, "0123456789abcdef", "sd_fw_egress", 7, "init.scope"), 1);
}

static void test_bpf_frames(void **state) {
        agents_fixture *f = *state;
        lg_bpf_record rec, other;
        lg_crash_report r;

        /* No record: no verdict, and the task (an agent's, here) does not
         * decide either: eBPF programs run in anyone's context. */
        r = attribute(BPF_OOPS("fakeagent"), &f->a, NULL);
        assert_null(r.culprit);
        assert_non_null(strstr(r.reason, "no record"));
        lg_crash_report_done(&r);

        record(&rec, "6.1.0-18-amd64");
        r = attribute(BPF_OOPS("msgr-worker-1"), &f->a, &rec);
        assert_string_equal(r.culprit, "netdata");
        assert_string_equal(r.culprit_kind, "agent");
        assert_int_equal(r.confidence, LG_CONFIDENCE_MEDIUM);
        assert_true(has_evidence(&r, "bpf_prog_896bb3a8c2cab17b_netdata_tcp_sendmsg"));
        lg_crash_report_done(&r);

        /* The record of another kernel says nothing of this one's tags. */
        record(&other, "6.1.0-17-amd64");
        r = attribute(BPF_OOPS("msgr-worker-1"), &f->a, &other);
        assert_null(r.culprit);
        assert_non_null(strstr(r.reason, "of this kernel"));
        lg_crash_report_done(&r);
        lg_bpf_record_done(&other);

        /* A program held by no agent's unit (systemd's own). */
        r = attribute("Oops: 0000 [#1] SMP\nCPU: 1 PID: 1 Comm: fakeagent Not tainted 6.1.0-18-amd64 #1\n"
                      "Call Trace:\n bpf_prog_0123456789abcdef_sd_fw_egress+0x10/0x40\n",
                      &f->a, &rec);
        assert_null(r.culprit);
        lg_crash_report_done(&r);

        /* Trampolines and dispatchers name no program: no verdict. */
        r = attribute("Oops: 0000 [#1] SMP\nCPU: 1 PID: 1 Comm: fakeagent Not tainted 6.1.0-18-amd64 #1\n"
                      "Call Trace:\n bpf_trampoline_6442523371+0x47/0x1000\n",
                      &f->a, &rec);
        assert_null(r.culprit);
        lg_crash_report_done(&r);
        lg_bpf_record_done(&rec);
}

static void test_bpf_record_text(void **state) {
        _cleanup_free_ char *text = NULL, *huge = NULL;
        lg_bpf_record rec, back;
        size_t size;

        record(&rec, "6.1.0-18-amd64");
        assert_int_equal(lg_bpf_record_format(&rec, &text, &size), 0);
        assert_int_equal(lg_bpf_record_parse(text, size, &back), 0);
        assert_string_equal(back.kernel, "6.1.0-18-amd64");
        assert_int_equal(back.n, 2);
        assert_string_equal(back.progs[0].tag, "896bb3a8c2cab17b");
        assert_string_equal(back.progs[0].name, "netdata_tcp_se");
        assert_int_equal(back.progs[0].id, 42);
        assert_string_equal(back.progs[0].unit, "netdata.service");
        lg_bpf_record_done(&back);
        lg_bpf_record_done(&rec);

        static const char *const corrupt[] = {
                "",
                "lastgood-bpf-record 2\nkernel 6.1\n",
                "lastgood-bpf-record 1\n",                                   /* no kernel */
                "lastgood-bpf-record 1\nkernel 6.1\nprog XYZ - 1 a.service\n", /* bad tag */
                "lastgood-bpf-record 1\nkernel 6.1\nprog 896bb3a8c2cab17b - 1\n",
                "lastgood-bpf-record 1\nkernel 6.1\nprog 896bb3a8c2cab17b - 1 a.service trailing\n",
                "lastgood-bpf-record 1\nkernel 6.1\ngarbage\n",
                "lastgood-bpf-record 1\nkernel 6.1\nprog 896BB3A8C2CAB17B - 1 a.service\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(corrupt); i++)
                assert_int_equal(lg_bpf_record_parse(corrupt[i], strlen(corrupt[i]), &back), -EBADMSG);
        assert_int_equal(lg_bpf_record_parse("lastgood-bpf-record 1\0kernel", 28, &back), -EBADMSG);

        /* Huge: refused whole, never half read. */
        huge = malloc(LG_BPF_RECORD_MAX_SIZE + 2);
        assert_non_null(huge);
        memset(huge, 'a', LG_BPF_RECORD_MAX_SIZE + 1);
        huge[LG_BPF_RECORD_MAX_SIZE + 1] = 0;
        assert_int_equal(lg_bpf_record_parse(huge, LG_BPF_RECORD_MAX_SIZE + 1, &back), -EBADMSG);

        /* At most LG_BPF_RECORD_MAX_PROGS programs are kept. */
        rec = (lg_bpf_record) { .kernel = strdup("k") };
        for (unsigned i = 0; i < LG_BPF_RECORD_MAX_PROGS + 10; i++) {
                char tag[17];
                snprintf(tag, sizeof(tag), "%016x", i);
                assert_true(lg_bpf_record_add(&rec, tag, NULL, i, "x.service") >= 0);
        }
        assert_int_equal(rec.n, LG_BPF_RECORD_MAX_PROGS);
        assert_int_equal(lg_bpf_record_add(&rec, "nothex", NULL, 1, "x.service"), -EINVAL);
        assert_int_equal(lg_bpf_record_add(&rec, "0000000000000001", NULL, 1, "bad unit"), -EINVAL);
        lg_bpf_record_done(&rec);
}

/* A WARNING is not a crash: it names nothing unless panic_on_warn turned
 * it into one, then the module whose code warned is the culprit. */
#define WARN_ACME                                                                                      \
        "------------[ cut here ]------------\n"                                                        \
        "WARNING: CPU: 1 PID: 4566 at /var/lib/dkms/acmefs/1.2.0/build/acmefs_super.c:210 acmefs_fill_super+0x1f0/0x320 [acmefs]\n" \
        "Modules linked in: acmefs(OE) ext4\n"                                                          \
        "CPU: 1 PID: 4566 Comm: fakeagent Tainted: G           OE     6.1.0-18-amd64 #1\n"               \
        "RIP: 0010:acmefs_fill_super+0x1f0/0x320 [acmefs]\n"                                            \
        "Call Trace:\n"                                                                                  \
        " mount_bdev+0x17d/0x1b0\n"

static void test_warning(void **state) {
        agents_fixture *f = *state;
        lg_crash_report r;

        r = attribute(WARN_ACME "---[ end trace 0000000000000000 ]---\n", &f->a, NULL);
        assert_null(r.culprit); /* neither the module nor the task's agent */
        assert_non_null(strstr(r.reason, "panic_on_warn"));
        lg_crash_report_done(&r);

        r = attribute(WARN_ACME "Kernel panic - not syncing: panic_on_warn set ...\n", &f->a, NULL);
        assert_string_equal(r.culprit, "acmefs");
        assert_int_equal(r.confidence, LG_CONFIDENCE_HIGH);
        assert_true(has_evidence(&r, "panic_on_warn set"));
        lg_crash_report_done(&r);

        /* Newer kernels: "kernel: panic_on_warn set". */
        r = attribute(WARN_ACME "Kernel panic - not syncing: kernel: panic_on_warn set ...\n", &f->a, NULL);
        assert_string_equal(r.culprit, "acmefs");
        lg_crash_report_done(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_process_names_agent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_process_name_forms, setup, teardown),
                cmocka_unit_test_setup_teardown(test_process_ambiguous, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kernel_threads, setup, teardown),
                cmocka_unit_test_setup_teardown(test_module_beats_process, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bpf_frames, setup, teardown),
                cmocka_unit_test(test_bpf_record_text),
                cmocka_unit_test_setup_teardown(test_warning, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
