/* Sync cards (daemon/core/sync-card.c): stamping revs, the field-by-field merge, conflicts
 * kept visible and settled, interactions united, and the round trip through a vCard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sync-card.h"
#include "util.h"

static json_t *card(const char *json)
{
        json_t *c = json_loads(json, 0, NULL);

        assert_non_null(c);
        return c;
}

static const char *str(json_t *o, const char *k)
{
        return json_string_value(json_object_get(o, k));
}

/* base → a and b each stamped at their own time, as two machines would. */
static void edit(json_t *c, const char *k, const char *v, json_t *base, int64_t now)
{
        if (v)
                json_object_set_new(c, k, json_string(v));
        else
                json_object_del(c, k);
        assert_int_equal(sync_card_stamp(c, base, now, NULL, NULL), 0);
}

static json_t *base_card(void)
{
        json_t *b = card("{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"name\":\"Ada\","
                         "\"title\":\"Countess\",\"org\":\"Engines\"}");

        assert_int_equal(sync_card_stamp(b, NULL, 100, NULL, NULL), 0);
        return b;
}

static void test_different_fields_both_kept(void **state)
{
        json_auto_t *base = base_card(), *a = json_deep_copy(base), *b = json_deep_copy(base);
        json_auto_t *m1 = NULL, *m2 = NULL;
        unsigned conflicts = 9;

        (void)state;
        edit(a, "title", "Mathematician", base, 200);
        edit(b, "org", NULL, base, 300);
        assert_int_equal(sync_card_merge(a, b, &m1, &conflicts), 0);
        assert_int_equal(conflicts, 0);
        assert_string_equal(str(m1, "title"), "Mathematician");
        assert_null(json_object_get(m1, "org"));
        /* The same either way round. */
        assert_int_equal(sync_card_merge(b, a, &m2, &conflicts), 0);
        assert_true(json_equal(m1, m2));
}

static void test_edit_of_the_other_wins(void **state)
{
        json_auto_t *base = base_card(), *a = json_deep_copy(base), *m = NULL, *b = NULL;
        unsigned conflicts = 9;

        (void)state;
        edit(a, "title", "Mathematician", base, 200);
        b = json_deep_copy(a);
        edit(b, "title", "Analyst", a, 300); /* b saw a's value, then edited it */
        assert_int_equal(sync_card_merge(a, b, &m, &conflicts), 0);
        assert_int_equal(conflicts, 0);
        assert_string_equal(str(m, "title"), "Analyst");
}

static void test_same_field_is_a_conflict_until_edited(void **state)
{
        json_auto_t *base = base_card(), *a = json_deep_copy(base), *b = json_deep_copy(base);
        json_auto_t *m1 = NULL, *m2 = NULL, *list = NULL, *next = NULL;
        unsigned conflicts = 0;

        (void)state;
        edit(a, "title", "Mathematician", base, 200);
        edit(b, "title", "Enchantress", base, 300);
        assert_int_equal(sync_card_merge(a, b, &m1, &conflicts), 0);
        assert_int_equal(conflicts, 1);
        assert_string_equal(str(m1, "title"), "Enchantress"); /* the newer */
        list = sync_card_conflicts(m1);
        assert_int_equal(json_array_size(list), 1);
        assert_string_equal(str(json_array_get(list, 0), "field"), "title");
        assert_string_equal(str(json_array_get(list, 0), "other"), "Mathematician");
        assert_int_equal(sync_card_merge(b, a, &m2, NULL), 0);
        assert_true(json_equal(m1, m2));
        /* Merging the merged card with either side changes nothing more. */
        json_decref(m2);
        assert_int_equal(sync_card_merge(m1, a, &m2, &conflicts), 0);
        assert_int_equal(conflicts, 0);
        assert_true(json_equal(json_object_get(m1, "title"), json_object_get(m2, "title")));
        /* Nothing settles it but an edit. */
        assert_int_equal(sync_card_settle(m1), 0);
        next = json_deep_copy(m1);
        edit(next, "title", "Countess of Lovelace", m1, 1u << 30);
        assert_int_equal(sync_card_settle(next), 1);
        json_decref(list);
        list = sync_card_conflicts(next);
        assert_int_equal(json_array_size(list), 0);
}

static void test_interactions_united_and_deleted_for_good(void **state)
{
        json_auto_t *a =
            card("{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"name\":\"Ada\","
                 "\"interactions\":[{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000001\","
                 "\"kind\":\"coffee\",\"rev\":5},{\"uuid\":\"aaaaaaaa-0000-4000-8000-"
                 "000000000002\",\"kind\":\"call\",\"note\":\"old\",\"rev\":5}]}");
        json_auto_t *b =
            card("{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"name\":\"Ada\","
                 "\"interactions\":[{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000002\","
                 "\"kind\":\"call\",\"note\":\"new\",\"rev\":9},{\"uuid\":\"aaaaaaaa-"
                 "0000-4000-8000-000000000003\",\"kind\":\"lunch\",\"rev\":7}],"
                 "\"interactions_deleted\":[{\"uuid\":\"aaaaaaaa-0000-4000-8000-"
                 "000000000001\",\"rev\":8}]}");
        json_auto_t *m = NULL;
        json_t *list;

        (void)state;
        assert_int_equal(sync_card_merge(a, b, &m, NULL), 0);
        list = json_object_get(m, "interactions");
        assert_int_equal(json_array_size(list), 2);
        for (size_t i = 0; i < 2; i++) {
                json_t *v = json_array_get(list, i);

                if (streq(str(v, "kind"), "call"))
                        assert_string_equal(str(v, "note"), "new"); /* the edit wins by rev */
                else
                        assert_string_equal(str(v, "kind"), "lunch");
        }
        assert_int_equal(json_array_size(json_object_get(m, "interactions_deleted")), 1);
}

static bool deleted_2(const char *uuid, void *userdata)
{
        (void)userdata;
        return streq(uuid, "aaaaaaaa-0000-4000-8000-000000000002");
}

#define KEEPER "{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"name\":\"Ada\""
#define I1     "{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"kind\":\"coffee\"}"
#define I2     "{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000002\",\"kind\":\"call\"}"

static void test_interaction_gone_without_deletion_is_marked_moved(void **state)
{
        json_auto_t *base = card(KEEPER ",\"interactions\":[" I1 "," I2 "]}");
        json_auto_t *now = card(KEEPER ",\"interactions\":[]}"), *back = NULL;
        json_t *dead, *m1, *m2;

        (void)state;
        assert_int_equal(sync_card_stamp(base, NULL, 100, deleted_2, NULL), 0);
        assert_int_equal(sync_card_stamp(now, base, 200, deleted_2, NULL), 0);
        dead = json_object_get(now, "interactions_deleted");
        assert_int_equal(json_array_size(dead), 2);
        m1 = json_array_get(dead, 0);
        m2 = json_array_get(dead, 1);
        if (streq(str(m1, "uuid"), "aaaaaaaa-0000-4000-8000-000000000002")) {
                m1 = json_array_get(dead, 1);
                m2 = json_array_get(dead, 0);
        }
        /* #1 left the person (moved, or its log undone): no deletion; #2 was deleted. */
        assert_true(json_is_true(json_object_get(m1, "moved")));
        assert_null(json_object_get(m2, "moved"));
        assert_int_equal(json_integer_value(json_object_get(m1, "rev")), 200);
        /* It comes back (the undo undone): its marker goes, it has a newer rev. */
        back = card(KEEPER ",\"interactions\":[" I1 "]}");
        assert_int_equal(sync_card_stamp(back, now, 300, deleted_2, NULL), 0);
        dead = json_object_get(back, "interactions_deleted");
        assert_int_equal(json_array_size(dead), 1);
        assert_string_equal(str(json_array_get(dead, 0), "uuid"),
                            "aaaaaaaa-0000-4000-8000-000000000002");
        assert_int_equal(json_integer_value(json_object_get(
                             json_array_get(json_object_get(back, "interactions"), 0), "rev")),
                         300);
}

static void test_undone_merge_travels(void **state)
{
        /* Both machines agreed: O merged into Ada, with O's interaction. */
        json_auto_t *base = card(KEEPER ",\"emails\":[\"a@x\",\"o@x\"],\"merged\":"
                                        "[\"99999999-2222-4333-8444-555555555555\"],"
                                        "\"interactions\":[" I1 "]}");
        json_auto_t *b = NULL, *a = NULL, *m1 = NULL, *m2 = NULL;
        json_t *dead;

        (void)state;
        assert_int_equal(sync_card_stamp(base, NULL, 100, NULL, NULL), 0);
        b = json_deep_copy(base);
        assert_int_equal(sync_card_stamp(b, base, 150, deleted_2, NULL), 0);
        /* A undid it: O and its interaction and email are O's again. */
        a = card(KEEPER ",\"emails\":[\"a@x\"],\"interactions\":[]}");
        assert_int_equal(sync_card_stamp(a, base, 200, deleted_2, NULL), 0);
        assert_null(json_object_get(a, "merged"));
        assert_int_equal(sync_card_merge(b, a, &m1, NULL), 0);
        assert_int_equal(sync_card_merge(a, b, &m2, NULL), 0);
        assert_true(json_equal(m1, m2));
        assert_null(json_object_get(m1, "merged"));
        assert_int_equal(json_array_size(json_object_get(m1, "emails")), 1);
        assert_int_equal(json_array_size(json_object_get(m1, "interactions")), 0);
        dead = json_object_get(m1, "interactions_deleted");
        assert_int_equal(json_array_size(dead), 1);
        assert_true(json_is_true(json_object_get(json_array_get(dead, 0), "moved")));
}

static void test_concurrent_merges_both_stand(void **state)
{
        json_auto_t *base = card(KEEPER "}"), *a = NULL, *b = NULL, *m1 = NULL, *m2 = NULL;
        unsigned conflicts = 9;
        json_t *merged;

        (void)state;
        assert_int_equal(sync_card_stamp(base, NULL, 100, NULL, NULL), 0);
        a = card(KEEPER ",\"merged\":[\"99999999-2222-4333-8444-555555555555\"]}");
        b = card(KEEPER ",\"merged\":[\"88888888-2222-4333-8444-555555555555\"]}");
        assert_int_equal(sync_card_stamp(a, base, 200, NULL, NULL), 0);
        assert_int_equal(sync_card_stamp(b, base, 300, NULL, NULL), 0);
        assert_int_equal(sync_card_merge(a, b, &m1, &conflicts), 0);
        assert_int_equal(conflicts, 0);
        assert_int_equal(sync_card_merge(b, a, &m2, &conflicts), 0);
        assert_true(json_equal(m1, m2));
        merged = json_object_get(m1, "merged");
        assert_int_equal(json_array_size(merged), 2);
        assert_string_equal(json_string_value(json_array_get(merged, 0)),
                            "88888888-2222-4333-8444-555555555555");
}

static void test_merged_without_revs_is_united(void **state)
{
        /* Cards from before X-TEND-MERGED had a rev of its own: the list only ever grew. */
        json_auto_t *a = card(KEEPER ",\"merged\":[\"99999999-2222-4333-8444-555555555555\"]}");
        json_auto_t *b = card(KEEPER "}"), *m1 = NULL, *m2 = NULL;

        (void)state;
        assert_int_equal(sync_card_merge(a, b, &m1, NULL), 0);
        assert_int_equal(sync_card_merge(b, a, &m2, NULL), 0);
        assert_true(json_equal(m1, m2));
        assert_int_equal(json_array_size(json_object_get(m1, "merged")), 1);
}

static void test_newer_interaction_replaces_the_older_whole(void **state)
{
        json_auto_t *a = card(KEEPER ",\"interactions\":[{\"uuid\":\"aaaaaaaa-0000-4000-8000-"
                                     "000000000001\",\"kind\":\"call\",\"note\":\"old\","
                                     "\"rev\":5}]}");
        json_auto_t *b = card(KEEPER ",\"interactions\":[{\"uuid\":\"aaaaaaaa-0000-4000-8000-"
                                     "000000000001\",\"kind\":\"call\",\"rev\":9}]}");
        json_auto_t *m = NULL;

        (void)state;
        assert_int_equal(sync_card_merge(a, b, &m, NULL), 0);
        assert_null(json_object_get(json_array_get(json_object_get(m, "interactions"), 0), "note"));
}

static void test_vcard_round_trip(void **state)
{
        json_auto_t *base = base_card(), *back = NULL;
        _cleanup_free_ char *text = NULL;
        char reason[128];
        size_t len;

        (void)state;
        json_object_set_new(base, "interactions",
                            json_pack("[{s:s,s:s,s:s,s:s,s:I}]", "uuid",
                                      "aaaaaaaa-0000-4000-8000-000000000001", "at",
                                      "2025-01-01T10:00:00Z", "kind", "coffee", "note",
                                      "a, b; c\\ d\nline two", "rev", (json_int_t)5));
        json_object_set_new(base, "merged",
                            json_pack("[s]", "22222222-2222-4333-8444-555555555555"));
        assert_int_equal(sync_card_write(base, &text, &len), 0);
        assert_non_null(strstr(text, "X-TEND-INTERACTION:"));
        assert_non_null(strstr(text, "X-TEND-MERGED:22222222-2222-4333-8444-555555555555"));
        assert_int_equal(sync_card_read(text, len, &back, reason, sizeof(reason)), 0);
        assert_true(json_equal(json_object_get(back, "interactions"),
                               json_object_get(base, "interactions")));
        assert_true(json_equal(json_object_get(back, "revs"), json_object_get(base, "revs")));
        assert_true(json_equal(json_object_get(back, "merged"), json_object_get(base, "merged")));
        assert_string_equal(str(back, "title"), "Countess");
}

static void test_hostile_cards(void **state)
{
        static const char *const bad[] = {
            "",
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:No Uid\r\nEND:VCARD\r\n",
            "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:Half",
            "\xff\xfe\x00garbage",
        };
        json_t *c = NULL;
        char reason[128];

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                reason[0] = 0;
                assert_int_equal(sync_card_read(bad[i], strlen(bad[i]), &c, reason, sizeof(reason)),
                                 -EINVAL);
                assert_true(reason[0] != 0);
        }
        /* Revs that are no JSON are dropped with the card still read. */
        static const char no_json[] = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:Ok\r\n"
                                      "X-TEND-REVS:{nope\r\nEND:VCARD\r\n";
        assert_int_equal(sync_card_read(no_json, strlen(no_json), &c, reason, sizeof(reason)), 0);
        assert_null(json_object_get(c, "revs"));
        json_decref(c);
}

static void test_exclude_parse(void **state)
{
        const char *bad = NULL;

        (void)state;
        assert_int_equal(sync_exclude_parse("notes, history", NULL),
                         SYNC_EXCLUDE_NOTES | SYNC_EXCLUDE_HISTORY);
        assert_int_equal(sync_exclude_parse("ledger goals", NULL),
                         SYNC_EXCLUDE_LEDGER | SYNC_EXCLUDE_GOALS);
        assert_int_equal(sync_exclude_parse("", NULL), 0);
        assert_int_equal(sync_exclude_parse("notes, secrets", &bad), -EINVAL);
        assert_string_equal(bad, "secrets");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_different_fields_both_kept),
            cmocka_unit_test(test_edit_of_the_other_wins),
            cmocka_unit_test(test_same_field_is_a_conflict_until_edited),
            cmocka_unit_test(test_interactions_united_and_deleted_for_good),
            cmocka_unit_test(test_interaction_gone_without_deletion_is_marked_moved),
            cmocka_unit_test(test_undone_merge_travels),
            cmocka_unit_test(test_concurrent_merges_both_stand),
            cmocka_unit_test(test_merged_without_revs_is_united),
            cmocka_unit_test(test_newer_interaction_replaces_the_older_whole),
            cmocka_unit_test(test_vcard_round_trip),
            cmocka_unit_test(test_hostile_cards),
            cmocka_unit_test(test_exclude_parse),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
