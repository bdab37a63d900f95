/* Dates, durations and relative times.
 *
 * UTC arithmetic uses the proleptic Gregorian day count below (exact for any year, no time_t
 * range surprises); local time goes through mktime/localtime_r with the process TZ.
 *
 * Local wall times that a DST change makes ambiguous or impossible:
 *  - a time that happens twice (autumn, 02:30 in Europe/Berlin on 2026-10-25) resolves to
 *    the first occurrence (the earlier instant, still on summer time);
 *  - a time that never happens (spring, 02:30 on 2026-03-29) is read in the offset in force
 *    before the gap, which lands the same distance past the change (03:30 CEST). A midnight
 *    that does not exist (zones that switch at 00:00) thereby becomes 01:00 of the same day.
 *
 * Relative formatting (time_format_relative), with a = |t - now| in seconds; each step rounds
 * half up in its own unit and falls through to the next unit when the rounded value reaches
 * that unit's threshold, so 59m40s reads "in 1 hour", not "in 60 minutes":
 *    a < 60s                      "now"
 *    minutes  = round(a / 60)      1..59    "in 1 minute", "5 minutes ago"
 *    hours    = round(a / 3600)    1..23    "in 1 hour", "3 hours ago"
 *    days     = round(a / 86400)   1..13    "in 1 day", "12 days ago"
 *    weeks    = round(days / 7)    2..8     (days 14..59) "in 2 weeks"
 *    months   = round(days / 30)   2..11    (days 60..344) "in 3 months"
 *    years    = round(days / 365)  1..      (days >= 345) "in 1 year", "2 years ago"
 * A day is always exactly 24 hours here ("in 1 day", never "tomorrow"): the phrase describes a
 * distance, not a calendar date, and so reads the same whatever the time of day.
 *
 * Dates people read (time_format_days) count local calendar dates instead: something at 23:55
 * seen at 00:05 was yesterday, and a day with a DST change is still one day. */
#include "timeutil.h"

#include "util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#define MINUTE_SEC    60LL
#define HOUR_SEC      3600LL
#define WEEK_SEC      (7 * DURATION_DAY)
#define MONTH_SEC     (30 * DURATION_DAY)
#define YEAR_SEC      (365 * DURATION_DAY)
#define DURATION_MAX  (100 * YEAR_SEC)
#define DATE_TEXT_MAX 128

/* Seconds from 0000-01-01T00:00:00Z to 1970-01-01 and to the end of 9999, the range of
 * four-digit years that the wire form can carry. */
#define RFC3339_MIN (-62167219200LL)
#define RFC3339_MAX (253402300799LL)

static const char *const weekday_abbr[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const weekday_full[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                            "thursday", "friday", "saturday"};

static bool is_leap(int64_t y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
        static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

        if (m == 2 && is_leap(y))
                return 29;
        return days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, int *ret_m, int *ret_d)
{
        int64_t era, doe, yoe, doy, mp, y;
        int m;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        y = yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *ret_m = m;
        *ret_y = y + (m <= 2);
}

/* Floor division for possibly negative t. */
static int64_t div_floor(int64_t a, int64_t b)
{
        int64_t q = a / b;

        if ((a % b != 0) && ((a < 0) != (b < 0)))
                q--;
        return q;
}

static const char *skip_space(const char *p)
{
        while (*p && isspace((unsigned char)*p))
                p++;
        return p;
}

/* Duration units, matched case-insensitively against the whole run of letters after a number. */
static const struct {
        const char *name;
        int64_t seconds;
} duration_units[] = {
    {"s", 1},
    {"sec", 1},
    {"secs", 1},
    {"second", 1},
    {"seconds", 1},
    {"m", MINUTE_SEC},
    {"min", MINUTE_SEC},
    {"mins", MINUTE_SEC},
    {"minute", MINUTE_SEC},
    {"minutes", MINUTE_SEC},
    {"h", HOUR_SEC},
    {"hr", HOUR_SEC},
    {"hrs", HOUR_SEC},
    {"hour", HOUR_SEC},
    {"hours", HOUR_SEC},
    {"d", DURATION_DAY},
    {"day", DURATION_DAY},
    {"days", DURATION_DAY},
    {"w", WEEK_SEC},
    {"wk", WEEK_SEC},
    {"wks", WEEK_SEC},
    {"week", WEEK_SEC},
    {"weeks", WEEK_SEC},
    {"mo", MONTH_SEC},
    {"month", MONTH_SEC},
    {"months", MONTH_SEC},
    {"y", YEAR_SEC},
    {"yr", YEAR_SEC},
    {"yrs", YEAR_SEC},
    {"year", YEAR_SEC},
    {"years", YEAR_SEC},
};

static int64_t duration_unit(const char *p, size_t n)
{
        for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
                if (strlen(duration_units[i].name) == n &&
                    strncasecmp(duration_units[i].name, p, n) == 0)
                        return duration_units[i].seconds;
        return 0;
}

/* Grammar: space* term (space* term)* space*, term = digits space* unit. The sum is checked
 * only after the whole text has been read, so junk is -EINVAL even when a number overflowed. */
int time_parse_duration(const char *s, int64_t *ret_seconds)
{
        const char *p;
        int64_t total = 0;
        bool negative = false, too_big = false;
        int terms = 0;

        if (!s)
                return -EINVAL;
        p = skip_space(s);
        if (*p == '-') {
                negative = true;
                p = skip_space(p + 1);
        }

        while (*p) {
                const char *unit;
                int64_t value = 0, mult;

                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                for (; isdigit((unsigned char)*p); p++) {
                        if (value > DURATION_MAX)
                                too_big = true;
                        else
                                value = value * 10 + (*p - '0');
                }
                p = skip_space(p);
                unit = p;
                while (isalpha((unsigned char)*p))
                        p++;
                mult = duration_unit(unit, (size_t)(p - unit));
                if (mult == 0)
                        return -EINVAL;
                /* value <= 10 * DURATION_MAX + 9 and mult <= YEAR_SEC: no int64 overflow. */
                if (!too_big) {
                        total += value * mult;
                        if (total > DURATION_MAX)
                                too_big = true;
                }
                terms++;
                p = skip_space(p);
        }

        if (terms == 0)
                return -EINVAL;
        if (negative || too_big || total == 0)
                return -ERANGE;
        *ret_seconds = total;
        return 0;
}

struct iso_time {
        int64_t year;
        int mon, mday, hour, min, sec;
        bool has_time;
        bool has_offset;
        int offset; /* seconds east of UTC */
};

static bool parse_fixed(const char **p, int n, int *ret)
{
        int v = 0;

        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*p)[i]))
                        return false;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

/* RFC 3339 / ISO 8601 calendar date and time. strict: the wire form, `T`, seconds and an
 * offset required. Otherwise a date alone, a space for `T`, optional seconds and offset, and
 * `±hhmm` / `±hh` offsets are accepted too. -EINVAL on syntax, -ERANGE on fields out of range. */
static int parse_iso(const char *s, bool strict, struct iso_time *ret)
{
        struct iso_time t = {0};
        const char *p = s;
        int y;

        if (!parse_fixed(&p, 4, &y) || *p++ != '-' || !parse_fixed(&p, 2, &t.mon) || *p++ != '-' ||
            !parse_fixed(&p, 2, &t.mday))
                return -EINVAL;
        t.year = y;

        if (*p == 'T' || *p == 't') {
                p++;
                t.has_time = true;
        } else if (!strict && *p == ' ') {
                p = skip_space(p);
                t.has_time = true;
        } else if (strict || *p)
                return -EINVAL;

        if (t.has_time) {
                if (!parse_fixed(&p, 2, &t.hour) || *p++ != ':' || !parse_fixed(&p, 2, &t.min))
                        return -EINVAL;
                if (*p == ':') {
                        p++;
                        if (!parse_fixed(&p, 2, &t.sec))
                                return -EINVAL;
                        if (*p == '.' || (!strict && *p == ',')) {
                                p++;
                                if (!isdigit((unsigned char)*p))
                                        return -EINVAL;
                                while (isdigit((unsigned char)*p))
                                        p++;
                        }
                } else if (strict)
                        return -EINVAL;

                if (*p == 'Z' || *p == 'z') {
                        p++;
                        t.has_offset = true;
                } else if (*p == '+' || *p == '-') {
                        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;

                        if (!parse_fixed(&p, 2, &oh))
                                return -EINVAL;
                        if (*p == ':') {
                                p++;
                                if (!parse_fixed(&p, 2, &om))
                                        return -EINVAL;
                        } else if (strict)
                                return -EINVAL;
                        else if (isdigit((unsigned char)*p) && !parse_fixed(&p, 2, &om))
                                return -EINVAL;
                        if (oh > 23 || om > 59)
                                return -ERANGE;
                        t.has_offset = true;
                        t.offset = sign * (oh * 3600 + om * 60);
                } else if (strict)
                        return -EINVAL;
        }
        if (*p)
                return -EINVAL;

        if (t.mon < 1 || t.mon > 12 || t.mday < 1 || t.mday > days_in_month(t.year, t.mon) ||
            t.hour > 23 || t.min > 59 || t.sec > 59)
                return -ERANGE;
        *ret = t;
        return 0;
}

static int64_t utc_from_fields(int64_t y, int mon, int mday, int hour, int min, int sec)
{
        return days_from_civil(y, mon, mday) * DURATION_DAY + hour * HOUR_SEC + min * MINUTE_SEC +
               sec;
}

static bool local_fields(int64_t t, struct tm *ret)
{
        time_t tt = (time_t)t;

        if ((int64_t)tt != t)
                return false;
        return localtime_r(&tt, ret) != NULL;
}

/* Local wall time → instant; see the top of the file for ambiguous and skipped times.
 * mday may be out of range (today + n days); it is normalised like mktime does. */
static int local_to_utc(int64_t year, int mon, int mday, int hour, int min, int sec, int64_t *ret)
{
        static const int isdst_try[] = {-1, 0, 1};
        int64_t best = 0, fallback = 0;
        bool have_best = false, have_fallback = false;
        int64_t want_y;
        int want_m, want_d;

        if (year < -100000 || year > 100000)
                return -ERANGE;
        /* Normalise the date first so the round-trip check compares real calendar fields. */
        civil_from_days(days_from_civil(year, mon, 1) + mday - 1, &want_y, &want_m, &want_d);

        for (size_t i = 0; i < ARRAY_SIZE(isdst_try); i++) {
                struct tm tm = {0}, back;
                time_t r;
                bool exact;

                tm.tm_year = (int)(want_y - 1900);
                tm.tm_mon = want_m - 1;
                tm.tm_mday = want_d;
                tm.tm_hour = hour;
                tm.tm_min = min;
                tm.tm_sec = sec;
                tm.tm_isdst = isdst_try[i];
                /* (time_t)-1 is both the error value and a real instant: the round trip
                 * through localtime decides, not errno. */
                r = mktime(&tm);
                exact = local_fields(r, &back) && back.tm_year + 1900LL == want_y &&
                        back.tm_mon + 1 == want_m && back.tm_mday == want_d &&
                        back.tm_hour == hour && back.tm_min == min && back.tm_sec == sec;
                if (exact && (!have_best || r < best)) {
                        best = r;
                        have_best = true;
                }
                if (isdst_try[i] < 0 && (exact || r != (time_t)-1)) {
                        fallback = r;
                        have_fallback = true;
                }
        }

        if (have_best)
                *ret = best;
        else if (have_fallback)
                *ret = fallback; /* in a DST gap: mktime moved it past the change */
        else
                return -ERANGE;
        return 0;
}

static int weekday_from_name(const char *s)
{
        size_t n = strlen(s);

        for (int i = 0; i < 7; i++)
                if (streq(s, weekday_full[i]) || (n == 3 && strncmp(s, weekday_full[i], 3) == 0))
                        return i;
        return -1;
}

static int add_duration(int64_t now, int64_t d, int64_t *ret)
{
        int64_t r;

        if (__builtin_add_overflow(now, d, &r))
                return -ERANGE;
        *ret = r;
        return 0;
}

/* Day of the week of a day count, 0 = Sunday (1970-01-01 was a Thursday). */
static int weekday_of_day(int64_t day)
{
        return (int)((day % 7 + 7 + 4) % 7);
}

/* A time of day, "9:30", "09:30" or "09:30:15", as seconds after midnight; -1 if s is not one. */
static int parse_clock(const char *s)
{
        int h = 0, m, sec = 0, digits = 0;
        const char *p = s;

        while (isdigit((unsigned char)*p) && digits < 2) {
                h = h * 10 + (*p++ - '0');
                digits++;
        }
        if (digits == 0 || *p++ != ':' || !parse_fixed(&p, 2, &m))
                return -1;
        if (*p == ':' && (p++, !parse_fixed(&p, 2, &sec)))
                return -1;
        if (*p || h > 23 || m > 59 || sec > 59)
                return -1;
        return h * 3600 + m * 60 + sec;
}

/* Monday of ISO week `week` of `year` ("2027-W03", optionally "-5" for its Friday) as a day
 * count. Week 1 is the one with 4 January in it. */
static int parse_iso_week(const char *s, int64_t *ret_day)
{
        const char *p = s;
        int y, w, wd = 1;
        int64_t jan4, week1, next_week1;

        if (!parse_fixed(&p, 4, &y) || *p++ != '-' || *p++ != 'w' || !parse_fixed(&p, 2, &w))
                return -EINVAL;
        if (*p == '-') {
                p++;
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                wd = *p++ - '0';
        }
        if (*p)
                return -EINVAL;
        jan4 = days_from_civil(y, 1, 4);
        week1 = jan4 - (weekday_of_day(jan4) + 6) % 7;
        jan4 = days_from_civil(y + 1, 1, 4);
        next_week1 = jan4 - (weekday_of_day(jan4) + 6) % 7;
        if (w < 1 || wd < 1 || wd > 7 || week1 + (w - 1) * 7 >= next_week1)
                return -ERANGE;
        *ret_day = week1 + (w - 1) * 7 + wd - 1;
        return 0;
}

/* Same day of the month `months` on (or back), the month's last day when it has fewer days. */
static int64_t add_months(int64_t day, int months)
{
        int64_t y;
        int m, d, mm;

        civil_from_days(day, &y, &m, &d);
        mm = m - 1 + months;
        y += mm >= 0 ? mm / 12 : -((11 - mm) / 12);
        m = (mm % 12 + 12) % 12 + 1;
        if (d > days_in_month(y, m))
                d = days_in_month(y, m);
        return days_from_civil(y, m, d);
}

/* A day named by words relative to today (a day count): today, tomorrow, yesterday, a weekday,
 * next/last WEEKDAY, next/last week, next/last month, end of month. */
static int parse_day_words(const char *s, int64_t today, enum time_date_use use, int64_t *ret)
{
        int wd, now_wd = weekday_of_day(today), back = 0;
        int64_t y;
        int m, d;

        if (streq(s, "today"))
                *ret = today;
        else if (streq(s, "tomorrow"))
                *ret = today + 1;
        else if (streq(s, "yesterday"))
                *ret = today - 1;
        else if (streq(s, "next week"))
                *ret = today + 7;
        else if (streq(s, "last week"))
                *ret = today - 7;
        else if (streq(s, "next month"))
                *ret = add_months(today, 1);
        else if (streq(s, "last month"))
                *ret = add_months(today, -1);
        else if (streq(s, "end of month")) {
                civil_from_days(today, &y, &m, &d);
                *ret = days_from_civil(y, m, days_in_month(y, m));
        } else if ((wd = weekday_from_name(s)) >= 0) {
                /* Something that happened: the most recent one (today too); else the next one. */
                if (use == TIME_DATE_PAST) {
                        *ret = today - (now_wd - wd + 7) % 7;
                } else {
                        back = (wd - now_wd + 7) % 7;
                        *ret = today + (back ? back : 7);
                }
        } else if (strncmp(s, "next ", 5) == 0 && (wd = weekday_from_name(s + 5)) >= 0) {
                back = (wd - now_wd + 7) % 7;
                *ret = today + (back ? back : 7);
        } else if (strncmp(s, "last ", 5) == 0 && (wd = weekday_from_name(s + 5)) >= 0) {
                back = (now_wd - wd + 7) % 7;
                *ret = today - (back ? back : 7);
        } else
                return -EINVAL;
        return 0;
}

/* Copy of s, trimmed, lower case, with runs of blanks as one space. */
static int normalise_date_text(const char *s, char *buf, size_t size)
{
        size_t n = 0;

        for (const char *p = skip_space(s); *p; p++) {
                if (isspace((unsigned char)*p)) {
                        p = skip_space(p) - 1;
                        if (p[1] == '\0')
                                break;
                        if (n + 1 >= size)
                                return -EINVAL;
                        buf[n++] = ' ';
                        continue;
                }
                if (n + 1 >= size)
                        return -EINVAL;
                buf[n++] = (char)tolower((unsigned char)*p);
        }
        if (n == 0)
                return -EINVAL;
        buf[n] = '\0';
        return 0;
}

int time_parse_date_for(const char *s, int64_t now, enum time_date_use use, int day_minute,
                        int64_t *ret)
{
        char buf[DATE_TEXT_MAX], *day_text = buf, *sp;
        struct iso_time iso;
        struct tm now_tm;
        int64_t d, day = 0, today, y;
        int k, clock = -1, m, md;

        if (!s || normalise_date_text(s, buf, sizeof(buf)) < 0)
                return -EINVAL;
        if (streq(buf, "now")) {
                *ret = now;
                return 0;
        }

        /* Instants relative to now: +3d, -2w, in 2 weeks, 3 days ago. */
        if (buf[0] == '+' || buf[0] == '-') {
                k = time_parse_duration(buf + 1, &d);
                return k < 0 ? k : add_duration(now, buf[0] == '-' ? -d : d, ret);
        }
        if (strncmp(buf, "in ", 3) == 0) {
                k = time_parse_duration(buf + 3, &d);
                return k < 0 ? k : add_duration(now, d, ret);
        }
        if (strlen(buf) > 4 && streq(buf + strlen(buf) - 4, " ago")) {
                buf[strlen(buf) - 4] = '\0';
                k = time_parse_duration(buf, &d);
                return k < 0 ? k : add_duration(now, -d, ret);
        }

        /* A full ISO 8601 date and time, perhaps with an offset, is an instant as it stands. */
        if (isdigit((unsigned char)buf[0])) {
                k = parse_iso(buf, false, &iso);
                if (k == -ERANGE)
                        return k;
                if (k == 0 && iso.has_offset) {
                        *ret = utc_from_fields(iso.year, iso.mon, iso.mday, iso.hour, iso.min,
                                               iso.sec) -
                               iso.offset;
                        return 0;
                }
                if (k == 0 && iso.has_time)
                        return local_to_utc(iso.year, iso.mon, iso.mday, iso.hour, iso.min, iso.sec,
                                            ret);
        }

        /* Otherwise a day, then perhaps a time of day: "fri 15:00", "yesterday at 9:30". */
        sp = strrchr(buf, ' ');
        if ((k = parse_clock(sp ? sp + 1 : buf)) >= 0) {
                clock = k;
                if (!sp)
                        day_text = NULL; /* a time alone: today */
                else {
                        *sp = '\0';
                        k = (int)strlen(buf);
                        if (k > 3 && streq(buf + k - 3, " at"))
                                buf[k - 3] = '\0';
                }
        }

        if (!local_fields(now, &now_tm))
                return -ERANGE;
        today = days_from_civil(now_tm.tm_year + 1900LL, now_tm.tm_mon + 1, now_tm.tm_mday);
        if (!day_text)
                day = today;
        else if (isdigit((unsigned char)day_text[0])) {
                if ((k = parse_iso_week(day_text, &day)) == -EINVAL) {
                        k = parse_iso(day_text, false, &iso);
                        if (k == 0 && (iso.has_time || iso.has_offset))
                                k = -EINVAL;
                        if (k == 0)
                                day = days_from_civil(iso.year, iso.mon, iso.mday);
                }
                if (k < 0)
                        return k;
        } else if ((k = parse_day_words(day_text, today, use, &day)) < 0)
                return k;

        if (clock < 0) {
                switch (use) {
                case TIME_DATE_PAST:
                        /* Happened that day, at this time of day: "yesterday" is a day ago. */
                        if (day == today) {
                                *ret = now;
                                return 0;
                        }
                        clock = now_tm.tm_hour * 3600 + now_tm.tm_min * 60 + now_tm.tm_sec;
                        break;
                case TIME_DATE_AHEAD:
                        if (day_minute < 0 || day_minute >= 24 * 60)
                                return -ENODATA;
                        clock = day_minute * 60;
                        break;
                case TIME_DATE_POINT:
                default:
                        clock = 0;
                        break;
                }
        }
        civil_from_days(day, &y, &m, &md);
        return local_to_utc(y, m, md, clock / 3600, clock / 60 % 60, clock % 60, ret);
}

int time_parse_date(const char *s, int64_t now, int64_t *ret)
{
        return time_parse_date_for(s, now, TIME_DATE_POINT, -1, ret);
}

int time_parse_rfc3339(const char *s, int64_t *ret)
{
        struct iso_time t;

        if (!s || parse_iso(s, true, &t) < 0)
                return -EINVAL;
        *ret = utc_from_fields(t.year, t.mon, t.mday, t.hour, t.min, t.sec) - t.offset;
        return 0;
}

/* Instants outside years 0000..9999 are clamped to that range (the wire form has four-digit
 * years, and time_parse_rfc3339 reads back exactly what this writes). */
/* v (0 <= v < 10^n) as n decimal digits with leading zeros. */
static void put_digits(char *p, int v, int n)
{
        for (int i = n - 1; i >= 0; i--, v /= 10)
                p[i] = (char)('0' + v % 10);
}

char *time_format_rfc3339(int64_t t, char buf[static TIME_RFC3339_MAX])
{
        int64_t days, secs, y;
        int m, d;

        if (t < RFC3339_MIN)
                t = RFC3339_MIN;
        else if (t > RFC3339_MAX)
                t = RFC3339_MAX;
        days = div_floor(t, DURATION_DAY);
        secs = t - days * DURATION_DAY;
        civil_from_days(days, &y, &m, &d);
        /* Digit by digit: exports format millions of these, and snprintf was a tenth of it.
         * The clamp above keeps the year within four digits. */
        put_digits(buf, (int)y, 4);
        buf[4] = '-';
        put_digits(buf + 5, m, 2);
        buf[7] = '-';
        put_digits(buf + 8, d, 2);
        buf[10] = 'T';
        put_digits(buf + 11, (int)(secs / HOUR_SEC), 2);
        buf[13] = ':';
        put_digits(buf + 14, (int)(secs / MINUTE_SEC % 60), 2);
        buf[16] = ':';
        put_digits(buf + 17, (int)(secs % 60), 2);
        buf[19] = 'Z';
        buf[20] = 0;
        return buf;
}

/* Round half up: a / unit to the nearest integer. */
static uint64_t round_div(uint64_t a, uint64_t unit)
{
        return a / unit + (a % unit >= (unit + 1) / 2);
}

char *time_format_relative(int64_t t, int64_t now, char *buf, size_t size)
{
        uint64_t a, v, days;
        const char *unit;
        bool future;

        if (!buf || size == 0)
                return buf;
        future = t > now;
        /* |t - now| without overflow. */
        a = future ? (uint64_t)t - (uint64_t)now : (uint64_t)now - (uint64_t)t;

        if (a < 60) {
                snprintf(buf, size, "now");
                return buf;
        }

        days = round_div(a, DURATION_DAY);
        if ((v = round_div(a, MINUTE_SEC)) < 60)
                unit = "minute";
        else if ((v = round_div(a, HOUR_SEC)) < 24)
                unit = "hour";
        else if ((v = days) < 14)
                unit = "day";
        else if (days < 60) {
                v = round_div(days, 7);
                unit = "week";
        } else if ((v = round_div(days, 30)) < 12)
                unit = "month";
        else {
                v = round_div(days, 365);
                if (v == 0)
                        v = 1;
                unit = "year";
        }

        if (future)
                snprintf(buf, size, "in %" PRIu64 " %s%s", v, unit, v == 1 ? "" : "s");
        else
                snprintf(buf, size, "%" PRIu64 " %s%s ago", v, unit, v == 1 ? "" : "s");
        return buf;
}

int64_t time_local_day(int64_t t)
{
        struct tm tm;

        if (!local_fields(t, &tm))
                return div_floor(t, DURATION_DAY);
        return days_from_civil(tm.tm_year + 1900LL, tm.tm_mon + 1, tm.tm_mday);
}

int64_t time_days_between(int64_t now, int64_t t)
{
        return time_local_day(t) - time_local_day(now);
}

/* A count of days in the unit people would say it in: days below two weeks, then weeks, months
 * and years with the thresholds of time_format_relative. */
static const char *days_in_words(uint64_t days, uint64_t *ret_n)
{
        if (days < 14) {
                *ret_n = days;
                return "day";
        }
        if (days < 60) {
                *ret_n = round_div(days, 7);
                return "week";
        }
        if ((*ret_n = round_div(days, 30)) < 12)
                return "month";
        *ret_n = round_div(days, 365);
        if (*ret_n == 0)
                *ret_n = 1;
        return "year";
}

char *time_format_days(int64_t t, int64_t now, enum time_days_style style, char *buf, size_t size)
{
        int64_t d;
        uint64_t n;
        const char *unit, *s;

        if (!buf || size == 0)
                return buf;
        d = time_days_between(now, t);
        if (d == 0) {
                snprintf(buf, size, "%s", style == TIME_DAYS_DUE ? "due today" : "today");
                return buf;
        }
        if (d == 1) {
                snprintf(buf, size, "tomorrow");
                return buf;
        }
        if (d == -1 && style == TIME_DAYS_WHEN) {
                snprintf(buf, size, "yesterday");
                return buf;
        }
        unit = days_in_words(d > 0 ? (uint64_t)d : (uint64_t)0 - (uint64_t)d, &n);
        s = n == 1 ? "" : "s";
        if (d > 0)
                snprintf(buf, size, "in %" PRIu64 " %s%s", n, unit, s);
        else
                snprintf(buf, size, "%" PRIu64 " %s%s %s", n, unit, s,
                         style == TIME_DAYS_DUE ? "overdue" : "ago");
        return buf;
}

/* Largest of y, mo, w, d, h, m that divides exactly, else seconds: the output always reads
 * back through time_parse_duration to the same value. */
char *time_format_duration(int64_t seconds, char *buf, size_t size)
{
        static const struct {
                const char *suffix;
                int64_t seconds;
        } units[] = {
            {"y", YEAR_SEC},     {"mo", MONTH_SEC}, {"w", WEEK_SEC},
            {"d", DURATION_DAY}, {"h", HOUR_SEC},   {"m", MINUTE_SEC},
        };
        const char *sign = "";
        uint64_t a;

        if (!buf || size == 0)
                return buf;
        if (seconds < 0) {
                sign = "-";
                a = (uint64_t)0 - (uint64_t)seconds;
        } else
                a = (uint64_t)seconds;

        if (a != 0)
                for (size_t i = 0; i < ARRAY_SIZE(units); i++)
                        if (a % (uint64_t)units[i].seconds == 0) {
                                snprintf(buf, size, "%s%" PRIu64 "%s", sign,
                                         a / (uint64_t)units[i].seconds, units[i].suffix);
                                return buf;
                        }
        snprintf(buf, size, "%s%" PRIu64 "s", sign, a);
        return buf;
}

/* English weekday abbreviations whatever the locale, matching what time_parse_date reads.
 * An instant localtime cannot represent falls back to the RFC 3339 UTC form. */
char *time_format_local(int64_t t, char *buf, size_t size)
{
        struct tm tm;

        if (!buf || size == 0)
                return buf;
        if (!local_fields(t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6) {
                char tmp[TIME_RFC3339_MAX];

                snprintf(buf, size, "%s", time_format_rfc3339(t, tmp));
                return buf;
        }
        snprintf(buf, size, "%s %04d-%02d-%02d %02d:%02d", weekday_abbr[tm.tm_wday],
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
        return buf;
}

int64_t time_now(void)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return (int64_t)time(NULL);
        return (int64_t)ts.tv_sec;
}
