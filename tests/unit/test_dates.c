/* Important dates: the month-day arithmetic (common/datemd.c) and the rules on top of it
 * (daemon/core/dates.c): which occurrence is pending, Feb 29 in other years, dates without a
 * year, one-off dates, --remind, the preferred time across DST, Done and Snooze. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "datemd.h"
#include "dates.h"
#include "model.h"

#define DAY 86400LL

static void set_tz(const char *tz)
{
        setenv("TZ", tz, 1);
        tzset();
}

static int64_t local(int y, int mo, int d, int h, int mi)
{
        struct tm tm = {.tm_year = y - 1900,
                        .tm_mon = mo - 1,
                        .tm_mday = d,
                        .tm_hour = h,
                        .tm_min = mi,
                        .tm_isdst = -1};

        return (int64_t)mktime(&tm);
}

static void test_parse_and_format(void **state)
{
        struct date_md d;
        char buf[DATE_TEXT_MAX];

        assert_int_equal(date_md_parse("1990-03-14", &d), 0);
        assert_int_equal(d.year, 1990);
        date_md_format(&d, buf);
        assert_string_equal(buf, "1990-03-14");
        assert_int_equal(date_md_parse("03-14", &d), 0);
        assert_int_equal(d.year, 0);
        date_md_format(&d, buf);
        assert_string_equal(buf, "--03-14");
        assert_int_equal(date_md_parse("--02-29", &d), 0); /* no year: Feb 29 may be */
        assert_int_equal(date_md_parse("2000-02-29", &d), 0);
        assert_int_equal(date_md_parse("1990-02-29", &d), -EINVAL);
        assert_int_equal(date_md_parse("1990-02-30", &d), -EINVAL);
        assert_int_equal(date_md_parse("13-01", &d), -EINVAL);
        assert_int_equal(date_md_parse("3-14", &d), -EINVAL);
        assert_int_equal(date_md_parse("", &d), -EINVAL);
}

/* Local midnight without mktime agrees with mktime on every day of two years, in zones with
 * DST at 02:00, at midnight (a day without 00:00) and none. */
static void test_local_midnight_matches_mktime(void **state)
{
        static const char *zones[] = {"Europe/Berlin", "America/Havana",     "America/Santiago",
                                      "Asia/Kolkata",  "Pacific/Kiritimati", "UTC"};

        for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
                set_tz(zones[z]);
                for (int d = 0; d < 731; d++) {
                        struct tm tm = {.tm_year = 2025 - 1900, .tm_mday = 1 + d, .tm_isdst = -1};
                        int64_t want = (int64_t)mktime(&tm);

                        assert_int_equal(date_local_midnight(2025, 1, 1 + d, 0), want);
                        assert_int_equal(date_local_midnight(2025, 1, 1, d), want);
                }
        }
        set_tz("UTC");
}

static void test_feb29_in_other_years(void **state)
{
        struct date_md d;
        struct date_state st = {.since = 0};
        struct date_occurrence o;

        set_tz("UTC");
        assert_int_equal(date_md_parse("1988-02-29", &d), 0);
        assert_int_equal(date_md_day_in(&d, 2027), 28);
        assert_int_equal(date_md_day_in(&d, 2028), 29);
        /* Added in 2026 after Feb: next is 2027-02-28, then 2028-02-29. */
        assert_int_equal(date_pending(&d, true, 0, &st, local(2026, 3, 10, 12, 0), &o), 1);
        assert_int_equal(o.year, 2027);
        assert_int_equal(o.day, local(2027, 2, 28, 0, 0));
        st.shown_year = 2027;
        assert_int_equal(date_pending(&d, true, 0, &st, local(2026, 3, 10, 12, 0), &o), 1);
        assert_int_equal(o.year, 2028);
        assert_int_equal(o.day, local(2028, 2, 29, 0, 0));
}

static void test_pending_occurrence(void **state)
{
        struct date_md d;
        struct date_state st = {.since = 0};
        struct date_occurrence o;
        int64_t created = local(2026, 6, 10, 15, 0);

        set_tz("UTC");
        assert_int_equal(date_md_parse("06-10", &d), 0);
        /* Its day is today: pending today (the day counts, not the hour). */
        assert_int_equal(date_pending(&d, true, 0, &st, created, &o), 1);
        assert_int_equal(o.year, 2026);
        assert_int_equal(o.trigger, local(2026, 6, 10, 0, 0));
        /* Remind 3 days ahead: indexed 3 days before the day. */
        assert_int_equal(date_md_parse("06-20", &d), 0);
        assert_int_equal(date_pending(&d, true, 3, &st, created, &o), 1);
        assert_int_equal(o.trigger, local(2026, 6, 17, 0, 0));
        /* A day that has passed this year: next year. */
        assert_int_equal(date_md_parse("06-09", &d), 0);
        assert_int_equal(date_pending(&d, true, 0, &st, created, &o), 1);
        assert_int_equal(o.year, 2027);
        /* Not yearly, no year: the next occurrence once; nothing after it was shown. */
        assert_int_equal(date_pending(&d, false, 0, &st, created, &o), 1);
        assert_int_equal(o.year, 2027);
        st.shown_year = 2027;
        assert_int_equal(date_pending(&d, false, 0, &st, created, &o), 0);
        /* Not yearly with a year: that day, or never when it has passed. */
        st = (struct date_state){0};
        assert_int_equal(date_md_parse("2026-07-01", &d), 0);
        assert_int_equal(date_pending(&d, false, 0, &st, created, &o), 1);
        assert_int_equal(o.year, 2026);
        assert_int_equal(date_md_parse("2026-06-01", &d), 0);
        assert_int_equal(date_pending(&d, false, 0, &st, created, &o), 0);
        /* Snoozed: the shown one comes back at the snooze instant. */
        assert_int_equal(date_md_parse("06-10", &d), 0);
        st = (struct date_state){.shown_year = 2026, .snoozed_to = created + DAY};
        assert_int_equal(date_pending(&d, true, 0, &st, created, &o), 1);
        assert_int_equal(o.year, 2026);
        assert_int_equal(o.trigger, created + DAY);
}

static void test_fire_time_dst(void **state)
{
        struct config c;
        struct contact ct = {.birthday = "--03-29", .created = 0};
        int64_t now;

        config_init(&c);
        c.quiet_start = c.quiet_end = 0; /* off */
        set_tz("Europe/Berlin");
        /* 2026-03-29 is the spring-forward day in Berlin: 09:00 stays 09:00 local. */
        now = local(2026, 3, 20, 12, 0);
        ct.birthday_state.since = now;
        assert_int_equal(dates_event_next(&c, &ct, CONTACT_DATE_BIRTHDAY, now),
                         local(2026, 3, 29, 9, 0));
        /* Seen after the preferred time on the day: at once. */
        now = local(2026, 3, 29, 10, 0);
        assert_int_equal(dates_event_next(&c, &ct, CONTACT_DATE_BIRTHDAY, now), now);
        set_tz("UTC");
}

static void test_shown_done_snooze(void **state)
{
        struct config c;
        struct contact ct = {0};
        int64_t now;
        int id;

        set_tz("UTC");
        config_init(&c);
        now = local(2026, 6, 10, 12, 0);
        ct.created = now;
        id = dates_add(&ct, "anniversary", "2015-06-10", false, 0, now);
        assert_int_equal(id, 2);
        assert_true(ct.dates[0].yearly); /* anniversaries always are */
        assert_int_equal(dates_add(&ct, "Anniversary", "01-01", false, 0, now), -EEXIST);
        assert_int_equal(dates_add(&ct, "x", "02-30", false, 0, now), -EINVAL);
        assert_int_equal(dates_add(&ct, "birthday", "1990-01-02", false, 0, now),
                         CONTACT_DATE_BIRTHDAY);
        assert_string_equal(ct.birthday, "1990-01-02");
        /* Due now; shown once: the next is next year's. */
        assert_int_equal(dates_event_next(&c, &ct, 2, now), now);
        assert_int_equal(dates_mark_shown(&ct, 2), 2026);
        assert_int_equal(dates_event_next(&c, &ct, 2, now) > now + 300 * DAY, true);
        ct.dates[0].st.shown_year = 2026;
        /* Done acknowledges this year's. */
        assert_int_equal(dates_done(&ct, 2, now), 0);
        assert_int_equal(ct.dates[0].st.acked_year, 2026);
        /* Snooze: this year's again, a day later. */
        assert_int_equal(dates_snooze(&ct, 2, now), 0);
        assert_int_equal(dates_event_next(&c, &ct, 2, now), now + DAY);
        assert_int_equal(dates_mark_shown(&ct, 2), 2026);
        assert_int_equal(ct.dates[0].st.snoozed_to, 0);
        assert_int_equal(dates_remove(&ct, "anniversary"), 0);
        assert_int_equal(dates_remove(&ct, "anniversary"), -ENOENT);
        assert_int_equal(dates_remove(&ct, "birthday"), 0);
        assert_null(ct.birthday);
        contact_done(&ct);
}

/* A date that fell due with no notification server waits for one: delivered at once when one
 * appears, retried a day later otherwise; an answered one is never marked. */
static void test_unshown_waits_for_a_server(void **state)
{
        struct config c;
        struct contact ct = {0};
        int64_t now;

        set_tz("UTC");
        config_init(&c);
        now = local(2026, 6, 10, 12, 0);
        ct.created = now;
        assert_int_equal(dates_add(&ct, "anniversary", "2015-06-10", false, 0, now), 2);
        assert_false(dates_unshown(&ct, 2));
        assert_int_equal(dates_deliver(&ct, 2, now), 0);
        assert_int_equal(dates_mark_shown(&ct, 2), 2026);
        assert_int_equal(dates_mark_unshown(&ct, 2, now), 1);
        assert_true(dates_unshown(&ct, 2));
        assert_int_equal(dates_mark_unshown(&ct, 2, now), 0); /* once */
        /* Still this year's, a day later if no server comes. */
        assert_int_equal(dates_event_next(&c, &ct, 2, now), now + DATES_UNSHOWN_RETRY);
        /* A server appears an hour later: due then, and shown as this year's. */
        assert_int_equal(dates_deliver(&ct, 2, now + 3600), 1);
        assert_int_equal(dates_event_next(&c, &ct, 2, now + 3600), now + 3600);
        assert_int_equal(dates_mark_shown(&ct, 2), 2026);
        assert_false(dates_unshown(&ct, 2));
        assert_int_equal(dates_event_next(&c, &ct, 2, now + 3600) > now + 300 * DAY, true);
        /* An occurrence a server answered for (its notification id) is not marked. */
        ct.dates[0].st.notify_id = 42;
        assert_int_equal(dates_mark_unshown(&ct, 2, now), 0);
        /* Done on a waiting one ends the wait. */
        ct.dates[0].st.notify_id = 0;
        assert_int_equal(dates_mark_unshown(&ct, 2, now), 1);
        assert_int_equal(dates_done(&ct, 2, now), 0);
        assert_false(dates_unshown(&ct, 2));
        contact_done(&ct);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_and_format),
            cmocka_unit_test(test_local_midnight_matches_mktime),
            cmocka_unit_test(test_feb29_in_other_years),
            cmocka_unit_test(test_pending_occurrence),
            cmocka_unit_test(test_fire_time_dst),
            cmocka_unit_test(test_shown_done_snooze),
            cmocka_unit_test(test_unshown_waits_for_a_server),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
