/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "bootstate.h"
#include "rootfs.h"

/* The boot-state store: the hot and cold records in EFI variables through
 * libefivar (vendor GUID 5d6f9d7f-8fb2-447b-889a-27e408146ce9,
 * NON_VOLATILE|BOOTSERVICE_ACCESS|RUNTIME_ACCESS), or in files under
 * /var/lib/lastgood/ on hosts without EFI variables. Same interface.
 *
 * Library code: never prints; returns -errno. */

#define LG_VENDOR_GUID_STR "5d6f9d7f-8fb2-447b-889a-27e408146ce9"
#define LG_VAR_STATE "LastGoodState"
#define LG_VAR_QUARANTINE "LastGoodQuarantine"
/* lastgood's own folder: one mode wherever it is made (the programs, the
 * package hooks through lastgoodctl, and StateDirectoryMode= of the
 * watchdog's unit): it holds the last good copies and the manifest. */
#define LG_STATE_DIR "/var/lib/lastgood"
#define LG_STATE_DIR_MODE 0700
#define LG_STATE_FILE "/var/lib/lastgood/state"
#define LG_QUARANTINE_FILE "/var/lib/lastgood/quarantine.rec"

typedef enum lg_store_backend {
        LG_STORE_EFI,
        LG_STORE_FILE,
} lg_store_backend;

typedef enum lg_store_flags {
        LG_STORE_AUTO = 0,         /* EFI when efi_variables_supported(), else file */
        LG_STORE_FORCE_FILE = 1 << 0,
        LG_STORE_FORCE_EFI = 1 << 1, /* -EOPNOTSUPP when no EFI variables */
} lg_store_flags;

typedef struct lg_store lg_store;

/* Returns 0 or -errno (-EOPNOTSUPP for FORCE_EFI without EFI variables).
 * root is borrowed and must outlive the store. The EFI variables are those
 * libefivar sees ($EFIVARFS_PATH, else /sys/firmware/efi/efivars/), never
 * resolved under root; so under a root other than "/" with no
 * EFIVARFS_PATH in the environment, AUTO picks the file store under root
 * rather than touch the host's firmware variables. */
int lg_store_open(const lg_root *root, lg_store_flags flags, lg_store **ret);
lg_store *lg_store_free(lg_store *s);
static inline void lg_store_freep(lg_store **s) {
        lg_store_free(*s);
}
#define _cleanup_store_ __attribute__((cleanup(lg_store_freep)))

lg_store_backend lg_store_get_backend(const lg_store *s);
const char *lg_store_backend_to_string(lg_store_backend b); /* "efi" / "file" */

/* Read the hot record. 0 and *ret on success; -ENOENT when there is none;
 * -EBADMSG/-EMSGSIZE/-EPROTONOSUPPORT/-ERANGE when corrupt (caller treats
 * it as "no state", reports it and rewrites); other -errno on I/O errors. */
int lg_store_read_state(lg_store *s, lg_state *ret);

/* Write the hot record only when its encoding differs from what is stored.
 * Returns 1 when written, 0 when unchanged (nothing written), -errno. */
int lg_store_write_state(lg_store *s, const lg_state *st);

/* Same for the cold record; an empty set with no record stored writes
 * nothing, an empty set over a stored record deletes it (returns 1).
 * -ENOENT on read when there is none. */
int lg_store_read_quarantine(lg_store *s, lg_quarantine *ret);
int lg_store_write_quarantine(lg_store *s, const lg_quarantine *q);

/* Number of variable/file writes (and deletions) this store object did
 * (tests, benchmarks). */
unsigned lg_store_write_count(const lg_store *s);
