/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The administrator's summary (ops/summary.c), table-driven: host state,
 * this boot's health, reason, next step and the one-line status for every
 * combination of record, hand-over and healthy marker; the login notice;
 * the metrics text (ops/metrics.c); [Health] MetricsFile= (lib/parse/config.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "metrics.h"
#include "strv.h"
#include "summary.h"
#include "taint.h"

typedef struct row {
        const char *name;
        lg_state state;
        int state_r;
        bool have_run;
        lg_runstate run; /* withheld filled from n_withheld */
        size_t n_withheld;
        size_t n_quarantine;
        bool healthy;
        lg_host_state host;
        lg_boot_health health;
        unsigned level;
        const char *reason_has;
        const char *next_has;
        const char *line_has;
        bool motd;
        bool proven; /* lastgoodctl good's marker, /run/lastgood/proven */
} row;

/* One row a line reads as a table. */
/* clang-format off */
static const row rows[] = {
        { "no record", {}, -ENOENT, false, {}, 0, 0, false, LG_HOST_STEADY, LG_BOOT_WAITING, 0,
          "nothing changed", "nothing", "Steady: nothing withheld; this boot not yet healthy", false },
        { "steady, healthy", {}, 0, false, {}, 0, 0, true, LG_HOST_STEADY, LG_BOOT_PROVEN, 0, "nothing changed",
          "nothing", "this boot healthy and proven", false },
        { "steady, items in the cold record", {}, 0, false, {}, 0, 2, true, LG_HOST_STEADY, LG_BOOT_PROVEN, 0,
          "2 items persistently withheld", "`lastgoodctl release q0`", "Steady", false },
        { "steady boot withholding its cold record", {}, 0, true, { .mode = LG_MODE_AUTO }, 1, 1, false,
          LG_HOST_STEADY, LG_BOOT_WAITING, 0, "persistently", "release w0", "Steady: 1 item persistently withheld",
          true },
        { "armed", { .armed = true, .tries = 1 }, 0, false, {}, 0, 0, false, LG_HOST_ARMED, LG_BOOT_WAITING, 0,
          "1 failed so far; level 1 after 2", "proven once healthy", "Armed", false },
        { "armed, healthy", { .armed = true, .unproven = true }, 0, false, {}, 0, 0, true, LG_HOST_ARMED,
          LG_BOOT_HEALTHY, 0, "counted", "after ProveSec", "this boot healthy, not yet proven", false },
        { "level 1 by count", { .armed = true, .tries = 1, .level = 1 }, 0, true, { .level = 1 }, 3, 0, false,
          LG_HOST_SAFE_MODE, LG_BOOT_WAITING, 1, "failed boots in a row after a change", "wait:",
          "Safe mode (level 1): 3 items withheld", true },
        { "level 1 by crash log", { .armed = true, .level = 1 }, 0, true, { .level = 1, .culprit = (char *) "bad" },
          1, 0, true, LG_HOST_SAFE_MODE, LG_BOOT_HEALTHY, 1, "crash log of an earlier boot named bad",
          "`lastgoodctl release bad`", "Safe mode (level 1): 1 item withheld", true },
        { "level 2", { .armed = true, .level = 2 }, 0, true, { .level = 2 }, 5, 0, false, LG_HOST_SAFE_MODE,
          LG_BOOT_WAITING, 2, "at level 1", "release w0", "Safe mode (level 2)", true },
        { "mode=strict override", {}, 0, true, { .level = 2, .mode = LG_MODE_STRICT, .override = true }, 2, 0, false,
          LG_HOST_SAFE_MODE, LG_BOOT_WAITING, 2, "lastgood.mode=strict", "release w0", "Safe mode", true },
        { "record level 1 without hand-over", { .armed = true, .level = 1 }, 0, false, {}, 0, 0, false,
          LG_HOST_SAFE_MODE, LG_BOOT_WAITING, 1, "after a change", "NAME", "Safe mode (level 1): 0 items", true },
        { "exhausted", { .armed = true, .level = 3 }, 0, true, { .level = 3, .exhausted = true }, 0, 0, false,
          LG_HOST_EXHAUSTED, LG_BOOT_WAITING, 3, "exhausted", "lastgoodctl reset", "Recovery exhausted", true },
        { "exhausted from the record alone", { .armed = true, .level = 3 }, 0, false, {}, 0, 0, false,
          LG_HOST_EXHAUSTED, LG_BOOT_WAITING, 3, "exhausted", "reset", "exhausted", true },
        { "corrupt", {}, -EBADMSG, true, { .level = 1 }, 1, 0, false, LG_HOST_CORRUPT, LG_BOOT_WAITING, 1,
          "cannot be used (bad magic, checksum or variable attributes)", "`lastgoodctl reset`",
          "State record corrupt", true },
        { "unreadable", {}, -EIO, false, {}, 0, 0, false, LG_HOST_CORRUPT, LG_BOOT_WAITING, 0, "Input/output",
          "reset", "corrupt", false },
        { "mode=off", {}, 0, true, { .mode = LG_MODE_OFF, .noop = true, .override = true }, 0, 0, true,
          LG_HOST_STEADY, LG_BOOT_OFF, 0, "lastgood.mode=off", "nothing", "lastgood off this boot", false },
        { "mode=normal", { .armed = true, .level = 1 }, 0, true, { .mode = LG_MODE_NORMAL, .override = true }, 0, 0,
          false, LG_HOST_ARMED, LG_BOOT_WAITING, 0, "counted", "proven", "Armed", false },
        { "lastgoodctl good in a safe-mode boot, not yet healthy", { .last_proven_usec = 1 }, 0, true,
          { .level = 1 }, 1, 0, false, LG_HOST_SAFE_MODE, LG_BOOT_PROVEN, 1, "after a change",
          "`lastgoodctl release w0` when", "Safe mode (level 1): 1 item withheld; this boot healthy and proven",
          true, true },
        { "lastgoodctl good, then a change armed the host again", { .armed = true }, 0, false, {}, 0, 0, false,
          LG_HOST_ARMED, LG_BOOT_WAITING, 0, "counted", "proven once healthy", "not yet healthy", false, true },
};
/* clang-format on */

static void fill(const row *t, lg_runstate *run, lg_quarantine *q, lg_withheld_item *w, lg_qitem *qi,
                 char names[][24]) {
        *run = t->run;
        for (size_t i = 0; i < t->n_withheld; i++) {
                snprintf(names[i], 24, "w%zu", i);
                w[i] = (lg_withheld_item){ .kind = LG_ITEM_MODULE,
                                           .name = names[i],
                                           .reason = LG_REASON_CHANGED };
        }
        run->withheld = (lg_withheld){ .n = t->n_withheld, .items = w };
        for (size_t i = 0; i < t->n_quarantine; i++) {
                snprintf(names[8 + i], 24, "q%zu", i);
                qi[i] = (lg_qitem){ .kind = LG_ITEM_MODULE, .name = names[8 + i] };
        }
        *q = (lg_quarantine){ .n = t->n_quarantine, .items = qi };
}

static void test_table(void **unused) {
        for (size_t k = 0; k < ELEMENTSOF(rows); k++) {
                const row *t = &rows[k];
                lg_withheld_item w[8];
                lg_qitem qi[8];
                char names[16][24];
                lg_runstate run;
                lg_quarantine q;
                lg_summary s;
                _cleanup_free_ char *line = NULL, *motd = NULL;

                fill(t, &run, &q, w, qi, names);
                lg_summary_input in = {
                        .state = &t->state,
                        .state_r = t->state_r,
                        .run = t->have_run ? &run : NULL,
                        .quarantine = &q,
                        .threshold = 2,
                        .healthy_marker = t->healthy,
                        .proven_marker = t->proven,
                };
                print_message("row: %s\n", t->name);
                assert_int_equal(lg_summary_compute(&in, &s), 0);
                assert_int_equal(s.host, t->host);
                assert_int_equal(s.health, t->health);
                assert_int_equal(s.level, t->level);
                assert_int_equal(s.n_withheld, t->n_withheld);
                if (!strstr(s.reason, t->reason_has))
                        fail_msg("%s: reason '%s' lacks '%s'", t->name, s.reason, t->reason_has);
                if (!strstr(s.next_step, t->next_has))
                        fail_msg("%s: next step '%s' lacks '%s'", t->name, s.next_step, t->next_has);
                assert_int_equal(lg_summary_line(&s, &line), 0);
                if (!strstr(line, t->line_has))
                        fail_msg("%s: line '%s' lacks '%s'", t->name, line, t->line_has);
                assert_int_equal(lg_summary_motd(&s, t->have_run ? &run : NULL, &motd), 0);
                assert_int_equal(motd != NULL, t->motd);
                if (motd) {
                        assert_non_null(strstr(motd, s.reason));
                        assert_non_null(strstr(motd, s.next_step));
                }
                lg_summary_done(&s);
        }
}

static void test_names(void **unused) {
        assert_string_equal(lg_host_state_to_string(LG_HOST_SAFE_MODE), "safe-mode");
        assert_string_equal(lg_boot_health_to_string(LG_BOOT_PROVEN), "proven");
        assert_null(lg_host_state_to_string(_LG_HOST_STATE_MAX));
        assert_null(lg_boot_health_to_string((lg_boot_health) 99));
}

/* Names come from untrusted places: no control character reaches the
 * notice or the next step (a terminal escape in a module name). */
static void test_untrusted_names(void **unused) {
        lg_withheld_item w = { .kind = LG_ITEM_CONTENT,
                               .name = (char *) "/etc/x/\033]0;owned\007.yaml",
                               .reason = LG_REASON_CHANGED };
        lg_runstate run = { .level = 1, .culprit = (char *) "ev\033[2Jil", .withheld = { 1, &w } };
        lg_state st = { .armed = true, .level = 1 };
        lg_summary s;
        _cleanup_free_ char *motd = NULL;
        lg_summary_input in = { .state = &st, .run = &run, .threshold = 2 };

        assert_int_equal(lg_summary_compute(&in, &s), 0);
        assert_null(strchr(s.next_step, '\033'));
        assert_int_equal(lg_summary_motd(&s, &run, &motd), 0);
        assert_null(strchr(motd, '\033'));
        assert_null(strchr(motd, '\007'));
        lg_summary_done(&s);
}

/* A content file named to run a command when the suggested command is
 * pasted, and names that carry C1 controls (as UTF-8 and as a raw 0x9b)
 * and a right-to-left override: the next step quotes the name as one shell
 * word, and the notice escapes what a terminal would act on (lib/basic's
 * one escaping: \xHH). */
static void test_hostile_names(void **unused) {
        lg_withheld_item w[] = {
                { .kind = LG_ITEM_CONTENT, .name = (char *) "/etc/x/a$(id>pwned)", .reason = LG_REASON_CHANGED },
                { .kind = LG_ITEM_CONTENT, .name = (char *) "/etc/x/c1\xc2\x9b" "2J", .reason = LG_REASON_CHANGED },
                { .kind = LG_ITEM_CONTENT, .name = (char *) "/etc/x/raw\x9b" "2J", .reason = LG_REASON_CHANGED },
                { .kind = LG_ITEM_CONTENT, .name = (char *) "/etc/x/\xe2\x80\xaelmth.exe", .reason = LG_REASON_CHANGED },
        };
        lg_runstate run = { .level = 1, .withheld = { ELEMENTSOF(w), w } };
        lg_state st = { .armed = true, .level = 1 };
        lg_summary s;
        _cleanup_free_ char *motd = NULL;
        lg_summary_input in = { .state = &st, .run = &run, .threshold = 2, .healthy_marker = true };

        assert_int_equal(lg_summary_compute(&in, &s), 0);
        if (!strstr(s.next_step, "`lastgoodctl release '/etc/x/a$(id>pwned)'`"))
                fail_msg("next step: %s", s.next_step);
        assert_int_equal(lg_summary_motd(&s, &run, &motd), 0);
        assert_non_null(strstr(motd, "`lastgoodctl release '/etc/x/a$(id>pwned)'`"));
        assert_null(strstr(motd, "\xc2\x9b"));
        assert_null(strchr(motd, '\x9b'));
        assert_null(strstr(motd, "\xe2\x80\xae"));
        assert_non_null(strstr(motd, "content /etc/x/c1\\xc2\\x9b2J (changed)"));
        assert_non_null(strstr(motd, "content /etc/x/raw\\x9b2J (changed)"));
        assert_non_null(strstr(motd, "content /etc/x/\\xe2\\x80\\xaelmth.exe (changed)"));
        lg_summary_done(&s);

        /* The culprit in the reason, the same way. */
        run.culprit = (char *) "evil\xc2\x9b";
        assert_int_equal(lg_summary_compute(&in, &s), 0);
        assert_non_null(strstr(s.reason, "named evil\\xc2\\x9b"));
        assert_non_null(strstr(s.next_step, "release $'evil\\xc2\\x9b'"));
        lg_summary_done(&s);
}

static void test_motd_many_items(void **unused) {
        lg_withheld_item w[25];
        char names[25][24];
        lg_runstate run = { .level = 2 };
        lg_state st = { .armed = true, .level = 2 };
        lg_summary s;
        _cleanup_free_ char *motd = NULL;
        lg_summary_input in = { .state = &st, .run = &run, .threshold = 2 };

        for (size_t i = 0; i < 25; i++) {
                snprintf(names[i], sizeof(names[i]), "m%zu", i);
                w[i] = (lg_withheld_item){ .kind = LG_ITEM_MODULE,
                                           .name = names[i],
                                           .reason = LG_REASON_ALL_THIRD_PARTY };
        }
        run.withheld = (lg_withheld){ 25, w };
        assert_int_equal(lg_summary_compute(&in, &s), 0);
        assert_int_equal(lg_summary_motd(&s, &run, &motd), 0);
        assert_non_null(strstr(motd, "module m9 (all-third-party)"));
        assert_null(strstr(motd, "module m10 "));
        assert_non_null(strstr(motd, "... and 15 more (lastgoodctl list)"));
        lg_summary_done(&s);
}

static void test_metrics(void **unused) {
        lg_state st = { .armed = true, .tries = 2, .level = 1, .last_proven_usec = 1700000000123456ULL };
        lg_summary s = { .host = LG_HOST_SAFE_MODE, .health = LG_BOOT_HEALTHY, .level = 1, .n_withheld = 3 };
        _cleanup_free_ char *text = NULL;

        assert_int_equal(lg_metrics_host(&s, &st, &text), 0);
        assert_non_null(strstr(text, "# TYPE lastgood_level gauge\nlastgood_level 1\n"));
        assert_non_null(strstr(text, "\nlastgood_armed 1\n"));
        assert_non_null(strstr(text, "\nlastgood_tries 2\n"));
        assert_non_null(strstr(text, "\nlastgood_withheld_items 3\n"));
        assert_non_null(strstr(text, "\nlastgood_last_proven_timestamp_seconds 1700000000\n"));
        assert_non_null(strstr(text, "\nlastgood_exhausted 0\n"));
        assert_non_null(strstr(text, "\nlastgood_boot_healthy 1\n"));
        assert_non_null(strstr(text, "\nlastgood_boot_proven 0\n"));
        assert_non_null(strstr(text, "\nlastgood_host_state{state=\"safe-mode\"} 1\n"));
        assert_non_null(strstr(text, "\nlastgood_host_state{state=\"steady\"} 0\n"));
        /* One # HELP and one # TYPE per family. */
        for (const char *p = text; (p = strstr(p, "# TYPE ")); p++) {
                const char *name = p + 7, *sp = strchr(name, ' ');
                char help[128];

                snprintf(help, sizeof(help), "# HELP %.*s ", (int) (sp - name), name);
                assert_non_null(strstr(text, help));
        }
}

/* lastgood_withheld_info: label values escaped as the text format says
 * (\\, \" and \n only; no \x), invalid UTF-8 replaced by U+FFFD, valid
 * UTF-8 kept; none at all without items. */
static void test_withheld_info(void **unused) {
        lg_withheld_info items[] = {
                { .kind = "content", .name = "/opt/a \"b\"\\c\nd\xff\xc3\xa9", .agent = "falcon",
                  .sha256 = "sha256:00", .reason = "quarantine" },
                { .kind = "module", .name = "lgcrash", .agent = NULL, .sha256 = "", .reason = "denied" },
        };
        _cleanup_free_ char *text = NULL, *none = NULL;

        (void) unused;
        assert_int_equal(lg_metrics_withheld_info(items, 2, &text), 0);
        assert_non_null(strstr(text, "# TYPE lastgood_withheld_info gauge\n"));
        assert_non_null(strstr(text, "lastgood_withheld_info{kind=\"content\",name=\"/opt/a \\\"b\\\"\\\\c\\nd\xef\xbf\xbd\xc3\xa9\","
                                     "agent=\"falcon\",sha256=\"sha256:00\",reason=\"quarantine\"} 1\n"));
        assert_non_null(strstr(text, "lastgood_withheld_info{kind=\"module\",name=\"lgcrash\",agent=\"\",sha256=\"\","
                                     "reason=\"denied\"} 1\n"));
        assert_null(strstr(text, "\\x"));
        assert_int_equal(lg_metrics_withheld_info(NULL, 0, &none), 0);
        assert_string_equal(none, "");
}

static void test_metrics_file_key(void **unused) {
        static const struct {
                const char *value;
                const char *want; /* NULL: refused (warning) */
        } cases[] = {
                { "/var/lib/prometheus/node-exporter/lastgood.prom",
                  "/var/lib/prometheus/node-exporter/lastgood.prom" },
                { "/run/lastgood/metrics.prom", "/run/lastgood/metrics.prom" },
                { "relative.prom", NULL },
                { "/var/lib/", NULL },
                { "/var/../etc/shadow", NULL },
                { "/var/lib/..", NULL },
                { "/var/./x", NULL },
                { "/var/x\033[1m", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *buf = NULL;
                lg_config c;

                assert_int_equal(lg_config_init(&c), 0);
                assert_true(asprintf(&buf, "[Health]\nMetricsFile=%s\n", cases[i].value) > 0);
                assert_int_equal(lg_config_parse(&c, NULL, buf, strlen(buf)), 0);
                if (cases[i].want) {
                        assert_string_equal(c.metrics_file, cases[i].want);
                        assert_int_equal(lg_strv_length(c.warnings), 0);
                } else {
                        assert_null(c.metrics_file);
                        assert_int_equal(lg_strv_length(c.warnings), 1);
                }
                /* Empty: off again. */
                assert_int_equal(lg_config_parse(&c, NULL, "[Health]\nMetricsFile=\n", 22), 0);
                assert_null(c.metrics_file);
                lg_config_done(&c);
        }
}

static void test_taint_letters(void **unused) {
        static const struct {
                const char *in;
                int r;
                unsigned long mask;
        } cases[] = {
                { "D W L", 0, (1UL << 7) | (1UL << 9) | (1UL << 14) },
                { "DWL", 0, (1UL << 7) | (1UL << 9) | (1UL << 14) },
                { "D,W", 0, (1UL << 7) | (1UL << 9) },
                { "K", 0, 1UL << 15 },
                { "P", 0, 1UL << 0 },
                { "N", 0, 1UL << 18 },
                { "", 0, 0 },
                { "d", -EINVAL, 0 },
                { "D Q", -EINVAL, 0 },
                { "G", -EINVAL, 0 },
        };
        char buf[48];

        assert_int_equal(LG_TAINT_DEFAULT, (1UL << 7) | (1UL << 9) | (1UL << 14));
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                unsigned long m = 12345;

                assert_int_equal(lg_taint_parse(cases[i].in, &m), cases[i].r);
                assert_true(m == (cases[i].r == 0 ? cases[i].mask : 12345UL));
        }
        assert_string_equal(lg_taint_letters(LG_TAINT_DEFAULT, buf, sizeof buf), "D W L");
        assert_string_equal(lg_taint_letters(1UL << 15, buf, sizeof buf), "K");
        assert_int_equal(lg_taint_letter_bit('L'), 14);
        assert_int_equal(lg_taint_letter_bit('\0'), -EINVAL);
}

static void test_taint_flags_key(void **unused) {
        lg_config c;

        assert_int_equal(lg_config_init(&c), 0);
        assert_true(c.taint_mask == LG_TAINT_DEFAULT);
        assert_int_equal(lg_config_parse(&c, NULL, "[Health]\nTaintFlags=D\n", 21), 0);
        assert_true(c.taint_mask == 1UL << 7);
        assert_int_equal(lg_config_parse(&c, NULL, "[Health]\nTaintFlags=x\n", 21), 0);
        assert_true(c.taint_mask == 1UL << 7);
        assert_int_equal(lg_strv_length(c.warnings), 1);
        assert_int_equal(lg_config_parse(&c, NULL, "[Health]\nTaintFlags=\n", 20), 0);
        assert_true(c.taint_mask == 0);
        lg_config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),           cmocka_unit_test(test_names),
                cmocka_unit_test(test_untrusted_names), cmocka_unit_test(test_hostile_names),
                cmocka_unit_test(test_motd_many_items),
                cmocka_unit_test(test_metrics),         cmocka_unit_test(test_metrics_file_key),
                cmocka_unit_test(test_withheld_info),
                cmocka_unit_test(test_taint_letters),   cmocka_unit_test(test_taint_flags_key),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
