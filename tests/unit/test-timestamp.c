/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* journalctl's time words (lib/parse/timestamp.c), table-driven, against a
 * fixed "now" and fixed time zones: UTC, a POSIX zone without daylight
 * saving (no tz database needed) and one with it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "macro.h"
#include "timestamp.h"

#define S 1000000ULL
/* 2026-12-06 06:30:15.250 UTC, a Sunday. */
#define NOW (1796538615ULL * S + 250000ULL)

static void set_tz(const char *tz) {
        assert_int_equal(setenv("TZ", tz, 1), 0);
        tzset();
}

typedef struct {
        const char *in;
        int r;         /* 0 or -errno */
        uint64_t want; /* when r == 0 */
} row;

static void check_rows(const row *rows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                uint64_t got = 0xdeadbeef;
                int r = lg_parse_timestamp(rows[i].in, NOW, &got);

                if (r != rows[i].r || (r == 0 && got != rows[i].want))
                        fail_msg("\"%s\": r=%d got=%llu, want r=%d %llu", rows[i].in, r, (unsigned long long) got,
                                 rows[i].r, (unsigned long long) rows[i].want);
                if (r < 0)
                        assert_int_equal(got, 0xdeadbeef); /* untouched on failure */
        }
}

static void test_words_utc(void **state) {
        static const row rows[] = {
                { "now", 0, NOW },
                { "  now  ", 0, NOW },
                { "today", 0, 1796515200ULL * S },
                { "yesterday", 0, 1796428800ULL * S },
                { "tomorrow", 0, 1796601600ULL * S },
                { "today UTC", 0, 1796515200ULL * S },
                { "Yesterday", -EINVAL, 0 },
                { "yesterdays", -EINVAL, 0 },
                { "today nonsense", -EINVAL, 0 },
                { "", -EINVAL, 0 },
                { "   ", -EINVAL, 0 },
        };
        set_tz("UTC");
        check_rows(rows, ELEMENTSOF(rows));
}

static void test_relative(void **state) {
        static const row rows[] = {
                { "-1h", 0, NOW - 3600 * S },
                { "+1h", 0, NOW + 3600 * S },
                { "-1h 30min", 0, NOW - 5400 * S },
                { "-1h30m", 0, NOW - 5400 * S },
                { "-2d", 0, NOW - 2 * 86400 * S },
                { "-1w", 0, NOW - 7 * 86400 * S },
                { "-90", 0, NOW - 90 * S },
                { "-1.5h", 0, NOW - 5400 * S },
                { "-500ms", 0, NOW - 500000 },
                { "-3 days", 0, NOW - 3 * 86400 * S },
                { "3 days ago", 0, NOW - 3 * 86400 * S },
                { "5min ago", 0, NOW - 300 * S },
                { "5min left", 0, NOW + 300 * S },
                { "-1M", 0, NOW - 2629800 * S },
                { "-1y", 0, NOW - 31557600 * S },
                { "-1 fortnight", -EINVAL, 0 },
                { "-", -EINVAL, 0 },
                { "- 1h", 0, NOW - 3600 * S },
                { "-1h-", -EINVAL, 0 },
                { "-100y", -ERANGE, 0 },
                { "+99999999999999999999", -ERANGE, 0 },
                { "+584555y", -ERANGE, 0 },
                { "ago", -EINVAL, 0 },
        };
        set_tz("UTC");
        check_rows(rows, ELEMENTSOF(rows));
}

static void test_absolute_utc(void **state) {
        static const row rows[] = {
                { "2026-12-01 10:00", 0, 1796119200ULL * S },
                { "2026-12-01 10:00:30", 0, 1796119230ULL * S },
                { "2026-12-01T10:00:30", 0, 1796119230ULL * S },
                { "2026-12-01T10:00:30Z", 0, 1796119230ULL * S },
                { "2026-12-01 10:00:30.5", 0, 1796119230ULL * S + 500000 },
                { "2026-12-01 10:00:30.1234567", 0, 1796119230ULL * S + 123456 },
                { "2026-12-01", 0, 1796083200ULL * S },
                { "2026-12-01 UTC", 0, 1796083200ULL * S },
                { "2026-12-01 10:00 UTC", 0, 1796119200ULL * S },
                { "2026-12-01 10:00 +02:00", 0, 1796112000ULL * S },
                { "2026-12-01 10:00+0200", 0, 1796112000ULL * S },
                { "2026-12-01 10:00 -01", 0, 1796122800ULL * S },
                { "Tue 2026-12-01 10:00", 0, 1796119200ULL * S },
                { "Tuesday 2026-12-01", 0, 1796083200ULL * S },
                { "tue 2026-12-01", 0, 1796083200ULL * S },
                { "Mon 2026-12-01", -EINVAL, 0 },
                { "10:00", 0, 1796551200ULL * S },
                { "06:00:00", 0, 1796536800ULL * S },
                { "Sun 06:00", 0, 1796536800ULL * S },
                { "Sat 06:00", -EINVAL, 0 },
                { "2025-11-29T07:06:40Z", 0, 1764400000ULL * S },
                { "1970-01-01 00:00:00 UTC", 0, 0 },
                { "2024-02-29", 0, 1709164800ULL * S },
                { "2026-02-29", -EINVAL, 0 },
                { "2026-13-01", -EINVAL, 0 },
                { "2026-12-00", -EINVAL, 0 },
                { "2026-12-01 24:00", -EINVAL, 0 },
                { "2026-12-01 10:60", -EINVAL, 0 },
                { "2026-12-01 10:00:61", -EINVAL, 0 },
                { "2026-12-01 10", -EINVAL, 0 },
                { "2026-12-01 10:00 junk", -EINVAL, 0 },
                { "2026-12-01 10:00 +25:00", -EINVAL, 0 },
                { "2026-12-01 10:00:30.", -EINVAL, 0 },
                { "26-12-01", -EINVAL, 0 },
                { "2026/12/01", -EINVAL, 0 },
                { "1969-12-31 23:59:59 UTC", -ERANGE, 0 },
                { "12345", -EINVAL, 0 },
                { "@0", 0, 0 },
                { "@1764400000", 0, 1764400000ULL * S },
                { "@1764400000.25", 0, 1764400000ULL * S + 250000 },
                { "@", -EINVAL, 0 },
                { "@12x", -EINVAL, 0 },
                { "@-1", -EINVAL, 0 },
                { "@99999999999999999999", -ERANGE, 0 },
        };
        set_tz("UTC");
        check_rows(rows, ELEMENTSOF(rows));
}

/* A time without a zone is local, as journalctl reads it. */
static void test_local_zone(void **state) {
        static const row est[] = {
                /* EST5: UTC-5, no daylight saving. */
                { "2026-12-01 10:00", 0, (1796119200ULL + 5 * 3600) * S },
                { "2026-12-01 10:00 UTC", 0, 1796119200ULL * S },
                /* now is 01:30:15 local on 2026-12-06. */
                { "today", 0, (1796515200ULL + 5 * 3600) * S },
                { "yesterday", 0, (1796428800ULL + 5 * 3600) * S },
                { "today UTC", 0, 1796515200ULL * S },
                { "00:30", 0, (1796515200ULL + 5 * 3600 + 1800) * S },
        };
        static const row cet[] = {
                /* Central Europe: +1 in winter, +2 in summer. */
                { "2026-12-01 10:00", 0, (1796119200ULL - 3600) * S },
                { "2026-07-01 10:00", 0, (1782900000ULL - 7200) * S },
        };
        set_tz("EST5");
        check_rows(est, ELEMENTSOF(est));
        set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
        check_rows(cet, ELEMENTSOF(cet));
}

static void test_timespan(void **state) {
        static const struct {
                const char *in;
                int r;
                uint64_t want;
        } rows[] = {
                { "1h 30min", 0, 5400 * S },  { "2d", 0, 172800 * S }, { "90", 0, 90 * S },
                { "1.5s", 0, 1500000 },       { "2us", 0, 2 },         { "2\xc2\xb5s", 0, 2 },
                { "3 weeks", 0, 21 * 86400 * S }, { "1m", 0, 60 * S },  { "1M", 0, 2629800 * S },
                { "1 hr", 0, 3600 * S },      { "0", 0, 0 },          { ".5m", 0, 30 * S },
                { "", -EINVAL, 0 },           { "h", -EINVAL, 0 },    { "1 parsec", -EINVAL, 0 },
                { "1h x", -EINVAL, 0 },       { "-1h", -EINVAL, 0 },  { "1..5s", -EINVAL, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                uint64_t got = 7;
                int r = lg_parse_timespan(rows[i].in, &got);

                if (r != rows[i].r || (r == 0 && got != rows[i].want))
                        fail_msg("\"%s\": r=%d got=%llu", rows[i].in, r, (unsigned long long) got);
        }
}

/* Longer than any time: refused, whatever it holds. */
static void test_long_input(void **state) {
        char buf[512];
        uint64_t t;

        memset(buf, ' ', sizeof(buf) - 1);
        memcpy(buf + 300, "now", 3);
        buf[sizeof(buf) - 1] = '\0';
        assert_int_equal(lg_parse_timestamp(buf, NOW, &t), 0); /* blanks are trimmed */
        memset(buf, '1', sizeof(buf) - 1);
        assert_int_equal(lg_parse_timestamp(buf, NOW, &t), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_words_utc),  cmocka_unit_test(test_relative),
                cmocka_unit_test(test_absolute_utc), cmocka_unit_test(test_local_zone),
                cmocka_unit_test(test_timespan),   cmocka_unit_test(test_long_input),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
