#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"
#include "util.h"

#define MIN  60LL
#define HOUR 3600LL
#define DAY  86400LL

static void set_tz(const char *tz)
{
        setenv("TZ", tz, 1);
        tzset();
}

/* Reference UTC conversion through libc, independent of timeutil.c's own arithmetic. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
        struct tm tm = {
            .tm_year = y - 1900,
            .tm_mon = mo - 1,
            .tm_mday = d,
            .tm_hour = h,
            .tm_min = mi,
            .tm_sec = s,
        };

        return (int64_t)timegm(&tm);
}

static int setup_utc(void **state)
{
        set_tz("UTC");
        return 0;
}

/* Tuesday 2026-12-01 09:00:00 UTC. */
static int64_t now_tue(void)
{
        return utc(2026, 12, 1, 9, 0, 0);
}

static void check_duration(const char *s, int64_t want)
{
        int64_t d = -1;
        int r = time_parse_duration(s, &d);

        if (r != 0 || d != want)
                print_error("duration \"%s\": r=%d d=%lld want %lld\n", s, r, (long long)d,
                            (long long)want);
        assert_int_equal(r, 0);
        assert_int_equal(d, want);
}

static void check_duration_err(const char *s, int err)
{
        int64_t d = 12345;
        int r = time_parse_duration(s, &d);

        if (r != err)
                print_error("duration \"%s\": r=%d want %d\n", s, r, err);
        assert_int_equal(r, err);
        assert_int_equal(d, 12345); /* untouched on failure */
}

static void test_duration_units(void **state)
{
        check_duration("45s", 45);
        check_duration("10m", 10 * MIN);
        check_duration("3h", 3 * HOUR);
        check_duration("3d", 3 * DAY);
        check_duration("2w", 14 * DAY);
        check_duration("1mo", 30 * DAY);
        check_duration("1y", 365 * DAY);
        check_duration("3D", 3 * DAY);
        check_duration("1MO", 30 * DAY);
        check_duration("  3d\t", 3 * DAY);
        check_duration("100y", 100 * 365 * DAY);
}

static void test_duration_spelled(void **state)
{
        check_duration("3 days", 3 * DAY);
        check_duration("1 day", DAY);
        check_duration("1 week", 7 * DAY);
        check_duration("2 weeks", 14 * DAY);
        check_duration("1 month", 30 * DAY);
        check_duration("6 months", 180 * DAY);
        check_duration("5 min", 5 * MIN);
        check_duration("5 minutes", 5 * MIN);
        check_duration("1 minute", MIN);
        check_duration("2 hours", 2 * HOUR);
        check_duration("1 hour", HOUR);
        check_duration("1 year", 365 * DAY);
        check_duration("90 seconds", 90);
        check_duration("3 Days", 3 * DAY);
        check_duration("3days", 3 * DAY);
}

static void test_duration_combined(void **state)
{
        check_duration("1w 2d", 9 * DAY);
        check_duration("1w2d", 9 * DAY);
        check_duration("1h30m", 90 * MIN);
        check_duration("1 week 2 days", 9 * DAY);
        check_duration("1y 1mo 1w 1d 1h 1m 1s",
                       365 * DAY + 30 * DAY + 7 * DAY + DAY + HOUR + MIN + 1);
        check_duration("0d 3h", 3 * HOUR);
}

static void test_duration_rejects(void **state)
{
        check_duration_err("", -EINVAL);
        check_duration_err("   ", -EINVAL);
        check_duration_err("d", -EINVAL);
        check_duration_err("3", -EINVAL);
        check_duration_err("3x", -EINVAL);
        check_duration_err("3 d x", -EINVAL);
        check_duration_err("1.5h", -EINVAL);
        check_duration_err("3d,2h", -EINVAL);
        check_duration_err("+3d", -EINVAL);
        check_duration_err("three days", -EINVAL);
        check_duration_err("3 dayz", -EINVAL);
        check_duration_err("1w 2", -EINVAL);
        check_duration_err("-", -EINVAL);
        check_duration_err("-x", -EINVAL);
        check_duration_err("99999999999999999999999x", -EINVAL);
        assert_int_equal(time_parse_duration(NULL, &(int64_t){0}), -EINVAL);

        check_duration_err("0", -EINVAL);
        check_duration_err("0s", -ERANGE);
        check_duration_err("0d 0h", -ERANGE);
        check_duration_err("-3d", -ERANGE);
        check_duration_err("- 3d", -ERANGE);
        check_duration_err("101y", -ERANGE);
        check_duration_err("100y 1s", -ERANGE);
        check_duration_err("36501d", -ERANGE);
        check_duration_err("99999999999999999999999d", -ERANGE);
        check_duration_err("9223372036854775807s", -ERANGE);
        check_duration_err("9223372036854775807y 9223372036854775807y", -ERANGE);
}

static void check_date(const char *s, int64_t now, int64_t want)
{
        int64_t t = -1;
        int r = time_parse_date(s, now, &t);
        char a[TIME_RFC3339_MAX], b[TIME_RFC3339_MAX];

        if (r != 0 || t != want)
                print_error("date \"%s\": r=%d got %s want %s\n", s, r, time_format_rfc3339(t, a),
                            time_format_rfc3339(want, b));
        assert_int_equal(r, 0);
        assert_int_equal(t, want);
}

static void check_date_err(const char *s, int err)
{
        int64_t t = 12345;
        int r = time_parse_date(s, now_tue(), &t);

        if (r != err)
                print_error("date \"%s\": r=%d want %d\n", s, r, err);
        assert_int_equal(r, err);
        assert_int_equal(t, 12345);
}

static void test_date_keywords(void **state)
{
        int64_t now = now_tue();

        check_date("now", now, now);
        check_date("NOW", now, now);
        check_date("  now  ", now, now);
        check_date("today", now, utc(2026, 12, 1, 0, 0, 0));
        check_date("Today", now, utc(2026, 12, 1, 0, 0, 0));
        check_date("tomorrow", now, utc(2026, 12, 2, 0, 0, 0));
        check_date("yesterday", now, utc(2026, 11, 30, 0, 0, 0));
        /* Month and year boundaries. */
        check_date("tomorrow", utc(2026, 12, 31, 23, 59, 59), utc(2027, 1, 1, 0, 0, 0));
        check_date("yesterday", utc(2028, 3, 1, 0, 0, 0), utc(2028, 2, 29, 0, 0, 0));
        check_date("today", utc(2026, 12, 1, 0, 0, 0), utc(2026, 12, 1, 0, 0, 0));
}

static void test_date_weekdays(void **state)
{
        int64_t now = now_tue();

        check_date("wednesday", now, utc(2026, 12, 2, 0, 0, 0));
        check_date("wed", now, utc(2026, 12, 2, 0, 0, 0));
        check_date("monday", now, utc(2026, 12, 7, 0, 0, 0));
        check_date("mon", now, utc(2026, 12, 7, 0, 0, 0));
        check_date("Monday", now, utc(2026, 12, 7, 0, 0, 0));
        check_date("MONDAY", now, utc(2026, 12, 7, 0, 0, 0));
        check_date(" Mon ", now, utc(2026, 12, 7, 0, 0, 0));
        /* Never today: Tuesday from a Tuesday is a week ahead. */
        check_date("tuesday", now, utc(2026, 12, 8, 0, 0, 0));
        check_date("tue", now, utc(2026, 12, 8, 0, 0, 0));
        check_date("thu", now, utc(2026, 12, 3, 0, 0, 0));
        check_date("friday", now, utc(2026, 12, 4, 0, 0, 0));
        check_date("sat", now, utc(2026, 12, 5, 0, 0, 0));
        check_date("sunday", now, utc(2026, 12, 6, 0, 0, 0));
        /* Just before midnight on Monday, "monday" is still the next one. */
        check_date("monday", utc(2026, 12, 7, 23, 59, 59), utc(2026, 12, 14, 0, 0, 0));

        check_date_err("mo", -EINVAL);
        check_date_err("mond", -EINVAL);
        check_date_err("next", -EINVAL);
        check_date_err("next mond", -EINVAL);
        check_date_err("last", -EINVAL);
        check_date_err("next year", -EINVAL);
        check_date_err("end of week", -EINVAL);
}

static void check_use(const char *s, enum time_date_use use, int64_t now, int64_t want)
{
        int64_t t = -1;
        int r = time_parse_date_for(s, now, use, 8 * 60 + 30, &t);
        char a[TIME_RFC3339_MAX], b[TIME_RFC3339_MAX];

        if (r != 0 || t != want)
                print_error("date \"%s\" (use %d): r=%d got %s want %s\n", s, use, r,
                            time_format_rfc3339(t, a), time_format_rfc3339(want, b));
        assert_int_equal(r, 0);
        assert_int_equal(t, want);
}

#define PAST  TIME_DATE_PAST
#define AHEAD TIME_DATE_AHEAD
#define POINT TIME_DATE_POINT

/* Something that happened: a day alone keeps the time of day, a weekday is the last one. */
static void test_date_past(void **state)
{
        int64_t now = now_tue(); /* Tue 2026-12-01 09:00 */

        check_use("today", PAST, now, now);
        check_use("yesterday", PAST, now, utc(2026, 11, 30, 9, 0, 0));
        check_use("Yesterday  15:00", PAST, now, utc(2026, 11, 30, 15, 0, 0));
        check_use("yesterday at 9:05", PAST, now, utc(2026, 11, 30, 9, 5, 0));
        check_use("tue", PAST, now, now);
        check_use("mon", PAST, now, utc(2026, 11, 30, 9, 0, 0));
        check_use("wednesday", PAST, now, utc(2026, 11, 25, 9, 0, 0));
        check_use("last tue", PAST, now, utc(2026, 11, 24, 9, 0, 0));
        check_use("last friday", PAST, now, utc(2026, 11, 27, 9, 0, 0));
        check_use("last friday 18:30", PAST, now, utc(2026, 11, 27, 18, 30, 0));
        check_use("last week", PAST, now, utc(2026, 11, 24, 9, 0, 0));
        check_use("last month", PAST, now, utc(2026, 11, 1, 9, 0, 0));
        check_use("2026-11-20", PAST, now, utc(2026, 11, 20, 9, 0, 0));
        check_use("2026-11-20 07:45", PAST, now, utc(2026, 11, 20, 7, 45, 0));
        check_use("7:45", PAST, now, utc(2026, 12, 1, 7, 45, 0));
        check_use("3 days ago", PAST, now, now - 3 * DAY);
        check_use("2026-W48", PAST, now, utc(2026, 11, 23, 9, 0, 0));
        /* Just after midnight, yesterday is the calendar day before. */
        check_use("yesterday", PAST, utc(2026, 12, 1, 0, 5, 0), utc(2026, 11, 30, 0, 5, 0));
        /* The same as a plain bound, which keeps midnight. */
        check_use("yesterday", POINT, now, utc(2026, 11, 30, 0, 0, 0));
        check_use("last tue", POINT, now, utc(2026, 11, 24, 0, 0, 0));
}

/* Something ahead: a day alone is at the preferred time (08:30 here), a weekday the next one. */
static void test_date_ahead(void **state)
{
        int64_t now = now_tue(), t = 0;

        check_use("today", AHEAD, now, utc(2026, 12, 1, 8, 30, 0));
        check_use("tomorrow", AHEAD, now, utc(2026, 12, 2, 8, 30, 0));
        check_use("fri", AHEAD, now, utc(2026, 12, 4, 8, 30, 0));
        check_use("tue", AHEAD, now, utc(2026, 12, 8, 8, 30, 0));
        check_use("next fri", AHEAD, now, utc(2026, 12, 4, 8, 30, 0));
        check_use("next tuesday", AHEAD, now, utc(2026, 12, 8, 8, 30, 0));
        check_use("next fri 14:00", AHEAD, now, utc(2026, 12, 4, 14, 0, 0));
        check_use("fri at 14:00", AHEAD, now, utc(2026, 12, 4, 14, 0, 0));
        check_use("next week", AHEAD, now, utc(2026, 12, 8, 8, 30, 0));
        check_use("next month", AHEAD, now, utc(2027, 1, 1, 8, 30, 0));
        check_use("end of month", AHEAD, now, utc(2026, 12, 31, 8, 30, 0));
        check_use("End Of Month 17:00", AHEAD, now, utc(2026, 12, 31, 17, 0, 0));
        check_use("2026-12-24", AHEAD, now, utc(2026, 12, 24, 8, 30, 0));
        check_use("2026-12-24 10:00", AHEAD, now, utc(2026, 12, 24, 10, 0, 0));
        check_use("2026-12-24T10:00Z", AHEAD, now, utc(2026, 12, 24, 10, 0, 0));
        check_use("in 3 days", AHEAD, now, now + 3 * DAY);
        check_use("+2w", AHEAD, now, now + 14 * DAY);
        check_use("now", AHEAD, now, now);
        check_use("16:00", AHEAD, now, utc(2026, 12, 1, 16, 0, 0));

        /* A day without a time needs the preferred time; a duration or a time does not. */
        assert_int_equal(time_parse_date_for("tomorrow", now, AHEAD, -1, &t), -ENODATA);
        assert_int_equal(time_parse_date_for("2026-12-24", now, AHEAD, -1, &t), -ENODATA);
        assert_int_equal(time_parse_date_for("in 3 days", now, AHEAD, -1, &t), 0);
        assert_int_equal(time_parse_date_for("fri 10:00", now, AHEAD, -1, &t), 0);
        assert_int_equal(t, utc(2026, 12, 4, 10, 0, 0));
}

/* ISO weeks, month lengths, leap years. */
static void test_date_weeks_months(void **state)
{
        int64_t now = now_tue();

        /* 2027-01-04 is a Monday: week 1 starts on it. */
        check_use("2027-W03", POINT, now, utc(2027, 1, 18, 0, 0, 0));
        check_use("2027-w03", AHEAD, now, utc(2027, 1, 18, 8, 30, 0));
        check_use("2027-W03-5", POINT, now, utc(2027, 1, 22, 0, 0, 0));
        check_use("2027-W03 10:00", POINT, now, utc(2027, 1, 18, 10, 0, 0));
        check_use("2027-W01", POINT, now, utc(2027, 1, 4, 0, 0, 0));
        /* Week 1 of 2020 starts in 2019; 2026 has 53 weeks, 2027 has 52. */
        check_use("2020-W01", POINT, now, utc(2019, 12, 30, 0, 0, 0));
        check_use("2026-W53", POINT, now, utc(2026, 12, 28, 0, 0, 0));
        check_use("2026-W53-7", POINT, now, utc(2027, 1, 3, 0, 0, 0));
        check_date_err("2027-W53", -ERANGE);
        check_date_err("2027-W00", -ERANGE);
        check_date_err("2027-W03-8", -ERANGE);
        check_date_err("2027-W03-0", -ERANGE);
        check_date_err("2027-W3", -EINVAL);
        check_date_err("2027-W03-", -EINVAL);
        check_date_err("2027-X03", -EINVAL);

        /* next/last month keep the day, or take the month's last. */
        check_use("next month", POINT, utc(2026, 1, 31, 12, 0, 0), utc(2026, 2, 28, 0, 0, 0));
        check_use("next month", POINT, utc(2028, 1, 31, 12, 0, 0), utc(2028, 2, 29, 0, 0, 0));
        check_use("last month", POINT, utc(2026, 3, 31, 12, 0, 0), utc(2026, 2, 28, 0, 0, 0));
        check_use("last month", POINT, utc(2027, 1, 15, 12, 0, 0), utc(2026, 12, 15, 0, 0, 0));
        check_use("next month", POINT, utc(2026, 12, 31, 12, 0, 0), utc(2027, 1, 31, 0, 0, 0));
        check_use("end of month", POINT, utc(2028, 2, 3, 12, 0, 0), utc(2028, 2, 29, 0, 0, 0));
        check_use("end of month", POINT, utc(2026, 2, 28, 12, 0, 0), utc(2026, 2, 28, 0, 0, 0));
        check_use("end of month", POINT, utc(2026, 4, 1, 0, 0, 0), utc(2026, 4, 30, 0, 0, 0));
        check_use("next week", POINT, utc(2026, 12, 29, 12, 0, 0), utc(2027, 1, 5, 0, 0, 0));

        /* Times of day are checked. */
        check_date_err("25:00", -EINVAL);
        check_date_err("fri 24:00", -EINVAL);
        check_date_err("fri 10:60", -EINVAL);
        check_date_err("fri at", -EINVAL);
        check_date_err("at 10:00", -EINVAL);
        check_date_err("10:0", -EINVAL);
        check_date_err("2026-02-30 10:00", -ERANGE);
        check_date_err("2026-02-30", -ERANGE);
}

/* Across DST changes, "yesterday" is the calendar day before at the same wall time. */
static void test_date_use_dst(void **state)
{
        set_tz("Europe/Berlin");
        /* 12:00 CEST on the 29th (the 23-hour day) back to 12:00 CET on the 28th: 23 hours. */
        check_use("yesterday", PAST, utc(2026, 3, 29, 10, 0, 0), utc(2026, 3, 28, 11, 0, 0));
        check_use("yesterday", PAST, utc(2026, 3, 30, 10, 0, 0), utc(2026, 3, 29, 10, 0, 0));
        /* 02:30 on the 29th does not exist: yesterday at 02:30 seen from the 30th. */
        check_use("yesterday", PAST, utc(2026, 3, 30, 0, 30, 0), utc(2026, 3, 29, 1, 30, 0));
        check_use("tomorrow", AHEAD, utc(2026, 10, 24, 12, 0, 0), utc(2026, 10, 25, 7, 30, 0));
        check_use("next week", AHEAD, utc(2026, 3, 25, 12, 0, 0), utc(2026, 4, 1, 6, 30, 0));
        check_use("sun", AHEAD, utc(2026, 3, 27, 12, 0, 0), utc(2026, 3, 29, 6, 30, 0));

        set_tz("America/New_York");
        /* 12:00 EST on Nov 2 back to 12:00 EST on Nov 1 (the 25-hour day). */
        check_use("yesterday", PAST, utc(2026, 11, 2, 17, 0, 0), utc(2026, 11, 1, 17, 0, 0));
        check_use("yesterday", PAST, utc(2026, 11, 1, 17, 0, 0), utc(2026, 10, 31, 16, 0, 0));
        check_use("last sunday", PAST, utc(2026, 3, 10, 16, 0, 0), utc(2026, 3, 8, 16, 0, 0));
        check_use("end of month", AHEAD, utc(2026, 3, 1, 3, 0, 0), utc(2026, 2, 28, 13, 30, 0));
        set_tz("UTC");
}

static void test_date_relative(void **state)
{
        int64_t now = now_tue();

        check_date("+3d", now, now + 3 * DAY);
        check_date("+2w", now, now + 14 * DAY);
        check_date("+1w2d", now, now + 9 * DAY);
        check_date("+90m", now, now + 90 * MIN);
        check_date("in 2 weeks", now, now + 14 * DAY);
        check_date("in 3 days", now, now + 3 * DAY);
        check_date("In 3 Days", now, now + 3 * DAY);
        check_date("in 1w 2d", now, now + 9 * DAY);
        check_date("in  1 hour", now, now + HOUR);
        check_date("-3d", now, now - 3 * DAY);
        check_date("-1mo", now, now - 30 * DAY);
        check_date("3 days ago", now, now - 3 * DAY);
        check_date("2w ago", now, now - 14 * DAY);
        check_date("1 year ago", now, now - 365 * DAY);
        check_date("3d AGO", now, now - 3 * DAY);

        check_date_err("+", -EINVAL);
        check_date_err("-", -EINVAL);
        check_date_err("in", -EINVAL);
        check_date_err("in ", -EINVAL);
        check_date_err("in 3", -EINVAL);
        check_date_err("in3d", -EINVAL);
        check_date_err("ago", -EINVAL);
        check_date_err("3dago", -EINVAL);
        check_date_err("+3x", -EINVAL);
        check_date_err("3d", -EINVAL);
        check_date_err("in 0 days", -ERANGE);
        check_date_err("+0d", -ERANGE);
        check_date_err("in 101 years", -ERANGE);
        check_date_err("in -3d", -ERANGE);

        /* now ± duration must not overflow. */
        assert_int_equal(time_parse_date("+1d", INT64_MAX - 10, &(int64_t){0}), -ERANGE);
        assert_int_equal(time_parse_date("1d ago", INT64_MIN + 10, &(int64_t){0}), -ERANGE);
}

static void test_date_iso(void **state)
{
        int64_t now = now_tue();

        check_date("2026-12-01", now, utc(2026, 12, 1, 0, 0, 0));
        check_date("2026-12-01T09:00", now, utc(2026, 12, 1, 9, 0, 0));
        check_date("2026-12-01 09:00", now, utc(2026, 12, 1, 9, 0, 0));
        check_date("2026-12-01t09:00", now, utc(2026, 12, 1, 9, 0, 0));
        check_date("2026-12-01T09:00:05", now, utc(2026, 12, 1, 9, 0, 5));
        check_date("2026-12-01T09:00:05.750", now, utc(2026, 12, 1, 9, 0, 5));
        check_date("2026-12-01T09:00Z", now, utc(2026, 12, 1, 9, 0, 0));
        check_date("2026-12-01T09:00:05Z", now, utc(2026, 12, 1, 9, 0, 5));
        check_date("2026-12-01T09:00:05z", now, utc(2026, 12, 1, 9, 0, 5));
        check_date("2026-12-01T09:00+01:00", now, utc(2026, 12, 1, 8, 0, 0));
        check_date("2026-12-01T09:00:05-05:30", now, utc(2026, 12, 1, 14, 30, 5));
        check_date("2026-12-01T09:00+0100", now, utc(2026, 12, 1, 8, 0, 0));
        check_date("2026-12-01T09:00+01", now, utc(2026, 12, 1, 8, 0, 0));
        check_date("2026-12-01 09:00:05.1+02:00", now, utc(2026, 12, 1, 7, 0, 5));
        check_date("  2026-12-01T09:00  ", now, utc(2026, 12, 1, 9, 0, 0));
        check_date("2026-12-01T23:59:59", now, utc(2026, 12, 1, 23, 59, 59));
        check_date("1970-01-01", now, 0);
        check_date("1969-12-31T23:59:59", now, -1);
        check_date("9999-12-31T23:59:59Z", now, utc(9999, 12, 31, 23, 59, 59));
}

static void test_date_calendar(void **state)
{
        int64_t now = now_tue();

        check_date("2028-02-29", now, utc(2028, 2, 29, 0, 0, 0));
        check_date("2000-02-29", now, utc(2000, 2, 29, 0, 0, 0));
        check_date("2026-04-30", now, utc(2026, 4, 30, 0, 0, 0));
        check_date("2026-01-31", now, utc(2026, 1, 31, 0, 0, 0));
        check_date_err("2027-02-29", -ERANGE);
        check_date_err("2100-02-29", -ERANGE);
        check_date_err("2026-02-30", -ERANGE);
        check_date_err("2026-04-31", -ERANGE);
        check_date_err("2026-13-01", -ERANGE);
        check_date_err("2026-00-10", -ERANGE);
        check_date_err("2026-12-00", -ERANGE);
        check_date_err("2026-12-32", -ERANGE);
        check_date_err("2026-12-01T25:00", -ERANGE);
        check_date_err("2026-12-01T24:00", -ERANGE);
        check_date_err("2026-12-01T09:60", -ERANGE);
        check_date_err("2026-12-01T09:00:60", -ERANGE);
        check_date_err("2026-12-01T09:00+24:00", -ERANGE);
        check_date_err("2026-12-01T09:00+01:60", -ERANGE);
        check_date_err("2026-02-30T09:00Z", -ERANGE);
}

static void test_date_syntax(void **state)
{
        check_date_err("", -EINVAL);
        check_date_err("   ", -EINVAL);
        check_date_err("garbage", -EINVAL);
        check_date_err("2026", -EINVAL);
        check_date_err("2026-12", -EINVAL);
        check_date_err("2026-1-01", -EINVAL);
        check_date_err("2026-12-1", -EINVAL);
        check_date_err("26-12-01", -EINVAL);
        check_date_err("2026/12/01", -EINVAL);
        check_date_err("2026-12-01T", -EINVAL);
        check_date_err("2026-12-01T9:00", -EINVAL);
        check_date_err("2026-12-01T09", -EINVAL);
        check_date_err("2026-12-01T09:0", -EINVAL);
        check_date_err("2026-12-01T09:00:5", -EINVAL);
        check_date_err("2026-12-01T09:00:05.", -EINVAL);
        check_date_err("2026-12-01T09:00.5", -EINVAL);
        check_date_err("2026-12-01T09:00+1", -EINVAL);
        check_date_err("2026-12-01T09:00+01:0", -EINVAL);
        check_date_err("2026-12-01T09:00 Z", -EINVAL);
        check_date_err("2026-12-01T09:00Zx", -EINVAL);
        check_date_err("2026-12-01x", -EINVAL);
        check_date_err("2026-12-01 tomorrow", -EINVAL);
        check_date_err("-2026-12-01", -EINVAL);
        assert_int_equal(time_parse_date(NULL, 0, &(int64_t){0}), -EINVAL);
}

static void test_date_overlong(void **state)
{
        char big[300];
        int64_t t;

        /* Overlong input is refused, not truncated. */
        memset(big, '1', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(time_parse_date(big, 0, &t), -EINVAL);
        memcpy(big, "2026-12-01", 10);
        assert_int_equal(time_parse_date(big, 0, &t), -EINVAL);

        /* Surrounding white space does not count. */
        memset(big, ' ', sizeof(big) - 1);
        memcpy(big + 100, "2026-12-01", 10);
        check_date(big, 0, utc(2026, 12, 1, 0, 0, 0));
}

static void test_dst_berlin(void **state)
{
        int64_t now = now_tue();

        set_tz("Europe/Berlin");
        /* Spring forward 2026-03-29 02:00 CET → 03:00 CEST. */
        check_date("2026-03-29", now, utc(2026, 3, 28, 23, 0, 0));
        check_date("2026-03-30", now, utc(2026, 3, 29, 22, 0, 0));
        check_date("2026-03-29T01:59", now, utc(2026, 3, 29, 0, 59, 0));
        check_date("2026-03-29T03:00", now, utc(2026, 3, 29, 1, 0, 0));
        /* 02:30 does not exist that day: read in CET, i.e. 03:30 CEST. */
        check_date("2026-03-29T02:30", now, utc(2026, 3, 29, 1, 30, 0));
        /* Fall back 2026-10-25 03:00 CEST → 02:00 CET. */
        check_date("2026-10-25", now, utc(2026, 10, 24, 22, 0, 0));
        check_date("2026-10-26", now, utc(2026, 10, 25, 23, 0, 0));
        /* 02:30 happens twice: the first one (CEST). */
        check_date("2026-10-25T02:30", now, utc(2026, 10, 25, 0, 30, 0));
        check_date("2026-10-25T03:30", now, utc(2026, 10, 25, 2, 30, 0));
        /* An explicit offset is not local time. */
        check_date("2026-03-29T02:30Z", now, utc(2026, 3, 29, 2, 30, 0));
        check_date("2026-07-01T09:00", now, utc(2026, 7, 1, 7, 0, 0));
        check_date("2026-12-01T09:00", now, utc(2026, 12, 1, 8, 0, 0));

        /* Keywords across the change: the 23-hour and the 25-hour day. */
        check_date("today", utc(2026, 3, 29, 12, 0, 0), utc(2026, 3, 28, 23, 0, 0));
        check_date("tomorrow", utc(2026, 3, 28, 12, 0, 0), utc(2026, 3, 28, 23, 0, 0));
        check_date("tomorrow", utc(2026, 3, 29, 12, 0, 0), utc(2026, 3, 29, 22, 0, 0));
        check_date("yesterday", utc(2026, 3, 30, 12, 0, 0), utc(2026, 3, 28, 23, 0, 0));
        check_date("tomorrow", utc(2026, 10, 25, 12, 0, 0), utc(2026, 10, 25, 23, 0, 0));
        check_date("today", utc(2026, 10, 25, 12, 0, 0), utc(2026, 10, 24, 22, 0, 0));
        /* Local date differs from the UTC date: 23:30 UTC on the 28th is the 29th in Berlin. */
        check_date("today", utc(2026, 3, 28, 23, 30, 0), utc(2026, 3, 28, 23, 0, 0));
        /* Saturday 2026-03-28 → Monday 2026-03-30, already on summer time. */
        check_date("monday", utc(2026, 3, 28, 12, 0, 0), utc(2026, 3, 29, 22, 0, 0));
        check_date("sunday", utc(2026, 3, 28, 12, 0, 0), utc(2026, 3, 28, 23, 0, 0));
        set_tz("UTC");
}

static void test_dst_new_york(void **state)
{
        int64_t now = now_tue();

        set_tz("America/New_York");
        /* 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST. */
        check_date("2026-03-08", now, utc(2026, 3, 8, 5, 0, 0));
        check_date("2026-03-09", now, utc(2026, 3, 9, 4, 0, 0));
        check_date("2026-03-08T02:30", now, utc(2026, 3, 8, 7, 30, 0));
        check_date("2026-11-01", now, utc(2026, 11, 1, 4, 0, 0));
        check_date("2026-11-02", now, utc(2026, 11, 2, 5, 0, 0));
        check_date("2026-11-01T01:30", now, utc(2026, 11, 1, 5, 30, 0));
        check_date("tomorrow", utc(2026, 11, 1, 12, 0, 0), utc(2026, 11, 2, 5, 0, 0));
        /* 03:00 UTC on Dec 1 is still Nov 30 in New York. */
        check_date("today", utc(2026, 12, 1, 3, 0, 0), utc(2026, 11, 30, 5, 0, 0));
        check_date("tuesday", utc(2026, 12, 1, 3, 0, 0), utc(2026, 12, 1, 5, 0, 0));
        set_tz("UTC");
}

static void test_dst_midnight_gap(void **state)
{
        /* Brazil switched to summer time at midnight: 2018-11-04 00:00 did not exist. */
        set_tz("America/Sao_Paulo");
        check_date("2018-11-04", 0, utc(2018, 11, 4, 3, 0, 0)); /* 01:00 -02 */
        check_date("tomorrow", utc(2018, 11, 3, 15, 0, 0), utc(2018, 11, 4, 3, 0, 0));
        set_tz("UTC");
}

static void test_rfc3339_parse(void **state)
{
        int64_t t;
        int64_t want = utc(2026, 12, 1, 9, 0, 5);

        assert_int_equal(time_parse_rfc3339("2026-12-01T09:00:05Z", &t), 0);
        assert_int_equal(t, want);
        assert_int_equal(time_parse_rfc3339("2026-12-01t09:00:05z", &t), 0);
        assert_int_equal(t, want);
        assert_int_equal(time_parse_rfc3339("2026-12-01T11:00:05+02:00", &t), 0);
        assert_int_equal(t, want);
        assert_int_equal(time_parse_rfc3339("2026-12-01T04:00:05-05:00", &t), 0);
        assert_int_equal(t, want);
        assert_int_equal(time_parse_rfc3339("2026-12-01T09:00:05.999999Z", &t), 0);
        assert_int_equal(t, want);
        assert_int_equal(time_parse_rfc3339("2026-12-01T09:00:05.1+00:00", &t), 0);
        assert_int_equal(t, want);
        assert_int_equal(time_parse_rfc3339("2026-12-01T09:00:05-00:00", &t), 0);
        assert_int_equal(t, want);
        assert_int_equal(time_parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, 0);
        assert_int_equal(time_parse_rfc3339("1969-12-31T23:59:59Z", &t), 0);
        assert_int_equal(t, -1);
        assert_int_equal(time_parse_rfc3339("2028-02-29T00:00:00Z", &t), 0);
        assert_int_equal(t, utc(2028, 2, 29, 0, 0, 0));
        assert_int_equal(time_parse_rfc3339("0000-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, -62167219200LL);

        /* The offset must not be taken from the local zone. */
        set_tz("Europe/Berlin");
        assert_int_equal(time_parse_rfc3339("2026-12-01T09:00:05Z", &t), 0);
        assert_int_equal(t, want);
        set_tz("UTC");
}

static void test_rfc3339_rejects(void **state)
{
        static const char *const bad[] = {
            "",
            "2026-12-01",
            "2026-12-01T09:00Z",
            "2026-12-01T09:00:05",
            "2026-12-01 09:00:05Z",
            " 2026-12-01T09:00:05Z",
            "2026-12-01T09:00:05Z ",
            "2026-12-01T09:00:05+0200",
            "2026-12-01T09:00:05+02",
            "2026-12-01T09:00:05,5Z",
            "2026-12-01T09:00:05.Z",
            "2026-12-01T09:00:05ZZ",
            "2026-02-30T09:00:05Z",
            "2027-02-29T00:00:00Z",
            "2026-13-01T09:00:05Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T09:60:00Z",
            "2026-12-01T09:00:60Z",
            "2026-12-01T09:00:05+24:00",
            "+2026-12-01T09:00:05Z",
            "now",
        };
        int64_t t = 7;

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                int r = time_parse_rfc3339(bad[i], &t);

                if (r != -EINVAL)
                        print_error("rfc3339 \"%s\": r=%d\n", bad[i], r);
                assert_int_equal(r, -EINVAL);
        }
        assert_int_equal(t, 7);
        assert_int_equal(time_parse_rfc3339(NULL, &t), -EINVAL);
}

static void test_rfc3339_format(void **state)
{
        char buf[TIME_RFC3339_MAX];

        assert_string_equal(time_format_rfc3339(0, buf), "1970-01-01T00:00:00Z");
        assert_string_equal(time_format_rfc3339(-1, buf), "1969-12-31T23:59:59Z");
        assert_string_equal(time_format_rfc3339(utc(2026, 12, 1, 9, 0, 5), buf),
                            "2026-12-01T09:00:05Z");
        assert_string_equal(time_format_rfc3339(utc(2028, 2, 29, 23, 59, 59), buf),
                            "2028-02-29T23:59:59Z");
        assert_string_equal(time_format_rfc3339(utc(1900, 3, 1, 0, 0, 0), buf),
                            "1900-03-01T00:00:00Z");
        assert_ptr_equal(time_format_rfc3339(0, buf), buf);
        /* Clamped to four-digit years. */
        assert_string_equal(time_format_rfc3339(INT64_MAX, buf), "9999-12-31T23:59:59Z");
        assert_string_equal(time_format_rfc3339(INT64_MIN, buf), "0000-01-01T00:00:00Z");

        /* Local time zone does not matter. */
        set_tz("America/New_York");
        assert_string_equal(time_format_rfc3339(0, buf), "1970-01-01T00:00:00Z");
        set_tz("UTC");
}

static void test_rfc3339_round_trip(void **state)
{
        char buf[TIME_RFC3339_MAX];
        int64_t t, back;

        /* A deterministic spread over 0000..9999, including negative instants. */
        uint64_t x = 88172645463325252ULL;
        for (int i = 0; i < 20000; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t = -62167219200LL + (int64_t)(x % (253402300799ULL + 62167219200ULL + 1));
                time_format_rfc3339(t, buf);
                assert_int_equal(time_parse_rfc3339(buf, &back), 0);
                assert_int_equal(back, t);
                /* And agree with libc. */
                if (t >= -2208988800LL && t < 4102444800LL) {
                        time_t tt = (time_t)t;
                        struct tm tm;
                        char ref[TIME_RFC3339_MAX];

                        gmtime_r(&tt, &tm);
                        strftime(ref, sizeof(ref), "%Y-%m-%dT%H:%M:%SZ", &tm);
                        assert_string_equal(buf, ref);
                }
        }

        /* Text → instant → text. */
        static const char *const texts[] = {
            "2026-12-01T09:00:05Z", "2000-02-29T12:34:56Z", "1999-12-31T23:59:59Z",
            "2038-01-19T03:14:08Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
        };
        for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
                assert_int_equal(time_parse_rfc3339(texts[i], &t), 0);
                assert_string_equal(time_format_rfc3339(t, buf), texts[i]);
        }
}

static void check_relative(int64_t delta, const char *want)
{
        char buf[64];
        int64_t now = now_tue();

        assert_ptr_equal(time_format_relative(now + delta, now, buf, sizeof(buf)), buf);
        if (!streq(buf, want))
                print_error("relative %lld: \"%s\" want \"%s\"\n", (long long)delta, buf, want);
        assert_string_equal(buf, want);
}

static void test_relative(void **state)
{
        check_relative(0, "now");
        check_relative(59, "now");
        check_relative(-59, "now");
        check_relative(60, "in 1 minute");
        check_relative(-60, "1 minute ago");
        check_relative(89, "in 1 minute");
        check_relative(90, "in 2 minutes");
        check_relative(5 * MIN, "in 5 minutes");
        check_relative(-5 * MIN, "5 minutes ago");
        check_relative(59 * MIN + 29, "in 59 minutes");
        check_relative(59 * MIN + 30, "in 1 hour");
        check_relative(HOUR, "in 1 hour");
        check_relative(-HOUR, "1 hour ago");
        check_relative(90 * MIN, "in 2 hours");
        check_relative(3 * HOUR, "in 3 hours");
        check_relative(-3 * HOUR, "3 hours ago");
        check_relative(23 * HOUR + 29 * MIN, "in 23 hours");
        check_relative(23 * HOUR + 30 * MIN, "in 1 day");
        check_relative(DAY, "in 1 day");
        check_relative(-DAY, "1 day ago");
        check_relative(DAY + 11 * HOUR, "in 1 day");
        check_relative(DAY + 12 * HOUR, "in 2 days");
        check_relative(3 * DAY, "in 3 days");
        check_relative(-3 * DAY, "3 days ago");
        check_relative(-12 * DAY, "12 days ago");
        check_relative(13 * DAY, "in 13 days");
        check_relative(13 * DAY + 12 * HOUR, "in 2 weeks");
        check_relative(14 * DAY, "in 2 weeks");
        check_relative(-21 * DAY, "3 weeks ago");
        check_relative(24 * DAY, "in 3 weeks");
        check_relative(25 * DAY, "in 4 weeks");
        check_relative(56 * DAY, "in 8 weeks");
        check_relative(59 * DAY, "in 8 weeks");
        check_relative(60 * DAY, "in 2 months");
        check_relative(-90 * DAY, "3 months ago");
        check_relative(344 * DAY, "in 11 months");
        check_relative(345 * DAY, "in 1 year");
        check_relative(365 * DAY, "in 1 year");
        check_relative(-365 * DAY, "1 year ago");
        check_relative(547 * DAY, "in 1 year");
        check_relative(548 * DAY, "in 2 years");
        check_relative(-730 * DAY, "2 years ago");
}

static void test_relative_edges(void **state)
{
        char buf[64], tiny[4];

        /* No overflow at the extremes. */
        time_format_relative(INT64_MAX, INT64_MIN, buf, sizeof(buf));
        assert_string_equal(buf, "in 584942417355 years");
        time_format_relative(INT64_MIN, INT64_MAX, buf, sizeof(buf));
        assert_string_equal(buf, "584942417355 years ago");
        time_format_relative(INT64_MIN, INT64_MIN, buf, sizeof(buf));
        assert_string_equal(buf, "now");

        /* Truncated, still terminated. */
        assert_ptr_equal(time_format_relative(3 * DAY, 0, tiny, sizeof(tiny)), tiny);
        assert_string_equal(tiny, "in ");
        tiny[0] = 'x';
        assert_ptr_equal(time_format_relative(3 * DAY, 0, tiny, 0), tiny);
        assert_int_equal(tiny[0], 'x');
}

static void check_fmt_duration(int64_t s, const char *want)
{
        char buf[32];
        int64_t back;

        assert_ptr_equal(time_format_duration(s, buf, sizeof(buf)), buf);
        assert_string_equal(buf, want);
        if (s > 0 && s <= 100 * 365 * DAY) {
                assert_int_equal(time_parse_duration(buf, &back), 0);
                assert_int_equal(back, s);
        }
}

static void test_format_duration(void **state)
{
        check_fmt_duration(45, "45s");
        check_fmt_duration(61, "61s");
        check_fmt_duration(10 * MIN, "10m");
        check_fmt_duration(90 * MIN, "90m");
        check_fmt_duration(3 * HOUR, "3h");
        check_fmt_duration(25 * HOUR, "25h");
        check_fmt_duration(3 * DAY, "3d");
        check_fmt_duration(10 * DAY, "10d");
        check_fmt_duration(14 * DAY, "2w");
        check_fmt_duration(35 * DAY, "5w");
        check_fmt_duration(30 * DAY, "1mo");
        check_fmt_duration(60 * DAY, "2mo");
        check_fmt_duration(365 * DAY, "1y");
        check_fmt_duration(730 * DAY, "2y");
        check_fmt_duration(100 * 365 * DAY, "100y");
        check_fmt_duration(DAY + 1, "86401s");
        check_fmt_duration(0, "0s");
        check_fmt_duration(-3 * DAY, "-3d");
        check_fmt_duration(-45, "-45s");
        check_fmt_duration(INT64_MIN, "-9223372036854775808s");

        char tiny[3];
        assert_ptr_equal(time_format_duration(365 * DAY, tiny, sizeof(tiny)), tiny);
        assert_string_equal(tiny, "1y");
}

static void test_format_local(void **state)
{
        char buf[64];
        int64_t t = utc(2026, 12, 1, 9, 0, 0);

        assert_ptr_equal(time_format_local(t, buf, sizeof(buf)), buf);
        assert_string_equal(buf, "Tue 2026-12-01 09:00");
        time_format_local(t + 59, buf, sizeof(buf));
        assert_string_equal(buf, "Tue 2026-12-01 09:00");

        set_tz("Europe/Berlin");
        time_format_local(t, buf, sizeof(buf));
        assert_string_equal(buf, "Tue 2026-12-01 10:00");
        time_format_local(utc(2026, 7, 5, 22, 30, 0), buf, sizeof(buf));
        assert_string_equal(buf, "Mon 2026-07-06 00:30");

        set_tz("America/New_York");
        time_format_local(t, buf, sizeof(buf));
        assert_string_equal(buf, "Tue 2026-12-01 04:00");
        time_format_local(utc(2026, 12, 1, 3, 0, 0), buf, sizeof(buf));
        assert_string_equal(buf, "Mon 2026-11-30 22:00");
        set_tz("UTC");

        /* Beyond what localtime can represent: the UTC wire form, clamped. */
        time_format_local(INT64_MAX, buf, sizeof(buf));
        assert_string_equal(buf, "9999-12-31T23:59:59Z");
}

static void test_format_local_parse_round_trip(void **state)
{
        static const char *const zones[] = {"UTC", "Europe/Berlin", "America/New_York",
                                            "Asia/Kolkata"};
        char buf[64];
        int64_t now = now_tue(), t;

        for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
                set_tz(zones[z]);
                /* Every 37 minutes over a year, minutes only. */
                for (int64_t x = utc(2026, 1, 1, 0, 0, 0); x < utc(2027, 1, 1, 0, 0, 0);
                     x += 37 * MIN) {
                        time_format_local(x, buf, sizeof(buf));
                        assert_int_equal(time_parse_date(buf + 4, now, &t), 0);
                        if (t != x) {
                                /* Only in the repeated autumn hour, which the text cannot
                                 * tell apart: then the first occurrence. */
                                char again[64];

                                time_format_local(t, again, sizeof(again));
                                assert_string_equal(again, buf);
                                assert_true(t < x);
                        }
                }
        }
        set_tz("UTC");
}

static void check_days(int64_t t, int64_t now, const char *when, const char *due)
{
        char buf[64];

        assert_ptr_equal(time_format_days(t, now, TIME_DAYS_WHEN, buf, sizeof(buf)), buf);
        if (!streq(buf, when))
                print_error("days(%lld, %lld): got \"%s\" want \"%s\"\n", (long long)t,
                            (long long)now, buf, when);
        assert_string_equal(buf, when);
        time_format_days(t, now, TIME_DAYS_DUE, buf, sizeof(buf));
        assert_string_equal(buf, due);
}

static void test_days_wording(void **state)
{
        int64_t now = utc(2026, 12, 7, 12, 0, 0);

        check_days(now, now, "today", "due today");
        check_days(utc(2026, 12, 7, 0, 0, 0), now, "today", "due today");
        check_days(utc(2026, 12, 7, 23, 59, 59), now, "today", "due today");
        check_days(utc(2026, 12, 6, 23, 59, 59), now, "yesterday", "1 day overdue");
        check_days(utc(2026, 12, 6, 0, 0, 0), now, "yesterday", "1 day overdue");
        check_days(utc(2026, 12, 8, 0, 0, 0), now, "tomorrow", "tomorrow");
        check_days(utc(2026, 12, 5, 9, 0, 0), now, "2 days ago", "2 days overdue");
        check_days(utc(2026, 12, 10, 9, 0, 0), now, "in 3 days", "in 3 days");
        check_days(utc(2026, 11, 24, 9, 0, 0), now, "13 days ago", "13 days overdue");
        check_days(utc(2026, 11, 23, 9, 0, 0), now, "2 weeks ago", "2 weeks overdue");
        check_days(utc(2026, 12, 28, 9, 0, 0), now, "in 3 weeks", "in 3 weeks");
        check_days(utc(2026, 10, 7, 9, 0, 0), now, "2 months ago", "2 months overdue");
        check_days(utc(2027, 12, 7, 9, 0, 0), now, "in 1 year", "in 1 year");
        check_days(utc(2024, 12, 7, 9, 0, 0), now, "2 years ago", "2 years overdue");
}

/* Overdue and ago are counted in calendar days, whatever the hour. */
static void test_days_calendar(void **state)
{
        int64_t noon = utc(2026, 12, 7, 12, 0, 0);

        /* "--due yesterday" (at 09:00) seen at noon: one day overdue, not two. */
        check_days(utc(2026, 12, 6, 9, 0, 0), noon, "yesterday", "1 day overdue");
        /* Due on the 5th, seen on the 7th at any hour: two days overdue. */
        check_days(utc(2026, 12, 5, 23, 0, 0), utc(2026, 12, 7, 0, 30, 0), "2 days ago",
                   "2 days overdue");
        check_days(utc(2026, 12, 5, 0, 30, 0), utc(2026, 12, 7, 23, 0, 0), "2 days ago",
                   "2 days overdue");
        /* A log "at yesterday" at 16:50 the next day at 16:50: yesterday. */
        check_days(utc(2026, 12, 6, 16, 50, 0), utc(2026, 12, 7, 16, 50, 0), "yesterday",
                   "1 day overdue");
        /* Around midnight: ten minutes apart, a day apart. */
        check_days(utc(2026, 12, 6, 23, 55, 0), utc(2026, 12, 7, 0, 5, 0), "yesterday",
                   "1 day overdue");
        check_days(utc(2026, 12, 8, 0, 5, 0), utc(2026, 12, 7, 23, 55, 0), "tomorrow", "tomorrow");
        assert_int_equal(time_days_between(utc(2026, 12, 7, 0, 0, 0), utc(2026, 12, 6, 23, 59, 59)),
                         -1);
        assert_int_equal(time_days_between(utc(2026, 12, 7, 0, 0, 0), utc(2026, 12, 7, 0, 0, 0)),
                         0);
        /* Month and year ends, leap years. */
        assert_int_equal(time_days_between(utc(2026, 3, 1, 10, 0, 0), utc(2026, 2, 28, 10, 0, 0)),
                         -1);
        assert_int_equal(time_days_between(utc(2028, 3, 1, 10, 0, 0), utc(2028, 2, 28, 10, 0, 0)),
                         -2);
        assert_int_equal(time_days_between(utc(2026, 12, 31, 23, 0, 0), utc(2027, 1, 1, 1, 0, 0)),
                         1);
        assert_int_equal(time_days_between(utc(2026, 1, 31, 12, 0, 0), utc(2026, 3, 1, 12, 0, 0)),
                         29);
        assert_int_equal(time_days_between(0, 0), 0);
        assert_int_equal(time_local_day(utc(1970, 1, 2, 0, 0, 0)), 1);
        assert_int_equal(time_local_day(utc(1969, 12, 31, 23, 59, 59)), -1);
}

static void test_days_dst(void **state)
{
        set_tz("Europe/Berlin");
        /* The 23-hour day (2026-03-29): noon to noon is still one day. */
        check_days(utc(2026, 3, 28, 11, 0, 0), utc(2026, 3, 29, 10, 0, 0), "yesterday",
                   "1 day overdue");
        /* 23:30 on the 28th (local) and 00:30 on the 30th (local), across the change. */
        assert_int_equal(
            time_days_between(utc(2026, 3, 28, 22, 30, 0), utc(2026, 3, 29, 22, 30, 0)), 2);
        /* The 25-hour day (2026-10-25): 00:10 to 23:50 local is the same day. */
        check_days(utc(2026, 10, 24, 22, 10, 0), utc(2026, 10, 25, 22, 50, 0), "today",
                   "due today");
        check_days(utc(2026, 10, 24, 21, 50, 0), utc(2026, 10, 25, 22, 50, 0), "yesterday",
                   "1 day overdue");
        /* 23:30 UTC is already tomorrow in Berlin. */
        check_days(utc(2026, 12, 7, 23, 30, 0), utc(2026, 12, 7, 12, 0, 0), "tomorrow", "tomorrow");

        set_tz("America/New_York");
        /* 2026-03-08 loses an hour, 2026-11-01 gains one. */
        check_days(utc(2026, 3, 7, 17, 0, 0), utc(2026, 3, 8, 16, 0, 0), "yesterday",
                   "1 day overdue");
        check_days(utc(2026, 11, 1, 4, 30, 0), utc(2026, 11, 2, 4, 30, 0), "today", "due today");
        check_days(utc(2026, 10, 31, 12, 0, 0), utc(2026, 11, 2, 12, 0, 0), "2 days ago",
                   "2 days overdue");
        /* 03:00 UTC on Dec 1 is Nov 30 in New York: the UTC date does not count. */
        check_days(utc(2026, 11, 30, 15, 0, 0), utc(2026, 12, 1, 3, 0, 0), "today", "due today");
        set_tz("UTC");
}

static void test_days_edges(void **state)
{
        char buf[64], tiny[4];

        time_format_days(INT64_MAX, INT64_MIN, TIME_DAYS_WHEN, buf, sizeof(buf));
        assert_non_null(strstr(buf, "years"));
        time_format_days(INT64_MIN, INT64_MAX, TIME_DAYS_DUE, buf, sizeof(buf));
        assert_non_null(strstr(buf, "overdue"));
        assert_ptr_equal(time_format_days(3 * DAY, 0, TIME_DAYS_WHEN, tiny, sizeof(tiny)), tiny);
        assert_string_equal(tiny, "in ");
        assert_null(time_format_days(0, 0, TIME_DAYS_WHEN, NULL, 0));
}

static void test_now(void **state)
{
        int64_t a = (int64_t)time(NULL), n = time_now(), b = (int64_t)time(NULL);

        assert_true(n >= a && n <= b + 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_duration_units),
            cmocka_unit_test(test_duration_spelled),
            cmocka_unit_test(test_duration_combined),
            cmocka_unit_test(test_duration_rejects),
            cmocka_unit_test(test_date_keywords),
            cmocka_unit_test(test_date_weekdays),
            cmocka_unit_test(test_date_relative),
            cmocka_unit_test(test_date_past),
            cmocka_unit_test(test_date_ahead),
            cmocka_unit_test(test_date_weeks_months),
            cmocka_unit_test(test_date_use_dst),
            cmocka_unit_test(test_date_iso),
            cmocka_unit_test(test_date_calendar),
            cmocka_unit_test(test_date_syntax),
            cmocka_unit_test(test_date_overlong),
            cmocka_unit_test(test_dst_berlin),
            cmocka_unit_test(test_dst_new_york),
            cmocka_unit_test(test_dst_midnight_gap),
            cmocka_unit_test(test_rfc3339_parse),
            cmocka_unit_test(test_rfc3339_rejects),
            cmocka_unit_test(test_rfc3339_format),
            cmocka_unit_test(test_rfc3339_round_trip),
            cmocka_unit_test(test_relative),
            cmocka_unit_test(test_relative_edges),
            cmocka_unit_test(test_format_duration),
            cmocka_unit_test(test_format_local),
            cmocka_unit_test(test_format_local_parse_round_trip),
            cmocka_unit_test(test_days_wording),
            cmocka_unit_test(test_days_calendar),
            cmocka_unit_test(test_days_dst),
            cmocka_unit_test(test_days_edges),
            cmocka_unit_test(test_now),
        };

        return cmocka_run_group_tests(tests, setup_utc, NULL);
}
