/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The hot record, LastGoodState-<GUID>: fixed size, versioned, CRC-checked,
 * little-endian. Pure encode/decode from memory buffers. */

#define LG_STATE_VERSION 1
#define LG_STATE_SIZE 32
#define LG_LEVEL_MAX 3 /* 3 = exhausted */

typedef struct lg_state {
        bool armed;         /* current set differs from the last-known-good manifest */
        bool unproven;      /* the last boot reached healthy but not proven */
        uint8_t tries;      /* boots started while armed that did not reach healthy */
        uint8_t level;      /* safe-mode level in force: 0..3 */
        uint32_t boot_seq;  /* incremented at every counted boot */
        uint64_t last_proven_usec; /* CLOCK_REALTIME, µs; 0 = never */
        uint32_t crash_seen; /* id of the last crash record acted upon; 0 = none */
} lg_state;

/* Encode into exactly LG_STATE_SIZE bytes. */
void lg_state_encode(const lg_state *s, uint8_t buf[static LG_STATE_SIZE]);

/* Decode. Returns 0 on success, -EMSGSIZE for a wrong size, -EBADMSG for a
 * bad magic or CRC, -EPROTONOSUPPORT for an unknown version, -ERANGE for a
 * field out of range (level > 3). *ret is written only on success. */
int lg_state_decode(const uint8_t *buf, size_t size, lg_state *ret);

/* CRC-32 (IEEE 802.3, as zlib's crc32()). */
uint32_t lg_crc32(uint32_t crc, const void *buf, size_t size);

/* Item kinds, as named in the contract's JSON. */
typedef enum lg_item_kind {
        LG_ITEM_MODULE,
        LG_ITEM_CONTENT,
        LG_ITEM_UNIT,
        _LG_ITEM_KIND_MAX,
        _LG_ITEM_KIND_INVALID = -1,
} lg_item_kind;

const char *lg_item_kind_to_string(lg_item_kind k);
lg_item_kind lg_item_kind_from_string(const char *s);

/* The cold record, LastGoodQuarantine-<GUID>: persistently withheld items. */
#define LG_QUARANTINE_VERSION 1
#define LG_QUARANTINE_MAX_ITEMS 64
#define LG_QUARANTINE_MAX_SIZE 4096
#define LG_ITEM_NAME_MAX 255

typedef struct lg_qitem {
        lg_item_kind kind;
        char *name;            /* module name (normalized '_'), unit name, or content path */
        uint64_t fingerprint;  /* of the item when it was withheld */
} lg_qitem;

typedef struct lg_quarantine {
        size_t n;
        lg_qitem *items;
} lg_quarantine;

/* Returns 0, -EMSGSIZE, -EBADMSG, -EPROTONOSUPPORT, -ENOMEM. */
int lg_quarantine_decode(const uint8_t *buf, size_t size, lg_quarantine *ret);
/* Returns 0 and a malloc'd buffer, -E2BIG when over the limits, -ENOMEM. */
int lg_quarantine_encode(const lg_quarantine *q, uint8_t **ret, size_t *ret_size);
/* Adds or updates (kind, name); returns 1 when the set changed, 0 when not, -errno. */
int lg_quarantine_add(lg_quarantine *q, lg_item_kind kind, const char *name, uint64_t fingerprint);
/* Removes by name (any kind; NULL = all); returns the number removed. */
int lg_quarantine_remove(lg_quarantine *q, const char *name);
const lg_qitem *lg_quarantine_find(const lg_quarantine *q, lg_item_kind kind, const char *name);
void lg_quarantine_done(lg_quarantine *q);
