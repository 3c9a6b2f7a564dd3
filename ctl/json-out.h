/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

/* One JSON style for every verb of lastgoodctl (status, list, plan, crash,
 * fleet): one object, its first member "schema_version" (an integer,
 * raised when a field changes meaning or type; new fields do not raise
 * it), two-space indentation, '/' not escaped, absent values as null
 * (never a missing key), times as ISO 8601 UTC strings, fingerprints and
 * ids as hex strings. The schemas are in schemas/ of the source tree. */

#define LG_JSON_SCHEMA_VERSION 1

/* A new object holding schema_version; NULL on ENOMEM. */
json_object *lg_json_doc_new(void);
/* A string, or JSON null for NULL. */
json_object *lg_json_str(const char *s);
/* Print o and a newline to stdout and drop the reference. Returns 0 or
 * -errno (-ENOMEM when o is NULL, -EIO on a write error). */
int lg_json_print(json_object *o);
