/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every agent definition shipped in /usr/lib/lastgood/agents.d/ (agents/ of
 * the source tree) through the real parser: no warning, at least one unit,
 * valid module names, Content= globs that are absolute and never a whole
 * system folder, a "# Source:" and a "# Checked against:" line (where the
 * definition was verified, and against which version); then all of them at
 * once through lg_agents_load() from a temporary root, as the programs load
 * them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "inventory.h"
#include "macro.h"
#include "strv.h"

#ifndef LG_AGENTS_SHIPPED
#error "LG_AGENTS_SHIPPED: the agents/ folder of the source tree"
#endif

/* The agents the issue asks for, each with its file. */
static const char *const expected[] = {
        "elastic-agent", "falco", "falcon-sensor", "mdatp", "osquery", "sentinelone", "wazuh-agent",
};

static char *read_text(const char *path, size_t *size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0;

        assert_non_null(f);
        assert_int_equal(getdelim(&buf, &n, '\0', f) > 0, 1);
        *size = strlen(buf);
        fclose(f);
        return buf;
}

static bool whole_system_folder(const char *glob) {
        static const char *const forbidden[] = { "/",     "/etc",  "/usr",
                                                 "/boot", "/proc", "/sys",
                                                 "/run",  "/var",  "/var/lib/lastgood",
                                                 "/lib",  "/opt" };
        _cleanup_free_ char *g = strdup(glob);
        size_t n = strlen(g);

        /* "/etc/STAR" and "/etc/" are /etc as a whole. */
        while (n > 1 && (g[n - 1] == '*' || g[n - 1] == '/'))
                g[--n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(forbidden); i++)
                if (streq(g, forbidden[i]))
                        return true;
        return false;
}

static void test_each_definition(void **unused) {
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                _cleanup_free_ char *path = NULL, *buf = NULL;
                _cleanup_strv_free_ char **warnings = NULL;
                lg_agent a = {};
                size_t size;

                assert_true(asprintf(&path, "%s/%s.conf", LG_AGENTS_SHIPPED, expected[i]) > 0);
                buf = read_text(path, &size);
                print_message("%s\n", path);
                assert_int_equal(lg_agent_parse(&a, expected[i], buf, size, &warnings), 0);
                for (char **w = warnings; w && *w; w++)
                        print_message("warning: %s\n", *w);
                assert_int_equal(lg_strv_length(warnings), 0);
                assert_string_equal(a.name, expected[i]);
                assert_true(lg_strv_length(a.units) >= 1);
                for (char **u = a.units; *u; u++)
                        assert_non_null(strstr(*u, ".service"));
                for (char **m = a.modules; *m; m++)
                        assert_true(lg_module_name_valid(*m));
                for (char **c = a.content; *c; c++) {
                        assert_int_equal((*c)[0], '/');
                        assert_null(strstr(*c, "/../"));
                        if (whole_system_folder(*c))
                                fail_msg("%s: Content=%s is a whole system folder", expected[i], *c);
                }
                /* Fail-secure: a shipped definition never disables an agent
                 * at level 1. */
                assert_int_not_equal(a.on_safe_mode, LG_POLICY_DISABLE);
                assert_non_null(strstr(buf, "\n# Source: "));
                assert_non_null(strstr(buf, "\n# Checked against: "));
                lg_agent_done(&a);
        }
}

/* Nothing shipped that this test does not know (a new file needs its row). */
static void test_no_unknown_file(void **unused) {
        DIR *d = opendir(LG_AGENTS_SHIPPED);
        struct dirent *de;
        size_t n = 0;

        assert_non_null(d);
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                bool known = false;

                if (len < 6 || !streq(de->d_name + len - 5, ".conf"))
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                        if (strlen(expected[i]) == len - 5 && strncmp(expected[i], de->d_name, len - 5) == 0)
                                known = true;
                if (!known)
                        fail_msg("agents/%s is not checked by this test", de->d_name);
                n++;
        }
        closedir(d);
        assert_int_equal(n, ELEMENTSOF(expected));
}

/* All at once, from /usr/lib/lastgood/agents.d/ of a root, as installed. */
static void test_load_all(void **unused) {
        char tmpl[] = "/tmp/lg-agents-XXXXXX";
        char *root_dir = mkdtemp(tmpl);
        _cleanup_free_ char *dir = NULL;
        _cleanup_root_ lg_root *root = NULL;
        lg_agents agents = {};
        char cmd[4096];

        assert_non_null(root_dir);
        assert_true(asprintf(&dir, "%s/usr/lib/lastgood/agents.d", root_dir) > 0);
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s'/*.conf '%s'/", dir, LG_AGENTS_SHIPPED, dir);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(lg_root_new(root_dir, &root), 0);
        assert_int_equal(lg_agents_load(root, &agents), 0);
        assert_int_equal(lg_strv_length(agents.warnings), 0);
        assert_int_equal(agents.n, ELEMENTSOF(expected));
        assert_non_null(lg_agents_find(&agents, "falco"));
        assert_non_null(lg_agents_find_module(&agents, "falco"));
        assert_non_null(lg_agents_find(&agents, "wazuh_agent")); /* '-' and '_' alike */
        lg_agents_done(&agents);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root_dir);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_each_definition),
                cmocka_unit_test(test_no_unknown_file),
                cmocka_unit_test(test_load_all),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
