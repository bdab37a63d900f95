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

        assert_int_equal(health_compute(people, 5, intros, 2, PROFILE_JOB_SEEKING, NOW, &h), 0);
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
        assert_int_equal(health_compute(people, 5, intros, 2, PROFILE_GROWING, NOW, &h), 0);
        assert_int_equal(h.net[NETWORK_OPERATIONAL].verdict, HEALTH_OVER);
        assert_int_equal(h.net[NETWORK_PERSONAL].verdict, HEALTH_UNDER);
        assert_int_equal(h.net[NETWORK_STRATEGIC].verdict, HEALTH_BALANCED);
        assert_true(h.balance > 0.5);
}

static void test_empty(void **state)
{
        struct health_report h;

        assert_int_equal(health_compute(NULL, 0, NULL, 0, PROFILE_UNSET, NOW, &h), 0);
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
            cmocka_unit_test(test_profiles),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
