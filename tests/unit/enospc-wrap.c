/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The full-disk wrappers of the unit tests that copy data (enospc-wrap.h). */
#include <errno.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "enospc-wrap.h"

bool lg_test_enospc;
unsigned lg_test_n_enospc;

static int fail_enospc(void) {
        lg_test_n_enospc++;
        errno = ENOSPC;
        return -1;
}

ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n) {
        if (lg_test_enospc && fd > STDERR_FILENO)
                return fail_enospc();
        return __real_write(fd, buf, n);
}

ssize_t __real_copy_file_range(int in, off_t *off_in, int out, off_t *off_out, size_t len, unsigned flags);
ssize_t __wrap_copy_file_range(int in, off_t *off_in, int out, off_t *off_out, size_t len, unsigned flags);
ssize_t __wrap_copy_file_range(int in, off_t *off_in, int out, off_t *off_out, size_t len, unsigned flags) {
        if (lg_test_enospc)
                return fail_enospc();
        return __real_copy_file_range(in, off_in, out, off_out, len, flags);
}

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...) {
        va_list ap;
        void *arg;

        va_start(ap, req);
        arg = va_arg(ap, void *);
        va_end(ap);
        if (lg_test_enospc && req == FICLONE)
                return fail_enospc();
        return __real_ioctl(fd, req, arg);
}
