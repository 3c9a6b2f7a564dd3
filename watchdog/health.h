/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rootfs.h"
#include "taint.h"

/* Health of the running system, as far as lastgood judges it locally:
 * kernel taint and the executables in /etc/lastgood/health.d/.
 * Library code: never prints; returns -errno. */

#define LG_HEALTH_DIR "/etc/lastgood/health.d"
#define LG_TAINTED_PATH "/proc/sys/kernel/tainted"

/* The taint bits that mean something went wrong in the kernel this boot,
 * by default: D (bit 7, oops/BUG), W (bit 9, WARN), L (bit 14, soft
 * lockup; bit 15 is K, a live patch, which is no failure).
 * Documentation/admin-guide/tainted-kernels.rst. [Health] TaintFlags=
 * chooses others (lg_config.taint_mask). */
#define LG_TAINT_BAD LG_TAINT_DEFAULT

/* Read /proc/sys/kernel/tainted under root. Returns 0, -ENOENT, -EBADMSG. */
int lg_taint_read(const lg_root *root, unsigned long *ret);
/* "D W" etc.: the taint letters of mask (lg_taint_letters()). */
const char *lg_taint_format(unsigned long mask, char *buf, size_t size);

/* Output kept per check; the rest is read and thrown away so that a check
 * printing megabytes can neither block on a full pipe nor fill memory. */
#define LG_CHECK_OUTPUT_MAX 2048
/* A health check says yes or no and a line of why; one printing more than
 * this is broken (or hostile) and fails, killed at once. */
#define LG_CHECK_OUTPUT_FAIL (1024 * 1024)

typedef struct lg_check_result {
        char *name;        /* file name in health.d */
        bool passed;
        bool timed_out;
        bool flooded;      /* printed more than LG_CHECK_OUTPUT_FAIL */
        int exit_status;   /* when exited */
        int signal;        /* when killed by a signal (not by us) */
        int error;         /* -errno when it could not be started */
        size_t output_total;  /* bytes printed in all */
        char *output;      /* the first LG_CHECK_OUTPUT_MAX bytes, NUL-terminated */
        char *reason;      /* one sentence when !passed */
} lg_check_result;

typedef struct lg_check_results {
        size_t n;
        lg_check_result *items;
        size_t n_failed;
} lg_check_results;

/* Called while checks run, at most every ping_usec (to keep the service
 * manager's watchdog fed). */
typedef void (*lg_ping_fn)(void *userdata);

/* Run every executable regular file of dir (a host path under root; hidden
 * files and names ending in '~' are skipped) at once, each in its own
 * process group with stdin /dev/null and stdout+stderr into one bounded
 * pipe. A check passes when it exits 0 within timeout_usec. When the
 * deadline passes, or when a check has exited, its whole process group is
 * killed with SIGKILL, so hanging checks and fork bombs end with it.
 * Returns 0 (see ret->n_failed), -ENOENT when dir does not exist (no
 * checks: healthy), -ENOMEM. */
int lg_health_run_checks(const lg_root *root, const char *dir, uint64_t timeout_usec,
                         lg_ping_fn ping, void *userdata, uint64_t ping_usec,
                         lg_check_results *ret);
void lg_check_results_done(lg_check_results *r);
