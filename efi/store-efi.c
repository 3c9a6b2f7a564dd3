/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The EFI-variable backend of the store, through libefivar.
 *
 * Quirks handled here, each because of a platform behaviour:
 *
 * - efivarfs files of variables the kernel does not know are created with
 *   the immutable flag (kernel 4.6, "efi: Make efivarfs entries immutable
 *   by default"), so that "rm -rf /sys" cannot brick a machine. The flag must be cleared before an overwrite or a deletion;
 *   it is put back after an overwrite.
 * - The kernel rate-limits efivarfs reads by unprivileged users (kernel
 *   4.16, "efivarfs: Limit the rate for non-root to read files") and the
 *   firmware call may be interrupted: EINTR/EAGAIN are retried a bounded
 *   number of times (RETRY_MAX, 10 ms apart).
 * - libefivar 37 opens an existing variable file for writing without
 *   O_TRUNC. On efivarfs that is fine (a write replaces the variable), but
 *   on a plain directory (EFIVARFS_PATH in tests, or a firmware emulation)
 *   a shorter write would leave the old tail behind. The hot record has a
 *   fixed size; for the variable-size cold record the variable is deleted
 *   first when the new value is shorter and the directory is not efivarfs.
 * - UEFI refuses to overwrite a variable with other attributes (UEFI 2.10,
 *   8.2 SetVariable(): EFI_INVALID_PARAMETER), so a variable with wrong
 *   attributes is deleted before it is written again.
 * - libefivar 37 has no backend on hosts without EFI variables and its
 *   default ops crash on set: every entry point here is only reached after
 *   efi_variables_supported() said yes (lg_store_open()). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "macro.h"
#include "store-internal.h"

#define EFI_ATTRS \
        (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)
#define EFIVARFS_DEFAULT_PATH "/sys/firmware/efi/efivars/"
#define EFIVARFS_MAGIC_NUMBER 0xde5e81e4
#define RETRY_MAX 5
#define RETRY_DELAY_USEC 10000 /* the kernel's limit is 100 reads a second */

static bool errno_is_transient(int e) {
        return e == EINTR || e == EAGAIN;
}

int lg_store_efi_init(lg_store *s) {
        const char *dir = getenv("EFIVARFS_PATH");
        struct statfs sfs;

        /* The directory libefivar 37 uses: $EFIVARFS_PATH as is (it must end
         * in '/'), else the kernel's mount point. It is not resolved under
         * --root: libefivar does not, and the two must agree. */
        if (!dir || !dir[0])
                dir = EFIVARFS_DEFAULT_PATH;
        if (efi_str_to_guid(LG_VENDOR_GUID_STR, &s->guid) < 0)
                return -EINVAL;
        s->efivarfs_dir = strdup(dir);
        if (!s->efivarfs_dir)
                return -ENOMEM;
        s->on_efivarfs = statfs(dir, &sfs) == 0 && (uint32_t) sfs.f_type == EFIVARFS_MAGIC_NUMBER;
        return 0;
}

static char *var_path(const lg_store *s, const char *name) {
        char *p;

        if (asprintf(&p, "%s%s-%s", s->efivarfs_dir, name, LG_VENDOR_GUID_STR) < 0)
                return NULL;
        return p;
}

/* Clears FS_IMMUTABLE_FL on the variable's file. Returns 1 when it was set
 * (and is now cleared), 0 when it was not set or the file system has no
 * such flags or the file is missing, -errno when it could not be cleared. */
static int clear_immutable(const lg_store *s, const char *name) {
        _cleanup_free_ char *p = var_path(s, name);
        _cleanup_close_ int fd = -EBADF;
        unsigned flags = 0;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
                return errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL ? 0 : negative_errno();
        if (!(flags & FS_IMMUTABLE_FL))
                return 0;
        flags &= ~(unsigned) FS_IMMUTABLE_FL;
        if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
                return negative_errno();
        return 1;
}

/* Best effort: the flag is protection against accidents, not needed for
 * the record to be right. */
static void restore_immutable(const lg_store *s, const char *name) {
        _cleanup_free_ char *p = var_path(s, name);
        _cleanup_close_ int fd = -EBADF;
        unsigned flags = 0;

        if (!p)
                return;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return;
        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_IMMUTABLE_FL))
                return;
        flags |= FS_IMMUTABLE_FL;
        (void) ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

static int get_variable(lg_store *s, const char *name, uint8_t **ret, size_t *ret_size, uint32_t *ret_attr) {
        for (unsigned attempt = 1;; attempt++) {
                uint8_t *data = NULL;
                size_t size = 0;
                uint32_t attr = 0;

                errno = 0;
                if (efi_get_variable(s->guid, name, &data, &size, &attr) >= 0) {
                        *ret = data;
                        *ret_size = size;
                        *ret_attr = attr;
                        return 0;
                }
                free(data);
                if (!errno_is_transient(errno) || attempt >= RETRY_MAX)
                        return negative_errno();
                (void) usleep(RETRY_DELAY_USEC);
        }
}

static int set_variable(lg_store *s, const char *name, const uint8_t *data, size_t size) {
        for (unsigned attempt = 1;; attempt++) {
                errno = 0;
                /* libefivar 37 takes a non-const pointer but only reads it. */
                if (efi_set_variable(s->guid, name, (uint8_t *) data, size, EFI_ATTRS, 0644) >= 0) {
                        s->writes++;
                        return 0;
                }
                if (!errno_is_transient(errno) || attempt >= RETRY_MAX)
                        return negative_errno();
                (void) usleep(RETRY_DELAY_USEC);
        }
}

static int del_variable(lg_store *s, const char *name) {
        int r;

        r = clear_immutable(s, name);
        if (r < 0)
                return r;
        for (unsigned attempt = 1;; attempt++) {
                errno = 0;
                if (efi_del_variable(s->guid, name) >= 0) {
                        s->writes++;
                        return 1;
                }
                if (errno == ENOENT)
                        return 0;
                if (!errno_is_transient(errno) || attempt >= RETRY_MAX)
                        return negative_errno();
                (void) usleep(RETRY_DELAY_USEC);
        }
}

int lg_store_efi_read(lg_store *s, const char *name, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        uint32_t attr;
        int r;

        r = get_variable(s, name, &data, &size, &attr);
        if (r < 0)
                return r;
        /* Someone else's variable under our name, or a truncated file:
         * both mean the record cannot be trusted. */
        if (attr != EFI_ATTRS)
                return -EBADMSG;
        *ret = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}

int lg_store_efi_write(lg_store *s, const char *name, const uint8_t *data, size_t size) {
        _cleanup_free_ uint8_t *cur = NULL;
        size_t cur_size = 0;
        uint32_t cur_attr = 0;
        bool need_delete = false;
        int r, immutable;

        r = get_variable(s, name, &cur, &cur_size, &cur_attr);
        if (r >= 0) {
                if (cur_attr == EFI_ATTRS && cur_size == size && memcmp(cur, data, size) == 0)
                        return 0; /* NVRAM is flash: never rewrite an equal value */
                need_delete = cur_attr != EFI_ATTRS || (cur_size > size && !s->on_efivarfs);
        } else if (r != -ENOENT)
                /* Unreadable: we cannot compare, so write; on a plain
                 * directory clear the old bytes first. */
                need_delete = !s->on_efivarfs;

        if (need_delete) {
                r = del_variable(s, name);
                if (r < 0)
                        return r;
                immutable = 0;
        } else {
                immutable = clear_immutable(s, name);
                if (immutable < 0)
                        return immutable;
        }

        r = set_variable(s, name, data, size);
        if (immutable > 0)
                restore_immutable(s, name);
        if (r < 0)
                return r;
        return 1;
}

int lg_store_efi_delete(lg_store *s, const char *name) {
        return del_variable(s, name);
}
