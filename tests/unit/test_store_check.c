/* The store's check and repair: a consistent store checks clean; every kind of index damaged
 * on purpose (a missing entry, an extra one, one pointing at the wrong id) is found, and a
 * repair makes the store check clean again with every record still there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "store-check.h"
#include "store-goals.h"
#include "store-testing.h"
#include "store.h"
#include "util.h"

#define NOW 1800000000LL

struct fixture {
        char base[PATH_MAX];
        char dir[PATH_MAX + 16];
        struct store *s;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static int add_contact(struct store_txn *t, const char *name, const char *email, const char *tag,
                       int64_t due, uint64_t *ret)
{
        _cleanup_(contact_freep) struct contact *c = contact_new();
        int r;

        if (!c)
                return -ENOMEM;
        c->name = strdup(name);
        if (!c->name || strv_push(&c->emails, email) < 0 || strv_push(&c->tags, tag) < 0)
                return -ENOMEM;
        c->org = strdup("Acme Widgets");
        c->networks = 1u << 1;
        c->next_due = due;
        c->created = c->updated = NOW;
        r = store_txn_contact_put(t, c);
        *ret = c->id;
        return r;
}

static int add_interaction(struct store_txn *t, uint64_t contact, uint64_t goal, const char *kind,
                           int64_t at)
{
        _cleanup_(interaction_freep) struct interaction *i = interaction_new();

        if (!i || !(i->kind = strdup(kind)))
                return -ENOMEM;
        i->contact_id = contact;
        i->goal_id = goal;
        i->at = at;
        i->created = at;
        return store_txn_interaction_add(t, i);
}

/* Every index gets entries: names, tokens, emails, tags, networks, uuids, due and sched
 * (contacts with a due date), goal links, introductions, interactions toward a goal, ids and
 * kinds; and a deleted contact leaves a tombstone. */
static int populate(struct store_txn *t, void *userdata)
{
        _cleanup_(goal_freep) struct goal *g = goal_new();
        _cleanup_(intro_freep) struct intro *in = intro_new();
        struct goal_link l = {0};
        uint64_t a = 0, b = 0, c = 0, gone = 0;
        int r;

        (void)userdata;
        if (!g || !in || !(g->title = strdup("Find a co-founder")))
                return -ENOMEM;
        r = add_contact(t, "Ada Lovelace", "ada@example.org", "math", NOW + 86400, &a);
        if (r >= 0)
                r = add_contact(t, "Brian Kernighan", "bwk@example.org", "unix", NOW - 3600, &b);
        if (r >= 0)
                r = add_contact(t, "Claude Shannon", "claude@example.org", "info", 0, &c);
        if (r >= 0)
                r = add_contact(t, "Gone Person", "gone@example.org", "x", 0, &gone);
        if (r >= 0)
                r = store_txn_contact_delete(t, gone, NOW);
        g->created = g->updated = NOW;
        if (r >= 0)
                r = store_txn_goal_put(t, g);
        l.goal_id = g->id;
        l.contact_id = b;
        l.linked_at = NOW;
        if (r >= 0)
                r = store_txn_goal_link_put(t, &l);
        in->a = a;
        in->b = c;
        in->at = NOW;
        in->created = NOW;
        if (r >= 0)
                r = store_txn_intro_add(t, in);
        if (r >= 0)
                r = add_interaction(t, a, g->id, "call", NOW - 86400);
        if (r >= 0)
                r = add_interaction(t, b, 0, "coffee", NOW - 7200);
        if (r >= 0)
                r = add_interaction(t, b, g->id, "call", NOW - 60);
        return r;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct store_options o = {0};
        const char *tmp = getenv("TMPDIR");

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "%s/test_store_check.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->base));
        snprintf(f->dir, sizeof(f->dir), "%s/data", f->base);
        o.dir = f->dir;
        o.initial_map_size = 1 << 20;
        assert_int_equal(store_open(&o, &f->s), 0);
        assert_int_equal(store_write(f->s, populate, NULL), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        store_close(f->s);
        nftw(f->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static int check_txn(struct store_txn *t, void *userdata)
{
        return store_txn_check(t, userdata);
}

static int repair_txn(struct store_txn *t, void *userdata)
{
        return store_txn_repair(t, userdata);
}

struct damage {
        enum store_check_index index;
        enum store_corruption how;
};

static int damage_txn(struct store_txn *t, void *userdata)
{
        struct damage *d = userdata;

        return store_testing_corrupt(t, d->index, d->how);
}

static int count_txn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_count(t, userdata);
}

/* The tombstone of uuid (-ENOENT once none is left). */
static int uuid_txn(struct store_txn *t, void *userdata)
{
        int r = store_txn_tombstone_get(t, userdata, NULL);

        return r < 0 ? r : 0;
}

static void test_healthy_store_checks_clean(void **state)
{
        struct fixture *f = *state;
        struct store_check_report r;

        assert_int_equal(store_read(f->s, check_txn, &r), 0);
        assert_int_equal(store_check_problems(&r), 0);
        assert_true(r.schema_known);
        assert_int_equal(r.schema, STORE_SCHEMA_VERSION);
        assert_int_equal(r.contacts, 3);
        assert_int_equal(r.interactions, 3);
        assert_int_equal(r.goals, 1);
        assert_int_equal(r.goal_links, 1);
        assert_int_equal(r.intros, 1);
        for (int i = 0; i < _STORE_CHECK_INDEX_MAX; i++) {
                print_message("%s: %" PRIu64 " entries\n", store_check_index_name(i),
                              r.index[i].entries);
                assert_true(r.index[i].entries > 0);
        }
}

static void test_every_damage_found_and_repaired(void **state)
{
        struct fixture *f = *state;
        static const char *const how_name[] = {"missing", "extra", "wrong"};

        for (int i = 0; i < _STORE_CHECK_INDEX_MAX; i++) {
                for (int how = STORE_CORRUPT_MISSING; how <= STORE_CORRUPT_WRONG; how++) {
                        struct damage d = {i, how};
                        struct store_check_report r, fixed;
                        const struct store_check_index_result *x = &r.index[i];
                        uint64_t n = 0;

                        print_message("%s: %s\n", store_check_index_name(i), how_name[how]);
                        assert_int_equal(store_write(f->s, damage_txn, &d), 0);
                        assert_int_equal(store_read(f->s, check_txn, &r), 0);
                        assert_true(store_check_problems(&r) > 0);
                        /* Found in the index that was damaged, as what was done to it. */
                        if (how == STORE_CORRUPT_MISSING)
                                assert_true(x->missing > 0);
                        else if (how == STORE_CORRUPT_EXTRA)
                                assert_true(x->extra > 0);
                        else
                                assert_true(x->wrong > 0 || (x->missing > 0 && x->extra > 0));
                        for (int j = 0; j < _STORE_CHECK_INDEX_MAX; j++)
                                if (j != i)
                                        assert_int_equal(r.index[j].missing + r.index[j].extra +
                                                             r.index[j].wrong,
                                                         0);

                        assert_int_equal(store_write(f->s, repair_txn, &fixed), 0);
                        assert_int_equal(store_check_problems(&fixed), store_check_problems(&r));
                        assert_int_equal(store_read(f->s, check_txn, &r), 0);
                        assert_int_equal(store_check_problems(&r), 0);
                        assert_int_equal(store_read(f->s, count_txn, &n), 0);
                        assert_int_equal(n, 3);
                }
        }
}

/* A tombstone beside a live record of the same uuid: found, and the live record wins. */
static int shadow_txn(struct store_txn *t, void *userdata)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        uint64_t id = 0;
        int r;

        r = store_txn_contact_resolve(t, "Ada Lovelace", &id, 1);
        if (r != 1)
                return r < 0 ? r : -ENOENT;
        r = store_txn_contact_get(t, id, &c);
        if (r < 0)
                return r;
        memcpy(userdata, c->uuid, UUID_STRING_LEN + 1);
        return store_testing_tombstone(t, c->uuid);
}

static void test_shadowing_tombstone(void **state)
{
        struct fixture *f = *state;
        struct store_check_report r;
        char uuid[UUID_STRING_LEN + 1];

        assert_int_equal(store_write(f->s, shadow_txn, uuid), 0);
        assert_int_equal(store_read(f->s, check_txn, &r), 0);
        assert_int_equal(r.shadowing_tombstones, 1);
        assert_int_equal(store_check_problems(&r), 1);
        assert_int_equal(store_write(f->s, repair_txn, &r), 0);
        assert_int_equal(store_read(f->s, check_txn, &r), 0);
        assert_int_equal(store_check_problems(&r), 0);
        assert_int_equal(store_read(f->s, uuid_txn, (void *)uuid), -ENOENT);
}

static int journal_damage_txn(struct store_txn *t, void *userdata)
{
        (void)userdata;
        return store_testing_journal_corrupt(t);
}

/* The undo journal: an entry missing from its sequence is found; a repair empties the journal
 * and leaves the records alone. */
static void test_journal_damage(void **state)
{
        struct fixture *f = *state;
        struct store_check_report r;
        uint64_t n = 0;

        assert_int_equal(store_read(f->s, check_txn, &r), 0);
        assert_true(r.journal_entries > 0);
        assert_int_equal(r.journal_problems, 0);
        assert_int_equal(store_write(f->s, journal_damage_txn, NULL), 0);
        assert_int_equal(store_read(f->s, check_txn, &r), 0);
        assert_true(r.journal_problems > 0);
        assert_int_equal(store_check_problems(&r), r.journal_problems);
        assert_int_equal(store_write(f->s, repair_txn, &r), 0);
        assert_int_equal(store_read(f->s, check_txn, &r), 0);
        assert_int_equal(store_check_problems(&r), 0);
        assert_int_equal(r.journal_entries, 0);
        assert_int_equal(store_read(f->s, count_txn, &n), 0);
        assert_int_equal(n, 3);
}

static void test_repair_in_read_transaction_refused(void **state)
{
        struct fixture *f = *state;
        struct store_check_report r;

        assert_int_equal(store_read(f->s, repair_txn, &r), -EROFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_healthy_store_checks_clean, setup, teardown),
            cmocka_unit_test_setup_teardown(test_every_damage_found_and_repaired, setup, teardown),
            cmocka_unit_test_setup_teardown(test_shadowing_tombstone, setup, teardown),
            cmocka_unit_test_setup_teardown(test_journal_damage, setup, teardown),
            cmocka_unit_test_setup_teardown(test_repair_in_read_transaction_refused, setup,
                                            teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
