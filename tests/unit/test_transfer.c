/* Import and export of records (daemon/transfer.c) on real LMDB stores: a complete export
 * imported into an empty store exports byte for byte the same; merge rules (UID, then email,
 * then exact name); dry runs and strict imports change nothing; bad records become error items;
 * backups are complete stores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "store.h"
#include "strbuf.h"
#include "transfer.h"

#include "contact-fill.h"

#define NOW 1800000000

struct fixture {
        char base[PATH_MAX];
        char dir[2][PATH_MAX + 16];
        struct store *s[2];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "/tmp/tend-test-transfer-XXXXXX");
        assert_non_null(mkdtemp(f->base));
        for (int i = 0; i < 2; i++) {
                struct store_options o = {.dir = f->dir[i], .initial_map_size = 1 << 20};

                snprintf(f->dir[i], sizeof(f->dir[i]), "%s/s%d", f->base, i);
                assert_int_equal(store_open(&o, &f->s[i]), 0);
        }
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[PATH_MAX + 32];

        store_close(f->s[0]);
        store_close(f->s[1]);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

/* ---- helpers ---- */

struct export_op {
        json_t *records;
};

static int export_fn(struct store_txn *t, void *userdata)
{
        struct export_op *op = userdata;

        return transfer_export(t, TRANSFER_ALL, op->records);
}

struct lines_op {
        size_t max;
        struct strbuf text;
        size_t count;
};

/* Export with lines, in pieces of at most max records, each unescaped and appended to text. */
static int lines_fn(struct store_txn *t, void *userdata)
{
        struct lines_op *op = userdata;
        struct transfer_export_pos pos = {0};
        struct strbuf piece = {0};
        size_t n;
        int r;

        do {
                json_t *s;

                strbuf_reset(&piece);
                strbuf_putc(&piece, '"');
                n = 0;
                r = transfer_export_lines(t, TRANSFER_ALL, &pos, op->max, &piece, &n);
                strbuf_putc(&piece, '"');
                if (r < 0)
                        break;
                assert_true(n <= op->max);
                assert_true(n > 0 || r == 1);
                s = json_loadb(piece.data, piece.len, JSON_DECODE_ANY, NULL);
                assert_non_null(s); /* a valid JSON string */
                strbuf_append(&op->text, json_string_value(s), json_string_length(s));
                json_decref(s);
                op->count += n;
        } while (r == 0);
        strbuf_done(&piece);
        return r < 0 ? r : 0;
}

static char *export_text_objects(struct store *s);

/* The JSON lines `tend export --format json` writes: tendd's lines (Export with lines, no
 * objects built) must be exactly the records dumped with sorted keys, whatever the pieces. */
static char *export_text(struct store *s)
{
        char *objects = export_text_objects(s);
        size_t lines = 0;

        for (const char *p = objects; *p; p++)
                lines += *p == '\n';
        for (size_t max = 1; max <= 1000; max *= 7) {
                struct lines_op op = {.max = max};

                assert_int_equal(store_read(s, lines_fn, &op), 0);
                assert_false(op.text.error);
                assert_string_equal(op.text.data, objects);
                assert_int_equal(op.count, lines);
                strbuf_done(&op.text);
        }
        return objects;
}

static char *export_text_objects(struct store *s)
{
        struct export_op op = {json_array()};
        size_t i, len = 0;
        json_t *rec;
        char *out = NULL;
        FILE *f = open_memstream(&out, &len);

        assert_int_equal(store_read(s, export_fn, &op), 0);
        json_array_foreach(op.records, i, rec)
        {
                char *line = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);

                fprintf(f, "%s\n", line);
                free(line);
        }
        fclose(f);
        json_decref(op.records);
        return out;
}

struct import_op {
        struct import_set *set;
        struct import_options o;
        json_t *report;
};

static int import_fn(struct store_txn *t, void *userdata)
{
        struct import_op *op = userdata;

        json_decref(op->report);
        op->report = NULL;
        return import_run(t, op->set, &op->o, &op->report);
}

/* Import JSON lines; returns the report (to decref) and the store_write value in *ret. */
static json_t *import_text(struct store *s, const char *text, bool dry_run, bool strict, int *ret)
{
        struct import_op op = {.set = import_set_new(),
                               .o = {.dry_run = dry_run, .strict = strict, .now = NOW}};

        assert_non_null(op.set);
        assert_int_equal(import_set_add_lines(op.set, text, strlen(text), 1000), 0);
        *ret = store_write(s, import_fn, &op);
        import_set_free(op.set);
        assert_non_null(op.report);
        return op.report;
}

static long long count(json_t *report, const char *type, const char *what)
{
        return json_integer_value(json_object_get(json_object_get(report, type), what));
}

static const char *item_field(json_t *report, size_t i, const char *key)
{
        return json_string_value(
            json_object_get(json_array_get(json_object_get(report, "items"), i), key));
}

static const char full_export[] =
    "{\"type\":\"tend\",\"version\":1,\"next_id\":10}\n"
    "{\"type\":\"contact\",\"id\":3,\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"name\":\"Ada Lovelace\",\"emails\":[\"ada@example.com\",\"ada2@example.com\"],"
    "\"phones\":[\"+44 20 7946 0000\"],\"urls\":[\"https://example.com/ada\"],"
    "\"tags\":[\"math\",\"pioneer\"],\"org\":\"Analytical Engines\",\"title\":\"Countess\","
    "\"notes\":\"line one\\nline two — ünïcödé \\\"quoted\\\" back\\\\slash "
    "\\t 🙂 </script> \\u2028\",\"how_met\":\"At Babbage's\","
    "\"met_via\":\"1b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"networks\":[\"personal\",\"strategic\"]"
    ","
    "\"scope\":\"external\",\"cadence_seconds\":1209600,\"next_due\":\"2030-01-02T03:04:05Z\","
    "\"last_interaction\":\"2029-12-01T00:00:00Z\",\"last_kind\":\"coffee\","
    "\"created\":\"2029-01-01T00:00:00Z\",\"updated\":\"2029-12-01T00:00:00Z\","
    "\"notified_due\":\"2029-11-01T00:00:00Z\",\"notified_at\":\"2029-11-01T09:00:00Z\","
    "\"resurface_at\":\"2029-11-02T09:00:00Z\",\"notify_id\":7,"
    "\"brings\":\"Mathematics\",\"stage\":\"met\",\"stage_changed\":\"2029-06-01T00:00:00Z\","
    "\"prospect_plan\":\"Ask about "
    "engines\",\"prospect_via\":\"1b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"birthday\":\"--12-10\",\"name_parts\":\"Lovelace;Ada;;;\","
    "\"met_via_name\":\"Mary Somerville\",\"prospect_via_name\":\"Augustus De Morgan\","
    "\"vcard\":[\"item1.X-ABDATE:1843-07-01\",\"item1.X-ABLABEL:Notes\"],"
    "\"unknown\":\"AOcAAAADeHl6\"}\n"
    "{\"type\":\"contact\",\"id\":5,\"uuid\":\"1b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"name\":\"Charles Babbage\",\"created\":\"2029-01-01T00:00:00Z\","
    "\"updated\":\"2029-01-01T00:00:00Z\"}\n"
    "{\"type\":\"interaction\",\"contact\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"uuid\":\"2b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"at\":\"2029-12-01T00:00:00Z\",\"seq\":0,"
    "\"kind\":\"coffee\",\"note\":\"engines\",\"gave\":\"an intro\",\"got\":\"a proof\","
    "\"created\":\"2029-12-01T00:00:05Z\"}\n"
    "{\"type\":\"interaction\",\"contact\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"uuid\":\"3b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"at\":\"2029-12-01T00:00:00Z\",\"seq\":1,"
    "\"kind\":\"call\",\"created\":\"2029-12-01T00:00:06Z\","
    "\"with\":[\"1b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\"]}\n"
    "{\"type\":\"tombstone\",\"uuid\":\"4b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"record\":\"contact\",\"deleted\":\"2029-05-05T00:00:00Z\","
    "\"merged_into\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\"}\n";

/* ---- tests ---- */

static int put_john(struct store_txn *t, void *userdata)
{
        struct contact *c = contact_new();
        int r;

        assert_non_null(c);
        c->name = strdup("John Smith");
        assert_int_equal(strv_push(&c->emails, "j2@example.com"), 0);
        r = store_txn_contact_put(t, c);
        contact_free(c);
        return r;
}

static void test_round_trip_is_byte_identical(void **state)
{
        struct fixture *f = *state;
        char *first, *second;
        json_t *report;
        int r;

        report = import_text(f->s[0], full_export, false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(count(report, "contacts", "added"), 2);
        assert_int_equal(count(report, "interactions", "added"), 2);
        assert_int_equal(count(report, "tombstones", "added"), 1);
        assert_int_equal(json_integer_value(json_object_get(report, "errors")), 0);
        json_decref(report);
        first = export_text(f->s[0]);
        /* Everything that went in comes out (keys sorted, zero values left out). */
        assert_non_null(strstr(first, "\"prospect_via\":\"1b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\""));
        assert_non_null(strstr(first, "\"unknown\":\"AOcAAAADeHl6\""));
        assert_non_null(strstr(first, "\"met_via_name\":\"Mary Somerville\""));
        assert_non_null(strstr(first, "\"prospect_via_name\":\"Augustus De Morgan\""));
        assert_non_null(strstr(first, "\"merged_into\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\""));
        assert_non_null(strstr(first, "\"next_id\":10"));
        assert_non_null(strstr(first, "\"id\":5"));
        assert_non_null(strstr(first, "\"with\":[\"1b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\"]"));
        assert_non_null(strstr(first, "back\\\\slash \\t 🙂"));

        report = import_text(f->s[1], first, false, false, &r);
        assert_int_equal(r, 0);
        json_decref(report);
        second = export_text(f->s[1]);
        assert_string_equal(first, second);

        /* And importing it again changes nothing. */
        report = import_text(f->s[1], first, false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(count(report, "contacts", "unchanged"), 2);
        assert_int_equal(count(report, "interactions", "unchanged"), 2);
        json_decref(report);
        free(second);
        second = export_text(f->s[1]);
        assert_string_equal(first, second);
        free(first);
        free(second);
}

static void test_merge_rules(void **state)
{
        struct fixture *f = *state;
        json_t *report;
        int r;

        report = import_text(
            f->s[0],
            "{\"type\":\"contact\",\"name\":\"Jane Doe\",\"emails\":[\"jane@example.com\"],"
            "\"uuid\":\"5b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\"}\n"
            "{\"type\":\"contact\",\"name\":\"John Smith\"}\n"
            "{\"type\":\"contact\",\"name\":\"john smith\",\"org\":\"Other\"}\n"
            "{\"type\":\"contact\",\"name\":\"Sam Lee\",\"emails\":[\"sam@example.com\"]}\n",
            false, false, &r);
        assert_int_equal(r, 0);
        /* The second John Smith matched the first by name (case-insensitive) and filled org. */
        assert_int_equal(count(report, "contacts", "added"), 3);
        assert_int_equal(count(report, "contacts", "merged"), 1);
        json_decref(report);

        report = import_text(
            f->s[0],
            /* by UID: new email added, org filled, name kept */
            "{\"type\":\"contact\",\"line\":1,\"name\":\"Jane "
            "D.\",\"uuid\":\"5B6E1C2A-3F4D-4E5F-8A9B-0C1D2E3F4A5B\","
            "\"emails\":[\"jd@example.com\"],\"org\":\"Acme\",\"tags\":[\"Mentor\"]}\n"
            /* by email, case-insensitive */
            "{\"type\":\"contact\",\"line\":2,\"name\":\"Samuel "
            "Lee\",\"emails\":[\"SAM@example.com\"]}\n"
            /* emails of two different people: skipped */
            "{\"type\":\"contact\",\"line\":3,\"name\":\"Mixed\",\"emails\":[\"jane@example.com\","
            "\"sam@example.com\"]}\n"
            /* a new person: added */
            "{\"type\":\"contact\",\"line\":4,\"name\":\"New Person\",\"phones\":[\"+1 555\"]}\n"
            /* a broken record: an error item, the rest goes on */
            "{\"type\":\"contact\",\"line\":5,\"name\":\"\"}\n"
            "{\"type\":\"error\",\"line\":6,\"reason\":\"not a property (no ':')\"}\n"
            "not json at all\n",
            false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(count(report, "contacts", "merged"), 1);
        assert_int_equal(count(report, "contacts", "unchanged"), 1);
        assert_int_equal(count(report, "contacts", "skipped"), 1);
        assert_int_equal(count(report, "contacts", "added"), 1);
        assert_int_equal(json_integer_value(json_object_get(report, "errors")), 3);
        assert_string_equal(item_field(report, 0, "action"), "merged");
        assert_non_null(strstr(item_field(report, 0, "reason"), "same UID"));
        assert_non_null(strstr(item_field(report, 0, "reason"), "emails"));
        assert_string_equal(item_field(report, 1, "action"), "unchanged");
        assert_non_null(strstr(item_field(report, 1, "reason"), "same email"));
        assert_string_equal(item_field(report, 2, "action"), "skipped");
        assert_string_equal(item_field(report, 4, "action"), "error");
        assert_string_equal(item_field(report, 4, "reason"), "no name");
        assert_int_equal(json_integer_value(json_object_get(
                             json_array_get(json_object_get(report, "items"), 5), "line")),
                         6);
        json_decref(report);

        {
                char *text = export_text(f->s[0]);

                assert_non_null(
                    strstr(text, "\"emails\":[\"jane@example.com\",\"jd@example.com\"]"));
                assert_non_null(strstr(text, "\"name\":\"Jane Doe\""));
                assert_non_null(strstr(text, "\"tags\":[\"mentor\"]"));
                assert_non_null(strstr(text, "\"org\":\"Other\""));
                free(text);
        }

        /* With two John Smiths (told apart by email), a card with only the name is ambiguous. */
        assert_int_equal(store_write(f->s[0], put_john, NULL), 0);
        report =
            import_text(f->s[0], "{\"type\":\"contact\",\"name\":\"John Smith\",\"org\":\"X\"}\n",
                        false, false, &r);
        assert_int_equal(count(report, "contacts", "skipped"), 1);
        assert_non_null(strstr(item_field(report, 0, "reason"), "2 contacts are named"));
        json_decref(report);
}

/* quiet: the items keep only what needs a look; the counts stay complete. */
static void test_quiet_report(void **state)
{
        struct fixture *f = *state;
        static const char text[] =
            "{\"type\":\"contact\",\"line\":1,\"name\":\"Ann\",\"emails\":[\"ann@example.com\"]}\n"
            "{\"type\":\"contact\",\"line\":2,\"name\":\"Bob\",\"warnings\":[\"PHOTO skipped\"]}\n"
            "{\"type\":\"contact\",\"line\":3,\"name\":\"ann\",\"org\":\"Acme\"}\n"
            "{\"type\":\"contact\",\"line\":4,\"name\":\"Cy\"}\n"
            "{\"type\":\"error\",\"line\":5,\"reason\":\"not a property (no ':')\"}\n"
            "{\"type\":\"contact\",\"line\":6,\"name\":\"cy\"}\n";
        struct import_op op = {.set = import_set_new(), .o = {.quiet = true, .now = NOW}};
        json_t *items;

        assert_non_null(op.set);
        assert_int_equal(import_set_add_lines(op.set, text, strlen(text), 1000), 0);
        assert_int_equal(store_write(f->s[1], import_fn, &op), 0);
        import_set_free(op.set);
        assert_int_equal(count(op.report, "contacts", "added"), 3);
        assert_int_equal(count(op.report, "contacts", "merged"), 1);
        assert_int_equal(count(op.report, "contacts", "unchanged"), 1);
        assert_int_equal(json_integer_value(json_object_get(op.report, "errors")), 1);
        /* Bob (a warning), the merge into Ann, the error; not Ann, Cy or the unchanged cy. */
        items = json_object_get(op.report, "items");
        assert_int_equal(json_array_size(items), 3);
        assert_string_equal(item_field(op.report, 0, "name"), "Bob");
        assert_string_equal(item_field(op.report, 1, "action"), "merged");
        assert_string_equal(item_field(op.report, 2, "action"), "error");
        json_decref(op.report);
}

static void test_dry_run_and_strict_change_nothing(void **state)
{
        struct fixture *f = *state;
        char *before, *after;
        json_t *report;
        int r;

        before = export_text(f->s[0]);
        report = import_text(f->s[0], full_export, true, false, &r);
        assert_int_equal(r, -ECANCELED);
        assert_true(json_is_true(json_object_get(report, "dry_run")));
        assert_false(json_is_true(json_object_get(report, "committed")));
        assert_int_equal(count(report, "contacts", "added"), 2);
        json_decref(report);
        after = export_text(f->s[0]);
        assert_string_equal(before, after);
        free(after);

        report = import_text(f->s[0],
                             "{\"type\":\"contact\",\"name\":\"Fine\"}\n{\"type\":\"error\","
                             "\"line\":9,\"reason\":\"x\"}\n",
                             false, true, &r);
        assert_int_equal(r, -ECANCELED);
        assert_true(json_is_true(json_object_get(report, "rejected")));
        json_decref(report);
        after = export_text(f->s[0]);
        assert_string_equal(before, after);
        free(before);
        free(after);
}

static void test_bad_records(void **state)
{
        struct fixture *f = *state;
        json_t *report;
        int r;

        report = import_text(
            f->s[0],
            "{\"type\":\"contact\",\"name\":\"A\",\"networks\":[\"nope\"]}\n"
            "{\"type\":\"contact\",\"name\":\"B\",\"unknown\":\"AAAA\"}\n" /* tag 0: bad */
            "{\"type\":\"contact\",\"name\":\"C\",\"unknown\":\"!!\"}\n"
            "{\"type\":\"contact\",\"name\":\"D\",\"next_due\":\"tomorrow\"}\n"
            "{\"type\":\"contact\",\"name\":\"E\\nF\"}\n"
            "{\"type\":\"goal-from-the-future\",\"title\":\"x\"}\n"
            "{\"type\":\"interaction\",\"contact\":\"7b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"at\":"
            "\"2020-01-01T00:00:00Z\",\"kind\":\"call\"}\n"
            "{\"type\":\"contact\",\"name\":\"G\",\"emails\":[\"bad "
            "address\",\"g@example.com\"],\"shiny\":1}\n",
            false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(json_integer_value(json_object_get(report, "errors")), 6);
        assert_int_equal(count(report, "interactions", "skipped"), 1);
        assert_int_equal(count(report, "contacts", "added"), 1);
        {
                /* G: the bad address and the unknown field are warnings; G is added. */
                json_t *items = json_object_get(report, "items"), *it;
                size_t i;
                bool seen = false;

                json_array_foreach(items, i, it)
                {
                        if (!streq_ptr(json_string_value(json_object_get(it, "name")), "G"))
                                continue;
                        seen = true;
                        assert_string_equal(json_string_value(json_object_get(it, "action")),
                                            "added");
                        assert_int_equal(json_array_size(json_object_get(it, "warnings")), 2);
                }
                assert_true(seen);
        }
        json_decref(report);
}

static void test_backup_is_a_store(void **state)
{
        struct fixture *f = *state;
        char path[PATH_MAX + 64], *before, *after;
        struct store_options o = {0};
        struct store *copy = NULL;
        json_t *report;
        uint64_t size = 0;
        int r;

        report = import_text(f->s[0], full_export, false, false, &r);
        json_decref(report);
        snprintf(path, sizeof(path), "%s/restored", f->base);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/restored/data.mdb", f->base);
        assert_int_equal(store_backup(f->s[0], path, &size), 0);
        assert_true(size > 0);
        assert_int_equal(store_backup(f->s[0], "relative/path", &size), -EINVAL);

        snprintf(path, sizeof(path), "%s/restored", f->base);
        o.dir = path;
        assert_int_equal(store_open(&o, &copy), 0);
        before = export_text(f->s[0]);
        after = export_text(copy);
        assert_string_equal(before, after);
        free(before);
        free(after);
        store_close(copy);
}

static void test_reserve(void **state)
{
        struct fixture *f = *state;
        size_t before = store_map_size(f->s[0]);

        assert_int_equal(store_reserve(f->s[0], 64u << 20), 0);
        assert_true(store_map_size(f->s[0]) >= before + (32u << 20));
        assert_int_equal(store_reserve(f->s[0], 1024), 0);
}

/* Contact lines take a fast path (daemon/transfer.c, fast_contact) and everything it declines
 * goes through jansson: both must give exactly what the general path (records as objects)
 * gives, reports, warnings, errors and stored fields alike. */
static const char *const fast_lines[] = {
    "{\"type\":\"contact\",\"uuid\":\"0B6E1C2A-3F4D-4E5F-8A9B-0C1D2E3F4A01\",\"name\":\"Ada "
    "\\\"Countess\\\" Lovelace\",\"emails\":[\"ADA@Example.com\",\"ada@example.com\",\"bad@\"],"
    "\"tags\":[\"Mentor\",\"mentor\"],\"notes\":\"one\\ntwo \\u00e9\\u263a \\/ \\\\ "
    "\\ttab\",\"line\":7,\"networks\":[\"personal\"],\"id\":42}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a02\",\"name\":\"Bo\","
    "\"line\":9,\"warnings\":[\"from the client\"],\"nickname\":\"x\",\"org\":null,"
    "\"cadence_seconds\":86400,\"vcard\":[\"X-A:1\",\"no colon\"],\"notify_id\":0}",
    "{\"name\":\"Cy\",\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a03\","
    "\"birthday\":\"--04-12\",\"phones\":[]}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a04\",\"name\":\"Di\","
    "\"cadence_seconds\":-1,\"line\":12}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a05\",\"line\":13}",
    "{\"type\": \"contact\", \"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a06\", \"name\": \"Ed\"}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a07\",\"name\":\"Fi "
    "\\ud83d\\ude00\",\"cadence_seconds\":1e3}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a08\",\"name\":\"Gus\","
    "\"id\":0,\"line\":\"15\",\"urls\":[\"https://example.com/gus\",5]}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a01\",\"name\":\"Ada\","
    "\"phones\":[\"+44 20 7946 0000\"],\"org\":\"Engines\",\"line\":20}",
    "{\"type\":\"contact\",\"name\":\"Hal\",\"emails\":[\"ada@example.com\"],\"tags\":[\"x y\"],"
    "\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a09\",\"scope\":\"internal\",\"stage\":\"met\"}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a0a\",\"name\":\"  \"}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a0b\",\"name\":\"Ida\","
    "\"unknown\":\"AOcAAAADeHl6\",\"created\":\"2029-01-01T00:00:00Z\",\"met_via\":"
    "\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a02\"}",
    "{\"type\":\"contact\",\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a0c\",\"name\":\"Jo\","
    "\"unknown\":\"AAAA\"}",
    "{\"type\":\"setting\",\"name\":\"profile\",\"value\":\"hello\"}",
};

static json_t *import_objects(struct store *s, json_t *objects, int *ret)
{
        struct import_op op = {.set = import_set_new(), .o = {.now = NOW}};

        assert_non_null(op.set);
        assert_int_equal(import_set_add_records(op.set, objects, 1000), 0);
        *ret = store_write(s, import_fn, &op);
        import_set_free(op.set);
        assert_non_null(op.report);
        return op.report;
}

static void test_fast_lines_match_the_general_path(void **state)
{
        struct fixture *f = *state;
        json_t *objects = json_array(), *fast, *general;
        char *text = NULL, *a, *b;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        int r1, r2;

        for (size_t i = 0; i < sizeof(fast_lines) / sizeof(fast_lines[0]); i++) {
                json_t *o = json_loads(fast_lines[i], JSON_REJECT_DUPLICATES, NULL);

                assert_non_null(o);
                assert_int_equal(json_array_append_new(objects, o), 0);
                fprintf(m, "%s\n", fast_lines[i]);
        }
        fclose(m);
        fast = import_text(f->s[0], text, false, false, &r1);
        general = import_objects(f->s[1], objects, &r2);
        assert_int_equal(r1, 0);
        assert_int_equal(r2, 0);
        assert_true(json_equal(fast, general));
        assert_int_equal(count(fast, "contacts", "added"), 5);
        assert_int_equal(count(fast, "contacts", "merged"), 2);
        assert_int_equal(count(fast, "settings", "added"), 1);
        assert_int_equal(json_integer_value(json_object_get(fast, "errors")), 6);
        assert_string_equal(item_field(fast, 8, "action"), "merged");
        a = export_text(f->s[0]);
        b = export_text(f->s[1]);
        assert_string_equal(a, b);
        free(a);
        free(b);
        free(text);
        json_decref(fast);
        json_decref(general);
        json_decref(objects);
}

/* A duplicate key makes the line an error (jansson says why); the lines around it count. */
static void test_fast_lines_duplicate_keys(void **state)
{
        struct fixture *f = *state;
        static const char text[] =
            "{\"type\":\"contact\",\"name\":\"A\"}\n"
            "{\"type\":\"contact\",\"name\":\"B\",\"name\":\"C\",\"line\":4}\n"
            "{\"type\":\"contact\",\"name\":\"D\",\"type\":\"contact\"}\n"
            "{\"type\":\"contact\",\"name\":\"E\\u0000\"}\n"
            "{\"type\":\"contact\",\"name\":\"F\"} \r\n";
        json_t *report;
        int r;

        report = import_text(f->s[0], text, false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(count(report, "contacts", "added"), 2);
        assert_int_equal(json_integer_value(json_object_get(report, "errors")), 3);
        assert_non_null(strstr(item_field(report, 1, "reason"), "duplicate"));
        json_decref(report);
}

/* An interaction logged toward a goal names the goal by uuid; the goal record comes after the
 * interactions in an export, and an import still connects them. */
static const char goal_export[] =
    "{\"type\":\"tend\",\"version\":1,\"next_id\":4}\n"
    "{\"type\":\"contact\",\"id\":3,\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"name\":\"Ada Lovelace\",\"created\":\"2029-01-01T00:00:00Z\","
    "\"last_interaction\":\"2029-12-01T00:00:00Z\",\"last_kind\":\"coffee\","
    "\"updated\":\"2029-01-01T00:00:00Z\"}\n"
    "{\"type\":\"interaction\",\"contact\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"uuid\":\"2b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"at\":\"2029-12-01T00:00:00Z\",\"seq\":0,"
    "\"kind\":\"coffee\",\"goal\":\"5b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"created\":\"2029-12-01T00:00:05Z\"}\n"
    "{\"type\":\"interaction\",\"contact\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"uuid\":\"3b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"at\":\"2029-11-01T00:00:00Z\",\"seq\":0,"
    "\"kind\":\"call\",\"goal\":\"6b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"created\":\"2029-11-01T00:00:05Z\"}\n"
    "{\"type\":\"goal\",\"id\":2,\"uuid\":\"5b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"title\":\"Build engines\",\"status\":\"active\",\"created\":\"2029-01-01T00:00:00Z\","
    "\"updated\":\"2029-01-01T00:00:00Z\"}\n";

static int goal_tagged(const struct interaction *i, void *userdata)
{
        (*(size_t *)userdata)++;
        assert_string_equal(i->uuid, "2b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b");
        assert_int_equal(i->goal_id, 2);
        return 0;
}

static int count_goal_tagged(struct store_txn *t, void *userdata)
{
        return store_txn_goal_interactions(t, 2, goal_tagged, userdata);
}

static void test_interaction_goal_round_trip(void **state)
{
        struct fixture *f = *state;
        char *first, *second;
        json_t *report;
        size_t n = 0;
        int r;

        report = import_text(f->s[0], goal_export, false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(count(report, "interactions", "added"), 2);
        assert_int_equal(count(report, "goals", "added"), 1);
        json_decref(report);
        assert_int_equal(store_read(f->s[0], count_goal_tagged, &n), 0);
        assert_int_equal(n, 1);
        first = export_text(f->s[0]);
        /* The goal that is not in the file is left out; the one that is stays. */
        assert_non_null(strstr(first, "\"goal\":\"5b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\""));
        assert_null(strstr(first, "6b6e1c2a"));

        report = import_text(f->s[1], first, false, false, &r);
        assert_int_equal(r, 0);
        json_decref(report);
        second = export_text(f->s[1]);
        assert_string_equal(first, second);
        n = 0;
        assert_int_equal(store_read(f->s[1], count_goal_tagged, &n), 0);
        assert_int_equal(n, 1);
        free(first);
        free(second);
}

static const char ids_export[] =
    "{\"type\":\"tend\",\"version\":1,\"next_id\":10,\"next_interaction_id\":30}\n"
    "{\"type\":\"contact\",\"id\":3,\"uuid\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"name\":\"Ada Lovelace\",\"created\":\"2029-01-01T00:00:00Z\"}\n"
    "{\"type\":\"interaction\",\"contact\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"uuid\":\"2b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"id\":17,"
    "\"at\":\"2029-12-01T00:00:00Z\",\"seq\":0,\"kind\":\"coffee\"}\n"
    "{\"type\":\"interaction\",\"contact\":\"0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\","
    "\"uuid\":\"3b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b\",\"id\":4,"
    "\"at\":\"2029-12-02T00:00:00Z\",\"seq\":0,\"kind\":\"call\"}\n";

struct iid_op {
        uint64_t id, next, contact;
        int64_t at;
        int r;
};

static int iid_fn(struct store_txn *t, void *userdata)
{
        struct iid_op *op = userdata;
        struct interaction *i = NULL;

        op->r = store_txn_interaction_get_id(t, op->id, &i);
        if (i) {
                op->at = i->at;
                op->contact = i->contact_id;
        }
        interaction_free(i);
        return store_txn_interaction_next_id(t, &op->next);
}

static int add_one(struct store_txn *t, void *userdata)
{
        struct contact c = {.name = "Someone", .created = NOW};
        struct interaction i = {.at = NOW, .kind = "email"};
        int r = store_txn_contact_put(t, &c);

        for (int n = 0; r >= 0 && n < 20; n++) {
                i.contact_id = c.id;
                i.id = 0;
                i.uuid[0] = 0;
                r = store_txn_interaction_add(t, &i);
        }
        return r;
}

static void test_interaction_ids_round_trip(void **state)
{
        struct fixture *f = *state;
        struct iid_op op = {.id = 17};
        char *first, *second;
        json_t *report;
        int r;

        /* Into an empty store: every id and the counter as exported. */
        report = import_text(f->s[0], ids_export, false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(count(report, "interactions", "added"), 2);
        json_decref(report);
        assert_int_equal(store_read(f->s[0], iid_fn, &op), 0);
        assert_int_equal(op.r, 0);
        assert_int_equal(op.next, 30);
        first = export_text(f->s[0]);
        assert_non_null(strstr(first, "\"id\":17"));
        assert_non_null(strstr(first, "\"id\":4,"));
        assert_non_null(strstr(first, "\"next_interaction_id\":30"));
        report = import_text(f->s[1], first, false, false, &r);
        assert_int_equal(r, 0);
        json_decref(report);
        second = export_text(f->s[1]);
        assert_string_equal(first, second);
        free(first);
        free(second);

        /* Into a store where the ids are taken: fresh ones, the old interactions keep theirs. */
        store_close(f->s[1]);
        {
                char cmd[PATH_MAX * 2 + 32];
                struct store_options o = {.dir = f->dir[1], .initial_map_size = 1 << 20};

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir[1]);
                assert_int_equal(system(cmd), 0);
                assert_int_equal(store_open(&o, &f->s[1]), 0);
        }
        assert_int_equal(store_write(f->s[1], add_one, NULL), 0);
        op = (struct iid_op){.id = 17};
        assert_int_equal(store_read(f->s[1], iid_fn, &op), 0);
        assert_int_equal(op.at, NOW);
        report = import_text(f->s[1], ids_export, false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(count(report, "interactions", "added"), 2);
        json_decref(report);
        assert_int_equal(store_read(f->s[1], iid_fn, &op), 0);
        assert_int_equal(op.at, NOW);  /* #17 is still the one that was here */
        assert_int_equal(op.next, 30); /* the header's counter */
        op = (struct iid_op){.id = 21};
        assert_int_equal(store_read(f->s[1], iid_fn, &op), 0);
        assert_int_equal(op.r, 0);
        assert_int_not_equal(op.at, NOW);
}

static void test_interaction_fields_are_all_transferred(void **state)
{
        /* When struct interaction grows, daemon/transfer.c's export_interaction and
         * parse_interaction need the new field (or it is not exported or imported), and this
         * number needs updating. */
        assert_int_equal(sizeof(struct interaction), 192);
}

struct put_op {
        struct contact *c;
};

static int put_fn(struct store_txn *t, void *userdata)
{
        struct put_op *op = userdata;
        struct contact ref = {.name = (char *)"Mary Somerville", .created = NOW};
        int r = store_txn_contact_put(t, &ref);

        if (r < 0)
                return r;
        fill_every_field(op->c, ref.id);
        return store_txn_contact_put(t, op->c);
}

struct get_op {
        uint64_t id;
        struct contact *c;
};

static int get_fn(struct store_txn *t, void *userdata)
{
        struct get_op *op = userdata;

        return store_txn_contact_get(t, op->id, &op->c);
}

/* Every field of the table goes out in the export and comes back in an import into an empty
 * store: the table drives both, so a field added to it is transferred or this fails. */
static void test_contact_fields_are_all_transferred(void **state)
{
        struct fixture *f = *state;
        struct contact *c = contact_new();
        struct put_op put = {c};
        struct get_op a = {0}, b = {0};
        char *text;
        json_t *report;
        int r;

        assert_contact_is_the_table();
        assert_non_null(c);
        assert_int_equal(store_write(f->s[0], put_fn, &put), 0);
        text = export_text(f->s[0]);
        report = import_text(f->s[1], text, false, false, &r);
        assert_int_equal(r, 0);
        assert_int_equal(json_integer_value(json_object_get(report, "errors")), 0);
        json_decref(report);
        a.id = b.id = c->id;
        assert_int_equal(store_read(f->s[0], get_fn, &a), 0);
        assert_int_equal(store_read(f->s[1], get_fn, &b), 0);
        assert_every_field_equal(c, a.c, false);
        /* Tie strength is derived, not exported: the import computes it from the history. */
        assert_every_field_equal(a.c, b.c, true);
        contact_free(a.c);
        contact_free(b.c);
        contact_free(c);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_round_trip_is_byte_identical, setup, teardown),
            cmocka_unit_test_setup_teardown(test_merge_rules, setup, teardown),
            cmocka_unit_test_setup_teardown(test_quiet_report, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dry_run_and_strict_change_nothing, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
            cmocka_unit_test_setup_teardown(test_backup_is_a_store, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
            cmocka_unit_test_setup_teardown(test_fast_lines_match_the_general_path, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_fast_lines_duplicate_keys, setup, teardown),
            cmocka_unit_test_setup_teardown(test_contact_fields_are_all_transferred, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_interaction_goal_round_trip, setup, teardown),
            cmocka_unit_test_setup_teardown(test_interaction_ids_round_trip, setup, teardown),
            cmocka_unit_test(test_interaction_fields_are_all_transferred),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
