/* Meetings in a calendar file: which occurrences of which events took place with whom.
 *
 * Pure: iCalendar text (one file of a vdir), your own addresses and a window of time in; the
 * occurrences that count out, each with its capture key (capture.h) and the other people's
 * addresses. Parsed with libical; only ORGANIZER, ATTENDEE (with PARTSTAT), DTSTART, UID,
 * RECURRENCE-ID, RRULE, RDATE, EXDATE, STATUS and VTIMEZONE are read.
 *
 * The rules:
 * - An occurrence counts once it has started (start ≤ now; its start is the interaction's
 *   time) and if it started inside the window (from ≤ start). A meeting cancelled after it
 *   began is therefore still a meeting.
 * - A meeting needs at least one ATTENDEE; its people are the ORGANIZER and the ATTENDEEs,
 *   without your own addresses (me, case-insensitive) and without attendees who declined. An
 *   event with nobody left logs nothing.
 * - STATUS:CANCELLED (of the event, or of an overridden occurrence) and your own
 *   PARTSTAT=DECLINED (per occurrence too) log nothing.
 * - A series (RRULE, RDATE, or overrides) gives each occurrence its own key, "UID/RID" with
 *   RID its original start in UTC ("YYYYMMDDTHHMMSSZ") or its DATE ("YYYYMMDD"); an override
 *   (a VEVENT with RECURRENCE-ID and the same UID) replaces its occurrence, EXDATE removes
 *   one. A single event's key is its UID.
 * - Times: a TZID naming a zone of the system's time zone data (Europe/Berlin, also behind a
 *   prefix such as /freeassociation.sourceforge.net/) uses that data; another TZID uses the
 *   file's VTIMEZONE; floating times, unknown zones and all-day DATE values are local time
 *   (the process's TZ), a DATE at local midnight. Series are expanded in their zone's wall
 *   time, so a weekly 09:00 stays 09:00 across DST.
 * - Bounded whatever the file says: RRULEs more often than daily are not expanded (their
 *   DTSTART and RDATEs still count), a series stops after CALENDAR_STEPS_MAX steps or
 *   CALENDAR_OCCURRENCES_MAX occurrences in the window, and one file gets
 *   CALENDAR_FILE_BUDGET_MS of work; what is cut short is reported as a problem (the
 *   occurrences found so far still count). A VTIMEZONE with rules no real zone has is
 *   ignored (its times become local). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CALENDAR_STEPS_MAX       100000 /* recurrence steps of one series */
#define CALENDAR_OCCURRENCES_MAX 1000   /* occurrences of one series inside the window */
#define CALENDAR_EVENTS_MAX      1000   /* VEVENTs read in one file */
#define CALENDAR_FILE_BUDGET_MS  2000   /* work on one file before it is cut short */
/* How far past now a series is searched for its next occurrence (calendar_events.next). */
#define CALENDAR_LOOKAHEAD (4 * 366 * 86400LL)

struct calendar_occurrence {
        char *key;     /* "UID" or "UID/RID" (capture.h) */
        int64_t at;    /* start, UTC seconds */
        char **emails; /* strv: the other people's addresses, as written, without mailto: */
};

struct calendar_events {
        struct calendar_occurrence *v; /* in the order found */
        size_t n;
        /* The earliest start after now of an occurrence that would count (0: none within
         * CALENDAR_LOOKAHEAD): when the file has to be read again. */
        int64_t next;
        unsigned problems; /* events or series skipped or cut short */
        char *problem;     /* the first of them, in words (NULL: none) */
};

/** Read one calendar file. me: your addresses (strv, may be NULL); the window is
 * [from, now]. Returns 0, -EBADMSG when the text is not iCalendar at all (ret->problem says
 * why), -ENOMEM (ret empty). Free ret with calendar_events_done whatever it returned. */
int calendar_events_parse(const char *text, char *const *me, int64_t from, int64_t now,
                          struct calendar_events *ret);

/** Free what calendar_events_parse filled; accepts a zeroed struct. */
void calendar_events_done(struct calendar_events *e);
