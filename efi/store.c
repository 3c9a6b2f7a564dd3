/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot-state store: backend choice, the records on top of raw bytes,
 * and the file backend (/var/lib/lastgood/ under the root) for hosts
 * without EFI variables. The EFI backend is in store-efi.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "store-internal.h"

/* Largest file the file backend reads: anything bigger is corrupt anyway
 * and is reported as such without reading it all. */
#define FILE_READ_MAX LG_QUARANTINE_MAX_SIZE

static const char *const backend_table[] = {
        [LG_STORE_EFI] = "efi",
        [LG_STORE_FILE] = "file",
};

const char *lg_store_backend_to_string(lg_store_backend b) {
        if ((unsigned) b >= ELEMENTSOF(backend_table))
                return NULL;
        return backend_table[b];
}

lg_store_backend lg_store_get_backend(const lg_store *s) {
        return s->backend;
}

unsigned lg_store_write_count(const lg_store *s) {
        return s ? s->writes : 0;
}

lg_store *lg_store_free(lg_store *s) {
        if (!s)
                return NULL;
        free(s->efivarfs_dir);
        free(s);
        return NULL;
}

int lg_store_open(const lg_root *root, lg_store_flags flags, lg_store **ret) {
        _cleanup_store_ lg_store *s = NULL;
        bool efi;
        int r;

        if (!root || !ret)
                return -EINVAL;

        /* libefivar 37 picks its backend in a constructor; without one its
         * default ops crash on set, so nothing EFI is called unless this
         * says yes. Under --root with no EFIVARFS_PATH the variables would
         * be the host's, not the root's: use the root's files instead. */
        efi = efi_variables_supported() > 0;
        if (efi && !lg_root_is_host(root) && !getenv("EFIVARFS_PATH"))
                efi = false;

        if (flags & LG_STORE_FORCE_FILE)
                efi = false;
        else if ((flags & LG_STORE_FORCE_EFI) && !efi)
                return -EOPNOTSUPP;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->root = root;
        s->backend = efi ? LG_STORE_EFI : LG_STORE_FILE;
        if (efi) {
                r = lg_store_efi_init(s);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(s);
        return 0;
}

/* The file backend: same encodings as the variables, without the 4-byte
 * attribute header, written atomically (temporary file, fsync, rename). */

static const char *relative(const char *path) {
        while (*path == '/')
                path++;
        return path;
}

static int file_read(lg_store *s, const char *path, uint8_t **ret, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        int r;

        r = lg_root_read_file(s->root, path, FILE_READ_MAX, &buf, &size);
        if (r == -EFBIG)
                return -EMSGSIZE;
        if (r < 0)
                return r;
        *ret = (uint8_t *) buf;
        *ret_size = size;
        return 0;
}

static int file_write(lg_store *s, const char *path, const uint8_t *data, size_t size) {
        _cleanup_free_ uint8_t *cur = NULL;
        size_t cur_size = 0;
        int r;

        r = file_read(s, path, &cur, &cur_size);
        if (r >= 0 && cur_size == size && memcmp(cur, data, size) == 0)
                return 0;

        r = lg_root_mkdir_p(s->root, LG_STATE_DIR, LG_STATE_DIR_MODE);
        if (r >= 0)
                r = lg_root_write_atomic(s->root, path, data, size, 0644);
        if (r < 0)
                return r;
        s->writes++;
        return 1;
}

static int file_delete(lg_store *s, const char *path) {
        if (unlinkat(s->root->fd, relative(path), 0) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        s->writes++;
        return 1;
}

static int record_read(lg_store *s, const char *var, const char *path, uint8_t **ret, size_t *ret_size) {
        if (s->backend == LG_STORE_EFI)
                return lg_store_efi_read(s, var, ret, ret_size);
        return file_read(s, path, ret, ret_size);
}

static int record_write(lg_store *s, const char *var, const char *path, const uint8_t *data, size_t size) {
        if (s->backend == LG_STORE_EFI)
                return lg_store_efi_write(s, var, data, size);
        return file_write(s, path, data, size);
}

static int record_delete(lg_store *s, const char *var, const char *path) {
        if (s->backend == LG_STORE_EFI)
                return lg_store_efi_delete(s, var);
        return file_delete(s, path);
}

int lg_store_read_state(lg_store *s, lg_state *ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;
        int r;

        r = record_read(s, LG_VAR_STATE, LG_STATE_FILE, &buf, &size);
        if (r < 0)
                return r;
        return lg_state_decode(buf, size, ret);
}

int lg_store_write_state(lg_store *s, const lg_state *st) {
        uint8_t buf[LG_STATE_SIZE];

        if (st->level > LG_LEVEL_MAX)
                return -ERANGE; /* would not read back */
        lg_state_encode(st, buf);
        return record_write(s, LG_VAR_STATE, LG_STATE_FILE, buf, sizeof(buf));
}

int lg_store_read_quarantine(lg_store *s, lg_quarantine *ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;
        int r;

        r = record_read(s, LG_VAR_QUARANTINE, LG_QUARANTINE_FILE, &buf, &size);
        if (r < 0)
                return r;
        return lg_quarantine_decode(buf, size, ret);
}

int lg_store_write_quarantine(lg_store *s, const lg_quarantine *q) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;
        int r;

        /* An empty set is no record at all: nothing in NVRAM for the
         * common case, and a deletion when the last item was released. */
        if (q->n == 0)
                return record_delete(s, LG_VAR_QUARANTINE, LG_QUARANTINE_FILE);

        r = lg_quarantine_encode(q, &buf, &size);
        if (r < 0)
                return r;
        return record_write(s, LG_VAR_QUARANTINE, LG_QUARANTINE_FILE, buf, size);
}
