/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootstate.h"
#include "cmdline.h"
#include "config.h"
#include "rootfs.h"
#include "sha256.h"

/* The inventory of third-party items (libkmod), the last-known-good
 * manifest, the diff between them, and the withheld set of a boot.
 *
 * Each item has two fingerprints of its bytes as installed, computed in one
 * read: a 64-bit FNV-1a (the manifest's and the cold record's, 8 bytes in
 * NVRAM) and the SHA-256 that fleets compare (DESIGN.md, "Fleet
 * immunity"). Both are cached by the stat key: a steady boot reads no
 * file. */

#define LG_MANIFEST_PATH "/var/lib/lastgood/manifest"
#define LG_RUN_DIR "/run/lastgood"
#define LG_MODPROBE_CONF "/run/modprobe.d/lastgood.conf"

typedef struct lg_inv_item {
        lg_item_kind kind;     /* MODULE or CONTENT */
        char *name;            /* module name (normalized) or absolute content path */
        char *path;            /* module: path relative to /lib/modules/KVER; content: NULL */
        char *agent;           /* owning agent, or NULL */
        uint64_t fingerprint;
        /* SHA-256 of the same bytes; has_sha256 false for a symlink, a
         * file that could not be read, or an older manifest's entry. */
        uint8_t sha256[LG_SHA256_SIZE];
        bool has_sha256;
        /* stat() key the fingerprint was computed under: a later scan that
         * sees the same key reuses the fingerprint without reading the file.
         * ctime_ns is in the key because no user can set it: a rewrite with
         * the size and mtime restored (touch -d) is still read again
         * (DESIGN.md, "A boot proves only what it ran"). 0: unknown (an
         * older manifest), never matched. */
        uint64_t size, mtime_ns, ino, ctime_ns;
} lg_inv_item;

/* Stat cache of in-tree module files (path relative to /lib/modules/KVER):
 * a file whose stat key matches needs no ELF read to know it is in-tree. */
typedef struct lg_inv_stat {
        char *path;
        uint64_t size, mtime_ns, ino;
} lg_inv_stat;

typedef struct lg_inventory {
        char *kernel;          /* kernel release */
        size_t n;
        lg_inv_item *items;    /* third-party modules and agent content, sorted by (kind, name) */
        size_t n_intree;
        lg_inv_stat *intree;   /* sorted by path; only a cache, never policy input */
        /* As a cache: when it was written (the manifest file's mtime, ns;
         * 0 unknown). A file whose ctime is later was changed since, if
         * only by a restored mtime: its stat key is not trusted (STRICT). */
        uint64_t written_ns;
} lg_inventory;

/* How a cached stat key is compared: STRICT on the same file system (size,
 * mtime ns, inode), LOOSE across a copy into an initramfs image (size and
 * mtime seconds, which cp -p and cpio newc keep). */
typedef enum lg_stat_match {
        LG_STAT_STRICT,
        LG_STAT_LOOSE,
} lg_stat_match;

/* Scan /lib/modules/KVER under root (third-party modules only) and every
 * agent's Content= globs. Unreadable or corrupt module files are skipped
 * and counted in *ret_skipped (may be NULL). Returns 0 or -errno. */
int lg_inventory_scan(const lg_root *root, const char *kernel, const lg_config *config,
                      const lg_agents *agents, lg_inventory *ret, unsigned *ret_skipped);
/* Same, with a previous inventory (usually the manifest) as stat cache:
 * files whose stat key matches are not read at all. cache may be NULL. */
int lg_inventory_scan_cached(const lg_root *root, const char *kernel, const lg_config *config,
                             const lg_agents *agents, const lg_inventory *cache, lg_stat_match match,
                             lg_inventory *ret, unsigned *ret_skipped);
/* Only the agents' content (no module tree): what a content change at run
 * time needs judged, in a stat per file instead of a walk of every module.
 * Returns 0 or -errno. */
int lg_inventory_scan_content(const lg_root *root, const char *kernel, const lg_agents *agents,
                              const lg_inventory *cache, lg_inventory *ret);
/* One content file alone, for a change seen at run time: the item a
 * content scan would give for path (owning agent, fingerprint, stat key;
 * the cached fingerprint when the stat key matches cache, which may be
 * NULL), without walking any folder: judging a change costs what changed,
 * not the whole content set. Reads are bounded by *budget (lowered by
 * what was read; LG_CONTENT_FILE_MAX per file). Returns 1 and *ret (free
 * with lg_inv_item_done()), 0 when a scan would have no item for path (no
 * agent's Content= takes it, gone, no regular file or symlink, a symlink
 * on the way from /), -ENOMEM. */
int lg_inventory_content_one(const lg_root *root, const lg_agents *agents, const lg_inventory *cache,
                             const char *path, uint64_t *budget, lg_inv_item *ret);
void lg_inv_item_done(lg_inv_item *it);
/* Fingerprint of one module file (content hash; compressed files as
 * stored). path is an absolute host path under root. 0 or -errno. */
int lg_module_fingerprint(const lg_root *root, const char *path, uint64_t *ret);
/* Both fingerprints in one read; ret_sha256 may be NULL. 0 or -errno. */
int lg_module_fingerprints(const lg_root *root, const char *path, uint64_t *ret,
                           uint8_t ret_sha256[LG_SHA256_SIZE]);
/* "sha256:HEX" of the item of inv (kind, name) into out, or NULL when it
 * has none. */
const char *lg_inventory_sha256(const lg_inventory *inv, lg_item_kind kind, const char *name,
                                char out[static 72]);
/* How many files the scans of this process hashed (tests and bench/). */
unsigned long long lg_inventory_files_hashed(void);
/* 1 when the uncompressed module open at fd (file_size bytes) carries
 * intree=Y in its .modinfo, 0 when it does not; -EPROTONOSUPPORT when the
 * file is no plain ELF64 object this reader vouches for (ask libkmod),
 * -ENOMEM, or -errno of a read. */
int lg_modinfo_intree_fd(int fd, uint64_t file_size);

/* True for a valid module name (what modprobe.d can carry safely):
 * [A-Za-z0-9_-], 1..LG_ITEM_NAME_MAX bytes. */
bool lg_module_name_valid(const char *name);
/* Binary search: items must be sorted (as scan and load leave them). */
const lg_inv_item *lg_inventory_find(const lg_inventory *inv, lg_item_kind kind, const char *name);
void lg_inventory_done(lg_inventory *inv);

/* The in-tree modules of now (its in-tree stat list) that a deny list
 * names: found by the entry's name, each file read and kept only when its
 * SHA-256 is denied. *ret holds them (kind MODULE, with path and
 * fingerprints), sorted by name; empty when the lists name no module.
 * Returns 0 or -ENOMEM. */
struct lg_deny;
int lg_deny_intree(const lg_root *root, const char *kernel, const lg_inventory *now, const struct lg_deny *deny,
                   lg_inventory *ret);

/* The manifest is an inventory written to a file (text, one item a line).
 * load: 0, -ENOENT, -EBADMSG when corrupt. save: atomic. */
int lg_manifest_load(const lg_root *root, const char *path, lg_inventory *ret);
int lg_manifest_parse(const char *buf, size_t size, lg_inventory *ret);
int lg_manifest_format(const lg_inventory *inv, char **ret, size_t *ret_size);
int lg_manifest_save(const lg_root *root, const char *path, const lg_inventory *inv);

/* Items of now that are new or differ from good; with another kernel
 * release, every item of now. ret is a list of pointers into now. */
typedef struct lg_changes {
        size_t n;
        const lg_inv_item **items;
        bool kernel_changed;
} lg_changes;
int lg_manifest_diff(const lg_inventory *good, const lg_inventory *now, lg_changes *ret);
void lg_changes_done(lg_changes *c);
/* True when now is not the last known good set (new, modified or removed
 * items, another kernel release, or no manifest at all: good == NULL).
 * An item of withheld (the cold record, may be NULL) that is still the one
 * withheld (same fingerprint) or is gone does not run: it is no change, so
 * a host that keeps a bad module or content withheld is in steady state and
 * writes nothing. */
bool lg_manifest_differs(const lg_inventory *good, const lg_inventory *now, const lg_quarantine *withheld);
/* Same, and an item of now that a deny list names (deny may be NULL) is no
 * change either (DESIGN.md, "Fleet immunity": a denied item does not arm). */
struct lg_deny;
bool lg_manifest_differs_deny(const lg_inventory *good, const lg_inventory *now, const lg_quarantine *withheld,
                              const struct lg_deny *deny);

/* The withheld set of one boot. */
typedef enum lg_reason {
        LG_REASON_CHANGED,
        LG_REASON_CRASH_LOG,
        LG_REASON_ALL_THIRD_PARTY,
        LG_REASON_BLOCK,
        LG_REASON_QUARANTINE,
        LG_REASON_DENIED,       /* a deny list names its fingerprint (deny.h) */
        _LG_REASON_MAX,
        _LG_REASON_INVALID = -1,
} lg_reason;
const char *lg_reason_to_string(lg_reason r); /* "changed", "crash-log", ... */
lg_reason lg_reason_from_string(const char *s);

typedef struct lg_withheld_item {
        lg_item_kind kind;
        char *name;
        lg_reason reason;
        char *agent;          /* owning agent or NULL */
        uint64_t fingerprint;
        char *denied_by;      /* DENIED: "FILE:LINE" of the deny list entry */
} lg_withheld_item;

typedef struct lg_withheld {
        size_t n;
        lg_withheld_item *items;
} lg_withheld;

typedef struct lg_policy_input {
        unsigned level;                 /* effective level from lg_machine_step() */
        const lg_inventory *now;        /* may be NULL (pre-udev: initramfs copy only) */
        const lg_changes *changes;      /* may be NULL */
        const lg_quarantine *quarantine;/* may be NULL */
        const lg_cmdline *cmdline;
        const lg_config *config;
        const lg_agents *agents;
        const char *culprit;            /* crash-log fast path, or NULL */
        const struct lg_narrow *narrow; /* a narrowing's probe (narrow.h), or NULL */
        const struct lg_deny *deny;     /* deny lists (deny.h), or NULL */
        const lg_inventory *denied_intree; /* lg_deny_intree(), or NULL */
} lg_policy_input;

/* Pure. Level 1: changed items (+ agent policies), level 2: every
 * third-party module and every agent whose policy is not keep, level 3 and
 * level 0: only quarantine/block/culprit; a narrowing adds the suspects its
 * probe does not re-admit. allow= and Allow= always win,
 * release= drops -- except for denied items (in->deny), withheld at every
 * level and in every mode but off, whatever allow= or release= say (the
 * list's line is the administrator's word; removing it is the way back).
 * Returns 0 or -ENOMEM. */
int lg_policy_compute(const lg_policy_input *in, lg_withheld *ret);
/* Adds unless (kind, name) is there already: 1 added, 0 present, -ENOMEM. */
int lg_withheld_add(lg_withheld *w, lg_item_kind kind, const char *name, lg_reason reason,
                    const char *agent, uint64_t fingerprint);
/* The item denied by where ("FILE:LINE"): added, or its reason turned to
 * DENIED when present. 0 or -ENOMEM. */
int lg_withheld_set_denied(lg_withheld *w, lg_item_kind kind, const char *name, const char *agent,
                           uint64_t fingerprint, const char *where);
void lg_withheld_done(lg_withheld *w);
