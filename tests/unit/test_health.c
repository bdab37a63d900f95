/* Network health figures on a small hand-checked network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "health.h"
#include "timeutil.h"

#define NOW    (1000 * DURATION_DAY)
#define AGO(d) (NOW - (d)*DURATION_DAY)
#define OP     (1u << NETWORK_OPERATIONAL)
#define PE     (1u << NETWORK_PERSONAL)
#define ST     (1u << NETWORK_STRATEGIC)

static const int64_t touches_a[] = {AGO(40), AGO(10), AGO(70)}; /* any order */
static const int64_t touches_b[] = {AGO(60), AGO(100)};
static const int64_t touches_d[] = {AGO(20)};

static const struct health_person people[] = {
    /* A */ {.networks = OP,
             .last_touch = AGO(10),
             .next_due = AGO(1),
             .org = "Acme",
             .touches = touches_a,
             .n_touches = 3},
    /* B */
    {.networks = OP | ST,
     .last_touch = AGO(60),
     .org = " acme",
     .introduced = true,
     .touches = touches_b,
     .n_touches = 2},
    /* C */ {.networks = PE},
    /* D */
    {.networks = ST,
     .last_touch = AGO(20),
     .next_due = AGO(-5),
     .org = "Initech",
     .touches = touches_d,
     .n_touches = 1},
    /* E */ {.networks = 0, .last_touch = AGO(2)},
};

static const struct health_intro intros[] = {
    {OP, PE},
    {ST, 0},
};

static void test_figures(void **state)
{
        struct health_report h;
        const struct health_network *op, *pe, *st;

        assert_int_equal(health_compute(people, 5, intros, 2, PROFILE_JOB_SEEKING,
                                        HEALTH_TOLERANCE_DEF, NOW, &h),
                         0);
        op = &h.net[NETWORK_OPERATIONAL];
        pe = &h.net[NETWORK_PERSONAL];
        st = &h.net[NETWORK_STRATEGIC];
        assert_int_equal(h.people, 5);
        assert_int_equal(h.unfiled, 1);

        assert_int_equal(op->people, 2);
        assert_int_equal(op->touched_30, 1);
        assert_int_equal(op->touched_90, 2);
        assert_int_equal(op->never_touched, 0);
        assert_int_equal(op->overdue, 1);
        assert_true(fabs(op->median_gap_days - 30) < 1e-9); /* gaps 30, 30, 40 */
        assert_int_equal(op->orgs, 1);                      /* Acme and " acme" */
        assert_int_equal(op->intros_made, 1);
        assert_int_equal(op->intros_received, 1);
        assert_int_equal(op->touches_90, 4); /* A: 3, B: 1 (100 days ago is out) */

        assert_int_equal(pe->people, 1);
        assert_int_equal(pe->never_touched, 1);
        assert_int_equal(pe->touched_90, 0);
        assert_true(pe->median_gap_days < 0);
        assert_int_equal(pe->orgs, 0);
        assert_int_equal(pe->intros_made, 1);
        assert_int_equal(pe->touches_90, 0);

        assert_int_equal(st->people, 2);
        assert_int_equal(st->touched_30, 1);
        assert_int_equal(st->touched_90, 2);
        assert_int_equal(st->overdue, 0);
        assert_true(fabs(st->median_gap_days - 40) < 1e-9);
        assert_int_equal(st->orgs, 2);
        assert_int_equal(st->intros_made, 1);
        assert_int_equal(st->intros_received, 1);
        assert_int_equal(st->touches_90, 2);

        /* 6 touches: 4/6, 0, 2/6 against 20/35/45 %. */
        assert_int_equal(h.touches_90, 6);
        assert_true(fabs(op->share - 4.0 / 6) < 1e-9);
        assert_true(fabs(st->share - 2.0 / 6) < 1e-9);
        assert_int_equal(op->verdict, HEALTH_OVER);
        assert_int_equal(pe->verdict, HEALTH_UNDER);
        assert_int_equal(st->verdict, HEALTH_UNDER);
        assert_true(
            fabs(h.balance - (1 - (fabs(4.0 / 6 - 0.2) + 0.35 + fabs(2.0 / 6 - 0.45)) / 2)) < 1e-9);
}

static void test_profile_changes_verdicts(void **state)
{
        struct health_report h;

        /* Growing (50/20/30): operational 67 % is over, personal under, strategic 33 % fine. */
        assert_int_equal(
            health_compute(people, 5, intros, 2, PROFILE_GROWING, HEALTH_TOLERANCE_DEF, NOW, &h),
            0);
        assert_int_equal(h.net[NETWORK_OPERATIONAL].verdict, HEALTH_OVER);
        assert_int_equal(h.net[NETWORK_PERSONAL].verdict, HEALTH_UNDER);
        assert_int_equal(h.net[NETWORK_STRATEGIC].verdict, HEALTH_BALANCED);
        assert_true(h.balance > 0.5);
}

static void test_thresholds(void **state)
{
        (void)state;
        /* 40 % against 50 % is within ten points: balanced, every time. */
        assert_int_equal(health_verdict_of(40, 50, 10), HEALTH_BALANCED);
        assert_int_equal(health_verdict_of(39, 50, 10), HEALTH_UNDER);
        assert_int_equal(health_verdict_of(60, 50, 10), HEALTH_BALANCED);
        assert_int_equal(health_verdict_of(61, 50, 10), HEALTH_OVER);
        /* A tighter tolerance calls it. */
        assert_int_equal(health_verdict_of(40, 50, 5), HEALTH_UNDER);
        assert_int_equal(health_verdict_of(50, 50, 0), HEALTH_BALANCED);
}

static void test_shares_that_round_the_same_give_one_verdict(void **state)
{
        /* 2 of 5 touches personal = 40 % against the job-seeking 35 %... and with a 50 % target
         * (growing operational) 40 % stays balanced whatever the float arithmetic says. */
        static const int64_t t1[] = {AGO(1), AGO(2)};
        static const int64_t t2[] = {AGO(3), AGO(4), AGO(5)};
        const struct health_person p[] = {
            {.name = "Op", .networks = OP, .last_touch = AGO(1), .touches = t1, .n_touches = 2},
            {.name = "St", .networks = ST, .last_touch = AGO(3), .touches = t2, .n_touches = 3},
        };
        struct health_report h;

        (void)state;
        assert_int_equal(health_compute(p, 2, NULL, 0, PROFILE_GROWING, 10, NOW, &h), 0);
        assert_int_equal(h.net[NETWORK_OPERATIONAL].share_pct, 40);
        assert_int_equal(h.net[NETWORK_OPERATIONAL].target_pct, 50);
        assert_int_equal(h.net[NETWORK_OPERATIONAL].verdict, HEALTH_BALANCED);
        assert_int_equal(h.tolerance, 10);
        assert_int_equal(health_compute(p, 2, NULL, 0, PROFILE_GROWING, 5, NOW, &h), 0);
        assert_int_equal(h.net[NETWORK_OPERATIONAL].verdict, HEALTH_UNDER);
}

static void test_named_people(void **state)
{
        const struct health_person p[] = {
            {.name = "Never1", .networks = PE},
            {.name = "Old weak", .networks = PE, .last_touch = AGO(200), .strength = 10},
            {.name = "Recent", .networks = PE, .last_touch = AGO(5), .strength = 60},
            {.name = "Old strong", .networks = PE, .last_touch = AGO(120), .strength = 30},
            {.name = "Never2", .networks = PE | ST},
        };
        const struct health_network *pe;
        struct health_report h;

        (void)state;
        assert_int_equal(health_compute(p, 5, NULL, 0, PROFILE_UNSET, 10, NOW, &h), 0);
        pe = &h.net[NETWORK_PERSONAL];
        assert_int_equal(pe->never_touched, 2);
        assert_int_equal(pe->n_never_named, 2);
        assert_int_equal(pe->never_named[0], 0);
        assert_int_equal(pe->never_named[1], 4);
        assert_int_equal(pe->fading, 2);
        assert_int_equal(pe->n_fading_named, 2);
        assert_int_equal(pe->fading_named[0], 3); /* the stronger tie first */
        assert_int_equal(pe->fading_named[1], 1);
        assert_int_equal(h.net[NETWORK_STRATEGIC].never_touched, 1);
}

static void test_empty(void **state)
{
        struct health_report h;

        assert_int_equal(
            health_compute(NULL, 0, NULL, 0, PROFILE_UNSET, HEALTH_TOLERANCE_DEF, NOW, &h), 0);
        assert_int_equal(h.people, 0);
        assert_int_equal(h.touches_90, 0);
        assert_true(h.balance == 0);
        for (int k = 0; k < _NETWORK_MAX; k++) {
                assert_int_equal(h.net[k].people, 0);
                assert_true(h.net[k].median_gap_days < 0);
                assert_int_equal(h.net[k].verdict, HEALTH_UNDER);
        }
}

static void test_profiles(void **state)
{
        double t[_NETWORK_MAX];

        for (int p = 0; p < _PROFILE_MAX; p++) {
                profile_targets(p, t);
                assert_true(fabs(t[0] + t[1] + t[2] - 1) < 1e-9);
                assert_non_null(profile_explain(p));
        }
        profile_targets(PROFILE_JOB_SEEKING, t);
        assert_true(t[NETWORK_STRATEGIC] > t[NETWORK_OPERATIONAL]);
        assert_true(t[NETWORK_PERSONAL] > t[NETWORK_OPERATIONAL]);
        profile_targets(PROFILE_GROWING, t);
        assert_true(t[NETWORK_OPERATIONAL] > t[NETWORK_STRATEGIC]);
        profile_targets(PROFILE_FOUNDER, t);
        assert_true(t[NETWORK_OPERATIONAL] > t[NETWORK_PERSONAL]);

        assert_int_equal(profile_from_string("job-seeking"), PROFILE_JOB_SEEKING);
        assert_int_equal(profile_from_string("JOB"), PROFILE_JOB_SEEKING);
        assert_int_equal(profile_from_string("f"), PROFILE_FOUNDER);
        assert_int_equal(profile_from_string("x"), _PROFILE_INVALID);
        assert_int_equal(profile_from_string(""), _PROFILE_INVALID);
        assert_string_equal(profile_to_string(PROFILE_GROWING), "growing");
        assert_null(profile_to_string(_PROFILE_MAX));
        assert_string_equal(health_verdict_to_string(HEALTH_UNDER), "under-served");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_figures),
            cmocka_unit_test(test_profile_changes_verdicts),
            cmocka_unit_test(test_empty),
            cmocka_unit_test(test_thresholds),
            cmocka_unit_test(test_shares_that_round_the_same_give_one_verdict),
            cmocka_unit_test(test_named_people),
            cmocka_unit_test(test_profiles),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
