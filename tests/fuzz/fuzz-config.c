/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: lastgood.conf and agent definitions (lib/parse/config.c,
 * lib/parse/agents.c), parsed with inih through our line reader. The same input
 * is read as both. Beyond "no crash": values stay in range, list entries
 * are valid, a usable agent withholds something, warnings stay bounded. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h" /* lib/parse/config.h: the build's own is force-included */
#include "cmdline.h"
#include "macro.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_warnings(char **w) {
        if (lg_strv_length(w) > 33)
                abort();
        for (; w && *w; w++)
                for (const char *p = *w; *p; p++)
                        if ((unsigned char) *p < 0x20 && *p != '\t')
                                abort();
}

static void check_config(const lg_config *c) {
        if (c->threshold < 1 || c->threshold > 255 || c->stable_sec > 604800 || c->prove_sec > 604800 ||
            c->check_timeout_sec < 1 || c->check_timeout_sec > 3600)
                abort();
        if (!c->require_units || !c->allow || !c->third_party_dirs)
                abort();
        for (char **s = c->allow; *s; s++)
                if (!lg_name_is_valid(*s) || strchr(*s, '-'))
                        abort();
        /* Below /lib/modules/KVER: relative, no "." or ".." component
         * ("nvidia..old" is a folder name like any other). */
        for (char **s = c->third_party_dirs; *s; s++) {
                if (**s == '/')
                        abort();
                for (const char *q = *s; *q;) {
                        size_t n = strcspn(q, "/");

                        if ((n == 1 && q[0] == '.') || (n == 2 && q[0] == '.' && q[1] == '.'))
                                abort();
                        q += n;
                        q += *q == '/';
                }
        }
        for (char **s = c->require_units; *s; s++)
                if (!strchr(*s, '.') || strpbrk(*s, " \t\n;$`|&"))
                        abort();
        check_warnings(c->warnings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **warnings = NULL;
        lg_config c;
        lg_agent a;
        int r;

        if (lg_config_init(&c) < 0)
                return 0;
        if (lg_config_parse(&c, "fuzz.conf", (const char *) data, size) == 0)
                check_config(&c);
        lg_config_done(&c);

        r = lg_agent_parse(&a, "fuzz-agent", (const char *) data, size, &warnings);
        if (r == 0) {
                if (!a.units || !a.modules || !a.content || !a.name)
                        abort();
                if (!a.units[0] && !a.modules[0] && !a.content[0])
                        abort();
                if (a.on_safe_mode < 0 || a.on_safe_mode >= _LG_POLICY_MAX)
                        abort();
                for (char **s = a.modules; *s; s++)
                        if (!lg_name_is_valid(*s))
                                abort();
                for (char **s = a.content; *s; s++)
                        if (**s != '/')
                                abort();
                lg_agent_done(&a);
        } else if (r != -EINVAL && r != -ENOMEM)
                abort();
        check_warnings(warnings);
        return 0;
}
