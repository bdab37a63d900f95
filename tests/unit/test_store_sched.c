/* The scheduler's index (store-sched.c): kept in step by contact put/delete, in key order,
 * rebuilt from the due index; and the notification state round-trips through the codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "datemd.h"
#include "model.h"
#include "store-sched.h"
#include "store.h"
#include "util.h"

#define DAY 86400LL
#define T0  1780000000LL /* 2026-05-28 */

struct fixture {
        char base[PATH_MAX];
        char dir[PATH_MAX + 16];
        struct store *s;
        bool sched_changed; /* the observer saw a commit that changed the sched index */
};

static void on_committed(const struct store_changes *ch, void *userdata)
{
        struct fixture *f = userdata;

        f->sched_changed |= ch->sched;
}

/* Whether a commit since the last call changed the index (the scheduler's re-arm signal). */
static bool take_sched_changed(struct fixture *f)
{
        bool changed = f->sched_changed;

        f->sched_changed = false;
        return changed;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct store_options o = {0};

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "/tmp/test_store_sched.XXXXXX");
        assert_non_null(mkdtemp(f->base));
        snprintf(f->dir, sizeof(f->dir), "%s/data", f->base);
        o.dir = f->dir;
        assert_int_equal(store_open(&o, &f->s), 0);
        store_set_observer(f->s,
                           &(struct store_observer){.committed = on_committed, .userdata = f});
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

/* ---- helpers running one operation per transaction ---- */

static int put_fn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_put(t, userdata);
}

static uint64_t put(struct fixture *f, const char *name, int64_t due)
{
        struct contact c = {.name = (char *)name, .next_due = due, .created = T0};

        assert_int_equal(store_write(f->s, put_fn, &c), 0);
        return c.id;
}

struct entry {
        int64_t t;
        uint64_t id;
        uint32_t event;
};

struct walk_op {
        struct entry v[32];
        size_t n;
        size_t stop_after; /* 0 = all */
};

static int walk_cb(int64_t t, const struct contact *c, uint32_t event, void *userdata)
{
        struct walk_op *op = userdata;

        assert_true(op->n < 32);
        op->v[op->n++] = (struct entry){t, c->id, event};
        return op->stop_after && op->n == op->stop_after ? 7 : 0;
}

static int walk_fn(struct store_txn *t, void *userdata)
{
        return store_txn_sched_walk(t, walk_cb, userdata);
}

static struct walk_op walk(struct fixture *f, size_t stop_after)
{
        struct walk_op op = {.stop_after = stop_after};
        int r = store_read(f->s, walk_fn, &op);

        assert_int_equal(r, stop_after && op.n == stop_after ? 7 : 0);
        return op;
}

struct update_op {
        uint64_t id;
        void (*change)(struct contact *c);
};

static int update_fn(struct store_txn *t, void *userdata)
{
        struct update_op *op = userdata;
        struct contact *c = NULL;
        int r;

        r = store_txn_contact_get(t, op->id, &c);
        if (r < 0)
                return r;
        op->change(c);
        r = store_txn_contact_put(t, c);
        contact_free(c);
        return r;
}

static void update(struct fixture *f, uint64_t id, void (*change)(struct contact *c))
{
        struct update_op op = {id, change};

        assert_int_equal(store_write(f->s, update_fn, &op), 0);
}

static void mark_notified(struct contact *c)
{
        c->notified_due = c->next_due;
        c->notified_at = T0;
        c->resurface_at = T0 + DAY;
        c->notify_id = 42;
}

static void snooze(struct contact *c)
{
        c->next_due = T0 + 7 * DAY;
}

static void no_due(struct contact *c)
{
        c->next_due = 0;
}

static void rename_it(struct contact *c)
{
        free(c->name);
        c->name = strdup("Renamed");
}

static int delete_fn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_delete(t, *(uint64_t *)userdata, T0);
}

/* ---- tests ---- */

static void test_index_follows_the_record(void **state)
{
        struct fixture *f = *state;
        uint64_t a, b, c, none;
        struct walk_op w;

        assert_false(take_sched_changed(f));
        a = put(f, "Ann", T0 + 300);
        /* Any writer that touches the index tells the scheduler, once. */
        assert_true(take_sched_changed(f));
        assert_false(take_sched_changed(f));
        update(f, a, rename_it);
        assert_false(take_sched_changed(f)); /* same entry: nothing to re-arm */
        put(f, "Nobody yet", 0);
        assert_false(take_sched_changed(f));
        b = put(f, "Ben", T0 - DAY); /* overdue */
        c = put(f, "Cat", T0 + 100);
        none = put(f, "Nobody", 0);
        (void)none;
        w = walk(f, 0);
        assert_int_equal(w.n, 3);
        assert_int_equal(w.v[0].id, b);
        assert_int_equal(w.v[0].t, T0 - DAY);
        assert_int_equal(w.v[1].id, c);
        assert_int_equal(w.v[2].id, a);

        /* Shown: indexed under the time it comes back, not its due date. */
        update(f, b, mark_notified);
        w = walk(f, 0);
        assert_int_equal(w.n, 3);
        assert_int_equal(w.v[2].id, b);
        assert_int_equal(w.v[2].t, T0 + DAY);

        /* An unrelated edit keeps the state (and the index entry). */
        update(f, b, rename_it);
        w = walk(f, 0);
        assert_int_equal(w.v[2].id, b);
        assert_int_equal(w.v[2].t, T0 + DAY);

        /* A new due date (snooze, done) makes it pending again, under the new date. */
        update(f, b, snooze);
        w = walk(f, 0);
        assert_int_equal(w.n, 3);
        assert_int_equal(w.v[2].id, b);
        assert_int_equal(w.v[2].t, T0 + 7 * DAY);

        /* No due date: not indexed; deleted: gone. */
        update(f, c, no_due);
        assert_int_equal(store_write(f->s, delete_fn, &a), 0);
        w = walk(f, 0);
        assert_int_equal(w.n, 1);
        assert_int_equal(w.v[0].id, b);
        /* The walk stops when the callback asks. */
        put(f, "Dan", T0);
        w = walk(f, 1);
        assert_int_equal(w.n, 1);
}

static int rebuild_fn(struct store_txn *t, void *userdata)
{
        int r = store_txn_sched_rebuild(t);

        if (r >= 0)
                *(int *)userdata = r;
        return r < 0 ? r : 0;
}

static int rebuild_read_fn(struct store_txn *t, void *userdata)
{
        return store_txn_sched_rebuild(t);
}

static void test_rebuild(void **state)
{
        struct fixture *f = *state;
        struct walk_op before, after;
        uint64_t b;
        int n = -1;

        put(f, "Ann", T0 + 300);
        b = put(f, "Ben", T0 - DAY);
        put(f, "Nobody", 0);
        update(f, b, mark_notified);
        before = walk(f, 0);
        assert_int_equal(store_write(f->s, rebuild_fn, &n), 0);
        assert_int_equal(n, 2);
        after = walk(f, 0);
        assert_int_equal(after.n, before.n);
        assert_memory_equal(after.v, before.v, before.n * sizeof(struct entry));
        /* Not inside a read transaction. */
        assert_int_equal(store_read(f->s, rebuild_read_fn, NULL), -EROFS);
}

static bool state_eq(const struct date_state *a, const struct date_state *b)
{
        return a->since == b->since && a->shown_year == b->shown_year &&
               a->acked_year == b->acked_year && a->snoozed_to == b->snoozed_to &&
               a->notify_id == b->notify_id;
}

static void test_codec_round_trip(void **state)
{
        struct contact c = {
            .id = 9,
            .name = "Jane",
            .next_due = T0,
            .notified_due = T0,
            .notified_at = T0 + 5,
            .resurface_at = T0 + DAY,
            .notify_id = 4000000000u,
            .notify_unshown = 1,
        };
        struct contact *d = NULL;
        uint8_t *buf = NULL;
        size_t len;

        assert_int_equal(codec_contact_encode(&c, &buf, &len), 0);
        assert_int_equal(codec_contact_decode(buf, len, &d), 0);
        assert_int_equal(d->notified_due, T0);
        assert_int_equal(d->notified_at, T0 + 5);
        assert_int_equal(d->resurface_at, T0 + DAY);
        assert_int_equal(d->notify_id, 4000000000u);
        assert_int_equal(d->notify_unshown, 1);
        assert_int_equal(d->unknown_len, 0);
        assert_int_equal(store_sched_time(d), T0 + DAY);
        contact_free(d);
        free(buf);

        /* Dates, the birthday's state and the agenda. */
        {
                struct contact_date dates[] = {{.id = 2,
                                                .label = "launch; day",
                                                .date = "--03-01",
                                                .yearly = true,
                                                .remind_days = 3,
                                                .st = {T0, 2026, 2025, T0 + DAY, 4000000000u}}};

                c.dates = dates;
                c.n_dates = 1;
                c.birthday = "1990-01-02";
                c.birthday_state = (struct date_state){T0 - 5, 2025, 0, 0, 7};
                c.agenda = "the move";
                assert_int_equal(codec_contact_encode(&c, &buf, &len), 0);
                assert_int_equal(codec_contact_decode(buf, len, &d), 0);
                assert_int_equal(d->n_dates, 1);
                assert_int_equal(d->dates[0].id, 2);
                assert_string_equal(d->dates[0].label, "launch; day");
                assert_string_equal(d->dates[0].date, "--03-01");
                assert_true(d->dates[0].yearly);
                assert_int_equal(d->dates[0].remind_days, 3);
                assert_true(state_eq(&d->dates[0].st, &dates[0].st));
                assert_true(state_eq(&d->birthday_state, &c.birthday_state));
                assert_string_equal(d->agenda, "the move");
                assert_int_equal(d->unknown_len, 0);
                contact_free(d);
                free(buf);
        }
}

static void add_dates(struct contact *c)
{
        free(c->birthday);
        c->birthday = strdup("1990-06-10");
        c->birthday_state = (struct date_state){.since = T0};
        c->dates = calloc(2, sizeof(*c->dates));
        assert_non_null(c->dates);
        c->dates[0] = (struct contact_date){.id = 2,
                                            .label = strdup("anniversary"),
                                            .date = strdup("--06-01"),
                                            .yearly = true,
                                            .remind_days = 3,
                                            .st = {.since = T0}};
        c->dates[1] = (struct contact_date){
            .id = 3, .label = strdup("launch"), .date = strdup("2026-05-20"), .st = {.since = T0}};
        c->n_dates = 2;
}

static void show_birthday(struct contact *c)
{
        c->birthday_state.shown_year = 2026;
}

static void snooze_birthday(struct contact *c)
{
        c->birthday_state.snoozed_to = T0 + 20 * DAY;
}

/* Several pending events per person: the follow-up and each date have their own entry, in time
 * order, and each moves on its own. */
static void test_several_events(void **state)
{
        struct fixture *f = *state;
        struct walk_op w;
        uint64_t id;

        id = put(f, "Ann", T0 + 30 * DAY);
        take_sched_changed(f);
        update(f, id, add_dates);
        assert_true(take_sched_changed(f));
        w = walk(f, 0);
        /* The one-off launch on 2026-05-20 lies before T0 (05-28): never notified. */
        assert_int_equal(w.n, 3);
        assert_int_equal(w.v[0].t, date_local_midnight(2026, 6, 1, -3));
        assert_int_equal(w.v[0].event, 2);
        assert_int_equal(w.v[1].t, date_local_midnight(2026, 6, 10, 0));
        assert_int_equal(w.v[1].event, CONTACT_DATE_BIRTHDAY);
        assert_int_equal(w.v[2].t, T0 + 30 * DAY);
        assert_int_equal(w.v[2].event, STORE_SCHED_FOLLOW_UP);
        for (size_t i = 0; i < w.n; i++)
                assert_int_equal(w.v[i].id, id);
        /* Shown this year: next year's birthday is pending; the others stay. */
        update(f, id, show_birthday);
        w = walk(f, 0);
        assert_int_equal(w.n, 3);
        assert_int_equal(w.v[2].t, date_local_midnight(2027, 6, 10, 0));
        assert_int_equal(w.v[2].event, CONTACT_DATE_BIRTHDAY);
        /* Snoozed: this year's comes back at the snooze instant. */
        update(f, id, snooze_birthday);
        w = walk(f, 0);
        assert_int_equal(w.v[1].t, T0 + 20 * DAY);
        assert_int_equal(w.v[1].event, CONTACT_DATE_BIRTHDAY);
        /* No follow-up: the dates stay indexed; and rebuilt the same. */
        update(f, id, no_due);
        w = walk(f, 0);
        assert_int_equal(w.n, 2);
        {
                struct walk_op after;
                int n = -1;

                assert_int_equal(store_write(f->s, rebuild_fn, &n), 0);
                assert_int_equal(n, 2);
                after = walk(f, 0);
                assert_int_equal(after.n, w.n);
                assert_memory_equal(after.v, w.v, w.n * sizeof(struct entry));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_index_follows_the_record, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rebuild, setup, teardown),
            cmocka_unit_test(test_codec_round_trip),
            cmocka_unit_test_setup_teardown(test_several_events, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
