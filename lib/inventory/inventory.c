/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inventory of third-party items: modules of /lib/modules/KVER (libkmod
 * reads their modinfo, compressed or not) and the agents' content files.
 *
 * The common case must be cheap: a file whose stat key (size, mtime ns,
 * inode) matches the cache (the last-known-good manifest) is not opened at
 * all, in-tree or not. Only new or touched files are read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kmod-api.h"
#include "copy.h"
#include "deny.h"
#include "inventory.h"
#include "macro.h"
#include "safepath.h"
#include "strv.h"

#define WALK_DEPTH_MAX 16
#define MODULE_FILE_MAX (256u * 1024 * 1024)

static const char *const module_suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };

bool lg_module_name_valid(const char *name) {
        size_t n = 0;

        if (!name)
                return false;
        for (const char *p = name; *p; p++, n++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '-'))
                        return false;
        return n > 0 && n <= LG_ITEM_NAME_MAX;
}

/* "foo-bar.ko.xz" -> "foo_bar", or NULL when not a module file name. */
static char *module_name_from_file(const char *file) {
        size_t len = strlen(file);

        for (size_t i = 0; i < ELEMENTSOF(module_suffixes); i++) {
                size_t sl = strlen(module_suffixes[i]);
                _cleanup_free_ char *base = NULL;

                if (len <= sl || !streq(file + len - sl, module_suffixes[i]))
                        continue;
                base = strndup(file, len - sl);
                if (!base)
                        return NULL;
                return lg_module_name_normalize(base);
        }
        return NULL;
}

static bool is_module_file(const char *file) {
        size_t len = strlen(file);

        for (size_t i = 0; i < ELEMENTSOF(module_suffixes); i++) {
                size_t sl = strlen(module_suffixes[i]);
                if (len > sl && streq(file + len - sl, module_suffixes[i]))
                        return true;
        }
        return false;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t size) {
        const unsigned char *p = data;

        for (size_t i = 0; i < size; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

static uint64_t stat_mtime_ns(const struct stat *st) {
        return (uint64_t) st->st_mtim.tv_sec * 1000000000ULL + (uint64_t) st->st_mtim.tv_nsec;
}

static uint64_t stat_ctime_ns(const struct stat *st) {
        return (uint64_t) st->st_ctim.tv_sec * 1000000000ULL + (uint64_t) st->st_ctim.tv_nsec;
}

/* STRICT (same file system): the ctime must match too. LOOSE (a copy into
 * an initramfs image) cannot keep it. */
static bool ctime_match(lg_stat_match match, uint64_t ctime_ns, const struct stat *st) {
        return match == LG_STAT_LOOSE || (ctime_ns != 0 && ctime_ns == stat_ctime_ns(st));
}

static unsigned long long files_hashed;

unsigned long long lg_inventory_files_hashed(void) {
        return files_hashed;
}

static int fingerprint_fd_max(int fd, uint64_t max, uint64_t *ret, uint8_t *ret_sha256) {
        char buf[65536];
        uint64_t h = FNV_OFFSET, total = 0;
        lg_sha256 sha;

        files_hashed++;
        lg_sha256_init(&sha);

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                h = fnv1a(h, buf, (size_t) n);
                if (ret_sha256)
                        lg_sha256_update(&sha, buf, (size_t) n);
                total += (uint64_t) n;
                if (total > max)
                        return -EFBIG;
        }
        h = fnv1a(h, &total, sizeof(total));
        if (ret_sha256)
                lg_sha256_final(&sha, ret_sha256);
        /* 0 means "no fingerprint" in the cold record. */
        *ret = h ? h : 1;
        return 0;
}

static int fingerprint_fd(int fd, uint64_t *ret, uint8_t *ret_sha256) {
        return fingerprint_fd_max(fd, MODULE_FILE_MAX, ret, ret_sha256);
}

/* Content: by what it holds, so that the same bad file downloaded again
 * (new inode, new mtime) is known as the withheld one. A symlink by its
 * target, never followed. What cannot be read (gone, EACCES, larger than
 * CONTENT_FILE_MAX) falls back to its stat() data: still a change when it
 * changes, only never matched again. */
static uint64_t content_fingerprint(int dirfd, const char *name, const struct stat *st, uint64_t *budget,
                                    uint8_t sha256[LG_SHA256_SIZE], bool *ret_has_sha256) {
        uint64_t h = FNV_OFFSET, v[3] = { (uint64_t) st->st_size, stat_mtime_ns(st), (uint64_t) st->st_ino };

        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dirfd, name, target, sizeof(target));

                if (n >= 0) {
                        h = fnv1a(h, "symlink:", 8);
                        h = fnv1a(h, target, (size_t) n);
                        return h ? h : 1;
                }
        } else {
                _cleanup_close_ int fd =
                        openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                struct stat now;
                uint64_t fp;

                /* Bounded per file and per scan (DESIGN.md, "Trust
                 * boundaries"): sparse or huge files must not hold the boot
                 * up; past the budget, the stat() data stand in. */
                if (fd >= 0 && fstat(fd, &now) == 0 && S_ISREG(now.st_mode) && now.st_ino == st->st_ino &&
                    (uint64_t) now.st_size <= MIN(LG_CONTENT_FILE_MAX, *budget)) {
                        *budget -= (uint64_t) now.st_size;
                        if (fingerprint_fd_max(fd, (uint64_t) now.st_size, &fp, sha256) == 0) {
                                *ret_has_sha256 = true;
                                return fp;
                        }
                }
        }
        h = fnv1a(h, v, sizeof(v));
        return h ? h : 1;
}

int lg_module_fingerprints(const lg_root *root, const char *path, uint64_t *ret,
                           uint8_t ret_sha256[LG_SHA256_SIZE]) {
        _cleanup_close_ int fd = lg_root_open(root, path, O_RDONLY | O_NOCTTY, 0);

        if (fd < 0)
                return fd;
        return fingerprint_fd(fd, ret, ret_sha256);
}

int lg_module_fingerprint(const lg_root *root, const char *path, uint64_t *ret) {
        return lg_module_fingerprints(root, path, ret, NULL);
}

const char *lg_inventory_sha256(const lg_inventory *inv, lg_item_kind kind, const char *name,
                                char out[static 72]) {
        const lg_inv_item *it = lg_inventory_find(inv, kind, name);

        if (!it || !it->has_sha256)
                return NULL;
        return lg_sha256_to_string(it->sha256, out);
}

/* written_ns: when the cache was written (0: unknown). On the same file
 * system a ctime after it means the file changed since, whatever its
 * mtime says: mtime can be set back (touch -r, cp -p), ctime cannot. */
static bool stat_key_match(lg_stat_match match, uint64_t size, uint64_t mtime_ns, uint64_t ino,
                           uint64_t written_ns, const struct stat *st) {
        uint64_t ctime_ns = (uint64_t) st->st_ctim.tv_sec * 1000000000ULL + (uint64_t) st->st_ctim.tv_nsec;

        if (size != (uint64_t) st->st_size)
                return false;
        if (match == LG_STAT_LOOSE)
                return mtime_ns / 1000000000ULL == (uint64_t) st->st_mtim.tv_sec;
        return mtime_ns == stat_mtime_ns(st) && ino == (uint64_t) st->st_ino &&
               (written_ns == 0 || ctime_ns <= written_ns);
}

/* Lookup tables over the cache, by module path. */
typedef struct cache_index {
        const lg_inv_item **items; /* modules, by path */
        size_t n_items;
        const lg_inventory *inv;   /* ->intree is sorted by path already */
} cache_index;

static int cmp_item_path(const void *a, const void *b) {
        const lg_inv_item *x = *(const lg_inv_item *const *) a, *y = *(const lg_inv_item *const *) b;
        return strcmp(x->path, y->path);
}

static int cmp_stat_path(const void *a, const void *b) {
        return strcmp(((const lg_inv_stat *) a)->path, ((const lg_inv_stat *) b)->path);
}

static int cache_index_build(const lg_inventory *cache, cache_index *ret) {
        *ret = (cache_index) { .inv = cache };
        if (!cache || cache->n == 0)
                return 0;
        ret->items = malloc(sizeof(*ret->items) * cache->n);
        if (!ret->items)
                return -ENOMEM;
        for (size_t i = 0; i < cache->n; i++)
                if (cache->items[i].kind == LG_ITEM_MODULE && cache->items[i].path)
                        ret->items[ret->n_items++] = &cache->items[i];
        qsort(ret->items, ret->n_items, sizeof(*ret->items), cmp_item_path);
        return 0;
}

static const lg_inv_item *cache_find_item(const cache_index *c, const char *path) {
        lg_inv_item key = { .path = (char *) path };
        const lg_inv_item *k = &key, **f;

        if (!c->items)
                return NULL;
        f = bsearch(&k, c->items, c->n_items, sizeof(*c->items), cmp_item_path);
        return f ? *f : NULL;
}

static const lg_inv_stat *cache_find_intree(const cache_index *c, const char *path) {
        lg_inv_stat key = { .path = (char *) path };

        if (!c->inv || c->inv->n_intree == 0)
                return NULL;
        return bsearch(&key, c->inv->intree, c->inv->n_intree, sizeof(lg_inv_stat), cmp_stat_path);
}

typedef struct scan {
        const lg_root *root;
        const lg_config *config;
        const lg_agents *agents;
        cache_index cache;
        lg_stat_match match;
        const lg_kmod_api *kmod_api; /* acquired at the first modinfo read */
        struct kmod_ctx *kmod;
        char *moddir;          /* host path "/lib/modules/KVER" */
        char *moddir_full;     /* the same under the root prefix, for libkmod */
        lg_inventory inv;
        size_t alloc, alloc_intree;
        unsigned skipped;
        uint64_t hash_budget; /* content bytes this scan may still read */
} scan;

static int push_item(scan *s, lg_inv_item *it) {
        if (s->inv.n == s->alloc) {
                size_t want = s->alloc ? s->alloc * 2 : 64;
                lg_inv_item *t = realloc(s->inv.items, sizeof(*t) * want);

                if (!t)
                        return -ENOMEM;
                s->inv.items = t;
                s->alloc = want;
        }
        s->inv.items[s->inv.n++] = *it;
        return 0;
}

static int push_intree(scan *s, const char *path, const struct stat *st) {
        lg_inv_stat *e;

        if (s->inv.n_intree == s->alloc_intree) {
                size_t want = s->alloc_intree ? s->alloc_intree * 2 : 256;
                lg_inv_stat *t = realloc(s->inv.intree, sizeof(*t) * want);

                if (!t)
                        return -ENOMEM;
                s->inv.intree = t;
                s->alloc_intree = want;
        }
        e = &s->inv.intree[s->inv.n_intree];
        *e = (lg_inv_stat) { .size = (uint64_t) st->st_size, .mtime_ns = stat_mtime_ns(st),
                             .ino = (uint64_t) st->st_ino };
        e->path = strdup(path);
        if (!e->path)
                return -ENOMEM;
        s->inv.n_intree++;
        return 0;
}

static bool under_third_party_dir(const scan *s, const char *rel) {
        const char *slash = strchr(rel, '/');
        char *const *dirs = s->config ? s->config->third_party_dirs : NULL;
        static const char *const fallback[] = { "updates", "extra", "weak-updates", "dkms", NULL };

        if (!dirs)
                dirs = (char *const *) fallback;
        if (!slash)
                return false;
        /* updates/, extra/, weak-updates/ at the top of the tree; a dkms/
         * folder (or any configured name) anywhere below it. */
        for (const char *p = rel; (slash = strchr(p, '/')); p = slash + 1) {
                size_t len = (size_t) (slash - p);

                for (char *const *d = dirs; *d; d++)
                        if (strlen(*d) == len && strncmp(*d, p, len) == 0 &&
                            (p == rel || streq(*d, "dkms")))
                                return true;
                if (len == 4 && strncmp(p, "dkms", 4) == 0)
                        return true;
        }
        return false;
}

/* Reads modinfo: of a plain .ko by its .modinfo section (modinfo.c), else
 * through libkmod (decompresses as needed). 1 = in-tree, 0 = out of tree,
 * -errno when the file is no usable module. */
static int read_intree(scan *s, const char *rel) {
        _cleanup_free_ char *full = NULL;
        struct kmod_module *mod = NULL;
        struct kmod_list *info = NULL, *l;
        int r, intree = 0;

        const lg_kmod_api *k;

        if (strlen(rel) > 3 && streq(rel + strlen(rel) - 3, ".ko")) {
                _cleanup_close_ int fd = -EBADF;
                struct stat st;

                if (asprintf(&full, "%s/%s", s->moddir, rel) < 0)
                        return -ENOMEM;
                fd = lg_root_open(s->root, full, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
                if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
                        r = lg_modinfo_intree_fd(fd, (uint64_t) st.st_size);
                        if (r >= 0 || r == -ENOMEM)
                                return r;
                }
                free(full);
                full = NULL;
        }

        if (!s->kmod_api) {
                s->kmod_api = lg_kmod_api_acquire();
                if (!s->kmod_api)
                        return -errno;
        }
        k = s->kmod_api;
        if (!s->kmod) {
                /* No configuration at all: modinfo needs none, and the host's
                 * /etc/modprobe.d must not leak into a --root run. */
                static const char *const no_config[] = { NULL };

                s->kmod = k->new_ctx(s->moddir_full, no_config);
                if (!s->kmod)
                        return -ENOMEM;
                k->set_log_priority(s->kmod, 0);
        }
        if (asprintf(&full, "%s/%s", s->moddir_full, rel) < 0)
                return -ENOMEM;
        r = k->module_new_from_path(s->kmod, full, &mod);
        if (r < 0)
                return r;
        r = k->module_get_info(mod, &info);
        if (r < 0) {
                k->module_unref(mod);
                return r;
        }
        for (l = info; l; l = k->list_next(info, l))
                if (streq(k->module_info_get_key(l), "intree") && streq_ptr(k->module_info_get_value(l), "Y"))
                        intree = 1;
        k->module_info_free_list(info);
        k->module_unref(mod);
        return intree;
}

static int scan_module(scan *s, int dfd, const char *file, const char *rel) {
        _cleanup_free_ char *name = NULL, *abs = NULL;
        const lg_inv_item *cached;
        const lg_agent *agent;
        struct stat st;
        bool third;
        lg_inv_item it;
        int r;

        /* Follow symlinks (weak-updates/ is made of them), but a loop or a
         * dangling link is only a skipped file. */
        if (fstatat(dfd, file, &st, 0) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
                s->skipped++;
                return 0;
        }
        name = module_name_from_file(file);
        if (!name)
                return -ENOMEM;
        if (!lg_module_name_valid(name)) {
                s->skipped++;
                return 0;
        }

        agent = s->agents ? lg_agents_find_module(s->agents, name) : NULL;
        third = agent || under_third_party_dir(s, rel);

        cached = cache_find_item(&s->cache, rel);
        if (cached && (!streq(cached->name, name) ||
                       !stat_key_match(s->match, cached->size, cached->mtime_ns, cached->ino, s->cache.inv->written_ns, &st) ||
                       !ctime_match(s->match, cached->ctime_ns, &st)))
                cached = NULL;

        if (!cached && !third) {
                const lg_inv_stat *c = cache_find_intree(&s->cache, rel);

                if (c && stat_key_match(s->match, c->size, c->mtime_ns, c->ino, s->cache.inv->written_ns, &st))
                        return push_intree(s, rel, &st);
        }

        it = (lg_inv_item){ .kind = LG_ITEM_MODULE,
                            .size = (uint64_t) st.st_size,
                            .mtime_ns = stat_mtime_ns(&st),
                            .ino = (uint64_t) st.st_ino,
                            .ctime_ns = stat_ctime_ns(&st) };
        if (cached && cached->has_sha256) {
                it.fingerprint = cached->fingerprint;
                memcpy(it.sha256, cached->sha256, sizeof(it.sha256));
                it.has_sha256 = true;
        } else if (cached) {
                /* Known, but from a manifest older than the SHA-256s: read
                 * once more for it (the same FNV comes out). */
                if (asprintf(&abs, "%s/%s", s->moddir, rel) < 0)
                        return -ENOMEM;
                r = lg_module_fingerprints(s->root, abs, &it.fingerprint, it.sha256);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        it.fingerprint = cached->fingerprint;
                else
                        it.has_sha256 = true;
        } else {
                /* Read it: this validates the ELF even for updates/ files,
                 * so a truncated or non-ELF file is skipped, not listed. */
                r = read_intree(s, rel);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        s->skipped++;
                        return 0;
                }
                if (r > 0 && !third)
                        return push_intree(s, rel, &st);
                if (asprintf(&abs, "%s/%s", s->moddir, rel) < 0)
                        return -ENOMEM;
                r = lg_module_fingerprints(s->root, abs, &it.fingerprint, it.sha256);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        s->skipped++;
                        return 0;
                }
                it.has_sha256 = true;
        }

        it.name = TAKE_PTR(name);
        it.path = strdup(rel);
        it.agent = agent ? strdup(agent->name) : NULL;
        if (!it.path || (agent && !it.agent)) {
                free(it.name);
                free(it.path);
                free(it.agent);
                return -ENOMEM;
        }
        r = push_item(s, &it);
        if (r < 0) {
                free(it.name);
                free(it.path);
                free(it.agent);
        }
        return r;
}

static int walk(scan *s, int dfd, const char *rel, unsigned depth) {
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (depth > WALK_DEPTH_MAX) {
                close(dfd);
                s->skipped++;
                return 0;
        }
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                s->skipped++;
                return 0;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                unsigned char type = de->d_type;

                if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
                        continue;
                if (asprintf(&sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (type == DT_UNKNOWN) {
                        struct stat st;

                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
                }
                if (type == DT_DIR) {
                        /* Never through a symlink: O_NOFOLLOW keeps loops out. */
                        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        if (fd < 0) {
                                s->skipped++;
                                continue;
                        }
                        r = walk(s, fd, sub, depth + 1);
                        if (r < 0)
                                break;
                        continue;
                }
                if ((type != DT_REG && type != DT_LNK) || !is_module_file(de->d_name))
                        continue;
                r = scan_module(s, dirfd(d), de->d_name, sub);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

/* Matched by an earlier pattern (items before `end`)? One glob never yields
 * a path twice, so a pattern's own matches need no look-up: a folder of
 * 10,000 content files under one glob costs nothing here (it was
 * quadratic). Not sorted yet while scanning. */
static bool content_seen(const lg_inventory *inv, size_t end, const char *path) {
        for (size_t i = end; i > 0; i--) {
                if (inv->items[i - 1].kind != LG_ITEM_CONTENT)
                        break;
                if (streq(inv->items[i - 1].name, path))
                        return true;
        }
        return false;
}

typedef struct content_walk {
        scan *s;
        const lg_agent *ag;
        size_t before;
} content_walk;

/* The item of one content file, as every scan computes it: the cached
 * fingerprint when the stat key is unchanged (no read), else the bytes
 * (bounded by *budget). it->name and it->agent are left to the caller. */
static void content_item(int dirfd, const char *name, const char *path, const struct stat *st,
                         const lg_inventory *cache, uint64_t *budget, lg_inv_item *it) {
        const lg_inv_item *cached;
        uint8_t sha[LG_SHA256_SIZE] = {};
        bool has_sha = false;
        uint64_t fp;

        /* Unchanged stat key: the cached fingerprint, no read (10,000 files
         * cost 10,000 lstat()). */
        cached = cache ? lg_inventory_find(cache, LG_ITEM_CONTENT, path) : NULL;
        if (cached && cached->fingerprint && (cached->has_sha256 || S_ISLNK(st->st_mode)) &&
            stat_key_match(LG_STAT_STRICT, cached->size, cached->mtime_ns, cached->ino, cache->written_ns, st) &&
            ctime_match(LG_STAT_STRICT, cached->ctime_ns, st)) {
                fp = cached->fingerprint;
                memcpy(sha, cached->sha256, sizeof(sha));
                has_sha = cached->has_sha256;
        } else
                fp = content_fingerprint(dirfd, name, st, budget, sha, &has_sha);
        *it = (lg_inv_item){ .kind = LG_ITEM_CONTENT,
                             .fingerprint = fp,
                             .size = (uint64_t) st->st_size,
                             .mtime_ns = stat_mtime_ns(st),
                             .ino = (uint64_t) st->st_ino,
                             .ctime_ns = stat_ctime_ns(st),
                             .has_sha256 = has_sha };
        memcpy(it->sha256, sha, sizeof(sha));
}

static int content_match(int dirfd, const char *name, const char *path, const struct stat *st,
                         void *userdata) {
        content_walk *w = userdata;
        scan *s = w->s;
        lg_inv_item it;

        if (!(S_ISREG(st->st_mode) || S_ISLNK(st->st_mode)))
                return 0;
        if (content_seen(&s->inv, w->before, path))
                return 0; /* two globs, one file */
        content_item(dirfd, name, path, st, s->cache.inv, &s->hash_budget, &it);
        it.name = strdup(path);
        it.agent = strdup(w->ag->name);
        if (!it.name || !it.agent || push_item(s, &it) < 0) {
                free(it.name);
                free(it.agent);
                return -ENOMEM;
        }
        return 0;
}

/* Content files: the agent's globs matched from the root with directory
 * fds, never through a symlink (lg_safe_glob()): a content folder, or a
 * folder above it, swapped for a symlink by the agent's user matches
 * nothing; a matched symlink is fingerprinted as a link. */
static int scan_content(scan *s) {
        for (size_t a = 0; s->agents && a < s->agents->n; a++) {
                const lg_agent *ag = &s->agents->agents[a];

                for (char **pat = ag->content; pat && *pat; pat++) {
                        content_walk w = { .s = s, .ag = ag, .before = s->inv.n };
                        int r;

                        r = lg_safe_glob(s->root, *pat, 0, content_match, &w, NULL);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                s->skipped++;
                }
        }
        return 0;
}

static int cmp_item(const void *a, const void *b) {
        const lg_inv_item *x = a, *y = b;
        int c;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        c = strcmp(x->name, y->name);
        if (c)
                return c;
        /* Same module name twice: updates/ first, as depmod's search order. */
        return strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

static void item_free(lg_inv_item *it) {
        free(it->name);
        free(it->path);
        free(it->agent);
}

static void scan_done(scan *s) {
        free(s->cache.items);
        if (s->kmod)
                s->kmod_api->unref(s->kmod);
        if (s->kmod_api)
                lg_kmod_api_release();
        free(s->moddir);
        free(s->moddir_full);
        lg_inventory_done(&s->inv);
}

static int inventory_scan(const lg_root *root, const char *kernel, const lg_config *config,
                          const lg_agents *agents, const lg_inventory *cache, lg_stat_match match,
                          bool modules, lg_inventory *ret, unsigned *ret_skipped) {
        scan s = { .root = root,
                   .config = config,
                   .agents = agents,
                   .match = match,
                   .hash_budget = LG_CONTENT_TOTAL_MAX };
        int r, fd;

        if (!kernel || !kernel[0] || strchr(kernel, '/'))
                return -EINVAL;
        r = cache_index_build(cache, &s.cache);
        if (r < 0)
                return r;
        s.inv.kernel = strdup(kernel);
        if (!s.inv.kernel || asprintf(&s.moddir, "/lib/modules/%s", kernel) < 0) {
                s.moddir = NULL;
                scan_done(&s);
                return -ENOMEM;
        }
        s.moddir_full = lg_root_path(root, s.moddir);
        if (!s.moddir_full) {
                scan_done(&s);
                return -ENOMEM;
        }

        fd = modules ? lg_root_open(root, s.moddir, O_RDONLY | O_DIRECTORY, 0) : -ENOENT;
        if (fd >= 0)
                r = walk(&s, fd, "", 0);
        else if (fd != -ENOENT)
                s.skipped++;
        if (r >= 0)
                r = scan_content(&s);
        if (r < 0) {
                scan_done(&s);
                return r;
        }

        /* qsort() of NULL is undefined even for 0 items. */
        if (s.inv.n > 1)
                qsort(s.inv.items, s.inv.n, sizeof(lg_inv_item), cmp_item);
        /* Drop later duplicates of a module name (kept order: by path). */
        for (size_t i = 1, w = 1; i <= s.inv.n; i++) {
                if (i == s.inv.n) {
                        s.inv.n = w;
                        break;
                }
                if (s.inv.items[i].kind == s.inv.items[w - 1].kind &&
                    streq(s.inv.items[i].name, s.inv.items[w - 1].name))
                        item_free(&s.inv.items[i]);
                else
                        s.inv.items[w++] = s.inv.items[i];
        }
        if (s.inv.n_intree)
                qsort(s.inv.intree, s.inv.n_intree, sizeof(lg_inv_stat), cmp_stat_path);

        if (ret_skipped)
                *ret_skipped = s.skipped;
        *ret = s.inv;
        s.inv = (lg_inventory) {};
        scan_done(&s);
        return 0;
}

int lg_inventory_scan_cached(const lg_root *root, const char *kernel, const lg_config *config,
                             const lg_agents *agents, const lg_inventory *cache, lg_stat_match match,
                             lg_inventory *ret, unsigned *ret_skipped) {
        return inventory_scan(root, kernel, config, agents, cache, match, true, ret, ret_skipped);
}

int lg_inventory_scan_content(const lg_root *root, const char *kernel, const lg_agents *agents,
                              const lg_inventory *cache, lg_inventory *ret) {
        return inventory_scan(root, kernel, NULL, agents, cache, LG_STAT_STRICT, false, ret, NULL);
}

/* The first agent whose Content= globs, as lg_safe_glob() matches them
 * (per component, FNM_PERIOD), take path; NULL for none. */
static const lg_agent *content_owner(const lg_agents *agents, const char *path) {
        for (size_t a = 0; agents && a < agents->n; a++)
                for (char **pat = agents->agents[a].content; pat && *pat; pat++)
                        if ((*pat)[0] == '/' && fnmatch(*pat, path, FNM_PATHNAME | FNM_PERIOD) == 0)
                                return &agents->agents[a];
        return NULL;
}

int lg_inventory_content_one(const lg_root *root, const lg_agents *agents, const lg_inventory *cache,
                             const char *path, uint64_t *budget, lg_inv_item *ret) {
        _cleanup_close_ int parent = -EBADF;
        const lg_agent *ag;
        const char *base;
        struct stat st;
        lg_inv_item it;

        ag = content_owner(agents, path);
        if (!ag)
                return 0;
        /* From / with no symlink on the way, as the scan's walk: a folder
         * swapped for a symlink matches nothing. */
        parent = lg_safe_open_parent(root, path, &base);
        if (parent == -ENOMEM)
                return parent;
        if (parent < 0)
                return 0;
        if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOMEM ? -ENOMEM : 0;
        if (!(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
                return 0;
        content_item(parent, base, path, &st, cache, budget, &it);
        it.name = strdup(path);
        it.agent = strdup(ag->name);
        if (!it.name || !it.agent) {
                free(it.name);
                free(it.agent);
                return -ENOMEM;
        }
        *ret = it;
        return 1;
}

void lg_inv_item_done(lg_inv_item *it) {
        if (!it)
                return;
        item_free(it);
        *it = (lg_inv_item){};
}

int lg_inventory_scan(const lg_root *root, const char *kernel, const lg_config *config,
                      const lg_agents *agents, lg_inventory *ret, unsigned *ret_skipped) {
        return lg_inventory_scan_cached(root, kernel, config, agents, NULL, LG_STAT_STRICT, ret, ret_skipped);
}

const lg_inv_item *lg_inventory_find(const lg_inventory *inv, lg_item_kind kind, const char *name) {
        _cleanup_free_ char *norm = NULL;

        if (!inv || !name)
                return NULL;
        if (kind == LG_ITEM_MODULE) {
                norm = lg_module_name_normalize(name);
                if (!norm)
                        return NULL;
                name = norm;
        }
        /* items are sorted by (kind, name): binary search on those two. */
        for (size_t lo = 0, hi = inv->n; lo < hi;) {
                size_t mid = lo + (hi - lo) / 2;
                const lg_inv_item *it = &inv->items[mid];
                int c = it->kind != kind ? (it->kind < kind ? -1 : 1) : strcmp(it->name, name);

                if (c == 0)
                        return it;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

void lg_inventory_done(lg_inventory *inv) {
        if (!inv)
                return;
        for (size_t i = 0; i < inv->n; i++)
                item_free(&inv->items[i]);
        for (size_t i = 0; i < inv->n_intree; i++)
                free(inv->intree[i].path);
        free(inv->items);
        free(inv->intree);
        free(inv->kernel);
        *inv = (lg_inventory) {};
}
