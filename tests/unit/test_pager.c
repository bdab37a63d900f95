#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager.h"

#define MARKER "sed 's/^/P: /'"

/* Everything written to f (a tmpfile) so far. */
static char *contents(FILE *f)
{
        long n;
        char *s;

        fflush(f);
        n = ftell(f);
        assert_true(n >= 0);
        s = calloc((size_t)n + 1, 1);
        assert_non_null(s);
        rewind(f);
        assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
        return s;
}

static void test_screen_lines(void **state)
{
        assert_int_equal(pager_screen_lines("", 0, 80), 0);
        assert_int_equal(pager_screen_lines("a\n", 2, 80), 1);
        assert_int_equal(pager_screen_lines("a\nb", 3, 80), 2);
        assert_int_equal(pager_screen_lines("a\n\nb\n", 5, 80), 3);
        /* A line wider than the screen takes several. */
        assert_int_equal(pager_screen_lines("0123456789\n", 11, 4), 3);
        assert_int_equal(pager_screen_lines("0123456789\n", 11, 0), 1);
        assert_int_equal(pager_screen_lines("01234567\n", 9, 4), 2);
        /* Width, not bytes: ü is one column. */
        assert_int_equal(pager_screen_lines("üüüü\n", strlen("üüüü\n"), 4), 1);
}

/* Run: hold text, then finish with use; returns what reached the real output. */
static char *through(const char *text, size_t rows, const char *command, bool use)
{
        struct pager p;
        FILE *real = tmpfile();
        char *out;

        assert_non_null(real);
        assert_int_equal(pager_start(&p, real, rows, 80, command), 0);
        fputs(text, p.held);
        assert_int_equal(pager_finish(&p, use), 0);
        out = contents(real);
        fclose(real);
        return out;
}

static void test_long_output_is_paged(void **state)
{
        char *out = through("a\nb\nc\n", 3, MARKER, true);

        assert_string_equal(out, "P: a\nP: b\nP: c\n");
        free(out);
}

static void test_short_or_unwanted_is_not(void **state)
{
        char *out = through("a\nb\n", 3, MARKER, true);

        assert_string_equal(out, "a\nb\n");
        free(out);
        out = through("a\nb\nc\nd\n", 3, MARKER, false);
        assert_string_equal(out, "a\nb\nc\nd\n");
        free(out);
        out = through("a\nb\nc\nd\n", 3, "", true);
        assert_string_equal(out, "a\nb\nc\nd\n");
        free(out);
}

static void test_missing_pager_falls_back(void **state)
{
        char *out = through("a\nb\nc\nd\n", 3, "no-such-pager-anywhere-xyz", true);

        assert_string_equal(out, "a\nb\nc\nd\n");
        free(out);
}

static void test_release_streams(void **state)
{
        struct pager p;
        FILE *real = tmpfile();
        char *out;

        assert_non_null(real);
        assert_int_equal(pager_start(&p, real, 2, 80, MARKER), 0);
        fputs("held\n", p.held);
        pager_release(&p);
        assert_null(p.held);
        fputs("after\n", real);
        assert_int_equal(pager_finish(&p, true), 0); /* nothing held any more */
        out = contents(real);
        assert_string_equal(out, "held\nafter\n");
        free(out);
        fclose(real);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_screen_lines),
            cmocka_unit_test(test_long_output_is_paged),
            cmocka_unit_test(test_short_or_unwanted_is_not),
            cmocka_unit_test(test_missing_pager_falls_back),
            cmocka_unit_test(test_release_streams),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
