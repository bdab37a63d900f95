/* common/jsonline.c: each record written straight as an escaped JSON line must be exactly
 * what the old path sent: json_dumps(record, JSON_COMPACT) escaped as the inside of a JSON
 * string. Checked over the whole import corpus (every card, error record and LinkedIn row the
 * parsers make, and the expected records), tricky strings and keys, every scalar type, deep
 * nesting and random UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "jsonline.h"
#include "strbuf.h"
#include "util.h"
#include "vcard.h"

/* The old path: jansson's dump, then the escaper. Also checks that the escaped text reads
 * back, as a JSON string, to jansson's dump. */
static void check_record(const json_t *rec)
{
        _cleanup_free_ char *dump = json_dumps(rec, JSON_COMPACT | JSON_ENCODE_ANY);
        _cleanup_(strbuf_donep) struct strbuf want = {0}, got = {0}, quoted = {0};
        json_t *back;
        json_error_t err;

        assert_non_null(dump);
        jsonline_escape(&want, dump, strlen(dump));
        assert_int_equal(jsonline_put(&got, rec), 0);
        assert_int_equal(want.error, 0);
        assert_int_equal(got.error, 0);
        if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
                fail_msg("jsonline_put differs for %s:\n got %s\nwant %s", dump, got.data,
                         want.data);
        strbuf_putc(&quoted, '"');
        strbuf_append(&quoted, got.data, got.len);
        strbuf_putc(&quoted, '"');
        back = json_loadb(quoted.data, quoted.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!back)
                fail_msg("not a JSON string: %s (%s)", quoted.data, err.text);
        assert_int_equal(json_string_length(back), strlen(dump));
        assert_memory_equal(json_string_value(back), dump, strlen(dump));
        json_decref(back);
}

static char *data_path(const char *name)
{
        char *dir = strdup(__FILE__), *p, *path = NULL;

        assert_non_null(dir);
        p = strrchr(dir, '/');
        assert_non_null(p);
        *p = 0;
        p = strrchr(dir, '/');
        assert_non_null(p);
        *p = 0;
        assert_true(asprintf(&path, "%s/data/import/%s", dir, name ? name : "") > 0);
        free(dir);
        return path;
}

static char *slurp(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "rb");
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = 0;
        fclose(f);
        *ret_len = (size_t)n;
        return buf;
}

static void check_error_record(size_t line, const char *reason)
{
        json_t *rec =
            json_pack("{s:s,s:I,s:s}", "type", "error", "line", (json_int_t)line, "reason", reason);

        assert_non_null(rec);
        check_record(rec);
        json_decref(rec);
}

static int on_card(const struct vcard *card, void *userdata)
{
        json_t *rec = NULL;
        const char *reason = NULL;
        int r = vcard_to_record(card, &rec, &reason);

        if (r == -EINVAL) {
                check_error_record(card->line, reason);
        } else {
                assert_int_equal(r, 0);
                check_record(rec);
                json_decref(rec);
        }
        (*(size_t *)userdata)++;
        return 0;
}

static int on_error(size_t line, const char *reason, void *userdata)
{
        check_error_record(line, reason);
        (*(size_t *)userdata)++;
        return 0;
}

static int on_row(json_t *rec, size_t end, void *userdata)
{
        (void)end;
        check_record(rec);
        (*(size_t *)userdata)++;
        return 0;
}

static void test_corpus(void **state)
{
        _cleanup_free_ char *dir = data_path(NULL);
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t records = 0, files = 0;

        (void)state;
        assert_non_null(d);
        while ((e = readdir(d))) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                const char *dot = strrchr(e->d_name, '.');
                size_t len;

                if (!dot || e->d_name[0] == '.')
                        continue;
                path = data_path(e->d_name);
                data = slurp(path, &len);
                if (streq(dot, ".vcf")) {
                        const struct vcard_callbacks cb = {.card = on_card, .error = on_error};

                        assert_int_equal(vcard_parse(data, len, &cb, &records), 0);
                } else if (streq(dot, ".csv")) {
                        const struct linkedin_callbacks cb = {.record = on_row, .error = on_error};
                        const char *reason = NULL;

                        assert_int_equal(linkedin_parse(data, len, &cb, &records, &reason), 0);
                } else if (streq(dot, ".json")) {
                        json_error_t err;
                        json_t *j = json_loadb(data, len, 0, &err), *v;
                        size_t i;

                        assert_non_null(j);
                        check_record(j);
                        json_array_foreach(j, i, v) check_record(v);
                        json_decref(j);
                } else {
                        continue;
                }
                files++;
        }
        closedir(d);
        assert_true(files >= 15);
        printf("%zu files, %zu records from the parsers\n", files, records);
        assert_true(records >= 15);
}

static void test_tricky_strings(void **state)
{
        static const char *const strings[] = {
            "",
            "plain",
            "\"quoted\"",
            "back\\slash\\",
            "\\\"",
            "\\n is not a line break",
            "line\nbreak\r\n\ttab\b\f",
            "\x01\x02\x1f\x7f",
            "/slash/",
            "caf\xc3\xa9 \xe2\x82\xac \xe6\x97\xa5\xe6\x9c\xac",
            "\xf0\x9f\x98\x80 emoji \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",
            "\xe2\x80\xa8\xe2\x80\xa9 separators",
            "\xef\xbb\xbf BOM",
            "</script>",
        };
        json_t *rec = json_object(), *list = json_array();

        (void)state;
        assert_non_null(rec);
        assert_non_null(list);
        for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
                json_t *s = json_string(strings[i]);
                char key[64];

                assert_non_null(s);
                check_record(s);
                snprintf(key, sizeof(key), "k%zu \"\\\x01", i);
                assert_int_equal(json_object_set(rec, key, s), 0);
                assert_int_equal(json_array_append_new(list, s), 0);
        }
        assert_int_equal(json_object_set_new(rec, "list", list), 0);
        check_record(rec);

        /* Every control character, and NUL inside a string. */
        for (int c = 0; c < 0x20; c++) {
                char text[3] = {'a', (char)c, 'b'};
                json_t *s = json_stringn(text, sizeof(text));

                assert_non_null(s);
                check_record(s);
                json_decref(s);
        }
        json_decref(rec);
}

static void test_types(void **state)
{
        json_t *rec;

        (void)state;
        rec = json_pack("{s:s,s:I,s:I,s:I,s:I,s:b,s:b,s:n,s:{},s:[],s:f,s:f,s:[i,f,{s:[]}]}",
                        "type", "contact", "zero", (json_int_t)0, "neg", (json_int_t)-1, "max",
                        (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN, "t", 1, "f", 0, "null",
                        "empty", "none", "real", 1.5, "tiny", 1e-300, "mixed", 7, -0.25, "x");
        assert_non_null(rec);
        check_record(rec);
        /* A replaced key keeps its place; a deleted one goes. */
        assert_int_equal(json_object_set_new(rec, "type", json_string("other")), 0);
        assert_int_equal(json_object_del(rec, "zero"), 0);
        assert_int_equal(json_object_set_new(rec, "zero", json_integer(5)), 0);
        check_record(rec);
        json_decref(rec);
}

static void test_deep(void **state)
{
        json_t *v = json_string("leaf \"deep\"");

        (void)state;
        for (int i = 0; i < 60; i++) {
                json_t *o = i % 2 ? json_object() : json_array();

                assert_non_null(o);
                if (i % 2)
                        assert_int_equal(json_object_set_new(o, "k\"", v), 0);
                else
                        assert_int_equal(json_array_append_new(o, v), 0);
                v = o;
                check_record(v);
        }
        json_decref(v);
}

/* Random valid UTF-8 with many escapes. */
static size_t put_codepoint(char *p, uint32_t c)
{
        if (c < 0x80) {
                p[0] = (char)c;
                return 1;
        }
        if (c < 0x800) {
                p[0] = (char)(0xc0 | (c >> 6));
                p[1] = (char)(0x80 | (c & 0x3f));
                return 2;
        }
        if (c < 0x10000) {
                p[0] = (char)(0xe0 | (c >> 12));
                p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
                p[2] = (char)(0x80 | (c & 0x3f));
                return 3;
        }
        p[0] = (char)(0xf0 | (c >> 18));
        p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        p[3] = (char)(0x80 | (c & 0x3f));
        return 4;
}

static void test_random(void **state)
{
        uint32_t seed = 12345;

        (void)state;
        for (int round = 0; round < 2000; round++) {
                json_t *rec = json_object();
                int fields = 1 + round % 7;

                assert_non_null(rec);
                for (int f = 0; f < fields; f++) {
                        char buf[200], key[16];
                        size_t n = 0;
                        int chars = (int)(seed % 40);

                        for (int i = 0; i < chars; i++) {
                                uint32_t c;

                                seed = seed * 1103515245u + 12345u;
                                switch ((seed >> 16) % 6) {
                                case 0:
                                        c = (seed >> 8) % 0x20;
                                        break;
                                case 1:
                                        c = (seed >> 8) % 2 ? '"' : '\\';
                                        break;
                                case 2:
                                        c = 0x80 + (seed >> 8) % 0x780;
                                        break;
                                case 3:
                                        c = 0x800 + (seed >> 8) % 0xd000;
                                        break;
                                case 4:
                                        c = 0x10000 + (seed >> 4) % 0x100000;
                                        break;
                                default:
                                        c = 0x20 + (seed >> 8) % 0x60;
                                        break;
                                }
                                n += put_codepoint(buf + n, c);
                        }
                        snprintf(key, sizeof(key), "f%d", f);
                        assert_int_equal(json_object_set_new(rec, key, json_stringn(buf, n)), 0);
                }
                check_record(rec);
                json_decref(rec);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_corpus), cmocka_unit_test(test_tricky_strings),
            cmocka_unit_test(test_types),  cmocka_unit_test(test_deep),
            cmocka_unit_test(test_random),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
