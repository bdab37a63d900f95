/* daemon/store-queue.c: queued index writes end up exactly as if each had been applied at once,
 * against a reference model, for DUPSORT indexes (tags) and key-only ones (due): puts and
 * deletes in random order, repeated and undone, around entries already stored (so both the
 * append and the insert paths run), read back inside the transaction (the barrier) and after
 * commit, and through a map that has to grow mid-flush. */
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

#include "store-internal.h"

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

static void open_store(struct fixture *f, size_t initial)
{
        struct store_options o = {.dir = f->dir, .initial_map_size = initial};

        assert_int_equal(store_open(&o, &f->s), 0);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        const char *tmp = getenv("TMPDIR");

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "%s/test_store_queue.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->base));
        snprintf(f->dir, sizeof(f->dir), "%s/data/tend", f->base);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        store_close(f->s);
        assert_int_equal(nftw(f->base, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(f);
        return 0;
}

/* ---- the model: a set of (key, id), keys as short strings ---- */

#define KEYS    40
#define IDS     60
#define KEY_LEN 32

struct model {
        bool in[KEYS][IDS];
};

/* Key k of database db: tag-like words of different lengths sharing prefixes (so the sort
 * compares past 8 bytes), or due-like 16-byte keys. */
static size_t key_of(enum db db, unsigned k, unsigned id, uint8_t *out)
{
        if (db == DB_DUE) {
                be64_put(out, 1000 + k);
                be64_put(out + 8, id);
                return 16;
        }
        return (size_t)snprintf((char *)out, KEY_LEN, "%s%u", k % 3 ? "prefixlongword" : "t", k);
}

struct op {
        enum db db;
        unsigned k, id;
        bool put;
};

static int apply_fn(struct store_txn *t, void *userdata)
{
        const struct op *op = userdata;
        uint8_t key[KEY_LEN];
        size_t len;

        for (; op->db != _DB_MAX; op++) {
                int r;

                len = key_of(op->db, op->k, op->id, key);
                r = index_queue_add(t, op->db, key, len, op->id, op->put);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct check {
        enum db db;
        const struct model *m;
};

/* Every entry of the database is in the model and the other way round. */
static int check_fn(struct store_txn *t, void *userdata)
{
        const struct check *c = userdata;
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        size_t seen = 0, want = 0;
        int rc;

        assert_int_equal(cursor_open(t, c->db, &cur), 0);
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                bool found = false;

                for (unsigned key = 0; key < KEYS && !found; key++)
                        for (unsigned id = 0; id < IDS && !found; id++) {
                                uint8_t buf[KEY_LEN];
                                size_t len = key_of(c->db, key, id, buf);

                                if (len != k.mv_size || memcmp(buf, k.mv_data, len))
                                        continue;
                                if (c->db == DB_DUE)
                                        found = v.mv_size == 0;
                                else
                                        found = v.mv_size == 8 && be64_get(v.mv_data) == id;
                                if (found && !c->m->in[key][id])
                                        fail_msg("entry %u/%u is stored but not in the model", key,
                                                 id);
                        }
                if (!found)
                        fail_msg("unexpected entry of %zu bytes", k.mv_size);
                seen++;
        }
        assert_int_equal(rc, MDB_NOTFOUND);
        for (unsigned key = 0; key < KEYS; key++)
                for (unsigned id = 0; id < IDS; id++)
                        want += c->m->in[key][id];
        assert_int_equal(seen, want);
        return 0;
}

static int apply_and_check_fn(struct store_txn *t, void *userdata)
{
        const struct check *c = ((const struct check *const *)userdata)[1];
        int r = apply_fn(t, ((struct op *const *)userdata)[0]);

        if (r < 0)
                return r;
        return check_fn(t, (void *)c); /* inside the transaction: the barrier flushes */
}

static struct op *random_ops(enum db db, struct model *m, size_t n, unsigned key_lo,
                             unsigned key_hi, unsigned *seed)
{
        struct op *ops = calloc(n + 1, sizeof(*ops));

        assert_non_null(ops);
        for (size_t i = 0; i < n; i++) {
                unsigned k = key_lo + (unsigned)rand_r(seed) % (key_hi - key_lo);
                unsigned id = (unsigned)rand_r(seed) % IDS;
                bool put = rand_r(seed) % 3 != 0;

                ops[i] = (struct op){db, k, id, put};
                m->in[k][id] = put;
        }
        ops[n].db = _DB_MAX;
        return ops;
}

static void run_rounds(struct fixture *f, enum db db)
{
        struct model m = {{{false}}};
        unsigned seed = 7;

        /* 1: the middle of the key range, into an empty database (all appends). */
        {
                _cleanup_free_ struct op *ops = random_ops(db, &m, 600, 10, 30, &seed);
                struct check c = {db, &m};

                assert_int_equal(store_write(f->s, apply_fn, ops), 0);
                assert_int_equal(store_read(f->s, check_fn, &c), 0);
        }
        /* 2..6: everywhere, around what is stored; checked inside the transaction too. */
        for (int round = 0; round < 5; round++) {
                _cleanup_free_ struct op *ops = random_ops(db, &m, 800, 0, KEYS, &seed);
                struct check c = {db, &m};
                const void *args[2] = {ops, &c};

                assert_int_equal(store_write(f->s, apply_and_check_fn, args), 0);
                assert_int_equal(store_read(f->s, check_fn, &c), 0);
        }
}

static void test_dupsort_index(void **state)
{
        struct fixture *f = *state;

        open_store(f, 0);
        run_rounds(f, DB_IDX_TAG);
}

static void test_key_only_index(void **state)
{
        struct fixture *f = *state;

        open_store(f, 0);
        run_rounds(f, DB_DUE);
}

/* Same key, ascending ids after the last stored one: MDB_APPENDDUP; a smaller id: insert. */
static void test_append_to_last_key(void **state)
{
        struct fixture *f = *state;
        struct model m = {{{false}}};
        struct op first[] = {{DB_IDX_TAG, 39, 20, true}, {_DB_MAX, 0, 0, false}};
        struct op more[] = {{DB_IDX_TAG, 39, 30, true}, {DB_IDX_TAG, 39, 25, true},
                            {DB_IDX_TAG, 39, 5, true},  {DB_IDX_TAG, 39, 20, true},
                            {DB_IDX_TAG, 38, 1, true},  {_DB_MAX, 0, 0, false}};
        struct check c = {DB_IDX_TAG, &m};

        open_store(f, 0);
        assert_int_equal(store_write(f->s, apply_fn, first), 0);
        for (size_t i = 0; more[i].db != _DB_MAX; i++)
                m.in[more[i].k][more[i].id] = true;
        m.in[39][20] = true;
        assert_int_equal(store_write(f->s, apply_fn, more), 0);
        assert_int_equal(store_read(f->s, check_fn, &c), 0);
}

/* A run of ids for a key that holds one id, the first of the run: LMDB's MDB_MULTIPLE stops
 * after that one and still says success; the rest must go in too. Also a run that repeats
 * ids a key holds among others, before the end of the database. */
static void test_multiple_over_existing_ids(void **state)
{
        struct fixture *f = *state;
        struct model m = {{{false}}};
        struct op first[] = {{DB_IDX_TAG, 3, 5, true},
                             {DB_IDX_TAG, 4, 2, true},
                             {DB_IDX_TAG, 4, 9, true},
                             {DB_IDX_TAG, 39, 1, true},
                             {_DB_MAX, 0, 0, false}};
        struct op more[] = {
            {DB_IDX_TAG, 3, 5, true}, {DB_IDX_TAG, 3, 6, true},  {DB_IDX_TAG, 3, 7, true},
            {DB_IDX_TAG, 4, 1, true}, {DB_IDX_TAG, 4, 2, true},  {DB_IDX_TAG, 4, 3, true},
            {DB_IDX_TAG, 4, 9, true}, {DB_IDX_TAG, 4, 10, true}, {_DB_MAX, 0, 0, false}};
        struct check c = {DB_IDX_TAG, &m};

        open_store(f, 0);
        assert_int_equal(store_write(f->s, apply_fn, first), 0);
        for (size_t i = 0; first[i].db != _DB_MAX; i++)
                m.in[first[i].k][first[i].id] = true;
        for (size_t i = 0; more[i].db != _DB_MAX; i++)
                m.in[more[i].k][more[i].id] = true;
        assert_int_equal(store_write(f->s, apply_fn, more), 0);
        assert_int_equal(store_read(f->s, check_fn, &c), 0);
}

/* A flush that fills the map (inside MDB_MULTIPLE appends too): store_write grows it and
 * runs the transaction again. */
enum { MANY = 100000 };

static int many_fn(struct store_txn *t, void *userdata)
{
        (void)userdata;
        for (unsigned i = 0; i < MANY; i++) {
                char key[16];
                /* 1000 keys of 100 ids each: the appends go MDB_MULTIPLE */
                int n = snprintf(key, sizeof(key), "w%06u", (i * 7919u) % 1000);
                int r = index_queue_add(t, DB_IDX_TOKEN, key, (size_t)n, i, true);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int count_fn(struct store_txn *t, void *userdata)
{
        MDB_stat st;

        assert_int_equal(mdb_stat(t->txn, dbi(t, DB_IDX_TOKEN), &st), 0);
        *(size_t *)userdata = st.ms_entries;
        return 0;
}

static void test_flush_grows_the_map(void **state)
{
        struct fixture *f = *state;
        char path[PATH_MAX + 32];
        struct stat st;
        size_t n = 0;

        open_store(f, 256 << 10);
        assert_int_equal(store_write(f->s, many_fn, NULL), 0);
        assert_int_equal(store_read(f->s, count_fn, &n), 0);
        assert_int_equal(n, MANY);
        snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_size > 256 << 10); /* it did grow */
}

/* A queue that reaches its cap is applied on the spot; the rest at commit. */
enum { HUGE_N = 2200000 };

static int huge_fn(struct store_txn *t, void *userdata)
{
        (void)userdata;
        for (unsigned i = 0; i < HUGE_N; i++) {
                char key[8];
                int n = snprintf(key, sizeof(key), "k%03u", i % 1000);
                int r = index_queue_add(t, DB_IDX_TAG, key, (size_t)n, i, true);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int count_tags_fn(struct store_txn *t, void *userdata)
{
        MDB_stat st;

        assert_int_equal(mdb_stat(t->txn, dbi(t, DB_IDX_TAG), &st), 0);
        *(size_t *)userdata = st.ms_entries;
        return 0;
}

static void test_queue_cap(void **state)
{
        struct fixture *f = *state;
        size_t n = 0;

        open_store(f, 0);
        assert_int_equal(store_write(f->s, huge_fn, NULL), 0);
        assert_int_equal(store_read(f->s, count_tags_fn, &n), 0);
        assert_int_equal(n, HUGE_N);
}

/* A failed transaction leaves nothing queued behind for the next one. */
static int fail_fn(struct store_txn *t, void *userdata)
{
        int r = apply_fn(t, userdata);

        return r < 0 ? r : -EINVAL;
}

static void test_abort_drops_the_queue(void **state)
{
        struct fixture *f = *state;
        struct op ops[] = {{DB_IDX_TAG, 3, 3, true}, {_DB_MAX, 0, 0, false}};
        struct op none[] = {{_DB_MAX, 0, 0, false}};
        struct model m = {{{false}}};
        struct check c = {DB_IDX_TAG, &m};

        open_store(f, 0);
        assert_int_equal(store_write(f->s, fail_fn, ops), -EINVAL);
        assert_int_equal(store_write(f->s, apply_fn, none), 0);
        assert_int_equal(store_read(f->s, check_fn, &c), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_dupsort_index, setup, teardown),
            cmocka_unit_test_setup_teardown(test_key_only_index, setup, teardown),
            cmocka_unit_test_setup_teardown(test_append_to_last_key, setup, teardown),
            cmocka_unit_test_setup_teardown(test_flush_grows_the_map, setup, teardown),
            cmocka_unit_test_setup_teardown(test_abort_drops_the_queue, setup, teardown),
            cmocka_unit_test_setup_teardown(test_queue_cap, setup, teardown),
            cmocka_unit_test_setup_teardown(test_multiple_over_existing_ids, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
