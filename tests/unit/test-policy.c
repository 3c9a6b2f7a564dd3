/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven test of the withheld-set policy (DESIGN.md: levels, agents'
 * OnSafeMode=, persistently withheld items, administrator overrides). The
 * command line, the configuration and the agent go through the real
 * parsers; the inventory is the one of a small host:
 *
 *   module falco        agent falco (Units=falco-kmod.service)
 *   module nvidia       updates/dkms
 *   module vendor_blob  kernel/, no intree flag
 *   module zfs          updates/
 *   content /etc/falco/rules.d/a.yaml   agent falco
 *
 * and the changed set of each row is a subset of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"
#include "config.h"
#include "deny.h"
#include "inventory.h"
#include "macro.h"
#include "runstate.h"
#include "strv.h"

#define FP_FALCO 0x1111
#define FP_NVIDIA 0x2222
#define FP_BLOB 0x3333
#define FP_ZFS 0x4444
#define FP_RULES 0x5555
#define CONTENT "/etc/falco/rules.d/a.yaml"

enum { CH_NVIDIA = 1, CH_FALCO = 2, CH_RULES = 4 };

typedef struct row {
        const char *name;
        unsigned level;
        const char *cmdline;
        const char *config;     /* lastgood.conf text or NULL */
        const char *policy;     /* falco's OnSafeMode= */
        unsigned changed;       /* CH_* */
        bool no_manifest;       /* changes = NULL */
        const char *quarantine; /* "kind:name:fp ..." */
        const char *culprit;
        const char *expect;     /* "kind:name:reason ..." sorted as the result */
} row;

static const row table[] = {
        { "level 0: nothing", 0, "", NULL, "rollback", CH_NVIDIA, false, NULL, NULL, "" },
        { "level 1: the changed module", 1, "", NULL, "rollback", CH_NVIDIA, false, NULL, NULL,
          "module:nvidia:changed" },
        { "level 1: nothing changed, nothing withheld", 1, "", NULL, "rollback", 0, false, NULL, NULL, "" },
        { "level 1: rollback agent, changed content", 1, "", NULL, "rollback", CH_RULES, false, NULL, NULL,
          "content:" CONTENT ":changed" },
        { "level 1: quarantine agent, changed content", 1, "", NULL, "quarantine", CH_RULES, false, NULL, NULL,
          "content:" CONTENT ":changed" },
        { "level 1: disable agent, changed content -> units and modules", 1, "", NULL, "disable", CH_RULES,
          false, NULL, NULL, "module:falco:changed unit:falco-kmod.service:changed" },
        { "level 1: keep agent, changed content -> nothing", 1, "", NULL, "keep", CH_RULES, false, NULL, NULL,
          "" },
        { "level 1: keep agent, changed module -> nothing", 1, "", NULL, "keep", CH_FALCO, false, NULL, NULL,
          "" },
        { "level 1: rollback agent, changed module withheld", 1, "", NULL, "rollback", CH_FALCO, false, NULL,
          NULL, "module:falco:changed" },
        { "level 1: no manifest -> nothing changed", 1, "", NULL, "rollback", 0, true, NULL, NULL, "" },
        { "level 2: every third-party module, agent disabled", 2, "", NULL, "rollback", CH_NVIDIA, false, NULL,
          NULL,
          "module:falco:all-third-party module:nvidia:changed module:vendor_blob:all-third-party "
          "module:zfs:all-third-party unit:falco-kmod.service:all-third-party" },
        { "level 2: no manifest -> everything", 2, "", NULL, "rollback", 0, true, NULL, NULL,
          "module:falco:all-third-party module:nvidia:all-third-party module:vendor_blob:all-third-party "
          "module:zfs:all-third-party unit:falco-kmod.service:all-third-party" },
        /* OnSafeMode=fallback (issue 21): the units are withheld (the
         * generator starts the fallback instead), a changed module too. */
        { "level 1: fallback agent, changed content -> content and units", 1, "", NULL, "fallback+fb", CH_RULES,
          false, NULL, NULL, "content:" CONTENT ":changed unit:falco-kmod.service:changed" },
        { "level 1: fallback agent, changed module -> module and units", 1, "", NULL, "fallback+fb", CH_FALCO,
          false, NULL, NULL, "module:falco:changed unit:falco-kmod.service:changed" },
        { "level 2: rollback agent with a fallback: its units (fallback)", 2, "", NULL, "rollback+fb", 0, false,
          NULL, NULL,
          "module:falco:all-third-party module:nvidia:all-third-party module:vendor_blob:all-third-party "
          "module:zfs:all-third-party unit:falco-kmod.service:all-third-party" },
        { "culprit: the module of a fallback agent, and its units", 0, "", NULL, "fallback+fb", 0, false, NULL,
          "falco", "module:falco:crash-log unit:falco-kmod.service:crash-log" },
        { "culprit: the module of a disable agent with a fallback: disabled", 0, "", NULL, "disable+fb", 0, false,
          NULL, "falco", "module:falco:crash-log unit:falco-kmod.service:crash-log" },
        { "fallback without FallbackUnits=: disable", 1, "", NULL, "fallback", CH_RULES, false, NULL, NULL,
          "module:falco:changed unit:falco-kmod.service:changed" },
        { "level 2: keep agent untouched", 2, "", NULL, "keep", 0, false, NULL, NULL,
          "module:nvidia:all-third-party module:vendor_blob:all-third-party module:zfs:all-third-party" },
        { "level 3: exhausted, nothing", 3, "", NULL, "rollback", CH_NVIDIA, false, NULL, NULL, "" },
        { "quarantine: same fingerprint stays withheld at level 0", 0, "", NULL, "rollback", 0, false,
          "module:zfs:4444", NULL, "module:zfs:quarantine" },
        { "quarantine: stays withheld at level 3", 3, "", NULL, "rollback", 0, false, "module:zfs:4444", NULL,
          "module:zfs:quarantine" },
        { "quarantine: new version (fingerprint differs) is not withheld", 0, "", NULL, "rollback", 0, false,
          "module:zfs:9999", NULL, "" },
        { "quarantine: absent module is not withheld", 0, "", NULL, "rollback", 0, false, "module:gone:1234",
          NULL, "" },
        { "quarantine: content with the same fingerprint", 0, "", NULL, "rollback", 0, false,
          "content:" CONTENT ":5555", NULL, "content:" CONTENT ":quarantine" },
        { "quarantine: a unit stays masked", 0, "", NULL, "rollback", 0, false, "unit:falco-kmod.service:0",
          NULL, "unit:falco-kmod.service:quarantine" },
        { "quarantine wins over changed (reason)", 1, "", NULL, "rollback", CH_NVIDIA, false,
          "module:nvidia:2222", NULL, "module:nvidia:quarantine" },
        { "block: an in-tree module, named by the administrator", 0, "lastgood.block=e1000e", NULL, "rollback",
          0, false, NULL, NULL, "module:e1000e:block" },
        { "block: dashes normalized", 0, "lastgood.block=vendor-blob", NULL, "rollback", 0, false, NULL, NULL,
          "module:vendor_blob:block" },
        { "block: an agent -> its units and modules", 0, "lastgood.block=falco", NULL, "keep", 0, false, NULL,
          NULL, "module:falco:block unit:falco-kmod.service:block" },
        { "block: shell metacharacters never become an item", 0, "lastgood.block=a;reboot", NULL, "rollback",
          0, false, NULL, NULL, "" },
        { "culprit: third-party module", 0, "", NULL, "rollback", 0, false, NULL, "zfs",
          "module:zfs:crash-log" },
        { "culprit: in-tree module is never withheld", 0, "", NULL, "rollback", 0, false, NULL, "e1000e", "" },
        { "culprit: of a keep agent is not withheld", 0, "", NULL, "keep", 0, false, NULL, "falco", "" },
        { "culprit: of a disable agent disables it", 0, "", NULL, "disable", 0, false, NULL, "falco",
          "module:falco:crash-log unit:falco-kmod.service:crash-log" },
        { "allow= (command line) wins at level 2", 2, "lastgood.allow=zfs,nvidia", NULL, "rollback", 0, false,
          NULL, NULL,
          "module:falco:all-third-party module:vendor_blob:all-third-party unit:falco-kmod.service:all-third-party" },
        { "allow= of an agent spares its units and modules", 2, "lastgood.allow=falco", NULL, "rollback", 0,
          false, NULL, NULL,
          "module:nvidia:all-third-party module:vendor_blob:all-third-party module:zfs:all-third-party" },
        { "Allow= (config) wins at level 1", 1, "", "[Modules]\nAllow=nvidia\n", "rollback", CH_NVIDIA, false,
          NULL, NULL, "" },
        { "allow= wins over block=", 0, "lastgood.block=zfs lastgood.allow=zfs", NULL, "rollback", 0, false,
          NULL, NULL, "" },
        { "allow= wins over quarantine and culprit", 0, "lastgood.allow=zfs", NULL, "rollback", 0, false,
          "module:zfs:4444", "zfs", "" },
        { "release= drops a changed module", 1, "lastgood.release=nvidia", NULL, "rollback", CH_NVIDIA, false,
          NULL, NULL, "" },
        { "release= drops a quarantined module", 0, "lastgood.release=zfs", NULL, "rollback", 0, false,
          "module:zfs:4444", NULL, "" },
        { "release=all drops everything but block=", 2, "lastgood.release=all lastgood.block=zfs", NULL,
          "rollback", CH_NVIDIA, false, "module:zfs:4444", NULL, "module:zfs:block" },
        { "mode=normal: nothing, not even the quarantine", 0, "lastgood.mode=normal", NULL, "rollback", 0,
          false, "module:zfs:4444", "nvidia", "" },
        { "mode=normal: block= still applies", 0, "lastgood.mode=normal lastgood.block=nvidia", NULL,
          "rollback", 0, false, NULL, NULL, "module:nvidia:block" },
        { "mode=off: nothing at all", 2, "lastgood.mode=off lastgood.block=nvidia", NULL, "rollback", CH_NVIDIA,
          false, "module:zfs:4444", "zfs", "" },
};

static lg_inv_item mk_item(lg_item_kind kind, const char *name, const char *path, const char *agent,
                           uint64_t fp) {
        lg_inv_item it = { .kind = kind, .fingerprint = fp };

        it.name = strdup(name);
        it.path = path ? strdup(path) : NULL;
        it.agent = agent ? strdup(agent) : NULL;
        return it;
}

static char *render(const lg_withheld *w) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        for (size_t i = 0; i < w->n; i++)
                fprintf(f, "%s%s:%s:%s", i ? " " : "", lg_item_kind_to_string(w->items[i].kind), w->items[i].name,
                        lg_reason_to_string(w->items[i].reason));
        fclose(f);
        return buf;
}

static void run_row(const row *t) {
        lg_inventory now = {};
        lg_changes changes = {};
        lg_cmdline cmdline = {};
        lg_config config = {};
        lg_agents agents = {};
        lg_quarantine q = {};
        lg_withheld w = {};
        _cleanup_free_ char *agent_text = NULL, *got = NULL;
        char **warnings = NULL;

        now.kernel = strdup("6.1.0-lg");
        now.items = calloc(5, sizeof(lg_inv_item));
        now.items[now.n++] = mk_item(LG_ITEM_MODULE, "falco", "extra/falco.ko", "falco", FP_FALCO);
        now.items[now.n++] = mk_item(LG_ITEM_MODULE, "nvidia", "updates/dkms/nvidia.ko", NULL, FP_NVIDIA);
        now.items[now.n++] = mk_item(LG_ITEM_MODULE, "vendor_blob", "kernel/drivers/misc/vendor_blob.ko", NULL,
                                     FP_BLOB);
        now.items[now.n++] = mk_item(LG_ITEM_MODULE, "zfs", "updates/zfs.ko.xz", NULL, FP_ZFS);
        now.items[now.n++] = mk_item(LG_ITEM_CONTENT, CONTENT, NULL, "falco", FP_RULES);

        changes.items = calloc(3, sizeof(*changes.items));
        if (t->changed & CH_FALCO)
                changes.items[changes.n++] = &now.items[0];
        if (t->changed & CH_NVIDIA)
                changes.items[changes.n++] = &now.items[1];
        if (t->changed & CH_RULES)
                changes.items[changes.n++] = &now.items[4];

        assert_int_equal(lg_cmdline_parse(t->cmdline, strlen(t->cmdline), &cmdline), 0);
        assert_int_equal(lg_config_init(&config), 0);
        if (t->config)
                assert_int_equal(lg_config_parse(&config, "lastgood.conf", t->config, strlen(t->config)), 0);

        /* "POLICY+fallback": with FallbackUnits= (issue 21). */
        const char *plus = strchr(t->policy, '+');
        assert_true(asprintf(&agent_text, "[Agent]\nUnits=falco-kmod.service\nModules=falco\n"
                                          "Content=/etc/falco/rules.d/*\nOnSafeMode=%.*s\n%s", plus ? (int) (plus - t->policy) : (int) strlen(t->policy),
                             t->policy, plus ? "FallbackUnits=falco-modern-bpf.service\n" : "") > 0);
        agents.agents = calloc(1, sizeof(lg_agent));
        assert_int_equal(lg_agent_parse(&agents.agents[0], "falco", agent_text, strlen(agent_text), &warnings), 0);
        agents.n = 1;

        if (t->quarantine) {
                _cleanup_free_ char *spec = strdup(t->quarantine);
                char *save = NULL;

                for (char *tok = strtok_r(spec, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                        char *c1 = strchr(tok, ':'), *c2 = strrchr(tok, ':');

                        *c1 = *c2 = '\0';
                        assert_true(lg_quarantine_add(&q, lg_item_kind_from_string(tok), c1 + 1,
                                                      strtoull(c2 + 1, NULL, 16)) >= 0);
                }
        }

        lg_policy_input in = {
                .level = t->level,
                .now = &now,
                .changes = t->no_manifest ? NULL : &changes,
                .quarantine = &q,
                .cmdline = &cmdline,
                .config = &config,
                .agents = &agents,
                .culprit = t->culprit,
        };
        assert_int_equal(lg_policy_compute(&in, &w), 0);
        got = render(&w);
        if (!streq(got, t->expect))
                print_error("row \"%s\":\n  want: %s\n  got:  %s\n", t->name, t->expect, got);
        assert_string_equal(got, t->expect);

        /* Never an in-tree module unless block= names it. */
        for (size_t i = 0; i < w.n; i++)
                if (w.items[i].kind == LG_ITEM_MODULE && w.items[i].reason != LG_REASON_BLOCK)
                        assert_non_null(lg_inventory_find(&now, LG_ITEM_MODULE, w.items[i].name));

        lg_withheld_done(&w);
        lg_quarantine_done(&q);
        lg_agents_done(&agents);
        lg_strv_free(warnings);
        lg_config_done(&config);
        lg_cmdline_done(&cmdline);
        lg_changes_done(&changes);
        lg_inventory_done(&now);
}

static void test_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                run_row(&table[i]);
}

static void test_withheld_add_dedup(void **state) {
        lg_withheld w = {};

        assert_int_equal(lg_withheld_add(&w, LG_ITEM_MODULE, "zfs", LG_REASON_BLOCK, NULL, 1), 1);
        assert_int_equal(lg_withheld_add(&w, LG_ITEM_MODULE, "zfs", LG_REASON_CHANGED, NULL, 1), 0);
        assert_int_equal(lg_withheld_add(&w, LG_ITEM_UNIT, "zfs", LG_REASON_CHANGED, NULL, 0), 1);
        assert_int_equal(w.n, 2);
        assert_int_equal(w.items[0].reason, LG_REASON_BLOCK);
        lg_withheld_done(&w);
}

static void test_withheld_add_fills_fingerprint(void **state) {
        lg_withheld w = {};

        /* pre-udev's hand-over (no fingerprint), then the apply unit's item. */
        assert_int_equal(lg_withheld_add(&w, LG_ITEM_CONTENT, CONTENT, LG_REASON_CHANGED, "falco", 0), 1);
        assert_int_equal(lg_withheld_add(&w, LG_ITEM_CONTENT, CONTENT, LG_REASON_CHANGED, "falco", FP_RULES), 0);
        assert_int_equal(w.n, 1);
        assert_int_equal(w.items[0].fingerprint, FP_RULES);
        /* A known fingerprint is never replaced. */
        assert_int_equal(lg_withheld_add(&w, LG_ITEM_CONTENT, CONTENT, LG_REASON_CHANGED, "falco", 7), 0);
        assert_int_equal(w.items[0].fingerprint, FP_RULES);
        lg_withheld_done(&w);
}

static const char good_manifest[] = "lastgood-manifest 1\n"
                                    "kernel 6.1.0-lg\n"
                                    "module nvidia updates/dkms/nvidia.ko - 0000000000002222 10 20 30\n"
                                    "content /etc/falco/rules.d/a.yaml falco 0000000000005555 10 20 31\n"
                                    "end 2\n";

/* Persistently withheld items that are still the withheld ones (or gone)
 * are no change: the host is in steady state. */
static void test_differs_with_cold_record(void **state) {
        lg_inventory good = {}, now = {};
        lg_quarantine q = {};

        assert_int_equal(lg_manifest_parse(good_manifest, sizeof(good_manifest) - 1, &good), 0);
        assert_int_equal(lg_manifest_parse(good_manifest, sizeof(good_manifest) - 1, &now), 0);
        assert_false(lg_manifest_differs(&good, &now, NULL));
        assert_true(lg_manifest_differs(NULL, &now, NULL));

        /* The bad nvidia is on disk (fingerprint 0x9999). */
        now.items[0].fingerprint = 0x9999;
        assert_string_equal(now.items[0].name, "nvidia");
        assert_true(lg_manifest_differs(&good, &now, NULL));
        assert_true(lg_manifest_differs(&good, &now, &q)); /* empty cold record */
        assert_true(lg_quarantine_add(&q, LG_ITEM_MODULE, "nvidia", 0x8888) >= 0);
        assert_true(lg_manifest_differs(&good, &now, &q)); /* another version: a change */
        lg_quarantine_done(&q);
        q = (lg_quarantine) {};
        assert_true(lg_quarantine_add(&q, LG_ITEM_MODULE, "nvidia", 0x9999) >= 0);
        assert_false(lg_manifest_differs(&good, &now, &q)); /* the withheld one: steady */

        /* The content was quarantined (moved away): gone, but withheld. */
        assert_string_equal(now.items[1].name, CONTENT);
        free(now.items[1].name);
        now.items[1].name = strdup("/etc/falco/rules.d/b.yaml");
        assert_non_null(now.items[1].name);
        assert_true(lg_manifest_differs(&good, &now, &q)); /* a.yaml gone, b.yaml new */
        assert_true(lg_quarantine_add(&q, LG_ITEM_CONTENT, CONTENT, 0x5656) >= 0);
        assert_true(lg_manifest_differs(&good, &now, &q)); /* b.yaml is still new */
        lg_quarantine_done(&q);
        lg_inventory_done(&now);
        lg_inventory_done(&good);
}

static int parse_cmdline(const char *s, lg_cmdline *ret) {
        return lg_cmdline_parse(s, strlen(s), ret);
}

/* Denied items (deny.h): withheld at every level and in mode normal,
 * whatever allow= or release= say, never in mode off; a denied new build
 * is no change; a fingerprint denied for content does not deny a module. */
static void test_denied(void **state) {
        static const char now_manifest[] =
                "lastgood-manifest 1\n"
                "kernel 6.1.0-lg\n"
                "module nvidia updates/dkms/nvidia.ko - 0000000000009999 10 20 30 40 "
                "sha256:9999999999999999999999999999999999999999999999999999999999999999\n"
                "content /etc/falco/rules.d/a.yaml falco 0000000000005555 10 20 31 41 -\n"
                "end 2\n";
        char list[] = "sha256:9999999999999999999999999999999999999999999999999999999999999999 module nvidia\n";
        char *buf = strdup(list);
        lg_inventory good = {}, now = {};
        lg_deny deny = {};
        lg_cmdline cmd = {};
        lg_withheld w = {};
        lg_policy_input in = { .now = &now, .cmdline = &cmd, .deny = &deny };

        (void) state;
        assert_non_null(buf);
        assert_int_equal(lg_manifest_parse(good_manifest, sizeof(good_manifest) - 1, &good), 0);
        assert_int_equal(lg_manifest_parse(now_manifest, sizeof(now_manifest) - 1, &now), 0);
        assert_true(lg_manifest_differs_deny(&good, &now, NULL, NULL));
        assert_int_equal(lg_deny_parse(&deny, "/etc/lastgood/deny.d/f.list", buf, strlen(list)), 1);
        assert_int_equal(lg_deny_finish(&deny), 0);
        assert_false(lg_manifest_differs_deny(&good, &now, NULL, &deny));

        assert_int_equal(parse_cmdline("lastgood.allow=nvidia lastgood.release=all", &cmd), 0);
        for (unsigned level = 0; level <= 3; level++) {
                in.level = level;
                assert_int_equal(lg_policy_compute(&in, &w), 0);
                assert_int_equal(w.n, 1);
                assert_string_equal(w.items[0].name, "nvidia");
                assert_int_equal(w.items[0].reason, LG_REASON_DENIED);
                assert_string_equal(w.items[0].denied_by, "/etc/lastgood/deny.d/f.list:1");
                lg_withheld_done(&w);
        }
        lg_cmdline_done(&cmd);
        assert_int_equal(parse_cmdline("lastgood.mode=normal", &cmd), 0);
        assert_int_equal(lg_policy_compute(&in, &w), 0);
        assert_int_equal(w.n, 1);
        lg_withheld_done(&w);
        lg_cmdline_done(&cmd);
        assert_int_equal(parse_cmdline("lastgood.mode=off", &cmd), 0);
        assert_int_equal(lg_policy_compute(&in, &w), 0);
        assert_int_equal(w.n, 0);
        lg_withheld_done(&w);
        lg_cmdline_done(&cmd);

        /* The same bytes as content are another entry. */
        now.items[0].kind = LG_ITEM_CONTENT;
        assert_null(lg_deny_find(&deny, LG_ITEM_CONTENT, now.items[0].sha256));
        now.items[0].kind = LG_ITEM_MODULE;
        lg_deny_done(&deny);
        lg_inventory_done(&now);
        lg_inventory_done(&good);
}

/* /run/lastgood/withheld: the fingerprint of withheld content survives the
 * hand-over; a bad or missing fifth field is "unknown", never a failure. */
static void test_runstate_withheld_fingerprint(void **state) {
        static const char text[] = "content\t/etc/falco/rules.d/a.yaml\tchanged\tfalco\t0000000000005555\n"
                                   "module\tnvidia\tchanged\t-\n"
                                   "content\t/x\tchanged\tfalco\tnot-hex-at-all!!\n"
                                   "content\t/y\tchanged\tfalco\t12\n"
                                   "content\t/z\tchanged\tfalco\t0000000000000001\textra\n"
                                   "module\tlgcrash\tdenied\t-\t-\t/etc/lastgood/deny.d/a\\tb.list:7\n"
                                   "content\t/d\tdenied\tfalco\t0000000000000002\t/usr/lib/lastgood/deny.d/v.list:1\n";
        lg_withheld w = {};

        assert_int_equal(lg_runstate_parse_withheld(text, sizeof(text) - 1, &w), 0);
        assert_int_equal(w.n, 6);
        /* Denied: the list's file and line come through (escapes undone). */
        assert_string_equal(w.items[4].name, "lgcrash");
        assert_int_equal(w.items[4].reason, LG_REASON_DENIED);
        assert_int_equal(w.items[4].fingerprint, 0);
        assert_string_equal(w.items[4].denied_by, "/etc/lastgood/deny.d/a\tb.list:7");
        assert_string_equal(w.items[5].denied_by, "/usr/lib/lastgood/deny.d/v.list:1");
        assert_int_equal(w.items[5].fingerprint, 2);
        assert_string_equal(w.items[0].name, CONTENT);
        assert_int_equal(w.items[0].fingerprint, FP_RULES);
        assert_string_equal(w.items[1].name, "nvidia");
        assert_int_equal(w.items[1].fingerprint, 0);
        assert_string_equal(w.items[2].name, "/x");
        assert_int_equal(w.items[2].fingerprint, 0);
        assert_string_equal(w.items[3].name, "/y");
        assert_int_equal(w.items[3].fingerprint, 0);
        lg_withheld_done(&w);
}

static void test_no_inputs(void **state) {
        lg_withheld w = {};
        lg_policy_input in = { .level = 2 };

        /* pre-udev without an inventory or agents: nothing to withhold, no crash. */
        assert_int_equal(lg_policy_compute(&in, &w), 0);
        assert_int_equal(w.n, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_withheld_add_dedup),
                cmocka_unit_test(test_withheld_add_fills_fingerprint),
                cmocka_unit_test(test_differs_with_cold_record),
                cmocka_unit_test(test_runstate_withheld_fingerprint),
                cmocka_unit_test(test_no_inputs),
                cmocka_unit_test(test_denied),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
