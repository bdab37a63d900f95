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

static struct health_report health(void)
{
        struct health_report h = {.profile = PROFILE_JOB_SEEKING};

        h.net[NETWORK_OPERATIONAL] =
            (struct health_network){.share = 0.6, .target = 0.2, .verdict = HEALTH_OVER};
        h.net[NETWORK_PERSONAL] =
            (struct health_network){.share = 0.3, .target = 0.35, .verdict = HEALTH_BALANCED};
        h.net[NETWORK_STRATEGIC] =
            (struct health_network){.share = 0.1, .target = 0.45, .verdict = HEALTH_UNDER};
        return h;
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
        static const char *const expected[] = {"Olga", "Gary", "Rita", "Dee", "Pam", "Walt", "Sam"};

        assert_int_equal(rank_plan(cands, ARRAY_SIZE(cands), &h, EVERY, NOW, 0, &items, &n), 0);
        /* Olga 40+4, Gary 25+10, Rita 30, Dee 20 (due first), Pam 20, Walt 20, Sam 10+7.
         * Owen (owe 20) was touched two days ago (-25); Nina has no reason. */
        assert_int_equal(n, ARRAY_SIZE(expected));
        for (size_t i = 0; i < n; i++)
                assert_string_equal(name_of(&items[i]), expected[i]);
        assert_int_equal(items[0].score, 44);
        assert_int_equal(items[1].score, 35);
        assert_int_equal(items[6].score, 17);

        assert_true(has_reason(&items[0], RANK_OVERDUE, "12 days overdue (last: coffee, "));
        assert_string_equal(items[0].action, "get in touch with Olga");
        assert_true(has_reason(&items[1], RANK_GOAL,
                               "linked to your goal \"Land a PM role\" — ran the PM guild"));
        assert_true(has_reason(&items[1], RANK_GOAL, "not touched within the goal's interval"));
        assert_string_equal(items[1].action, "talk with Gary about \"Land a PM role\"");
        assert_true(has_reason(&items[2], RANK_PIPELINE, "reached out 9 days ago with no reply"));
        assert_string_equal(items[2].action, "send Rita a friendly nudge");
        assert_true(has_reason(&items[3], RANK_DUE_SOON, "due in 3 days"));
        assert_true(has_reason(&items[4], RANK_PIPELINE, "ask Ann for an introduction"));
        assert_string_equal(items[4].action, "ask Ann to introduce you to Pam");
        assert_true(has_reason(&items[5], RANK_WARM_PATH, "your warmest path to Pam"));
        assert_string_equal(items[5].action, "ask Walt for an introduction to Pam");
        assert_true(has_reason(&items[6], RANK_UNDER_SERVED,
                               "strategic network, which gets 10% of your attention against 45% "
                               "for your profile (job-seeking)"));
        free(items);

        assert_int_equal(rank_plan(cands, ARRAY_SIZE(cands), &h, EVERY, NOW, 3, &items, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(name_of(&items[2]), "Rita");
        free(items);
}

static void test_owe_and_thanks(void **state)
{
        struct rank_candidate c[] = {
            {.id = 1, .name = "Owen", .last_touch = AGO(10), .got = 3, .gave = 1},
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

        assert_int_equal(rank_plan(c, ARRAY_SIZE(c), NULL, EVERY, NOW, 0, &items, &n), 0);
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

        assert_int_equal(rank_plan(NULL, 0, NULL, EVERY, NOW, 5, &items, &n), 0);
        assert_int_equal(n, 0);
        free(items);
        assert_string_equal(rank_reason_to_string(RANK_WARM_PATH), "warm-path");
        assert_null(rank_reason_to_string(_RANK_REASON_MAX));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_order),
            cmocka_unit_test(test_owe_and_thanks),
            cmocka_unit_test(test_nothing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
