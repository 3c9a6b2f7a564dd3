/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "rootfs.h"

/* Safe paths for hostile folders (DESIGN.md, "Trust boundaries").
 *
 * Agent content folders, and the folders above them, may be writable by a
 * less trusted user. Every content path is therefore resolved from the root
 * without following a symlink in any of its components (the last included)
 * and without ever leaving the root; everything after that is done relative
 * to the directory fds obtained here, so nothing can be swapped between a
 * check and its use. Library code: returns -errno, never logs. */

/* Folders nested deeper than this below a walk's start are refused. */
#define LG_SAFE_DEPTH_MAX 32

/* Open an absolute host path under root, following no symlink in any
 * component and never leaving the root: openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), or, on kernels without
 * openat2 (or behind a seccomp filter refusing it), a walk of each
 * component with O_NOFOLLOW. "." and ".." components are refused. flags as
 * for open() (O_DIRECTORY for a folder; O_NOFOLLOW and O_CLOEXEC are
 * implied; O_CREAT is refused). Returns an fd, or -ELOOP when a component
 * is a symlink, -ENOTDIR, -EINVAL for a bad path, -ENOENT, -errno. */
int lg_safe_open(const lg_root *root, const char *path, int flags);

/* Walk the folders of rel ('/'-separated, relative) below dirfd, each
 * opened with O_NOFOLLOW|O_DIRECTORY; with create, missing folders are
 * made with mode. Returns an fd of the last folder (a new fd of dirfd for
 * ""), -ELOOP when a component is a symlink, -ENOTDIR when it is no folder,
 * -EINVAL for "." or "..", -errno. */
int lg_safe_walk(int dirfd, const char *rel, bool create, mode_t mode);

/* Open the folder that holds the absolute host path (as lg_safe_open())
 * and point *ret_base at its last component inside path. Returns the
 * folder's fd, -EINVAL for "/" or a path with "." or "..", -errno. */
int lg_safe_open_parent(const lg_root *root, const char *path, const char **ret_base);

/* mkdir -p of an absolute host path under root, no symlink followed, then
 * open it. Returns an fd of the folder or -errno. */
int lg_safe_mkdir_open(const lg_root *root, const char *path, mode_t mode);

/* One match of lg_safe_glob(): dirfd is the folder holding it (opened
 * safely), name its entry there, path its absolute host path, st its
 * lstat(). Return < 0 to stop the walk with that error. */
typedef int (*lg_safe_glob_fn)(int dirfd, const char *name, const char *path, const struct stat *st,
                               void *userdata);

/* Match an absolute glob pattern (fnmatch(3), per component, FNM_PERIOD:
 * '*' matches no leading dot) under root as glob(3) would, but entering
 * folders only with O_NOFOLLOW: a symlink anywhere on the way is never
 * followed (a symlink matched as the last component is reported as a
 * symlink). No "." or ".." component. At most max_matches matches are
 * reported (0: no limit); *ret_truncated (may be NULL) says whether there
 * were more. Missing or unreadable folders match nothing. Returns 0, the
 * callback's error, -EINVAL for a bad pattern, -ENOMEM. */
int lg_safe_glob(const lg_root *root, const char *pattern, size_t max_matches, lg_safe_glob_fn fn,
                 void *userdata, bool *ret_truncated);

/* A hidden temporary name for a new entry next to base, from getrandom()
 * (an unprivileged user sharing the folder cannot predict it and make it
 * exist first): ".#lastgood.<base>.<16 hex digits>". Returns 0 or -ENOMEM. */
int lg_tmp_name(const char *base, char **ret);
