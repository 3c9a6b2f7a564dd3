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
        lg_agent_done(&a);
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
                lg_agent_done(&a);
        }
}

static void test_bad_policy(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        lg_agent a;

        assert_int_equal(parse("x", "[Agent]\nUnits=x.service\nOnSafeMode=delete-everything\n", &a, &w), 0);
        assert_int_equal(a.on_safe_mode, LG_POLICY_ROLLBACK);
        assert_int_equal(lg_strv_length(w), 1);
        assert_true(warned(w, "x.conf:3: OnSafeMode=delete-everything"));
        lg_agent_done(&a);
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
        lg_agent_done(&a);
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
        lg_agent_done(&a);
        lg_strv_free(w);
        w = NULL;

        /* "/" is absolute: it is refused for what it is. */
        assert_int_equal(parse("x", "[Agent]\nUnits=ok.service\nContent=/ //\n", &a, &w), 0);
        assert_int_equal(lg_strv_length(a.content), 0);
        assert_true(warned(w, "Content=/: / itself is never content, refused."));
        assert_true(warned(w, "Content=//: / itself is never content, refused."));
        for (char **p = w; *p; p++)
                assert_null(strstr(*p, "not an absolute path"));
        lg_agent_done(&a);
        lg_strv_free(w);
        w = NULL;

        /* A key before any section. */
        assert_int_equal(parse("x", "Units=ok.service\n[Agent]\nUnits=ok.service\n", &a, &w), 0);
        assert_true(warned(w, "x.conf:1: Units= before any section (it belongs in [Agent]), ignored."));
        for (char **p = w; *p; p++)
                assert_null(strstr(*p, "(none)"));
        lg_agent_done(&a);
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
        lg_agent_done(&a);
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


/* Processes=, FallbackUnits=, FallbackDropIn=, OnSafeMode=fallback
 * (issue 21): task names as the kernel keeps them, no kernel thread's,
 * drop-ins only from root's own folders. */
static void test_processes_and_fallback(void **state) {
        _cleanup_strv_free_ char **w = NULL;
        lg_agent a;

        assert_int_equal(parse("falcon-sensor",
                               "[Agent]\n"
                               "Units=falcon-sensor.service\n"
                               "Processes=falcond falcon-sensor-b falcon-sensor-bpf swapper kworker/0:1 "
                               "rcu_sched\n"
                               "FallbackUnits=falcon-sensor-kmod.service /etc/x.service\n"
                               "FallbackDropIn=/etc/lastgood/fallback/falcon-kernel.conf\n"
                               "OnSafeMode=fallback\n",
                               &a, &w),
                         0);
        assert_true(a.processes_set);
        assert_int_equal(lg_strv_length(a.processes), 2);
        assert_string_equal(a.processes[0], "falcond");
        assert_string_equal(a.processes[1], "falcon-sensor-b");
        assert_true(warned(w, "falcon-sensor-bpf: longer than the 15 characters"));
        assert_true(warned(w, "Processes=swapper: not a task name an agent may claim"));
        assert_true(warned(w, "Processes=kworker/0:1: not a task name"));
        assert_true(warned(w, "Processes=rcu_sched: not a task name"));
        assert_int_equal(lg_strv_length(a.fallback_units), 1);
        assert_string_equal(a.fallback_units[0], "falcon-sensor-kmod.service");
        assert_string_equal(a.fallback_dropin, "/etc/lastgood/fallback/falcon-kernel.conf");
        assert_int_equal(a.on_safe_mode, LG_POLICY_FALLBACK);
        assert_true(lg_agent_uses_fallback(&a));
        lg_agent_done(&a);
}

static void test_fallback_dropin_refused(void **state) {
        static const char *const bad[] = {
                "/tmp/evil.conf", "/etc/systemd/system/x.conf", "/etc/lastgood/../shadow.conf",
                "/etc/lastgood/./x.conf", "/etc/lastgoodx/x.conf", "/etc/lastgood/x.txt", "etc/lastgood/x.conf",
                "/usr/lib/lastgood", "/home/agent/lastgood/x.conf", "/etc/lastgood/a b.conf",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_strv_free_ char **w = NULL;
                _cleanup_free_ char *text = NULL;
                lg_agent a;

                assert_false(lg_fallback_dropin_allowed(bad[i]));
                assert_true(asprintf(&text, "[Agent]\nUnits=s.service\nFallbackDropIn=%s\nOnSafeMode=fallback\n",
                                     bad[i]) > 0);
                assert_int_equal(parse("s", text, &a, &w), 0);
                assert_null(a.fallback_dropin);
                assert_true(warned(w, "refused"));
                /* Nothing left to fall back to: disable, said. */
                assert_int_equal(a.on_safe_mode, LG_POLICY_DISABLE);
                assert_true(warned(w, "OnSafeMode=fallback without FallbackUnits= or FallbackDropIn=, disable used"));
                lg_agent_done(&a);
        }
        assert_true(lg_fallback_dropin_allowed("/usr/lib/lastgood/fallback/falcon-sensor-kernel.conf"));
        assert_true(lg_fallback_dropin_allowed("/etc/lastgood/fallback.d/x.conf"));
}

/* The default Processes= comes from the units' ExecStart= binaries under
 * the root; FallbackUnits= must exist and belong to no other agent. */
static void test_load_processes_default(void **state) {
        fixture *f = *state;
        lg_agents a;

        put(f, "/etc/lastgood/agents.d/sensor.conf",
            "[Agent]\nUnits=sensor.service sensor-helper@eth0.service gone.service alias.service masked.service\n"
            "FallbackUnits=sensor-kmod.service nowhere.service other.service sensor.service\nOnSafeMode=fallback\n");
        put(f, "/etc/lastgood/agents.d/other.conf",
            "[Agent]\nUnits=other.service\nFallbackUnits=nothing.service\nOnSafeMode=fallback\n");
        put(f, "/etc/lastgood/agents.d/explicit.conf", "[Agent]\nUnits=explicit.service\nProcesses=\n");
        put(f, "/usr/lib/systemd/system/sensor.service",
            "[Unit]\nDescription=x\n[Service]\nExecStartPre=/bin/true\n ExecStart=-/opt/sensor/bin/sensor-agent-userspace --x\n"
            "ExecStart=/bin/sh -c 'exit 0'\nExecStart=@/usr/bin/sensord sensord\n");
        put(f, "/usr/lib/systemd/system/sensor-helper@.service", "[Service]\nExecStart=/usr/libexec/sensor-helper %i\n");
        put(f, "/usr/lib/systemd/system/sensor-kmod.service", "[Service]\nExecStart=/usr/bin/sensord --kmod\n");
        put(f, "/usr/lib/systemd/system/other.service", "[Service]\nExecStart=/usr/bin/otherd\n");
        put(f, "/usr/lib/systemd/system/real.service", "[Service]\nExecStart=/usr/bin/realbinary\n");
        put(f, "/usr/lib/systemd/system/secret", "[Service]\nExecStart=/usr/bin/secretd\n");
        assert_int_equal(lg_root_mkdir_p(f->root, "/etc/systemd/system", 0755), 0);
        /* An alias to a unit in a unit folder is read; a link elsewhere,
         * or to /dev/null (masked), is not followed. */
        assert_int_equal(symlinkat("/usr/lib/systemd/system/real.service", f->root->fd, "etc/systemd/system/alias.service"), 0);
        assert_int_equal(symlinkat("/dev/null", f->root->fd, "etc/systemd/system/masked.service"), 0);
        assert_int_equal(symlinkat("/usr/lib/systemd/system/secret", f->root->fd, "etc/systemd/system/gone.service"), 0);

        assert_int_equal(lg_agents_load(f->root, &a), 0);
        assert_int_equal(a.n, 3);
        const lg_agent *s = lg_agents_find(&a, "sensor"), *o = lg_agents_find(&a, "other"),
                       *e = lg_agents_find(&a, "explicit");
        assert_non_null(s);
        /* Cut to 15, interpreters skipped, instances read from templates. */
        assert_int_equal(lg_strv_length(s->processes), 4);
        assert_string_equal(s->processes[0], "sensor-agent-us");
        assert_string_equal(s->processes[1], "sensord");
        assert_string_equal(s->processes[2], "sensor-helper");
        assert_string_equal(s->processes[3], "realbinary");
        assert_int_equal(lg_strv_length(e->processes), 0);
        assert_int_equal(lg_strv_length(s->fallback_units), 1);
        assert_string_equal(s->fallback_units[0], "sensor-kmod.service");
        assert_true(warned(a.warnings, "agent sensor: FallbackUnits=nowhere.service: no such unit file"));
        assert_true(warned(a.warnings, "agent sensor: FallbackUnits=other.service: belongs to another agent other"));
        assert_true(warned(a.warnings, "agent sensor: FallbackUnits=sensor.service: is one of the agent's own Units="));
        assert_int_equal(s->on_safe_mode, LG_POLICY_FALLBACK);
        assert_int_equal(o->on_safe_mode, LG_POLICY_DISABLE);
        assert_true(warned(a.warnings, "agent other: OnSafeMode=fallback but no usable fallback, disable used"));

        /* A process name two agents claim. */
        const lg_agent *first = NULL;
        assert_int_equal(lg_agents_find_process(&a, "sensord", &first), 1);
        assert_ptr_equal(first, s);
        assert_int_equal(lg_agents_find_process(&a, "otherd", NULL), 1);
        assert_int_equal(lg_agents_find_process(&a, "nobody", NULL), 0);
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
                cmocka_unit_test(test_processes_and_fallback),
                cmocka_unit_test(test_fallback_dropin_refused),
                cmocka_unit_test_setup_teardown(test_load_processes_default, setup, teardown),
                cmocka_unit_test(test_load_missing_folders),
                cmocka_unit_test_setup_teardown(test_load_too_big, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
