/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Bounded, sparse-aware file copies (DESIGN.md, "Trust boundaries": lastgood
 * bounds the bytes it reads, hashes and copies; sparse files stay sparse). */

/* Bytes of one content file lastgood hashes or copies at most, and in all
 * per scan or per proven write. A file over the first is fingerprinted by
 * its stat() data and has no last good copy. */
#define LG_CONTENT_FILE_MAX (256ull * 1024 * 1024)
#define LG_CONTENT_TOTAL_MAX (1024ull * 1024 * 1024)

/* Copy the first size bytes of in to out (both at offset 0, out empty):
 * only the data extents (SEEK_DATA/SEEK_HOLE), holes left as holes, out
 * truncated to size at the end. copy_file_range() where it works, else
 * read()/write(). At most max_data bytes of data (0: no limit): -EFBIG
 * beyond. *ret_data (may be NULL): the data bytes copied. A file that
 * shrinks meanwhile is copied as far as it goes. Returns 0 or -errno. */
int lg_copy_sparse(int in, int out, uint64_t size, uint64_t max_data, uint64_t *ret_data);
