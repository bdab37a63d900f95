/* Unit tests for common/util: string vectors, case folding, UTF-8 checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util.h"

static void test_strv_push_remove_contains(void **state)
{
        _cleanup_strv_ char **v = NULL;

        assert_int_equal(strv_length(v), 0);
        assert_int_equal(strv_push(&v, "a"), 0);
        assert_int_equal(strv_push(&v, "B"), 0);
        assert_int_equal(strv_push(&v, "a"), 0);
        assert_int_equal(strv_length(v), 3);
        assert_true(strv_contains(v, "b", true));
        assert_false(strv_contains(v, "b", false));
        assert_int_equal(strv_remove(v, "A", true), 2);
        assert_int_equal(strv_length(v), 1);
        assert_string_equal(v[0], "B");
        assert_null(v[1]);
        assert_int_equal(strv_remove(v, "zzz", true), 0);
}

static void test_strv_copy(void **state)
{
        _cleanup_strv_ char **v = NULL, **c = NULL, **n = (char **)1;

        assert_int_equal(strv_copy(NULL, &n), 0);
        assert_null(n);
        assert_int_equal(strv_push(&v, "x"), 0);
        assert_int_equal(strv_push(&v, "y"), 0);
        assert_int_equal(strv_copy(v, &c), 0);
        assert_int_equal(strv_length(c), 2);
        assert_string_equal(c[1], "y");
        assert_ptr_not_equal(c[0], v[0]);
}

static void test_free_and_strdup(void **state)
{
        _cleanup_free_ char *s = NULL;

        assert_int_equal(free_and_strdup(&s, "one"), 0);
        assert_string_equal(s, "one");
        assert_int_equal(free_and_strdup(&s, NULL), 0);
        assert_null(s);
}

static void test_utf8_clean(void **state)
{
        assert_true(utf8_is_clean_text("héllo\twörld", strlen("héllo\twörld"), false));
        assert_false(utf8_is_clean_text("a\nb", 3, false));
        assert_true(utf8_is_clean_text("a\nb", 3, true));
        assert_false(utf8_is_clean_text("a\rb", 3, true));
        assert_false(utf8_is_clean_text("a\x7f", 2, true));
        assert_false(utf8_is_clean_text("a\0b", 3, true));
        assert_false(utf8_is_clean_text("\xc0\xaf", 2, false));         /* overlong */
        assert_false(utf8_is_clean_text("\xed\xa0\x80", 3, false));     /* surrogate */
        assert_false(utf8_is_clean_text("\xf4\x90\x80\x80", 4, false)); /* > U+10FFFF */
        assert_false(utf8_is_clean_text("\xe2\x82", 2, false));         /* truncated */
        assert_true(utf8_is_clean_text("😀", strlen("😀"), false));
}

/* The word-at-a-time scan: every byte value at every offset of a 24-byte run (three words,
 * and the unaligned tail), alone and next to a byte that is caught itself. */
static void test_utf8_clean_every_byte(void **state)
{
        for (int allow = 0; allow < 2; allow++)
                for (unsigned b = 0; b < 256; b++)
                        for (size_t pos = 0; pos < 24; pos++) {
                                char buf[27];
                                bool want =
                                    (b >= 0x20 && b < 0x7f) || b == '\t' || (allow && b == '\n');

                                memset(buf, 'a', sizeof(buf));
                                buf[pos] = (char)b;
                                assert_int_equal(utf8_is_clean_text(buf, sizeof(buf), allow), want);
                                /* a NUL below it must not hide it, nor it hide the NUL */
                                buf[pos ? pos - 1 : pos + 1] = 0;
                                assert_false(utf8_is_clean_text(buf, sizeof(buf), allow));
                        }
}

/* json_plain_run stops at the first '"', backslash or control character, wherever it is. */
static void test_json_plain_run(void **state)
{
        for (unsigned b = 0; b < 256; b++)
                for (size_t pos = 0; pos < 24; pos++) {
                        char buf[27];
                        bool stop = b == '"' || b == '\\' || b < 0x20;

                        memset(buf, 'a', sizeof(buf));
                        buf[pos] = (char)b;
                        assert_int_equal(json_plain_run(buf, sizeof(buf)),
                                         stop ? pos : sizeof(buf));
                        assert_int_equal(json_plain_run(buf, pos), pos); /* n bounds it */
                        buf[sizeof(buf) - 1] = '"'; /* a later stop never hides this one */
                        assert_int_equal(json_plain_run(buf, sizeof(buf)),
                                         stop ? pos : sizeof(buf) - 1);
                }
        assert_int_equal(json_plain_run("", 0), 0);
        assert_int_equal(json_plain_run("Zoë \xe2\x82\xac", 8), 8);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_strv_push_remove_contains), cmocka_unit_test(test_strv_copy),
            cmocka_unit_test(test_free_and_strdup),           cmocka_unit_test(test_utf8_clean),
            cmocka_unit_test(test_utf8_clean_every_byte),     cmocka_unit_test(test_json_plain_run),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
