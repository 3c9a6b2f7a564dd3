/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* lib/parse/config.h: included through inventory.h, since a plain "config.h"
 * from this folder would find autoconf's config.h of the build tree. */
#include "inventory.h"
#include "rootfs.h"

/* Moving agent content safely (DESIGN.md: "Lose nothing", "Keep security
 * on"). Shared by lastgood-apply (withhold at boot) and lastgoodctl
 * (list, restore).
 *
 * Layout under /var/lib/lastgood/ (the watchdog writes the first, lastgood
 * writes and reads the second):
 *
 *   store/KK/KEY, named by current/copies (castore/castore.h)
 *       the last good copy of each content file, refreshed by the watchdog
 *       at each proven boot; an older version kept them in
 *       content/<agent>/<absolute path without leading '/'>, still read
 *       while the current generation has no index;
 *   quarantine/<batch>/<agent>/<absolute path without leading '/'>
 *       withheld content files; <batch> is the boot sequence number in
 *       decimal, or "<boot-seq>.<n>" (n = 1..99) when the same path was
 *       already quarantined under that sequence number.
 *
 * Every walk below a content folder, the content store or the quarantine
 * opens each folder with O_NOFOLLOW|O_DIRECTORY, and entries are moved with
 * renameat2(RENAME_NOREPLACE): a symlink planted in a content folder can
 * never make lastgood move, overwrite or write through a file outside it.
 * Only regular files and symlinks (as links, never their targets) are
 * moved. Nothing is ever deleted: across file systems a file is copied
 * (content, owner, mode, timestamps), fsynced and renamed into place before
 * the source entry is unlinked. Library code: returns -errno, never logs. */

#define LG_CONTENT_DIR "/var/lib/lastgood/content"
#define LG_QUARANTINE_DIR "/var/lib/lastgood/quarantine"
#define LG_QUARANTINE_BATCH_MAX 99

/* The folder a content path is walked from: the glob-free folder prefix of
 * the agent's Content= pattern that matches path (fnmatch, FNM_PATHNAME),
 * else the path's own folder. NULL on OOM or a path that is not absolute. */
char *lg_content_anchor(const lg_agent *agent, const char *path);

/* Open an absolute host folder under root for reading (O_DIRECTORY), with
 * no symlink in any component (lg_safe_open()). Returns an fd, -ELOOP when
 * a folder on the way is a symlink, -errno. */
int lg_dir_open_anchor(const lg_root *root, const char *dir);

/* (Folders below a folder fd are walked with lg_safe_walk(), safepath.h.) */

/* Move the entry src_name of src_dirfd to dst_name in dst_dirfd, never
 * replacing anything. Same file system: renameat2(RENAME_NOREPLACE).
 * EXDEV: copy (regular file or symlink; owner, mode, timestamps), fsync,
 * rename into place, fsync the folder, unlink the source if it is still the
 * same inode. Returns 0; -EEXIST when dst exists; -ENOENT when src is gone;
 * -EOPNOTSUPP when src is not a regular file or a symlink; -ESTALE when src
 * was replaced during a copy (the copy is kept, src left in place); -errno
 * (ENOSPC...) with src untouched and no partial copy left. */
int lg_move_entry(int src_dirfd, const char *src_name, int dst_dirfd, const char *dst_name);

/* Copy src_name of src_dirfd (regular file or symlink) into dst_dirfd under
 * a new hidden temporary name, with owner, mode and timestamps; fsynced.
 * Returns 0 and the temporary name, or -errno (nothing left behind). */
int lg_copy_entry_tmp(int src_dirfd, const char *src_name, int dst_dirfd, const char *dst_name,
                      char **ret_tmp);

typedef struct lg_withhold_result {
        char *quarantined;   /* host path the file was moved to; NULL when nothing moved */
        bool vanished;       /* the file was gone before it could be moved */
        bool restored;       /* rollback: the last good copy is in place */
        bool no_good_copy;   /* rollback asked, but there is no last good copy */
        bool damaged_copy;   /* ...because the index or the store copy is damaged */
        bool same_as_good;   /* rollback: the file already is the last good copy
                              * (byte for byte; e.g. restored earlier in this
                              * boot): nothing was done */
        bool over_budget;    /* rollback: the copy is over the byte budget (apparent size) */
} lg_withhold_result;

void lg_withhold_result_done(lg_withhold_result *r);

/* Withhold one content file of agent: move path (absolute host path below
 * anchor) to the quarantine under batch boot_seq; with rollback, put the
 * last good copy back first prepared next to it, then renamed into place.
 * Returns 0 (see *ret for what happened) or -errno: -ELOOP/-ENOTDIR when a
 * folder between anchor and the file is a symlink, -EOPNOTSUPP for a file
 * that is not regular or a symlink (socket, FIFO, device, folder), -EINVAL
 * for a bad agent name or path, -ENOSPC... Nothing is moved on error. */
int lg_apply_withhold(const lg_root *root, const char *agent, const char *anchor, const char *path,
                        uint32_t boot_seq, bool rollback, lg_withhold_result *ret);
/* The same, with the bytes a run may still hash, compare or copy in
 * *budget (apparent size: LG_CONTENT_TOTAL_MAX for a whole run of the apply
 * unit), lowered by what this call costs. A last good copy over what is
 * left is not put back (ret->over_budget; the file is quarantined only).
 * The copy put back is exactly what its store key names: its bytes are
 * hashed as they are written (a damaged copy: ret->damaged_copy). */
int lg_apply_withhold_budget(const lg_root *root, const char *agent, const char *anchor, const char *path,
                             uint32_t boot_seq, bool rollback, uint64_t *budget, lg_withhold_result *ret);

/* A quarantined file. */
typedef struct lg_qfile {
        char *path;      /* host path under /var/lib/lastgood/quarantine */
        char *batch;     /* "<boot-seq>" or "<boot-seq>.<n>" */
        char *agent;
        char *original;  /* the absolute host path it came from */
        struct stat st;  /* lstat */
} lg_qfile;

/* Every regular file and symlink under the quarantine (bounded depth),
 * sorted by path. Returns 0 (also when there is no quarantine), -errno. */
int lg_qfiles_list(const lg_root *root, lg_qfile **ret, size_t *ret_n);
void lg_qfiles_free(lg_qfile *f, size_t n);

/* Put a quarantined file back at its original path, walking from anchor
 * (NULL: the original's folder). Empty quarantine folders are removed.
 * Returns 0, -EEXIST when something is at the original path (both are
 * kept), -ENOENT when the original folder is gone, -errno. */
int lg_apply_restore(const lg_root *root, const lg_qfile *f, const char *anchor);
