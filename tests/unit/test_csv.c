/* CSV (RFC 4180) reading and LinkedIn Connections.csv mapping, against the corpus file in
 * tests/data/import and the edge cases real exports have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"

struct rows {
        json_t *rows;   /* arrays of strings */
        json_t *lines;  /* row start lines */
        json_t *errors; /* error lines */
};

static int on_row(char **fields, size_t n, size_t line, size_t end, void *userdata)
{
        struct rows *r = userdata;
        json_t *a = json_array();

        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_string(fields[i]));
        json_array_append_new(r->rows, a);
        json_array_append_new(r->lines, json_integer((json_int_t)line));
        return 0;
}

static int on_error(size_t line, const char *reason, void *userdata)
{
        struct rows *r = userdata;

        return json_array_append_new(r->errors, json_integer((json_int_t)line));
}

static struct rows parse(const char *s)
{
        struct rows r = {json_array(), json_array(), json_array()};
        const struct csv_callbacks cb = {.row = on_row, .error = on_error};

        assert_int_equal(csv_parse(s, strlen(s), &cb, &r), 0);
        return r;
}

static void rows_done(struct rows *r)
{
        json_decref(r->rows);
        json_decref(r->lines);
        json_decref(r->errors);
}

static void assert_json(json_t *v, const char *expected)
{
        json_error_t err;
        json_t *e = json_loads(expected, 0, &err);

        assert_non_null(e);
        if (!json_equal(v, e)) {
                char *g = json_dumps(v, 0);

                print_error("got %s, expected %s\n", g, expected);
                free(g);
                fail();
        }
        json_decref(e);
}

static void test_rfc4180(void **state)
{
        struct rows r = parse("a,b,c\r\n\"x,1\",\"he said \"\"hi\"\"\",\"two\r\nlines\"\r\n"
                              "last,,\n");

        assert_json(r.rows, "[[\"a\",\"b\",\"c\"],[\"x,1\",\"he said \\\"hi\\\"\",\"two\\nlines\"],"
                            "[\"last\",\"\",\"\"]]");
        assert_json(r.lines, "[1,2,4]");
        assert_json(r.errors, "[]");
        rows_done(&r);
}

static void test_lenient(void **state)
{
        /* BOM, no final newline, a quote inside an unquoted field, text after a closing quote,
         * blank lines, a lone CR. */
        struct rows r = parse("\xef\xbb\xbf"
                              "a,b\n\nab\"c,\"q\"x\rend");

        assert_json(r.rows, "[[\"a\",\"b\"],[\"ab\\\"c\",\"qx\"],[\"end\"]]");
        rows_done(&r);
}

static void test_unterminated(void **state)
{
        struct rows r = parse("a,b\n\"open,field\nmore\n");

        assert_json(r.rows, "[[\"a\",\"b\"]]");
        assert_json(r.errors, "[2]");
        rows_done(&r);
}

static void test_too_wide(void **state)
{
        char *s = NULL;
        struct rows r;

        s = malloc(CSV_FIELDS_MAX * 2 + 16);
        assert_non_null(s);
        s[0] = 0;
        for (int i = 0; i <= CSV_FIELDS_MAX; i++)
                strcat(s, "x,");
        strcat(s, "\nok\n");
        r = parse(s);
        assert_json(r.errors, "[1]");
        assert_json(r.rows, "[[\"ok\"]]");
        rows_done(&r);
        free(s);
}

static void test_dates(void **state)
{
        char d[11];

        assert_int_equal(linkedin_date_parse("12 Mar 2024", d), 0);
        assert_string_equal(d, "2024-03-12");
        assert_int_equal(linkedin_date_parse("1 sep 2019", d), 0);
        assert_string_equal(d, "2019-09-01");
        assert_int_equal(linkedin_date_parse("2024-03-12", d), 0);
        assert_string_equal(d, "2024-03-12");
        assert_int_equal(linkedin_date_parse("03/12/2024", d), 0);
        assert_string_equal(d, "2024-03-12");
        assert_int_equal(linkedin_date_parse("12 Foo 2024", d), -EINVAL);
        assert_int_equal(linkedin_date_parse("yesterday", d), -EINVAL);
        assert_int_equal(linkedin_date_parse("", d), -EINVAL);
}

struct li {
        json_t *records;
        json_t *errors;
};

static int li_record(json_t *rec, size_t end, void *userdata)
{
        struct li *l = userdata;

        return json_array_append(l->records, rec);
}

static int li_error(size_t line, const char *reason, void *userdata)
{
        struct li *l = userdata;

        return json_array_append_new(l->errors, json_integer((json_int_t)line));
}

static char *corpus(const char *name, size_t *ret_len)
{
        char *dir = strdup(__FILE__), *path = NULL, *buf;
        FILE *f;
        long n;

        *strrchr(dir, '/') = 0;
        *strrchr(dir, '/') = 0;
        assert_true(asprintf(&path, "%s/data/import/%s", dir, name) > 0);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = malloc((size_t)n + 1);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = 0;
        fclose(f);
        free(path);
        free(dir);
        *ret_len = (size_t)n;
        return buf;
}

static void test_linkedin_corpus(void **state)
{
        struct li l = {json_array(), json_array()};
        const struct linkedin_callbacks cb = {.record = li_record, .error = li_error};
        const char *reason = NULL;
        size_t len, i;
        char *data = corpus("linkedin-connections.csv", &len), *exp_text;
        json_t *expected, *e;
        json_error_t err;

        assert_true(linkedin_detect(data, len));
        assert_int_equal(linkedin_parse(data, len, &cb, &l, &reason), 0);
        exp_text = corpus("linkedin-connections.expected.json", &len);
        expected = json_loads(exp_text, 0, &err);
        assert_non_null(expected);
        assert_int_equal(json_array_size(l.records),
                         json_array_size(json_object_get(expected, "records")));
        json_array_foreach(json_object_get(expected, "records"), i, e)
        {
                const char *key;
                json_t *v;

                json_object_foreach(e, key, v)
                {
                        if (!json_equal(json_object_get(json_array_get(l.records, i), key), v)) {
                                print_error("record %zu: %s differs\n", i, key);
                                fail();
                        }
                }
        }
        assert_true(json_equal(l.errors, json_object_get(expected, "errors")));
        json_decref(expected);
        json_decref(l.records);
        json_decref(l.errors);
        free(exp_text);
        free(data);
}

static void test_linkedin_columns_any_order(void **state)
{
        const char *s = "Company,Last Name,First Name,Connected On\nAcme,Doe,Jane,5 Jan 2023\n";
        struct li l = {json_array(), json_array()};
        const struct linkedin_callbacks cb = {.record = li_record, .error = li_error};
        const char *reason = NULL;
        json_t *rec;

        assert_int_equal(linkedin_parse(s, strlen(s), &cb, &l, &reason), 0);
        rec = json_array_get(l.records, 0);
        assert_string_equal(json_string_value(json_object_get(rec, "name")), "Jane Doe");
        assert_string_equal(json_string_value(json_object_get(rec, "org")), "Acme");
        assert_int_equal(json_integer_value(json_object_get(rec, "line")), 2);
        json_decref(l.records);
        json_decref(l.errors);
}

static void test_linkedin_no_header(void **state)
{
        const char *s = "Name,Email\nJane,jane@example.com\n";
        struct li l = {json_array(), json_array()};
        const struct linkedin_callbacks cb = {.record = li_record, .error = li_error};
        const char *reason = NULL;

        assert_false(linkedin_detect(s, strlen(s)));
        assert_int_equal(linkedin_parse(s, strlen(s), &cb, &l, &reason), -EINVAL);
        assert_non_null(reason);
        assert_int_equal(json_array_size(l.records), 0);
        json_decref(l.records);
        json_decref(l.errors);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rfc4180),
            cmocka_unit_test(test_lenient),
            cmocka_unit_test(test_unterminated),
            cmocka_unit_test(test_too_wide),
            cmocka_unit_test(test_dates),
            cmocka_unit_test(test_linkedin_corpus),
            cmocka_unit_test(test_linkedin_columns_any_order),
            cmocka_unit_test(test_linkedin_no_header),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
