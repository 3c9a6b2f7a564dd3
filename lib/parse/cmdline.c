/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lastgood.* words of the kernel command line (DESIGN.md, "Administrator
 * override"). Pure: works on a memory buffer, like systemd's
 * proc_cmdline_parse() it splits the line into (key, value) pairs and hands
 * each to one handler; the splitting follows the kernel's next_arg() so that
 * we see the same words the kernel saw. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

/* The kernel's own line is at most a few KiB (COMMAND_LINE_SIZE); anything
 * beyond this is not a real command line and is not looked at. */
#define CMDLINE_MAX 65536
/* Entries per list word (release/block/allow): bounds the duplicate check. */
#define LIST_MAX 256
/* How much of a hostile word is quoted back in a warning. */
#define QUOTE_MAX 64

char *lg_escape_quote(const char *s, size_t n, size_t max) {
        size_t len = MIN(n, max);
        char *buf, *p;

        buf = malloc(len * 4 + 4);
        if (!buf)
                return NULL;
        p = buf;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c < 0x20 || c >= 0x7f || c == '\\') {
                        static const char hex[] = "0123456789abcdef";

                        *p++ = '\\';
                        *p++ = 'x';
                        *p++ = hex[c >> 4];
                        *p++ = hex[c & 15];
                } else
                        *p++ = (char) c;
        }
        if (n > max)
                p = stpcpy(p, "...");
        *p = '\0';
        return buf;
}

int lg_warn(char ***warnings, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        size_t n = lg_strv_length(*warnings);
        va_list ap;
        int r;

        if (n > LG_WARNINGS_MAX)
                return 0;
        if (n == LG_WARNINGS_MAX)
                return lg_strv_push(warnings, "Too many warnings, further ones are not shown.");

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                s = NULL;
                return -ENOMEM;
        }
        return lg_strv_push(warnings, s);
}

int lg_parse_unsigned(const char *s, unsigned max, unsigned *ret) {
        unsigned long long v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (*p - '0');
                if (v > max)
                        return -ERANGE;
        }
        *ret = (unsigned) v;
        return 0;
}

bool lg_name_is_valid(const char *s) {
        size_t n = 0;

        if (!s || !*s || *s == '.' || *s == '-')
                return false;
        for (const char *p = s; *p; p++, n++) {
                if (n >= LG_NAME_MAX)
                        return false;
                if (!isascii((unsigned char) *p) || !(isalnum((unsigned char) *p) || strchr("_.@+-", *p)))
                        return false;
        }
        return true;
}

static void normalize_dashes(char *s) {
        for (; *s; s++)
                if (*s == '-')
                        *s = '_';
}

bool lg_name_in_list(char *const *list, const char *name) {
        if (!list || !name)
                return false;
        for (; *list; list++) {
                const char *a = *list, *b = name;

                for (; *a && *b; a++, b++)
                        if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                                break;
                if (!*a && !*b)
                        return true;
        }
        return false;
}

bool lg_cmdline_is_override(const lg_cmdline *c) {
        if (!c)
                return false;
        return c->mode != LG_MODE_AUTO || c->reset || c->release_all || c->threshold > 0 ||
               lg_strv_length(c->release) > 0 || lg_strv_length(c->block) > 0 ||
               lg_strv_length(c->allow) > 0;
}

void lg_cmdline_done(lg_cmdline *c) {
        if (!c)
                return;
        c->release = lg_strv_free(c->release);
        c->block = lg_strv_free(c->block);
        c->allow = lg_strv_free(c->allow);
        c->warnings = lg_strv_free(c->warnings);
}

/* One word as the kernel's next_arg() sees it: a double quote toggles
 * quoting (spaces inside quotes do not split), the first '=' outside of
 * nothing splits key and value, and one pair of quotes around the whole
 * word or around the value is removed. Quotes elsewhere stay. */
typedef struct word {
        const char *key;
        size_t key_len;
        const char *value; /* NULL: no '=' */
        size_t value_len;
} word;

static bool is_space(char c) {
        /* The kernel's isspace() on the command line: ASCII white space. */
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static size_t next_word(const char *buf, size_t size, size_t pos, word *ret) {
        size_t start, i, equals = 0;
        bool in_quote = false, quoted = false, has_equals = false;
        size_t end;

        while (pos < size && is_space(buf[pos]))
                pos++;
        if (pos >= size)
                return size;

        start = pos;
        if (buf[start] == '"') {
                quoted = in_quote = true;
                start++;
        }
        for (i = start; i < size; i++) {
                if (is_space(buf[i]) && !in_quote)
                        break;
                if (!has_equals && buf[i] == '=') {
                        has_equals = true;
                        equals = i;
                }
                if (buf[i] == '"')
                        in_quote = !in_quote;
        }
        end = i;

        ret->key = buf + start;
        if (has_equals) {
                size_t vs = equals + 1, ve = end;

                ret->key_len = equals - start;
                if (vs < ve && buf[vs] == '"') {
                        vs++;
                        if (ve > vs && buf[ve - 1] == '"')
                                ve--;
                } else if (quoted && ve > vs && buf[ve - 1] == '"')
                        ve--;
                ret->value = buf + vs;
                ret->value_len = ve - vs;
        } else {
                size_t ke = end;

                if (quoted && ke > start && buf[ke - 1] == '"')
                        ke--;
                ret->key_len = ke - start;
                ret->value = NULL;
                ret->value_len = 0;
        }
        return end;
}

typedef enum key {
        KEY_MODE,
        KEY_RESET,
        KEY_RELEASE,
        KEY_BLOCK,
        KEY_ALLOW,
        KEY_THRESHOLD,
        _KEY_MAX,
        _KEY_UNKNOWN = -1,
} key;

static const char *const key_table[_KEY_MAX] = {
        [KEY_MODE] = "mode",   [KEY_RESET] = "reset", [KEY_RELEASE] = "release",
        [KEY_BLOCK] = "block", [KEY_ALLOW] = "allow", [KEY_THRESHOLD] = "threshold",
};

#define PREFIX "lastgood."

/* key has the "lastgood." prefix stripped; '-' and '_' are the same. */
static key key_lookup(const char *k, size_t n) {
        for (int i = 0; i < _KEY_MAX; i++) {
                const char *t = key_table[i];
                size_t j;

                for (j = 0; j < n && t[j]; j++)
                        if (k[j] != t[j] && !((k[j] == '-' || k[j] == '_') && (t[j] == '-' || t[j] == '_')))
                                break;
                if (j == n && !t[j])
                        return (key) i;
        }
        return _KEY_UNKNOWN;
}

static int warn_word(lg_cmdline *c, const word *w, const char *why) {
        _cleanup_free_ char *k = NULL, *v = NULL;

        k = lg_escape_quote(w->key, w->key_len, QUOTE_MAX);
        if (!k)
                return -ENOMEM;
        if (w->value) {
                v = lg_escape_quote(w->value, w->value_len, QUOTE_MAX);
                if (!v)
                        return -ENOMEM;
                return lg_warn(&c->warnings, "Kernel command line word \"%s=%s\" ignored: %s.", k, v, why);
        }
        return lg_warn(&c->warnings, "Kernel command line word \"%s\" ignored: %s.", k, why);
}

static int parse_list(lg_cmdline *c, const word *w, char ***list, bool allow_all) {
        const char *p = w->value, *end = w->value + w->value_len;
        int r;

        if (w->value_len == 0)
                return warn_word(c, w, "a list of names is expected");

        while (p <= end) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                size_t n = comma ? (size_t) (comma - p) : (size_t) (end - p);
                _cleanup_free_ char *name = NULL;

                if (n > 0) {
                        name = strndup(p, n);
                        if (!name)
                                return -ENOMEM;
                        if (allow_all && streq(name, "all")) {
                                c->release_all = true;
                        } else if (strlen(name) != n || !lg_name_is_valid(name)) {
                                _cleanup_free_ char *q = lg_escape_quote(p, n, QUOTE_MAX);

                                if (!q)
                                        return -ENOMEM;
                                r = lg_warn(&c->warnings,
                                            "Kernel command line: name \"%s\" in %.*s= ignored: "
                                            "not a valid module or agent name.",
                                            q, (int) MIN(w->key_len, (size_t) QUOTE_MAX), w->key);
                                if (r < 0)
                                        return r;
                        } else {
                                normalize_dashes(name);
                                if (!lg_strv_contains(*list, name)) {
                                        if (lg_strv_length(*list) >= LIST_MAX) {
                                                return warn_word(c, w,
                                                                 "too many names, the rest is ignored");
                                        }
                                        r = lg_strv_push(list, name);
                                        if (r < 0)
                                                return r;
                                }
                        }
                }
                if (!comma)
                        break;
                p = comma + 1;
        }
        return 0;
}

static int parse_bool_word(const word *w, bool *ret) {
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };

        if (!w->value) {
                *ret = true;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (w->value_len == strlen(yes[i]) && strncmp(w->value, yes[i], w->value_len) == 0) {
                        *ret = true;
                        return 0;
                }
                if (w->value_len == strlen(no[i]) && strncmp(w->value, no[i], w->value_len) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

/* The handler of one lastgood.* word: like systemd's proc_cmdline_parse()
 * callbacks it never fails on bad input, only on OOM. */
static int handle_word(lg_cmdline *c, const word *w) {
        char v[16];
        unsigned u;
        bool b;
        key k;

        k = key_lookup(w->key + strlen(PREFIX), w->key_len - strlen(PREFIX));
        if (k == _KEY_UNKNOWN)
                return warn_word(c, w, "unknown lastgood option");

        if (k != KEY_RESET && !w->value)
                return warn_word(c, w, "a value is expected");

        switch (k) {
        case KEY_MODE: {
                lg_mode m = _LG_MODE_INVALID;

                if (w->value_len < sizeof(v)) {
                        memcpy(v, w->value, w->value_len);
                        v[w->value_len] = '\0';
                        m = lg_mode_from_string(v);
                }
                if (m < 0)
                        return warn_word(c, w, "the mode is one of auto, safe, strict, normal, off");
                c->mode = m;
                return 0;
        }
        case KEY_RESET:
                if (parse_bool_word(w, &b) < 0)
                        return warn_word(c, w, "a boolean or no value is expected");
                c->reset = b;
                return 0;
        case KEY_THRESHOLD:
                if (w->value_len >= sizeof(v))
                        return warn_word(c, w, "the threshold is a number from 1 to 255");
                memcpy(v, w->value, w->value_len);
                v[w->value_len] = '\0';
                if (lg_parse_unsigned(v, 255, &u) < 0 || u == 0)
                        return warn_word(c, w, "the threshold is a number from 1 to 255");
                c->threshold = u;
                return 0;
        case KEY_RELEASE:
                return parse_list(c, w, &c->release, true);
        case KEY_BLOCK:
                return parse_list(c, w, &c->block, false);
        case KEY_ALLOW:
                return parse_list(c, w, &c->allow, false);
        default:
                return warn_word(c, w, "unknown lastgood option");
        }
}

static int empty_strv(char ***l) {
        if (*l)
                return 0;
        *l = calloc(1, sizeof(char *));
        return *l ? 0 : -ENOMEM;
}

int lg_cmdline_parse(const char *buf, size_t size, lg_cmdline *ret) {
        lg_cmdline c = { .mode = LG_MODE_AUTO };
        size_t pos = 0;
        int r = 0;

        if (!buf)
                size = 0;
        /* Stop at a NUL like a C string would; the kernel line has none. */
        if (size > 0) {
                const char *nul = memchr(buf, '\0', size);

                if (nul)
                        size = (size_t) (nul - buf);
        }
        if (size > CMDLINE_MAX) {
                r = lg_warn(&c.warnings, "Kernel command line longer than %d bytes, the rest is ignored.",
                            CMDLINE_MAX);
                if (r < 0)
                        goto fail;
                size = CMDLINE_MAX;
        }

        while (pos < size) {
                word w = {};

                pos = next_word(buf, size, pos, &w);
                if (!w.key)
                        break;
                /* As the kernel does: "--" ends its own parameters; the rest
                 * belongs to init. */
                if (w.key_len == 2 && !w.value && memcmp(w.key, "--", 2) == 0)
                        break;
                if (w.key_len <= strlen(PREFIX) || memcmp(w.key, PREFIX, strlen(PREFIX)) != 0)
                        continue;
                r = handle_word(&c, &w);
                if (r < 0)
                        goto fail;
        }

        r = empty_strv(&c.release);
        if (r >= 0)
                r = empty_strv(&c.block);
        if (r >= 0)
                r = empty_strv(&c.allow);
        if (r >= 0)
                r = empty_strv(&c.warnings);
        if (r < 0)
                goto fail;

        *ret = c;
        return 0;
fail:
        lg_cmdline_done(&c);
        return r;
}

static bool param_eq(const char *a, size_t n, const char *b) {
        size_t i;

        for (i = 0; i < n && b[i]; i++)
                if (a[i] != b[i] && !((a[i] == '-' || a[i] == '_') && (b[i] == '-' || b[i] == '_')))
                        return false;
        return i == n && !b[i];
}

bool lg_cmdline_has_kernel_word(const char *buf, size_t size, const char *name, const char *value) {
        size_t pos = 0;

        if (!buf || !name)
                return false;
        if (size > 0) {
                const char *nul = memchr(buf, '\0', size);

                if (nul)
                        size = (size_t) (nul - buf);
        }
        size = MIN(size, (size_t) CMDLINE_MAX);
        while (pos < size) {
                word w = {};

                pos = next_word(buf, size, pos, &w);
                if (!w.key)
                        break;
                if (w.key_len == 2 && !w.value && memcmp(w.key, "--", 2) == 0)
                        break;
                if (!param_eq(w.key, w.key_len, name))
                        continue;
                if (!value)
                        return true;
                if (w.value && w.value_len == strlen(value) && memcmp(w.value, value, w.value_len) == 0)
                        return true;
        }
        return false;
}
