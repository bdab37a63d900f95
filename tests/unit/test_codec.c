#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "model.h"
#include "util.h"

#include "contact-fill.h"

static char **strv_make(const char *a, const char *b, const char *c)
{
        char **v = NULL;
        const char *in[] = {a, b, c};

        for (size_t i = 0; i < ARRAY_SIZE(in); i++)
                if (in[i])
                        assert_int_equal(strv_push(&v, in[i]), 0);
        return v;
}

static struct contact *full_contact(void)
{
        struct contact *c = contact_new();

        assert_non_null(c);
        c->id = 42;
        strcpy(c->uuid, "0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b");
        c->name = strdup("Ada Lovelace");
        c->emails = strv_make("ada@example.com", "ada@analytical.engine", NULL);
        c->phones = strv_make("+44 20 7946 0000", NULL, NULL);
        c->urls = strv_make("https://example.com/ada", "https://linkedin.example/ada", "x");
        c->tags = strv_make("math", "", "pioneer");
        c->org = strdup("Analytical Engines Ltd");
        c->title = strdup("Countess");
        c->notes = strdup("line one\nline two — ünïcödé");
        c->how_met = strdup("Babbage's salon");
        c->introduced_by = 7;
        c->networks = (1u << NETWORK_PERSONAL) | (1u << NETWORK_STRATEGIC);
        c->scope = SCOPE_EXTERNAL;
        c->cadence = 30 * 86400;
        c->next_due = -12345; /* negative times survive */
        c->last_interaction = 1700000000;
        c->last_kind = strdup("coffee");
        c->created = 1600000000;
        c->updated = INT64_MAX;
        return c;
}

static void assert_strv_equal(char **a, char **b)
{
        assert_int_equal(strv_length(a), strv_length(b));
        for (size_t i = 0; a && a[i]; i++)
                assert_string_equal(a[i], b[i]);
}

static void assert_str_equal_null(const char *a, const char *b)
{
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

static void assert_contact_equal(const struct contact *a, const struct contact *b)
{
        assert_int_equal(a->id, b->id);
        assert_string_equal(a->uuid, b->uuid);
        assert_str_equal_null(a->name, b->name);
        assert_strv_equal(a->emails, b->emails);
        assert_strv_equal(a->phones, b->phones);
        assert_strv_equal(a->urls, b->urls);
        assert_strv_equal(a->tags, b->tags);
        assert_str_equal_null(a->org, b->org);
        assert_str_equal_null(a->title, b->title);
        assert_str_equal_null(a->notes, b->notes);
        assert_str_equal_null(a->how_met, b->how_met);
        assert_int_equal(a->introduced_by, b->introduced_by);
        assert_int_equal(a->networks, b->networks);
        assert_int_equal(a->scope, b->scope);
        assert_int_equal(a->cadence, b->cadence);
        assert_int_equal(a->next_due, b->next_due);
        assert_int_equal(a->last_interaction, b->last_interaction);
        assert_str_equal_null(a->last_kind, b->last_kind);
        assert_int_equal(a->created, b->created);
        assert_int_equal(a->updated, b->updated);
        assert_int_equal(a->unknown_len, b->unknown_len);
        if (a->unknown_len)
                assert_memory_equal(a->unknown, b->unknown, a->unknown_len);
}

static void test_contact_round_trip_full(void **state)
{
        struct contact *c = full_contact(), *d = NULL;
        uint8_t *buf = NULL, *buf2 = NULL;
        size_t len, len2;

        assert_int_equal(codec_contact_encode(c, &buf, &len), 0);
        assert_int_equal(buf[0], 'C');
        assert_int_equal(buf[1], CODEC_VERSION);
        assert_int_equal(codec_contact_decode(buf, len, &d), 0);
        assert_contact_equal(c, d);
        /* Encoding is deterministic. */
        assert_int_equal(codec_contact_encode(d, &buf2, &len2), 0);
        assert_int_equal(len, len2);
        assert_memory_equal(buf, buf2, len);
        free(buf);
        free(buf2);
        contact_free(c);
        contact_free(d);
}

static void test_contact_round_trip_empty(void **state)
{
        struct contact *c = contact_new(), *d = NULL;
        uint8_t *buf = NULL;
        size_t len;

        assert_int_equal(codec_contact_encode(c, &buf, &len), 0);
        assert_int_equal(len, 8); /* header + end marker */
        assert_int_equal(codec_contact_decode(buf, len, &d), 0);
        assert_contact_equal(c, d);
        assert_null(d->name);
        assert_null(d->emails);
        assert_int_equal(d->uuid[0], 0);
        free(buf);
        contact_free(c);
        contact_free(d);

        /* Empty strings are kept as empty strings, not dropped. */
        c = contact_new();
        c->name = strdup("");
        c->notes = strdup("");
        assert_int_equal(codec_contact_encode(c, &buf, &len), 0);
        assert_int_equal(codec_contact_decode(buf, len, &d), 0);
        assert_non_null(d->name);
        assert_string_equal(d->name, "");
        assert_string_equal(d->notes, "");
        assert_null(d->org);
        free(buf);
        contact_free(c);
        contact_free(d);
}

static void test_interaction_round_trip(void **state)
{
        struct interaction *i = interaction_new(), *j = NULL;
        uint8_t *buf = NULL;
        size_t len;

        i->contact_id = 9;
        i->at = -1;
        i->seq = UINT32_MAX;
        strcpy(i->uuid, "11111111-2222-4333-8444-555555555555");
        i->kind = strdup("informational-interview");
        i->note = strdup("talked about\nthings");
        i->gave = strdup("intro to Bob");
        i->got = strdup("");
        i->created = 1700000001;
        i->goal_id = 42;
        i->id = 17;
        assert_int_equal(codec_interaction_encode(i, &buf, &len), 0);
        assert_int_equal(buf[0], 'I');
        assert_int_equal(codec_interaction_decode(buf, len, &j), 0);
        assert_int_equal(j->contact_id, 9);
        assert_int_equal(j->at, -1);
        assert_int_equal(j->seq, UINT32_MAX);
        assert_string_equal(j->uuid, i->uuid);
        assert_string_equal(j->kind, i->kind);
        assert_string_equal(j->note, i->note);
        assert_string_equal(j->gave, i->gave);
        assert_string_equal(j->got, "");
        assert_int_equal(j->created, i->created);
        assert_int_equal(j->goal_id, 42);
        assert_int_equal(j->id, 17);
        assert_int_equal(j->unknown_len, 0);
        free(buf);
        interaction_free(i);
        interaction_free(j);

        /* Empty interaction. */
        i = interaction_new();
        assert_int_equal(codec_interaction_encode(i, &buf, &len), 0);
        assert_int_equal(codec_interaction_decode(buf, len, &j), 0);
        assert_null(j->kind);
        assert_int_equal(j->seq, 0);
        assert_int_equal(j->id, 0);
        free(buf);
        interaction_free(i);
        interaction_free(j);
}

/* Insert raw TLV bytes right after the 2-byte header of an encoded record. */
static uint8_t *splice(const uint8_t *buf, size_t len, const uint8_t *add, size_t add_len,
                       size_t *ret_len)
{
        uint8_t *out = malloc(len + add_len);

        assert_non_null(out);
        memcpy(out, buf, 2);
        memcpy(out + 2, add, add_len);
        memcpy(out + 2 + add_len, buf + 2, len - 2);
        *ret_len = len + add_len;
        return out;
}

static void test_unknown_tags_preserved(void **state)
{
        static const uint8_t extra[] = {
            0x03, 0xe7, 0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', /* tag 999 */
            0xff, 0xff, 0x00, 0x00, 0x00, 0x00,                          /* tag 65535, empty */
            0x00, 0x0e, 0x00, 0x00, 0x00, 0x08, 0,   0,   0,   0,   0,   0, 0, 99, /* scope 99 */
        };
        struct contact *c = full_contact(), *d = NULL, *e = NULL;
        uint8_t *buf = NULL, *buf2 = NULL, *spliced;
        size_t len, len2, slen;

        assert_int_equal(codec_contact_encode(c, &buf, &len), 0);
        spliced = splice(buf, len, extra, sizeof(extra), &slen);
        spliced[1] = 200; /* a much newer codec version: known tags still decode */
        assert_int_equal(codec_contact_decode(spliced, slen, &d), 0);
        assert_int_equal(d->unknown_len, sizeof(extra));
        assert_memory_equal(d->unknown, extra, sizeof(extra));
        /* The unknown scope value stays unknown, the field keeps the later known value. */
        assert_int_equal(d->scope, SCOPE_EXTERNAL);
        d->unknown_len = c->unknown_len = 0; /* compare the rest */
        {
                uint8_t *keep = d->unknown;

                d->unknown = NULL;
                assert_contact_equal(c, d);
                d->unknown = keep;
                d->unknown_len = sizeof(extra);
        }

        /* decode → encode → decode keeps them, byte for byte. */
        assert_int_equal(codec_contact_encode(d, &buf2, &len2), 0);
        assert_int_equal(buf2[1], CODEC_VERSION);
        assert_non_null(memmem(buf2, len2, extra, sizeof(extra)));
        assert_int_equal(codec_contact_decode(buf2, len2, &e), 0);
        assert_int_equal(e->unknown_len, sizeof(extra));
        assert_memory_equal(e->unknown, extra, sizeof(extra));
        assert_string_equal(e->name, "Ada Lovelace");

        free(buf);
        free(buf2);
        free(spliced);
        contact_free(c);
        contact_free(d);
        contact_free(e);
}

static void test_unknown_scope_alone(void **state)
{
        /* A scope value from the future, no known scope: field unset, value preserved, and a
         * scope set by this version afterwards wins on the next decode. */
        static const uint8_t rec[] = {
            'C', 1, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0,
        };
        struct contact *c = NULL, *d = NULL;
        uint8_t *buf = NULL;
        size_t len;

        assert_int_equal(codec_contact_decode(rec, sizeof(rec), &c), 0);
        assert_int_equal(c->scope, SCOPE_UNSET);
        assert_int_equal(c->unknown_len, 14);
        c->scope = SCOPE_INTERNAL;
        assert_int_equal(codec_contact_encode(c, &buf, &len), 0);
        assert_int_equal(codec_contact_decode(buf, len, &d), 0);
        assert_int_equal(d->scope, SCOPE_INTERNAL);
        free(buf);
        contact_free(c);
        contact_free(d);
}

static void test_truncation(void **state)
{
        struct contact *c = full_contact(), *d = NULL;
        struct interaction *i = interaction_new(), *j = NULL;
        uint8_t *buf = NULL;
        size_t len;

        assert_int_equal(codec_contact_encode(c, &buf, &len), 0);
        for (size_t n = 0; n < len; n++) {
                /* A fresh heap copy of exactly n bytes, so ASan sees any over-read. */
                uint8_t *p = malloc(n ? n : 1);

                memcpy(p, buf, n);
                assert_int_equal(codec_contact_decode(n ? p : NULL, n, &d), -EBADMSG);
                assert_null(d);
                free(p);
        }
        free(buf);

        i->kind = strdup("call");
        i->at = 5;
        assert_int_equal(codec_interaction_encode(i, &buf, &len), 0);
        for (size_t n = 0; n < len; n++) {
                uint8_t *p = malloc(n ? n : 1);

                memcpy(p, buf, n);
                assert_int_equal(codec_interaction_decode(p, n, &j), -EBADMSG);
                free(p);
        }
        assert_null(j);
        free(buf);
        contact_free(c);
        interaction_free(i);
}

static void test_malformed(void **state)
{
        struct contact *c = NULL;
        struct interaction *i = NULL;
        /* A NUL inside a string. */
        static const uint8_t nul[] = {'C', 1, 0, 3, 0, 0, 0, 3, 'a', 0, 'b', 0, 0, 0, 0, 0, 0};
        /* A length running past the end. */
        static const uint8_t past[] = {'C', 1, 0, 3, 0xff, 0xff, 0xff, 0xff, 'a', 0, 0, 0, 0, 0, 0};
        /* An integer of the wrong width. */
        static const uint8_t width[] = {'C', 1, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        /* Networks (u32) overflowing. */
        static const uint8_t wide[] = {'C', 1, 0, 13, 0, 0, 0, 8, 0, 0, 0,
                                       1,   0, 0, 0,  0, 0, 0, 0, 0, 0, 0};
        /* Bytes after the end marker, end marker with a length, no end marker. */
        static const uint8_t after[] = {'C', 1, 0, 0, 0, 0, 0, 0, 'x'};
        static const uint8_t endlen[] = {'C', 1, 0, 0, 0, 0, 0, 1, 'x'};
        static const uint8_t noend[] = {'C', 1, 0, 3, 0, 0, 0, 1, 'x'};
        /* Version 0, UUID too long, seq overflowing u32. */
        static const uint8_t v0[] = {'C', 0, 0, 0, 0, 0, 0, 0};
        static const uint8_t ok[] = {'C', 1, 0, 0, 0, 0, 0, 0};
        static const uint8_t iok[] = {'I', 1, 0, 0, 0, 0, 0, 0};
        uint8_t longuuid[2 + 6 + 37 + 6] = {'C', 1, 0, 2, 0, 0, 0, 37};
        static const uint8_t seq[] = {'I', 1, 0, 3, 0, 0, 0, 8, 0, 0, 0,
                                      1,   0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

        memset(longuuid + 8, 'a', 37);
        memset(longuuid + 8 + 37, 0, 6);
        assert_int_equal(codec_contact_decode(nul, sizeof(nul), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(past, sizeof(past), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(width, sizeof(width), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(wide, sizeof(wide), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(after, sizeof(after), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(endlen, sizeof(endlen), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(noend, sizeof(noend), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(v0, sizeof(v0), &c), -EBADMSG);
        assert_int_equal(codec_contact_decode(longuuid, sizeof(longuuid), &c), -EBADMSG);
        assert_int_equal(codec_interaction_decode(seq, sizeof(seq), &i), -EBADMSG);
        assert_null(c);
        assert_null(i);

        /* Wrong record type both ways. */
        assert_int_equal(codec_contact_decode(iok, sizeof(iok), &c), -EBADMSG);
        assert_int_equal(codec_interaction_decode(ok, sizeof(ok), &i), -EBADMSG);
        assert_null(c);
        assert_null(i);

        /* The minimal records are fine. */
        assert_int_equal(codec_contact_decode(ok, sizeof(ok), &c), 0);
        assert_int_equal(codec_interaction_decode(iok, sizeof(iok), &i), 0);
        contact_free(c);
        interaction_free(i);
}

static void test_duplicate_scalar_last_wins(void **state)
{
        static const uint8_t rec[] = {
            'C', 1, 0, 3, 0, 0, 0, 1, 'a', 0, 3, 0, 0, 0, 2, 'b', 'c', 0, 0, 0, 0, 0, 0,
        };
        struct contact *c = NULL;

        assert_int_equal(codec_contact_decode(rec, sizeof(rec), &c), 0);
        assert_string_equal(c->name, "bc");
        contact_free(c);
}

/* xorshift: deterministic garbage. */
static uint64_t rnd(uint64_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

static void test_garbage(void **state)
{
        uint64_t seed = 0x9e3779b97f4a7c15ull;
        struct contact *full = full_contact();
        uint8_t *valid = NULL;
        size_t valid_len;

        assert_int_equal(codec_contact_encode(full, &valid, &valid_len), 0);
        for (int round = 0; round < 20000; round++) {
                size_t n = rnd(&seed) % 96;
                uint8_t *p = malloc(n ? n : 1);
                struct contact *c = NULL;
                struct interaction *i = NULL;
                int r;

                for (size_t k = 0; k < n; k++)
                        p[k] = (uint8_t)rnd(&seed);
                if (n >= 2 && (round & 1)) {
                        p[0] = (round & 2) ? 'C' : 'I';
                        p[1] = 1;
                }
                r = codec_contact_decode(p, n, &c);
                assert_true(r == 0 || r == -EBADMSG);
                contact_free(c);
                r = codec_interaction_decode(p, n, &i);
                assert_true(r == 0 || r == -EBADMSG);
                interaction_free(i);
                free(p);

                /* Flip bytes of a valid record. */
                p = malloc(valid_len);
                memcpy(p, valid, valid_len);
                for (int k = 0; k < 3; k++)
                        p[rnd(&seed) % valid_len] = (uint8_t)rnd(&seed);
                r = codec_contact_decode(p, valid_len, &c);
                assert_true(r == 0 || r == -EBADMSG);
                contact_free(c);
                c = NULL;
                free(p);
        }
        free(valid);
        contact_free(full);
}

/* Every field of the table survives encode → decode, and the struct is the table. */
static void test_every_table_field_round_trips(void **state)
{
        struct contact *c = contact_new(), *d = NULL;
        uint8_t *buf = NULL;
        size_t len;

        assert_contact_is_the_table();
        assert_non_null(c);
        c->id = 7;
        fill_every_field(c, 3);
        assert_int_equal(codec_contact_encode(c, &buf, &len), 0);
        assert_int_equal(codec_contact_decode(buf, len, &d), 0);
        assert_int_equal(d->id, 7);
        assert_every_field_equal(c, d, false);
        assert_int_equal(d->unknown_len, 0);
        contact_free(c);
        contact_free(d);
        free(buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_contact_round_trip_full),
            cmocka_unit_test(test_every_table_field_round_trips),
            cmocka_unit_test(test_contact_round_trip_empty),
            cmocka_unit_test(test_interaction_round_trip),
            cmocka_unit_test(test_unknown_tags_preserved),
            cmocka_unit_test(test_unknown_scope_alone),
            cmocka_unit_test(test_truncation),
            cmocka_unit_test(test_malformed),
            cmocka_unit_test(test_duplicate_scalar_last_wins),
            cmocka_unit_test(test_garbage),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
