/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Agent definitions: one file parsed from memory, and both folders loaded
 * from a temporary root (/etc overrides /usr/lib by file name). */
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

static bool warned(char **warnings, const char *needle) {
        for (char **w = warnings; w && *w; w++)
                if (strstr(*w, needle))
                        return true;
        return false;
}

static void agent_free(lg_agent *a) {
        free(a->name);
        lg_strv_free(a->units);
        lg_strv_free(a->modules);
        lg_strv_free(a->content);
}

static int parse(const char *name, const char *s, lg_agent *a, char ***w) {
        return lg_agent_parse(a, name, s, strlen(s), w);
}

static void test_design_example(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        lg_agent a;

        assert_int_equal(parse("falco",
                               "[Agent]\n"
                               "Units=falco-kmod.service falcoctl-artifact-follow.service\n"
                               "Modules=falco\n"
                               "Content=/etc/falco/falco_rules.yaml /etc/falco/rules.d/*\n"
                               "OnSafeMode=rollback      # rollback | quarantine | disable | keep\n",
                               &a, &w),
                         0);
        assert_int_equal(lg_strv_length(w), 0);
        assert_string_equal(a.name, "falco");
        assert_int_equal(lg_strv_length(a.units), 2);
        assert_string_equal(a.units[1], "falcoctl-artifact-follow.service");
        assert_string_equal(a.modules[0], "falco");
        assert_int_equal(lg_strv_length(a.content), 2);
        assert_string_equal(a.content[1], "/etc/falco/rules.d/*");
        assert_int_equal(a.on_safe_mode, LG_POLICY_ROLLBACK);
        agent_free(&a);
}

static void test_policies(void **state) {
        static const struct {
                const char *v;
                lg_policy p;
        } t[] = {
                { "rollback", LG_POLICY_ROLLBACK }, { "quarantine", LG_POLICY_QUARANTINE },
                { "disable", LG_POLICY_DISABLE },   { "keep", LG_POLICY_KEEP },
                { "", LG_POLICY_ROLLBACK },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_strv_free_ char **w = NULL;
                char buf[128];
                lg_agent a;

                snprintf(buf, sizeof(buf), "[Agent]\nUnits=x.service\nOnSafeMode=%s\n", t[i].v);
                assert_int_equal(parse("x", buf, &a, &w), 0);
                assert_int_equal(a.on_safe_mode, t[i].p);
                assert_int_equal(lg_strv_length(w), 0);
                agent_free(&a);
        }
}

static void test_bad_policy(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        lg_agent a;

        assert_int_equal(parse("x", "[Agent]\nUnits=x.service\nOnSafeMode=delete-everything\n", &a, &w), 0);
        assert_int_equal(a.on_safe_mode, LG_POLICY_ROLLBACK);
        assert_int_equal(lg_strv_length(w), 1);
        assert_true(warned(w, "x.conf:3: OnSafeMode=delete-everything"));
        agent_free(&a);
}

static void test_missing_section(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        lg_agent a;

        assert_int_equal(parse("x", "Units=x.service\nModules=x\n", &a, &w), -EINVAL);
        assert_true(warned(w, "No [Agent] section"));
        assert_int_equal(parse("x", "[Service]\nUnits=x.service\n", &a, &w), -EINVAL);
        assert_int_equal(parse("x", "", &a, &w), -EINVAL);
        /* A section with nothing to withhold is unusable too. */
        assert_int_equal(parse("x", "[Agent]\nOnSafeMode=keep\n", &a, &w), -EINVAL);
        assert_true(warned(w, "names no Units="));
        assert_int_equal(parse("x", "[Agent]\nUnits=\n", &a, &w), -EINVAL);
}

static void test_unknown_keys(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        lg_agent a;

        assert_int_equal(parse("x", "[Agent]\nUnit=x.service\nModules=x-y\n[Extra]\nFoo=1\n", &a, &w), 0);
        assert_int_equal(lg_strv_length(a.units), 0);
        assert_string_equal(a.modules[0], "x_y");
        assert_true(warned(w, "x.conf:2: Unknown key Unit="));
        assert_true(warned(w, "x.conf:5: Unknown section [Extra]"));
        agent_free(&a);
}

static void test_unsafe_values(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        lg_agent a;

        assert_int_equal(parse("x",
                               "[Agent]\n"
                               "Units=ok.service ../../etc/passwd `reboot`.service\n"
                               "Modules=ok $(rm) a|b\n"
                               "Content=relative/path /etc/../shadow /opt/agent/*.bin\n",
                               &a, &w),
                         0);
        assert_int_equal(lg_strv_length(a.units), 1);
        assert_int_equal(lg_strv_length(a.modules), 1);
        assert_int_equal(lg_strv_length(a.content), 1);
        assert_string_equal(a.content[0], "/opt/agent/*.bin");
        assert_int_equal(lg_strv_length(w), 6);
        /* Each says what is wrong in the administrator's terms. */
        assert_true(warned(w, "Content=relative/path: not an absolute path, ignored."));
        assert_true(warned(w, "Content=/etc/../shadow: a '..' component climbs out of the folder, ignored."));
        agent_free(&a);
        lg_strv_free(w);
        w = NULL;

        /* "/" is absolute: it is refused for what it is. */
        assert_int_equal(parse("x", "[Agent]\nUnits=ok.service\nContent=/ //\n", &a, &w), 0);
        assert_int_equal(lg_strv_length(a.content), 0);
        assert_true(warned(w, "Content=/: / itself is never content, refused."));
        assert_true(warned(w, "Content=//: / itself is never content, refused."));
        for (char **p = w; *p; p++)
                assert_null(strstr(*p, "not an absolute path"));
        agent_free(&a);
        lg_strv_free(w);
        w = NULL;

        /* A key before any section. */
        assert_int_equal(parse("x", "Units=ok.service\n[Agent]\nUnits=ok.service\n", &a, &w), 0);
        assert_true(warned(w, "x.conf:1: Units= before any section (it belongs in [Agent]), ignored."));
        for (char **p = w; *p; p++)
                assert_null(strstr(*p, "(none)"));
        agent_free(&a);
}

static void test_unsafe_names(void **state) {
        static const char *const bad[] = { "", "../evil", ".hidden", "a b", "a;b", "a/b", "-x", "$(x)" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_strv_free_ char **w = NULL;
                lg_agent a;

                assert_int_equal(parse(bad[i], "[Agent]\nUnits=x.service\n", &a, &w), -EINVAL);
                assert_true(warned(w, "not a valid agent name"));
        }
}

static void test_binary_junk(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        const char junk[] = "[Agent]\nUnits=a.service\n\x01\x02\xff\xfe\nModules=\0m\n\x7f\x7f=\x7f\n";
        lg_agent a;

        assert_int_equal(lg_agent_parse(&a, "j", junk, sizeof(junk) - 1, &w), 0);
        assert_int_equal(lg_strv_length(a.units), 1);
        assert_int_equal(lg_strv_length(a.modules), 0);
        assert_int_equal(lg_strv_length(w), 3);
        agent_free(&a);
}

/* A temporary root with both agent folders. */
typedef struct fixture {
        char dir[64];
        lg_root *root;
} fixture;

static int setup(void **state) {
        fixture *f = calloc(1, sizeof(*f));

        strcpy(f->dir, "/tmp/test-agents.XXXXXX");
        if (!mkdtemp(f->dir) || lg_root_new(f->dir, &f->root) < 0)
                return -1;
        if (lg_root_mkdir_p(f->root, "/etc/lastgood/agents.d", 0755) < 0 ||
            lg_root_mkdir_p(f->root, "/usr/lib/lastgood/agents.d", 0755) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        lg_root_free(f->root);
        free(f);
        return system(cmd) == 0 ? 0 : -1;
}

static void put(fixture *f, const char *rel, const char *s) {
        assert_int_equal(lg_root_write_atomic(f->root, rel, s, strlen(s), 0644), 0);
}

static void test_load_override(void **state) {
        fixture *f = *state;
        lg_agents a;

        put(f, "/usr/lib/lastgood/agents.d/falco.conf",
            "[Agent]\nUnits=falco.service\nOnSafeMode=disable\n");
        put(f, "/usr/lib/lastgood/agents.d/crowdstrike.conf", "[Agent]\nModules=falcon_lsm_serviceable\n");
        put(f, "/usr/lib/lastgood/agents.d/zeta-agent.conf", "[Agent]\nContent=/var/lib/zeta/*.dat\n");
        /* The administrator's copy wins, by file name. */
        put(f, "/etc/lastgood/agents.d/falco.conf",
            "[Agent]\nUnits=falco-modern-bpf.service\nOnSafeMode=keep\n");
        put(f, "/etc/lastgood/agents.d/acme.conf", "[Agent]\nModules=acme-av\n");
        /* Not agent files. */
        put(f, "/etc/lastgood/agents.d/README", "hello");
        put(f, "/etc/lastgood/agents.d/.hidden.conf", "[Agent]\nUnits=h.service\n");
        put(f, "/etc/lastgood/agents.d/bad name.conf", "[Agent]\nUnits=h.service\n");
        put(f, "/etc/lastgood/agents.d/broken.conf", "[NotAgent]\nUnits=b.service\n");

        assert_int_equal(lg_agents_load(f->root, &a), 0);
        assert_int_equal(a.n, 4);
        /* Sorted by name. */
        assert_string_equal(a.agents[0].name, "acme");
        assert_string_equal(a.agents[1].name, "crowdstrike");
        assert_string_equal(a.agents[2].name, "falco");
        assert_string_equal(a.agents[3].name, "zeta-agent");
        assert_string_equal(a.agents[2].units[0], "falco-modern-bpf.service");
        assert_int_equal(lg_strv_length(a.agents[2].units), 1);
        assert_int_equal(a.agents[2].on_safe_mode, LG_POLICY_KEEP);
        assert_true(warned(a.warnings, "bad name.conf: not a valid agent file name"));
        assert_true(warned(a.warnings, "/etc/lastgood/agents.d/broken.conf: No [Agent] section"));
        assert_int_equal(lg_strv_length(a.warnings), 3); /* + broken.conf's unknown section */

        assert_ptr_equal(lg_agents_find(&a, "zeta_agent"), &a.agents[3]);
        assert_ptr_equal(lg_agents_find(&a, "zeta-agent"), &a.agents[3]);
        assert_null(lg_agents_find(&a, "zeta"));
        assert_ptr_equal(lg_agents_find_module(&a, "acme_av"), &a.agents[0]);
        assert_ptr_equal(lg_agents_find_module(&a, "falcon-lsm-serviceable"), &a.agents[1]);
        assert_null(lg_agents_find_module(&a, "falco"));
        lg_agents_done(&a);
}

static void test_load_mask(void **state) {
        fixture *f = *state;
        char path[256];
        lg_agents a;

        put(f, "/usr/lib/lastgood/agents.d/one.conf", "[Agent]\nUnits=one.service\n");
        put(f, "/usr/lib/lastgood/agents.d/two.conf", "[Agent]\nUnits=two.service\n");
        put(f, "/etc/lastgood/agents.d/one.conf", "");
        snprintf(path, sizeof(path), "%s/etc/lastgood/agents.d/two.conf", f->dir);
        assert_int_equal(symlink("/dev/null", path), 0);

        assert_int_equal(lg_agents_load(f->root, &a), 0);
        assert_int_equal(a.n, 0);
        assert_int_equal(lg_strv_length(a.warnings), 0);
        lg_agents_done(&a);
}

static void test_load_missing_folders(void **state) {
        char tmpl[] = "/tmp/test-agents-empty.XXXXXX";
        _cleanup_root_ lg_root *root = NULL;
        char *dir = mkdtemp(tmpl);
        lg_agents a;

        assert_non_null(dir);
        assert_int_equal(lg_root_new(dir, &root), 0);
        assert_int_equal(lg_agents_load(root, &a), 0);
        assert_int_equal(a.n, 0);
        assert_non_null(a.warnings);
        assert_int_equal(lg_strv_length(a.warnings), 0);
        assert_null(lg_agents_find(&a, "x"));
        lg_agents_done(&a);
        assert_int_equal(rmdir(dir), 0);
}

static void test_load_too_big(void **state) {
        fixture *f = *state;
        size_t n = 70 * 1024;
        char *big = malloc(n + 1);
        lg_agents a;

        assert_non_null(big);
        memset(big, '#', n);
        big[n] = '\0';
        put(f, "/etc/lastgood/agents.d/huge.conf", big);
        put(f, "/etc/lastgood/agents.d/small.conf", "[Agent]\nUnits=s.service\n");
        assert_int_equal(lg_agents_load(f->root, &a), 0);
        assert_int_equal(a.n, 1);
        assert_true(warned(a.warnings, "huge.conf: cannot be read (larger than 64 KiB)"));
        lg_agents_done(&a);
        free(big);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_design_example),
                cmocka_unit_test(test_policies),
                cmocka_unit_test(test_bad_policy),
                cmocka_unit_test(test_missing_section),
                cmocka_unit_test(test_unknown_keys),
                cmocka_unit_test(test_unsafe_values),
                cmocka_unit_test(test_unsafe_names),
                cmocka_unit_test(test_binary_junk),
                cmocka_unit_test_setup_teardown(test_load_override, setup, teardown),
                cmocka_unit_test_setup_teardown(test_load_mask, setup, teardown),
                cmocka_unit_test(test_load_missing_folders),
                cmocka_unit_test_setup_teardown(test_load_too_big, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
