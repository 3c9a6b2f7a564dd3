/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "crash.h"
#include "rootfs.h"

/* The eBPF programs loaded now, each with the unit of a process that holds
 * it: every /proc/PID/fd/N of the root that links to "anon_inode:bpf-prog",
 * its fdinfo's prog_tag and prog_id, and the unit (the last ".service",
 * ".scope" or ".socket" component) of /proc/PID/cgroup. Readable without
 * the bpf() syscall (no CAP_SYS_ADMIN), and testable with --root. Bounded:
 * at most BPF_SCAN_MAX_PIDS processes, BPF_SCAN_MAX_FDS descriptors each,
 * LG_BPF_RECORD_MAX_PROGS programs. Processes that vanish or refuse are
 * skipped. Returns 0, or -errno when /proc cannot be read at all. */
#define BPF_SCAN_MAX_PIDS 32768
#define BPF_SCAN_MAX_FDS 4096
int bpf_record_scan(const lg_root *root, const char *kernel, lg_bpf_record *ret);

/* Scans and writes LG_BPF_RECORD_PATH when it changed (the watchdog, once a
 * boot is healthy). Returns the number of programs, or -errno. */
int bpf_record_update(const lg_root *root, const char *kernel);
