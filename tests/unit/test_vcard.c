/* vCard reading (the corpus in tests/data/import, one file per real-world quirk, each with
 * its expected contacts) and writing (folding, escaping, a round trip that keeps every
 * field). */
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

#include "strbuf.h"
#include "util.h"
#include "vcard.h"
#include "model.h"
#include "vcard-internal.h"

/* tests/data/import, found from this file's path. */
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

struct collected {
        json_t *records;
        json_t *errors; /* line numbers */
};

static int collect_card(const struct vcard *card, void *userdata)
{
        struct collected *c = userdata;
        json_t *rec = NULL;
        const char *reason = NULL;
        int r = vcard_to_record(card, &rec, &reason);

        if (r == -EINVAL)
                return json_array_append_new(c->errors, json_integer((json_int_t)card->line));
        assert_int_equal(r, 0);
        return json_array_append_new(c->records, rec);
}

static int collect_error(size_t line, const char *reason, void *userdata)
{
        struct collected *c = userdata;

        assert_non_null(reason);
        return json_array_append_new(c->errors, json_integer((json_int_t)line));
}

static struct collected parse_text(const char *data, size_t len)
{
        struct collected c = {json_array(), json_array()};
        const struct vcard_callbacks cb = {.card = collect_card, .error = collect_error};

        assert_int_equal(vcard_parse(data, len, &cb, &c), 0);
        return c;
}

/* Every key of expected must be in actual with an equal value. */
static void assert_subset(json_t *expected, json_t *actual, const char *file, size_t index)
{
        const char *key;
        json_t *v;

        json_object_foreach(expected, key, v)
        {
                json_t *a = json_object_get(actual, key);

                if (!a || !json_equal(a, v)) {
                        char *e = json_dumps(v, JSON_ENCODE_ANY),
                             *g = a ? json_dumps(a, JSON_ENCODE_ANY) : NULL;

                        print_error("%s record %zu, %s: expected %s, got %s\n", file, index, key, e,
                                    g ? g : "nothing");
                        free(e);
                        free(g);
                        fail();
                }
        }
}

static void check_corpus_file(const char *name)
{
        char *path = data_path(name), *exp_path, *dot;
        char *data;
        size_t len;
        json_t *expected;
        struct collected c;
        json_error_t err;

        data = slurp(path, &len);
        exp_path = strdup(path);
        dot = strrchr(exp_path, '.');
        *dot = 0;
        assert_true(asprintf(&dot, "%s.expected.json", exp_path) > 0);
        free(exp_path);
        expected = json_load_file(dot, 0, &err);
        assert_non_null(expected);
        c = parse_text(data, len);
        assert_int_equal(json_array_size(c.records),
                         json_array_size(json_object_get(expected, "records")));
        for (size_t i = 0; i < json_array_size(c.records); i++) {
                json_t *rec = json_array_get(c.records, i);

                assert_string_equal(json_string_value(json_object_get(rec, "type")), "contact");
                assert_true(json_integer_value(json_object_get(rec, "line")) > 0);
                assert_subset(json_array_get(json_object_get(expected, "records"), i), rec, name,
                              i);
        }
        if (!json_equal(c.errors, json_object_get(expected, "errors"))) {
                char *g = json_dumps(c.errors, 0);

                print_error("%s: error lines %s\n", name, g);
                free(g);
                fail();
        }
        json_decref(c.records);
        json_decref(c.errors);
        json_decref(expected);
        free(dot);
        free(data);
        free(path);
}

static void test_corpus(void **state)
{
        char *dir = data_path(NULL);
        DIR *d = opendir(dir);
        struct dirent *e;
        int n = 0;

        assert_non_null(d);
        while ((e = readdir(d))) {
                size_t l = strlen(e->d_name);

                if (l > 4 && strcmp(e->d_name + l - 4, ".vcf") == 0) {
                        check_corpus_file(e->d_name);
                        n++;
                }
        }
        closedir(d);
        free(dir);
        assert_true(n >= 7);
}

static void test_photo_skipped_with_warning(void **state)
{
        char *path = data_path("apple30-bday-noyear-photo.vcf"), *data;
        size_t len;
        struct collected c;
        json_t *w;

        data = slurp(path, &len);
        c = parse_text(data, len);
        w = json_object_get(json_array_get(c.records, 0), "warnings");
        assert_int_equal(json_array_size(w), 1);
        assert_non_null(strstr(json_string_value(json_array_get(w, 0)), "PHOTO"));
        /* Nothing of the photo is kept. */
        assert_true(json_dumpb(json_array_get(c.records, 0), NULL, 0, 0) < 2000);
        json_decref(c.records);
        json_decref(c.errors);
        free(data);
        free(path);
}

static void test_birthday(void **state)
{
        char b[11];

        assert_int_equal(vcard_birthday_normalize("19850412", false, b), 0);
        assert_string_equal(b, "1985-04-12");
        assert_int_equal(vcard_birthday_normalize("1985-04-12T00:00:00Z", false, b), 0);
        assert_string_equal(b, "1985-04-12");
        assert_int_equal(vcard_birthday_normalize("--0412", false, b), 0);
        assert_string_equal(b, "--04-12");
        assert_int_equal(vcard_birthday_normalize("--04-12", false, b), 0);
        assert_string_equal(b, "--04-12");
        assert_int_equal(vcard_birthday_normalize("1604-04-12", false, b), 0);
        assert_string_equal(b, "--04-12");
        assert_int_equal(vcard_birthday_normalize("1990-04-12", true, b), 0);
        assert_string_equal(b, "--04-12");
        assert_int_equal(vcard_birthday_normalize("1985-02-30", false, b), -EINVAL);
        assert_int_equal(vcard_birthday_normalize("1985-13-01", false, b), -EINVAL);
        assert_int_equal(vcard_birthday_normalize("April 12", false, b), -EINVAL);
        assert_int_equal(vcard_birthday_normalize("", false, b), -EINVAL);
}

static void test_uid(void **state)
{
        char a[37], b[37];

        assert_int_equal(vcard_uid_to_uuid("urn:uuid:0F5A2C3E-1111-4222-8333-944455556666", a), 0);
        assert_string_equal(a, "0f5a2c3e-1111-4222-8333-944455556666");
        assert_int_equal(vcard_uid_to_uuid("ABCD-1234:ABPerson", a), 0);
        assert_int_equal(vcard_uid_to_uuid("ABCD-1234:ABPerson", b), 0);
        assert_string_equal(a, b); /* stable: a re-import matches */
        assert_int_equal(a[14], '8');
        assert_int_equal(vcard_uid_to_uuid("ABCD-1235:ABPerson", b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(vcard_uid_to_uuid("", a), -EINVAL);
}

static void test_split(void **state)
{
        char **v = NULL;
        const char *s = "Doe\\;Jr;Jane\\, Q\\nX;;\\\\";

        assert_int_equal(vcard_split(s, strlen(s), ';', &v), 0);
        assert_int_equal(strv_length(v), 4);
        assert_string_equal(v[0], "Doe;Jr");
        assert_string_equal(v[1], "Jane, Q\nX");
        assert_string_equal(v[2], "");
        assert_string_equal(v[3], "\\");
        strv_free(v);
}

/* Every physical line of a written card is at most 75 octets and valid UTF-8. */
static void assert_folded(const char *text)
{
        const char *p = text;

        while (*p) {
                const char *e = strstr(p, "\r\n");

                assert_non_null(e);
                assert_true(e - p <= 75);
                assert_true(utf8_is_clean_text(p, (size_t)(e - p), false));
                p = e + 2;
        }
}

static void test_write_round_trip(void **state)
{
        json_error_t err;
        json_t *rec = json_loads(
            "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
            "\"name\":\"Ada Lovelace, Countess; of \\\\ "
            "Lovelace\",\"emails\":[\"ada@example.com\",\"a2@example.com\"],"
            "\"phones\":[\"+44 20 7946 0000\"],\"urls\":[\"https://example.com/ada\"],"
            "\"tags\":[\"math\",\"pioneer\"],\"org\":\"Analytical Engines; Ltd\","
            "\"title\":\"Countess\",\"notes\":\"line one\\nline two — ünïcödé ünïcödé ünïcödé "
            "ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé, with commas; and semicolons\","
            "\"how_met\":\"At Babbage's\",\"met_via\":\"1b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
            "\"networks\":[\"personal\",\"strategic\"],\"scope\":\"external\","
            "\"cadence_seconds\":1209600,\"next_due\":\"2030-01-02T03:04:05Z\","
            "\"last_interaction\":\"2029-12-01T00:00:00Z\",\"last_kind\":\"coffee\","
            "\"created\":\"2029-01-01T00:00:00Z\",\"updated\":\"2029-12-01T00:00:00Z\","
            "\"birthday\":\"--12-10\",\"name_parts\":\"Lovelace;Ada;;;\","
            "\"brings\":\"Math\",\"stage\":\"met\",\"stage_changed\":\"2029-06-01T00:00:00Z\","
            "\"vcard\":[\"item1.EMAIL;TYPE=WORK:a2@example.com\",\"item1.X-ABLABEL:Work\","
            "\"X-UNKNOWN;X-P=\\\"a:b\\\":value\\\\, kept\"]}",
            0, &err);
        struct strbuf out = {0};
        struct collected c;
        json_t *back;
        const char *key;
        json_t *v;

        assert_non_null(rec);
        assert_int_equal(vcard_write_record(&out, rec), 0);
        assert_folded(out.data);
        assert_non_null(strstr(out.data, "BEGIN:VCARD\r\nVERSION:4.0\r\n"));
        assert_non_null(strstr(out.data, "UID:urn:uuid:0b6e1c2a"));
        /* The grouped line carries a2's type and label instead of a plain EMAIL line. */
        assert_null(strstr(out.data, "\r\nEMAIL:a2@example.com"));
        assert_non_null(strstr(out.data, "\r\nEMAIL:ada@example.com"));

        c = parse_text(out.data, out.len);
        assert_int_equal(json_array_size(c.records), 1);
        assert_int_equal(json_array_size(c.errors), 0);
        back = json_array_get(c.records, 0);
        /* Every field tend has comes back. */
        json_object_foreach(rec, key, v)
        {
                if (json_is_null(v))
                        continue;
                if (!json_equal(json_object_get(back, key), v)) {
                        char *g = json_dumps(json_object_get(back, key), JSON_ENCODE_ANY);

                        print_error("%s came back as %s\n", key, g ? g : "nothing");
                        free(g);
                        fail();
                }
        }
        json_decref(c.records);
        json_decref(c.errors);
        json_decref(rec);
        strbuf_done(&out);
}

static void test_write_drops_stale_raw_lines(void **state)
{
        /* The email of a grouped raw line was removed from the contact: the line and its label
         * go too, and a value that was never valid stays. */
        json_t *rec =
            json_pack("{s:s,s:s,s:[s],s:[s,s,s,s]}", "type", "contact", "name", "X", "emails",
                      "keep@example.com", "vcard", "item1.EMAIL:gone@example.com",
                      "item1.X-ABLabel:Old", "EMAIL:not an email", "item2.X-ABDATE:2020-01-01");
        struct strbuf out = {0};

        assert_int_equal(vcard_write_record(&out, rec), 0);
        assert_null(strstr(out.data, "gone@example.com"));
        assert_null(strstr(out.data, "X-ABLabel:Old"));
        assert_non_null(strstr(out.data, "EMAIL:not an email"));
        assert_non_null(strstr(out.data, "item2.X-ABDATE"));
        assert_non_null(strstr(out.data, "EMAIL:keep@example.com"));
        assert_non_null(strstr(out.data, "N:X;;;;")); /* N always written */
        json_decref(rec);
        strbuf_done(&out);
}

static void test_fold_never_splits_utf8(void **state)
{
        struct strbuf b = {0};
        char line[400];

        /* 'é' is two octets: an odd prefix puts a sequence across every 75-octet mark. */
        strcpy(line, "NOTE:x");
        for (int i = 0; i < 150; i++)
                strcat(line, "é");
        strbuf_put_folded(&b, line, strlen(line));
        assert_folded(b.data);
        strbuf_done(&b);
}

static void test_no_name(void **state)
{
        const char *s = "BEGIN:VCARD\nVERSION:3.0\nNOTE:x\nEND:VCARD\n"
                        "BEGIN:VCARD\nVERSION:3.0\nORG:Acme;Sales\nEND:VCARD\n"
                        "BEGIN:VCARD\nVERSION:3.0\nEMAIL:only@example.com\nEND:VCARD\n";
        struct collected c = parse_text(s, strlen(s));

        assert_int_equal(json_array_size(c.errors), 1);
        assert_int_equal(json_integer_value(json_array_get(c.errors, 0)), 1);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(c.records, 0), "name")),
            "Acme, Sales");
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(c.records, 1), "name")),
            "only@example.com");
        json_decref(c.records);
        json_decref(c.errors);
}

static void test_invalid_values_kept_raw(void **state)
{
        const char *s = "BEGIN:VCARD\r\nFN:A\r\nEMAIL:not-an-email\r\nTEL:call me maybe\r\n"
                        "BDAY:sometime\r\nEND:VCARD\r\n";
        struct collected c = parse_text(s, strlen(s));
        json_t *rec = json_array_get(c.records, 0), *raw = json_object_get(rec, "vcard");

        assert_null(json_object_get(rec, "emails"));
        assert_null(json_object_get(rec, "phones"));
        assert_int_equal(json_array_size(raw), 3);
        assert_string_equal(json_string_value(json_array_get(raw, 0)), "EMAIL:not-an-email");
        assert_string_equal(json_string_value(json_array_get(raw, 2)), "BDAY:sometime");
        json_decref(c.records);
        json_decref(c.errors);
}

static void test_limits(void **state)
{
        /* Many unknown properties: the raw lines stop at the limit, with a warning. */
        struct strbuf s = {0};
        struct collected c;
        json_t *rec;

        strbuf_puts(&s, "BEGIN:VCARD\nFN:Many\n");
        for (int i = 0; i < 500; i++)
                strbuf_printf(&s, "X-THING-%d:value %d\n", i, i);
        strbuf_puts(&s, "END:VCARD\n");
        c = parse_text(s.data, s.len);
        rec = json_array_get(c.records, 0);
        assert_int_equal(json_array_size(json_object_get(rec, "vcard")), VCARD_EXTRA_MAX);
        assert_true(json_array_size(json_object_get(rec, "warnings")) > 0);
        json_decref(c.records);
        json_decref(c.errors);
        strbuf_done(&s);
}

/* tend's X-TEND-* properties and the contact field table (contact-fields.h) name the same
 * fields: a field given an X-TEND property in the table is read and written, and no property
 * is read into a key the table does not have. */
static void test_xtend_matches_the_field_table(void **state)
{
        size_t n, found = 0;
        const struct contact_field *f = contact_fields(&n);

        for (size_t i = 0; i < n; i++) {
                bool seen = false;

                if (!f[i].vcard || strncmp(f[i].vcard, "X-TEND-", 7) != 0)
                        continue;
                found++;
                for (size_t x = 0; x < VCARD_XTEND_N; x++)
                        if (streq(vcard_xtend[x].prop, f[i].vcard)) {
                                assert_string_equal(vcard_xtend[x].key, f[i].key);
                                seen = true;
                        }
                if (!seen)
                        fail_msg("%s (%s) has no X-TEND mapping in common/vcard-fields.c",
                                 f[i].vcard, f[i].key);
        }
        /* The others carry what a record has beside its fields: what this build does not know,
         * and for sync the history, its deletions, the merged uuids and the revisions. */
        for (size_t x = 0; x < VCARD_XTEND_N; x++) {
                const struct contact_field *t = contact_field_by_key(vcard_xtend[x].key);
                static const char *const record_keys[] = {
                    "unknown", "interactions", "interactions_deleted", "merged", "revs", NULL};

                if (!t) {
                        assert_true(
                            strv_contains((char *const *)record_keys, vcard_xtend[x].key, false));
                        found++;
                        continue;
                }
                assert_non_null(t->vcard);
                assert_string_equal(t->vcard, vcard_xtend[x].prop);
        }
        assert_int_equal(found, VCARD_XTEND_N);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_xtend_matches_the_field_table),
            cmocka_unit_test(test_corpus),
            cmocka_unit_test(test_photo_skipped_with_warning),
            cmocka_unit_test(test_birthday),
            cmocka_unit_test(test_uid),
            cmocka_unit_test(test_split),
            cmocka_unit_test(test_write_round_trip),
            cmocka_unit_test(test_write_drops_stale_raw_lines),
            cmocka_unit_test(test_fold_never_splits_utf8),
            cmocka_unit_test(test_no_name),
            cmocka_unit_test(test_invalid_values_kept_raw),
            cmocka_unit_test(test_limits),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
