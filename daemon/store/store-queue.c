/* Queued index writes; see "queued index writes" in store-internal.h.
 *
 * Why: a contact has ~10 search-token, tag and network entries, each at a random place in its
 * B-tree. Written one by one in contact order, every put searches from the root and touches
 * a different leaf page (and LMDB looks each page up in its dirty list). Sorted, consecutive
 * puts land on the page the cursor already holds, and entries beyond the current end are
 * appended, which also fills pages completely. Importing 100,000 contacts queues ~1M entries;
 * see docs/BENCHMARKS.md for what sorting them saves. */
#include <stdlib.h>

#include "store-internal.h"

/* Per database: a queue this long is applied on the spot and starts again, which bounds the
 * memory (32 bytes an entry, as much again while sorting) of transactions of any size. A
 * 100,000-card import queues ~900,000 search tokens. */
#define QUEUE_OPS_MAX (1u << 21)

struct queued_op {
        uint64_t prefix; /* first 8 key bytes, big-endian: most comparisons stop here */
        uint64_t id;
        uint32_t off; /* key bytes in queue->keys */
        uint32_t len;
        uint32_t seq; /* order of queueing: the last operation on an entry wins */
        bool put;
};

struct db_queue {
        struct queued_op *ops;
        size_t n, cap;
        uint8_t *keys;
        size_t keys_len, keys_cap;
};

struct index_queue {
        struct db_queue db[_DB_MAX];
};

bool index_queue_defers(enum db db)
{
        switch (db) {
        case DB_IDX_TOKEN:
        case DB_IDX_TAG:
        case DB_IDX_NETWORK:
        case DB_DUE:
        case DB_SCHED:
                return true;
        default:
                return false;
        }
}

static void db_queue_done(struct db_queue *q)
{
        free(q->ops);
        free(q->keys);
        *q = (struct db_queue){0};
}

void index_queue_free(struct store_txn *t)
{
        if (!t->queue)
                return;
        for (size_t i = 0; i < _DB_MAX; i++)
                db_queue_done(&t->queue->db[i]);
        free(t->queue);
        t->queue = NULL;
}

static uint64_t key_prefix(const uint8_t *p, size_t len)
{
        uint64_t v = 0;

        for (size_t i = 0; i < 8; i++)
                v = (v << 8) | (i < len ? p[i] : 0);
        return v;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
        size_t n = *cap ? *cap : 64;
        void *q;

        if (need <= *cap)
                return 0;
        while (n < need) {
                if (n > SIZE_MAX / 2 / size)
                        return -ENOMEM;
                n *= 2;
        }
        q = reallocarray(*p, n, size);
        if (!q)
                return -ENOMEM;
        *p = q;
        *cap = n;
        return 0;
}

int index_queue_add(struct store_txn *t, enum db db, const void *key, size_t len, uint64_t id,
                    bool put)
{
        struct db_queue *q;
        int r;

        if (!t->queue) {
                t->queue = calloc(1, sizeof(*t->queue));
                if (!t->queue)
                        return -ENOMEM;
        }
        q = &t->queue->db[db];
        if (len > KEY_MAX || q->n >= UINT32_MAX || q->keys_len > UINT32_MAX - KEY_MAX)
                return -E2BIG;
        r = grow((void **)&q->ops, &q->cap, q->n + 1, sizeof(*q->ops));
        if (r >= 0)
                r = grow((void **)&q->keys, &q->keys_cap, q->keys_len + len, 1);
        if (r < 0)
                return r;
        memcpy(q->keys + q->keys_len, key, len);
        q->ops[q->n] = (struct queued_op){.prefix = key_prefix(key, len),
                                          .id = id,
                                          .off = (uint32_t)q->keys_len,
                                          .len = (uint32_t)len,
                                          .seq = (uint32_t)q->n,
                                          .put = put};
        q->n++;
        q->keys_len += len;
        if (q->n >= QUEUE_OPS_MAX)
                return index_queue_flush(t, db);
        return 0;
}

/* LMDB's default order (memcmp, then the shorter first), then the id (the DUPSORT value).
 * The zero-padded prefix decides unless it is equal; then a key of at most 8 bytes is a
 * prefix of the other one, so the shorter sorts first and only longer keys need memcmp. */
static int entry_cmp(const struct queued_op *a, const struct queued_op *b, const uint8_t *keys)
{
        int c;

        if (a->prefix != b->prefix)
                return a->prefix < b->prefix ? -1 : 1;
        if (a->len > 8 && b->len > 8) {
                size_t n = (a->len < b->len ? a->len : b->len) - 8;

                c = memcmp(keys + a->off + 8, keys + b->off + 8, n);
                if (c)
                        return c;
        }
        if (a->len != b->len)
                return a->len < b->len ? -1 : 1;
        if (a->id != b->id)
                return a->id < b->id ? -1 : 1;
        return 0;
}

static int op_cmp(const void *x, const void *y, void *keys)
{
        const struct queued_op *a = x, *b = y;
        int c = entry_cmp(a, b, keys);

        if (c)
                return c;
        return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sort the queue: a stable radix sort on the 8-byte prefixes (only the bytes that differ
 * somewhere), after which a run of equal prefixes is still in queueing order. That is already
 * the full order when the run's keys are at most 8 bytes and its ids ascend, as an import
 * queues them; a run that is not gets a comparison sort. qsort_r over everything was a fifth
 * of a 100k-card import. */
static int queue_sort(struct db_queue *q)
{
        _cleanup_free_ struct queued_op *tmp = NULL;
        struct queued_op *src = q->ops, *dst;
        uint64_t differ = 0;

        for (size_t i = 1; i < q->n; i++)
                differ |= q->ops[i].prefix ^ q->ops[0].prefix;
        if (differ) {
                tmp = reallocarray(NULL, q->n, sizeof(*tmp));
                if (!tmp)
                        return -ENOMEM;
        }
        dst = tmp;
        for (unsigned shift = 0; shift < 64 && differ; shift += 8) {
                size_t count[256] = {0}, pos = 0;

                if (((differ >> shift) & 0xff) == 0)
                        continue;
                for (size_t i = 0; i < q->n; i++)
                        count[(src[i].prefix >> shift) & 0xff]++;
                for (size_t b = 0; b < 256; b++) {
                        size_t c = count[b];

                        count[b] = pos;
                        pos += c;
                }
                for (size_t i = 0; i < q->n; i++)
                        dst[count[(src[i].prefix >> shift) & 0xff]++] = src[i];
                {
                        struct queued_op *t = src;

                        src = dst;
                        dst = t;
                }
        }
        if (src != q->ops)
                memcpy(q->ops, src, q->n * sizeof(*src));

        for (size_t i = 0; i < q->n;) {
                size_t j = i + 1;
                bool sorted = true;

                for (; j < q->n && q->ops[j].prefix == q->ops[i].prefix; j++)
                        if (sorted && op_cmp(&q->ops[j - 1], &q->ops[j], q->keys) > 0)
                                sorted = false;
                if (!sorted)
                        qsort_r(q->ops + i, j - i, sizeof(*q->ops), op_cmp, q->keys);
                i = j;
        }
        return 0;
}

static int mdb_key_cmp(const MDB_val *a, const MDB_val *b)
{
        int c = memcmp(a->mv_data, b->mv_data, a->mv_size < b->mv_size ? a->mv_size : b->mv_size);

        if (c)
                return c;
        return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

/* Apply one entry. `beyond` says it sorts after everything the database held when the flush
 * began, so it can be appended; LMDB itself checks that and says MDB_KEYEXIST if not. */
static int apply(MDB_cursor *cur, MDB_dbi dbi, MDB_txn *txn, bool dupsort, bool beyond,
                 bool same_key_as_last, const struct queued_op *op, const uint8_t *keys)
{
        uint8_t idb[ID_KEY_LEN];
        MDB_val k = {op->len, (void *)(keys + op->off)}, v = {0, NULL};
        unsigned base = dupsort ? MDB_NODUPDATA : 0;
        int rc;

        if (dupsort) {
                be64_put(idb, op->id);
                v = (MDB_val){sizeof(idb), idb};
        }
        if (!op->put) {
                rc = mdb_del(txn, dbi, &k, dupsort ? &v : NULL);
                return rc == MDB_NOTFOUND ? 0 : rc;
        }
        if (beyond) {
                rc = mdb_cursor_put(cur, &k, &v,
                                    dupsort && same_key_as_last ? MDB_APPENDDUP : MDB_APPEND);
                if (rc != MDB_KEYEXIST)
                        return rc;
        }
        rc = mdb_cursor_put(cur, &k, &v, base);
        return rc == MDB_KEYEXIST ? 0 : rc;
}

/* Where the database ends when the flush begins: entries after it can be appended. */
struct db_end {
        bool empty;
        bool known; /* false: an entry of unexpected shape; then nothing is appended */
        uint8_t key[KEY_MAX];
        size_t key_len;
        uint64_t id; /* DUPSORT: the last value */
};

static int db_end_read(MDB_cursor *cur, bool dupsort, struct db_end *e)
{
        MDB_val k, v;
        int rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);

        *e = (struct db_end){.empty = rc == MDB_NOTFOUND};
        if (rc)
                return rc == MDB_NOTFOUND ? 0 : rc;
        if (k.mv_size > sizeof(e->key) || (dupsort && v.mv_size != ID_KEY_LEN))
                return 0;
        memcpy(e->key, k.mv_data, k.mv_size);
        e->key_len = k.mv_size;
        e->id = dupsort ? be64_get(v.mv_data) : 0;
        e->known = true;
        return 0;
}

/* Does op's entry sort after the end? Sets *same_key when it shares the last key. */
static bool after_end(const struct db_end *e, bool dupsort, const struct queued_op *op,
                      const uint8_t *keys, bool *same_key)
{
        MDB_val k = {op->len, (void *)(keys + op->off)}, last = {e->key_len, (void *)e->key};
        int c;

        *same_key = false;
        if (e->empty)
                return true;
        if (!e->known)
                return false;
        c = mdb_key_cmp(&k, &last);
        if (c == 0 && dupsort && op->id > e->id)
                return *same_key = true;
        return c > 0;
}

static bool same_key(const struct queued_op *a, const struct queued_op *b, const uint8_t *keys)
{
        return a->prefix == b->prefix && a->len == b->len &&
               (a->len <= 8 || memcmp(keys + a->off + 8, keys + b->off + 8, a->len - 8) == 0);
}

/* Keep only the last operation on each (key, id), in place; the queue is sorted. */
static void queue_compact(struct db_queue *q)
{
        size_t m = 0;

        for (size_t i = 0; i < q->n;) {
                size_t j = i + 1;

                while (j < q->n && entry_cmp(&q->ops[i], &q->ops[j], q->keys) == 0)
                        j++;
                q->ops[m++] = q->ops[j - 1];
                i = j;
        }
        q->n = m;
}

/* Put n ids (ascending) under one key in one MDB_MULTIPLE put: LMDB then positions once per
 * key instead of once per id (MDB_DUPFIXED databases only). After the end (appending), they
 * are appended; elsewhere each goes into the key's duplicates (an id already there stays). */
static int put_multiple(MDB_cursor *cur, bool appending, bool same_key_as_last,
                        const struct queued_op *op, size_t n, const uint8_t *keys, uint8_t *ids,
                        size_t *ret_done)
{
        int rc;

        MDB_val k = {op->len, (void *)(keys + op->off)};
        MDB_val d[2];
        unsigned flags = MDB_MULTIPLE;

        if (appending)
                flags |= MDB_APPENDDUP | (same_key_as_last ? 0 : MDB_APPEND);

        for (size_t i = 0; i < n; i++)
                be64_put(ids + i * ID_KEY_LEN, op[i].id);
        d[0] = (MDB_val){ID_KEY_LEN, ids};
        d[1] = (MDB_val){n, NULL};
        rc = mdb_cursor_put(cur, &k, d, flags);
        /* How many went in: LMDB stops early, and still says success, when the key held just
         * one id and the first one equals it. */
        *ret_done = rc == 0 ? d[1].mv_size : 0;
        return rc;
}

int index_queue_flush(struct store_txn *t, enum db db)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_free_ uint8_t *ids = NULL;
        struct db_queue *q = t->queue ? &t->queue->db[db] : NULL;
        struct db_end end;
        bool appending = false, dupsort, multiple;
        unsigned flags = 0;
        int rc, r = 0; /* an LMDB code, a -errno */

        if (!q || q->n == 0)
                return 0;
        rc = mdb_dbi_flags(t->txn, dbi(t, db), &flags);
        if (!rc)
                rc = mdb_cursor_open(t->txn, dbi(t, db), &cur);
        dupsort = flags & MDB_DUPSORT;
        multiple = dupsort && (flags & MDB_DUPFIXED);
        if (!rc)
                rc = db_end_read(cur, dupsort, &end);
        if (rc)
                goto out;

        r = queue_sort(q);
        if (r < 0)
                goto out;
        queue_compact(q);
        for (size_t i = 0; i < q->n && rc == 0;) {
                const struct queued_op *op = &q->ops[i];
                bool same = false;
                size_t j = i + 1;

                if (!appending && op->put)
                        appending = after_end(&end, dupsort, op, q->keys, &same);
                else if (appending)
                        same = same_key(&q->ops[i - 1], op, q->keys);
                if (multiple && op->put) {
                        while (j < q->n && q->ops[j].put && same_key(op, &q->ops[j], q->keys))
                                j++;
                }
                if (j - i > 1) {
                        if (!ids) {
                                ids = reallocarray(NULL, q->n, ID_KEY_LEN);
                                if (!ids) {
                                        r = -ENOMEM;
                                        goto out;
                                }
                        }
                        size_t done = 0;

                        rc = put_multiple(cur, appending, same, op, j - i, q->keys, ids, &done);
                        /* The rest, or all when not in order after all, one at a time. */
                        if (rc == MDB_KEYEXIST)
                                rc = 0;
                        for (size_t k = i + done; rc == 0 && k < j; k++)
                                rc = apply(cur, dbi(t, db), t->txn, dupsort, false, false,
                                           &q->ops[k], q->keys);
                } else {
                        rc = apply(cur, dbi(t, db), t->txn, dupsort, appending, same, op, q->keys);
                }
                i = j;
        }
out:
        db_queue_done(q);
        if (r < 0)
                return r;
        return rc ? txn_err(t, rc) : 0;
}

int index_queue_flush_all(struct store_txn *t)
{
        int r = 0;

        for (size_t db = 0; db < _DB_MAX && r >= 0; db++)
                r = index_queue_flush(t, (enum db)db);
        return r;
}
