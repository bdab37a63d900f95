/* iCalendar (RFC 5545) writing for tend's follow-up export: one VTODO per follow-up, with a
 * DISPLAY alarm at the due time, so calendars, task lists and calcurse show them; and one
 * all-day VEVENT per important date (birthdays, anniversaries), yearly. Times are
 * UTC (no VTIMEZONE needed); text is escaped and lines are folded at 75 octets. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

struct ical_todo {
        const char *uid;         /* required; stable, so re-importing updates the same task */
        int64_t dtstamp;         /* required: when this export was made */
        int64_t due;             /* required */
        const char *summary;     /* required */
        const char *description; /* or NULL */
        const char *url;         /* or NULL */
        const char *categories;  /* comma-separated, or NULL */
        int priority;            /* 0 = none, 1 (highest) .. 9 */
};

/** Append BEGIN:VCALENDAR with VERSION and PRODID. */
void ical_begin(struct strbuf *out);

/** Append one VTODO. Returns 0 or -EINVAL (a required field missing). */
int ical_add_todo(struct strbuf *out, const struct ical_todo *t);

/* An important date as an all-day VEVENT, yearly (RRULE:FREQ=YEARLY) unless once. */
struct ical_date {
        const char *uid; /* required */
        int64_t dtstamp; /* required */
        int year;        /* 0: unknown (the event starts in 2000, a leap year) */
        int month, day;  /* required */
        bool yearly;
        int remind_days;         /* > 0: a DISPLAY alarm that many days before */
        const char *summary;     /* required */
        const char *description; /* or NULL */
        const char *categories;  /* or NULL */
};

/** Append one VEVENT for an important date. Feb 29 recurs on the last day of February.
 * Returns 0 or -EINVAL (a required field missing or not a date). */
int ical_add_date(struct strbuf *out, const struct ical_date *d);

/** Append END:VCALENDAR. Returns 0 or -ENOMEM when any append failed. */
int ical_end(struct strbuf *out);

/** Format t as a UTC DATE-TIME, 20250101T120000Z. Returns buf. */
char *ical_format_time(int64_t t, char buf[static 17]);
