/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4), for the names of the content-addressed store of
 * last good copies (castore.h): a name an agent's user cannot make collide
 * with another file's, unlike the inventory's FNV-1a fingerprints. Kept
 * here rather than taken from libcrypto, which the daemon must not load. */

#define LG_SHA256_SIZE 32

typedef struct lg_sha256 {
        uint32_t h[8];
        uint64_t len;       /* bytes hashed so far */
        uint8_t buf[64];
        size_t n;           /* bytes in buf */
} lg_sha256;

void lg_sha256_init(lg_sha256 *s);
void lg_sha256_update(lg_sha256 *s, const void *data, size_t size);
void lg_sha256_final(lg_sha256 *s, uint8_t out[LG_SHA256_SIZE]);
