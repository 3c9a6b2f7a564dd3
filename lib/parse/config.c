/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/lastgood/lastgood.conf, parsed with inih from a memory buffer.
 *
 * inih is fed through our own line reader (ini_parse_stream()), which
 * counts lines for "file:line:" warnings and keeps from inih what it would
 * misread: NUL and control bytes, lines longer than its line buffer (it
 * would split them and parse the tail as a line of its own), and lines that
 * are neither comment, [section] nor KEY=VALUE (inih reports only the first
 * such line). Leading white space is dropped, so inih's Python-style
 * continuation lines never happen: every line stands alone, as in systemd's
 * unit files. */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "taint.h"
#include "cmdline.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

#define CONFIG_MAX_SIZE (256 * 1024)
/* inih copies section and key names into 50-byte buffers; longer ones
 * would be cut silently. */
#define INI_NAME_MAX 40
#define LIST_MAX 256
#define QUOTE_MAX 64

typedef struct ini_stream {
        const char *source;
        const char *buf;
        size_t size, pos;
        unsigned line;
        char ***warnings;
        lg_ini_handler handler;
        void *userdata;
        int error;
} ini_stream;

static bool is_key_char(char c) {
        return isascii((unsigned char) c) && (isalnum((unsigned char) c) || c == '_');
}

static int stream_warn(ini_stream *s, const char *why) {
        int r = lg_warn(s->warnings, "%s:%u: %s", s->source, s->line, why);

        if (r < 0 && s->error == 0)
                s->error = r;
        return r;
}

/* Checks one line (already without leading blanks and line end) and says
 * why it is unusable, or NULL. */
static const char *line_problem(const char *p, size_t n) {
        const char *eq, *colon, *end;

        if (n == 0 || *p == ';' || *p == '#')
                return NULL;
        if (*p == '[') {
                end = memchr(p, ']', n);
                if (!end)
                        return "Section header without ']', line ignored.";
                if (end == p + 1 || (size_t) (end - p - 1) > INI_NAME_MAX)
                        return "Bad section name, line ignored.";
                for (const char *q = p + 1; q < end; q++)
                        if (!is_key_char(*q))
                                return "Bad section name, line ignored.";
                for (const char *q = end + 1; q < p + n; q++)
                        if (*q != ' ' && *q != '\t')
                                return "Junk after section header, line ignored.";
                return NULL;
        }
        eq = memchr(p, '=', n);
        if (!eq)
                return "Not a KEY=VALUE assignment, line ignored.";
        colon = memchr(p, ':', (size_t) (eq - p));
        if (colon)
                return "Bad key name, line ignored.";
        end = eq;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        if (end == p || (size_t) (end - p) > INI_NAME_MAX)
                return "Bad key name, line ignored.";
        for (const char *q = p; q < end; q++)
                if (!is_key_char(*q))
                        return "Bad key name, line ignored.";
        return NULL;
}

/* fgets()-like reader for ini_parse_stream(). */
static char *ini_read(char *str, int num, void *stream) {
        ini_stream *s = stream;
        const char *p, *nl, *why;
        size_t n;

        if (s->error < 0 || s->pos >= s->size || num < 4)
                return NULL;

        p = s->buf + s->pos;
        nl = memchr(p, '\n', s->size - s->pos);
        n = nl ? (size_t) (nl - p) : s->size - s->pos;
        s->pos += n + (nl ? 1 : 0);
        s->line++;
        str[0] = '\0';

        if (s->line == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
                p += 3;
                n -= 3;
        }
        if (n > 0 && p[n - 1] == '\r')
                n--;
        while (n > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                n--;
        }

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) p[i];

                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        stream_warn(s, "Line contains NUL or control characters, ignored.");
                        return s->error < 0 ? NULL : str;
                }
        }
        if (n + 3 > (size_t) num) {
                char why_long[96];

                snprintf(why_long, sizeof(why_long), "Line longer than %d bytes, ignored.", num - 3);
                stream_warn(s, why_long);
                return s->error < 0 ? NULL : str;
        }
        why = line_problem(p, n);
        if (why) {
                stream_warn(s, why);
                return s->error < 0 ? NULL : str;
        }

        /* "KEY=value   # comment", as in DESIGN.md's example: drop a '#'
         * comment that follows white space (inih does this for ';' only). */
        if (n > 0 && *p != '[' && *p != '#' && *p != ';')
                for (size_t i = 1; i < n; i++)
                        if (p[i] == '#' && (p[i - 1] == ' ' || p[i - 1] == '\t')) {
                                n = i;
                                break;
                        }

        memcpy(str, p, n);
        str[n] = '\n';
        str[n + 1] = '\0';
        return str;
}

static int ini_callback(void *user, const char *section, const char *name, const char *value) {
        ini_stream *s = user;
        int r;

        if (s->error < 0)
                return 0;
        r = s->handler(s->userdata, s->line, section, name, value);
        if (r < 0) {
                s->error = r;
                return 0;
        }
        return 1;
}

int lg_ini_parse(const char *source, const char *buf, size_t size, char ***warnings, lg_ini_handler handler,
                 void *userdata) {
        ini_stream s = {
                .source = source,
                .buf = buf,
                .size = buf ? size : 0,
                .warnings = warnings,
                .handler = handler,
                .userdata = userdata,
        };

        /* The return value of inih is the first line it disliked; our reader
         * only hands it lines it likes, and the handler reports its own. */
        (void) ini_parse_stream(ini_read, &s, ini_callback, &s);
        return s.error;
}

int lg_split_words(const char *value, int (*fn)(void *userdata, const char *word), void *userdata) {
        const char *p = value;
        int r;

        for (;;) {
                _cleanup_free_ char *w = NULL;
                size_t n;

                p += strspn(p, " \t");
                if (!*p)
                        return 0;
                n = strcspn(p, " \t");
                w = strndup(p, n);
                if (!w)
                        return -ENOMEM;
                r = fn(userdata, w);
                if (r < 0)
                        return r;
                p += n;
        }
}

bool lg_unit_name_is_valid(const char *s) {
        const char *dot;
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n > 255 || *s == '.' || *s == '-')
                return false;
        for (const char *p = s; *p; p++)
                if (!isascii((unsigned char) *p) || !(isalnum((unsigned char) *p) || strchr(":_.\\@-", *p)))
                        return false;
        dot = strrchr(s, '.');
        return dot && dot > s && dot[1] != '\0';
}

/* Config parsing state for one buffer. */
typedef struct config_parse {
        lg_config *c;
        const char *source;
        unsigned line;
} config_parse;

static int cfg_warn(config_parse *p, const char *key, const char *value, const char *why) {
        _cleanup_free_ char *v = lg_escape_quote(value, strlen(value), QUOTE_MAX);

        if (!v)
                return -ENOMEM;
        return lg_warn(&p->c->warnings, "%s:%u: %s=%s: %s", p->source, p->line, key, v, why);
}

/* Seconds, optionally with a unit: "120", "120s", "2min", "1h". */
static int parse_seconds(const char *v, unsigned max, unsigned *ret) {
        static const struct {
                const char *suffix;
                unsigned factor;
        } units[] = {
                { "", 1 }, { "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 },
        };
        char digits[16];
        size_t n = strspn(v, "0123456789");
        unsigned u;

        if (n == 0 || n >= sizeof(digits))
                return -EINVAL;
        memcpy(digits, v, n);
        digits[n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                if (!streq(v + n, units[i].suffix))
                        continue;
                if (lg_parse_unsigned(digits, max, &u) < 0 || u > max / units[i].factor)
                        return -ERANGE;
                *ret = u * units[i].factor;
                return 0;
        }
        return -EINVAL;
}

static int set_number(config_parse *p, const char *key, const char *value, unsigned *dst, unsigned def,
                      unsigned min, unsigned max, bool seconds) {
        char why[96];
        unsigned u;
        int r;

        if (!*value) {
                *dst = def;
                return 0;
        }
        r = seconds ? parse_seconds(value, max, &u) : lg_parse_unsigned(value, max, &u);
        if (r < 0 || u < min) {
                snprintf(why, sizeof(why), "%s from %u to %u expected, %u kept.",
                         seconds ? "a time in seconds" : "a number", min, max, *dst);
                return cfg_warn(p, key, value, why);
        }
        *dst = u;
        return 0;
}

static int set_bool(config_parse *p, const char *key, const char *value, bool *dst) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
                        *dst = strcasecmp(value, yes[i]) == 0;
                        return 0;
                }
        if (!*value) {
                *dst = true;
                return 0;
        }
        return cfg_warn(p, key, value, *dst ? "a boolean expected, yes kept." : "a boolean expected, no kept.");
}

typedef enum list_kind {
        LIST_UNITS,
        LIST_NAMES,
        LIST_DIRS,
} list_kind;

typedef struct list_ctx {
        config_parse *p;
        const char *key;
        char ***list;
        list_kind kind;
} list_ctx;

static bool dir_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 255 || *s == '/')
                return false;
        for (const char *q = s; *q; q++)
                if (!isascii((unsigned char) *q) || !(isalnum((unsigned char) *q) || strchr("_.@+-/", *q)))
                        return false;
        /* No "." or ".." component: the folder must stay below the
         * kernel's module folder. */
        for (const char *q = s; *q;) {
                size_t c = strcspn(q, "/");

                if (c == 0 || (c == 1 && q[0] == '.') || (c == 2 && q[0] == '.' && q[1] == '.'))
                        return false;
                q += c;
                if (*q == '/')
                        q++;
        }
        return true;
}

static int list_add(void *userdata, const char *word) {
        list_ctx *l = userdata;
        _cleanup_free_ char *w = strdup(word);
        bool ok;

        if (!w)
                return -ENOMEM;
        switch (l->kind) {
        case LIST_UNITS:
                ok = lg_unit_name_is_valid(w);
                break;
        case LIST_NAMES:
                ok = lg_name_is_valid(w);
                if (ok)
                        for (char *q = w; *q; q++)
                                if (*q == '-')
                                        *q = '_';
                break;
        case LIST_DIRS:
        default: {
                size_t n = strlen(w);

                while (n > 1 && w[n - 1] == '/')
                        w[--n] = '\0';
                ok = dir_is_valid(w);
                break;
        }
        }
        if (!ok)
                return cfg_warn(l->p, l->key, word,
                                l->kind == LIST_UNITS   ? "not a valid unit name, ignored."
                                : l->kind == LIST_NAMES ? "not a valid module or agent name, ignored."
                                                        : "not a folder below /lib/modules/KVER, ignored.");
        if (lg_strv_contains(*l->list, w))
                return 0;
        if (lg_strv_length(*l->list) >= LIST_MAX)
                return cfg_warn(l->p, l->key, word, "too many entries, ignored.");
        return lg_strv_push(l->list, w);
}

static int set_list(config_parse *p, const char *key, const char *value, char ***list, list_kind kind) {
        list_ctx l = { .p = p, .key = key, .list = list, .kind = kind };

        /* An empty assignment resets the list, as in systemd unit files. */
        if (!*value) {
                lg_strv_free(*list);
                *list = calloc(1, sizeof(char *));
                return *list ? 0 : -ENOMEM;
        }
        return lg_split_words(value, list_add, &l);
}

/* MetricsFile=: an absolute path of a file, no "..", no control
 * characters; empty turns it off. */
static int set_metrics_file(config_parse *p, const char *key, const char *value, char **dst) {
        bool ok = value[0] == '/' && value[strlen(value) - 1] != '/' && !strstr(value, "/../") &&
                  !strstr(value, "/./") && strlen(value) < 4096;

        for (const char *q = value; ok && *q; q++)
                ok = (unsigned char) *q >= 0x20 && *q != 0x7f;
        if (!*value) {
                free(*dst);
                *dst = NULL;
                return 0;
        }
        if (!ok || (strlen(value) >= 3 && streq(value + strlen(value) - 3, "/..")))
                return cfg_warn(p, key, value, "not an absolute file path, ignored.");
        free(*dst);
        *dst = strdup(value);
        return *dst ? 0 : -ENOMEM;
}

static int config_handler(void *userdata, unsigned line, const char *section, const char *key,
                          const char *value) {
        config_parse *p = userdata;
        lg_config *c = p->c;

        p->line = line;
        if (streq(section, "Boot")) {
                if (streq(key, "Threshold"))
                        return set_number(p, key, value, &c->threshold, LG_DEFAULT_THRESHOLD, 1, 255, false);
                if (streq(key, "PanicRebootSec"))
                        return set_number(p, key, value, &c->panic_reboot_sec, LG_DEFAULT_PANIC_REBOOT_SEC, 0,
                                          3600, true);
                if (streq(key, "HangResetSec"))
                        return set_number(p, key, value, &c->hang_reset_sec, LG_DEFAULT_HANG_RESET_SEC, 0,
                                          65535, true);
                if (streq(key, "PanicOnOops"))
                        return set_bool(p, key, value, &c->panic_on_oops);
                if (streq(key, "SoftLockupPanic"))
                        return set_bool(p, key, value, &c->softlockup_panic);
                if (streq(key, "HardLockupPanic"))
                        return set_bool(p, key, value, &c->hardlockup_panic);
        } else if (streq(section, "Health")) {
                if (streq(key, "StableSec"))
                        return set_number(p, key, value, &c->stable_sec, LG_DEFAULT_STABLE_SEC, 0, 604800,
                                          true);
                if (streq(key, "ProveSec"))
                        return set_number(p, key, value, &c->prove_sec, LG_DEFAULT_PROVE_SEC, 0, 604800,
                                          true);
                if (streq(key, "CheckTimeoutSec"))
                        return set_number(p, key, value, &c->check_timeout_sec, LG_DEFAULT_CHECK_TIMEOUT_SEC,
                                          1, 3600, true);
                if (streq(key, "RequireUnits"))
                        return set_list(p, key, value, &c->require_units, LIST_UNITS);
                if (streq(key, "MetricsFile"))
                        return set_metrics_file(p, key, value, &c->metrics_file);
                if (streq(key, "TaintFlags")) {
                        unsigned long m;

                        if (lg_taint_parse(value, &m) < 0)
                                return cfg_warn(p, key, value, "not taint letters (D W L ...), ignored.");
                        c->taint_mask = m;
                        return 0;
                }
        } else if (streq(section, "Modules")) {
                if (streq(key, "Allow"))
                        return set_list(p, key, value, &c->allow, LIST_NAMES);
                if (streq(key, "ThirdPartyDirs"))
                        return set_list(p, key, value, &c->third_party_dirs, LIST_DIRS);
        } else if (!*section) {
                return lg_warn(&c->warnings,
                               "%s:%u: %s= before any section ([Boot], [Health] or [Modules]), ignored.",
                               p->source, line, key);
        } else {
                return lg_warn(&c->warnings, "%s:%u: Unknown section [%s], %s= ignored.", p->source, line,
                               section, key);
        }
        return lg_warn(&c->warnings, "%s:%u: Unknown key %s= in section [%s], ignored.", p->source, line,
                       key, section);
}

static int strv_new_empty(char ***l) {
        *l = calloc(1, sizeof(char *));
        return *l ? 0 : -ENOMEM;
}

int lg_config_init(lg_config *c) {
        static const char *const dirs[] = { "updates", "extra", "weak-updates", "dkms" };
        lg_config n = {
                .threshold = LG_DEFAULT_THRESHOLD,
                .stable_sec = LG_DEFAULT_STABLE_SEC,
                .prove_sec = LG_DEFAULT_PROVE_SEC,
                .check_timeout_sec = LG_DEFAULT_CHECK_TIMEOUT_SEC,
                .panic_reboot_sec = LG_DEFAULT_PANIC_REBOOT_SEC,
                .panic_on_oops = true,
                .softlockup_panic = true,
                .hardlockup_panic = true,
                .hang_reset_sec = LG_DEFAULT_HANG_RESET_SEC,
                .taint_mask = LG_TAINT_DEFAULT,
        };
        int r;

        r = strv_new_empty(&n.require_units);
        if (r >= 0)
                r = strv_new_empty(&n.allow);
        if (r >= 0)
                r = strv_new_empty(&n.warnings);
        if (r >= 0)
                r = strv_new_empty(&n.third_party_dirs);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dirs); i++)
                r = lg_strv_push(&n.third_party_dirs, dirs[i]);
        if (r < 0) {
                lg_config_done(&n);
                return r;
        }
        *c = n;
        return 0;
}

int lg_config_parse(lg_config *c, const char *source, const char *buf, size_t size) {
        config_parse p = { .c = c, .source = source ?: "lastgood.conf" };

        return lg_ini_parse(p.source, buf, size, &c->warnings, config_handler, &p);
}

int lg_config_load(const lg_root *root, lg_config *c) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = lg_config_init(c);
        if (r < 0)
                return r;

        r = lg_root_read_file(root, LG_CONFIG_PATH, CONFIG_MAX_SIZE, &buf, &size);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return lg_warn(&c->warnings, "%s: cannot be read (%s), defaults used.", LG_CONFIG_PATH,
                               r == -EFBIG ? "larger than 256 KiB" : strerror(-r));

        return lg_config_parse(c, LG_CONFIG_PATH, buf, size);
}

void lg_config_done(lg_config *c) {
        if (!c)
                return;
        c->require_units = lg_strv_free(c->require_units);
        c->allow = lg_strv_free(c->allow);
        c->third_party_dirs = lg_strv_free(c->third_party_dirs);
        c->warnings = lg_strv_free(c->warnings);
        free(c->metrics_file);
        c->metrics_file = NULL;
}
