/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One root prefix for every host path (util-linux's path context idea).
 *
 * Every program takes --root=DIR; every host path ("/proc/cmdline",
 * "/etc/lastgood/lastgood.conf", "/run/modprobe.d/lastgood.conf", ...) is
 * written at call sites as the absolute host path and resolved here, relative
 * to a directory fd of the root, so tests never need root or the host's /sys.
 */
typedef struct lg_root {
        int fd;        /* O_PATH|O_DIRECTORY fd of the root */
        char *prefix;  /* "" for the host root, else the directory without trailing '/' */
} lg_root;

/* prefix NULL, "" or "/" means the host root.
 * Returns 0, or -errno when the directory cannot be opened. */
int lg_root_new(const char *prefix, lg_root **ret);
lg_root *lg_root_free(lg_root *r);
static inline void lg_root_freep(lg_root **r) {
        lg_root_free(*r);
}
#define _cleanup_root_ __attribute__((cleanup(lg_root_freep)))

/* True when the root is the host's "/". */
bool lg_root_is_host(const lg_root *r);

/* The string form of a host path under the root (prefix + path), for APIs
 * that only take strings (kmod_new(), efivar's EFIVARFS_PATH, exec).
 * Returns a malloc'd string or NULL on OOM. */
char *lg_root_path(const lg_root *r, const char *path);

/* openat() relative to the root; path is an absolute host path.
 * Returns an fd or -errno. O_CLOEXEC is always added. */
int lg_root_open(const lg_root *r, const char *path, int flags, mode_t mode);

/* Read the rest of the open file fd, at most max_size bytes (larger:
 * -EFBIG); *ret is NUL-terminated (not counted in *ret_size). Returns 0 or
 * -errno. EINTR is retried. */
int lg_read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size);

/* Read a whole file of at most max_size bytes (larger: -EFBIG).
 * *ret is NUL-terminated (the NUL is not counted in *ret_size).
 * Returns 0 or -errno (-ENOENT when missing). EINTR is retried. */
int lg_root_read_file(const lg_root *r, const char *path, size_t max_size, char **ret, size_t *ret_size);

/* Write a file atomically: temporary file in the same folder, fsync, rename,
 * fsync of the folder. Missing parent folders are created (0755).
 * Returns 0 or -errno; on error the old file is untouched. */
int lg_root_write_atomic(const lg_root *r, const char *path, const void *data, size_t size, mode_t mode);

/* mkdir -p -m MODE under the root: as mkdir(1), mode is the last folder's;
 * the folders above it that are made are 0755. Returns 0 or -errno. */
int lg_root_mkdir_p(const lg_root *r, const char *path, mode_t mode);

/* The kernel release: override when non-NULL, else uname(2).
 * Returns 0 and a malloc'd string, or -errno. */
int lg_kernel_release(const char *override, char **ret);

/* Module names: '-' and '_' are the same (as kmod does). Copies name into a
 * new string with every '-' turned into '_'. NULL on OOM. */
char *lg_module_name_normalize(const char *name);
