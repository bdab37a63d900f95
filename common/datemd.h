/* Important dates: a month and a day, with or without a year (birthdays, anniversaries, custom
 * dates), and the pure rules for when each occurrence falls. Local time through mktime (TZ), so
 * days stay days across DST changes. Shared by the store (the sched index key of a date) and
 * the core (firing, acknowledging, snoozing). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

#define DATE_TEXT_MAX 11 /* "YYYY-MM-DD" or "--MM-DD", NUL included */

struct date_md {
        int year; /* 0: unknown */
        int month;
        int day;
};

/** Parse "YYYY-MM-DD", "MM-DD" or "--MM-DD" (a vCard date without a year). Feb 29 is valid
 * without a year and in leap years. Returns 0 or -EINVAL. */
int date_md_parse(const char *s, struct date_md *ret);

/** "YYYY-MM-DD", or "--MM-DD" without a year. */
void date_md_format(const struct date_md *d, char buf[static DATE_TEXT_MAX]);

/** The day of the month d falls on in `year`: Feb 29 is Feb 28 in a year that is not leap. */
int date_md_day_in(const struct date_md *d, int year);

/** The instant of local midnight of year-month-day plus `days` (negative goes back). */
int64_t date_local_midnight(int year, int month, int day, int days);

/** The local calendar year of instant t. */
int date_local_year(int64_t t);

/** The occurrence of a contact's date (or birthday) that is pending, if any. */
struct date_occurrence {
        int year;        /* the year of the occurrence */
        int64_t day;     /* local midnight of the day it falls on */
        int64_t trigger; /* when it is indexed: local midnight `remind_days` before day, or the
                          * snooze instant */
};

/** The pending occurrence of d (state st, `since` defaulting to `created`): the first year
 * after the one last shown whose day is not before the day of `since` — only one occurrence
 * for a date that is not yearly — or the snoozed one. Returns 1 with *ret filled, 0 when nothing
 * is pending any more (a one-off date that was shown or lies in the past). */
int date_pending(const struct date_md *d, bool yearly, int remind_days, const struct date_state *st,
                 int64_t created, struct date_occurrence *ret);

/** The birthday of ct as a date (id CONTACT_DATE_BIRTHDAY, label "birthday", yearly): 1 with
 * *ret filled (strings borrowed from ct), 0 without a birthday or with one that does not parse. */
int contact_birthday_date(const struct contact *ct, struct contact_date *ret);

/** The pending occurrence of a contact date (its own value and state). */
int contact_date_pending(const struct contact *ct, const struct contact_date *cd,
                         struct date_occurrence *ret);

/** Deep copy of a contact date's owned strings into dst (shallow fields copied). 0 or -ENOMEM. */
int contact_date_copy(struct contact_date *dst, const struct contact_date *src);
