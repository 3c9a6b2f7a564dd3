/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* A full disk, injected through the linker (-Wl,--wrap=write,
 * --wrap=copy_file_range, --wrap=ioctl): while lg_test_enospc is set, a
 * write() to an fd above stderr, a copy_file_range() and a FICLONE ioctl
 * fail with ENOSPC; lg_test_n_enospc counts those failures. */
extern bool lg_test_enospc;
extern unsigned lg_test_n_enospc;

/* The real write(), for a test's own writes while the disk is "full". */
ssize_t __real_write(int fd, const void *buf, size_t n);
