/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "qname.h"

/* As efi/record.c lays the cold record out: an 8-byte header, per item
 * kind, length and fingerprint (10 bytes) and the name, a 4-byte CRC. */
#define Q_HEADER_SIZE 8
#define Q_ITEM_HEADER_SIZE 10
#define Q_TRAILER_SIZE 4

bool lg_qname_storable(const char *name) {
        size_t len = name ? strlen(name) : 0;

        if (len == 0 || len > LG_ITEM_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
                        return false;
        return true;
}

void lg_qname_hash(const char *name, char ret[static LG_QNAME_HASHED_LEN + 1]) {
        uint64_t h = 0xcbf29ce484222325ULL;

        for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
                h ^= *p;
                h *= 0x100000001b3ULL;
        }
        snprintf(ret, LG_QNAME_HASHED_LEN + 1, "#%016" PRIx64, h);
}

bool lg_qname_is_hashed(const char *stored) {
        if (!stored || stored[0] != '#' || strlen(stored) != LG_QNAME_HASHED_LEN)
                return false;
        return strspn(stored + 1, "0123456789abcdef") == LG_QNAME_HASHED_LEN - 1;
}

bool lg_qname_matches(const char *stored, const char *name) {
        char h[LG_QNAME_HASHED_LEN + 1];

        if (!stored || !name)
                return false;
        if (streq(stored, name))
                return true;
        if (!lg_qname_is_hashed(stored) || lg_qname_is_hashed(name))
                return false;
        lg_qname_hash(name, h);
        return streq(stored, h);
}

size_t lg_qname_item_size(size_t len) {
        return Q_ITEM_HEADER_SIZE + len;
}

size_t lg_qname_budget(void) {
        return LG_QUARANTINE_MAX_SIZE - Q_HEADER_SIZE - Q_TRAILER_SIZE;
}
