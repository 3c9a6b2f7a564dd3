/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "bootstate.h"
#include "rootfs.h"
#include "sha256.h"

/* Deny lists (DESIGN.md, "Fleet immunity"; lastgood-deny.d(5)):
 * /etc/lastgood/deny.d/ *.list and /usr/lib/lastgood/deny.d/ *.list, one
 * entry a line:
 *
 *   sha256:HEX KIND NAME [AGENT]  # comment
 *
 * KIND is "module" or "content"; NAME uses \xHH for blank or unprintable
 * bytes; AGENT is a name or "-". Only the fingerprint and the kind decide;
 * the name is for people. The parser is pure (memory buffers); the loader
 * checks who may have written each file. Bounded: a line of at most
 * LG_DENY_LINE_MAX bytes, a file of at most LG_DENY_FILE_MAX, at most
 * LG_DENY_ENTRIES_MAX entries in all. */

#define LG_DENY_DIR_ETC "/etc/lastgood/deny.d"
#define LG_DENY_DIR_USR "/usr/lib/lastgood/deny.d"
#define LG_DENY_LINE_MAX 4096
#define LG_DENY_FILE_MAX (64u * 1024 * 1024)
#define LG_DENY_ENTRIES_MAX 1000000u
#define LG_DENY_FILES_MAX 256u
#define LG_DENY_PROBLEMS_MAX 64u

typedef struct lg_deny_entry {
        uint8_t sha256[LG_SHA256_SIZE];
        lg_item_kind kind;      /* MODULE or CONTENT */
        unsigned file;          /* index into lg_deny.files */
        unsigned line;          /* 1-based */
        const char *name;       /* unescaped, inside the file's buffer */
        const char *agent;      /* NULL for "-" or none */
} lg_deny_entry;

typedef struct lg_deny_problem {
        unsigned file;          /* index into lg_deny.files */
        unsigned line;          /* 0: the whole file */
        const char *what;       /* static text: "line too long", ... */
} lg_deny_problem;

/* What a boot needs from the lists: only the entries that can match an
 * item of this host. With a filter, a line whose fingerprint is not one of
 * the host's (by its first 8 bytes) and that names no in-tree module of the
 * host is skipped after its first field, unparsed and unchecked (doctor
 * checks every line): 100,000 entries then cost a pass over the text. */
typedef struct lg_deny_filter {
        uint64_t *keys;         /* open addressing; 0: empty */
        size_t cap;             /* a power of two, or 0 */
        char **names;           /* module names the lists may deny by name (in-tree), normalized */
        size_t names_cap;
} lg_deny_filter;

/* The filter of an inventory: its items' SHA-256 and its in-tree module
 * names (struct lg_inventory, inventory.h). 0 or -ENOMEM. */
struct lg_inventory;
int lg_deny_filter_build(lg_deny_filter *f, const struct lg_inventory *now);
void lg_deny_filter_done(lg_deny_filter *f);

typedef struct lg_deny {
        size_t n;
        lg_deny_entry *entries;  /* sorted by (sha256, kind) once lg_deny_finish() ran */
        size_t n_files;
        char **files;            /* host paths (or the names given to lg_deny_parse()) */
        char **buffers;          /* each file's text, owned: entries point into them */
        bool *ignored;           /* per file: refused as a whole (see problems) */
        size_t n_problems;       /* at most LG_DENY_PROBLEMS_MAX kept ... */
        size_t n_problems_total; /* ... of this many */
        lg_deny_problem problems[LG_DENY_PROBLEMS_MAX];
        size_t alloc;
        const lg_deny_filter *filter; /* set by lg_deny_load_filtered(), for lg_deny_parse() */
        size_t n_skipped;             /* lines the filter skipped */
} lg_deny;

/* Parse one list (buf of size bytes and one more for a NUL, as
 * lg_read_full_fd() leaves it; taken over: freed by lg_deny_done(), also
 * on error; modified in place) named file, and append its entries to d. Problems are
 * recorded in d and never fail the call; a duplicate (same fingerprint and
 * kind as an earlier entry) is a problem of lg_deny_finish(). Returns the
 * number of entries taken, or -ENOMEM. */
int lg_deny_parse(lg_deny *d, const char *file, char *buf, size_t size);
/* Record a problem of a whole file (or a line of it); the file need not
 * hold entries. Returns 0 or -ENOMEM. */
int lg_deny_add_problem_file(lg_deny *d, const char *file, unsigned line, const char *what);
/* Sort for lg_deny_find() and drop duplicates (the first, by file order
 * and line, is kept; each later one is a problem). Returns 0 or -ENOMEM. */
int lg_deny_finish(lg_deny *d);
/* The entry denying this fingerprint for this kind, or NULL. */
const lg_deny_entry *lg_deny_find(const lg_deny *d, lg_item_kind kind, const uint8_t sha256[LG_SHA256_SIZE]);
/* Why a list file (or the deny.d folder) with this stat is not trusted
 * (DESIGN.md: like /etc/lastgood, root-owned and not writable by others),
 * or NULL when it is. self: the user running lastgood (tests run as a user
 * and own their trees). Pure. */
const char *lg_deny_untrusted(const struct stat *st, uid_t self);
/* Load the *.list files of /etc/lastgood/deny.d and /usr/lib/lastgood/deny.d
 * under root (a file of /etc masks the same name in /usr/lib, as systemd's
 * drop-in folders do), no symlink followed, each file checked with
 * lg_deny_untrusted(), in name order, and lg_deny_finish(). Missing folders
 * are no error. Returns 0 (problems in ret) or -ENOMEM. */
int lg_deny_load(const lg_root *root, lg_deny *ret);
/* Same, only the entries filter may match (NULL: all). */
int lg_deny_load_filtered(const lg_root *root, const lg_deny_filter *filter, lg_deny *ret);
/* "file:line" of an entry into buf. */
const char *lg_deny_where(const lg_deny *d, const lg_deny_entry *e, char *buf, size_t size);
void lg_deny_done(lg_deny *d);

/* "sha256:" and 64 lowercase hex digits into out (72 bytes with the NUL). */
#define LG_SHA256_STRING_MAX 72
char *lg_sha256_to_string(const uint8_t sha256[LG_SHA256_SIZE], char out[static LG_SHA256_STRING_MAX]);
/* Parse "sha256:HEX" (64 hex digits, either case). 0 or -EINVAL. */
int lg_sha256_from_string(const char *s, size_t len, uint8_t ret[LG_SHA256_SIZE]);
