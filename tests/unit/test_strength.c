/* Tie strength: the formula on fixed clocks, and the kept score equal to a full recompute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "strength.h"
#include "timeutil.h"

#define NOW    (1000 * DURATION_DAY)
#define AGO(d) (NOW - (int64_t)(d)*DURATION_DAY)

static int one(const char *kind, int64_t at, int64_t now)
{
        uint64_t milli = 0;
        int64_t ref = 0;

        strength_add(&milli, &ref, at, kind);
        return strength_from_score(strength_score(milli, ref, now));
}

static void test_weights(void **state)
{
        (void)state;
        assert_true(strength_kind_weight("coffee") == 3);
        assert_true(strength_kind_weight("meeting") == 3);
        assert_true(strength_kind_weight("call") == 2);
        assert_true(strength_kind_weight("email") == 1);
        assert_true(strength_kind_weight(NULL) == 1);
        /* A coffee today 63, an email today 28: a meeting counts more than an email. */
        assert_int_equal(one("coffee", NOW, NOW), 63);
        assert_int_equal(one("email", NOW, NOW), 28);
        assert_int_equal(one("call", NOW, NOW), 49);
        assert_int_equal(one(NULL, 0, NOW), 0);
}

static void test_decay(void **state)
{
        (void)state;
        /* One half-life later the score has halved: 1 - e^-0.5 = 39. */
        assert_int_equal(one("coffee", AGO(90), NOW), 39);
        assert_int_equal(one("coffee", AGO(180), NOW), 22);
        /* Recency: the same coffee a week ago beats one a year ago. */
        assert_true(one("coffee", AGO(7), NOW) > one("coffee", AGO(365), NOW));
        /* The future does not grow a score. */
        assert_int_equal(one("coffee", NOW, AGO(5)), 63);
}

static void test_frequency_and_order(void **state)
{
        uint64_t m1 = 0, m2 = 0;
        int64_t r1 = 0, r2 = 0;
        int monthly;

        (void)state;
        /* Twelve monthly coffees: strong. The order they are folded in does not matter. */
        for (int i = 0; i < 12; i++)
                strength_add(&m1, &r1, AGO(30 * i), "coffee");
        for (int i = 11; i >= 0; i--)
                strength_add(&m2, &r2, AGO(30 * i), "coffee");
        assert_int_equal(r1, NOW);
        assert_int_equal(r2, NOW);
        assert_true(llabs((long long)m1 - (long long)m2) <= 2);
        monthly = strength_from_score(strength_score(m1, r1, NOW));
        assert_true(monthly >= 95);
        assert_int_equal(strength_level(monthly), TIE_STRONG);
        /* Frequency: more touches, stronger. */
        assert_true(monthly > one("coffee", NOW, NOW));
}

static void test_levels(void **state)
{
        (void)state;
        assert_int_equal(strength_level(0), TIE_WEAK);
        assert_int_equal(strength_level(33), TIE_WEAK);
        assert_int_equal(strength_level(34), TIE_MEDIUM);
        assert_int_equal(strength_level(66), TIE_MEDIUM);
        assert_int_equal(strength_level(67), TIE_STRONG);
        assert_int_equal(tie_level_from_string("Strong"), TIE_STRONG);
        assert_int_equal(tie_level_from_string("nope"), _TIE_LEVEL_INVALID);
        assert_string_equal(tie_level_to_string(TIE_MEDIUM), "medium");
        assert_int_equal(strength_level(strength_of_level(TIE_WEAK)), TIE_WEAK);
        assert_int_equal(strength_level(strength_of_level(TIE_MEDIUM)), TIE_MEDIUM);
        assert_int_equal(strength_level(strength_of_level(TIE_STRONG)), TIE_STRONG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_weights),
            cmocka_unit_test(test_decay),
            cmocka_unit_test(test_frequency_and_order),
            cmocka_unit_test(test_levels),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
