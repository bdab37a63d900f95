/* Calendar capture: which occurrences of which events in real iCalendar texts count as a
 * meeting with whom (core/calendar-events), and the vdir reader that hands them to the sink
 * (engine/capture-calendar). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calendar-events.h"
#include "capture-calendar.h"
#include "timeutil.h"
#include "util.h"

#define DAY 86400

static char *const me[] = {"me@example.org", "Me.Too@Example.NET", NULL};

static int64_t utc(int y, int mo, int d, int h, int mi)
{
        struct tm tm = {
            .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};

        return (int64_t)timegm(&tm);
}

static void set_tz(const char *tz)
{
        setenv("TZ", tz, 1);
        tzset();
}

/* Parse with the window [now - 90 days, now]. */
static struct calendar_events parse_at(const char *text, int64_t now)
{
        struct calendar_events e;

        assert_int_equal(calendar_events_parse(text, me, now - 90 * DAY, now, &e), 0);
        return e;
}

static const struct calendar_occurrence *find(const struct calendar_events *e, const char *key)
{
        for (size_t i = 0; i < e->n; i++)
                if (streq(e->v[i].key, key))
                        return &e->v[i];
        return NULL;
}

static void assert_emails(const struct calendar_occurrence *o, const char *const *want)
{
        size_t n = 0;

        assert_non_null(o);
        for (; want[n]; n++)
                assert_true(strv_contains(o->emails, want[n], false));
        assert_int_equal(strv_length(o->emails), n);
}

#define CAL(body)                                                                                  \
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" body "END:VCALENDAR\r\n"

static const char single[] = CAL("BEGIN:VEVENT\r\n"
                                 "UID:single-1@example.org\r\n"
                                 "DTSTAMP:20260101T000000Z\r\n"
                                 "DTSTART:20260305T140000Z\r\n"
                                 "DTEND:20260305T150000Z\r\n"
                                 "SUMMARY:Coffee\r\n"
                                 "DESCRIPTION:not read\r\n"
                                 "ORGANIZER;CN=Ada:mailto:ada@example.com\r\n"
                                 "ATTENDEE;CN=Me;PARTSTAT=ACCEPTED:mailto:ME@example.org\r\n"
                                 "ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:bob@example.com\r\n"
                                 "ATTENDEE;PARTSTAT=DECLINED:mailto:carol@example.com\r\n"
                                 "ATTENDEE;PARTSTAT=TENTATIVE;CN=\"Dave, the\r\n"
                                 "  long name\":mailto:dave@example.com\r\n"
                                 "ATTENDEE:urn:uuid:00000000-0000-0000-0000-000000000000\r\n"
                                 "END:VEVENT\r\n");

static void test_single_utc(void **state)
{
        struct calendar_events e = parse_at(single, utc(2026, 4, 1, 0, 0));
        static const char *const want[] = {"ada@example.com", "bob@example.com", "dave@example.com",
                                           NULL};

        assert_int_equal(e.n, 1);
        assert_string_equal(e.v[0].key, "single-1@example.org");
        assert_int_equal(e.v[0].at, utc(2026, 3, 5, 14, 0));
        /* The organizer and the attendees, not you, not who declined, no other scheme. */
        assert_emails(&e.v[0], want);
        assert_int_equal(e.next, 0);
        assert_int_equal(e.problems, 0);
        calendar_events_done(&e);

        /* Counts from its start on, not before, and not once it left the window. */
        e = parse_at(single, utc(2026, 3, 5, 14, 0));
        assert_int_equal(e.n, 1);
        calendar_events_done(&e);
        e = parse_at(single, utc(2026, 3, 5, 13, 59));
        assert_int_equal(e.n, 0);
        assert_int_equal(e.next, utc(2026, 3, 5, 14, 0));
        calendar_events_done(&e);
        e = parse_at(single, utc(2026, 3, 5, 14, 0) + 90 * DAY + 1);
        assert_int_equal(e.n, 0);
        assert_int_equal(e.next, 0);
        calendar_events_done(&e);
}

static const char future[] = CAL("BEGIN:VEVENT\r\n"
                                 "UID:future\r\n"
                                 "DTSTART:20260601T090000Z\r\n"
                                 "ORGANIZER:mailto:me@example.org\r\n"
                                 "ATTENDEE:mailto:bob@example.com\r\n"
                                 "END:VEVENT\r\n");

static void test_future(void **state)
{
        struct calendar_events e = parse_at(future, utc(2026, 4, 1, 0, 0));

        assert_int_equal(e.n, 0);
        assert_int_equal(e.next, utc(2026, 6, 1, 9, 0));
        calendar_events_done(&e);
}

/* Weekly at 09:00 Berlin time across the change to summer time (2026-03-29): 08:00Z before,
 * 07:00Z after. The zone comes from the system's data (no VTIMEZONE in the file). */
static const char berlin_weekly[] = CAL("BEGIN:VEVENT\r\n"
                                        "UID:standup\r\n"
                                        "DTSTART;TZID=Europe/Berlin:20260316T090000\r\n"
                                        "DTEND;TZID=Europe/Berlin:20260316T091500\r\n"
                                        "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"
                                        "ORGANIZER:mailto:ada@example.com\r\n"
                                        "ATTENDEE:mailto:me@example.org\r\n"
                                        "END:VEVENT\r\n");

static void test_weekly_berlin_dst(void **state)
{
        struct calendar_events e = parse_at(berlin_weekly, utc(2026, 4, 7, 0, 0));

        assert_int_equal(e.n, 4);
        assert_string_equal(e.v[0].key, "standup/20260316T080000Z");
        assert_int_equal(e.v[0].at, utc(2026, 3, 16, 8, 0));
        assert_string_equal(e.v[1].key, "standup/20260323T080000Z");
        assert_string_equal(e.v[2].key, "standup/20260330T070000Z");
        assert_int_equal(e.v[2].at, utc(2026, 3, 30, 7, 0));
        assert_string_equal(e.v[3].key, "standup/20260406T070000Z");
        assert_int_equal(e.next, utc(2026, 4, 13, 7, 0));
        calendar_events_done(&e);

        /* The same with the zone behind a prefix, as some programs write it. */
        {
                char *t = NULL;

                assert_true(asprintf(&t, "%s", berlin_weekly) > 0);
                char *p = strstr(t, "TZID=Europe/Berlin:20260316T090000");
                assert_non_null(p);
                _cleanup_free_ char *s = NULL;
                *p = '\0';
                assert_true(asprintf(&s, "%sTZID=/freeassociation.sourceforge.net/Europe/Berlin:%s",
                                     t, p + strlen("TZID=Europe/Berlin:")) > 0);
                free(t);
                e = parse_at(s, utc(2026, 4, 7, 0, 0));
                assert_int_equal(e.n, 4);
                assert_int_equal(e.v[2].at, utc(2026, 3, 30, 7, 0));
                calendar_events_done(&e);
        }
}

/* Weekly at 10:00 New York time across its change (2026-03-08), zone from an embedded
 * VTIMEZONE under a name the system does not know (as Outlook writes them). */
static const char newyork_weekly[] = CAL("BEGIN:VTIMEZONE\r\n"
                                         "TZID:Eastern Standard Time\r\n"
                                         "BEGIN:STANDARD\r\n"
                                         "DTSTART:16011104T020000\r\n"
                                         "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
                                         "TZOFFSETFROM:-0400\r\n"
                                         "TZOFFSETTO:-0500\r\n"
                                         "END:STANDARD\r\n"
                                         "BEGIN:DAYLIGHT\r\n"
                                         "DTSTART:16010311T020000\r\n"
                                         "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
                                         "TZOFFSETFROM:-0500\r\n"
                                         "TZOFFSETTO:-0400\r\n"
                                         "END:DAYLIGHT\r\n"
                                         "END:VTIMEZONE\r\n"
                                         "BEGIN:VEVENT\r\n"
                                         "UID:040000008200E00074C5B7101A82E008\r\n"
                                         "DTSTART;TZID=Eastern Standard Time:20260226T100000\r\n"
                                         "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TH\r\n"
                                         "ORGANIZER;CN=Bob:mailto:bob@example.com\r\n"
                                         "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me.too@example.net\r\n"
                                         "END:VEVENT\r\n");

static void test_weekly_newyork_vtimezone(void **state)
{
        struct calendar_events e = parse_at(newyork_weekly, utc(2026, 5, 1, 0, 0));
        static const char *const want[] = {"bob@example.com", NULL};

        assert_int_equal(e.n, 4);
        assert_int_equal(e.v[0].at, utc(2026, 2, 26, 15, 0));
        assert_int_equal(e.v[1].at, utc(2026, 3, 5, 15, 0));
        assert_int_equal(e.v[2].at, utc(2026, 3, 12, 14, 0));
        assert_string_equal(e.v[2].key, "040000008200E00074C5B7101A82E008/20260312T140000Z");
        assert_int_equal(e.v[3].at, utc(2026, 3, 19, 14, 0));
        assert_emails(&e.v[0], want);
        assert_int_equal(e.next, 0); /* COUNT=4: over */
        calendar_events_done(&e);

        /* A VTIMEZONE with its history (the rules before 2007 too), as some programs write. */
        e = parse_at(CAL("BEGIN:VTIMEZONE\r\nTZID:US-Eastern\r\n"
                         "BEGIN:DAYLIGHT\r\nDTSTART:19670430T020000\r\n"
                         "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=4;UNTIL=19730429T070000Z\r\n"
                         "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n"
                         "BEGIN:DAYLIGHT\r\nDTSTART:19870405T020000\r\n"
                         "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4;UNTIL=20060402T070000Z\r\n"
                         "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n"
                         "BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\n"
                         "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
                         "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n"
                         "BEGIN:STANDARD\r\nDTSTART:19671029T020000\r\n"
                         "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;UNTIL=20061029T060000Z\r\n"
                         "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n"
                         "BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\n"
                         "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
                         "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n"
                         "END:VTIMEZONE\r\n"
                         "BEGIN:VEVENT\r\n"
                         "UID:hist\r\n"
                         "DTSTART;TZID=US-Eastern:20260226T100000\r\n"
                         "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
                         "ORGANIZER:mailto:bob@example.com\r\n"
                         "ATTENDEE:mailto:me@example.org\r\n"
                         "END:VEVENT\r\n"),
                     utc(2026, 5, 1, 0, 0));
        assert_int_equal(e.n, 4);
        assert_int_equal(e.problems, 0);
        assert_int_equal(e.v[1].at, utc(2026, 3, 5, 15, 0));
        assert_int_equal(e.v[2].at, utc(2026, 3, 12, 14, 0));
        calendar_events_done(&e);
        /* The same far back in time: the window decides which rules are worked out. */
        {
                struct calendar_events old;

                assert_int_equal(calendar_events_parse(newyork_weekly, me, utc(2016, 1, 1, 0, 0),
                                                       utc(2026, 5, 1, 0, 0), &old),
                                 0);
                assert_int_equal(old.n, 4);
                assert_int_equal(old.v[2].at, utc(2026, 3, 12, 14, 0));
                calendar_events_done(&old);
        }

        /* The same with the system's America/New_York. */
        e = parse_at(CAL("BEGIN:VEVENT\r\n"
                         "UID:ny\r\n"
                         "DTSTART;TZID=America/New_York:20260226T100000\r\n"
                         "RRULE:FREQ=WEEKLY;COUNT=4\r\n"
                         "ORGANIZER:mailto:bob@example.com\r\n"
                         "ATTENDEE:mailto:me@example.org\r\n"
                         "END:VEVENT\r\n"),
                     utc(2026, 5, 1, 0, 0));
        assert_int_equal(e.n, 4);
        assert_int_equal(e.v[1].at, utc(2026, 3, 5, 15, 0));
        assert_int_equal(e.v[2].at, utc(2026, 3, 12, 14, 0));
        calendar_events_done(&e);
}

/* Weekly on Mondays 09:00Z: the 2nd moved to Tuesday 11:00, the 3rd excluded, the 4th
 * cancelled, the 5th declined by you, the 6th with someone else. */
static const char series_with_changes[] = CAL("BEGIN:VEVENT\r\n"
                                              "UID:weekly\r\n"
                                              "DTSTART:20260302T090000Z\r\n"
                                              "RRULE:FREQ=WEEKLY;UNTIL=20260413T090000Z\r\n"
                                              "EXDATE:20260316T090000Z\r\n"
                                              "ORGANIZER:mailto:ada@example.com\r\n"
                                              "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.org\r\n"
                                              "END:VEVENT\r\n"
                                              "BEGIN:VEVENT\r\n"
                                              "UID:weekly\r\n"
                                              "RECURRENCE-ID:20260309T090000Z\r\n"
                                              "DTSTART:20260310T110000Z\r\n"
                                              "ORGANIZER:mailto:ada@example.com\r\n"
                                              "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.org\r\n"
                                              "END:VEVENT\r\n"
                                              "BEGIN:VEVENT\r\n"
                                              "UID:weekly\r\n"
                                              "RECURRENCE-ID:20260323T090000Z\r\n"
                                              "DTSTART:20260323T090000Z\r\n"
                                              "STATUS:CANCELLED\r\n"
                                              "ORGANIZER:mailto:ada@example.com\r\n"
                                              "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.org\r\n"
                                              "END:VEVENT\r\n"
                                              "BEGIN:VEVENT\r\n"
                                              "UID:weekly\r\n"
                                              "RECURRENCE-ID:20260330T090000Z\r\n"
                                              "DTSTART:20260330T090000Z\r\n"
                                              "ORGANIZER:mailto:ada@example.com\r\n"
                                              "ATTENDEE;PARTSTAT=DECLINED:mailto:me@example.org\r\n"
                                              "END:VEVENT\r\n"
                                              "BEGIN:VEVENT\r\n"
                                              "UID:weekly\r\n"
                                              "RECURRENCE-ID:20260406T090000Z\r\n"
                                              "DTSTART:20260406T090000Z\r\n"
                                              "ORGANIZER:mailto:ada@example.com\r\n"
                                              "ATTENDEE:mailto:me@example.org\r\n"
                                              "ATTENDEE:mailto:erin@example.com\r\n"
                                              "END:VEVENT\r\n");

static void test_overrides_exdate_cancelled_declined(void **state)
{
        struct calendar_events e = parse_at(series_with_changes, utc(2026, 5, 1, 0, 0));
        static const char *const ada[] = {"ada@example.com", NULL};
        static const char *const ada_erin[] = {"ada@example.com", "erin@example.com", NULL};
        const struct calendar_occurrence *o;

        assert_int_equal(e.n, 4);
        assert_non_null(find(&e, "weekly/20260302T090000Z"));
        /* Moved: the key of the occurrence it replaces, its own time. */
        o = find(&e, "weekly/20260309T090000Z");
        assert_non_null(o);
        assert_int_equal(o->at, utc(2026, 3, 10, 11, 0));
        assert_emails(o, ada);
        assert_null(find(&e, "weekly/20260316T090000Z")); /* EXDATE */
        assert_null(find(&e, "weekly/20260323T090000Z")); /* cancelled */
        assert_null(find(&e, "weekly/20260330T090000Z")); /* declined */
        assert_emails(find(&e, "weekly/20260406T090000Z"), ada_erin);
        assert_non_null(find(&e, "weekly/20260413T090000Z")); /* UNTIL is inclusive */
        assert_int_equal(e.next, 0);
        calendar_events_done(&e);

        /* Before the moved occurrence happened, it is what comes next. */
        e = parse_at(series_with_changes, utc(2026, 3, 9, 12, 0));
        assert_int_equal(e.n, 1);
        assert_int_equal(e.next, utc(2026, 3, 10, 11, 0));
        calendar_events_done(&e);
}

static void test_cancelled_event(void **state)
{
        struct calendar_events e = parse_at(CAL("BEGIN:VEVENT\r\n"
                                                "UID:off\r\n"
                                                "DTSTART:20260305T140000Z\r\n"
                                                "STATUS:CANCELLED\r\n"
                                                "ORGANIZER:mailto:ada@example.com\r\n"
                                                "ATTENDEE:mailto:me@example.org\r\n"
                                                "END:VEVENT\r\n"
                                                "BEGIN:VEVENT\r\n"
                                                "UID:off-series\r\n"
                                                "DTSTART:20260305T140000Z\r\n"
                                                "RRULE:FREQ=DAILY;COUNT=3\r\n"
                                                "STATUS:CANCELLED\r\n"
                                                "ORGANIZER:mailto:ada@example.com\r\n"
                                                "ATTENDEE:mailto:me@example.org\r\n"
                                                "END:VEVENT\r\n"
                                                "BEGIN:VEVENT\r\n"
                                                "UID:off-series\r\n"
                                                "RECURRENCE-ID:20260306T140000Z\r\n"
                                                "DTSTART:20260306T150000Z\r\n"
                                                "ORGANIZER:mailto:ada@example.com\r\n"
                                                "ATTENDEE:mailto:me@example.org\r\n"
                                                "END:VEVENT\r\n"),
                                            utc(2026, 4, 1, 0, 0));

        assert_int_equal(e.n, 0);
        assert_int_equal(e.problems, 0);
        calendar_events_done(&e);
}

static void test_declined(void **state)
{
        /* Declined under your second address, written in another case. */
        struct calendar_events e =
            parse_at(CAL("BEGIN:VEVENT\r\n"
                         "UID:nope\r\n"
                         "DTSTART:20260305T140000Z\r\n"
                         "ORGANIZER:mailto:ada@example.com\r\n"
                         "ATTENDEE;PARTSTAT=DECLINED:mailto:ME.TOO@example.net\r\n"
                         "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com\r\n"
                         "END:VEVENT\r\n"),
                     utc(2026, 4, 1, 0, 0));

        assert_int_equal(e.n, 0);
        calendar_events_done(&e);
}

static void test_nobody_else(void **state)
{
        /* No attendees: an appointment of your own, whoever organised it. */
        struct calendar_events e = parse_at(CAL("BEGIN:VEVENT\r\n"
                                                "UID:dentist\r\n"
                                                "DTSTART:20260305T140000Z\r\n"
                                                "ORGANIZER:mailto:ada@example.com\r\n"
                                                "END:VEVENT\r\n"
                                                "BEGIN:VEVENT\r\n"
                                                "UID:plain\r\n"
                                                "DTSTART:20260305T140000Z\r\n"
                                                "SUMMARY:Focus time\r\n"
                                                "END:VEVENT\r\n"),
                                            utc(2026, 4, 1, 0, 0));

        assert_int_equal(e.n, 0);
        calendar_events_done(&e);

        /* Only your own addresses. */
        e = parse_at(CAL("BEGIN:VEVENT\r\n"
                         "UID:mine\r\n"
                         "DTSTART:20260305T140000Z\r\n"
                         "ORGANIZER:mailto:me@example.org\r\n"
                         "ATTENDEE:mailto:me.too@example.net\r\n"
                         "ATTENDEE:mailto:Me@Example.org\r\n"
                         "END:VEVENT\r\n"),
                     utc(2026, 4, 1, 0, 0));
        assert_int_equal(e.n, 0);
        assert_int_equal(e.next, 0);
        calendar_events_done(&e);
}

/* All-day events and floating times are local time (TZ). */
static void test_all_day_and_floating(void **state)
{
        static const char all_day[] = CAL("BEGIN:VEVENT\r\n"
                                          "UID:offsite\r\n"
                                          "DTSTART;VALUE=DATE:20260305\r\n"
                                          "DTEND;VALUE=DATE:20260306\r\n"
                                          "ORGANIZER:mailto:ada@example.com\r\n"
                                          "ATTENDEE:mailto:me@example.org\r\n"
                                          "END:VEVENT\r\n"
                                          "BEGIN:VEVENT\r\n"
                                          "UID:retro\r\n"
                                          "DTSTART;VALUE=DATE:20260320\r\n"
                                          "RRULE:FREQ=WEEKLY;COUNT=3\r\n"
                                          "EXDATE;VALUE=DATE:20260327\r\n"
                                          "ORGANIZER:mailto:ada@example.com\r\n"
                                          "ATTENDEE:mailto:me@example.org\r\n"
                                          "END:VEVENT\r\n");
        static const char floating[] = CAL("BEGIN:VEVENT\r\n"
                                           "UID:lunch\r\n"
                                           "DTSTART:20260305T120000\r\n"
                                           "RRULE:FREQ=WEEKLY;COUNT=5\r\n"
                                           "ORGANIZER:mailto:ada@example.com\r\n"
                                           "ATTENDEE:mailto:me@example.org\r\n"
                                           "END:VEVENT\r\n");
        struct calendar_events e;

        set_tz("Europe/Berlin");
        e = parse_at(all_day, utc(2026, 4, 20, 0, 0));
        assert_int_equal(e.n, 3);
        assert_string_equal(find(&e, "offsite")->key, "offsite");
        assert_int_equal(find(&e, "offsite")->at, utc(2026, 3, 4, 23, 0));
        assert_int_equal(find(&e, "retro/20260320")->at, utc(2026, 3, 19, 23, 0));
        assert_null(find(&e, "retro/20260327"));
        assert_int_equal(find(&e, "retro/20260403")->at, utc(2026, 4, 2, 22, 0));
        calendar_events_done(&e);

        /* 12:00 wall time wherever you are: 11:00Z in winter, 10:00Z in summer. */
        e = parse_at(floating, utc(2026, 4, 20, 0, 0));
        assert_int_equal(e.n, 5);
        assert_int_equal(e.v[0].at, utc(2026, 3, 5, 11, 0));
        assert_string_equal(e.v[0].key, "lunch/20260305T110000Z");
        assert_int_equal(e.v[4].at, utc(2026, 4, 2, 10, 0));
        calendar_events_done(&e);

        set_tz("America/New_York");
        e = parse_at(floating, utc(2026, 4, 20, 0, 0));
        assert_int_equal(e.v[0].at, utc(2026, 3, 5, 17, 0));
        assert_int_equal(e.v[4].at, utc(2026, 4, 2, 16, 0));
        calendar_events_done(&e);
        set_tz("UTC");
}

/* A daily series running for years: only the window is expanded. */
static void test_long_series_bounded(void **state)
{
        int64_t now = utc(2026, 4, 1, 12, 0);
        struct calendar_events e = parse_at(CAL("BEGIN:VEVENT\r\n"
                                                "UID:daily\r\n"
                                                "DTSTART:19800101T090000Z\r\n"
                                                "RRULE:FREQ=DAILY\r\n"
                                                "ORGANIZER:mailto:ada@example.com\r\n"
                                                "ATTENDEE:mailto:me@example.org\r\n"
                                                "END:VEVENT\r\n"),
                                            now);

        assert_int_equal(e.n, 90);
        assert_int_equal(e.v[0].at, utc(2026, 1, 2, 9, 0));
        assert_int_equal(e.v[89].at, utc(2026, 4, 1, 9, 0));
        assert_int_equal(e.next, utc(2026, 4, 2, 9, 0));
        assert_int_equal(e.problems, 0);
        calendar_events_done(&e);
}

/* Files that would make libical work for hours or forever: refused or cut short, quickly. */
static void test_hostile(void **state)
{
        static const char *const rules[] = {
            "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=31",
            "FREQ=MINUTELY",
            "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            ("FREQ=DAILY;COUNT=2000000000;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,"
             "19,20,21,22,23;BYMINUTE=0,10,20,30,40,50"),
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        };
        int64_t now = utc(2026, 4, 1, 12, 0);

        /* Each ends (libical alone would take hours on the first three); the test's timeout is
         * the bound. */
        for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
                _cleanup_free_ char *text = NULL;
                struct calendar_events e;

                assert_true(asprintf(&text,
                                     CAL("BEGIN:VEVENT\r\nUID:h\r\nDTSTART:19000101T000000Z\r\n"
                                         "RRULE:%s\r\n"
                                         "ORGANIZER:mailto:ada@example.com\r\n"
                                         "ATTENDEE:mailto:me@example.org\r\nEND:VEVENT\r\n"),
                                     rules[i]) > 0);
                e = parse_at(text, now);
                assert_true(e.n <= CALENDAR_OCCURRENCES_MAX);
                /* Sub-daily series are refused, named as a problem; DTSTART is long gone. */
                if (i < 3) {
                        assert_int_equal(e.n, 0);
                        assert_non_null(e.problem);
                }
                calendar_events_done(&e);
        }
        /* A time zone whose rule changes every second. */
        {
                struct calendar_events e =
                    parse_at(CAL("BEGIN:VTIMEZONE\r\nTZID:Mad\r\nBEGIN:STANDARD\r\n"
                                 "DTSTART:19000101T000000\r\nRRULE:FREQ=SECONDLY\r\n"
                                 "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:STANDARD\r\n"
                                 "END:VTIMEZONE\r\n"
                                 "BEGIN:VEVENT\r\nUID:tz\r\nDTSTART;TZID=Mad:20260305T100000\r\n"
                                 "ORGANIZER:mailto:ada@example.com\r\n"
                                 "ATTENDEE:mailto:me@example.org\r\nEND:VEVENT\r\n"),
                             now);

                /* Taken as local time (TZ=UTC here). */
                assert_int_equal(e.n, 1);
                assert_int_equal(e.v[0].at, utc(2026, 3, 5, 10, 0));
                calendar_events_done(&e);
        }
        /* A TZID that is a path out of the zone directory is no zone. */
        {
                struct calendar_events e =
                    parse_at(CAL("BEGIN:VEVENT\r\nUID:tz\r\nDTSTART;TZID=../../../../dev/"
                                 "zero:20260305T100000\r\n"
                                 "ORGANIZER:mailto:ada@example.com\r\n"
                                 "ATTENDEE:mailto:me@example.org\r\nEND:VEVENT\r\n"),
                             now);

                assert_int_equal(e.n, 1);
                assert_int_equal(e.v[0].at, utc(2026, 3, 5, 10, 0));
                calendar_events_done(&e);
        }
}

static void test_garbage(void **state)
{
        static const char *const texts[] = {
            "",
            "hello world\n",
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada\r\nEND:VCARD\r\n",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nUID:x\r\n",
            ("\xff\xfe\x01"
             "BEGIN:VCALENDAR\r\n"),
        };

        for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
                struct calendar_events e;
                int r = calendar_events_parse(texts[i], me, 0, utc(2026, 4, 1, 0, 0), &e);

                assert_true(r == 0 || r == -EBADMSG);
                assert_int_equal(e.n, 0);
                if (r == -EBADMSG)
                        assert_non_null(e.problem);
                calendar_events_done(&e);
        }
        /* An event without UID is a problem; the others in the file still count. */
        {
                struct calendar_events e =
                    parse_at(CAL("BEGIN:VEVENT\r\nDTSTART:20260305T140000Z\r\n"
                                 "ORGANIZER:mailto:ada@example.com\r\n"
                                 "ATTENDEE:mailto:me@example.org\r\nEND:VEVENT\r\n"
                                 "BEGIN:VEVENT\r\nUID:ok\r\nDTSTART:20260305T140000Z\r\n"
                                 "ORGANIZER:mailto:ada@example.com\r\n"
                                 "ATTENDEE:mailto:me@example.org\r\nEND:VEVENT\r\n"),
                             utc(2026, 4, 1, 0, 0));

                assert_int_equal(e.n, 1);
                assert_int_equal(e.problems, 1);
                assert_non_null(e.problem);
                calendar_events_done(&e);
        }
}

/* ---- the reader ---- */

struct sunk {
        char **keys; /* every key handed, in order */
        unsigned calls;
        char *error; /* the last batch's */
        int fail;    /* refuse this many batches */
};

static int sink(void *userdata, const struct capture_batch *b)
{
        struct sunk *s = userdata;

        assert_int_equal(b->source, CAPTURE_CALENDAR);
        assert_int_equal(b->checkpoint, 0);
        if (s->fail > 0) {
                s->fail--;
                return -EIO;
        }
        s->calls++;
        for (size_t i = 0; i < b->n; i++) {
                assert_int_equal(b->items[i].source, CAPTURE_CALENDAR);
                assert_true(b->items[i].n_emails > 0);
                assert_int_equal(strv_push(&s->keys, b->items[i].key), 0);
        }
        free(s->error);
        s->error = b->error ? strdup(b->error) : NULL;
        return 0;
}

static size_t count_key(const struct sunk *s, const char *key)
{
        size_t n = 0;

        for (size_t i = 0; s->keys && s->keys[i]; i++)
                n += streq(s->keys[i], key);
        return n;
}

static void write_file(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        assert_true(asprintf(&tmp, "%s/.%s.tmp", dir, strrchr(name, '/') ? "sub" : name) > 0);
        f = fopen(tmp, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        /* As vdirsyncer writes: a temporary file renamed into place. */
        assert_int_equal(rename(tmp, path), 0);
}

static char *event_at(const char *uid, int64_t at)
{
        char *s = NULL;
        struct tm tm;
        time_t t = (time_t)at;

        gmtime_r(&t, &tm);
        assert_true(asprintf(&s,
                             CAL("BEGIN:VEVENT\r\nUID:%s\r\n"
                                 "DTSTART:%04d%02d%02dT%02d%02d%02dZ\r\n"
                                 "ORGANIZER:mailto:ada@example.com\r\n"
                                 "ATTENDEE:mailto:me@example.org\r\nEND:VEVENT\r\n"),
                             uid, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                             tm.tm_min, tm.tm_sec) > 0);
        return s;
}

struct wait {
        struct capture_calendar *cc;
        struct sunk *s;
        size_t keys;
        unsigned calls;
};

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
        (void)revents;
        *(bool *)w->data = true;
        ev_break(loop, EVBREAK_ALL);
}

/* Run the loop until the sink holds n keys and made `calls` calls, or fail after a while. */
static void run_until(struct ev_loop *loop, struct capture_calendar *cc, struct sunk *s, size_t n,
                      unsigned calls)
{
        bool timed_out = false;
        ev_timer t;

        ev_timer_init(&t, on_timeout, 30., 0.);
        t.data = &timed_out;
        ev_timer_start(loop, &t);
        while (!timed_out) {
                json_t *st = capture_calendar_status(cc);
                bool scanning = json_is_true(json_object_get(st, "scanning"));

                json_decref(st);
                if (!scanning && strv_length(s->keys) >= n && s->calls >= calls)
                        break;
                ev_run(loop, EVRUN_ONCE);
        }
        ev_timer_stop(loop, &t);
        assert_false(timed_out);
}

static void test_reader(void **state)
{
        char dir[] = "/tmp/test_capture_calendar.XXXXXX";
        _cleanup_free_ char *work = NULL, *home = NULL, *soon = NULL;
        struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
        struct capture_calendar *cc = NULL;
        struct sunk s = {};
        int64_t now = time_now();
        json_t *st;

        assert_non_null(mkdtemp(dir));
        assert_true(asprintf(&work, "%s/work", dir) > 0);
        assert_true(asprintf(&home, "%s/home", dir) > 0);
        assert_int_equal(mkdir(work, 0700), 0);
        assert_int_equal(mkdir(home, 0700), 0);
        {
                _cleanup_free_ char *a = event_at("a", now - 3 * DAY),
                                    *b = event_at("b", now - 2 * DAY),
                                    *old = event_at("old", now - 200 * DAY);

                write_file(work, "a.ics", a);
                write_file(home, "b.ics", b);
                write_file(home, "old.ics", old);
                write_file(home, "notes.txt", a); /* not .ics: not read */
        }
        write_file(work, "junk.ics", "this is not a calendar\n");
        assert_int_equal(capture_calendar_new(loop,
                                              &(struct capture_calendar_options){
                                                  .dir = dir,
                                                  .me = me,
                                                  .backfill = 90 * DAY,
                                                  .delay = 0.05,
                                                  .sink = sink,
                                                  .userdata = &s,
                                              },
                                              &cc),
                         0);
        run_until(loop, cc, &s, 2, 1);
        assert_int_equal(strv_length(s.keys), 2);
        assert_int_equal(count_key(&s, "a"), 1);
        assert_int_equal(count_key(&s, "b"), 1);
        assert_non_null(s.error);
        assert_non_null(strstr(s.error, "junk.ics"));
        st = capture_calendar_status(cc);
        assert_int_equal(json_integer_value(json_object_get(st, "files")), 4);
        assert_true(json_is_true(json_object_get(st, "enabled")));
        assert_false(json_is_true(json_object_get(st, "scanning")));
        assert_true(json_is_null(json_object_get(st, "next")));
        json_decref(st);

        /* A new file (renamed into place) is read; unchanged files are not read again. */
        {
                _cleanup_free_ char *c = event_at("c", now - DAY);

                write_file(home, "c.ics", c);
        }
        run_until(loop, cc, &s, 3, 2);
        assert_int_equal(strv_length(s.keys), 3);
        assert_int_equal(count_key(&s, "c"), 1);
        assert_int_equal(count_key(&s, "a"), 1);

        /* A meeting two seconds ahead is handed once it started, without any change. */
        soon = event_at("soon", time_now() + 2);
        write_file(work, "soon.ics", soon);
        run_until(loop, cc, &s, 4, 3);
        assert_int_equal(count_key(&s, "soon"), 1);
        assert_true(time_now() >= now + 2);

        /* A new collection made after the start is watched too. */
        {
                _cleanup_free_ char *extra = NULL, *d = event_at("d", now - DAY);

                assert_true(asprintf(&extra, "%s/extra", dir) > 0);
                assert_int_equal(mkdir(extra, 0700), 0);
                run_until(loop, cc, &s, 4, 3);
                write_file(extra, "d.ics", d);
                run_until(loop, cc, &s, 5, 4);
                assert_int_equal(count_key(&s, "d"), 1);
        }

        /* A rescan reads every file again (the sink's keys dedup). */
        capture_calendar_rescan(cc);
        run_until(loop, cc, &s, 10, 5);
        assert_int_equal(count_key(&s, "a"), 2);

        capture_calendar_free(cc);
        ev_loop_destroy(loop);
        strv_free(s.keys);
        free(s.error);
        {
                _cleanup_free_ char *cmd = NULL;

                assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
                assert_int_equal(system(cmd), 0);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_single_utc),
            cmocka_unit_test(test_future),
            cmocka_unit_test(test_weekly_berlin_dst),
            cmocka_unit_test(test_weekly_newyork_vtimezone),
            cmocka_unit_test(test_overrides_exdate_cancelled_declined),
            cmocka_unit_test(test_cancelled_event),
            cmocka_unit_test(test_declined),
            cmocka_unit_test(test_nobody_else),
            cmocka_unit_test(test_all_day_and_floating),
            cmocka_unit_test(test_long_series_bounded),
            cmocka_unit_test(test_hostile),
            cmocka_unit_test(test_garbage),
            cmocka_unit_test(test_reader),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
