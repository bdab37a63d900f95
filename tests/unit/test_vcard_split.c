/* vcard_split appends plain runs in one go (the importer's hot path): it must give exactly
 * what a character-by-character reading of the vCard escapes gives, for every short input
 * over an alphabet of the characters that matter (backslash, separators, n/N, plain). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vcard.h"

#define MAX_LEN 7

/* The reference: one character at a time, into fields of len + 1 bytes each (a field ends at
 * an embedded NUL, as a strv's does). Returns the number of fields. */
static size_t reference_split(const char *value, size_t len, char sep, char **out)
{
        size_t n = 0, k = 0;

        out[0] = calloc(1, len + 1);
        assert_non_null(out[0]);
        for (size_t i = 0;; i++) {
                if (i == len || (sep && value[i] == sep)) {
                        out[n][k] = 0;
                        n++;
                        k = 0;
                        if (i == len)
                                break;
                        out[n] = calloc(1, len + 1);
                        assert_non_null(out[n]);
                        continue;
                }
                if (value[i] == '\\' && i + 1 < len) {
                        char c = value[++i];

                        out[n][k++] = c == 'n' || c == 'N' ? '\n' : c;
                        continue;
                }
                out[n][k++] = value[i];
        }
        return n;
}

static void check(const char *value, size_t len, char sep)
{
        char **want = calloc(len + 2, sizeof(char *)), **got = NULL;
        size_t n;

        assert_non_null(want);
        n = reference_split(value, len, sep, want);
        assert_int_equal(vcard_split(value, len, sep, &got), 0);
        assert_int_equal(strv_length(got), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(got[i], want[i]);
        strv_free(got);
        strv_free(want);
}

static void test_every_short_input(void **state)
{
        static const char alphabet[] = {'a', '\\', ';', ',', 'n', 'N', 'x'};
        const size_t na = sizeof(alphabet);
        char buf[MAX_LEN];
        size_t checked = 0;

        (void)state;
        for (size_t len = 0; len <= MAX_LEN; len++) {
                size_t total = 1;

                for (size_t i = 0; i < len; i++)
                        total *= na;
                for (size_t code = 0; code < total; code++) {
                        size_t c = code;

                        for (size_t i = 0; i < len; i++) {
                                buf[i] = alphabet[c % na];
                                c /= na;
                        }
                        check(buf, len, ';');
                        check(buf, len, ',');
                        check(buf, len, 0);
                        checked++;
                }
        }
        assert_true(checked > 900000);
}

static void test_long_runs(void **state)
{
        char *s = malloc(70001);

        (void)state;
        assert_non_null(s);
        for (size_t i = 0; i < 70000; i++)
                s[i] = i % 9999 == 9998 ? ';' : i % 777 == 0 ? '\\' : (char)('a' + i % 26);
        s[70000] = 0;
        check(s, 70000, ';');
        check(s, 70000, 0);
        /* A value that is not NUL-terminated where len ends. */
        check(s, 12345, ';');
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_every_short_input),
            cmocka_unit_test(test_long_runs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
