/* Recording captured mail and meetings (daemon/core/capture.c) on a real store: matching
 * participants to contacts, your own addresses, the ignore list, exactly once (a deleted one
 * included, undo both ways), bulk, received mail as history or touch, groups, the state. */
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

#include "capture.h"
#include "config.h"
#include "core.h"
#include "model.h"
#include "store.h"
#include "touch.h"
#include "util.h"

#define DAY     86400LL
#define CREATED 1000000000LL

struct fixture {
        char base[PATH_MAX];
        struct store *s;
        struct config cfg;
        struct core core;
        uint64_t ann, bob, cy; /* contacts */
};

struct add_op {
        const char *name;
        const char *const *emails;
        int64_t cadence;
        uint64_t id;
};

static int add_fn(struct store_txn *t, void *userdata)
{
        struct add_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = contact_new();

        c->name = strdup(op->name);
        c->created = c->updated = CREATED;
        c->cadence = op->cadence;
        c->next_due = op->cadence ? CREATED + op->cadence : 0;
        for (const char *const *e = op->emails; *e; e++)
                assert_int_equal(strv_push(&c->emails, *e), 0);
        int r = store_txn_contact_put(t, c);
        op->id = c->id;
        return r;
}

static uint64_t add(struct fixture *f, const char *name, const char *const *emails)
{
        struct add_op op = {.name = name, .emails = emails, .cadence = 30 * DAY};

        assert_int_equal(store_write(f->s, add_fn, &op), 0);
        return op.id;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct store_options o = {.initial_map_size = 1 << 20};
        const char *tmp = getenv("TMPDIR");

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "%s/tend-test-capture-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->base));
        o.dir = f->base;
        assert_int_equal(store_open(&o, &f->s), 0);
        config_init(&f->cfg);
        assert_int_equal(strv_push(&f->cfg.capture_me, "me@home.example"), 0);
        f->core = (struct core){.store = f->s, .config = &f->cfg};
        f->ann = add(f, "Ann Archer",
                     (const char *const[]){"ann@a.example", "Ann.Alias@b.example", NULL});
        f->bob = add(f, "Bob Baker", (const char *const[]){"bob@b.example", NULL});
        f->cy = add(f, "Cy Cole", (const char *const[]){"cy@news.example", NULL});
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[PATH_MAX + 32];

        store_close(f->s);
        config_done(&f->cfg);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

/* ---- helpers ---- */

static struct capture_item mail(const char *key, enum capture_direction dir, int64_t at,
                                const char *const *emails)
{
        size_t n = 0;

        while (emails[n])
                n++;
        return (struct capture_item){.source = CAPTURE_MAIL,
                                     .direction = dir,
                                     .key = key,
                                     .at = at,
                                     .emails = emails,
                                     .n_emails = n};
}

struct rec_op {
        struct core *core;
        const struct capture_batch *b;
        struct capture_counts counts;
};

static int rec_fn(struct store_txn *t, void *userdata)
{
        struct rec_op *op = userdata;

        return capture_record(op->core, t, op->b, &op->counts);
}

static struct capture_counts record(struct fixture *f, const struct capture_item *items, size_t n,
                                    uint64_t checkpoint)
{
        struct capture_batch b = {.source = items ? items[0].source : CAPTURE_MAIL,
                                  .items = items,
                                  .n = n,
                                  .checkpoint = checkpoint};
        struct rec_op op = {.core = &f->core, .b = &b};

        assert_int_equal(store_write(f->s, rec_fn, &op), 0);
        return op.counts;
}

struct get_op {
        uint64_t id;
        struct contact *c;
        uint64_t n_interactions;
        struct interaction *latest;
};

static int latest_cb(const struct interaction *i, void *userdata)
{
        struct get_op *op = userdata;

        op->latest = interaction_new();
        op->latest->id = i->id;
        op->latest->at = i->at;
        op->latest->kind = strdup(i->kind);
        op->latest->source = i->source;
        op->latest->source_id = i->source_id ? strdup(i->source_id) : NULL;
        op->latest->no_touch = i->no_touch;
        op->latest->n_with = i->n_with;
        op->latest->group_of = i->group_of;
        return 1;
}

static int get_fn(struct store_txn *t, void *userdata)
{
        struct get_op *op = userdata;
        int r = store_txn_contact_get(t, op->id, &op->c);

        if (r < 0)
                return r;
        r = store_txn_interaction_count(t, op->id, &op->n_interactions);
        if (r < 0)
                return r;
        r = store_txn_interaction_list(t, op->id, 1, latest_cb, op);
        return r < 0 ? r : 0;
}

static struct get_op get(struct fixture *f, uint64_t id)
{
        struct get_op op = {.id = id};

        assert_int_equal(store_read(f->s, get_fn, &op), 0);
        return op;
}

static void get_done(struct get_op *op)
{
        contact_free(op->c);
        interaction_free(op->latest);
}

struct del_op {
        uint64_t id;
};

static int del_fn(struct store_txn *t, void *userdata)
{
        struct del_op *op = userdata;
        _cleanup_(interaction_freep) struct interaction *i = NULL;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        /* as Interactions.Remove does it: the record, then the person re-derived */
        r = store_txn_interaction_get_id(t, op->id, &i);
        if (r >= 0)
                r = store_txn_interaction_delete(t, op->id, CREATED + 500 * DAY);
        if (r >= 0)
                r = store_txn_contact_get(t, i->contact_id, &c);
        if (r >= 0)
                r = touch_recompute(t, 0, c);
        return r < 0 ? r : store_txn_contact_put(t, c);
}

static int undo_fn(struct store_txn *t, void *userdata)
{
        struct store_journal_entry e;

        return store_txn_undo(t, &e);
}

static int redo_fn(struct store_txn *t, void *userdata)
{
        struct store_journal_entry e;

        return store_txn_redo(t, &e);
}

struct ignore_op {
        const char *what;
        bool remove;
        int r;
        char *entry;
};

static int ignore_fn(struct store_txn *t, void *userdata)
{
        struct ignore_op *op = userdata;
        int r;

        free(op->entry);
        op->entry = NULL;
        op->r = capture_ignore_entry(t, op->what, &op->entry);
        if (op->r < 0)
                return 0;
        store_txn_describe(t, "capture ignore %s", op->entry);
        r = op->remove ? capture_ignore_remove(t, op->entry) : capture_ignore_add(t, op->entry);
        return r < 0 ? r : 0;
}

static char *ignore(struct fixture *f, const char *what, bool remove)
{
        struct ignore_op op = {.what = what, .remove = remove};

        assert_int_equal(store_write(f->s, ignore_fn, &op), 0);
        assert_int_equal(op.r, 0);
        return op.entry;
}

/* ---- tests ---- */

static void test_sent_mail_is_an_email_touch_matched_case_insensitively(void **state)
{
        struct fixture *f = *state;
        int64_t at = CREATED + 10 * DAY;
        struct capture_item it = mail(
            "m1@x", CAPTURE_SENT, at,
            (const char *const[]){"ME@home.example", "ANN@A.EXAMPLE", "stranger@z.example", NULL});
        struct capture_counts c = record(f, &it, 1, 7);
        struct get_op g = get(f, f->ann);

        assert_int_equal(c.captured, 1);
        assert_int_equal(g.c->last_interaction, at);
        assert_int_equal(g.c->next_due, at + 30 * DAY);
        assert_string_equal(g.c->last_kind, "email");
        assert_int_equal(g.latest->source, SOURCE_MAIL);
        assert_string_equal(g.latest->source_id, "m1@x");
        assert_false(g.latest->no_touch);
        assert_int_equal(g.latest->n_with, 0);
        get_done(&g);
}

static int state_fn(struct store_txn *t, void *userdata)
{
        return capture_state_get(t, CAPTURE_MAIL, userdata);
}

static void test_state_checkpoint_and_counts(void **state)
{
        struct fixture *f = *state;
        struct capture_item items[] = {
            mail("a@x", CAPTURE_SENT, CREATED + DAY, (const char *const[]){"bob@b.example", NULL}),
            mail("b@x", CAPTURE_SENT, CREATED + DAY,
                 (const char *const[]){"nobody@z.example", NULL}),
        };
        struct capture_state st;

        record(f, items, 2, 42);
        assert_int_equal(store_read(f->s, state_fn, &st), 0);
        assert_int_equal(st.checkpoint, 42);
        assert_int_equal(st.counts.captured, 1);
        assert_int_equal(st.counts.unmatched, 1);
        assert_true(st.last_scan > 0);
        capture_state_done(&st);
        record(f, items, 2, 0); /* 0 keeps the checkpoint */
        assert_int_equal(store_read(f->s, state_fn, &st), 0);
        assert_int_equal(st.checkpoint, 42);
        assert_int_equal(st.counts.seen, 1);
        assert_int_equal(st.counts.unmatched, 2);
        capture_state_done(&st);
}

static void test_aliases_and_own_addresses(void **state)
{
        struct fixture *f = *state;
        const char *const mine[] = {"me2@work.example"};
        /* Ann twice (two addresses), from my second address given by the reader */
        struct capture_item it = mail("m2@x", CAPTURE_SENT, CREATED + 3 * DAY,
                                      (const char *const[]){"me2@work.example", "ann@a.example",
                                                            "ann.alias@b.example", NULL});
        struct capture_batch b = {
            .source = CAPTURE_MAIL, .items = &it, .n = 1, .me = mine, .n_me = 1};
        struct rec_op op = {.core = &f->core, .b = &b};
        struct get_op g;

        assert_int_equal(store_write(f->s, rec_fn, &op), 0);
        assert_int_equal(op.counts.captured, 1);
        g = get(f, f->ann);
        assert_int_equal(g.n_interactions, 1);
        assert_int_equal(g.latest->n_with, 0); /* one person, not a group of Ann and Ann */
        get_done(&g);

        /* only my own addresses: nothing to record */
        it = mail("m3@x", CAPTURE_SENT, CREATED + 4 * DAY,
                  (const char *const[]){"me2@work.example", "Me@Home.example", NULL});
        assert_int_equal(store_write(f->s, rec_fn, &op), 0);
        assert_int_equal(op.counts.captured, 0);
        assert_int_equal(op.counts.unmatched, 1);
}

static void test_group_of_several_tracked_people(void **state)
{
        struct fixture *f = *state;
        int64_t at = CREATED + 5 * DAY;
        struct capture_item it = mail(
            "g@x", CAPTURE_SENT, at, (const char *const[]){"ann@a.example", "bob@b.example", NULL});
        struct get_op a, b;

        assert_int_equal(record(f, &it, 1, 0).captured, 1);
        a = get(f, f->ann);
        b = get(f, f->bob);
        assert_int_equal(a.latest->n_with, 1);
        assert_int_equal(b.latest->group_of, f->ann);
        assert_int_equal(a.latest->id, b.latest->id);
        assert_int_equal(a.c->last_interaction, at);
        assert_int_equal(b.c->last_interaction, at);
        get_done(&a);
        get_done(&b);
}

static void test_exactly_once_and_deleted_never_recaptured(void **state)
{
        struct fixture *f = *state;
        int64_t at = CREATED + 6 * DAY;
        struct capture_item it =
            mail("once@x", CAPTURE_SENT, at, (const char *const[]){"bob@b.example", NULL});
        struct capture_counts c;
        struct get_op g;
        struct del_op d;

        assert_int_equal(record(f, &it, 1, 0).captured, 1);
        c = record(f, &it, 1, 0);
        assert_int_equal(c.captured, 0);
        assert_int_equal(c.seen, 1);
        g = get(f, f->bob);
        assert_int_equal(g.n_interactions, 1);
        d.id = g.latest->id;
        get_done(&g);

        /* deleted: the rhythm goes back, and a re-scan does not bring it back */
        assert_int_equal(store_write(f->s, del_fn, &d), 0);
        g = get(f, f->bob);
        assert_int_equal(g.n_interactions, 0);
        assert_int_equal(g.c->last_interaction, 0);
        get_done(&g);
        assert_int_equal(record(f, &it, 1, 0).seen, 1);
        g = get(f, f->bob);
        assert_int_equal(g.n_interactions, 0);
        get_done(&g);

        /* undo of the delete: the same record back; still captured once */
        assert_int_equal(store_write(f->s, undo_fn, NULL), 0);
        g = get(f, f->bob);
        assert_int_equal(g.n_interactions, 1);
        assert_int_equal(g.latest->id, d.id);
        get_done(&g);
        assert_int_equal(record(f, &it, 1, 0).seen, 1);
        g = get(f, f->bob);
        assert_int_equal(g.n_interactions, 1);
        get_done(&g);
}

static void test_undo_of_a_capture_keeps_it_out(void **state)
{
        struct fixture *f = *state;
        struct capture_item it = mail("undone@x", CAPTURE_SENT, CREATED + 7 * DAY,
                                      (const char *const[]){"bob@b.example", NULL});
        struct get_op g;

        assert_int_equal(record(f, &it, 1, 0).captured, 1);
        assert_int_equal(store_write(f->s, undo_fn, NULL), 0); /* the capture is taken back */
        g = get(f, f->bob);
        assert_int_equal(g.n_interactions, 0);
        assert_int_equal(g.c->last_interaction, 0);
        get_done(&g);
        assert_int_equal(record(f, &it, 1, 0).captured, 0);    /* and not captured again */
        assert_int_equal(store_write(f->s, redo_fn, NULL), 0); /* redo brings it back */
        g = get(f, f->bob);
        assert_int_equal(g.n_interactions, 1);
        assert_int_equal(g.c->last_interaction, CREATED + 7 * DAY);
        get_done(&g);
}

static void test_bulk_is_counted_never_recorded(void **state)
{
        struct fixture *f = *state;
        struct capture_item it = mail("list@x", CAPTURE_RECEIVED, CREATED + 8 * DAY,
                                      (const char *const[]){"ann@a.example", NULL});
        struct capture_counts c;
        struct get_op g;

        it.bulk = true;
        f->cfg.capture_received_touch = true;
        c = record(f, &it, 1, 0);
        assert_int_equal(c.bulk, 1);
        assert_int_equal(c.captured, 0);
        g = get(f, f->ann);
        assert_int_equal(g.n_interactions, 0);
        get_done(&g);
}

static void test_received_history_moves_no_date(void **state)
{
        struct fixture *f = *state;
        int64_t sent = CREATED + 10 * DAY, got = CREATED + 20 * DAY;
        struct capture_item items[] = {
            mail("s@x", CAPTURE_SENT, sent, (const char *const[]){"ann@a.example", NULL}),
            mail("r@x", CAPTURE_RECEIVED, got,
                 (const char *const[]){"ann@a.example", "me@home.example", NULL}),
        };
        struct capture_counts c = record(f, items, 2, 0);
        struct get_op g = get(f, f->ann);

        assert_int_equal(c.captured, 2);
        assert_int_equal(c.received, 1);
        assert_int_equal(g.n_interactions, 2);
        assert_string_equal(g.latest->kind, "received");
        assert_true(g.latest->no_touch);
        assert_int_equal(g.c->last_interaction, sent); /* received is history only */
        assert_string_equal(g.c->last_kind, "email");
        assert_int_equal(g.c->next_due, sent + 30 * DAY);
        get_done(&g);
}

static void test_received_touch_moves_the_date(void **state)
{
        struct fixture *f = *state;
        int64_t got = CREATED + 20 * DAY;
        struct capture_item it =
            mail("r2@x", CAPTURE_RECEIVED, got, (const char *const[]){"bob@b.example", NULL});
        struct get_op g;

        f->cfg.capture_received_touch = true;
        record(f, &it, 1, 0);
        g = get(f, f->bob);
        assert_false(g.latest->no_touch);
        assert_string_equal(g.latest->kind, "received");
        assert_int_equal(g.c->last_interaction, got);
        assert_int_equal(g.c->next_due, got + 30 * DAY);
        get_done(&g);
}

static void test_ignore_address_domain_person_and_undo(void **state)
{
        struct fixture *f = *state;
        struct capture_item items[] = {
            mail("i1@x", CAPTURE_SENT, CREATED + DAY,
                 (const char *const[]){"cy@news.example", NULL}),
            mail("i2@x", CAPTURE_SENT, CREATED + DAY, (const char *const[]){"bob@b.example", NULL}),
            mail("i3@x", CAPTURE_SENT, CREATED + DAY, (const char *const[]){"ann@a.example", NULL}),
        };
        _cleanup_free_ char *e1 = ignore(f, "news.example", false);
        _cleanup_free_ char *e2 = ignore(f, "Bob Baker", false);
        _cleanup_free_ char *e3 = ignore(f, "ANN@a.example", false);
        struct capture_counts c;
        struct get_op g;

        assert_string_equal(e1, "@news.example");
        g = get(f, f->bob);
        assert_string_equal(e2 + strlen("contact:"), g.c->uuid);
        get_done(&g);
        assert_string_equal(e3, "ann@a.example");
        c = record(f, items, 3, 0);
        assert_int_equal(c.captured, 0);
        assert_int_equal(c.ignored, 3);

        /* undo of the last ignore (Ann's address): her mail is captured again */
        assert_int_equal(store_write(f->s, undo_fn, NULL), 0);
        c = record(f, items, 3, 0);
        assert_int_equal(c.captured, 1);
        g = get(f, f->ann);
        assert_int_equal(g.n_interactions, 1);
        get_done(&g);

        /* unignore the person */
        free(ignore(f, "bob", true));
        assert_int_equal(record(f, items, 3, 0).captured, 1);
}

static void test_calendar_meeting_with_everyone(void **state)
{
        struct fixture *f = *state;
        int64_t at = CREATED + 30 * DAY;
        const char *const who[] = {"ann@a.example", "bob@b.example", "me@home.example", NULL};
        struct capture_item it = {.source = CAPTURE_CALENDAR,
                                  .direction = CAPTURE_SENT,
                                  .key = "uid-1/20010101T090000Z",
                                  .at = at,
                                  .emails = who,
                                  .n_emails = 3};
        struct get_op a, b;

        assert_int_equal(record(f, &it, 1, 0).captured, 1);
        a = get(f, f->ann);
        b = get(f, f->bob);
        assert_string_equal(a.latest->kind, "meeting");
        assert_int_equal(a.latest->source, SOURCE_CALENDAR);
        assert_int_equal(a.latest->id, b.latest->id);
        assert_int_equal(b.c->last_interaction, at);
        get_done(&a);
        get_done(&b);
        /* the same key from mail is another item */
        it.source = CAPTURE_MAIL;
        it.key = "uid-1/20010101T090000Z";
        assert_int_equal(record(f, &it, 1, 0).captured, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(
                test_sent_mail_is_an_email_touch_matched_case_insensitively, setup, teardown),
            cmocka_unit_test_setup_teardown(test_state_checkpoint_and_counts, setup, teardown),
            cmocka_unit_test_setup_teardown(test_aliases_and_own_addresses, setup, teardown),
            cmocka_unit_test_setup_teardown(test_group_of_several_tracked_people, setup, teardown),
            cmocka_unit_test_setup_teardown(test_exactly_once_and_deleted_never_recaptured, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_undo_of_a_capture_keeps_it_out, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bulk_is_counted_never_recorded, setup, teardown),
            cmocka_unit_test_setup_teardown(test_received_history_moves_no_date, setup, teardown),
            cmocka_unit_test_setup_teardown(test_received_touch_moves_the_date, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ignore_address_domain_person_and_undo, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_calendar_meeting_with_everyone, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
