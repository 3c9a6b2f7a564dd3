/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <efivar/efivar.h>
#include <stdint.h>

#include "store.h"

/* Shared by the two backends of the store (store.c, store-efi.c). */

struct lg_store {
        lg_store_backend backend;
        const lg_root *root;     /* borrowed: must outlive the store */
        unsigned writes;         /* successful variable/file writes and deletions */

        /* EFI backend */
        efi_guid_t guid;
        char *efivarfs_dir;      /* $EFIVARFS_PATH or /sys/firmware/efi/efivars/, ends in '/' */
        bool on_efivarfs;        /* the directory really is efivarfs (statfs magic) */
};

/* One record of the store as raw bytes. The EFI backend reads and writes the
 * variable LastGood<...>-GUID, the file backend a file under
 * /var/lib/lastgood/. All return 0 or -errno; read returns -ENOENT when the
 * record does not exist and -EBADMSG when the variable's attributes are not
 * NON_VOLATILE|BOOTSERVICE_ACCESS|RUNTIME_ACCESS. write returns 1 when it
 * wrote, 0 when the stored bytes were equal already. delete returns 1 when
 * it deleted, 0 when there was nothing. */
int lg_store_efi_read(lg_store *s, const char *name, uint8_t **ret, size_t *ret_size);
int lg_store_efi_write(lg_store *s, const char *name, const uint8_t *data, size_t size);
int lg_store_efi_delete(lg_store *s, const char *name);
int lg_store_efi_init(lg_store *s);
