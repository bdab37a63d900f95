/* The touch rules of the core (daemon/core/touch.c) on a real store: recomputing a person's
 * last touch and next follow-up after their history was corrected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goals.h"
#include "model.h"
#include "store-goals.h"
#include "store.h"
#include "strength.h"
#include "touch.h"

#define DAY     86400LL
#define CREATED 1000000000LL
#define NOW     (CREATED + 200 * DAY)

struct fixture {
        char base[PATH_MAX];
        struct store *s;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct store_options o = {.dir = NULL, .initial_map_size = 1 << 20};
        const char *tmp = getenv("TMPDIR");

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "%s/tend-test-touch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->base));
        o.dir = f->base;
        assert_int_equal(store_open(&o, &f->s), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[PATH_MAX + 32];

        store_close(f->s);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

/* ---- one operation per write, as a method would do it ---- */

enum op_kind {
        OP_ADD,
        OP_LOG,
        OP_REMOVE,
        OP_MOVE,
        OP_NOTE,
        OP_SNOOZE,
        OP_GOAL,
        OP_GROUP,
        OP_AGENDA
};

struct op {
        enum op_kind kind;
        uint64_t contact, interaction;
        uint64_t with[2]; /* OP_GROUP: the other people */
        int64_t at, cadence;
        const char *what;
};

static int op_fn(struct store_txn *t, void *userdata)
{
        struct op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        _cleanup_(interaction_freep) struct interaction *i = NULL;
        int r;

        if (op->kind == OP_ADD) {
                c = contact_new();
                c->name = strdup(op->what);
                c->created = c->updated = CREATED;
                c->cadence = op->cadence;
                c->next_due = op->cadence ? CREATED + op->cadence : 0;
                r = store_txn_contact_put(t, c);
                op->contact = c->id;
                return r;
        }
        if (op->kind == OP_GOAL) {
                struct goal g = {.title = (char *)op->what, .status = GOAL_ACTIVE};
                struct goal_link l = {.contact_id = op->contact, .linked_at = op->at};

                r = store_txn_goal_put(t, &g);
                if (r < 0)
                        return r;
                l.goal_id = g.id;
                r = store_txn_goal_link_put(t, &l);
                if (r < 0)
                        return r;
                r = store_txn_contact_get(t, op->contact, &c);
                if (r < 0)
                        return r;
                r = goals_apply_due_rules(t, 0, c);
                return r < 0 ? r : store_txn_contact_put(t, c);
        }
        r = store_txn_contact_get(t, op->contact, &c);
        if (r < 0)
                return r;
        switch (op->kind) {
        case OP_LOG: {
                struct interaction in = {.at = op->at, .kind = (char *)op->what};

                r = touch_record(t, 0, c, &in, NOW);
                op->interaction = in.id;
                return r;
        }
        case OP_SNOOZE:
                c->next_due = op->at;
                return store_txn_contact_put(t, c);
        case OP_AGENDA:
                free(c->agenda);
                c->agenda = strdup(op->what);
                return store_txn_contact_put(t, c);
        case OP_GROUP: {
                struct interaction in = {.at = op->at, .kind = (char *)op->what};
                struct contact *others[2] = {NULL, NULL};

                for (int k = 0; k < 2; k++) {
                        r = store_txn_contact_get(t, op->with[k], &others[k]);
                        if (r < 0)
                                break;
                }
                if (r >= 0)
                        r = touch_record_group(t, 0, c, others, 2, &in, NOW);
                contact_free(others[0]);
                contact_free(others[1]);
                op->interaction = in.id;
                free(in.with);
                free(in.agenda);
                return r;
        }
        case OP_REMOVE:
                r = store_txn_interaction_get_id(t, op->interaction, &i);
                if (r >= 0)
                        r = store_txn_interaction_delete(t, op->interaction, NOW);
                break;
        case OP_MOVE:
        case OP_NOTE:
                r = store_txn_interaction_get_id(t, op->interaction, &i);
                if (r < 0)
                        return r;
                if (op->kind == OP_MOVE)
                        i->at = op->at;
                else
                        i->note = strdup(op->what);
                r = store_txn_interaction_update(t, i);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r;
        if (i && i->n_with) {
                r = touch_recompute_group(t, 0, i, NOW);
                if (r < 0)
                        return r;
        }
        r = touch_recompute(t, 0, c);
        if (r < 0)
                return r;
        return store_txn_contact_put(t, c);
}

static uint64_t run(struct fixture *f, struct op op)
{
        assert_int_equal(store_write(f->s, op_fn, &op), 0);
        return op.kind == OP_ADD ? op.contact : op.interaction;
}

static int get_fn(struct store_txn *t, void *userdata)
{
        struct contact **c = userdata;

        return store_txn_contact_get(t, (*c)->id, c);
}

static void expect(struct fixture *f, uint64_t id, int64_t last, const char *kind, int64_t due)
{
        struct contact key = {.id = id}, *c = &key;

        assert_int_equal(store_read(f->s, get_fn, &c), 0);
        assert_int_equal(c->last_interaction, last);
        if (kind)
                assert_string_equal(c->last_kind, kind);
        else
                assert_null(c->last_kind);
        assert_int_equal(c->next_due, due);
        contact_free(c);
}

#define D(n) (CREATED + (n)*DAY)

/* ---- tests ---- */

struct history {
        int n;
        uint64_t id;
        char *agenda;
};

static int history_cb(const struct interaction *i, void *userdata)
{
        struct history *h = userdata;

        h->n++;
        h->id = i->id;
        free(h->agenda);
        h->agenda = i->agenda ? strdup(i->agenda) : NULL;
        return 0;
}

struct history_req {
        uint64_t contact;
        struct history h;
};

static int history_fn(struct store_txn *t, void *userdata)
{
        struct history_req *q = userdata;

        q->h = (struct history){0};
        return store_txn_interaction_list(t, q->contact, 0, history_cb, &q->h);
}

static struct history history_of(struct fixture *f, uint64_t contact)
{
        struct history_req q = {.contact = contact};

        assert_int_equal(store_read(f->s, history_fn, &q), 0);
        return q.h;
}

struct kind_req {
        const char *kind;
        uint64_t n;
};

static int kind_fn(struct store_txn *t, void *userdata)
{
        struct kind_req *q = userdata;

        return store_txn_kind_count(t, q->kind, &q->n);
}

/* One group interaction: one record, in each history once, counted once; everyone's rhythm
 * reset; a move and a removal act on everyone. */
static void test_group_interaction(void **state)
{
        struct fixture *f = *state;
        uint64_t a = run(f, (struct op){.kind = OP_ADD, .what = "A", .cadence = 30 * DAY});
        uint64_t b = run(f, (struct op){.kind = OP_ADD, .what = "B", .cadence = 10 * DAY});
        uint64_t c = run(f, (struct op){.kind = OP_ADD, .what = "C"});
        struct kind_req k = {.kind = "meeting"};
        struct history h;
        uint64_t id;

        id = run(
            f, (struct op){
                   .kind = OP_GROUP, .contact = a, .with = {b, c}, .at = D(5), .what = "meeting"});
        expect(f, a, D(5), "meeting", D(35));
        expect(f, b, D(5), "meeting", D(15));
        expect(f, c, D(5), "meeting", 0);
        for (uint64_t p = a; p <= c; p++) {
                h = history_of(f, p);
                assert_int_equal(h.n, 1);
                assert_int_equal(h.id, id);
                free(h.agenda);
        }
        assert_int_equal(store_read(f->s, kind_fn, &k), 0);
        assert_int_equal(k.n, 1);
        /* Moved: everyone's rhythm follows. */
        run(f, (struct op){.kind = OP_MOVE, .contact = a, .interaction = id, .at = D(7)});
        expect(f, a, D(7), "meeting", D(37));
        expect(f, b, D(7), "meeting", D(17));
        assert_int_equal(history_of(f, b).n, 1);
        /* Removed: from every history. */
        run(f, (struct op){.kind = OP_REMOVE, .contact = a, .interaction = id});
        expect(f, a, 0, NULL, D(30));
        expect(f, b, 0, NULL, D(10));
        assert_int_equal(history_of(f, b).n, 0);
        assert_int_equal(history_of(f, c).n, 0);
        assert_int_equal(store_read(f->s, kind_fn, &k), 0);
        assert_int_equal(k.n, 0);
}

/* The agenda is cleared by the next touch and kept in that interaction. */
static void test_agenda_cleared_by_touch(void **state)
{
        struct fixture *f = *state;
        uint64_t a = run(f, (struct op){.kind = OP_ADD, .what = "A", .cadence = 30 * DAY});
        struct contact key = {.id = a}, *ct = &key;
        struct history h;

        run(f, (struct op){.kind = OP_LOG, .contact = a, .at = D(5), .what = "call"});
        run(f, (struct op){.kind = OP_AGENDA, .contact = a, .what = "the move"});
        /* A back-filled older interaction is not the next touch: the agenda stays. */
        run(f, (struct op){.kind = OP_LOG, .contact = a, .at = D(2), .what = "email"});
        assert_int_equal(store_read(f->s, get_fn, &ct), 0);
        assert_string_equal(ct->agenda, "the move");
        contact_free(ct);
        run(f, (struct op){.kind = OP_LOG, .contact = a, .at = D(9), .what = "coffee"});
        ct = &key;
        assert_int_equal(store_read(f->s, get_fn, &ct), 0);
        assert_null(ct->agenda);
        contact_free(ct);
        h = history_of(f, a); /* newest first: the last one seen is the oldest */
        assert_int_equal(h.n, 3);
        free(h.agenda);
}

static void test_recompute_cadence(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = run(f, (struct op){OP_ADD, .what = "Ann", .cadence = 10 * DAY});
        uint64_t first = run(f, (struct op){OP_LOG, ann, .at = D(1), .what = "coffee"});
        uint64_t latest = run(f, (struct op){OP_LOG, ann, .at = D(5), .what = "call"});

        expect(f, ann, D(5), "call", D(15));
        /* Removing the latest falls back to the one before. */
        run(f, (struct op){OP_REMOVE, ann, latest, .at = 0});
        expect(f, ann, D(1), "coffee", D(11));
        /* Moving the only one moves the rhythm with it. */
        run(f, (struct op){OP_MOVE, ann, first, .at = D(3)});
        expect(f, ann, D(3), "coffee", D(13));
        /* Nothing left: one cadence after they were added, as for a new person. */
        run(f, (struct op){OP_REMOVE, ann, first, .at = 0});
        expect(f, ann, 0, NULL, D(10));
}

static int strength_fn(struct store_txn *t, void *userdata)
{
        struct contact **c = userdata;
        struct contact copy;
        int r = store_txn_contact_get(t, (*c)->id, c);

        if (r < 0)
                return r;
        /* What every touch kept must equal what the whole history gives. */
        copy = **c;
        r = strength_recompute(t, &copy);
        assert_int_equal(r, 0);
        assert_true(llabs((long long)copy.strength_milli - (long long)(*c)->strength_milli) <= 2);
        assert_int_equal(copy.strength_ref, (*c)->strength_ref);
        return 0;
}

static int64_t kept_strength(struct fixture *f, uint64_t id)
{
        struct contact key = {.id = id}, *c = &key;
        int s;

        assert_int_equal(store_read(f->s, strength_fn, &c), 0);
        s = strength_contact(c, c->strength_ref);
        contact_free(c);
        return s;
}

/* Every touch keeps the strength, back-filled ones too; corrections recompute it. */
static void test_strength_kept_by_every_touch(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = run(f, (struct op){OP_ADD, .what = "Ann"});
        uint64_t coffee;

        run(f, (struct op){OP_LOG, ann, .at = D(10), .what = "email"});
        assert_int_equal(kept_strength(f, ann), 28);
        coffee = run(f, (struct op){OP_LOG, ann, .at = D(100), .what = "coffee"});
        run(f, (struct op){OP_LOG, ann, .at = D(50), .what = "call"}); /* back-filled */
        assert_true(kept_strength(f, ann) > 63);
        run(f, (struct op){OP_REMOVE, ann, coffee, .at = 0});
        kept_strength(f, ann);
        run(f, (struct op){OP_MOVE, ann,
                           run(f, (struct op){OP_LOG, ann, .at = D(20), .what = "meeting"}),
                           .at = D(120)});
        kept_strength(f, ann);
}

static void test_recompute_backfill_is_not_latest(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = run(f, (struct op){OP_ADD, .what = "Ann", .cadence = 10 * DAY});
        uint64_t old = run(f, (struct op){OP_LOG, ann, .at = D(1), .what = "coffee"});

        run(f, (struct op){OP_LOG, ann, .at = D(5), .what = "call"});
        /* Moving an older one later than the latest makes it the latest. */
        run(f, (struct op){OP_MOVE, ann, old, .at = D(8)});
        expect(f, ann, D(8), "coffee", D(18));
}

static void test_recompute_keeps_later_snooze(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = run(f, (struct op){OP_ADD, .what = "Ann", .cadence = 10 * DAY});
        uint64_t bob = run(f, (struct op){OP_ADD, .what = "Bob", .cadence = 10 * DAY});
        uint64_t a5, b5, b1;

        run(f, (struct op){OP_LOG, ann, .at = D(1), .what = "coffee"});
        a5 = run(f, (struct op){OP_LOG, ann, .at = D(5), .what = "call"});
        run(f, (struct op){OP_SNOOZE, ann, .at = D(100)});
        run(f, (struct op){OP_REMOVE, ann, a5, .at = 0});
        expect(f, ann, D(1), "coffee", D(100));

        /* A snooze earlier than the derived date gives way to it... */
        b1 = run(f, (struct op){OP_LOG, bob, .at = D(1), .what = "coffee"});
        b5 = run(f, (struct op){OP_LOG, bob, .at = D(5), .what = "call"});
        run(f, (struct op){OP_SNOOZE, bob, .at = D(7)});
        /* ...but correcting an older interaction leaves it alone. */
        run(f, (struct op){OP_NOTE, bob, b1, .what = "a note"});
        expect(f, bob, D(5), "call", D(7));
        run(f, (struct op){OP_REMOVE, bob, b5, .at = 0});
        expect(f, bob, D(1), "coffee", D(11));
}

static void test_recompute_planned_without_cadence(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = run(f, (struct op){OP_ADD, .what = "Ann"});
        uint64_t i;

        run(f, (struct op){OP_SNOOZE, ann, .at = D(50)});
        i = run(f, (struct op){OP_LOG, ann, .at = D(5), .what = "call"});
        expect(f, ann, D(5), "call", D(50));
        /* Moved past the planned date: the touch met it. */
        run(f, (struct op){OP_MOVE, ann, i, .at = D(60)});
        expect(f, ann, D(60), "call", 0);
}

static void test_recompute_goal_people_stay(void **state)
{
        struct fixture *f = *state;
        uint64_t pat = run(f, (struct op){OP_ADD, .what = "Pat"});
        uint64_t first, latest;

        run(f, (struct op){OP_GOAL, pat, .at = D(0), .what = "Raise a seed round"});
        expect(f, pat, 0, NULL, D(30));
        first = run(f, (struct op){OP_LOG, pat, .at = D(1), .what = "coffee"});
        latest = run(f, (struct op){OP_LOG, pat, .at = D(5), .what = "call"});
        expect(f, pat, D(5), "call", D(35));
        run(f, (struct op){OP_REMOVE, pat, latest, .at = 0});
        expect(f, pat, D(1), "coffee", D(31));
        run(f, (struct op){OP_MOVE, pat, first, .at = D(20)});
        expect(f, pat, D(20), "coffee", D(50));
        run(f, (struct op){OP_REMOVE, pat, first, .at = 0});
        expect(f, pat, 0, NULL, D(30));
}

static void test_touch_without_cadence(void **state)
{
        struct fixture *f = *state;
        uint64_t pat = run(f, (struct op){OP_ADD, .what = "Pat"});
        uint64_t kim = run(f, (struct op){OP_ADD, .what = "Kim"});

        /* A date the goal rule gave for the previous touch follows the new one... */
        run(f, (struct op){OP_GOAL, pat, .at = D(0), .what = "Raise a seed round"});
        run(f, (struct op){OP_LOG, pat, .at = D(1), .what = "coffee"});
        expect(f, pat, D(1), "coffee", D(31));
        run(f, (struct op){OP_LOG, pat, .at = D(5), .what = "call"});
        expect(f, pat, D(5), "call", D(35));
        /* ...a planned one stays until a touch meets it. */
        run(f, (struct op){OP_SNOOZE, kim, .at = D(20)});
        run(f, (struct op){OP_LOG, kim, .at = D(5), .what = "call"});
        expect(f, kim, D(5), "call", D(20));
        run(f, (struct op){OP_LOG, kim, .at = D(21), .what = "call"});
        expect(f, kim, D(21), "call", 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_group_interaction, setup, teardown),
            cmocka_unit_test_setup_teardown(test_agenda_cleared_by_touch, setup, teardown),
            cmocka_unit_test_setup_teardown(test_recompute_cadence, setup, teardown),
            cmocka_unit_test_setup_teardown(test_recompute_backfill_is_not_latest, setup, teardown),
            cmocka_unit_test_setup_teardown(test_recompute_keeps_later_snooze, setup, teardown),
            cmocka_unit_test_setup_teardown(test_recompute_planned_without_cadence, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_recompute_goal_people_stay, setup, teardown),
            cmocka_unit_test_setup_teardown(test_touch_without_cadence, setup, teardown),
            cmocka_unit_test_setup_teardown(test_strength_kept_by_every_touch, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
