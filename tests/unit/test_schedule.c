/* The follow-up scheduling rules with an injected clock and time zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "schedule.h"
#include "store-sched.h"
#include "util.h"

#define MIN  60LL
#define HOUR 3600LL
#define DAY  86400LL

static void set_tz(const char *tz)
{
        setenv("TZ", tz, 1);
        tzset();
}

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

/* Local wall time in the current TZ, through libc (not the code under test). */
static int64_t local(int y, int mo, int d, int h, int mi)
{
        struct tm tm = {
            .tm_year = y - 1900,
            .tm_mon = mo - 1,
            .tm_mday = d,
            .tm_hour = h,
            .tm_min = mi,
            .tm_isdst = -1,
        };

        return (int64_t)mktime(&tm);
}

static struct config defaults(void)
{
        struct config c;

        config_init(&c);
        return c;
}

static void test_quiet_hours_wrap(void **state)
{
        struct config c = defaults(); /* 22:00-08:00 */

        set_tz("Europe/Berlin");
        assert_false(schedule_in_quiet(&c, local(2026, 6, 10, 21, 59)));
        assert_true(schedule_in_quiet(&c, local(2026, 6, 10, 22, 0)));
        assert_true(schedule_in_quiet(&c, local(2026, 6, 10, 23, 30)));
        assert_true(schedule_in_quiet(&c, local(2026, 6, 11, 0, 0)));
        assert_true(schedule_in_quiet(&c, local(2026, 6, 11, 7, 59)));
        assert_false(schedule_in_quiet(&c, local(2026, 6, 11, 8, 0)));
        /* The evening part ends tomorrow morning, the morning part the same day. */
        assert_int_equal(schedule_after_quiet(&c, local(2026, 6, 10, 23, 30)),
                         local(2026, 6, 11, 8, 0));
        assert_int_equal(schedule_after_quiet(&c, local(2026, 6, 11, 3, 0)),
                         local(2026, 6, 11, 8, 0));
        assert_int_equal(schedule_after_quiet(&c, local(2026, 6, 11, 7, 59) + 59),
                         local(2026, 6, 11, 8, 0));
        assert_int_equal(schedule_after_quiet(&c, local(2026, 6, 11, 12, 0)),
                         local(2026, 6, 11, 12, 0));
        /* Month and year ends. */
        assert_int_equal(schedule_after_quiet(&c, local(2026, 12, 31, 22, 0)),
                         local(2027, 1, 1, 8, 0));
}

static void test_quiet_hours_daytime_and_off(void **state)
{
        struct config c = defaults();

        set_tz("UTC");
        c.quiet_start = 13 * 60;
        c.quiet_end = 14 * 60 + 30;
        assert_false(schedule_in_quiet(&c, utc(2026, 2, 2, 12, 59, 59)));
        assert_true(schedule_in_quiet(&c, utc(2026, 2, 2, 13, 0, 0)));
        assert_int_equal(schedule_after_quiet(&c, utc(2026, 2, 2, 13, 10, 0)),
                         utc(2026, 2, 2, 14, 30, 0));
        assert_false(schedule_in_quiet(&c, utc(2026, 2, 2, 22, 0, 0)));

        c.quiet_start = c.quiet_end = 0; /* off */
        for (int h = 0; h < 24; h++)
                assert_false(schedule_in_quiet(&c, utc(2026, 2, 2, h, 0, 0)));
        assert_int_equal(schedule_after_quiet(&c, utc(2026, 2, 2, 23, 0, 0)),
                         utc(2026, 2, 2, 23, 0, 0));
}

static void test_fire_time(void **state)
{
        struct config c = defaults();
        int64_t now;

        set_tz("Europe/Berlin");
        now = local(2026, 5, 4, 10, 0);
        /* Ahead and outside quiet hours: exactly on time, to the second. */
        assert_int_equal(schedule_fire_time(&c, now + 2, now), now + 2);
        assert_int_equal(schedule_fire_time(&c, local(2026, 5, 4, 15, 17) + 5, now),
                         local(2026, 5, 4, 15, 17) + 5);
        /* Due inside quiet hours: deferred to their end. */
        assert_int_equal(schedule_fire_time(&c, local(2026, 5, 4, 23, 47), now),
                         local(2026, 5, 5, 8, 0));
        /* Catch-up: fell due while the daemon was down → right away. */
        assert_int_equal(schedule_fire_time(&c, now - 3 * DAY, now), now);
        /* ... unless "now" is inside quiet hours: then at their end. */
        assert_int_equal(schedule_fire_time(&c, now - 3 * DAY, local(2026, 5, 4, 23, 0)),
                         local(2026, 5, 5, 8, 0));
        /* The preferred time plays no part for a pending follow-up. */
        c.preferred_time = 18 * 60;
        assert_int_equal(schedule_fire_time(&c, now + 60, now), now + 60);
}

static void test_resurface_preferred_time(void **state)
{
        struct config c = defaults();

        set_tz("Europe/Berlin");
        /* Notified in the afternoon → back the next morning at 09:00. */
        assert_int_equal(schedule_resurface_time(&c, local(2026, 5, 4, 15, 0)),
                         local(2026, 5, 5, 9, 0));
        /* Notified before 09:00 → not the same day: the next one. */
        assert_int_equal(schedule_resurface_time(&c, local(2026, 5, 4, 8, 30)),
                         local(2026, 5, 5, 9, 0));
        /* Notified at 09:00 on the dot → 09:00 the next day, never a nag minutes later. */
        assert_int_equal(schedule_resurface_time(&c, local(2026, 5, 4, 9, 0)),
                         local(2026, 5, 5, 9, 0));
        /* A preferred time inside quiet hours is moved to their end. */
        c.preferred_time = 23 * 60;
        assert_int_equal(schedule_resurface_time(&c, local(2026, 5, 4, 12, 0)),
                         local(2026, 5, 6, 8, 0));
        c.preferred_time = 7 * 60;
        assert_int_equal(schedule_resurface_time(&c, local(2026, 5, 4, 12, 0)),
                         local(2026, 5, 5, 8, 0));
        c.quiet_start = c.quiet_end = 0;
        assert_int_equal(schedule_resurface_time(&c, local(2026, 5, 4, 12, 0)),
                         local(2026, 5, 5, 7, 0));
}

static void test_dst_berlin(void **state)
{
        struct config c = defaults();
        int64_t t;

        set_tz("Europe/Berlin");
        /* 2026-03-29: 02:00 CET → 03:00 CEST. 09:00 local is 07:00 UTC, 23 h after 09:00 CET. */
        assert_int_equal(schedule_resurface_time(&c, utc(2026, 3, 28, 9, 0, 0)),
                         utc(2026, 3, 29, 7, 0, 0));
        /* Quiet hours ending at 08:00 on the short night: 08:00 CEST = 06:00 UTC. */
        assert_int_equal(schedule_after_quiet(&c, utc(2026, 3, 28, 22, 0, 0)),
                         utc(2026, 3, 29, 6, 0, 0));
        /* An end inside the gap (02:30 does not exist that night) still lands after the
         * start, outside quiet hours. */
        c.quiet_end = 2 * 60 + 30;
        t = schedule_after_quiet(&c, utc(2026, 3, 28, 22, 0, 0));
        assert_true(t > utc(2026, 3, 28, 22, 0, 0));
        assert_true(t <= utc(2026, 3, 29, 2, 0, 0));
        assert_false(schedule_in_quiet(&c, t));
        c.quiet_end = 8 * 60;

        /* 2026-10-25: 03:00 CEST → 02:00 CET. 09:00 CET is 08:00 UTC, 25 h later. */
        assert_int_equal(schedule_resurface_time(&c, utc(2026, 10, 24, 7, 0, 0)),
                         utc(2026, 10, 25, 8, 0, 0));
        /* The long night: quiet from 22:00 CEST (20:00 UTC) to 08:00 CET (07:00 UTC). */
        assert_int_equal(schedule_after_quiet(&c, utc(2026, 10, 24, 20, 0, 0)),
                         utc(2026, 10, 25, 7, 0, 0));
        assert_true(schedule_in_quiet(&c, utc(2026, 10, 25, 6, 59, 59)));
        assert_false(schedule_in_quiet(&c, utc(2026, 10, 25, 7, 0, 0)));
        /* A follow-up due at 01:30 local on the fall-back night, twice over: deferred to 08:00. */
        assert_int_equal(
            schedule_fire_time(&c, utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 24, 12, 0, 0)),
            utc(2026, 10, 25, 7, 0, 0));
}

static void test_dst_new_york(void **state)
{
        struct config c = defaults();

        set_tz("America/New_York");
        /* 2026-03-08: 02:00 EST → 03:00 EDT. 09:00 EST = 14:00 UTC; 09:00 EDT = 13:00 UTC. */
        assert_int_equal(schedule_resurface_time(&c, utc(2026, 3, 7, 14, 0, 0)),
                         utc(2026, 3, 8, 13, 0, 0));
        assert_int_equal(schedule_after_quiet(&c, utc(2026, 3, 8, 3, 0, 0)),
                         utc(2026, 3, 8, 12, 0, 0));
        /* 2026-11-01: 02:00 EDT → 01:00 EST. */
        assert_int_equal(schedule_resurface_time(&c, utc(2026, 10, 31, 13, 0, 0)),
                         utc(2026, 11, 1, 14, 0, 0));
        /* Quiet from 22:00 EDT (02:00 UTC) to 08:00 EST (13:00 UTC): eleven hours. */
        assert_int_equal(schedule_after_quiet(&c, utc(2026, 11, 1, 3, 0, 0)),
                         utc(2026, 11, 1, 13, 0, 0));
        /* Daily re-surfacing across the change stays at 09:00 local each day. */
        {
                int64_t t = utc(2026, 10, 30, 13, 0, 0); /* Fri 09:00 EDT */
                int64_t expect[] = {utc(2026, 10, 31, 13, 0, 0), utc(2026, 11, 1, 14, 0, 0),
                                    utc(2026, 11, 2, 14, 0, 0)};

                for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
                        t = schedule_resurface_time(&c, t);
                        assert_int_equal(t, expect[i]);
                }
        }
}

static void test_contact_lifecycle(void **state)
{
        struct config c = defaults();
        struct contact ct = {.id = 7, .name = "Jane Doe", .cadence = 14 * DAY};
        int64_t now, fired;

        set_tz("Europe/Berlin");
        now = local(2026, 5, 4, 10, 0);
        /* Nothing due: nothing to do, nothing indexed. */
        assert_int_equal(schedule_contact_next(&c, &ct, now), 0);
        assert_int_equal(store_sched_time(&ct), 0);

        /* Pending, due in 2 s: fires then; indexed under the due date. */
        ct.next_due = now + 2;
        assert_int_equal(schedule_contact_next(&c, &ct, now), now + 2);
        assert_int_equal(store_sched_time(&ct), now + 2);

        /* Fired: it is not due for a notification again (a restart reads the same record)... */
        fired = now + 2;
        schedule_mark_notified(&c, &ct, fired);
        assert_int_equal(ct.notified_due, ct.next_due);
        assert_int_equal(ct.notified_at, fired);
        /* ... until the next morning's digest, while still overdue. */
        assert_int_equal(ct.resurface_at, local(2026, 5, 5, 9, 0));
        assert_int_equal(schedule_contact_next(&c, &ct, fired + 1), local(2026, 5, 5, 9, 0));
        assert_int_equal(store_sched_time(&ct), local(2026, 5, 5, 9, 0));
        /* A daemon started later that week catches up with the digest once, right away. */
        assert_int_equal(schedule_contact_next(&c, &ct, local(2026, 5, 8, 12, 0)),
                         local(2026, 5, 8, 12, 0));
        /* Resurfaced: the next one is the day after. */
        schedule_mark_notified(&c, &ct, local(2026, 5, 5, 9, 0));
        assert_int_equal(ct.resurface_at, local(2026, 5, 6, 9, 0));

        /* Done: logged now, next due one cadence ahead, pending again. */
        ct.next_due = schedule_done_due(ct.cadence, local(2026, 5, 5, 9, 5));
        assert_int_equal(ct.next_due, local(2026, 5, 5, 9, 5) + 14 * DAY);
        assert_int_equal(schedule_contact_next(&c, &ct, local(2026, 5, 5, 9, 5)), ct.next_due);
        assert_int_equal(schedule_done_due(0, now), 0);

        /* Snooze: the configured week, pending again. */
        schedule_mark_notified(&c, &ct, ct.next_due);
        ct.next_due = schedule_snoozed_due(&c, now);
        assert_int_equal(ct.next_due, now + 7 * DAY);
        assert_int_not_equal(ct.notified_due, ct.next_due);
        assert_int_equal(store_sched_time(&ct), now + 7 * DAY);
}

static void test_digest_and_urgency(void **state)
{
        struct config c = defaults();
        int64_t now = utc(2026, 5, 4, 10, 0, 0);

        assert_false(schedule_wants_digest(&c, 1));
        assert_false(schedule_wants_digest(&c, 3));
        assert_true(schedule_wants_digest(&c, 4));
        c.digest_threshold = 0;
        assert_true(schedule_wants_digest(&c, 1));

        assert_int_equal(schedule_urgency(&c, now + 5, now), SCHEDULE_URGENCY_NORMAL);
        assert_int_equal(schedule_urgency(&c, now - 3 * DAY, now), SCHEDULE_URGENCY_NORMAL);
        assert_int_equal(schedule_urgency(&c, now - 14 * DAY, now), SCHEDULE_URGENCY_NORMAL);
        assert_int_equal(schedule_urgency(&c, now - 15 * DAY, now), SCHEDULE_URGENCY_CRITICAL);
}

static void test_text(void **state)
{
        struct contact ct = {
            .id = 42,
            .name = "Jane <b>Doe</b> & Co",
            .networks = 1u << NETWORK_STRATEGIC,
            .notes = "Knows everyone in <robotics>\nsecond line",
            .last_kind = "coffee",
        };
        char *s;
        int64_t now;

        set_tz("Europe/Berlin");
        now = local(2026, 5, 4, 10, 0);
        ct.last_interaction = now - 34 * DAY;
        ct.next_due = now - 3 * DAY;

        s = schedule_summary(&ct);
        assert_string_equal(s, "Follow up with Jane <b>Doe</b> & Co");
        free(s);

        s = schedule_body(&ct, now, true, true);
        assert_non_null(strstr(s, "strategic network"));
        assert_non_null(strstr(s, "Knows everyone in &lt;robotics&gt;…"));
        assert_null(strstr(s, "second line"));
        assert_non_null(strstr(s, "Last: coffee, 5 weeks ago"));
        assert_non_null(strstr(s, "\n3 days overdue"));
        assert_null(strstr(s, "tend done"));
        free(s);

        /* No markup support: text as is; no action buttons: the commands to run. */
        s = schedule_body(&ct, now, false, false);
        assert_non_null(strstr(s, "<robotics>"));
        assert_non_null(strstr(s, "tend done 42"));
        assert_non_null(strstr(s, "tend snooze 42 1w"));
        free(s);

        /* How overdue is said by the one function every output uses (timeutil.h). */
        assert_null(strstr(s = schedule_body(&ct, now, false, false), "Due "));
        free(s);
}

static void test_digest_text(void **state)
{
        struct contact cts[12];
        const struct contact *ptrs[12];
        char names[12][16], *summary, *body;
        int64_t now = utc(2026, 5, 4, 10, 0, 0);

        set_tz("UTC");
        for (int i = 0; i < 12; i++) {
                snprintf(names[i], sizeof(names[i]), "P%d <x>", i);
                cts[i] = (struct contact){
                    .id = (uint64_t)i + 1, .name = names[i], .next_due = now - i * DAY};
                ptrs[i] = &cts[i];
        }
        assert_int_equal(schedule_digest_text(ptrs, 4, now, true, &summary, &body), 0);
        assert_string_equal(summary, "4 follow-ups due");
        assert_non_null(strstr(body, "P0 &lt;x&gt;"));
        assert_non_null(strstr(body, "P3 &lt;x&gt; (3 days overdue)"));
        assert_non_null(strstr(body, "tend due"));
        free(summary);
        free(body);
        assert_int_equal(schedule_digest_text(ptrs, 12, now, false, &summary, &body), 0);
        assert_string_equal(summary, "12 follow-ups due");
        assert_non_null(strstr(body, "P9 <x>"));
        assert_null(strstr(body, "P10"));
        assert_non_null(strstr(body, "and 2 more"));
        free(summary);
        free(body);
}

/* One overdue episode notifies once: a date that moves to before the notification (a cadence
 * or goal interval changed) is old news; a snooze, a touch or a date after it is not. */
static void test_already_told(void **state)
{
        const int64_t t = 1780000000LL;
        struct contact ct = {.next_due = t - 3 * DAY, .last_interaction = t - 30 * DAY};

        assert_false(schedule_already_told(&ct)); /* never notified */
        ct.notified_due = ct.next_due;
        ct.notified_at = t;
        assert_false(schedule_already_told(&ct)); /* notified, not pending */
        ct.next_due = t - 5 * DAY;                /* re-dated earlier */
        assert_true(schedule_already_told(&ct));
        ct.next_due = t - 1; /* still before the notification */
        assert_true(schedule_already_told(&ct));
        ct.next_due = t + 3 * DAY; /* snoozed: after it */
        assert_false(schedule_already_told(&ct));
        ct.next_due = t - 5 * DAY;
        ct.last_interaction = t + 10; /* touched since */
        assert_false(schedule_already_told(&ct));
        ct.last_interaction = t - 30 * DAY;
        ct.next_due = 0; /* no follow-up */
        assert_false(schedule_already_told(&ct));
}

static void test_unshown(void **state)
{
        const int64_t T0 = 1780000000LL; /* 2026-05-28 */
        struct contact c = {.next_due = T0, .notified_due = T0, .notify_unshown = 1};

        assert_true(schedule_unshown(&c));
        c.notify_unshown = 0; /* shown */
        assert_false(schedule_unshown(&c));
        c.notify_unshown = 1;
        c.next_due = T0 + DAY; /* done or snoozed since: pending again, not owed */
        assert_false(schedule_unshown(&c));
        c.next_due = 0;
        c.notified_due = 0;
        assert_false(schedule_unshown(&c));
}

/* The agenda (what to talk about next time) is in the body, escaped like the rest. */
static void test_body_agenda(void **state)
{
        struct contact ct = {.id = 3, .name = "Jane", .agenda = "ask <about> the move & more"};
        int64_t now = 1780000000;
        char *s;

        s = schedule_body(&ct, now, true, true);
        assert_non_null(strstr(s, "\nAgenda: ask &lt;about&gt; the move &amp; more"));
        free(s);
        s = schedule_body(&ct, now, false, true);
        assert_non_null(strstr(s, "Agenda: ask <about> the move & more"));
        free(s);
        ct.agenda = NULL;
        s = schedule_body(&ct, now, false, true);
        assert_null(strstr(s, "Agenda"));
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_quiet_hours_wrap),
            cmocka_unit_test(test_quiet_hours_daytime_and_off),
            cmocka_unit_test(test_fire_time),
            cmocka_unit_test(test_resurface_preferred_time),
            cmocka_unit_test(test_dst_berlin),
            cmocka_unit_test(test_dst_new_york),
            cmocka_unit_test(test_contact_lifecycle),
            cmocka_unit_test(test_digest_and_urgency),
            cmocka_unit_test(test_text),
            cmocka_unit_test(test_digest_text),
            cmocka_unit_test(test_unshown),
            cmocka_unit_test(test_already_told),
            cmocka_unit_test(test_body_agenda),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
