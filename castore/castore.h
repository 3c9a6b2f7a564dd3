/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "rootfs.h"

/* The content-addressed store of last good copies, and the index of a
 * generation that names them.
 *
 *   /var/lib/lastgood/store/KK/KEY     one last good copy (root's, 0700 folders)
 *   /var/lib/lastgood/generations/N/copies
 *                                      AGENT/PATH -> KEY for generation N
 *
 * KEY is 64 lowercase hex digits: the SHA-256 of a header (owner, group,
 * mode, mtime and size of the copy) and of the copy's bytes, so that a
 * copy is stored once for every generation that holds it, and a store file
 * whose bytes or metadata were damaged is told by its name (-EBADMSG). KK
 * is the first two digits. Copies are written under a hidden temporary
 * name in the store and renamed to their key; the caller syncs the file
 * system (syncfs()) before any index names them, and an existing entry is
 * verified before it is trusted, so a power cut between the rename and the
 * sync is repaired by the next put. Library code: returns -errno, never
 * logs. */

#define LG_CASTORE_DIR "/var/lib/lastgood/store"
#define LG_COPIES_NAME "copies"
#define LG_COPIES_PATH "/var/lib/lastgood/current/copies"
#define LG_CASTORE_KEY_LEN 64

/* True for 64 lowercase hex digits. */
bool lg_castore_key_valid(const char *key);

/* Open the store folder (created 0700 when create). Returns an fd, -errno. */
int lg_castore_open(const lg_root *root, bool create);

/* The key of the open regular file fd (read with pread() from offset 0;
 * at most max bytes, else -EFBIG). Returns 0 or -errno. */
int lg_castore_key_fd(int fd, uint64_t max, char ret_key[LG_CASTORE_KEY_LEN + 1]);

/* Copy the regular file in (st: its fstat()) into the store: reflink or a
 * sparse copy, owner, mode and times kept. Bounded by apparent size: a file
 * whose st_size is over max (0: no limit but LG_CONTENT_FILE_MAX) is not
 * read at all
 * (-EFBIG), since its key hashes every byte up to st_size, holes included (an owner that cannot be set is left as it is: the key
 * says what was stored). *ret_data (may be NULL): data bytes copied;
 * *ret_new (may be NULL): false when the store held the key already.
 * Returns 0 or -errno, with no temporary file left. */
int lg_castore_put(int storefd, int in, const struct stat *st, uint64_t max,
                   char ret_key[LG_CASTORE_KEY_LEN + 1], uint64_t *ret_data, bool *ret_new);

/* Open the folder holding key's copy, after checking the copy (regular
 * file, no symlink, its key matches its name). The copy is then the entry
 * named key in that folder. Returns an fd, -ENOENT, -EBADMSG (damaged),
 * -EINVAL (bad key), -errno. */
int lg_castore_open_entry(int storefd, const char *key);

/* The stat() of key's store file, nothing read: 0, -ENOENT, -EBADMSG (no
 * regular file), -EINVAL (bad key), -errno. */
int lg_castore_stat(int storefd, const char *key, struct stat *ret);

/* Copy key's store file into out (an empty regular file open for writing),
 * hashing in the same pass exactly the bytes written (holes stay holes):
 * what lands in out is what the key names, or nothing to rely on. Bounded
 * by apparent size: over max (0: no limit but LG_CONTENT_FILE_MAX) nothing
 * is read
 * (-EFBIG). *ret_st (may be NULL): the store file's stat(), whose owner,
 * mode and times the caller gives out. Returns 0, -ENOENT, -EBADMSG (the
 * bytes or metadata do not match the key: out holds garbage), -EINVAL (bad
 * key), -errno. */
int lg_castore_export(int storefd, const char *key, uint64_t max, int out, struct stat *ret_st);

/* Remove every store file whose key is not in keep (n_keep keys, any
 * order; duplicates allowed), and leftover temporary files. Entries that
 * are no regular files are left alone. *ret_removed (may be NULL): files
 * removed. Returns 0 or -errno. */
int lg_castore_prune(int storefd, const char *const *keep, size_t n_keep, size_t *ret_removed);

/* The index of a generation. */
typedef struct lg_copy_entry {
        char *path;   /* absolute host path of the content file */
        char *agent;
        char key[LG_CASTORE_KEY_LEN + 1];
} lg_copy_entry;

typedef struct lg_copies {
        size_t n, alloc;
        lg_copy_entry *e;   /* sorted by path once lg_copies_sort() ran (parse sorts) */
} lg_copies;

void lg_copies_done(lg_copies *c);
/* Append (the entry is copied). Returns 0, -EINVAL (bad key, agent or
 * path), -ENOMEM. */
int lg_copies_add(lg_copies *c, const char *agent, const char *path, const char *key);
void lg_copies_sort(lg_copies *c);
/* Sorted index: the entry of path, or NULL. */
const lg_copy_entry *lg_copies_find(const lg_copies *c, const char *path);

/*   lastgood-copies 1
 *   KEY AGENT PATH           (escaped as in the manifest: \xHH)
 *   end COUNT
 * Parse: 0, -EBADMSG for anything malformed or truncated, -ENOMEM. */
int lg_copies_format(const lg_copies *c, char **ret, size_t *ret_size);
int lg_copies_parse(const char *buf, size_t size, lg_copies *ret);
/* Load an index file (a host path under root). -ENOENT when missing. */
int lg_copies_load(const lg_root *root, const char *path, lg_copies *ret);
/* Load the index name in the folder dfd (no symlink followed at the last
 * component). -ENOENT when missing. */
int lg_copies_load_at(int dfd, const char *name, lg_copies *ret);

/* The last good copy of agent's content file path (absolute host path) in
 * the current generation (LG_COPIES_PATH): an fd of the store folder that
 * holds it, checked as lg_castore_open_entry() does, and its name there in
 * ret_key. Returns the fd; -ENOENT when the index has no sound entry for
 * it; -ENODATA when there is no index at all (an older version's layout:
 * the caller may read its content/ folder); -EBADMSG for an index or a
 * copy that is damaged; -errno. */
int lg_lastgood_copy_open(const lg_root *root, const char *agent, const char *path,
                          char ret_key[LG_CASTORE_KEY_LEN + 1]);
/* The same, the key only (nothing in the store is read): 0, -ENOENT,
 * -ENODATA, -EBADMSG (damaged index), -errno. */
int lg_lastgood_copy_key(const lg_root *root, const char *agent, const char *path,
                         char ret_key[LG_CASTORE_KEY_LEN + 1]);
