/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Deny-list lines (lastgood-deny.d(5)) for fleet --deny-list and deny-list
 * --from-prometheus. The names come from other hosts' journals or from a
 * query result: each byte that could end a field, a line or start a
 * comment is written as \xHH. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deny-write.h"
#include "macro.h"

int ctl_deny_fingerprint(const char *s, char ret[static CTL_DENY_FP_LEN + 1]) {
        if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != CTL_DENY_FP_LEN)
                return -EINVAL;
        memcpy(ret, "sha256:", 7);
        for (size_t i = 7; i < CTL_DENY_FP_LEN; i++) {
                char c = s[i];

                if (c >= 'A' && c <= 'F')
                        c = (char) (c - 'A' + 'a');
                else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                        return -EINVAL;
                ret[i] = c;
        }
        ret[CTL_DENY_FP_LEN] = '\0';
        return 0;
}

bool ctl_deny_kind_ok(const char *kind) {
        return kind && (streq(kind, "module") || streq(kind, "content"));
}

static int entry_cmp(const void *a, const void *b) {
        const ctl_deny_entry *x = a, *y = b;
        int r;

        if (x->hosts != y->hosts)
                return x->hosts > y->hosts ? -1 : 1;
        r = strcmp(x->kind, y->kind);
        return r ? r : strcmp(x->fp, y->fp);
}

void ctl_deny_sort(ctl_deny_entry *e, size_t n) {
        if (n > 1)
                qsort(e, n, sizeof(*e), entry_cmp);
}

/* A field: "-" for NULL or empty; every byte that is not a printable,
 * non-blank ASCII character, and '\\' and '#', as \xHH. A NAME that is
 * exactly "-" is written \x2d (an AGENT "-" means none and stays "-").
 * At most max bytes: a longer one is cut after a whole byte and ends in
 * "..." (the name is for people; the parser's line limit must hold). */
static void field(FILE *f, const char *s, bool agent, size_t max) {
        size_t o = 0;

        if (!s || !*s || (agent && streq(s, "-"))) {
                fputc('-', f);
                return;
        }
        if (streq(s, "-")) {
                fputs("\\x2d", f);
                return;
        }
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                bool esc = *p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '#';
                size_t w = esc ? 4 : 1;

                if (o + w > max - 3 && (p[1] || o + w > max)) {
                        fputs("...", f);
                        return;
                }
                if (esc)
                        fprintf(f, "\\x%02x", *p);
                else
                        fputc(*p, f);
                o += w;
        }
}

void ctl_deny_time(uint64_t usec, char buf[static 32]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                strcpy(buf, "-");
}

int ctl_deny_print(FILE *f, const ctl_deny_entry *e) {
        char t[32];

        fprintf(f, "%s %s ", e->fp, e->kind);
        field(f, e->name, false, CTL_DENY_NAME_FIELD_MAX);
        fputc(' ', f);
        field(f, e->agent, true, CTL_DENY_AGENT_FIELD_MAX);
        fprintf(f, "  # %" PRIu64 " host%s", e->hosts, e->hosts == 1 ? "" : "s");
        if (e->usec) {
                ctl_deny_time(e->usec, t);
                fprintf(f, ", %s %s", e->time_word ?: "at", t);
        }
        fputc('\n', f);
        return ferror(f) ? -EIO : 0;
}
