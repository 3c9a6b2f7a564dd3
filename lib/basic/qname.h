/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bootstate.h"

/* Names in the cold record (DESIGN.md, "Persistently withheld items": an
 * item it cannot hold by name is recorded by a hash of its name).
 *
 * A hashed name is '#' and 16 lower-case hex digits of FNV-1a 64 over the
 * name's bytes; no module name, unit name or absolute content path starts
 * with '#', so the two forms never collide. */

#define LG_QNAME_HASHED_LEN 17

/* The cold record may hold name as it is: 1..LG_ITEM_NAME_MAX bytes, no
 * control byte. */
bool lg_qname_storable(const char *name);

/* Write the hashed form of name into ret (LG_QNAME_HASHED_LEN + 1 bytes). */
void lg_qname_hash(const char *name, char ret[static LG_QNAME_HASHED_LEN + 1]);

/* True when stored (a cold-record name) is name itself or its hash. */
bool lg_qname_matches(const char *stored, const char *name);

/* True for a hashed name. */
bool lg_qname_is_hashed(const char *stored);

/* Bytes one item takes in the cold record with a name of len bytes, and
 * the bytes that items may take in all (LG_QUARANTINE_MAX_SIZE without the
 * header and trailer). */
size_t lg_qname_item_size(size_t len);
size_t lg_qname_budget(void);
