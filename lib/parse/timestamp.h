/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Times and time spans as journalctl --since= and systemd.time(7) take
 * them. Pure: parsed from a string against a given "now"; the only
 * outside input is the local time zone (TZ), for times that name none.
 *
 * A time is one of:
 *   now, today, yesterday, tomorrow    (today etc. at 00:00 local time)
 *   @SECONDS[.FRACTION]                (since the epoch)
 *   +SPAN, -SPAN, SPAN ago, SPAN left  (relative to now)
 *   [WEEKDAY] YYYY-MM-DD[ |T]HH:MM[:SS[.FRACTION]] [ZONE]
 *   [WEEKDAY] YYYY-MM-DD [ZONE]        (at 00:00)
 *   [WEEKDAY] HH:MM[:SS[.FRACTION]] [ZONE]   (today)
 * where ZONE is "UTC", "Z" or a numeric offset (+HH:MM, -HHMM, +HH) and a
 * time without one is local. A weekday (Mon, Monday, ...) must match the
 * date. A SPAN is a sequence of NUMBER[.FRACTION][UNIT] (blanks allowed
 * between and within), UNIT one of us usec µs, ms msec, s sec second
 * seconds, m min minute minutes, h hr hour hours, d day days, w week
 * weeks, M month months (30.44 d), y year years (365.25 d); no unit means
 * seconds: "1h 30min", "2d", "90". */

/* Parse a time span into microseconds. Returns 0, -EINVAL (not a span)
 * or -ERANGE (does not fit). */
int lg_parse_timespan(const char *s, uint64_t *ret_usec);

/* Parse a time into microseconds since the epoch; relative words count
 * from now_usec. Returns 0, -EINVAL (not a time) or -ERANGE (before the
 * epoch, or too far out). *ret_usec is written only on success. */
int lg_parse_timestamp(const char *s, uint64_t now_usec, uint64_t *ret_usec);
