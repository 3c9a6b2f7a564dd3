/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "health.h"

/* The tiers of /etc/lastgood/health.d/, as greenboot's check/required.d and
 * check/wanted.d:
 *   health.d/NAME            required (as before tiers existed)
 *   health.d/required/NAME   required: a failure is a failed boot
 *   health.d/wanted/NAME     wanted: a failure is reported, never counted
 * Each folder runs as lg_health_run_checks() runs one (same timeout,
 * bounded output, process groups killed), required ones first. Result
 * names carry the tier folder ("required/NAME", "wanted/NAME"; top-level
 * checks keep their bare name). */

#define LG_HEALTH_REQUIRED_DIR LG_HEALTH_DIR "/required"
#define LG_HEALTH_WANTED_DIR LG_HEALTH_DIR "/wanted"

/* Returns 0 (folders that do not exist count as no checks), or -ENOMEM;
 * another error of a required folder (unreadable) is returned after the
 * wanted ones ran, as -errno, with the results gathered so far. */
int lg_health_run_tiers(const lg_root *root, uint64_t timeout_usec, lg_ping_fn ping, void *userdata,
                        uint64_t ping_usec, lg_check_results *ret_required, lg_check_results *ret_wanted);
