/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the facts out of a kernel crash log: one pass over the lines,
 * each line normalized first (syslog and printk-time prefixes, mail quote
 * markers, CR, bytes that are not printable ASCII), then matched against
 * the forms the kernel prints. Work is linear in the input and every kept
 * string is bounded, so hostile input costs time proportional to its size
 * and a bounded amount of memory. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crash-internal.h"
#include "macro.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t fnv1a(uint32_t h, const char *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char) s[i];
                h *= FNV_PRIME;
        }
        return h;
}

static bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool crash_modname_valid(const char *s, size_t n) {
        if (n == 0 || n > CRASH_MODNAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && s[i] != '_' && s[i] != '-')
                        return false;
        return true;
}

static void copy_modname(char dst[static CRASH_MODNAME_MAX + 1], const char *s, size_t n) {
        /* Callers validated n <= CRASH_MODNAME_MAX. */
        for (size_t i = 0; i < n; i++)
                dst[i] = s[i] == '-' ? '_' : s[i];
        dst[n] = 0;
}

static bool is_hex(char c) {
        return isxdigit((unsigned char) c);
}

/* "[   12.345678]" at p: returns the position after ']' or NULL. */
static const char *skip_timestamp(const char *p) {
        const char *q = p;
        bool digits = false;

        if (*q != '[')
                return NULL;
        q++;
        while (*q == ' ')
                q++;
        while (isdigit((unsigned char) *q))
                q++, digits = true;
        if (!digits || *q != '.')
                return NULL;
        q++;
        if (!isdigit((unsigned char) *q))
                return NULL;
        while (isdigit((unsigned char) *q))
                q++;
        if (*q != ']')
                return NULL;
        return q + 1;
}

/* Normalizes one raw line into out (NUL-terminated, at most CRASH_LINE_MAX
 * bytes): returns its length. The result has no prefix, no leading or
 * trailing blanks, and only printable ASCII. */
static size_t normalize_line(const char *raw, size_t n, char *out) {
        char buf[CRASH_LINE_MAX + 1];
        size_t len = 0;
        const char *p, *q;

        /* First pass: printable ASCII only, so every later match and every
         * evidence string is clean (a log may carry any bytes). */
        for (size_t i = 0; i < n && len < CRASH_LINE_MAX; i++) {
                unsigned char c = raw[i];
                if (c == '\r')
                        continue;
                if (c == '\t')
                        c = ' ';
                else if (c < 0x20 || c >= 0x7f)
                        c = '?';
                buf[len++] = (char) c;
        }
        buf[len] = 0;
        p = buf;

        /* Mail quote markers: "> ", "> > ", ">>". */
        while (*p == '>' || (*p == ' ' && p[1] == '>'))
                p++;
        while (*p == ' ')
                p++;

        /* printk level "<4>". */
        if (p[0] == '<' && isdigit((unsigned char) p[1]) && p[2] == '>')
                p += 3;

        /* syslog/journal: "Jan  1 12:00:00 host kernel: ". */
        q = memmem(p, MIN(strlen(p), (size_t) 104), "kernel: ", 8);
        if (q && (q == p || q[-1] == ' '))
                p = q + strlen("kernel: ");

        /* printk time "[  12.345678]", possibly after debris of other
         * interleaved output (consoles mix lines), then a caller id
         * "[  T123]" / "[C1]". */
        for (q = p; *q && q - p < 64; q++)
                if (*q == '[') {
                        const char *e = skip_timestamp(q);
                        if (e) {
                                p = e;
                                break;
                        }
                }
        while (*p == ' ')
                p++;
        if (*p == '[' && (p[1] == 'T' || p[1] == 'C' || p[1] == ' ')) {
                q = p + 1;
                while (*q == ' ')
                        q++;
                if (*q == 'T' || *q == 'C') {
                        const char *d = q + 1;
                        while (isdigit((unsigned char) *d))
                                d++;
                        if (d > q + 1 && *d == ']')
                                p = d + 1;
                }
        }
        while (*p == ' ')
                p++;

        len = strlen(p);
        while (len > 0 && p[len - 1] == ' ')
                len--;
        memcpy(out, p, len);
        out[len] = 0;
        return len;
}

typedef struct sym {
        char func[CRASH_FUNC_MAX + 1];
        char module[CRASH_MODNAME_MAX + 1];
} sym;

/* "func+0x1a/0x230 [mod]" (also "func+0x1a/0x230" alone, and the old
 * "func+0x1a" without size) at p. Returns the position after it or NULL. */
static const char *parse_symbol(const char *p, sym *ret) {
        const char *s = p, *q;
        size_t n;

        while (isalnum((unsigned char) *p) || (*p && strchr("_.$@", *p)))
                p++;
        n = p - s;
        if (n == 0 || p[0] != '+' || p[1] != '0' || p[2] != 'x' || !is_hex(p[3]))
                return NULL;
        p += 3;
        while (is_hex(*p))
                p++;
        if (p[0] == '/' && p[1] == '0' && p[2] == 'x') {
                p += 3;
                while (is_hex(*p))
                        p++;
        }
        if (n > CRASH_FUNC_MAX)
                n = CRASH_FUNC_MAX;
        memcpy(ret->func, s, n);
        ret->func[n] = 0;
        ret->module[0] = 0;

        q = p;
        while (*q == ' ')
                q++;
        if (*q == '[' && q[1] != '<') {
                const char *m = q + 1, *e = strchr(m, ']');
                if (e && crash_modname_valid(m, e - m)) {
                        copy_modname(ret->module, m, e - m);
                        p = e + 1;
                }
        }
        return p;
}

/* Skips "[<ffffffff81164682>]" blocks and blanks. */
static const char *skip_addresses(const char *p) {
        for (;;) {
                while (*p == ' ')
                        p++;
                if (p[0] != '[' || p[1] != '<')
                        return p;
                const char *e = strstr(p, ">]");
                if (!e)
                        return p;
                p = e + 2;
        }
}

/* The slot of name in the index: where it is, or the empty slot where it
 * goes. The table is twice the bound on modules, so it never fills. */
static size_t module_slot(const crash_facts *f, const char *name) {
        size_t mask = ELEMENTSOF(f->module_index) - 1;
        size_t h = fnv1a(FNV_OFFSET, name, strlen(name)) & mask;

        while (f->module_index[h] != 0 && !streq(f->modules[f->module_index[h] - 1].name, name))
                h = (h + 1) & mask;
        return h;
}

crash_module *crash_facts_find_module(crash_facts *f, const char *name) {
        size_t h = module_slot(f, name);
        return f->module_index[h] ? &f->modules[f->module_index[h] - 1] : NULL;
}

static crash_module *add_module(crash_facts *f, const char *s, size_t n) {
        char name[CRASH_MODNAME_MAX + 1];
        crash_module *m;

        if (!crash_modname_valid(s, n))
                return NULL;
        copy_modname(name, s, n);
        size_t h = module_slot(f, name);
        if (f->module_index[h])
                return &f->modules[f->module_index[h] - 1];
        if (f->n_modules >= CRASH_MAX_MODULES)
                return NULL;
        if (f->n_modules % 64 == 0) {
                crash_module *a = realloc(f->modules, (f->n_modules + 64) * sizeof(crash_module));
                if (!a)
                        return NULL;
                f->modules = a;
        }
        m = &f->modules[f->n_modules++];
        *m = (crash_module) {};
        memcpy(m->name, name, n + 1);
        f->module_index[h] = (uint16_t) f->n_modules;
        return m;
}

/* One "Modules linked in:" line or continuation. Returns false when the
 * line does not look like a module list (so a continuation ends). */
static bool parse_module_tokens(crash_facts *f, const char *p, bool first, bool cut, bool *in_unloaded) {
        const char *start = p, *last = NULL;

        /* In a record cut mid-line the last token may be a cut name or
         * marker ("foo(O"): it says nothing. */
        if (cut) {
                last = strrchr(start, ' ');
                last = last ? last + 1 : start;
        }

        /* A continuation must consist of module tokens only: check first. */
        if (!first) {
                bool any = false, u = *in_unloaded;
                for (const char *q = p; *q;) {
                        while (*q == ' ')
                                q++;
                        if (!*q)
                                break;
                        const char *t = q;
                        while (*q && *q != ' ')
                                q++;
                        size_t n = q - t;
                        if (u || startswith(t, "[last")) {
                                u = t[n - 1] != ']';
                                any = true;
                                continue;
                        }
                        const char *paren = memchr(t, '(', n);
                        size_t nn = paren ? (size_t) (paren - t) : n;
                        if (!crash_modname_valid(t, nn) && nn <= CRASH_MODNAME_MAX)
                                return false;
                        if (paren && t[n - 1] != ')')
                                return false;
                        any = true;
                }
                if (!any)
                        return false;
        }

        for (p = start; *p;) {
                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                const char *t = p;
                while (*p && *p != ' ')
                        p++;
                size_t n = p - t;
                if (t == last)
                        break;

                /* "[last unloaded: x]" names a module that is gone: no evidence. */
                if (*in_unloaded || startswith(t, "[last")) {
                        *in_unloaded = t[n - 1] != ']';
                        continue;
                }
                const char *paren = memchr(t, '(', n);
                size_t nn = paren ? (size_t) (paren - t) : n;
                crash_module *m = add_module(f, t, nn);
                if (!m)
                        continue;
                m->in_list = true;
                if (paren && t[n - 1] == ')') {
                        size_t fl = n - nn - 2, k = strlen(m->flags);
                        for (size_t i = 0; i < fl && k < sizeof(m->flags) - 1; i++)
                                if (isupper((unsigned char) paren[1 + i]) && !strchr(m->flags, paren[1 + i]))
                                        m->flags[k++] = paren[1 + i];
                        m->flags[k] = 0;
                }
        }
        return true;
}

static bool is_taint_flags(const char *t, size_t n) {
        /* The letters of the kernel's taint_flags table (kernel/panic.c). */
        for (size_t i = 0; i < n; i++)
                if (!strchr("GPFSRMBUDAWCIOELKXTNJ", t[i]))
                        return false;
        return n > 0;
}

static bool is_version(const char *t, size_t n) {
        if (n == 0 || n > 96 || !isdigit((unsigned char) t[0]) || !memchr(t, '.', n))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) t[i]) && !strchr("._+~-", t[i]))
                        return false;
        return true;
}

static void note_taint_letters(crash_facts *f, const char *letters) {
        for (const char *c = letters; *c; c++)
                if (strchr("OPEX", *c))
                        f->taint_oot = true;
}

/* "Tainted: P           OE     5.15.0-47-lowlatency #53-Ubuntu",
 * "Not tainted 3.3.7-1.fc16.x86_64 #1", "Tainted: [D]=DIE, [O]=OOT_MODULE".
 * Returns 1 when a kernel version is still expected on the next line,
 * 2 when the version on this line was cut at its end. */
static int parse_taint(crash_facts *f, const char *line) {
        const char *p;
        char taint[64] = "";
        size_t tl = 0;

        if ((p = strstr(line, "Not tainted"))) {
                if (f->taint_known)
                        return 0;
                f->taint_known = f->not_tainted = true;
                p += strlen("Not tainted");
        } else if ((p = strstr(line, "Tainted: "))) {
                p += strlen("Tainted: ");
                while (*p == ' ')
                        p++;
                if (*p == '[') {
                        /* New form: one "[X]=NAME" per flag; only when the old
                         * form was not seen (it prints the same flags). */
                        if (f->taint_known)
                                return 0;
                        for (const char *q = p; (q = strchr(q, '[')); q++)
                                if (q[1] && q[2] == ']' && isupper((unsigned char) q[1]) && tl < sizeof(taint) - 1)
                                        taint[tl++] = q[1];
                        taint[tl] = 0;
                        if (tl > 0) {
                                f->taint_known = true;
                                f->taint = strdup(taint);
                                note_taint_letters(f, taint);
                        }
                        return 0;
                }
                if (f->taint_known)
                        return 0;
                for (;;) {
                        while (*p == ' ')
                                p++;
                        const char *t = p;
                        while (*p && *p != ' ')
                                p++;
                        if (!is_taint_flags(t, p - t) || tl + (p - t) + 2 >= sizeof(taint))
                                break;
                        if (tl > 0)
                                taint[tl++] = ' ';
                        memcpy(taint + tl, t, p - t);
                        tl += p - t;
                        taint[tl] = 0;
                }
                if (tl == 0)
                        return 0;
                f->taint_known = true;
                f->taint = strdup(taint);
                note_taint_letters(f, taint);
                p = strstr(line, "Tainted: ") + strlen("Tainted: ");
                /* Find the version after the flags. */
                for (;;) {
                        while (*p == ' ')
                                p++;
                        const char *t = p;
                        while (*p && *p != ' ')
                                p++;
                        if (p == t || !is_taint_flags(t, p - t)) {
                                p = t;
                                break;
                        }
                }
                while (*p == ' ')
                        p++;
        } else
                return 0;

        while (*p == ' ')
                p++;
        const char *t = p;
        while (*p && *p != ' ')
                p++;
        if (f->kernel || !is_version(t, p - t))
                return *t ? 0 : 1;
        f->kernel = strndup(t, p - t);
        return (!*p && p[-1] == '-') ? 2 : 0;
}

/* The version that the poster's line wrapping moved to the next line. */
static void continue_version(crash_facts *f, const char *line, int mode) {
        const char *p = line;
        while (*p && *p != ' ')
                p++;
        if (p == line)
                return;
        if (mode == 1) {
                if (!f->kernel && is_version(line, p - line))
                        f->kernel = strndup(line, p - line);
        } else if (mode == 2 && f->kernel) {
                size_t a = strlen(f->kernel), b = p - line;
                char *k;
                if (a + b > 96)
                        return;
                k = malloc(a + b + 1);
                if (!k)
                        return;
                memcpy(k, f->kernel, a);
                memcpy(k + a, line, b);
                k[a + b] = 0;
                free(f->kernel);
                f->kernel = k;
        }
}

static bool is_helper_headline_panic(const char *reason) {
        (void) reason;
        return false;
}

/* What a headline line says, before it is known whether it starts a new
 * report (kept small: it is filled for every line). */
typedef struct crash_head {
        char head_module[CRASH_MODNAME_MAX + 1];
        char head_func[CRASH_FUNC_MAX + 1];
        char *bug_path;
        bool warn_pending_symbol;
        int oops_no;
} crash_head;

/* Classifies a headline. Fills module/func/path where the line names one. */
static crash_kind classify_headline(const char *s, crash_head *r) {
        const char *p;
        sym y;

        if (startswith(s, "BUG: KASAN: ") || startswith(s, "BUG: KFENCE: ")) {
                p = strstr(s, " in ");
                if (p && parse_symbol(p + 4, &y)) {
                        memcpy(r->head_module, y.module, sizeof(y.module));
                        memcpy(r->head_func, y.func, sizeof(y.func));
                }
                return CRASH_KIND_KASAN;
        }
        if (strstr(s, "BUG: soft lockup") || strstr(s, "Watchdog detected hard LOCKUP") ||
            (startswith(s, "INFO: task ") && strstr(s, " blocked for more than ")) ||
            strstr(s, "self-detected stall on CPU") || strstr(s, "rcu_sched detected stalls") ||
            strstr(s, "rcu_preempt detected stalls"))
                return CRASH_KIND_LOCKUP;
        if (startswith(s, "kernel BUG at ")) {
                p = s + strlen("kernel BUG at ");
                const char *e = strrchr(p, ':');
                r->bug_path = strndup(p, e ? (size_t) (e - p) : strlen(p));
                return CRASH_KIND_KBUG;
        }
        if (startswith(s, "BUG: ") || startswith(s, "Unable to handle kernel ") || startswith(s, "unable to handle kernel "))
                return CRASH_KIND_BUG;
        if (startswith(s, "WARNING: ")) {
                p = strstr(s, " at ");
                if (p) {
                        p += 4;
                        const char *e = p;
                        while (*e && *e != ' ')
                                e++;
                        const char *colon = e;
                        while (colon > p && *colon != ':')
                                colon--;
                        if (colon > p && strchr(p, '/') && strchr(p, '/') < e)
                                r->bug_path = strndup(p, colon - p);
                        while (*e == ' ')
                                e++;
                        if (*e && parse_symbol(e, &y))
                                memcpy(r->head_module, y.module, sizeof(y.module));
                        else if (!*e)
                                r->warn_pending_symbol = true;
                }
                return CRASH_KIND_WARN;
        }
        if (startswith(s, "Oops") || startswith(s, "Internal error: Oops")) {
                p = strstr(s, "[#");
                if (p)
                        r->oops_no = atoi(p + 2);
                return CRASH_KIND_OOPS;
        }
        if (startswith(s, "general protection fault") || startswith(s, "divide error:") ||
            startswith(s, "invalid opcode:") || startswith(s, "invalid operand:") ||
            startswith(s, "stack segment:") || startswith(s, "double fault:") ||
            startswith(s, "Internal error: ")) {
                p = strstr(s, "[#");
                if (p)
                        r->oops_no = atoi(p + 2);
                return CRASH_KIND_TRAP;
        }
        if (startswith(s, "Kernel panic - not syncing: ")) {
                p = s + strlen("Kernel panic - not syncing: ");
                if (*p == '[' && !is_helper_headline_panic(p)) {
                        const char *e = strchr(p, ']');
                        if (e && crash_modname_valid(p + 1, e - p - 1))
                                copy_modname(r->head_module, p + 1, e - p - 1);
                }
                return CRASH_KIND_PANIC;
        }
        if (startswith(s, "PANIC at ")) {
                /* SPL: "PANIC at arc.c:6787:arc_release()" */
                p = strrchr(s, ':');
                if (p) {
                        const char *e = strchr(p, '(');
                        size_t n = e ? (size_t) (e - p - 1) : strlen(p + 1);
                        if (n > 0 && n <= CRASH_FUNC_MAX) {
                                memcpy(r->head_func, p + 1, n);
                                r->head_func[n] = 0;
                        }
                }
                return CRASH_KIND_SPLPANIC;
        }
        if (strstr(s, "[ cut here ]") || (startswith(s, "VERIFY") && strstr(s, ") failed")))
                return CRASH_KIND_MARKER;
        return CRASH_KIND_NONE;
}

/* The faulting-instruction forms. Returns true when the line is one;
 * *user is set for user-mode register dumps (after a trace). */
static bool parse_fault_line(const char *s, crash_report *r, bool *is_lr) {
        const char *p = NULL;
        sym y;

        *is_lr = false;
        if (startswith(s, "RIP: ") || startswith(s, "EIP: ") || startswith(s, "IP: ") ||
            startswith(s, "RIP  [<") || startswith(s, "EIP: [<") || startswith(s, "NIP ["))
                p = strchr(s, ' ');
        else if (startswith(s, "pc : ") || startswith(s, "lr : "))
                p = s + 5, *is_lr = s[0] == 'l';
        else if (startswith(s, "PC is at ") || startswith(s, "EIP is at ") || startswith(s, "RIP is at ") ||
                 startswith(s, "IP is at ") || startswith(s, "LR is at "))
                p = strstr(s, " at ") + 4, *is_lr = s[0] == 'L';
        else
                return false;

        while (*p == ' ')
                p++;
        if (startswith(s, "NIP [")) {
                p = strchr(s, ']');
                p = p ? p + 1 : s + strlen(s);
                while (*p == ' ')
                        p++;
        }
        /* Code segment "0010:" / "0060:"; CPL 3 means user mode. */
        if (is_hex(p[0]) && is_hex(p[1]) && is_hex(p[2]) && is_hex(p[3]) && p[4] == ':') {
                unsigned long cs = strtoul(p, NULL, 16);
                if ((cs & 3) == 3)
                        return false;
                p += 5;
        }
        p = skip_addresses(p);
        if (parse_symbol(p, &y)) {
                if (*is_lr) {
                        if (!r->lr_symbol) {
                                r->lr_symbol = true;
                                memcpy(r->lr_module, y.module, sizeof(y.module));
                                free(r->lr_line);
                                r->lr_line = strdup(s);
                        }
                        return true;
                }
                if (r->loc == CRASH_LOC_SYMBOL)
                        return true;
                r->loc = CRASH_LOC_SYMBOL;
                memcpy(r->rip_module, y.module, sizeof(y.module));
                memcpy(r->rip_func, y.func, sizeof(y.func));
                free(r->rip_line);
                r->rip_line = strdup(s);
                return true;
        }
        if (*is_lr || r->loc == CRASH_LOC_SYMBOL)
                return true;
        /* Unsymbolized: "0x7ff539ace2e9" is user space; an address in
         * x86-64's module area (from 0xffffffffa0000000) is module code
         * the kernel could not name. */
        if (p[0] == '0' && p[1] == 'x') {
                const char *h = p + 2;
                size_t n = 0;
                while (is_hex(h[n]))
                        n++;
                if (n == 16 && h[0] >= '0' && h[0] <= '7')
                        return false;
                if (n == 16 && strncasecmp(h, "ffffffffa", 9) >= 0)
                        r->rip_module_space = true;
        }
        if (!r->rip_line)
                r->rip_line = strdup(s);
        return true;
}

static void add_frame(crash_report *r, const char *s) {
        const char *p = skip_addresses(s);
        bool reliable = true;
        sym y;

        if (*p == '(')  /* old arm: "[<bf000000>] (func+0x10/0x20 [mod]) from [<...>]" */
                p++;
        if (p[0] == '?' && p[1] == ' ') {
                reliable = false;
                p += 2;
        }
        if (!parse_symbol(p, &y))
                return;
        if (r->warn_pending_symbol) {
                r->warn_pending_symbol = false;
                memcpy(r->head_module, y.module, sizeof(y.module));
                return;
        }
        if (r->n_frames >= CRASH_MAX_FRAMES)
                return;
        crash_frame *fr = &r->frames[r->n_frames];
        fr->line = strdup(s);
        if (!fr->line)
                return;
        memcpy(fr->func, y.func, sizeof(y.func));
        memcpy(fr->module, y.module, sizeof(y.module));
        fr->reliable = reliable;
        r->n_frames++;
}

static bool looks_like_frame(const char *s) {
        const char *p = skip_addresses(s);
        sym y;

        if (*p == '(')
                p++;
        if (p[0] == '?' && p[1] == ' ')
                p += 2;
        return parse_symbol(p, &y) != NULL;
}

/* "CPU: 1 PID: 4566 Comm: mount Tainted: ...", "CPU: 0 UID: 0 PID: 1
 * Comm: systemd Not tainted ...", old "Pid: 1234, comm: foo Tainted: ...".
 * The name may hold blanks: it ends at the taint words or the line's end. */
static void parse_comm(crash_report *r, const char *s) {
        const char *p = strstr(s, "Comm: "), *e;
        size_t n;

        if (r->comm_line)
                return;
        if (p && (startswith(s, "CPU: ") || startswith(s, "Pid: ")))
                p += strlen("Comm: ");
        else if (startswith(s, "Pid: ") && (p = strstr(s, ", comm: ")))
                p += strlen(", comm: ");
        else
                return;
        e = strstr(p, " Not tainted");
        if (!e)
                e = strstr(p, " Tainted:");
        if (!e)
                e = p + strlen(p);
        n = e - p;
        if (n == 0 || n > CRASH_COMM_MAX + 5)
                return;
        n = MIN(n, (size_t) CRASH_COMM_MAX);
        memcpy(r->comm, p, n);
        r->comm[n] = 0;
        r->comm_line = strdup(s);
}

static void report_free(crash_report *r) {
        free(r->comm_line);
        r->comm_line = NULL;
        r->comm[0] = 0;
        free(r->headline);
        free(r->bug_path);
        free(r->rip_line);
        free(r->lr_line);
        free(r->wq_line);
        for (size_t i = 0; i < r->n_frames; i++)
                free(r->frames[i].line);
        /* Field by field: the frame table is large and only read up to
         * n_frames, and a hostile log may start a report on every line. */
        r->kind = CRASH_KIND_NONE;
        r->headline = r->bug_path = r->rip_line = r->lr_line = r->wq_line = NULL;
        r->head_module[0] = r->head_func[0] = r->rip_module[0] = r->rip_func[0] = 0;
        r->lr_module[0] = r->wq_module[0] = 0;
        r->warn_pending_symbol = r->rip_module_space = r->lr_symbol = r->done = false;
        r->oops_no = 0;
        r->loc = CRASH_LOC_UNKNOWN;
        r->n_frames = 0;
        r->hash = 0;
}

void crash_facts_done(crash_facts *f) {
        free(f->kernel);
        free(f->taint);
        for (size_t i = 0; i < f->n_modules; i++)
                free(f->modules[i].oot_evidence);
        free(f->modules);
        report_free(&f->first);
        free(f->later_headline);
        free(f->panic_on_warn);
        *f = (crash_facts) {};
}

/* "NAME: loading out-of-tree module taints kernel." and the other lines
 * load_module() prints when a module taints the kernel. */
static void parse_taint_line(crash_facts *f, const char *s) {
        const char *c = strchr(s, ':');
        if (!c || c == s)
                return;
        if (!strstr(c, "loading out-of-tree module taints kernel") &&
            !(strstr(c, "module license") && strstr(c, "taints kernel")) &&
            !strstr(c, "module verification failed"))
                return;
        crash_module *m = add_module(f, s, c - s);
        if (m && !m->oot_line) {
                m->oot_line = true;
                m->oot_evidence = strdup(s);
        }
}

int crash_parse(const char *text, size_t size, crash_facts *ret) {
        _cleanup_free_ char *line = malloc(CRASH_LINE_MAX + 1);
        crash_facts f = {};
        crash_report later = {};
        crash_report *cur = NULL;   /* &f.first, &later, or NULL before any report */
        bool in_modules = false, in_unloaded = false;
        unsigned module_lines = 0;
        int version_pending = 0;
        uint32_t th = FNV_OFFSET;

        if (!line)
                return -ENOMEM;
        f.first.hash = FNV_OFFSET;

        for (size_t pos = 0; pos < size;) {
                const char *raw = text + pos;
                const char *nl = memchr(raw, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - raw) : size - pos;
                pos += n + 1;

                size_t len = normalize_line(raw, n, line);
                if (len == 0) {
                        in_modules = false;
                        continue;
                }
                th = fnv1a(th, line, len);

                if (version_pending) {
                        int m = version_pending;
                        version_pending = 0;
                        continue_version(&f, line, m);
                }
                if (in_modules && ++module_lines > 64)
                        in_modules = false;
                if (in_modules) {
                        if (parse_module_tokens(&f, line, false, !nl, &in_unloaded))
                                continue;
                        in_modules = false;
                }

                const char *s = line;
                if (startswith(s, "Modules linked in:")) {
                        in_unloaded = false;
                        module_lines = 0;
                        parse_module_tokens(&f, s + strlen("Modules linked in:"), true, !nl, &in_unloaded);
                        in_modules = true;
                        continue;
                }
                /* "Kernel panic - not syncing: panic_on_warn set ...", since
                 * 6.2 "...: kernel: panic_on_warn set" (whose "kernel: "
                 * the syslog-prefix rule above already took away). */
                if (f.have_first && (startswith(s, "Kernel panic - not syncing: ") || startswith(s, "panic_on_warn set"))) {
                        f.panic_after_first = true;
                        if (strstr(s, "panic_on_warn set") && !f.panic_on_warn)
                                f.panic_on_warn = strdup(s);
                }
                if (cur && (startswith(s, "CPU: ") || startswith(s, "Pid: ")))
                        parse_comm(cur, s);
                if (strstr(s, "ainted")) {
                        int r = parse_taint(&f, s);
                        if (r)
                                version_pending = r;
                }
                parse_taint_line(&f, s);

                crash_head tmp;
                tmp.head_module[0] = tmp.head_func[0] = 0;
                tmp.bug_path = NULL;
                tmp.warn_pending_symbol = false;
                tmp.oops_no = 0;
                crash_kind k = classify_headline(s, &tmp);
                bool is_fault = startswith(s, "RIP") || startswith(s, "EIP") || startswith(s, "IP") ||
                                startswith(s, "pc : ") || startswith(s, "PC is at") || startswith(s, "NIP [");
                bool is_end = strstr(s, "---[ end trace") || strstr(s, "---[ end Kernel panic");

                if (k != CRASH_KIND_NONE) {
                        bool start_new = false;
                        if (!cur)
                                start_new = true;
                        else if (k == CRASH_KIND_PANIC)
                                start_new = false; /* a panic follows its oops */
                        else if (cur->done)
                                start_new = true;
                        else if (cur->oops_no > 0 && tmp.oops_no > 0 && tmp.oops_no != cur->oops_no)
                                start_new = true;
                        else if (cur->loc == CRASH_LOC_SYMBOL && cur->n_frames > 0 && k != CRASH_KIND_OOPS)
                                start_new = true;

                        if (start_new) {
                                f.reports++;
                                if (!f.have_first) {
                                        f.have_first = true;
                                        cur = &f.first;
                                } else {
                                        report_free(&later);
                                        cur = &later;
                                }
                        }
                        if (cur->kind == CRASH_KIND_NONE || cur->kind == CRASH_KIND_MARKER) {
                                if (k != CRASH_KIND_MARKER || !cur->headline) {
                                        free(cur->headline);
                                        free(cur->bug_path);
                                        cur->kind = k;
                                        cur->headline = strdup(s);
                                        memcpy(cur->head_module, tmp.head_module, sizeof(tmp.head_module));
                                        memcpy(cur->head_func, tmp.head_func, sizeof(tmp.head_func));
                                        cur->bug_path = TAKE_PTR(tmp.bug_path);
                                        cur->warn_pending_symbol = tmp.warn_pending_symbol;
                                }
                        } else if (!cur->head_module[0] && tmp.head_module[0] && k == CRASH_KIND_PANIC)
                                /* "Kernel panic - not syncing: [mod] ..." after a BUG line */
                                memcpy(cur->head_module, tmp.head_module, sizeof(tmp.head_module));
                        if (tmp.oops_no > 0 && cur->oops_no == 0)
                                cur->oops_no = tmp.oops_no;
                        if (cur == &later && cur->headline && !f.later_headline && cur->kind != CRASH_KIND_MARKER)
                                f.later_headline = strdup(cur->headline);
                        free(tmp.bug_path);
                } else if (is_fault && (!cur || cur->done)) {
                        /* A register dump without a headline: a truncated record,
                         * or the repeat of the last one that newer kernels print
                         * after the end marker. */
                        f.reports += cur ? 0 : 1;
                        if (!f.have_first) {
                                f.have_first = true;
                                cur = &f.first;
                        } else {
                                report_free(&later);
                                cur = &later;
                                cur->done = true; /* never more than a repeat */
                        }
                }

                if (!cur) {
                        /* Frames before any headline (the start was lost). */
                        if (!looks_like_frame(s))
                                continue;
                        f.reports++;
                        f.have_first = true;
                        cur = &f.first;
                }

                if (cur == &f.first)
                        cur->hash = fnv1a(cur->hash, s, len);

                if (is_end) {
                        cur->done = true;
                        continue;
                }
                if (k != CRASH_KIND_NONE)
                        continue;
                if (is_fault) {
                        bool lr;
                        if (parse_fault_line(s, cur, &lr))
                                continue;
                }
                if (startswith(s, "lr : ") || startswith(s, "LR is at ")) {
                        bool lr;
                        parse_fault_line(s, cur, &lr);
                        continue;
                }
                if (startswith(s, "Workqueue: ")) {
                        const char *b = strrchr(s, '['), *e = b ? strchr(b, ']') : NULL;
                        if (b && e && !cur->wq_line && crash_modname_valid(b + 1, e - b - 1)) {
                                copy_modname(cur->wq_module, b + 1, e - b - 1);
                                cur->wq_line = strdup(s);
                        }
                        continue;
                }
                add_frame(cur, s);
        }

        report_free(&later);
        f.text_hash = th;
        *ret = f;
        return 0;
}
