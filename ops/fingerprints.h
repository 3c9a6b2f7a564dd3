/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "apply.h"
#include "deny.h"
#include "inventory.h"
#include "rootfs.h"

/* The SHA-256 of items this host withholds, for lastgoodctl (status
 * --json, status --metrics, list --json). The cold record keeps only the
 * 8-byte FNV fingerprint of each item (NVRAM must not grow: 64 items of
 * 32 bytes more would double the record), so the SHA-256 is found again
 * on disk: a module at its place, content at its place or in the
 * quarantine, whichever file has the recorded FNV. The inventory is
 * scanned once, with the manifest as stat cache. */
typedef struct lg_fp_lookup {
        const lg_root *root;
        lg_inventory now;
        lg_qfile *qf;
        size_t n_qf;
        int qf_r;              /* 1: listed, 0: not yet, < 0: cannot */
} lg_fp_lookup;

/* Returns 0 or -errno (the lookup is then empty, never a failure of the
 * caller's output). */
int lg_fp_lookup_open(const lg_root *root, const char *kernel, const lg_config *config, const lg_agents *agents,
                      lg_fp_lookup *ret);
/* "sha256:HEX" of (kind, name) whose FNV fingerprint is fnv (0: any) into
 * out, or NULL when no such file is on this host. */
const char *lg_fp_lookup_sha256(lg_fp_lookup *l, lg_item_kind kind, const char *name, uint64_t fnv,
                                char out[static LG_SHA256_STRING_MAX]);
void lg_fp_lookup_done(lg_fp_lookup *l);
