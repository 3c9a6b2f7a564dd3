/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Times and time spans as journalctl takes them (see timestamp.h and
 * systemd.time(7)). A small scanner over a bounded copy of the input: no
 * strptime(), whose formats depend on the locale and accept trailing
 * garbage in some glibc versions. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "macro.h"
#include "timestamp.h"

#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MINUTE (60ULL * USEC_PER_SEC)
#define USEC_PER_HOUR (60ULL * USEC_PER_MINUTE)
#define USEC_PER_DAY (24ULL * USEC_PER_HOUR)
#define USEC_PER_WEEK (7ULL * USEC_PER_DAY)
/* As systemd: a month is 30.44 days, a year 365.25 days. */
#define USEC_PER_MONTH (2629800ULL * USEC_PER_SEC)
#define USEC_PER_YEAR (31557600ULL * USEC_PER_SEC)

/* Longer than any time worth writing; longer input is not a time. */
#define TIMESTAMP_MAX 128

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p) {
        while (is_blank(*p))
                p++;
        return p;
}

static const struct {
        const char *name;
        uint64_t usec;
} units[] = {
        { "seconds", USEC_PER_SEC },   { "second", USEC_PER_SEC },    { "sec", USEC_PER_SEC },
        { "s", USEC_PER_SEC },         { "minutes", USEC_PER_MINUTE }, { "minute", USEC_PER_MINUTE },
        { "min", USEC_PER_MINUTE },    { "m", USEC_PER_MINUTE },      { "months", USEC_PER_MONTH },
        { "month", USEC_PER_MONTH },   { "M", USEC_PER_MONTH },       { "msec", 1000 },
        { "ms", 1000 },                { "hours", USEC_PER_HOUR },    { "hour", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR },       { "h", USEC_PER_HOUR },        { "days", USEC_PER_DAY },
        { "day", USEC_PER_DAY },       { "d", USEC_PER_DAY },         { "weeks", USEC_PER_WEEK },
        { "week", USEC_PER_WEEK },     { "w", USEC_PER_WEEK },        { "years", USEC_PER_YEAR },
        { "year", USEC_PER_YEAR },     { "y", USEC_PER_YEAR },        { "usec", 1 },
        { "us", 1 },                   { "\xc2\xb5s", 1 } /* µs, MICRO SIGN */,
        { "\xce\xbcs", 1 } /* μs, GREEK SMALL LETTER MU */,
};

/* The unit at p (the longest name that is not followed by a letter), its
 * length in *ret_len; 0 when there is none. */
static uint64_t unit_at(const char *p, size_t *ret_len) {
        uint64_t usec = 0;
        size_t best = 0;

        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                size_t n = strlen(units[i].name);

                if (n > best && strncmp(p, units[i].name, n) == 0 && !is_alpha(p[n])) {
                        best = n;
                        usec = units[i].usec;
                }
        }
        *ret_len = best;
        return usec;
}

/* a + b, or -ERANGE. */
static int add_usec(uint64_t a, uint64_t b, uint64_t *ret) {
        if (a > UINT64_MAX - b)
                return -ERANGE;
        *ret = a + b;
        return 0;
}

/* DIGITS[.DIGITS] at *p, advancing it; at least one digit. */
static int scan_number(const char **p, uint64_t *ret_whole, const char **ret_frac, size_t *ret_nfrac) {
        const char *s = *p;
        uint64_t v = 0;
        size_t n = 0, nf = 0;

        for (; is_digit(*s); s++, n++) {
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        *ret_frac = NULL;
        if (*s == '.') {
                s++;
                *ret_frac = s;
                for (; is_digit(*s); s++)
                        nf++;
        }
        if (n + nf == 0)
                return -EINVAL;
        *ret_whole = v;
        *ret_nfrac = nf;
        *p = s;
        return 0;
}

int lg_parse_timespan(const char *s, uint64_t *ret_usec) {
        const char *p = skip_blanks(s);
        uint64_t total = 0;
        bool any = false;

        while (*p) {
                uint64_t whole, unit, part, m;
                const char *frac;
                size_t nfrac, len;
                int r;

                r = scan_number(&p, &whole, &frac, &nfrac);
                if (r < 0)
                        return r;
                p = skip_blanks(p);
                unit = unit_at(p, &len);
                if (unit == 0) {
                        /* A bare number is seconds; a word that is no unit is no span. */
                        if (*p && !is_digit(*p))
                                return -EINVAL;
                        unit = USEC_PER_SEC;
                }
                p = skip_blanks(p + len);
                if (whole > UINT64_MAX / unit)
                        return -ERANGE;
                part = whole * unit;
                /* The fraction digit by digit: below a microsecond it ends. */
                m = unit;
                for (size_t i = 0; i < nfrac && m > 0; i++) {
                        m /= 10;
                        r = add_usec(part, (uint64_t) (frac[i] - '0') * m, &part);
                        if (r < 0)
                                return r;
                }
                r = add_usec(total, part, &total);
                if (r < 0)
                        return r;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret_usec = total;
        return 0;
}

/* Exactly n digits at *p, as a number; advances *p. */
static bool scan_fixed(const char **p, size_t n, int *ret) {
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (!is_digit((*p)[i]))
                        return false;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

static const char *const weekdays[7][2] = {
        { "Sun", "Sunday" },   { "Mon", "Monday" }, { "Tue", "Tuesday" },  { "Wed", "Wednesday" },
        { "Thu", "Thursday" }, { "Fri", "Friday" }, { "Sat", "Saturday" },
};

/* A weekday name at *p followed by a blank: its number (0 = Sunday),
 * advancing *p; -1 when there is none. */
static int scan_weekday(const char **p) {
        size_t n = 0;

        while (is_alpha((*p)[n]))
                n++;
        if (n == 0 || !is_blank((*p)[n]))
                return -1;
        for (int d = 0; d < 7; d++)
                for (int k = 0; k < 2; k++)
                        if (strlen(weekdays[d][k]) == n && strncasecmp(*p, weekdays[d][k], n) == 0) {
                                *p = skip_blanks(*p + n);
                                return d;
                        }
        return -1;
}

typedef enum zone {
        ZONE_LOCAL,
        ZONE_FIXED, /* UTC or a numeric offset */
} zone;

/* The zone at the end of a time: blanks, then UTC, Z, or +HH[[:]MM]; the
 * offset east of UTC in seconds. false when something else follows. */
static bool scan_zone(const char *p, zone *ret_zone, long *ret_offset) {
        const char *q = skip_blanks(p);
        int hh, mm = 0;
        long sign;

        *ret_zone = ZONE_LOCAL;
        *ret_offset = 0;
        if (*q == '\0')
                return true;
        if (streq(q, "UTC") || (q == p && streq(q, "Z"))) {
                *ret_zone = ZONE_FIXED;
                return true;
        }
        if (*q != '+' && *q != '-')
                return false;
        sign = *q == '-' ? -1 : 1;
        q++;
        if (!scan_fixed(&q, 2, &hh))
                return false;
        if (*q == ':')
                q++;
        if (*q && !scan_fixed(&q, 2, &mm))
                return false;
        if (*q || hh > 23 || mm > 59)
                return false;
        *ret_zone = ZONE_FIXED;
        *ret_offset = sign * (hh * 3600L + mm * 60L);
        return true;
}

static bool leap(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
        static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Seconds since the epoch of tm (fields as written: year 1900-based,
 * month 0-based) in the zone; -ERANGE when it cannot be told. */
static int to_epoch(struct tm *tm, zone z, long offset, time_t *ret) {
        time_t t;

        if (z == ZONE_FIXED) {
                t = timegm(tm);
                if (t == (time_t) -1)
                        return -ERANGE;
                t -= offset;
        } else {
                tm->tm_isdst = -1;
                t = mktime(tm);
                if (t == (time_t) -1)
                        return -ERANGE;
        }
        *ret = t;
        return 0;
}

/* Today's date (in the zone) of now into tm, time of day 0. */
static int today(uint64_t now_usec, zone z, long offset, struct tm *tm) {
        time_t t = (time_t) (now_usec / USEC_PER_SEC);

        if (z == ZONE_FIXED) {
                t += offset;
                if (!gmtime_r(&t, tm))
                        return -ERANGE;
        } else if (!localtime_r(&t, tm))
                return -ERANGE;
        tm->tm_hour = tm->tm_min = tm->tm_sec = 0;
        return 0;
}

static int finish(time_t t, uint64_t frac_usec, uint64_t *ret_usec) {
        if (t < 0)
                return -ERANGE;
        if ((uint64_t) t > (UINT64_MAX - frac_usec) / USEC_PER_SEC)
                return -ERANGE;
        *ret_usec = (uint64_t) t * USEC_PER_SEC + frac_usec;
        return 0;
}

/* today, yesterday, tomorrow (and a zone). */
static int parse_day_word(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        static const struct {
                const char *word;
                int delta;
        } words[] = { { "yesterday", -1 }, { "today", 0 }, { "tomorrow", 1 } };

        for (size_t i = 0; i < ELEMENTSOF(words); i++) {
                size_t n = strlen(words[i].word);
                struct tm tm;
                zone z;
                long off;
                time_t t;
                int r;

                if (strncmp(s, words[i].word, n) != 0 || (s[n] && !is_blank(s[n])))
                        continue;
                if (!scan_zone(s + n, &z, &off) || (s[n] && z == ZONE_LOCAL))
                        return -EINVAL;
                r = today(now_usec, z, off, &tm);
                if (r < 0)
                        return r;
                tm.tm_mday += words[i].delta; /* normalized by mktime()/timegm() */
                r = to_epoch(&tm, z, off, &t);
                if (r < 0)
                        return r;
                return finish(t, 0, ret_usec);
        }
        return -EINVAL;
}

/* @SECONDS[.FRACTION] */
static int parse_epoch(const char *s, uint64_t *ret_usec) {
        const char *p = s, *frac;
        uint64_t whole, f = 0, m = USEC_PER_SEC;
        size_t nfrac;
        int r;

        r = scan_number(&p, &whole, &frac, &nfrac);
        if (r < 0)
                return r;
        if (*p)
                return -EINVAL;
        for (size_t i = 0; i < nfrac && m > 1; i++) {
                m /= 10;
                f += (uint64_t) (frac[i] - '0') * m;
        }
        if (whole > (UINT64_MAX - f) / USEC_PER_SEC)
                return -ERANGE;
        *ret_usec = whole * USEC_PER_SEC + f;
        return 0;
}

/* [WEEKDAY] [YYYY-MM-DD][( |T)HH:MM[:SS[.FRACTION]]] [ZONE] */
static int parse_absolute(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        const char *p = s;
        struct tm tm = {};
        int wday, y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
        bool have_date = false, have_time = false;
        uint64_t frac_usec = 0;
        zone z;
        long off;
        time_t t;
        int r;

        wday = scan_weekday(&p);
        if (is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) && p[4] == '-') {
                if (!scan_fixed(&p, 4, &y) || *p++ != '-' || !scan_fixed(&p, 2, &mo) || *p++ != '-' ||
                    !scan_fixed(&p, 2, &d))
                        return -EINVAL;
                if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
                        return -EINVAL;
                have_date = true;
                if ((*p == ' ' || *p == 'T') && is_digit(p[1])) {
                        p++;
                        have_time = true;
                }
        } else
                have_time = true;
        if (have_time) {
                if (!scan_fixed(&p, 2, &h) || *p++ != ':' || !scan_fixed(&p, 2, &mi))
                        return -EINVAL;
                if (*p == ':') {
                        p++;
                        if (!scan_fixed(&p, 2, &sec))
                                return -EINVAL;
                        if (*p == '.') {
                                uint64_t m = USEC_PER_SEC;

                                if (!is_digit(*++p))
                                        return -EINVAL;
                                for (; is_digit(*p); p++)
                                        if (m > 1) {
                                                m /= 10;
                                                frac_usec += (uint64_t) (*p - '0') * m;
                                        }
                        }
                }
                if (h > 23 || mi > 59 || sec > 59)
                        return -EINVAL;
        }
        if (!scan_zone(p, &z, &off))
                return -EINVAL;

        if (have_date) {
                tm.tm_year = y - 1900;
                tm.tm_mon = mo - 1;
                tm.tm_mday = d;
        } else {
                r = today(now_usec, z, off, &tm);
                if (r < 0)
                        return r;
        }
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        r = to_epoch(&tm, z, off, &t);
        if (r < 0)
                return r;
        /* to_epoch() normalized tm: its weekday is the date's. */
        if (wday >= 0 && tm.tm_wday != wday)
                return -EINVAL;
        return finish(t, frac_usec, ret_usec);
}

int lg_parse_timestamp(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        char buf[TIMESTAMP_MAX];
        size_t n;
        uint64_t span, t;
        bool ago, left;
        int r;

        s = skip_blanks(s);
        n = strlen(s);
        while (n > 0 && is_blank(s[n - 1]))
                n--;
        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = '\0';

        if (streq(buf, "now")) {
                *ret_usec = now_usec;
                return 0;
        }
        if (buf[0] == '@')
                return parse_epoch(buf + 1, ret_usec);
        if (buf[0] == '+' || buf[0] == '-') {
                r = lg_parse_timespan(buf + 1, &span);
                if (r < 0)
                        return r;
                if (buf[0] == '-') {
                        if (span > now_usec)
                                return -ERANGE;
                        *ret_usec = now_usec - span;
                        return 0;
                }
                return add_usec(now_usec, span, ret_usec);
        }
        ago = n > 4 && streq(buf + n - 4, " ago");
        left = n > 5 && streq(buf + n - 5, " left");
        if (ago || left) {
                buf[n - (ago ? 4 : 5)] = '\0';
                r = lg_parse_timespan(buf, &span);
                if (r < 0)
                        return r;
                if (!ago)
                        return add_usec(now_usec, span, ret_usec);
                if (span > now_usec)
                        return -ERANGE;
                *ret_usec = now_usec - span;
                return 0;
        }
        if (is_alpha(buf[0])) {
                r = parse_day_word(buf, now_usec, &t);
                if (r == 0) {
                        *ret_usec = t;
                        return 0;
                }
                if (r != -EINVAL)
                        return r;
        }
        r = parse_absolute(buf, now_usec, &t);
        if (r < 0)
                return r;
        *ret_usec = t;
        return 0;
}
