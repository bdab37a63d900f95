/* iCalendar follow-up export: required properties, UTC times, escaping and folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "ical.h"
#include "util.h"

static void test_todo(void **state)
{
        struct strbuf b = {0};
        const struct ical_todo t = {
            .uid = "0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b@tend",
            .dtstamp = 1735732800, /* 2025-01-01T12:00:00Z */
            .due = 1736931600,     /* 2025-01-15T09:00:00Z */
            .summary = "Follow up with Ada; the Countess, of Lovelace",
            .description = "Line one\nLine two with a backslash \\ and ünïcödé, long enough to be "
                           "folded at seventy-five octets — twice over, at least.",
            .categories = "strategic,personal",
        };
        const char *p;

        ical_begin(&b);
        assert_int_equal(ical_add_todo(&b, &t), 0);
        assert_int_equal(ical_end(&b), 0);
        assert_non_null(strstr(b.data, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        assert_non_null(strstr(b.data, "\r\nUID:0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b@tend\r\n"));
        assert_non_null(strstr(b.data, "\r\nDTSTAMP:20250101T120000Z\r\n"));
        assert_non_null(strstr(b.data, "\r\nDUE:20250115T090000Z\r\n"));
        assert_non_null(
            strstr(b.data, "SUMMARY:Follow up with Ada\\; the Countess\\, of Lovelace"));
        assert_non_null(
            strstr(b.data, "DESCRIPTION:Line one\\nLine two with a backslash \\\\ and"));
        assert_non_null(strstr(b.data, "\r\nCATEGORIES:strategic,personal\r\n"));
        assert_non_null(strstr(b.data, "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Follow up"));
        assert_non_null(strstr(b.data, "TRIGGER;RELATED=END:PT0S\r\nEND:VALARM\r\nEND:VTODO\r\n"));
        assert_null(strstr(b.data, "DTSTART")); /* DUE alone: no DURATION, no DTSTART */
        assert_true(b.len > 9 && strcmp(b.data + b.len - 15, "END:VCALENDAR\r\n") == 0);
        /* Folded: no physical line over 75 octets, and every line valid UTF-8. */
        for (p = b.data; *p;) {
                const char *e = strstr(p, "\r\n");

                assert_non_null(e);
                assert_true(e - p <= 75);
                assert_true(utf8_is_clean_text(p, (size_t)(e - p), false));
                p = e + 2;
        }
        strbuf_done(&b);
}

static void test_required(void **state)
{
        struct strbuf b = {0};

        assert_int_equal(ical_add_todo(&b, &(struct ical_todo){.summary = "x", .due = 1}), -EINVAL);
        assert_int_equal(ical_add_todo(&b, &(struct ical_todo){.uid = "u", .due = 1}), -EINVAL);
        assert_int_equal(ical_add_todo(&b, &(struct ical_todo){.uid = "u", .summary = "x"}),
                         -EINVAL);
        assert_int_equal(b.len, 0);
        strbuf_done(&b);
}

static void test_time(void **state)
{
        char buf[17];

        assert_string_equal(ical_format_time(0, buf), "19700101T000000Z");
        assert_string_equal(ical_format_time(4102444799, buf), "20991231T235959Z");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_todo),
            cmocka_unit_test(test_required),
            cmocka_unit_test(test_time),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
