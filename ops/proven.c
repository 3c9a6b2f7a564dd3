/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The proven write (see proven.h for the layout and the order of steps). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "castore.h"
#include "copy.h"
#include "proven.h"
#include "qname.h"
#include "safepath.h"

#define GEN_DIR "generations"
#define KEEP_GENERATIONS 2 /* current and the one before it */

/* mkdir -p of a path relative to dfd. */
static int mkdirat_p(int dfd, const char *rel, mode_t mode) {
        _cleanup_free_ char *p = strdup(rel);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdirat(dfd, p, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = c;
                if (c == '\0')
                        return 0;
        }
}

/* Remove a tree of our own making (old generations, interrupted temporary
 * ones). Never used on agent content or the quarantine. */
static int rm_rf_at(int dfd, const char *name) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d;
        struct dirent *de;

        if (fd < 0) {
                if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        d = fdopendir(fd);
        if (!d)
                return negative_errno();
        fd = -EBADF;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                /* A generation holds thousands of files: unlink those the
                 * folder entry says are no folders without trying an open. */
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN &&
                    (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno == ENOENT))
                        continue;
                (void) rm_rf_at(dirfd(d), de->d_name);
        }
        closedir(d);
        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

/* Generation number `current` points at, 0 when none. */
static unsigned current_generation(int libfd) {
        char buf[256];
        ssize_t n = readlinkat(libfd, "current", buf, sizeof buf - 1);
        unsigned g;

        if (n <= 0)
                return 0;
        buf[n] = '\0';
        if (sscanf(buf, GEN_DIR "/%u", &g) != 1)
                return 0;
        return g;
}

static unsigned max_generation(int libfd) {
        _cleanup_close_ int fd = openat(libfd, GEN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        unsigned max = 0;
        DIR *d;
        struct dirent *de;

        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d)
                return 0;
        fd = -EBADF;
        while ((de = readdir(d))) {
                unsigned g;
                if (sscanf(de->d_name, "%u", &g) == 1 && g > max)
                        max = g;
        }
        closedir(d);
        return max;
}

/* Leftovers of interrupted runs and generations older than the one before
 * `current` go; they are lastgood's own copies, never anyone's data. */
static void prune_generations(int libfd, unsigned current) {
        _cleanup_close_ int fd = openat(libfd, GEN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        fd = -EBADF;
        while ((de = readdir(d))) {
                unsigned g;
                char *end;

                if (de->d_name[0] == '.')
                        continue;
                errno = 0;
                g = (unsigned) strtoul(de->d_name, &end, 10);
                if (end == de->d_name)
                        continue; /* legacy-* and anything else: kept */
                if (*end != '\0' || (current > 0 && g + KEEP_GENERATIONS <= current) ||
                    (current > 0 && g > current))
                        (void) rm_rf_at(dirfd(d), de->d_name);
        }
        closedir(d);
}

static int cmp_item(const void *a, const void *b) {
        const lg_inv_item *x = a, *y = b;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return strcmp(x->name, y->name);
}

static const lg_withheld_item *withheld_find(const lg_withheld *w, lg_item_kind kind, const char *name) {
        for (size_t i = 0; w && i < w->n; i++)
                if (w->items[i].kind == kind && streq(w->items[i].name, name))
                        return &w->items[i];
        return NULL;
}

static int item_copy(lg_inv_item *dst, const lg_inv_item *src) {
        *dst = *src;
        dst->name = strdup(src->name);
        dst->path = src->path ? strdup(src->path) : NULL;
        dst->agent = src->agent ? strdup(src->agent) : NULL;
        if (!dst->name || (src->path && !dst->path) || (src->agent && !dst->agent)) {
                free(dst->name), free(dst->path), free(dst->agent);
                return -ENOMEM;
        }
        return 0;
}

/* The new last known good: what runs now, except the items withheld in
 * this boot, which keep their old entry (or none) so that they stay
 * "changed" against it. Takes the items out of scan. */
/* Items withheld only because the cold record already holds them (or for
 * lastgood.block=, never recorded) add nothing to record: a host that keeps
 * a bad module withheld stays in steady state. */
static bool nothing_to_record(const lg_withheld *w) {
        for (size_t i = 0; w && i < w->n; i++)
                if (w->items[i].reason != LG_REASON_QUARANTINE && w->items[i].reason != LG_REASON_BLOCK &&
                    w->items[i].reason != LG_REASON_DENIED)
                        return false;
        return true;
}

/* ctime of an item of the scan, without following a symlink at its place;
 * -errno when it is gone or unreadable. */
static int item_ctime_usec(const lg_proven_input *in, const lg_inv_item *it, uint64_t *ret) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (it->kind == LG_ITEM_MODULE) {
                if (!it->path || asprintf(&path, "/lib/modules/%s/%s", in->kernel, it->path) < 0)
                        return -ENOMEM;
        } else if (!(path = strdup(it->name)))
                return -ENOMEM;
        fd = lg_root_open(in->root, path, O_PATH | O_NOFOLLOW, 0);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        *ret = (uint64_t) st.st_ctim.tv_sec * 1000000ULL + (uint64_t) st.st_ctim.tv_nsec / 1000;
        return 0;
}

static int keep_list(const lg_proven_input *in, const lg_inventory *scan, lg_withheld *ret, size_t *ret_recent) {
        lg_withheld keep = {};
        size_t n_recent = 0;
        int r;

        for (size_t i = 0; in->withheld && i < in->withheld->n; i++) {
                const lg_withheld_item *w = &in->withheld->items[i];

                r = lg_withheld_add(&keep, w->kind, w->name, w->reason, w->agent, w->fingerprint);
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; in->changed_after_usec && i < scan->n; i++) {
                const lg_inv_item *it = &scan->items[i];
                uint64_t ctime;

                /* Gone or unreadable since the scan: not proven either. */
                if (item_ctime_usec(in, it, &ctime) >= 0 && ctime < in->changed_after_usec)
                        continue;
                r = lg_withheld_add(&keep, it->kind, it->name, LG_REASON_CHANGED, it->agent, it->fingerprint);
                if (r < 0)
                        goto fail;
                n_recent += r > 0;
        }
        *ret = keep;
        *ret_recent = n_recent;
        return 0;
fail:
        lg_withheld_done(&keep);
        return r;
}

static int build_manifest(lg_inventory *scan, const lg_inventory *old, const lg_withheld *w,
                          lg_inventory *ret) {
        lg_inventory inv = {};
        size_t max = scan->n + (old ? old->n : 0);

        inv.kernel = scan->kernel ? strdup(scan->kernel) : NULL;
        inv.items = calloc(max ? max : 1, sizeof(lg_inv_item));
        if (!inv.items || (scan->kernel && !inv.kernel)) {
                free(inv.kernel);
                free(inv.items);
                return -ENOMEM;
        }
        for (size_t i = 0; i < scan->n; i++) {
                lg_inv_item *it = &scan->items[i];

                if (withheld_find(w, it->kind, it->name))
                        continue;
                inv.items[inv.n++] = *it;
                *it = (lg_inv_item) {};
        }
        for (size_t i = 0; w && old && i < w->n; i++) {
                const lg_inv_item *o = lg_inventory_find(old, w->items[i].kind, w->items[i].name);

                if (!o || lg_inventory_find(&inv, o->kind, o->name))
                        continue;
                if (item_copy(&inv.items[inv.n], o) < 0) {
                        lg_inventory_done(&inv);
                        return -ENOMEM;
                }
                inv.n++;
        }
        if (inv.n > 1)
                qsort(inv.items, inv.n, sizeof(lg_inv_item), cmp_item);
        /* The in-tree stat cache goes along: without it every later scan
         * (lastgood-early pre-switch, the apply unit, the generator) reads
         * the modinfo of every in-tree module again, seconds on a slow
         * machine instead of one stat() each. */
        inv.intree = TAKE_PTR(scan->intree);
        inv.n_intree = scan->n_intree;
        scan->n_intree = 0;
        *ret = inv;
        return 0;
}

typedef struct copier {
        const lg_root *root;
        const lg_proven_input *in;
        int libfd;
        int storefd;           /* the store (castore.h) */
        const char *oldrel;    /* generations/M or NULL: its content/ folder, for an old layout */
        const lg_copies *old;  /* the index of generation M, or NULL (none, or an old layout) */
        size_t old_pos;        /* cursor in old (find_old()) */
        lg_copies new;         /* the index of the new generation */
        uint64_t copied_bytes; /* apparent bytes copied so far (LG_CONTENT_TOTAL_MAX) */
        const lg_agents *agents;
        uint64_t *share;       /* per agent (agents order): apparent bytes it may still copy, or NULL */
        size_t n_too_big;      /* files left without a last good copy (budget) */
        char *srcdir;          /* folder of the last content file read (host path) */
        int srcfd;             /* its fd, opened safely (no symlink from /), or -errno */
        size_t n_linked, n_copied;
} copier;

/* The regular file in (st: its fstat()) into the store, within the byte
 * budget. Returns 1 (stored: ret_key), 0 (over the budget: no copy),
 * -errno. */
static int put_one(copier *c, const char *agent, int in, const struct stat *st, char key[LG_CASTORE_KEY_LEN + 1]) {
        const lg_agent *a = c->share && c->agents && agent ? lg_agents_find(c->agents, agent) : NULL;
        uint64_t *share = a ? &c->share[a - c->agents->agents] : NULL;
        int r;

        /* Each agent's share first: one agent's user (a few sparse files
         * cost nothing on disk) must not leave another agent's content
         * without its last good copy. */
        if (share && (uint64_t) st->st_size > *share) {
                c->n_too_big++;
                return 0;
        }

        /* Bounded (DESIGN.md, "Trust boundaries"): a file over
         * LG_CONTENT_FILE_MAX bytes, or past the write's total, gets no last
         * good copy (a rollback then only quarantines it). By apparent size,
         * as the scan's hash budget counts: the store hashes and later
         * checks every byte up to st_size, holes included, so 12 sparse
         * files of 255 MiB holding 56 KiB of data cost 3 GiB of hashing
         * when only data bytes were counted. */
        if ((uint64_t) st->st_size > LG_CONTENT_FILE_MAX ||
            (uint64_t) st->st_size > LG_CONTENT_TOTAL_MAX - c->copied_bytes) {
                c->n_too_big++;
                return 0;
        }
        r = lg_castore_put(c->storefd, in, st, LG_CONTENT_TOTAL_MAX - c->copied_bytes, key, NULL, NULL);
        if (r == -EFBIG) {
                c->n_too_big++;
                return 0;
        }
        if (r < 0)
                return r;
        c->copied_bytes += (uint64_t) st->st_size;
        if (share)
                *share -= (uint64_t) st->st_size;
        return 1;
}

static int add_copy(copier *c, const char *agent, const char *path, const char *key) {
        int r = lg_copies_add(&c->new, agent, path, key);

        if (r >= 0)
                c->n_copied++;
        return r;
}

/* An old layout (generations/M/content/AGENT/PATH, before the store):
 * its copy of a withheld file goes into the store, so that an upgraded
 * host keeps its last good copies. Our own folder: no symlink followed. */
static int put_legacy(copier *c, const char *agent, const char *path) {
        _cleanup_free_ char *rel = NULL;
        _cleanup_close_ int dfd = -EBADF, in = -EBADF;
        const char *base = strrchr(path, '/') + 1;
        char key[LG_CASTORE_KEY_LEN + 1];
        struct stat st;
        int r;

        if (!c->oldrel || asprintf(&rel, "%s/content/%s%.*s", c->oldrel, agent, (int) (base - path - 1), path) < 0)
                return c->oldrel ? -ENOMEM : 0;
        dfd = lg_safe_walk(c->libfd, rel, false, 0);
        if (dfd < 0)
                return dfd == -ENOMEM ? dfd : 0;
        in = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        r = put_one(c, agent, in, &st, key);
        return r > 0 ? add_copy(c, agent, path, key) : r;
}

/* The old index's entry of path. Items come in the manifest's order, the
 * index's order too: a cursor, most often one step each; else a search. */
static const lg_copy_entry *find_old(copier *c, const char *path) {
        int d = 1;

        if (!c->old)
                return NULL;
        while (c->old_pos < c->old->n && (d = strcmp(c->old->e[c->old_pos].path, path)) < 0)
                c->old_pos++;
        if (c->old_pos < c->old->n && d == 0)
                return &c->old->e[c->old_pos];
        return lg_copies_find(c->old, path);
}

/* The open file is the one the scan fingerprinted: same inode, size,
 * mtime and ctime (which no user can set back, and which every write, chmod
 * or rename moves). */
static bool same_as_scanned(const struct stat *st, const lg_inv_item *it) {
        return S_ISREG(st->st_mode) && (uint64_t) st->st_ino == it->ino && (uint64_t) st->st_size == it->size &&
               (uint64_t) st->st_mtim.tv_sec * 1000000000ULL + (uint64_t) st->st_mtim.tv_nsec == it->mtime_ns &&
               (uint64_t) st->st_ctim.tv_sec * 1000000000ULL + (uint64_t) st->st_ctim.tv_nsec == it->ctime_ns;
}

static bool same_stat(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The new generation keeps the old one's copy. */
static int link_old(copier *c, const lg_copy_entry *e) {
        c->n_linked++;
        return lg_copies_add(&c->new, e->agent, e->path, e->key);
}

static void copy_hook(const copier *c, lg_proven_copy_phase phase, const char *path) {
        if (c->in && c->in->copying)
                c->in->copying(phase, path, c->in->userdata);
}

/* One content file into the new generation: its entry of the old index
 * when the manifest says it is unchanged (no syscall at all), a copy into
 * the store otherwise. The store takes only what the scan saw (DESIGN.md,
 * "Trust boundaries"): the agent's user may rewrite, swap or replace the
 * file (by a socket, a FIFO, a symlink) at any moment, so the copy is made
 * from one open descriptor whose inode, size, mtime and ctime are the
 * scan's before the copy and still the same after it. Returns 0 (copied,
 * kept, or left without a copy by the budget), LG_COPY_CHANGED (why in
 * *ret_why) when the file is not what the scan saw: the item then keeps its
 * previous last-known-good entry; -errno only for lastgood's own failures
 * (memory, the store), never for anything in the content folder. */
#define LG_COPY_CHANGED 1
static int copy_one(copier *c, const lg_inv_item *it, bool keep_old_only, bool unchanged, const char **ret_why) {
        _cleanup_close_ int in = -EBADF;
        const char *agent = it->agent, *path = it->name;
        const lg_copy_entry *e;
        char key[LG_CASTORE_KEY_LEN + 1];
        struct stat st, after;
        const char *base;
        int r;

        if (path[0] != '/' || strstr(path, "/../") || !agent || strchr(agent, '/'))
                return 0;

        if (keep_old_only || unchanged) {
                e = find_old(c, path);
                if (e && streq(e->agent, agent))
                        return link_old(c, e);
        }
        if (keep_old_only)
                /* Withheld this boot: the last good copy stays what it was
                 * (in an old layout, it moves into the store). */
                return c->old ? 0 : put_legacy(c, agent, path);

        /* The content file's folder, resolved from / without following any
         * symlink (lg_safe_open_parent()): a folder swapped for a symlink
         * by the agent's user must not make lastgood read, as root, a file
         * outside the content folders into its store. One open per folder. */
        base = strrchr(path, '/') + 1;
        if (!c->srcdir || strlen(c->srcdir) != (size_t) (base - path) ||
            strncmp(c->srcdir, path, (size_t) (base - path)) != 0) {
                const char *unused;

                free(c->srcdir);
                closep(&c->srcfd);
                c->srcdir = strndup(path, (size_t) (base - path));
                if (!c->srcdir)
                        return -ENOMEM;
                c->srcfd = lg_safe_open_parent(c->root, path, &unused);
        }
        if (c->srcfd == -ENOMEM)
                return -ENOMEM;
        if (c->srcfd < 0) {
                *ret_why = "its folder is gone or no longer a folder";
                return LG_COPY_CHANGED;
        }

        copy_hook(c, LG_PROVEN_COPY_OPEN, path);
        /* A symlink the scan saw as such (fingerprinted by its target):
         * recorded, never followed, no copy. */
        if (fstatat(c->srcfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
            (uint64_t) st.st_ino == it->ino &&
            (uint64_t) st.st_ctim.tv_sec * 1000000000ULL + (uint64_t) st.st_ctim.tv_nsec == it->ctime_ns)
                return 0;
        /* O_NONBLOCK: a FIFO swapped in never blocks the proof; a socket
         * (ENXIO), a symlink (ELOOP) or anything else that cannot be opened
         * is the agent's user's doing, never a reason to fail the proof. */
        in = openat(c->srcfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (in < 0) {
                if (errno == ENOMEM)
                        return -ENOMEM;
                *ret_why = errno == ENOENT ? "it was removed" : errno == ELOOP ? "it is a symlink now"
                                                                              : "it cannot be opened (not a regular file?)";
                return LG_COPY_CHANGED;
        }
        if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
                *ret_why = "it is no regular file now";
                return LG_COPY_CHANGED;
        }
        if (!same_as_scanned(&st, it)) {
                *ret_why = "it changed after the scan";
                return LG_COPY_CHANGED;
        }
        copy_hook(c, LG_PROVEN_COPY_READ, path);
        r = put_one(c, agent, in, &st, key);
        if (r <= 0)
                return r;
        /* Written while copied (same inode, new ctime or size): the store
         * may hold bytes the scan never saw. Not named by the index, that
         * store file is pruned; the previous entry stays. */
        if (fstat(in, &after) < 0 || !same_stat(&st, &after)) {
                *ret_why = "it was written while it was copied";
                return LG_COPY_CHANGED;
        }
        return add_copy(c, agent, path, key);
}

/* An unchanged item: the same bytes (fingerprint) and the same stat key,
 * ctime included, which no user can set back and which any chown or chmod
 * moves: its last good copy in the store is still the right one. */
static bool same_item(const lg_inv_item *o, const lg_inv_item *it) {
        return o->fingerprint == it->fingerprint && o->ctime_ns != 0 && o->ctime_ns == it->ctime_ns &&
               o->ino == it->ino && o->size == it->size && o->mtime_ns == it->mtime_ns && o->agent && it->agent &&
               streq(o->agent, it->agent);
}

/* The copy budget shared out among the agents (max-min fair): each agent
 * that needs less than an equal part gets what it needs, the rest is split
 * equally among the others. need[a]: the apparent bytes of the files agent
 * a would copy (each within LG_CONTENT_FILE_MAX). */
static void share_out(uint64_t *share, const uint64_t *need, size_t n) {
        _cleanup_free_ bool *done = calloc(n ? n : 1, sizeof(bool));
        uint64_t left = LG_CONTENT_TOTAL_MAX;
        size_t n_left = n;

        if (!done) {
                for (size_t a = 0; a < n; a++)
                        share[a] = LG_CONTENT_TOTAL_MAX / (n ? n : 1);
                return;
        }
        while (n_left > 0) {
                uint64_t part = left / n_left;
                bool any = false;

                for (size_t a = 0; a < n; a++)
                        if (!done[a] && need[a] <= part) {
                                share[a] = need[a];
                                left -= need[a];
                                done[a] = true;
                                n_left--;
                                any = true;
                        }
                if (any)
                        continue;
                for (size_t a = 0; a < n; a++)
                        if (!done[a]) {
                                share[a] = part;
                                done[a] = true;
                        }
                break;
        }
}

/* A content file that was not what the scan saw when it was copied keeps
 * its previous last-known-good entry, manifest and copy alike (none, if it
 * is new: then it leaves the manifest), so that the next boot sees it as
 * changed and counts; said through copy_changed. An item to drop is marked
 * by a NULL name and removed by drop_items(). */
static int keep_previous(copier *c, lg_inventory *inv, size_t i, const lg_inv_item *o, const char *why,
                         lg_proven_result *res) {
        lg_inv_item *it = &inv->items[i], prev;
        const lg_copy_entry *e;
        int r;

        res->n_changed_under++;
        if (c->in->copy_changed)
                c->in->copy_changed(it->agent, it->name, why, c->in->userdata);
        e = o ? find_old(c, it->name) : NULL;
        if (e && o->agent && streq(e->agent, o->agent)) {
                r = link_old(c, e);
                if (r < 0)
                        return r;
        }
        if (o) {
                r = item_copy(&prev, o);
                if (r < 0)
                        return r;
        } else
                prev = (lg_inv_item) {};
        free(it->name), free(it->path), free(it->agent);
        *it = prev;
        return 0;
}

static void drop_items(lg_inventory *inv) {
        size_t j = 0;

        for (size_t i = 0; i < inv->n; i++)
                if (inv->items[i].name)
                        inv->items[j++] = inv->items[i];
        inv->n = j;
}

/* The new generation's index, in its temporary folder (the syncfs() that
 * seals the generation makes it durable). */
static int save_copies(int libfd, const char *newrel, const lg_copies *copies) {
        _cleanup_free_ char *rel = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size, done = 0;
        int r;

        r = lg_copies_format(copies, &buf, &size);
        if (r < 0)
                return r;
        if (asprintf(&rel, "%s/" LG_COPIES_NAME, newrel) < 0)
                return -ENOMEM;
        fd = openat(libfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return negative_errno();
        while (done < size) {
                ssize_t n = write(fd, buf + done, size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return -EIO;
                done += (size_t) n;
        }
        return 0;
}

/* The old generation has an index file that cannot be read (it is not an
 * old layout without one): its store files are unknown, keep them all. */
static bool old_index_unreadable(int libfd, const char *oldrel) {
        _cleanup_free_ char *rel = NULL;
        struct stat st;

        if (asprintf(&rel, "%s/" LG_COPIES_NAME, oldrel) < 0)
                return true;
        return fstatat(libfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* Store files that neither the new generation nor the one kept before it
 * names go. skip: the old index could not be read (keep everything). A
 * failure only leaves files behind for the next proven write. */
static void prune_store(int storefd, const lg_copies *new, const lg_copies *old, bool skip, size_t *ret_removed) {
        _cleanup_free_ const char **keys = NULL;
        size_t n = 0;

        if (skip)
                return;
        keys = malloc(sizeof(*keys) * (new->n + (old ? old->n : 0) + 1));
        if (!keys)
                return;
        for (size_t i = 0; i < new->n; i++)
                keys[n++] = new->e[i].key;
        for (size_t i = 0; old && i < old->n; i++)
                keys[n++] = old->e[i].key;
        (void) lg_castore_prune(storefd, keys, n, ret_removed);
}

/* Make `name` a symlink to target; a legacy file or folder there is moved
 * into generations/legacy-T/ (exchanged atomically, never deleted). */
static int ensure_link(int libfd, const char *name, const char *target, uint64_t now) {
        _cleanup_free_ char *tmp = NULL, *legacy = NULL, *dest = NULL;
        char buf[256];
        ssize_t n;
        struct stat st;

        n = readlinkat(libfd, name, buf, sizeof buf - 1);
        if (n > 0) {
                buf[n] = '\0';
                if (streq(buf, target))
                        return 0;
        }
        if (asprintf(&tmp, ".%s.tmp", name) < 0)
                return -ENOMEM;
        (void) unlinkat(libfd, tmp, 0);
        if (symlinkat(target, libfd, tmp) < 0)
                return negative_errno();
        if (fstatat(libfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISLNK(st.st_mode)) {
                if (renameat(libfd, tmp, libfd, name) < 0)
                        return negative_errno();
                return 0;
        }
        if (renameat2(libfd, tmp, libfd, name, RENAME_EXCHANGE) < 0)
                return negative_errno();
        if (asprintf(&legacy, GEN_DIR "/legacy-%" PRIu64, now) < 0 ||
            asprintf(&dest, "%s/%s", legacy, name) < 0)
                return -ENOMEM;
        int r = mkdirat_p(libfd, legacy, 0700);
        if (r < 0)
                return r;
        if (renameat(libfd, tmp, libfd, dest) < 0)
                return negative_errno();
        return 0;
}

static void hook(const lg_proven_input *in, lg_proven_step step) {
        if (in->after_step)
                in->after_step(step, in->userdata);
}

/* The cold record is shared by every agent and by the plain third-party
 * modules (DESIGN.md: "it never makes a proof fail ... one agent cannot
 * fill it for the others"). Each owner (an agent, or no agent) gets an
 * equal share of its bytes and items; what does not fit is recorded by the
 * hash of its name, and what does not fit even so is skipped and said. */
#define OWNER_NONE ((size_t) -1)

static size_t item_owner(const lg_agents *agents, lg_item_kind kind, const char *name, const char *agent) {
        const lg_agent *a = agent ? lg_agents_find(agents, agent) : NULL;

        if (!a && kind == LG_ITEM_CONTENT)
                a = lg_agents_find_content(agents, name);
        if (!a && kind == LG_ITEM_MODULE)
                a = lg_agents_find_module(agents, name);
        return a ? (size_t) (a - agents->agents) : OWNER_NONE;
}

typedef struct share {
        size_t bytes, items;
} share;

static void skipped(const lg_proven_input *in, lg_proven_result *res, const lg_withheld_item *w,
                    const char *why) {
        res->n_quarantine_skipped++;
        if (in->record_skipped)
                in->record_skipped(w->kind, w->name, why, in->userdata);
}

/* fps: the fingerprint of each withheld item (the hand-over from
 * lastgood-early carries none; the scan of this boot has the items still
 * on disk, such as modules kept out by modprobe.d). */
static int add_to_quarantine(const lg_proven_input *in, const uint64_t *fps, bool narrowing, lg_proven_result *res) {
        lg_quarantine q = {};
        _cleanup_free_ share *used = NULL;
        size_t n_owners, share_bytes, share_items, total = 0;
        bool changed = false;
        int r;

        r = lg_store_read_quarantine(in->store, &q);
        if (r < 0)
                q = (lg_quarantine) {}; /* none or corrupt: start from the empty set */

        /* Owners: every agent, plus one for items of no agent. */
        n_owners = (in->agents ? in->agents->n : 0) + 1;
        used = calloc(n_owners, sizeof(*used));
        if (!used) {
                lg_quarantine_done(&q);
                return -ENOMEM;
        }
        share_bytes = lg_qname_budget() / n_owners;
        share_items = MAX((size_t) LG_QUARANTINE_MAX_ITEMS / n_owners, (size_t) 1);
        for (size_t i = 0; i < q.n; i++) {
                size_t o = in->agents ? item_owner(in->agents, q.items[i].kind, q.items[i].name, NULL)
                                      : OWNER_NONE;
                size_t sz = lg_qname_item_size(strlen(q.items[i].name));

                o = o == OWNER_NONE ? n_owners - 1 : o;
                used[o].bytes += sz;
                used[o].items++;
                total += sz;
        }

        for (size_t i = 0; in->withheld && i < in->withheld->n; i++) {
                const lg_withheld_item *w = &in->withheld->items[i];
                char hashed[LG_QNAME_HASHED_LEN + 1];
                const char *name = w->name;
                size_t o, sz;

                /* block= is the administrator's word for one boot, not a
                 * verdict on the item. An item withheld because the cold
                 * record held it is in the record already, unless it was
                 * released during this boot (lastgoodctl release): then it
                 * must not come back. */
                if (w->reason == LG_REASON_BLOCK || w->reason == LG_REASON_QUARANTINE)
                        continue;
                /* A denied item is the deny list's business, never the
                 * cold record's (DESIGN.md, "Fleet immunity": no NVRAM
                 * write); it keeps its old last-known-good entry. */
                if (w->reason == LG_REASON_DENIED)
                        continue;
                /* Level-2 suspects are not verdicts: the narrowing names
                 * the culprit among them (proven-narrow.c). */
                if (narrowing && lg_withheld_is_suspect(in->withheld, w))
                        continue;
                if (lg_quarantine_find(&q, w->kind, w->name)) {
                        /* Recorded already (a new fingerprint at most). */
                        r = lg_quarantine_add(&q, w->kind, lg_quarantine_find(&q, w->kind, w->name)->name,
                                              w->fingerprint ?: fps[i]);
                        if (r > 0)
                                changed = true;
                        continue;
                }
                o = in->agents ? item_owner(in->agents, w->kind, w->name, w->agent) : OWNER_NONE;
                o = o == OWNER_NONE ? n_owners - 1 : o;
                if (used[o].items >= share_items || q.n >= LG_QUARANTINE_MAX_ITEMS) {
                        skipped(in, res, w, "its owner's share of the cold record is full");
                        continue;
                }
                sz = lg_qname_storable(name) ? lg_qname_item_size(strlen(name)) : SIZE_MAX;
                if (sz == SIZE_MAX || used[o].bytes + sz > share_bytes || total + sz > lg_qname_budget()) {
                        /* Too long for what is left, or a name with control
                         * bytes: by the hash of its name. */
                        lg_qname_hash(w->name, hashed);
                        name = hashed;
                        sz = lg_qname_item_size(LG_QNAME_HASHED_LEN);
                        if (used[o].bytes + sz > share_bytes || total + sz > lg_qname_budget()) {
                                skipped(in, res, w, "its owner's share of the cold record is full");
                                continue;
                        }
                        res->n_quarantine_hashed++;
                }
                r = lg_quarantine_add(&q, w->kind, name, w->fingerprint ?: fps[i]);
                if (r == -ENOMEM) {
                        lg_quarantine_done(&q);
                        return r;
                }
                if (r < 0) {
                        skipped(in, res, w, strerror(-r));
                        continue;
                }
                if (r > 0) {
                        changed = true;
                        res->n_quarantined++;
                        used[o].bytes += sz;
                        used[o].items++;
                        total += sz;
                }
        }
        r = 0;
        if (changed) {
                r = lg_store_write_quarantine(in->store, &q);
                if (r > 0)
                        res->quarantine_written = true;
        }
        lg_quarantine_done(&q);
        return r < 0 ? r : 0;
}

void lg_proven_result_done(lg_proven_result *res) {
        if (res)
                lg_narrow_done(&res->narrow);
}

int lg_proven_write(const lg_proven_input *in, lg_proven_result *ret) {
        _cleanup_close_ int libfd = -EBADF;
        _cleanup_free_ char *newrel = NULL, *finalrel = NULL, *oldrel = NULL, *mpath = NULL, *target = NULL;
        lg_inventory scan = {}, old = {}, inv = {};
        _cleanup_free_ uint64_t *wfp = NULL;
        lg_proven_result res = {};
        lg_state st = {}, nst;
        lg_facts facts = { .now_usec = in->now_usec, .healthy = in->healthy, .bad = in->bad };
        lg_withheld keep = {};
        bool have_old = false;
        unsigned cur = 0, gen;
        copier c = { .root = in->root, .srcfd = -EBADF, .storefd = -EBADF };
        lg_copies old_copies = {};
        bool have_old_copies = false;
        int r;

        r = lg_store_read_state(in->store, &st);
        if (r == -ENOENT)
                st = (lg_state) {};
        else if (r == -EBADMSG || r == -EMSGSIZE || r == -EPROTONOSUPPORT || r == -ERANGE) {
                st = (lg_state) {};
                res.state_was_corrupt = true;
        } else if (r < 0)
                return r;

        lg_machine_step(&st, in->step, in->cmdline, in->config, &facts, &nst, &res.decision);
        res.state = st;
        if (res.decision.noop) {
                *ret = res;
                return 0;
        }
        if (!res.decision.proven) {
                /* SHUTDOWN before healthy: neutral, only the hot record. */
                if (res.decision.write || res.state_was_corrupt) {
                        r = lg_store_write_state(in->store, &nst);
                        if (r < 0)
                                return r;
                        res.state_written = r > 0;
                        res.state = nst;
                }
                *ret = res;
                return 0;
        }

        r = lg_manifest_load(in->root, LG_MANIFEST_PATH, &old);
        if (r == 0)
                have_old = true;
        else if (r == -EBADMSG)
                res.manifest_was_corrupt = true;
        /* The old manifest as stat cache: unchanged module files are not read. */
        r = lg_inventory_scan_cached(in->root, in->kernel, in->config, in->agents, have_old ? &old : NULL,
                                     LG_STAT_STRICT, &scan, &res.skipped);
        if (r < 0) {
                lg_inventory_done(&old);
                return r;
        }
        hook(in, LG_PROVEN_SCANNED);

        wfp = calloc(in->withheld && in->withheld->n ? in->withheld->n : 1, sizeof(uint64_t));
        if (!wfp) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; in->withheld && i < in->withheld->n; i++) {
                const lg_inv_item *it = lg_inventory_find(&scan, in->withheld->items[i].kind,
                                                          in->withheld->items[i].name);
                wfp[i] = it ? it->fingerprint : 0;
        }

        /* What the proof keeps at its previous entry: the items withheld
         * this boot (they did not run) and the items changed on disk too
         * recently to have been proven by this boot. */
        r = keep_list(in, &scan, &keep, &res.n_recent);
        if (r < 0)
                goto finish;
        r = build_manifest(&scan, have_old ? &old : NULL, &keep, &inv);
        if (r < 0)
                goto finish;
        res.n_items = inv.n;

        /* Steady state: nothing differs and nothing is pending. Write
         * nothing at all (NVRAM and disk both). */
        if (have_old && !st.armed && !st.unproven && !res.decision.write && !lg_manifest_differs(&old, &inv, NULL) &&
            old.n_intree == inv.n_intree && nothing_to_record(in->withheld)) {
                res.steady = true;
                goto finish;
        }

        libfd = lg_root_open(in->root, LG_LIB_DIR, O_RDONLY | O_DIRECTORY, 0);
        if (libfd == -ENOENT) {
                r = lg_root_mkdir_p(in->root, LG_LIB_DIR, LG_STATE_DIR_MODE);
                if (r < 0)
                        goto finish;
                libfd = lg_root_open(in->root, LG_LIB_DIR, O_RDONLY | O_DIRECTORY, 0);
        }
        if (libfd < 0) {
                r = libfd;
                goto finish;
        }
        if (mkdirat(libfd, GEN_DIR, 0700) < 0 && errno != EEXIST) {
                r = negative_errno();
                goto finish;
        }
        cur = current_generation(libfd);
        prune_generations(libfd, cur);
        gen = MAX(cur, max_generation(libfd)) + 1;
        if (asprintf(&newrel, GEN_DIR "/%u.tmp", gen) < 0 || asprintf(&finalrel, GEN_DIR "/%u", gen) < 0 ||
            (cur > 0 && asprintf(&oldrel, GEN_DIR "/%u", cur) < 0) ||
            asprintf(&mpath, LG_LIB_DIR "/%s/manifest", newrel) < 0 ||
            asprintf(&target, GEN_DIR "/%u", gen) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        (void) rm_rf_at(libfd, newrel);
        r = mkdirat_p(libfd, newrel, 0700);
        if (r < 0)
                goto finish;

        /* The old generation's index: unchanged files keep their entry.
         * Missing (an old layout, generations/M/content/): copies are made
         * again into the store; unreadable: likewise, nothing trusted. */
        if (oldrel) {
                _cleanup_free_ char *orel = NULL;

                if (asprintf(&orel, "%s/" LG_COPIES_NAME, oldrel) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
                r = lg_copies_load_at(libfd, orel, &old_copies);
                if (r == -ENOMEM)
                        goto finish;
                have_old_copies = r >= 0;
        }
        c.storefd = lg_castore_open(in->root, true);
        if (c.storefd < 0) {
                r = c.storefd;
                goto finish;
        }
        c.libfd = libfd;
        c.oldrel = oldrel;
        c.old = have_old_copies ? &old_copies : NULL;
        c.in = in;
        c.agents = in->agents;
        if (in->agents && in->agents->n > 0) {
                _cleanup_free_ uint64_t *need = calloc(in->agents->n, sizeof(uint64_t));

                c.share = calloc(in->agents->n, sizeof(uint64_t));
                if (!need || !c.share) {
                        r = -ENOMEM;
                        goto finish;
                }
                for (size_t i = 0; i < inv.n; i++) {
                        const lg_inv_item *it = &inv.items[i];
                        const lg_copy_entry *e;
                        const lg_inv_item *o;
                        const lg_agent *a;
                        bool w;

                        if (it->kind != LG_ITEM_CONTENT || !it->agent || it->size > LG_CONTENT_FILE_MAX)
                                continue;
                        o = have_old ? lg_inventory_find(&old, it->kind, it->name) : NULL;
                        a = lg_agents_find(in->agents, it->agent);
                        if (!a)
                                continue;
                        /* As copy_one() goes: what keeps the old index's
                         * entry costs nothing, a withheld file is copied
                         * only from an old layout (no index). */
                        w = withheld_find(&keep, it->kind, it->name) != NULL;
                        e = have_old_copies ? lg_copies_find(&old_copies, it->name) : NULL;
                        if (((w || (o && same_item(o, it))) && e && streq(e->agent, it->agent)) ||
                            (w && have_old_copies))
                                continue;
                        need[a - in->agents->agents] += it->size;
                }
                share_out(c.share, need, in->agents->n);
        }
        for (size_t i = 0, n = inv.n; i < n; i++) {
                lg_inv_item *it = &inv.items[i];
                bool withheld = withheld_find(&keep, it->kind, it->name) != NULL;
                const lg_inv_item *o;
                const char *why = NULL;

                if (it->kind != LG_ITEM_CONTENT || !it->agent)
                        continue;
                o = have_old ? lg_inventory_find(&old, it->kind, it->name) : NULL;
                r = copy_one(&c, it, withheld, o && same_item(o, it), &why);
                if (r < 0)
                        goto finish;
                if (r == LG_COPY_CHANGED) {
                        r = keep_previous(&c, &inv, i, o, why, &res);
                        if (r < 0)
                                goto finish;
                }
        }
        drop_items(&inv);
        res.n_items = inv.n;
        lg_copies_sort(&c.new);
        res.n_linked = c.n_linked;
        res.n_copied = c.n_copied;
        res.n_too_big = c.n_too_big;
        hook(in, LG_PROVEN_COPIED);

        r = save_copies(libfd, newrel, &c.new);
        if (r >= 0)
                r = lg_manifest_save(in->root, mpath, &inv);
        if (r < 0)
                goto finish;
        hook(in, LG_PROVEN_MANIFEST);

        /* One syncfs() for the whole generation instead of an fsync() per
         * file; then the folder gets its final name. */
        if (syncfs(libfd) < 0) {
                r = negative_errno();
                goto finish;
        }
        if (renameat(libfd, newrel, libfd, finalrel) < 0) {
                r = negative_errno();
                goto finish;
        }
        res.generation = gen;
        hook(in, LG_PROVEN_SEALED);

        r = lg_proven_narrowing(in, &scan, &inv, wfp, nst.boot_seq, res.decision.threshold, &res);
        res.narrow_error = r < 0 ? r : 0;
        /* Agents not installed are no verdicts either, unless the search
         * could not be recorded (then the level-2 items are, as before). */
        r = add_to_quarantine(in, wfp,
                              res.narrow_started || res.narrow_passed ||
                                      (res.narrow_not_installed > 0 && !res.narrow_error),
                              &res);
        if (r < 0)
                goto finish;
        hook(in, LG_PROVEN_QUARANTINE);

        /* Stable names first (harmless: they point through `current`),
         * then the one rename that switches the last known good. */
        r = ensure_link(libfd, "manifest", "current/manifest", in->now_usec);
        if (r >= 0) {
                (void) unlinkat(libfd, ".current.tmp", 0);
                if (symlinkat(target, libfd, ".current.tmp") < 0 ||
                    renameat(libfd, ".current.tmp", libfd, "current") < 0)
                        r = negative_errno();
        }
        if (r < 0)
                goto finish;
        if (fsync(libfd) < 0) {
                r = negative_errno();
                goto finish;
        }
        res.files_written = true;
        hook(in, LG_PROVEN_SWITCHED);
        /* The stable name of the old layout (content -> current/content)
         * points at nothing now: readers use current/copies. */
        {
                struct stat lst;

                if (fstatat(libfd, "content", &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
                        (void) unlinkat(libfd, "content", 0);
        }

finish:
        free(c.share);
        lg_withheld_done(&keep);
        lg_inventory_done(&scan);
        lg_inventory_done(&old);
        lg_inventory_done(&inv);
        free(c.srcdir);
        closep(&c.srcfd);
        if (r < 0) {
                lg_copies_done(&c.new);
                lg_copies_done(&old_copies);
                closep(&c.storefd);
                lg_proven_result_done(&res);
                return r;
        }

        /* The hot record last: until it says proven, the proven write is
         * repeated at the next proven boot. */
        if (res.decision.write || res.state_was_corrupt) {
                r = lg_store_write_state(in->store, &nst);
                if (r < 0) {
                        lg_copies_done(&c.new);
                        lg_copies_done(&old_copies);
                        closep(&c.storefd);
                        lg_proven_result_done(&res);
                        return r;
                }
                res.state_written = r > 0;
                res.state = nst;
        }
        hook(in, LG_PROVEN_STATE);

        /* After the switch, never before: the generations before the old
         * one go, then the store files neither kept generation names. */
        if (res.files_written) {
                prune_generations(libfd, res.generation);
                prune_store(c.storefd, &c.new, cur > 0 && have_old_copies ? &old_copies : NULL,
                            cur > 0 && !have_old_copies && oldrel && old_index_unreadable(libfd, oldrel),
                            &res.n_pruned);
                hook(in, LG_PROVEN_PRUNED);
        }
        lg_copies_done(&c.new);
        lg_copies_done(&old_copies);
        closep(&c.storefd);
        *ret = res;
        return 0;
}
