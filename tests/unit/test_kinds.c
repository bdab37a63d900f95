/* Interaction kinds (daemon/core/kinds.c): edit distance, typo suggestions against the
 * built-in kinds and those in a store, several words, --new-kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "model.h"
#include "store.h"

static void test_distance(void **state)
{
        assert_int_equal(kinds_distance("coffee", "coffee", 2), 0);
        assert_int_equal(kinds_distance("cofee", "coffee", 2), 1);
        assert_int_equal(kinds_distance("cofefe", "coffee", 2), 1); /* a swap */
        assert_int_equal(kinds_distance("kaffee", "coffee", 2), 2);
        assert_int_equal(kinds_distance("call", "cell", 2), 1);
        assert_int_equal(kinds_distance("", "abc", 5), 3);
        /* Counted up to limit + 1 only. */
        assert_int_equal(kinds_distance("hackathon", "coffee", 2), 3);
        assert_int_equal(kinds_distance("a", "abcdefgh", 1), 2);
}

static void test_suggest(void **state)
{
        const char *const *b = kinds_builtin;
        size_t n = 0;

        while (b[n])
                n++;
        assert_string_equal(kinds_suggest("cofee", b, n), "coffee");
        assert_string_equal(kinds_suggest("cal", b, n), "call");
        assert_string_equal(kinds_suggest("meting", b, n), "meeting");
        /* Six letters or more: two edits still look like a typo; fewer: one. */
        assert_string_equal(kinds_suggest("meetng", b, n), "meeting");
        assert_string_equal(kinds_suggest("mteeing", b, n), "meeting");
        assert_null(kinds_suggest("caal1", b, n));
        assert_null(kinds_suggest("coffee", b, n));
        assert_null(kinds_suggest("hackathon", b, n));
        assert_null(kinds_suggest("lunch", b, n));
        assert_int_equal(kinds_typo_edits("event"), 1);
        assert_int_equal(kinds_typo_edits("events"), 2);
}

struct check_op {
        const char *typed;
        bool allow_new;
        char *kind, *suggestion;
        int verdict;
};

static int check_fn(struct store_txn *t, void *userdata)
{
        struct check_op *op = userdata;

        free(op->kind);
        free(op->suggestion);
        op->verdict = kinds_check(t, op->typed, op->allow_new, &op->kind, &op->suggestion);
        return op->verdict < 0 ? op->verdict : 0;
}

static int add_fn(struct store_txn *t, void *userdata)
{
        struct contact c = {.name = "Ann", .created = 1};
        struct interaction i = {.at = 5, .kind = userdata};
        int r = store_txn_contact_put(t, &c);

        if (r < 0)
                return r;
        i.contact_id = c.id;
        return store_txn_interaction_add(t, &i);
}

static void check(struct store *s, const char *typed, bool allow_new, int verdict, const char *kind,
                  const char *suggestion)
{
        struct check_op op = {.typed = typed, .allow_new = allow_new};

        assert_int_equal(store_read(s, check_fn, &op), 0);
        assert_int_equal(op.verdict, verdict);
        if (kind)
                assert_string_equal(op.kind, kind);
        else
                assert_null(op.kind);
        if (suggestion)
                assert_string_equal(op.suggestion, suggestion);
        else
                assert_null(op.suggestion);
        free(op.kind);
        free(op.suggestion);
}

static void test_check(void **state)
{
        char base[PATH_MAX], cmd[PATH_MAX + 16];
        const char *tmp = getenv("TMPDIR");
        struct store_options o = {.dir = base};
        struct store *s = NULL;

        snprintf(base, sizeof(base), "%s/tend-test-kinds-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(base));
        assert_int_equal(store_open(&o, &s), 0);

        check(s, "coffee", false, KIND_OK, "coffee", NULL);
        check(s, "Coffee", false, KIND_OK, "coffee", NULL);
        check(s, "cofee", false, KIND_TYPO, "cofee", "coffee");
        check(s, "cofee", true, KIND_OK, "cofee", NULL);
        check(s, "hackathon", false, KIND_OK, "hackathon", NULL);
        check(s, "Informational Interview", false, KIND_OK, "informational-interview", NULL);
        check(s, "informational_interview", false, KIND_OK, "informational-interview", NULL);
        /* A second name where the kind goes is no kind, --new-kind or not. */
        check(s, "marcus oyelaran", false, KIND_NOT_WORD, NULL, NULL);
        check(s, "marcus oyelaran", true, KIND_NOT_WORD, NULL, NULL);
        check(s, "caf\xc3\xa9", true, KIND_INVALID, NULL, NULL);

        /* Kinds in the store are known: a typo of one is refused, the kind itself is fine. */
        assert_int_equal(store_write(s, add_fn, "hackathon"), 0);
        check(s, "hackathon", false, KIND_OK, "hackathon", NULL);
        check(s, "hackaton", false, KIND_TYPO, "hackaton", "hackathon");

        store_close(s);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_distance),
            cmocka_unit_test(test_suggest),
            cmocka_unit_test(test_check),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
