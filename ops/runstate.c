/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "runstate.h"

#define RUN_FILE_MAX (1024 * 1024)

/* Escape '\\', '\t', '\n' (and other control bytes) so that one item stays
 * one line whatever a file name holds. */
static int fputs_escaped(FILE *f, const char *s) {
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c == '\\')
                        fputs("\\\\", f);
                else if (c == '\t')
                        fputs("\\t", f);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
        return 0;
}

static char *unescape(const char *s, size_t len) {
        char *out = malloc(len + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] != '\\' || i + 1 >= len) {
                        *o++ = s[i];
                        continue;
                }
                i++;
                switch (s[i]) {
                case 't': *o++ = '\t'; break;
                case 'n': *o++ = '\n'; break;
                case '\\': *o++ = '\\'; break;
                case 'x': {
                        unsigned v = 0;
                        if (i + 2 < len && sscanf(s + i + 1, "%2x", &v) == 1) {
                                i += 2;
                                *o++ = v ? (char) v : '?';
                        } else
                                *o++ = 'x';
                        break;
                }
                default: *o++ = s[i]; break;
                }
        }
        *o = '\0';
        return out;
}

static int write_stream(const lg_root *root, const char *path, char *buf, size_t size) {
        return lg_root_write_atomic(root, path, buf, size, 0644);
}

int lg_runstate_write(const lg_root *root, const lg_runstate *rs) {
        _cleanup_free_ char *dbuf = NULL, *wbuf = NULL;
        size_t dsize = 0, wsize = 0;
        FILE *f;
        int r;

        f = open_memstream(&dbuf, &dsize);
        if (!f)
                return -ENOMEM;
        fprintf(f, "LEVEL=%u\nMODE=%s\nTRIES=%u\nTHRESHOLD=%u\nBOOT_SEQ=%" PRIu32 "\n",
                rs->level, strna(lg_mode_to_string(rs->mode)), rs->tries, rs->threshold, rs->boot_seq);
        fprintf(f, "COUNTED=%d\nEXHAUSTED=%d\nFAST_PATH=%d\nOVERRIDE=%d\nNOOP=%d\n",
                rs->counted, rs->exhausted, rs->fast_path, rs->override, rs->noop);
        if (rs->stage)
                fprintf(f, "STAGE=%s\n", rs->stage);
        if (rs->kernel) {
                fputs("KERNEL=", f);
                fputs_escaped(f, rs->kernel);
                fputc('\n', f);
        }
        if (rs->culprit) {
                fputs("CULPRIT=", f);
                fputs_escaped(f, rs->culprit);
                fputc('\n', f);
        }
        if (rs->culprit_evidence) {
                fputs("CULPRIT_EVIDENCE=", f);
                fputs_escaped(f, rs->culprit_evidence);
                fputc('\n', f);
        }
        if (fclose(f) != 0)
                return -ENOMEM;

        f = open_memstream(&wbuf, &wsize);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < rs->withheld.n; i++) {
                const lg_withheld_item *it = &rs->withheld.items[i];

                fprintf(f, "%s\t", strna(lg_item_kind_to_string(it->kind)));
                fputs_escaped(f, it->name);
                fprintf(f, "\t%s\t", strna(lg_reason_to_string(it->reason)));
                if (it->agent)
                        fputs_escaped(f, it->agent);
                else
                        fputc('-', f);
                /* Content only: a withheld module stays where it is, and
                 * the proven write fingerprints it there. */
                if (it->fingerprint && it->kind == LG_ITEM_CONTENT)
                        fprintf(f, "\t%016" PRIx64, it->fingerprint);
                else if (it->denied_by)
                        fputs("\t-", f);
                /* Denied: the list's file and line (status, list, plan). */
                if (it->denied_by) {
                        fputc('\t', f);
                        fputs_escaped(f, it->denied_by);
                }
                fputc('\n', f);
        }
        if (fclose(f) != 0)
                return -ENOMEM;

        r = write_stream(root, LG_RUN_WITHHELD, wbuf, wsize);
        if (r < 0)
                return r;
        return write_stream(root, LG_RUN_DECISION, dbuf, dsize);
}

static int parse_uint(const char *v, unsigned max, unsigned *ret) {
        char *end;
        unsigned long x;

        errno = 0;
        x = strtoul(v, &end, 10);
        if (errno || end == v || *end || x > max || v[0] == '-')
                return -EINVAL;
        *ret = (unsigned) x;
        return 0;
}

int lg_runstate_parse_decision(const char *buf, size_t size, lg_runstate *rs) {
        const char *p = buf, *end = buf + size;
        unsigned good = 0;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                _cleanup_free_ char *line = strndup(p, len);
                char *eq, *key, *val;
                unsigned u;

                p += len + 1;
                if (!line)
                        return -ENOMEM;
                eq = strchr(line, '=');
                if (!eq)
                        continue;
                *eq = '\0';
                key = line;
                val = eq + 1;

#define UINT_FIELD(name, field, max)                              \
        if (streq(key, name)) {                                   \
                if (parse_uint(val, max, &u) >= 0) {              \
                        rs->field = u;                            \
                        good++;                                   \
                }                                                 \
                continue;                                         \
        }
#define BOOL_FIELD(name, field)                                   \
        if (streq(key, name)) {                                   \
                if (parse_uint(val, 1, &u) >= 0) {                \
                        rs->field = u;                            \
                        good++;                                   \
                }                                                 \
                continue;                                         \
        }
#define STR_FIELD(name, field)                                    \
        if (streq(key, name)) {                                   \
                free(rs->field);                                  \
                rs->field = unescape(val, strlen(val));           \
                if (!rs->field)                                   \
                        return -ENOMEM;                           \
                good++;                                           \
                continue;                                         \
        }
                UINT_FIELD("LEVEL", level, 3);
                UINT_FIELD("TRIES", tries, 255);
                UINT_FIELD("THRESHOLD", threshold, 255);
                UINT_FIELD("BOOT_SEQ", boot_seq, UINT32_MAX);
                BOOL_FIELD("COUNTED", counted);
                BOOL_FIELD("EXHAUSTED", exhausted);
                BOOL_FIELD("FAST_PATH", fast_path);
                BOOL_FIELD("OVERRIDE", override);
                BOOL_FIELD("NOOP", noop);
                STR_FIELD("STAGE", stage);
                STR_FIELD("KERNEL", kernel);
                STR_FIELD("CULPRIT", culprit);
                STR_FIELD("CULPRIT_EVIDENCE", culprit_evidence);
#undef UINT_FIELD
#undef BOOL_FIELD
#undef STR_FIELD
                if (streq(key, "MODE")) {
                        lg_mode m = lg_mode_from_string(val);
                        if (m >= 0) {
                                rs->mode = m;
                                good++;
                        }
                }
        }
        return good > 0 ? 0 : -EBADMSG;
}

int lg_runstate_parse_withheld(const char *buf, size_t size, lg_withheld *w) {
        const char *p = buf, *end = buf + size;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                _cleanup_free_ char *line = strndup(p, len);
                _cleanup_free_ char *name = NULL, *agent = NULL, *where = NULL;
                char *f[6], *s, *e;
                lg_item_kind kind;
                lg_reason reason;
                uint64_t fp = 0;
                int n = 0, r;

                p += len + 1;
                if (!line)
                        return -ENOMEM;
                for (s = line; n < 6; n++) {
                        f[n] = s;
                        s = strchr(s, '\t');
                        if (!s) {
                                n++;
                                break;
                        }
                        *s++ = '\0';
                }
                if (s || n < 4)
                        continue; /* too many or too few fields */
                if (n >= 5 && !streq(f[4], "-")) {
                        errno = 0;
                        fp = strtoull(f[4], &e, 16);
                        if (errno != 0 || e == f[4] || *e || strlen(f[4]) != 16)
                                fp = 0; /* a bad fingerprint is an unknown one */
                }
                kind = lg_item_kind_from_string(f[0]);
                reason = lg_reason_from_string(f[2]);
                if (kind < 0 || reason < 0 || f[1][0] == '\0')
                        continue;
                if (n == 6 && reason != LG_REASON_DENIED)
                        continue; /* only a denied item has a sixth field */
                name = unescape(f[1], strlen(f[1]));
                agent = streq(f[3], "-") ? NULL : unescape(f[3], strlen(f[3]));
                if (!name || (!agent && !streq(f[3], "-")))
                        return -ENOMEM;
                if (reason == LG_REASON_DENIED) {
                        where = n == 6 ? unescape(f[5], strlen(f[5])) : NULL;
                        if (n == 6 && !where)
                                return -ENOMEM;
                        r = lg_withheld_set_denied(w, kind, name, agent, fp, where);
                } else
                        r = lg_withheld_add(w, kind, name, reason, agent, fp);
                if (r < 0)
                        return r;
        }
        return 0;
}

int lg_runstate_read(const lg_root *root, lg_runstate *ret) {
        _cleanup_free_ char *d = NULL, *w = NULL;
        size_t dsize = 0, wsize = 0;
        lg_runstate rs = { .mode = LG_MODE_AUTO };
        int r;

        r = lg_root_read_file(root, LG_RUN_DECISION, RUN_FILE_MAX, &d, &dsize);
        if (r < 0)
                return r;
        r = lg_runstate_parse_decision(d, dsize, &rs);
        if (r < 0) {
                lg_runstate_done(&rs);
                return r;
        }
        r = lg_root_read_file(root, LG_RUN_WITHHELD, RUN_FILE_MAX, &w, &wsize);
        if (r >= 0)
                r = lg_runstate_parse_withheld(w, wsize, &rs.withheld);
        if (r < 0 && r != -ENOENT) {
                lg_runstate_done(&rs);
                return r;
        }
        *ret = rs;
        return 0;
}

void lg_runstate_done(lg_runstate *rs) {
        if (!rs)
                return;
        free(rs->stage);
        free(rs->kernel);
        free(rs->culprit);
        free(rs->culprit_evidence);
        lg_withheld_done(&rs->withheld);
        *rs = (lg_runstate) {};
}

int lg_modprobe_conf_write(const lg_root *root, const lg_withheld *w, const char *writer, unsigned *ret_n,
                           unsigned *ret_refused) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        unsigned n = 0, refused = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# Written by %s: modules withheld this boot (lastgoodctl status says why).\n", writer);
        for (size_t i = 0; w && i < w->n; i++) {
                const char *name = w->items[i].name;

                if (w->items[i].kind != LG_ITEM_MODULE)
                        continue;
                if (!lg_module_name_valid(name)) {
                        refused++;
                        continue;
                }
                fprintf(f, "blacklist %s\ninstall %s /bin/false\n", name, name);
                n++;
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        if (ret_n)
                *ret_n = n;
        if (ret_refused)
                *ret_refused = refused;
        if (n == 0) {
                _cleanup_free_ char *p = lg_root_path(root, LG_MODPROBE_CONF);

                if (!p)
                        return -ENOMEM;
                if (unlink(p) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        return lg_root_write_atomic(root, LG_MODPROBE_CONF, buf, size, 0644);
}
