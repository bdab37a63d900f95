/* The undo journal (daemon/store/store-journal.c): random changes through the store's own
 * operations, then undo and redo all of them, comparing a full dump of every record database
 * and every index with the dump taken when that state was current. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "store-goals.h"
#include "store-internal.h" /* the dump reads every database, indexes included */
#include "store.h"
#include "util.h"

#define DAY   86400LL
#define T0    1796000000LL /* 2026-11-30 */
#define STEPS 70
#define SEEDS 4

/* ---- fixture ---- */

struct fixture {
        char base[PATH_MAX];
        char dir[PATH_MAX + 16];
        struct store *s;
        int64_t now; /* the journal's clock */
};

static int64_t fixture_clock(void *userdata)
{
        return ((struct fixture *)userdata)->now;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static void fixture_open(struct fixture *f)
{
        struct store_options o = {.dir = f->dir, .clock = fixture_clock, .clock_userdata = f};

        assert_int_equal(store_open(&o, &f->s), 0);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        const char *tmp = getenv("TMPDIR");

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "%s/test_journal.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->base));
        snprintf(f->dir, sizeof(f->dir), "%s/data/tend", f->base);
        f->now = T0;
        fixture_open(f);
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

/* ---- a dump of every database but meta (counters) and the journal itself ---- */

struct dump {
        uint8_t *data[_DB_MAX];
        size_t len[_DB_MAX];
};

static void dump_free(struct dump *d)
{
        for (size_t i = 0; i < _DB_MAX; i++)
                free(d->data[i]);
        free(d);
}

static void put_bytes(struct dump *d, int db, const void *p, size_t n)
{
        uint8_t len[8];

        be64_put(len, n);
        d->data[db] = realloc(d->data[db], d->len[db] + sizeof(len) + n);
        assert_non_null(d->data[db]);
        memcpy(d->data[db] + d->len[db], len, sizeof(len));
        if (n)
                memcpy(d->data[db] + d->len[db] + sizeof(len), p, n);
        d->len[db] += sizeof(len) + n;
}

static int dump_fn(struct store_txn *t, void *userdata)
{
        struct dump *d = userdata;

        for (int db = 0; db < _DB_MAX; db++) {
                MDB_cursor *cur = NULL;
                MDB_val k, v;
                int rc;

                if (db == DB_META || db == DB_JOURNAL)
                        continue;
                assert_int_equal(mdb_cursor_open(t->txn, t->store->dbi[db], &cur), 0);
                for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
                     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                        put_bytes(d, db, k.mv_data, k.mv_size);
                        put_bytes(d, db, v.mv_data, v.mv_size);
                }
                assert_int_equal(rc, MDB_NOTFOUND);
                mdb_cursor_close(cur);
        }
        return 0;
}

static struct dump *dump_take(struct store *s)
{
        struct dump *d = calloc(1, sizeof(*d));

        assert_non_null(d);
        assert_int_equal(store_read(s, dump_fn, d), 0);
        return d;
}

static void dump_assert_equal(const struct dump *a, const struct dump *b, const char *when)
{
        for (int db = 0; db < _DB_MAX; db++)
                if (a->len[db] != b->len[db] ||
                    (a->len[db] && memcmp(a->data[db], b->data[db], a->len[db]) != 0))
                        fail_msg("%s: database %d differs (%zu vs %zu bytes)", when, db, a->len[db],
                                 b->len[db]);
}

/* ---- random changes through the store's operations ---- */

static uint64_t rnd(uint64_t *x)
{
        /* xorshift64*: deterministic, so a re-run transaction makes the same change */
        *x ^= *x >> 12;
        *x ^= *x << 25;
        *x ^= *x >> 27;
        return *x * UINT64_C(2685821657736338717);
}

static int collect_contact(const struct contact *c, void *userdata)
{
        return idvec_push(userdata, c->id);
}

static int collect_goal(const struct goal *g, void *userdata)
{
        return idvec_push(userdata, g->id);
}

static int collect_intro(const struct intro *i, void *userdata)
{
        return idvec_push(userdata, i->id);
}

static int pick(struct idvec *v, uint64_t *x, uint64_t *ret)
{
        if (v->n == 0)
                return -ENOENT;
        *ret = v->v[rnd(x) % v->n];
        return 0;
}

static int pick_contact(struct store_txn *t, uint64_t *x, uint64_t *ret)
{
        _cleanup_(idvec_done) struct idvec v = {0};
        int r = store_txn_contact_list(t, NULL, collect_contact, &v);

        return r < 0 ? r : pick(&v, x, ret);
}

static int pick_goal(struct store_txn *t, uint64_t *x, uint64_t *ret)
{
        _cleanup_(idvec_done) struct idvec v = {0};
        int r = store_txn_goal_list(t, collect_goal, &v);

        return r < 0 ? r : pick(&v, x, ret);
}

static const char *const names[] = {"Ann Bee", "Bo Chen", "Cy Dale", "Di Eve", "Ed Fox"};
static const char *const tags[] = {"mentor", "board", "vc", "alumni"};

static void random_fill(struct contact *c, uint64_t *x, int64_t now)
{
        static char *tagv[3];
        static char email[64], *emailv[2];
        char name[64];

        snprintf(name, sizeof(name), "%s %u", names[rnd(x) % ARRAY_SIZE(names)],
                 (unsigned)(rnd(x) % 100));
        free(c->name);
        c->name = strdup(name);
        assert_non_null(c->name);
        tagv[0] = (char *)tags[rnd(x) % ARRAY_SIZE(tags)];
        tagv[1] = rnd(x) % 2 ? (char *)tags[rnd(x) % ARRAY_SIZE(tags)] : NULL;
        tagv[2] = NULL;
        c->tags = tagv; /* borrowed: cleared before the contact is freed */
        snprintf(email, sizeof(email), "p%llu@example.com", (unsigned long long)(rnd(x) % 100000));
        emailv[0] = email;
        emailv[1] = NULL;
        c->emails = rnd(x) % 3 ? emailv : NULL;
        c->networks = (uint32_t)(rnd(x) % 8);
        c->cadence = (int64_t)(rnd(x) % 3) * 14 * DAY;
        c->next_due = rnd(x) % 4 ? now + (int64_t)(rnd(x) % 60) * DAY - 30 * DAY : 0;
        c->updated = now;
}

static void borrowed_clear(struct contact *c)
{
        c->tags = NULL;
        c->emails = NULL;
}

static int op_add_contact(struct store_txn *t, uint64_t *x, int64_t now)
{
        _cleanup_(contact_freep) struct contact *c = contact_new();
        int r;

        assert_non_null(c);
        random_fill(c, x, now);
        c->created = now;
        r = store_txn_contact_put(t, c);
        borrowed_clear(c);
        return r;
}

static int op_edit_contact(struct store_txn *t, uint64_t *x, int64_t now)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        uint64_t id;
        int r;

        r = pick_contact(t, x, &id);
        if (r < 0)
                return r;
        r = store_txn_contact_get(t, id, &c);
        if (r < 0)
                return r;
        strv_free(c->tags);
        strv_free(c->emails);
        random_fill(c, x, now);
        r = store_txn_contact_put(t, c);
        borrowed_clear(c);
        return r;
}

static int op_delete_contact(struct store_txn *t, uint64_t *x, int64_t now)
{
        uint64_t id;
        int r = pick_contact(t, x, &id);

        return r < 0 ? r : store_txn_contact_delete(t, id, now);
}

static int op_log(struct store_txn *t, uint64_t *x, int64_t now)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        struct interaction in = {.at = now - (int64_t)(rnd(x) % 10) * DAY, .kind = "coffee"};
        uint64_t id, goal = 0;
        int r;

        r = pick_contact(t, x, &id);
        if (r < 0)
                return r;
        if (rnd(x) % 2 && pick_goal(t, x, &goal) < 0)
                goal = 0;
        in.contact_id = id;
        in.goal_id = goal;
        in.note = rnd(x) % 2 ? "talked" : NULL;
        in.created = now;
        r = store_txn_interaction_add(t, &in);
        if (r < 0)
                return r;
        r = store_txn_contact_get(t, id, &c);
        if (r < 0)
                return r;
        c->last_interaction = in.at;
        c->next_due = in.at + 14 * DAY;
        return store_txn_contact_put(t, c);
}

static int op_add_goal(struct store_txn *t, uint64_t *x, int64_t now)
{
        _cleanup_(goal_freep) struct goal *g = goal_new();
        char title[64];

        assert_non_null(g);
        snprintf(title, sizeof(title), "Goal %u", (unsigned)(rnd(x) % 1000));
        g->title = strdup(title);
        assert_non_null(g->title);
        g->created = g->updated = now;
        return store_txn_goal_put(t, g);
}

static int op_goal_done(struct store_txn *t, uint64_t *x, int64_t now)
{
        _cleanup_(goal_freep) struct goal *g = NULL;
        uint64_t id;
        int r = pick_goal(t, x, &id);

        if (r < 0)
                return r;
        r = store_txn_goal_get(t, id, &g);
        if (r < 0)
                return r;
        g->status = g->status == GOAL_DONE ? GOAL_ACTIVE : GOAL_DONE;
        g->done_at = g->status == GOAL_DONE ? now : 0;
        return store_txn_goal_put(t, g);
}

static int op_delete_goal(struct store_txn *t, uint64_t *x, int64_t now)
{
        uint64_t id;
        int r = pick_goal(t, x, &id);

        return r < 0 ? r : store_txn_goal_delete(t, id, now);
}

static int op_link(struct store_txn *t, uint64_t *x, int64_t now)
{
        struct goal_link l = {.why = "knows investors", .linked_at = now};
        int r = pick_goal(t, x, &l.goal_id);

        if (r >= 0)
                r = pick_contact(t, x, &l.contact_id);
        if (r < 0)
                return r;
        if (rnd(x) % 3 == 0)
                return store_txn_goal_link_delete(t, l.goal_id, l.contact_id);
        return store_txn_goal_link_put(t, &l);
}

static int op_intro(struct store_txn *t, uint64_t *x, int64_t now)
{
        _cleanup_(idvec_done) struct idvec v = {0};
        struct intro in = {.note = "should meet", .at = now, .created = now};
        uint64_t id;
        int r;

        if (rnd(x) % 3 == 0) {
                r = store_txn_intro_list(t, collect_intro, &v);
                if (r >= 0)
                        r = pick(&v, x, &id);
                return r < 0 ? r : store_txn_intro_delete(t, id, now);
        }
        r = pick_contact(t, x, &in.a);
        if (r >= 0)
                r = pick_contact(t, x, &in.b);
        if (r < 0)
                return r;
        if (in.a == in.b)
                return -ENOENT;
        return store_txn_intro_add(t, &in);
}

static int op_setting(struct store_txn *t, uint64_t *x, int64_t now)
{
        static const char *const keys[] = {"profile", "offers", "goal_every"};
        char value[32];

        (void)now;
        snprintf(value, sizeof(value), "v%u", (unsigned)(rnd(x) % 50));
        return store_txn_setting_put(t, keys[rnd(x) % ARRAY_SIZE(keys)], rnd(x) % 4 ? value : NULL);
}

typedef int (*op_fn)(struct store_txn *t, uint64_t *x, int64_t now);

static const op_fn ops[] = {
    op_add_contact, op_add_contact, op_edit_contact, op_edit_contact, op_delete_contact,
    op_log,         op_log,         op_add_goal,     op_goal_done,    op_delete_goal,
    op_link,        op_link,        op_intro,        op_setting,
};

struct change {
        uint64_t seed;
        int64_t now;
};

/* One random operation, or (one time in six) several in one transaction. An operation with
 * nothing to work on adds a contact instead, so every change changes something. */
static int change_fn(struct store_txn *t, void *userdata)
{
        const struct change *ch = userdata;
        uint64_t x = ch->seed;
        unsigned n = rnd(&x) % 6 == 0 ? 2 + (unsigned)(rnd(&x) % 3) : 1;

        for (unsigned i = 0; i < n; i++) {
                int r = ops[rnd(&x) % ARRAY_SIZE(ops)](t, &x, ch->now);

                if (r == -ENOENT)
                        r = op_add_contact(t, &x, ch->now);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void change(struct fixture *f, uint64_t seed)
{
        struct change ch = {.seed = seed, .now = f->now};

        assert_int_equal(store_write(f->s, change_fn, &ch), 0);
}

struct flip {
        bool redo;
        struct store_journal_entry e;
};

static int flip_fn(struct store_txn *t, void *userdata)
{
        struct flip *fl = userdata;

        return fl->redo ? store_txn_redo(t, &fl->e) : store_txn_undo(t, &fl->e);
}

static int undo(struct fixture *f)
{
        struct flip fl = {.redo = false};

        return store_write(f->s, flip_fn, &fl);
}

static int redo(struct fixture *f)
{
        struct flip fl = {.redo = true};

        return store_write(f->s, flip_fn, &fl);
}

struct list {
        size_t n, undone;
        struct store_journal_entry first; /* the newest */
        uint64_t oldest;
};

static int list_cb(const struct store_journal_entry *e, void *userdata)
{
        struct list *l = userdata;

        if (l->n++ == 0)
                l->first = *e;
        l->undone += e->undone;
        l->oldest = e->seq;
        return 0;
}

static int list_fn(struct store_txn *t, void *userdata)
{
        return store_txn_journal_list(t, 0, list_cb, userdata);
}

static struct list journal(struct fixture *f)
{
        struct list l = {0};

        assert_int_equal(store_read(f->s, list_fn, &l), 0);
        return l;
}

/* A change that writes what is already there (a setting to its value) records nothing and
 * changes nothing; another seed is tried until one records an entry. Returns the new dump. */
static struct dump *changed(struct fixture *f, const struct dump *prev, uint64_t seed)
{
        for (uint64_t attempt = 0;; attempt++) {
                struct list before = journal(f), after;
                struct dump *d;

                change(f, seed + attempt * 104729);
                d = dump_take(f->s);
                after = journal(f);
                /* A new entry may take the number of one it dropped from the redo side. */
                if (after.first.seq != before.first.seq || after.undone != before.undone)
                        return d;
                dump_assert_equal(d, prev, "a change that recorded nothing");
                dump_free(d);
        }
}

/* ---- tests ---- */

static void test_random_undo_redo(void **state)
{
        struct fixture *f = *state;

        for (uint64_t seed = 1; seed <= SEEDS; seed++) {
                struct dump *dumps[STEPS + 1];
                char when[64];

                /* Start each round from where the last one ended, with its journal. */
                dumps[0] = dump_take(f->s);
                for (int i = 1; i <= STEPS; i++) {
                        f->now += 3600;
                        dumps[i] = changed(f, dumps[i - 1], seed * 1000003 + (uint64_t)i);
                }
                for (int i = STEPS; i > 0; i--) {
                        assert_int_equal(undo(f), 0);
                        snprintf(when, sizeof(when), "seed %llu, undo of change %d",
                                 (unsigned long long)seed, i);
                        struct dump *d = dump_take(f->s);
                        dump_assert_equal(d, dumps[i - 1], when);
                        dump_free(d);
                }
                for (int i = 1; i <= STEPS; i++) {
                        assert_int_equal(redo(f), 0);
                        snprintf(when, sizeof(when), "seed %llu, redo of change %d",
                                 (unsigned long long)seed, i);
                        struct dump *d = dump_take(f->s);
                        dump_assert_equal(d, dumps[i], when);
                        dump_free(d);
                }
                assert_int_equal(redo(f), -ENOENT);
                /* Half back, then a new change: what was undone is gone for good. */
                for (int i = 0; i < STEPS / 2; i++)
                        assert_int_equal(undo(f), 0);
                assert_int_equal(journal(f).undone, STEPS / 2);
                change(f, seed * 7919);
                assert_int_equal(journal(f).undone, 0);
                assert_int_equal(redo(f), -ENOENT);
                assert_int_equal(undo(f), 0);
                {
                        struct dump *d = dump_take(f->s);
                        dump_assert_equal(d, dumps[STEPS / 2], "undo after the new change");
                        dump_free(d);
                }
                for (int i = 0; i <= STEPS; i++)
                        dump_free(dumps[i]);
        }
}

static void test_nothing_to_undo(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(undo(f), -ENOENT);
        assert_int_equal(redo(f), -ENOENT);
        change(f, 1);
        assert_int_equal(undo(f), 0);
        assert_int_equal(undo(f), -ENOENT);
        assert_int_equal(redo(f), 0);
        assert_int_equal(redo(f), -ENOENT);
}

static int add_named_fn(struct store_txn *t, void *userdata)
{
        _cleanup_(contact_freep) struct contact *c = contact_new();

        assert_non_null(c);
        c->name = strdup(userdata);
        assert_non_null(c->name);
        return store_txn_contact_put(t, c);
}

static int described_fn(struct store_txn *t, void *userdata)
{
        store_txn_describe(t, "add %s by hand", (const char *)userdata);
        store_txn_describe(t, "an inner rule's description"); /* the first one wins */
        return add_named_fn(t, userdata);
}

static void test_descriptions(void **state)
{
        struct fixture *f = *state;
        struct list l;

        assert_int_equal(store_write(f->s, add_named_fn, "Jane Doe"), 0);
        l = journal(f);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.first.description, "added Jane Doe");
        assert_int_equal(l.first.at, T0);
        assert_int_equal(l.first.records, 1);
        assert_string_equal(l.first.backup, "");

        assert_int_equal(store_write(f->s, described_fn, "Sam Lee"), 0);
        assert_string_equal(journal(f).first.description, "add Sam Lee by hand");
        assert_int_equal(undo(f), 0);
        l = journal(f);
        assert_int_equal(l.n, 2);
        assert_true(l.first.undone);
        assert_string_equal(l.first.description, "add Sam Lee by hand");
}

/* A read, and a write marked as bookkeeping, record nothing and keep redo possible. */
static int bookkeeping_fn(struct store_txn *t, void *userdata)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        (void)userdata;
        store_txn_no_journal(t);
        r = store_txn_contact_get(t, 1, &c);
        if (r < 0)
                return r;
        c->notify_id = 42;
        return store_txn_contact_put(t, c);
}

static int read_fn(struct store_txn *t, void *userdata)
{
        uint64_t n;

        (void)userdata;
        return store_txn_contact_count(t, &n);
}

static int rewrite_fn(struct store_txn *t, void *userdata)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        (void)userdata;
        r = store_txn_contact_get(t, 1, &c);
        return r < 0 ? r : store_txn_contact_put(t, c);
}

/* Writing what is there already is no change either. */
static void test_same_bytes_not_journaled(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(store_write(f->s, add_named_fn, "Jane Doe"), 0);
        assert_int_equal(store_write(f->s, add_named_fn, "Sam Lee"), 0);
        assert_int_equal(undo(f), 0);
        assert_int_equal(store_write(f->s, rewrite_fn, NULL), 0);
        assert_int_equal(journal(f).n, 2);
        assert_int_equal(redo(f), 0);
}

static void test_bookkeeping_not_journaled(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(store_write(f->s, add_named_fn, "Jane Doe"), 0);
        assert_int_equal(store_write(f->s, add_named_fn, "Sam Lee"), 0);
        assert_int_equal(undo(f), 0);
        assert_int_equal(store_read(f->s, read_fn, NULL), 0);
        assert_int_equal(store_write(f->s, bookkeeping_fn, NULL), 0);
        assert_int_equal(journal(f).n, 2);
        assert_int_equal(journal(f).undone, 1);
        assert_int_equal(redo(f), 0); /* Sam Lee is back */
        assert_int_equal(journal(f).undone, 0);
}

static int count_fn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_count(t, userdata);
}

static int backup_fn(struct store_txn *t, void *userdata)
{
        store_txn_journal_backup(t, "/backups/before-import.mdb");
        store_txn_describe(t, "import of 200000 records");
        return add_named_fn(t, userdata);
}

static void test_too_large_refused_with_backup(void **state)
{
        struct fixture *f = *state;
        struct flip fl = {.redo = false};
        struct list l;
        uint64_t n = 0;

        assert_int_equal(store_write(f->s, add_named_fn, "Jane Doe"), 0);
        assert_int_equal(store_write(f->s, backup_fn, "Sam Lee"), 0);
        l = journal(f);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.first.records, 0);
        assert_string_equal(l.first.backup, "/backups/before-import.mdb");
        assert_int_equal(store_write(f->s, flip_fn, &fl), -EXDEV);
        assert_string_equal(fl.e.backup, "/backups/before-import.mdb");
        assert_string_equal(fl.e.description, "import of 200000 records");
        /* Nothing moved: both people are there, and the change is still in effect. */
        assert_int_equal(store_read(f->s, count_fn, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(journal(f).undone, 0);
}

static void test_prune(void **state)
{
        struct fixture *f = *state;
        uint64_t n;
        struct list l;

        for (int i = 0; i < STORE_JOURNAL_KEEP + 20; i++) {
                char name[32];

                snprintf(name, sizeof(name), "Person %d", i);
                assert_int_equal(store_write(f->s, add_named_fn, name), 0);
        }
        /* All younger than 30 days: every one is kept. */
        l = journal(f);
        assert_int_equal(l.n, STORE_JOURNAL_KEEP + 20);
        assert_int_equal(l.oldest, 1);

        /* 31 days on, the next change prunes down to the last STORE_JOURNAL_KEEP. */
        f->now += 31 * DAY;
        assert_int_equal(store_write(f->s, add_named_fn, "Late"), 0);
        l = journal(f);
        assert_int_equal(l.n, STORE_JOURNAL_KEEP);
        assert_int_equal(l.oldest, 22);
        for (int i = 0; i < STORE_JOURNAL_KEEP; i++)
                assert_int_equal(undo(f), 0);
        assert_int_equal(undo(f), -ENOENT);
        assert_int_equal(store_read(f->s, count_fn, &n), 0);
        assert_int_equal(n, 21); /* the changes pruned stay made */
}

static void test_survives_reopen(void **state)
{
        struct fixture *f = *state;
        uint64_t n;

        assert_int_equal(store_write(f->s, add_named_fn, "Jane Doe"), 0);
        assert_int_equal(store_write(f->s, add_named_fn, "Sam Lee"), 0);
        store_close(f->s);
        f->s = NULL;
        fixture_open(f);
        assert_int_equal(undo(f), 0);
        assert_int_equal(store_read(f->s, count_fn, &n), 0);
        assert_int_equal(n, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_random_undo_redo, setup, teardown),
            cmocka_unit_test_setup_teardown(test_nothing_to_undo, setup, teardown),
            cmocka_unit_test_setup_teardown(test_descriptions, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bookkeeping_not_journaled, setup, teardown),
            cmocka_unit_test_setup_teardown(test_same_bytes_not_journaled, setup, teardown),
            cmocka_unit_test_setup_teardown(test_too_large_refused_with_backup, setup, teardown),
            cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
            cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
