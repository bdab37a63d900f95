/* Plan ranking on hand-checked candidates: order, reasons in words, exclusions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rank.h"
#include "timeutil.h"

#define NOW    (1000 * DURATION_DAY)
#define AGO(d) (NOW - (d)*DURATION_DAY)
#define OP     (1u << NETWORK_OPERATIONAL)
#define PE     (1u << NETWORK_PERSONAL)
#define ST     (1u << NETWORK_STRATEGIC)
#define EVERY  (30 * DURATION_DAY)
#define RECENT (14 * DURATION_DAY)

static struct health_report health(void)
{
        struct health_report h = {.profile = PROFILE_JOB_SEEKING, .tolerance = 10};

        h.net[NETWORK_OPERATIONAL] = (struct health_network){
            .share = 0.6, .target = 0.2, .share_pct = 60, .target_pct = 20, .verdict = HEALTH_OVER};
        h.net[NETWORK_PERSONAL] = (struct health_network){.share = 0.3,
                                                          .target = 0.35,
                                                          .share_pct = 30,
                                                          .target_pct = 35,
                                                          .verdict = HEALTH_BALANCED};
        h.net[NETWORK_STRATEGIC] = (struct health_network){.share = 0.1,
                                                           .target = 0.45,
                                                           .share_pct = 10,
                                                           .target_pct = 45,
                                                           .verdict = HEALTH_UNDER};
        return h;
}

static int plan(const struct rank_candidate *c, size_t n, const struct health_report *h,
                size_t limit, struct rank_item **items, size_t *n_items)
{
        const struct rank_options o = {
            .health = h, .goal_every = EVERY, .recent = RECENT, .now = NOW, .limit = limit};

        return rank_plan(c, n, &o, items, n_items);
}

static double number_of(const struct rank_reason *r, const char *key)
{
        for (size_t i = 0; i < r->n_numbers; i++)
                if (strcmp(r->numbers[i].key, key) == 0)
                        return r->numbers[i].value;
        return -1;
}

static const struct rank_candidate cands[] = {
    /* 0 */ {.id = 1,
             .name = "Olga",
             .networks = OP,
             .next_due = AGO(12),
             .last_touch = AGO(100),
             .last_kind = "coffee"},
    /* 1 */
    {.id = 2,
     .name = "Gary",
     .networks = PE,
     .last_touch = AGO(40),
     .n_goals = 1,
     .goal_title = "Land a PM role",
     .goal_why = "ran the PM guild"},
    /* 2 */
    {.id = 3,
     .name = "Pam",
     .stage = STAGE_WANT_TO_MEET,
     .stage_changed = AGO(2),
     .via_name = "Ann"},
    /* 3 */ {.id = 4, .name = "Owen", .networks = OP, .last_touch = AGO(2), .got = 3, .gave = 1},
    /* 4 */ {.id = 5, .name = "Rita", .stage = STAGE_REACHED_OUT, .stage_changed = AGO(9)},
    /* 5 */ {.id = 6, .name = "Nina", .networks = PE, .last_touch = AGO(50)},
    /* 6 */ {.id = 7, .name = "Sam", .networks = ST, .last_touch = AGO(30)},
    /* 7 */
    {.id = 8,
     .name = "Walt",
     .networks = OP,
     .last_touch = AGO(20),
     .warm_path_to = "Pam",
     .warm_path_stage = "want-to-meet"},
    /* 8 */ {.id = 9, .name = "Dee", .networks = OP, .next_due = AGO(-3), .last_touch = AGO(60)},
};

static const char *name_of(const struct rank_item *it)
{
        return cands[it->index].name;
}

static bool has_reason(const struct rank_item *it, enum rank_reason_code code, const char *text)
{
        for (size_t i = 0; i < it->n_reasons; i++)
                if (it->reasons[i].code == code && strstr(it->reasons[i].text, text))
                        return true;
        return false;
}

static void test_order(void **state)
{
        struct health_report h = health();
        struct rank_item *items = NULL;
        size_t n = 0;
        static const char *const expected[] = {"Sam", "Olga", "Gary", "Rita", "Pam", "Dee", "Walt"};

        assert_int_equal(plan(cands, ARRAY_SIZE(cands), &h, 0, &items, &n), 0);
        /* Sam: under-served strategic 15 + 35 missing points, + 7 for a job-seeker's strategic
         * network = 57; Olga 40+4 - 8 (operational weighs 20%) = 36; Gary 25+10 + 1 = 36
         * (Olga is due, so first); Rita 30; Pam 20; Dee 20-8 (due first) and Walt 20-8.
         * Owen (owe 20) was touched two days ago with nothing dated; Nina has no reason. */
        assert_int_equal(n, ARRAY_SIZE(expected));
        for (size_t i = 0; i < n; i++)
                assert_string_equal(name_of(&items[i]), expected[i]);
        assert_int_equal(items[0].score, 57);
        assert_int_equal(items[1].score, 36);
        assert_int_equal(items[2].score, 36);
        assert_int_equal(items[6].score, 12);
        {
                struct rank_item *sam = &items[0], *olga = &items[1];

                assert_true(has_reason(sam, RANK_UNDER_SERVED,
                                       "strategic network, which gets 10% of your attention "
                                       "against 45% (±10) for your profile (job-seeking)"));
                assert_int_equal(sam->reasons[0].code, RANK_UNDER_SERVED);
                assert_true(number_of(&sam->reasons[0], "share") == 0.1);
                assert_true(number_of(&sam->reasons[0], "target") == 0.45);
                assert_true(number_of(&sam->reasons[0], "days_since_touch") == 30);
                assert_true(has_reason(sam, RANK_PROFILE, "job-seeking profile"));
                assert_int_equal(olga->reasons[0].code, RANK_OVERDUE);
                assert_true(number_of(&olga->reasons[0], "days_overdue") == 12);
                assert_true(number_of(&olga->reasons[0], "days_since_touch") == 100);
                memmove(items, items + 1, 6 * sizeof(*items)); /* the old order from here */
        }

        assert_true(has_reason(&items[0], RANK_OVERDUE, "12 days overdue (last: coffee, "));
        assert_string_equal(items[0].action, "get in touch with Olga");
        assert_true(has_reason(&items[1], RANK_GOAL,
                               "linked to your goal \"Land a PM role\" — ran the PM guild"));
        assert_true(has_reason(&items[1], RANK_GOAL, "not touched within the goal's interval"));
        assert_string_equal(items[1].action, "talk with Gary about \"Land a PM role\"");
        assert_true(has_reason(&items[2], RANK_PIPELINE, "reached out 9 days ago with no reply"));
        assert_string_equal(items[2].action, "send Rita a friendly nudge");
        assert_true(has_reason(&items[3], RANK_PIPELINE, "ask Ann for an introduction"));
        assert_string_equal(items[3].action, "ask Ann to introduce you to Pam");
        assert_true(has_reason(&items[4], RANK_DUE_SOON, "due in 3 days"));
        assert_true(has_reason(&items[5], RANK_WARM_PATH, "your warmest path to Pam"));
        assert_string_equal(items[5].action, "ask Walt for an introduction to Pam");
        free(items);

        assert_int_equal(plan(cands, ARRAY_SIZE(cands), &h, 3, &items, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(name_of(&items[2]), "Gary");
        free(items);
}

static void test_owe_and_thanks(void **state)
{
        struct rank_candidate c[] = {
            {.id = 1, .name = "Owen", .last_touch = AGO(20), .got = 3, .gave = 1},
            {.id = 2,
             .name = "Mia",
             .stage = STAGE_MET,
             .stage_changed = AGO(1),
             .last_touch = AGO(1)},
            {.id = 3,
             .name = "Mo",
             .stage = STAGE_MET,
             .stage_changed = AGO(3),
             .last_touch = AGO(2)}, /* thanked already */
            {.id = 4, .name = "Al", .stage = STAGE_REACHED_OUT, .stage_changed = AGO(3)},
        };
        struct rank_item *items = NULL;
        size_t n = 0;

        assert_int_equal(plan(c, ARRAY_SIZE(c), NULL, 0, &items, &n), 0);
        assert_int_equal(n, 2);
        /* Mia: the thank-you (30) counts although she was touched yesterday. */
        assert_string_equal(c[items[0].index].name, "Mia");
        assert_true(has_reason(&items[0], RANK_PIPELINE, "you met yesterday: send a thank-you"));
        assert_string_equal(items[0].action, "thank Mia");
        assert_string_equal(c[items[1].index].name, "Owen");
        assert_int_equal(items[1].score, 20);
        assert_true(has_reason(&items[1], RANK_OWE, "they gave you 3 things and you gave back 1"));
        assert_string_equal(items[1].action, "offer Owen something back");
        free(items);
}

static void test_nothing(void **state)
{
        struct rank_item *items = NULL;
        size_t n = 7;

        assert_int_equal(plan(NULL, 0, NULL, 5, &items, &n), 0);
        assert_int_equal(n, 0);
        free(items);
        assert_string_equal(rank_reason_to_string(RANK_WARM_PATH), "warm-path");
        assert_null(rank_reason_to_string(_RANK_REASON_MAX));
}

/* A week after a deck review with Fatima the plan does not say to talk with her: touched
 * within the recent window, she comes back only with a dated reason. */
static void test_recent_touch_needs_a_date(void **state)
{
        struct health_report h = health();
        struct rank_candidate c[] = {
            {.id = 1, .name = "Fatima", .networks = ST, .last_touch = AGO(7), .got = 2},
            {.id = 2, .name = "Due Dan", .networks = ST, .last_touch = AGO(7), .next_due = AGO(1)},
            {.id = 3, .name = "Old Olive", .networks = ST, .last_touch = AGO(15)},
        };
        struct rank_item *items = NULL;
        size_t n = 0;

        (void)state;
        assert_int_equal(plan(c, ARRAY_SIZE(c), &h, 0, &items, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(c[items[0].index].name, "Old Olive"); /* under-served 50 + 7 */
        assert_string_equal(c[items[1].index].name, "Due Dan");
        free(items);

        /* Turned off (recent 0s), Fatima is back for what she is owed. */
        {
                const struct rank_options o = {
                    .health = &h, .goal_every = EVERY, .recent = 0, .now = NOW};

                assert_int_equal(rank_plan(c, ARRAY_SIZE(c), &o, &items, &n), 0);
                assert_int_equal(n, 3);
                free(items);
        }
}

/* "Ask David to introduce you to Tara" and "talk with David… warmest path to Tara": one entry. */
static void test_one_entry_per_person(void **state)
{
        struct rank_candidate c[] = {
            {.id = 1,
             .name = "Tara",
             .stage = STAGE_WANT_TO_MEET,
             .stage_changed = AGO(3),
             .via_name = "David",
             .via_id = 2},
            {.id = 2,
             .name = "David",
             .networks = OP,
             .last_touch = AGO(40),
             .warm_path_to = "Tara",
             .warm_path_to_id = 1,
             .warm_path_stage = "want-to-meet"},
            {.id = 3,
             .name = "Mia",
             .stage = STAGE_WANT_TO_MEET,
             .stage_changed = AGO(10),
             .via_name = "David",
             .via_id = 2,
             .intro_asked = true},
        };
        struct rank_item *items = NULL;
        size_t n = 0;

        (void)state;
        assert_int_equal(plan(c, ARRAY_SIZE(c), NULL, 0, &items, &n), 0);
        /* Mia: already asked, nothing to do; Tara's step and David's path are one entry. */
        assert_int_equal(n, 1);
        assert_string_equal(c[items[0].index].name, "David");
        assert_string_equal(items[0].action, "ask David to introduce you to Tara");
        assert_true(has_reason(&items[0], RANK_PIPELINE, "Tara: prospect you want to meet"));
        assert_false(has_reason(&items[0], RANK_WARM_PATH, "Tara"));
        free(items);
}

/* The profile changes the ranking: the same people, job-seeking against founder. */
static void test_profile_changes_the_top(void **state)
{
        static const int64_t t_op[] = {AGO(20), AGO(25), AGO(30), AGO(35)};
        static const int64_t t_st[] = {AGO(22), AGO(40)};
        const struct health_person people[] = {
            {.name = "Opal",
             .networks = OP,
             .last_touch = AGO(20),
             .touches = t_op,
             .n_touches = 4},
            {.name = "Stan",
             .networks = ST,
             .last_touch = AGO(22),
             .touches = t_st,
             .n_touches = 2},
            {.name = "Pia", .networks = PE},
            {.name = "Otto", .networks = OP, .next_due = AGO(5), .last_touch = AGO(60)},
            {.name = "Sue", .networks = ST, .next_due = AGO(5), .last_touch = AGO(60)},
        };
        struct rank_candidate c[ARRAY_SIZE(people)];
        const char *top[2][2];
        const enum profile profiles[] = {PROFILE_JOB_SEEKING, PROFILE_FOUNDER};

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(people); i++)
                c[i] = (struct rank_candidate){.id = i + 1,
                                               .name = people[i].name,
                                               .networks = people[i].networks,
                                               .last_touch = people[i].last_touch,
                                               .next_due = people[i].next_due};
        for (size_t p = 0; p < 2; p++) {
                struct health_report h;
                struct rank_item *items = NULL;
                size_t n = 0;

                assert_int_equal(
                    health_compute(people, ARRAY_SIZE(people), NULL, 0, profiles[p], 10, NOW, &h),
                    0);
                assert_int_equal(plan(c, ARRAY_SIZE(c), &h, 2, &items, &n), 0);
                assert_int_equal(n, 2);
                top[p][0] = c[items[0].index].name;
                top[p][1] = c[items[1].index].name;
                /* Health's under-served networks have their people in the plan. */
                for (int k = 0; k < _NETWORK_MAX; k++) {
                        bool found = false;

                        if (h.net[k].verdict != HEALTH_UNDER || h.net[k].people == 0)
                                continue;
                        for (size_t i = 0; i < n; i++)
                                found |= (c[items[i].index].networks & (1u << k)) != 0;
                        assert_true(found);
                }
                free(items);
        }
        /* Job-seeking: strategic Sue before operational Otto; founder: the other way. */
        assert_false(strcmp(top[0][0], top[1][0]) == 0 && strcmp(top[0][1], top[1][1]) == 0);
        assert_string_equal(top[0][0], "Sue");
}

/* me offers against what people you owe and prospects need, as a reason of its own. */
static void test_offer_reason(void **state)
{
        char *offers[] = {"Product discovery workshops", NULL};
        struct rank_candidate c[] = {
            {.id = 1,
             .name = "Owed",
             .last_touch = AGO(30),
             .got = 2,
             .needs = {"runs discovery for her team", NULL, NULL}},
            {.id = 2,
             .name = "Due",
             .next_due = AGO(1),
             .last_touch = AGO(30),
             .needs = {"discovery", NULL, NULL}},
            {.id = 3,
             .name = "Pros",
             .stage = STAGE_WANT_TO_MEET,
             .stage_changed = AGO(1),
             .needs = {NULL, NULL, "ask about workshops"}},
        };
        const struct rank_options o = {
            .goal_every = EVERY, .recent = RECENT, .now = NOW, .offers = offers, .n_offers = 1};
        struct rank_item *items = NULL;
        size_t n = 0;

        (void)state;
        assert_int_equal(rank_plan(c, ARRAY_SIZE(c), &o, &items, &n), 0);
        assert_int_equal(n, 3);
        for (size_t i = 0; i < n; i++) {
                bool offer =
                    has_reason(&items[i], RANK_OFFER, "you offer \"Product discovery workshops\"");

                /* Not for someone neither owed nor a prospect, whatever they need. */
                assert_int_equal(offer, c[items[i].index].id != 2);
        }
        free(items);
}

static void test_intro_asked(void **state)
{
        (void)state;
        assert_true(rank_is_ask_kind("ask"));
        assert_true(rank_is_ask_kind("intro"));
        assert_true(rank_is_ask_kind("referral"));
        assert_false(rank_is_ask_kind("coffee"));
        assert_false(rank_is_ask_kind(NULL));
        /* Asked the go-between after they became a prospect: taken. Before: not. */
        assert_true(rank_intro_asked(AGO(10), 0, AGO(2), false));
        assert_false(rank_intro_asked(AGO(10), 0, AGO(20), false));
        assert_true(rank_intro_asked(AGO(10), AGO(1), 0, false));
        assert_true(rank_intro_asked(AGO(10), 0, 0, true));
        assert_false(rank_intro_asked(AGO(10), 0, 0, false));
}

static void test_offer_match(void **state)
{
        char *offers[] = {"Product discovery workshops", "Intros to Berlin founders", NULL};
        char word[48];

        (void)state;
        assert_ptr_equal(
            rank_offer_match(offers, 2, "Needs help with discovery interviews", word, sizeof(word)),
            offers[0]);
        assert_string_equal(word, "discovery");
        assert_ptr_equal(
            rank_offer_match(offers, 2, "raising: wants Founders in Berlin", word, sizeof(word)),
            offers[1]);
        assert_null(rank_offer_match(offers, 2, "with your help", word, sizeof(word)));
        assert_null(rank_offer_match(offers, 2, "rediscovery", word, sizeof(word)));
        assert_null(rank_offer_match(offers, 2, NULL, word, sizeof(word)));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_order),
            cmocka_unit_test(test_owe_and_thanks),
            cmocka_unit_test(test_nothing),
            cmocka_unit_test(test_recent_touch_needs_a_date),
            cmocka_unit_test(test_one_entry_per_person),
            cmocka_unit_test(test_profile_changes_the_top),
            cmocka_unit_test(test_offer_match),
            cmocka_unit_test(test_intro_asked),
            cmocka_unit_test(test_offer_reason),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
