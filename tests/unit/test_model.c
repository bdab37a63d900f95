/* Unit tests for common/model: networks, scopes, UUIDs and field validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model.h"

static void test_networks(void **state)
{
        for (int n = 0; n < _NETWORK_MAX; n++)
                assert_int_equal(network_from_string(network_to_string(n)), n);
        assert_int_equal(network_from_string("OPERATIONAL"), NETWORK_OPERATIONAL);
        assert_int_equal(network_from_string("op"), NETWORK_OPERATIONAL);
        assert_int_equal(network_from_string("p"), NETWORK_PERSONAL);
        assert_int_equal(network_from_string("s"), NETWORK_STRATEGIC);
        assert_int_equal(network_from_string(""), _NETWORK_INVALID);
        assert_int_equal(network_from_string("social"), _NETWORK_INVALID);
        assert_int_equal(network_from_string(NULL), _NETWORK_INVALID);
        assert_null(network_to_string(_NETWORK_MAX));
        assert_null(network_to_string(-1));
}

static void test_scopes(void **state)
{
        assert_int_equal(scope_from_string("Internal"), SCOPE_INTERNAL);
        assert_int_equal(scope_from_string("external"), SCOPE_EXTERNAL);
        assert_int_equal(scope_from_string("inside"), _SCOPE_INVALID);
        assert_string_equal(scope_to_string(SCOPE_EXTERNAL), "external");
}

/* Named UUIDs never change between versions (two machines must agree): FNV-1a 128 of the
 * space, a NUL and the name (checked against an independent computation), version 8. */
static void test_uuid_from_name(void **state)
{
        char a[UUID_STRING_LEN + 1], b[UUID_STRING_LEN + 1];

        uuid_from_name("tend capture mail", "abc@example.com", a);
        assert_string_equal(a, "de881054-3cb6-8c46-af04-76181ae58624");
        assert_true(uuid_is_valid(a));
        uuid_from_name("tend capture mail", "abc@example.com", b);
        assert_string_equal(a, b);
        uuid_from_name("tend capture calendar", "abc@example.com", b);
        assert_string_not_equal(a, b);
        uuid_from_name("tend capture mail", "abd@example.com", b);
        assert_string_not_equal(a, b);
        assert_int_equal(b[14], '8');
        assert_non_null(strchr("89ab", b[19]));
}

static void test_uuid(void **state)
{
        char a[UUID_STRING_LEN + 1], b[UUID_STRING_LEN + 1];

        assert_int_equal(uuid_generate_v4(a), 0);
        assert_int_equal(uuid_generate_v4(b), 0);
        assert_true(uuid_is_valid(a));
        assert_string_not_equal(a, b);
        assert_int_equal(a[14], '4');             /* version 4 */
        assert_non_null(strchr("89ab", a[19]));   /* RFC 4122 variant */
        for (int i = 0; i < UUID_STRING_LEN; i++) /* lower-case hex, dashes at 8-4-4-4-12 */
                assert_non_null(strchr(
                    i == 8 || i == 13 || i == 18 || i == 23 ? "-" : "0123456789abcdef", a[i]));
        assert_true(uuid_is_valid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
        assert_false(uuid_is_valid("0f8fad5b-d9cb-469f-a165-70867728950"));
        assert_false(uuid_is_valid("0f8fad5bxd9cb-469f-a165-70867728950e"));
        assert_false(uuid_is_valid("g f8fad5b-d9cb-469f-a165-70867728950e"));
        assert_false(uuid_is_valid(NULL));
}

static void test_text_and_kind(void **state)
{
        char big[FIELD_NAME_MAX + 2];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        assert_int_equal(text_validate("Zoë", FIELD_NAME_MAX, false), 0);
        assert_int_equal(text_validate(big, FIELD_NAME_MAX, false), -E2BIG);
        assert_int_equal(text_validate("two\nlines", FIELD_NAME_MAX, false), -EINVAL);
        assert_int_equal(text_validate("two\nlines", FIELD_NOTE_MAX, true), 0);
        assert_int_equal(kind_validate("informational-interview"), 0);
        assert_int_equal(kind_validate("Coffee"), -EINVAL);
        assert_int_equal(kind_validate(""), -EINVAL);
        assert_int_equal(kind_validate("a b"), -EINVAL);
}

static void test_contact_lifecycle(void **state)
{
        struct contact *c = contact_new();
        struct interaction *i = interaction_new();

        assert_non_null(c);
        assert_non_null(i);
        c->name = strdup("X");
        assert_int_equal(strv_push(&c->tags, "t"), 0);
        i->kind = strdup("call");
        contact_free(c);
        interaction_free(i);
        contact_free(NULL);
        interaction_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_networks),      cmocka_unit_test(test_scopes),
            cmocka_unit_test(test_uuid),          cmocka_unit_test(test_uuid_from_name),
            cmocka_unit_test(test_text_and_kind), cmocka_unit_test(test_contact_lifecycle),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
