/* common/jsonfast.c: what it accepts equals jansson's reading; what it declines, it declines
 * whole (NULL), so the caller's jansson gives the verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfast.h"
#include "strbuf.h"
#include "util.h"

static void accepts(const char *text)
{
        json_t *fast = json_fast_loadb(text, strlen(text)), *slow;
        json_error_t err;

        if (!fast)
                fail_msg("declined: %s", text);
        slow = json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, &err);
        assert_non_null(slow);
        if (!json_equal(fast, slow))
                fail_msg("differs from jansson: %s", text);
        json_decref(fast);
        json_decref(slow);
}

static void declines(const char *text, size_t len)
{
        json_t *fast = json_fast_loadb(text, len);

        if (fast) {
                json_decref(fast);
                fail_msg("accepted: %.*s", (int)len, text);
        }
}

#define DECLINES(s) declines(s, sizeof(s) - 1)

static void test_accepts_the_plain_subset(void **state)
{
        (void)state;
        accepts("{}");
        accepts("[]");
        accepts("{\"method\":\"io.tend.Contacts.List\",\"parameters\":{\"limit\":20}}");
        accepts("[1,-2,0,-0,123456789012345678,true,false,null,\"\"]");
        accepts("{\"a\":{\"b\":[[],{}],\"c\":\"d\"},\"e\":[\"f\",{\"g\":null}]}");
        accepts(" {\n \"x\" :\t[ 1 , 2 ] }\n");
        accepts("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
        accepts("[\"\\u00e9\\u20AC\\u0041 Zoë 😀 Ελένη Юлия\"]");
        accepts("{\"\":1}");
}

static void test_declines_what_jansson_must_judge(void **state)
{
        (void)state;
        DECLINES("");
        DECLINES("\"top-level string\"");
        DECLINES("1");
        DECLINES("null");
        DECLINES("[1.5]");
        DECLINES("[1e3]");
        DECLINES("[01]");
        DECLINES("[1234567890123456789]");           /* near the limits: jansson's range checks */
        DECLINES("[-3333333333333333333333333333]"); /* declined without overflowing */
        DECLINES("{\"a\":99999999999999999999999}");
        DECLINES("{\"a\":1,\"a\":2}"); /* duplicate key: jansson's error */
        DECLINES("[\"\\u0000\"]");     /* NUL needs JSON_ALLOW_NUL */
        DECLINES("{\"a\\u0000b\":1}");
        DECLINES("[\"\\ud83d\\ude00\"]"); /* surrogate pairs */
        DECLINES("[\"\\x\"]");
        DECLINES("[\"\\u12g4\"]");
        DECLINES("[\"a\tb\"]"); /* raw control character in a string */
        DECLINES("[\"a\nb\"]");
        DECLINES("[\"\x7f\"]");         /* valid JSON, but not clean text */
        DECLINES("[\"\xc3\"]");         /* invalid UTF-8 */
        DECLINES("[\"\xed\xa0\x80\"]"); /* an encoded surrogate */
        DECLINES("{} x");
        DECLINES("{}{}");
        DECLINES("[1,]");
        DECLINES("[,1]");
        DECLINES("{\"a\"}");
        DECLINES("{\"a\":}");
        DECLINES("{a:1}");
        DECLINES("[tru]");
        DECLINES("[truex]");
        DECLINES("[\"unterminated]");
        DECLINES("{\r\n}"); /* CR: jansson's */
        declines("[\"a\0b\"]", 7);
        declines("{}\0", 3);
}

static void test_depth_and_size_limits(void **state)
{
        _cleanup_(strbuf_donep) struct strbuf b = {0};

        (void)state;
        for (int i = 0; i < 32; i++)
                strbuf_putc(&b, '[');
        for (int i = 0; i < 32; i++)
                strbuf_putc(&b, ']');
        accepts(b.data);
        strbuf_reset(&b);
        for (int i = 0; i < 33; i++)
                strbuf_putc(&b, '[');
        for (int i = 0; i < 33; i++)
                strbuf_putc(&b, ']');
        declines(b.data, b.len);

        /* 64 members are read, the 65th object member is jansson's. */
        strbuf_reset(&b);
        strbuf_putc(&b, '{');
        for (int i = 0; i < 64; i++)
                strbuf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
        strbuf_putc(&b, '}');
        accepts(b.data);
        b.data[b.len - 1] = ',';
        strbuf_puts(&b, "\"k64\":64}");
        declines(b.data, b.len);
}

/* The shape of an io.tend.Transfer.Upload call: escaped JSON lines in one long string. */
static void test_long_escaped_string(void **state)
{
        _cleanup_(strbuf_donep) struct strbuf b = {0};
        json_t *v;
        const char *lines;

        (void)state;
        strbuf_puts(&b, "{\"method\":\"io.tend.Transfer.Upload\",\"parameters\":{\"lines\":\"");
        for (int i = 0; i < 20000; i++)
                strbuf_printf(&b,
                              "{\\\"type\\\":\\\"contact\\\",\\\"name\\\":\\\"Zoë "
                              "\\\\\\\"%d\\\\\\\"\\\"}\\n",
                              i);
        strbuf_puts(&b, "\"}}");
        assert_int_equal(b.error, 0);
        accepts(b.data);
        v = json_fast_loadb(b.data, b.len);
        assert_non_null(v);
        lines = json_string_value(json_object_get(json_object_get(v, "parameters"), "lines"));
        assert_non_null(lines);
        assert_memory_equal(lines, "{\"type\":\"contact\",\"name\":\"Zoë \\\"0\\\"\"}\n", 39);
        json_decref(v);
}

/* The lexer on its own, as transfer.c's fast contact reader uses it. */
static void test_lexer_pieces(void **state)
{
        static const char text[] = "{ \"k\\u00e9y\" : [\"a\", 1] }";
        _cleanup_(json_lexer_done) struct json_lexer x = {.p = text,
                                                          .end = text + sizeof(text) - 1};
        json_t *v;

        (void)state;
        assert_true(json_lex_char(&x, '{'));
        assert_false(json_lex_char(&x, '}'));
        assert_true(json_lex_string(&x));
        assert_string_equal(x.tmp.data, "kéy");
        assert_true(json_lex_char(&x, ':'));
        v = json_lex_value(&x);
        assert_non_null(v);
        assert_int_equal(json_array_size(v), 2);
        json_decref(v);
        assert_true(json_lex_char(&x, '}'));
        assert_true(x.p == x.end);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_accepts_the_plain_subset),
            cmocka_unit_test(test_declines_what_jansson_must_judge),
            cmocka_unit_test(test_depth_and_size_limits),
            cmocka_unit_test(test_long_escaped_string),
            cmocka_unit_test(test_lexer_pieces),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
