/* Parsing and formatting of dates, durations and relative times. All instants are UTC seconds
 * since the epoch (int64_t); local-time forms use the process time zone (TZ). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TIME_RFC3339_MAX 32
#define DURATION_DAY     86400LL

/** Parse a DURATION: a positive integer with a unit, `45s 10m 3h 3d 2w 1mo 1y`, optionally
 * spelled out (`3 days`, `2 weeks`, `1 month`), several summed (`1w 2d`). 1mo = 30 days,
 * 1y = 365 days. Returns 0, -EINVAL (syntax) or -ERANGE (zero, negative or over 100 years). */
int time_parse_duration(const char *s, int64_t *ret_seconds);

/* The DATE forms, for messages that list them. */
#define TIME_DATE_FORMS                                                                            \
        "2026-12-01, '2026-12-01 09:00', 15:00, today, yesterday, tomorrow, fri, 'fri 15:00', "    \
        "'next fri', 'last fri', 'next week', 'next month', 'end of month', 'in 3 days', "         \
        "'3 days ago', +3d or 2027-W03"

/* What a DATE is for. It decides what a bare weekday means and the time of a day named without
 * one. */
enum time_date_use {
        TIME_DATE_POINT, /* a bound (--due-before, --by): a day alone is its local midnight, a
                          * weekday the next one */
        TIME_DATE_PAST,  /* something that happened (--at): a day alone is that day at the current
                          * time of day (today: now), a weekday the most recent one, today
                          * included */
        TIME_DATE_AHEAD, /* something ahead (--due, snooze): a day alone is that day at
                          * day_minute (the preferred notification time), a weekday the next one */
};

/** Parse a DATE relative to now, in local time (the process TZ), for use:
 *  - `now`; durations from now: `+3d`, `in 2 weeks`, `in 3 days`; `-3d`, `3 days ago`;
 *  - RFC 3339 / ISO 8601 date and time: `2026-12-01T09:00`, `2026-12-01 09:00`,
 *    `2026-12-01T09:00:05`, with optional `Z` or `±hh:mm` offset (then not local time);
 *  - a day, optionally followed by a time of day (`fri 15:00`, `yesterday at 9:30`): an ISO
 *    date `2026-12-01`; an ISO week `2027-W03` (its Monday) or `2027-W03-5` (its Friday);
 *    `today`, `tomorrow`, `yesterday`; a weekday name or 3-letter abbreviation (see use);
 *    `next fri` (the first Friday after today), `last fri` (the most recent one before today);
 *    `next week`, `last week` (the same weekday a week on or back); `next month`, `last month`
 *    (the same day of the month, or that month's last day when it is shorter); `end of month`
 *    (the last day of this month);
 *  - a time of day alone, `15:00`: today at that time.
 * A day without a time gets the time use says. Case-insensitive; white space runs count as one
 * blank. DST: a local time that happens twice is the first, one that does not exist is read in
 * the offset before the change. Returns 0; -EINVAL (syntax); -ERANGE (a date that does not
 * exist, such as 2026-02-30 or 2026-W53); -ENODATA when use is TIME_DATE_AHEAD, the text names a
 * day without a time and day_minute is negative (the caller fetches the preferred time and asks
 * again). day_minute is minutes after local midnight. */
int time_parse_date_for(const char *s, int64_t now, enum time_date_use use, int day_minute,
                        int64_t *ret);

/** time_parse_date_for with TIME_DATE_POINT: a day alone is its local midnight. */
int time_parse_date(const char *s, int64_t now, int64_t *ret);

/** Parse the strict wire form used by the protocol: RFC 3339 with seconds and `Z` or an
 * offset (fractional seconds accepted and truncated). Returns 0 or -EINVAL. */
int time_parse_rfc3339(const char *s, int64_t *ret);

/** Format t as RFC 3339 UTC, `2026-12-01T09:00:00Z`. Returns buf. */
char *time_format_rfc3339(int64_t t, char buf[static TIME_RFC3339_MAX]);

/** Distance of t from now (24-hour days, not calendar dates; for dates people read use
 * time_format_days): `now`, `in 5 minutes`, `in 3 days`, `2 weeks ago`,
 * `yesterday`, `tomorrow`. Rounded to the largest sensible unit. Returns buf.
 * Exact wording: `now` (under 60 s), else `in N unit(s)` / `N unit(s) ago` with unit minute,
 * hour, day (1..13; a day reads `in 1 day` / `1 day ago`, never tomorrow/yesterday), week
 * (2..8), month (2..11), year; each rounded half up. The thresholds are in timeutil.c. */
char *time_format_relative(int64_t t, int64_t now, char *buf, size_t size);

/** Local calendar day of t (process TZ) as days since 1970-01-01: two instants on the same local
 * date give the same number, whatever the hours between them or a DST change in between. An
 * instant localtime cannot represent counts by its UTC date. */
int64_t time_local_day(int64_t t);

/** Local calendar days from the date of now to the date of t: 0 on the same date, 1 for
 * tomorrow, -1 for yesterday, 2 for a time on the 7th seen on the 5th. This is the one answer to
 * "how many days ago / overdue / ahead" that every output (the client's tables, show and
 * history, tendd's notification text and plan reasons) should use. */
int64_t time_days_between(int64_t now, int64_t t);

/* How time_format_days words a date. */
enum time_days_style {
        TIME_DAYS_WHEN, /* something that happened or will: "yesterday", "in 3 days" */
        TIME_DAYS_DUE,  /* a follow-up date: "due today", "3 days overdue", "tomorrow" */
};

/** t against now in local calendar days (time_days_between), for people. Returns buf.
 *  days   TIME_DAYS_WHEN          TIME_DAYS_DUE
 *     0   "today"                 "due today"
 *     1   "tomorrow"              "tomorrow"
 *    -1   "yesterday"             "1 day overdue"
 *  2..13  "in 3 days"             "in 3 days"
 *  -2..   "3 days ago"            "3 days overdue"
 * From 14 days on the count is read in weeks (14..59 days, rounded half up), months (60..344
 * days, 30 days each) or years (365 days, at least 1): "in 3 weeks", "2 months ago",
 * "1 year overdue". */
char *time_format_days(int64_t t, int64_t now, enum time_days_style style, char *buf, size_t size);

/** Compact duration: `45s`, `10m`, `3h`, `3d`, `2w`, `1mo`, `1y` (largest unit that divides
 * exactly, else days with no fraction, else seconds). Returns buf.
 * Units tried: y, mo, w, d, h, m, then s, so the text always parses back to the same value
 * (`25h`, `90m`, `86401s`); 0 gives `0s`, a negative value a leading `-`. */
char *time_format_duration(int64_t seconds, char *buf, size_t size);

/** Local date and time for people, `Tue 2026-12-01 09:00`. Returns buf. */
char *time_format_local(int64_t t, char *buf, size_t size);

/** Current wall-clock time in UTC seconds. */
int64_t time_now(void);
