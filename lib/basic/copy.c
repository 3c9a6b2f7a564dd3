/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>
#include <unistd.h>

#include "copy.h"
#include "macro.h"

/* Copy [from, to) of in to the same offsets of out. 0, or -errno. */
static int copy_range(int in, int out, off_t from, off_t to, bool *use_cfr, off_t *ret_end) {
        off_t pos = from;

        while (pos < to) {
                ssize_t n;

                if (*use_cfr) {
                        off_t oin = pos, oout = pos;

                        n = copy_file_range(in, &oin, out, &oout, (size_t) MIN(to - pos, (off_t) 1 << 30),
                                            0);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                                      errno == EOPNOTSUPP || errno == EBADF)) {
                                *use_cfr = false;
                                continue;
                        }
                        if (n < 0)
                                return negative_errno();
                        if (n == 0)
                                break; /* shrank under us */
                        pos += n;
                        continue;
                }

                char buf[65536];
                if (lseek(in, pos, SEEK_SET) < 0 || lseek(out, pos, SEEK_SET) < 0)
                        return negative_errno();
                n = read(in, buf, (size_t) MIN(to - pos, (off_t) sizeof(buf)));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        break;
                for (ssize_t w = 0; w < n;) {
                        ssize_t k = write(out, buf + w, (size_t) (n - w));

                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return negative_errno();
                        if (k == 0)
                                return -EIO;
                        w += k;
                }
                pos += n;
        }
        *ret_end = pos;
        return 0;
}

int lg_copy_sparse(int in, int out, uint64_t size, uint64_t max_data, uint64_t *ret_data) {
        bool use_cfr = true;
        uint64_t data_bytes = 0;
        off_t pos = 0, end = (off_t) size;

        if (size > (uint64_t) INT64_MAX)
                return -EFBIG;
        while (pos < end) {
                off_t data = lseek(in, pos, SEEK_DATA), hole, got;
                int r;

                if (data < 0 && errno == ENXIO)
                        break; /* only a hole is left */
                if (data < 0) {
                        /* No SEEK_DATA on this file system: all of it is data. */
                        data = pos;
                        hole = end;
                } else {
                        hole = lseek(in, data, SEEK_HOLE);
                        if (hole < 0)
                                hole = end;
                }
                if (data >= end)
                        break;
                if (hole > end)
                        hole = end;
                data_bytes += (uint64_t) (hole - data);
                if (max_data && data_bytes > max_data)
                        return -EFBIG;
                r = copy_range(in, out, data, hole, &use_cfr, &got);
                if (r < 0)
                        return r;
                if (got < hole) {
                        end = got; /* shrank under us: keep what is there */
                        break;
                }
                pos = hole;
        }
        /* The trailing hole (and the size). */
        if (ftruncate(out, end) < 0)
                return negative_errno();
        if (ret_data)
                *ret_data = data_bytes;
        return 0;
}
