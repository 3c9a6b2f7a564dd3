/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for what a hostile agent user or a corrupt disk feeds
 * lastgood about content (issue 10): the last-known-good manifest
 * (lib/inventory/manifest.c), the /run hand-over's withheld list (ops/runstate.c), an
 * agent definition's Content= (lib/parse/agents.c), and the escaping and
 * cold-record names that every such name goes through (lib/basic/escape.c,
 * lib/basic/qname.c). The same input is read as all of them. Beyond "no crash":
 * a manifest that parses formats and parses back to the same items; every
 * Content= kept is allowed and absolute; escaped text holds no control
 * byte and is valid UTF-8; a name always matches its own hash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h" /* lib/parse/config.h: the build's own is force-included */
#include "escape.h"
#include "inventory.h"
#include "macro.h"
#include "qname.h"
#include "runstate.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_manifest(const char *buf, size_t size) {
        lg_inventory inv = {}, again = {};
        _cleanup_free_ char *out = NULL;
        size_t out_size;

        if (lg_manifest_parse(buf, size, &inv) < 0)
                return;
        for (size_t i = 0; i < inv.n; i++)
                if (!inv.items[i].name ||
                    (inv.items[i].kind == LG_ITEM_CONTENT && inv.items[i].name[0] != '/'))
                        abort();
        if (lg_manifest_format(&inv, &out, &out_size) < 0)
                abort();
        if (lg_manifest_parse(out, out_size, &again) < 0 || again.n != inv.n)
                abort();
        for (size_t i = 0; i < inv.n; i++)
                if (again.items[i].kind != inv.items[i].kind ||
                    !streq(again.items[i].name, inv.items[i].name) ||
                    again.items[i].fingerprint != inv.items[i].fingerprint ||
                    again.items[i].ctime_ns != inv.items[i].ctime_ns)
                        abort();
        lg_inventory_done(&inv);
        lg_inventory_done(&again);
}

static void check_withheld(const char *buf, size_t size) {
        lg_withheld w = {};

        if (lg_runstate_parse_withheld(buf, size, &w) < 0) {
                lg_withheld_done(&w);
                return;
        }
        for (size_t i = 0; i < w.n; i++)
                if (!w.items[i].name || !w.items[i].name[0] || w.items[i].kind < 0 ||
                    w.items[i].kind >= _LG_ITEM_KIND_MAX)
                        abort();
        lg_withheld_done(&w);
}

static void check_agent(const char *buf, size_t size) {
        _cleanup_strv_free_ char **warnings = NULL;
        lg_agent a;

        if (lg_agent_parse(&a, "fuzz-agent", buf, size, &warnings) != 0)
                return;
        for (char **s = a.content; *s; s++) {
                if (**s != '/' || !lg_content_pattern_allowed(*s))
                        abort();
                /* A pattern never covers lastgood's own state. */
                if (lg_content_covers(&a, "/var/lib/lastgood/manifest") ||
                    lg_content_covers(&a, "/etc/passwd"))
                        abort();
        }
        lg_agent_done(&a);
}

static void check_escape(const char *buf, size_t size) {
        _cleanup_free_ char *t = NULL, *l = NULL, *u = NULL, *u2 = NULL;
        size_t tn, ln, un, u2n, used;

        if (lg_escape(LG_ESCAPE_TERMINAL, buf, size, true, &t, &tn, &used) < 0 || used != size)
                return;
        for (size_t i = 0; i < tn; i++) {
                unsigned char c = (unsigned char) t[i];

                if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                        abort();
        }
        if (lg_escape(LG_ESCAPE_LINE, buf, size, true, &l, &ln, NULL) < 0)
                return;
        if (memchr(l, '\n', ln) || memchr(l, '\t', ln) || memchr(l, '\0', ln))
                abort();
        /* UTF8 output is valid UTF-8: escaping it again changes nothing. */
        if (lg_escape(LG_ESCAPE_UTF8, buf, size, true, &u, &un, NULL) < 0 ||
            lg_escape(LG_ESCAPE_UTF8, u, un, true, &u2, &u2n, NULL) < 0)
                return;
        if (un != u2n || memcmp(u, u2, un) != 0)
                abort();
        /* The terminal form of valid UTF-8 text has only valid UTF-8 too. */
        _cleanup_free_ char *t2 = NULL;
        size_t t2n;
        if (lg_escape(LG_ESCAPE_UTF8, t, tn, true, &t2, &t2n, NULL) < 0)
                return;
        if (t2n != tn || memcmp(t, t2, tn) != 0)
                abort();
}

static void check_qname(const char *buf, size_t size) {
        _cleanup_free_ char *s = strndup(buf, MIN(size, (size_t) 4096));
        char h[LG_QNAME_HASHED_LEN + 1];

        if (!s || !*s)
                return;
        lg_qname_hash(s, h);
        if (!lg_qname_is_hashed(h) || !lg_qname_storable(h))
                abort();
        if (!lg_qname_is_hashed(s) && !lg_qname_matches(h, s))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;

        if (size > 256 * 1024)
                return 0;
        check_manifest(buf, size);
        check_withheld(buf, size);
        check_agent(buf, size);
        check_escape(buf, size);
        check_qname(buf, size);
        return 0;
}
