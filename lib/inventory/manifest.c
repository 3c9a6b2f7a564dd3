/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last-known-good manifest: an inventory as a versioned text file, and
 * the diff that yields the changed set.
 *
 *   lastgood-manifest 1
 *   kernel RELEASE
 *   module NAME PATH AGENT|- FINGERPRINT SIZE MTIME_NS INO [CTIME_NS [SHA256]]
 *   content PATH AGENT|- FINGERPRINT SIZE MTIME_NS INO [CTIME_NS [SHA256]]
 *   intree PATH SIZE MTIME_NS INO
 *   end COUNT
 *
 * Fields are separated by one space; bytes that are spaces, control bytes
 * or '\' are written as \xHH. FINGERPRINT is 16 hex digits, SHA256
 * "sha256:" and 64 (or "-": none); both optional fields came later, and a
 * manifest without them is still read. The trailer
 * counts the item lines, so a truncated file is told from a short one. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deny.h"
#include "inventory.h"
#include "macro.h"

#define MANIFEST_MAGIC "lastgood-manifest"
#define MANIFEST_VERSION 1
#define MANIFEST_MAX (64u * 1024 * 1024)

static void put_escaped(FILE *f, const char *s) {
        if (!s || streq(s, "-") || !s[0]) {
                fputs(s && s[0] ? "\\x2d" : "-", f);
                return;
        }
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c <= 0x20 || c == 0x7f || c == '\\')
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
}

int lg_manifest_format(const lg_inventory *inv, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, count = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "%s %d\nkernel ", MANIFEST_MAGIC, MANIFEST_VERSION);
        put_escaped(f, inv->kernel ? inv->kernel : "-");
        fputc('\n', f);
        for (size_t i = 0; i < inv->n; i++) {
                const lg_inv_item *it = &inv->items[i];

                if (it->kind == LG_ITEM_MODULE) {
                        fputs("module ", f);
                        put_escaped(f, it->name);
                        fputc(' ', f);
                        put_escaped(f, it->path ? it->path : "-");
                } else if (it->kind == LG_ITEM_CONTENT) {
                        fputs("content ", f);
                        put_escaped(f, it->name);
                } else
                        continue;
                fputc(' ', f);
                if (it->agent)
                        put_escaped(f, it->agent);
                else
                        fputc('-', f);
                /* ctime last: a manifest written before it was kept has
                 * one field less, and is still read. */
                fprintf(f, " %016" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, it->fingerprint,
                        it->size, it->mtime_ns, it->ino, it->ctime_ns);
                if (it->has_sha256) {
                        char sha[LG_SHA256_STRING_MAX];

                        fputc(' ', f);
                        fputs(lg_sha256_to_string(it->sha256, sha), f);
                } else
                        fputs(" -", f);
                fputc('\n', f);
                count++;
        }
        for (size_t i = 0; i < inv->n_intree; i++) {
                const lg_inv_stat *st = &inv->intree[i];

                fputs("intree ", f);
                put_escaped(f, st->path);
                fprintf(f, " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", st->size, st->mtime_ns, st->ino);
                count++;
        }
        fprintf(f, "end %zu\n", count);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

int lg_manifest_save(const lg_root *root, const char *path, const lg_inventory *inv) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = lg_manifest_format(inv, &buf, &size);
        if (r < 0)
                return r;
        return lg_root_write_atomic(root, path ? path : LG_MANIFEST_PATH, buf, size, 0644);
}

/* In place; NULL for "-" (no value); -EBADMSG for a bad escape. */
static int unescape(char *s, char **ret) {
        char *o = s;

        if (streq(s, "-")) {
                *ret = NULL;
                return 0;
        }
        for (char *p = s; *p; p++) {
                unsigned v;

                if (*p != '\\') {
                        *o++ = *p;
                        continue;
                }
                if (p[1] != 'x' || sscanf(p + 2, "%2x", &v) != 1 || !p[2] || !p[3] || v == 0)
                        return -EBADMSG;
                *o++ = (char) v;
                p += 3;
        }
        *o = '\0';
        *ret = s;
        return 0;
}

static int parse_u64(const char *s, int base, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !s[0] || s[0] == '-' || s[0] == '+')
                return -EBADMSG;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno || *end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int split(char *line, char **f, int max) {
        int n = 0;

        for (char *p = line; p && n < max;) {
                f[n++] = p;
                p = strchr(p, ' ');
                if (p)
                        *p++ = '\0';
        }
        /* Too many fields: the last one still holds a space. */
        if (n == max && strchr(f[max - 1], ' '))
                return -EBADMSG;
        return n;
}

static int cmp_item(const void *a, const void *b) {
        const lg_inv_item *x = a, *y = b;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return strcmp(x->name, y->name);
}

static int cmp_stat(const void *a, const void *b) {
        return strcmp(((const lg_inv_stat *) a)->path, ((const lg_inv_stat *) b)->path);
}

static int parse_line(lg_inventory *inv, size_t *alloc, size_t *alloc_intree, char *line) {
        char *f[10], *name, *path = NULL, *agent;
        uint64_t v[5] = {};
        int n, r;

        n = split(line, f, 10);
        if (n < 0)
                return n;
        if (streq(f[0], "intree")) {
                lg_inv_stat *t;

                if (n != 5 || unescape(f[1], &name) < 0 || !name || parse_u64(f[2], 10, &v[0]) < 0 ||
                    parse_u64(f[3], 10, &v[1]) < 0 || parse_u64(f[4], 10, &v[2]) < 0)
                        return -EBADMSG;
                if (inv->n_intree == *alloc_intree) {
                        size_t want = *alloc_intree ? *alloc_intree * 2 : 256;
                        t = realloc(inv->intree, sizeof(*t) * want);
                        if (!t)
                                return -ENOMEM;
                        inv->intree = t;
                        *alloc_intree = want;
                }
                t = &inv->intree[inv->n_intree];
                *t = (lg_inv_stat) { .size = v[0], .mtime_ns = v[1], .ino = v[2] };
                t->path = strdup(name);
                if (!t->path)
                        return -ENOMEM;
                inv->n_intree++;
                return 0;
        }

        lg_inv_item it = {};
        int off;

        /* The ctime field is optional: a manifest written before it was
         * kept has none (0: unknown, the file is read again once). */
        if (streq(f[0], "module")) {
                if (n < 8 || n > 10)
                        return -EBADMSG;
                it.kind = LG_ITEM_MODULE;
                off = 1;
        } else if (streq(f[0], "content")) {
                if (n < 7 || n > 9)
                        return -EBADMSG;
                it.kind = LG_ITEM_CONTENT;
                off = 0;
        } else
                return -EBADMSG;

        if (unescape(f[1], &name) < 0 || !name)
                return -EBADMSG;
        if (it.kind == LG_ITEM_MODULE && (unescape(f[2], &path) < 0 || !lg_module_name_valid(name)))
                return -EBADMSG;
        if (it.kind == LG_ITEM_CONTENT && name[0] != '/')
                return -EBADMSG;
        if (unescape(f[2 + off], &agent) < 0 || parse_u64(f[3 + off], 16, &v[0]) < 0 ||
            strlen(f[3 + off]) != 16 || parse_u64(f[4 + off], 10, &v[1]) < 0 ||
            parse_u64(f[5 + off], 10, &v[2]) < 0 || parse_u64(f[6 + off], 10, &v[3]) < 0 ||
            (n >= 8 + off && parse_u64(f[7 + off], 10, &v[4]) < 0))
                return -EBADMSG;
        if (n == 9 + off && !streq(f[8 + off], "-")) {
                if (lg_sha256_from_string(f[8 + off], strlen(f[8 + off]), it.sha256) < 0)
                        return -EBADMSG;
                it.has_sha256 = true;
        }

        if (inv->n == *alloc) {
                size_t want = *alloc ? *alloc * 2 : 64;
                lg_inv_item *t = realloc(inv->items, sizeof(*t) * want);
                if (!t)
                        return -ENOMEM;
                inv->items = t;
                *alloc = want;
        }
        it.fingerprint = v[0];
        it.size = v[1];
        it.mtime_ns = v[2];
        it.ino = v[3];
        it.ctime_ns = v[4];
        it.name = it.kind == LG_ITEM_MODULE ? lg_module_name_normalize(name) : strdup(name);
        it.path = path ? strdup(path) : NULL;
        it.agent = agent ? strdup(agent) : NULL;
        r = (!it.name || (path && !it.path) || (agent && !it.agent)) ? -ENOMEM : 0;
        if (r < 0) {
                free(it.name);
                free(it.path);
                free(it.agent);
                return r;
        }
        inv->items[inv->n++] = it;
        return 0;
}

int lg_manifest_parse(const char *buf, size_t size, lg_inventory *ret) {
        lg_inventory inv = {};
        size_t alloc = 0, alloc_intree = 0, lineno = 0;
        const char *p = buf, *end = buf + size;
        bool ended = false;
        int r = 0;

        if (size == 0 || memchr(buf, '\0', size))
                return -EBADMSG;
        if (buf[size - 1] != '\n')
                return -EBADMSG; /* truncated mid-line */

        while (p < end && r >= 0) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                _cleanup_free_ char *line = strndup(p, (size_t) (nl - p));
                uint64_t count;

                p = nl + 1;
                if (!line) {
                        r = -ENOMEM;
                        break;
                }
                lineno++;
                if (ended) {
                        r = -EBADMSG;
                        break;
                }
                if (lineno == 1) {
                        char expect[64];

                        snprintf(expect, sizeof(expect), "%s %d", MANIFEST_MAGIC, MANIFEST_VERSION);
                        if (!streq(line, expect))
                                r = -EBADMSG;
                        continue;
                }
                if (lineno == 2) {
                        char *k;

                        if (strncmp(line, "kernel ", 7) != 0 || unescape(line + 7, &k) < 0 || !k ||
                            strchr(k, ' ')) {
                                r = -EBADMSG;
                                continue;
                        }
                        inv.kernel = strdup(k);
                        if (!inv.kernel)
                                r = -ENOMEM;
                        continue;
                }
                if (strncmp(line, "end ", 4) == 0) {
                        if (parse_u64(line + 4, 10, &count) < 0 || count != inv.n + inv.n_intree)
                                r = -EBADMSG;
                        ended = true;
                        continue;
                }
                r = parse_line(&inv, &alloc, &alloc_intree, line);
        }
        if (r >= 0 && !ended)
                r = -EBADMSG;
        if (r < 0) {
                lg_inventory_done(&inv);
                return r;
        }

        if (inv.n > 1)
                qsort(inv.items, inv.n, sizeof(lg_inv_item), cmp_item);
        for (size_t i = 1; i < inv.n; i++)
                if (cmp_item(&inv.items[i - 1], &inv.items[i]) == 0) {
                        lg_inventory_done(&inv);
                        return -EBADMSG;
                }
        if (inv.n_intree > 1)
                qsort(inv.intree, inv.n_intree, sizeof(lg_inv_stat), cmp_stat);
        *ret = inv;
        return 0;
}

int lg_manifest_load(const lg_root *root, const char *path, lg_inventory *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        r = lg_root_read_file(root, path ? path : LG_MANIFEST_PATH, MANIFEST_MAX, &buf, &size);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        r = lg_manifest_parse(buf, size, ret);
        if (r < 0)
                return r;
        /* When it was written, for the stat cache (inventory.h). Unknown
         * (0) when it cannot be told: every stat key is then trusted. */
        fd = lg_root_open(root, path ? path : LG_MANIFEST_PATH, O_RDONLY, 0);
        if (fd >= 0 && fstat(fd, &st) == 0)
                ret->written_ns = (uint64_t) st.st_mtim.tv_sec * 1000000000ULL + (uint64_t) st.st_mtim.tv_nsec;
        return 0;
}

int lg_manifest_diff(const lg_inventory *good, const lg_inventory *now, lg_changes *ret) {
        lg_changes c = {};

        c.kernel_changed = !good || !streq_ptr(good->kernel, now->kernel);
        if (now->n > 0) {
                c.items = malloc(sizeof(*c.items) * now->n);
                if (!c.items)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < now->n; i++) {
                const lg_inv_item *it = &now->items[i], *was;

                /* A new kernel release: all its modules are new builds.
                 * Agent content does not depend on the kernel. */
                if (!c.kernel_changed || it->kind != LG_ITEM_MODULE) {
                        was = lg_inventory_find(good, it->kind, it->name);
                        if (was && was->fingerprint == it->fingerprint)
                                continue;
                }
                c.items[c.n++] = it;
        }
        *ret = c;
        return 0;
}

bool lg_manifest_differs(const lg_inventory *good, const lg_inventory *now, const lg_quarantine *withheld) {
        return lg_manifest_differs_deny(good, now, withheld, NULL);
}

static bool is_denied(const lg_deny *deny, const lg_inv_item *it) {
        return deny && it->has_sha256 && lg_deny_find(deny, it->kind, it->sha256);
}

bool lg_manifest_differs_deny(const lg_inventory *good, const lg_inventory *now, const lg_quarantine *withheld,
                              const lg_deny *deny) {
        lg_changes c;
        bool differs = false;

        if (!good || !streq_ptr(good->kernel, now->kernel))
                return true;
        /* Removals count too: the set is not the last known good one. */
        for (size_t i = 0; i < good->n; i++)
                if (!lg_inventory_find(now, good->items[i].kind, good->items[i].name) &&
                    !(withheld && lg_quarantine_find(withheld, good->items[i].kind, good->items[i].name)))
                        return true;
        if (lg_manifest_diff(good, now, &c) < 0)
                return true;
        for (size_t i = 0; i < c.n && !differs; i++) {
                const lg_qitem *q = withheld ? lg_quarantine_find(withheld, c.items[i]->kind, c.items[i]->name)
                                             : NULL;

                differs = (!q || q->fingerprint != c.items[i]->fingerprint) && !is_denied(deny, c.items[i]);
        }
        lg_changes_done(&c);
        return differs;
}

void lg_changes_done(lg_changes *c) {
        if (!c)
                return;
        free(c->items);
        *c = (lg_changes) {};
}
