/* The LMDB store: see store.h for the layout. With store-internal.h, the only files that include
 * lmdb.h.
 *
 * Notes for readers:
 *  - Every LMDB return code goes through lmdb_errno(); MDB_MAP_FULL also sets the
 *    transaction's map_full flag so store_write() grows the map and re-runs the callback even
 *    when the callback mapped or swallowed the error.
 *  - Index entries are computed as a sorted set of (database, key) pairs per contact
 *    (contact_index_keys); an update deletes the pairs only the old record had and adds the
 *    pairs only the new one has.
 *  - Index strings are folded (text_fold: libunistring case folding, NFKD, no combining marks)
 *    and cut at a UTF-8 boundary to fit the LMDB key limit. */
#include "store.h"
#include "store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "codec.h"
#include "store-sched.h"
#include "paths.h"
#include "store-goals.h"
#include "fold.h"
#include "store-transfer.h"
#include "util.h"

#define DB_INDEX_FLAGS (MDB_DUPSORT | MDB_DUPFIXED)

static const struct {
        const char *name;
        unsigned flags;
} db_info[_DB_MAX] = {
    [DB_META] = {"meta", 0},
    [DB_CONTACTS] = {"contacts", 0},
    [DB_INTERACTIONS] = {"interactions", 0},
    [DB_DUE] = {"due", 0},
    [DB_IDX_NAME] = {"idx_name", DB_INDEX_FLAGS},
    [DB_IDX_TOKEN] = {"idx_token", DB_INDEX_FLAGS},
    [DB_IDX_EMAIL] = {"idx_email", DB_INDEX_FLAGS},
    [DB_IDX_TAG] = {"idx_tag", DB_INDEX_FLAGS},
    [DB_IDX_NETWORK] = {"idx_network", DB_INDEX_FLAGS},
    [DB_IDX_UUID] = {"idx_uuid", 0},
    [DB_TOMBSTONES] = {"tombstones", 0},
    [DB_GOALS] = {"goals", 0},
    [DB_GOAL_LINKS] = {"goal_links", 0},
    [DB_CONTACT_GOALS] = {"contact_goals", DB_INDEX_FLAGS},
    [DB_INTROS] = {"intros", 0},
    [DB_IDX_INTRO] = {"idx_intro", DB_INDEX_FLAGS},
    [DB_SETTINGS] = {"settings", 0},
    [DB_SCHED] = {"sched", 0},
    [DB_GOAL_INTERACTIONS] = {"goal_interactions", DB_INDEX_FLAGS},
    [DB_INTERACTION_IDS] = {"interaction_ids", 0},
    [DB_KINDS] = {"kinds", 0},
    [DB_DUE_COUNTS] = {"due_counts", 0},
    [DB_JOURNAL] = {"journal", 0},
    [DB_IDX_TEXT] = {"idx_text", DB_INDEX_FLAGS},
    [DB_CAPTURED] = {"captured", 0},
};

bool store_db_is_dupsort(enum db db)
{
        return (db_info[db].flags & MDB_DUPSORT) != 0;
}

const char *store_db_name(enum db db)
{
        return db_info[db].name;
}

/* A set of index entries: (database, key). The value is the contact id (none for `due`). */
struct ikey {
        enum db db;
        size_t len;
        uint8_t *data;
};

/* Key bytes live in chunks that never move: one allocation for a contact's dozen keys. */
struct ikey_chunk {
        struct ikey_chunk *next;
        size_t used, cap;
        uint8_t data[];
};

#define IKEY_CHUNK 1024

struct ikeys {
        struct ikey *v;
        size_t n;
        size_t cap;
        struct ikey_chunk *chunks;
};

static void ikeys_done(struct ikeys *k)
{
        while (k->chunks) {
                struct ikey_chunk *next = k->chunks->next;

                free(k->chunks);
                k->chunks = next;
        }
        free(k->v);
        *k = (struct ikeys){0};
}

static uint8_t *ikeys_alloc(struct ikeys *k, size_t len)
{
        struct ikey_chunk *c = k->chunks;

        if (!c || c->cap - c->used < len) {
                size_t cap = len > IKEY_CHUNK ? len : IKEY_CHUNK;

                c = malloc(sizeof(*c) + cap);
                if (!c)
                        return NULL;
                *c = (struct ikey_chunk){.next = k->chunks, .cap = cap};
                k->chunks = c;
        }
        c->used += len;
        return c->data + c->used - len;
}

static int ikeys_add(struct ikeys *k, enum db db, const void *data, size_t len)
{
        uint8_t *copy;

        if (len == 0) /* LMDB refuses empty keys; an empty string is not indexed */
                return 0;
        if (k->n == k->cap) {
                size_t cap = k->cap ? k->cap * 2 : 16;
                struct ikey *p = reallocarray(k->v, cap, sizeof(struct ikey));

                if (!p)
                        return -ENOMEM;
                k->v = p;
                k->cap = cap;
        }
        copy = ikeys_alloc(k, len);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, len);
        k->v[k->n++] = (struct ikey){.db = db, .len = len, .data = copy};
        return 0;
}

/* Add a lower-cased, length-limited string key. */
static int ikeys_add_str(struct ikeys *k, enum db db, const char *s, size_t len, size_t max)
{
        uint8_t buf[KEY_MAX];

        return ikeys_add(k, db, buf, key_normalize(s, len, max, buf));
}

/* Add every word of s (letters, digits, marks: text_next_word), folded. */
static int ikeys_add_words(struct ikeys *k, enum db db, const char *s, size_t max)
{
        size_t len = s ? strlen(s) : 0, pos = 0, start, wlen;
        int r;

        while (text_next_word(s, len, &pos, &start, &wlen)) {
                r = ikeys_add_str(k, db, s + start, wlen, max);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int ikey_cmp(const void *a, const void *b)
{
        const struct ikey *x = a, *y = b;
        int c;

        if (x->db != y->db)
                return x->db < y->db ? -1 : 1;
        c = memcmp(x->data, y->data, x->len < y->len ? x->len : y->len);
        if (c)
                return c;
        return x->len < y->len ? -1 : x->len > y->len;
}

static void ikeys_sort_uniq(struct ikeys *k)
{
        size_t w = 0;

        if (k->n == 0)
                return;
        if (k->n > 32) {
                qsort_safe(k->v, k->n, sizeof(struct ikey), ikey_cmp);
        } else { /* a contact's dozen keys: insertion sort, no allocation */
                for (size_t i = 1; i < k->n; i++) {
                        struct ikey x = k->v[i];
                        size_t j = i;

                        for (; j > 0 && ikey_cmp(&k->v[j - 1], &x) > 0; j--)
                                k->v[j] = k->v[j - 1];
                        k->v[j] = x;
                }
        }
        for (size_t r = 1; r < k->n; r++)
                if (ikey_cmp(&k->v[r], &k->v[w]) != 0)
                        k->v[++w] = k->v[r];
        k->n = w + 1;
}

/* The search tokens of a contact (see store.h, idx_token), unsorted, possibly repeated. */
static int contact_tokens(const struct contact *c, size_t max, enum db db, struct ikeys *k)
{
        int r = 0;

        r = ikeys_add_words(k, db, c->name, max);
        if (r >= 0)
                r = ikeys_add_words(k, db, c->org, max);
        if (r >= 0)
                r = ikeys_add_words(k, db, c->title, max);
        for (char **e = c->emails; r >= 0 && e && *e; e++) {
                r = ikeys_add_str(k, db, *e, strlen(*e), max);
                if (r >= 0)
                        r = ikeys_add_words(k, db, *e, max);
        }
        for (char **g = c->tags; r >= 0 && g && *g; g++)
                r = ikeys_add_words(k, db, *g, max);
        /* Free text of the record itself; interactions and goals have idx_text. */
        if (r >= 0)
                r = ikeys_add_words(k, db, c->notes, max);
        if (r >= 0)
                r = ikeys_add_words(k, db, c->how_met, max);
        if (r >= 0)
                r = ikeys_add_words(k, db, c->brings, max);
        return r;
}

/* Every index entry of contact c stored under id, sorted and deduplicated. */
static int contact_index_keys(const struct contact *c, uint64_t id, size_t max, struct ikeys *k)
{
        uint8_t due[DUE_KEY_LEN];
        int r = 0;

        if (c->name)
                r = ikeys_add_str(k, DB_IDX_NAME, c->name, strlen(c->name), max);
        if (r >= 0)
                r = contact_tokens(c, max, DB_IDX_TOKEN, k);
        for (char **e = c->emails; r >= 0 && e && *e; e++)
                r = ikeys_add_str(k, DB_IDX_EMAIL, *e, strlen(*e), max);
        for (char **g = c->tags; r >= 0 && g && *g; g++)
                r = ikeys_add_str(k, DB_IDX_TAG, *g, strlen(*g), max);
        for (uint8_t n = 0; r >= 0 && n < _NETWORK_MAX; n++)
                if (c->networks & (1u << n))
                        r = ikeys_add(k, DB_IDX_NETWORK, &n, 1);
        if (r >= 0 && c->uuid[0])
                r = ikeys_add(k, DB_IDX_UUID, c->uuid, strlen(c->uuid));
        if (r >= 0 && c->next_due != 0) {
                be64_put(due, time_to_key(c->next_due));
                be64_put(due + 8, id);
                r = ikeys_add(k, DB_DUE, due, sizeof(due));
        }
        if (r >= 0) { /* the scheduler's index: one entry per pending event */
                struct store_sched_event ev[STORE_SCHED_EVENTS];
                uint8_t sk[STORE_SCHED_KEY_LEN];
                size_t n = store_sched_events(c, ev);

                for (size_t i = 0; r >= 0 && i < n; i++) {
                        store_sched_key(ev[i].t, id, ev[i].event, sk);
                        r = ikeys_add(k, DB_SCHED, sk, sizeof(sk));
                }
        }
        if (r < 0)
                return r;
        ikeys_sort_uniq(k);
        return 0;
}

int store_contact_index_entries(const struct contact *c, uint64_t id, size_t max,
                                store_index_entry_cb cb, void *userdata)
{
        _cleanup_(ikeys_done) struct ikeys keys = {0};
        uint8_t idb[ID_KEY_LEN];
        int r;

        r = contact_index_keys(c, id, max, &keys);
        if (r < 0)
                return r;
        be64_put(idb, id);
        for (size_t i = 0; i < keys.n; i++) {
                bool bare = keys.v[i].db == DB_DUE || keys.v[i].db == DB_SCHED;

                r = cb(keys.v[i].db, keys.v[i].data, keys.v[i].len, bare ? NULL : idb,
                       bare ? 0 : sizeof(idb), userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- data directory ---- */

/* Remote file systems break LMDB's locking and mmap coherence. */
static bool fs_is_remote(const struct statfs *sfs)
{
        static const uint32_t remote[] = {
            0x6969,     /* NFS */
            0x517b,     /* SMB */
            0xff534d42, /* CIFS */
            0xfe534d42, /* SMB2 */
            0x5346414f, /* AFS */
            0x6b414653, /* kAFS */
            0x73757245, /* CODA */
            0x564c,     /* NCP */
            0x00c36400, /* CEPH */
        };

        for (size_t i = 0; i < ARRAY_SIZE(remote); i++)
                if ((uint32_t)sfs->f_type == remote[i])
                        return true;
        return false;
}

/* Create dir (0700, with parents), insist it is a local directory of ours (tightening its
 * mode if too open: dir_ensure_private). Reports whether an environment already exists. */
static int dir_prepare(const char *dir, bool *ret_existing)
{
        _cleanup_close_ int fd = -1;
        struct statfs sfs;
        int r;

        r = dir_ensure_private(dir);
        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        if (fs_is_remote(&sfs))
                return -EREMOTE;
        *ret_existing = faccessat(fd, "data.mdb", F_OK, 0) == 0;
        return 0;
}

/* ---- environment, transactions, map growth ---- */

static int store_refresh_map_size(struct store *s)
{
        MDB_envinfo info;
        int rc = mdb_env_info(s->env, &info);

        if (rc)
                return lmdb_errno(s, NULL, rc);
        s->map_size = info.me_mapsize;
        return 0;
}

static int store_txn_begin(struct store *s, bool write, struct store_txn *ret);

struct store_snapshot {
        struct store *store; /* NULL: the store was closed first */
        MDB_txn *txn;        /* NULL: ended by a map growth (stale) */
        struct store_snapshot *next;
};

/* LMDB changes the map size only with no transaction of this process open: a growth ends
 * the snapshots (their next read says -ESTALE). */
static void snapshots_end(struct store *s)
{
        for (struct store_snapshot *p = s->snapshots; p; p = p->next)
                if (p->txn) {
                        mdb_txn_abort(p->txn);
                        p->txn = NULL;
                }
}

int store_snapshot_open(struct store *s, struct store_snapshot **ret)
{
        struct store_snapshot *p = calloc(1, sizeof(*p));
        struct store_txn t;
        int r;

        if (!p)
                return -ENOMEM;
        r = store_txn_begin(s, false, &t);
        if (r < 0) {
                free(p);
                return r;
        }
        p->store = s;
        p->txn = t.txn;
        p->next = s->snapshots;
        s->snapshots = p;
        *ret = p;
        return 0;
}

int store_snapshot_read(struct store_snapshot *p, store_txn_fn fn, void *userdata)
{
        struct store_txn t = {.store = p->store, .txn = p->txn};
        int r;

        if (!p->txn || !p->store)
                return -ESTALE;
        r = fn(&t, userdata);
        index_queue_free(&t);
        return r;
}

void store_snapshot_close(struct store_snapshot *p)
{
        if (!p)
                return;
        for (struct store_snapshot **pp = p->store ? &p->store->snapshots : NULL; pp && *pp;
             pp = &(*pp)->next)
                if (*pp == p) {
                        *pp = p->next;
                        break;
                }
        if (p->txn)
                mdb_txn_abort(p->txn);
        free(p);
}

static int store_set_map_size(struct store *s, size_t size)
{
        int rc;

        snapshots_end(s);
        pthread_rwlock_wrlock(&s->resize_lock); /* waits for a backup copying on its thread */
        rc = mdb_env_set_mapsize(s->env, size);
        pthread_rwlock_unlock(&s->resize_lock);

        if (rc)
                return lmdb_errno(s, NULL, rc);
        return store_refresh_map_size(s);
}

/* Double the map (no transaction of ours may be active). -ENOSPC at the maximum. */
static int store_grow(struct store *s)
{
        size_t next;
        int r = store_refresh_map_size(s);

        if (r < 0)
                return r;
        if (s->map_size >= s->max_map_size)
                return -ENOSPC;
        next = s->map_size > s->max_map_size / 2 ? s->max_map_size : s->map_size * 2;
        return store_set_map_size(s, next);
}

/* Begin a transaction, adopting a map grown by another process (MDB_MAP_RESIZED). */
static int store_txn_begin(struct store *s, bool write, struct store_txn *ret)
{
        MDB_txn *txn = NULL;
        int rc = 0, r;

        for (unsigned i = 0; i <= RESIZE_RETRIES; i++) {
                if (s->broken)
                        return -EIO;
                rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &txn);
                if (rc != MDB_MAP_RESIZED)
                        break;
                r = store_set_map_size(s, 0);
                if (r < 0)
                        return r;
        }
        if (rc)
                return lmdb_errno(s, NULL, rc);
        *ret = (struct store_txn){.store = s, .txn = txn, .write = write};
        return 0;
}

int store_read(struct store *s, store_txn_fn fn, void *userdata)
{
        struct store_txn t = {0};
        int r;

        r = store_txn_begin(s, false, &t);
        if (r >= 0) {
                r = fn(&t, userdata);
                index_queue_free(&t); /* a read never queues; only for symmetry with store_write */
                mdb_txn_abort(t.txn);
        }
        if (r < 0)
                store_report_broken(s);
        return r;
}

/* LMDB turns a short write (what a full file system gives) into a bare EIO. When the
 * commit failed that way and the data directory's file system is (nearly) out of space, the
 * truth is "disk full": the client can act on that, unlike "I/O error". */
#define DISK_FULL_SLACK ((uint64_t)1 << 20)

static bool disk_nearly_full(const struct store *s)
{
        struct statvfs st;

        if (statvfs(s->dir, &st) < 0)
                return false;
        return (uint64_t)st.f_bavail * st.f_frsize < DISK_FULL_SLACK;
}

/* A failed write: when it broke the environment, the observer hears of it once. */
static int write_failed(struct store *s, int r)
{
        store_report_broken(s);
        return r;
}

/* A write that found no room with its journal images is made again with an entry that only
 * says so, then with none: on a full disk, removing something must still free space. */
static bool journal_fallback(const struct store_txn *t, int r, unsigned *fallback,
                             char desc[static STORE_JOURNAL_DESC_MAX])
{
        if (r != -ENOSPC || *fallback >= 2 || t->journal.off ||
            !(t->journal.seq || t->journal.unrecorded))
                return false;
        if (!desc[0])
                memcpy(desc, t->journal.desc, STORE_JOURNAL_DESC_MAX);
        (*fallback)++;
        return true;
}

/* A write that changed this many people dirtied tens of thousands of pages: give LMDB's
 * copies of them back afterwards (store_release_memory). */
#define RELEASE_AFTER_CHANGED 10000

int store_write(struct store *s, store_txn_fn fn, void *userdata)
{
        struct store_txn t = {0};
        bool big;
        char desc[STORE_JOURNAL_DESC_MAX] = ""; /* what the journaled attempt described */
        unsigned fallback = 0;
        int r, rc;

        for (;;) {
                r = store_txn_begin(s, true, &t);
                if (r < 0)
                        return write_failed(s, r);
                t.journal.unrecorded = fallback == 1;
                t.journal.off = fallback == 2;
                if (fallback)
                        memcpy(t.journal.desc, desc, sizeof(desc));
                r = fn(&t, userdata);
                if (r >= 0 && !t.map_full) {
                        int f = journal_finish(&t);

                        if (f >= 0)
                                f = index_queue_flush_all(&t);

                        if (f < 0)
                                r = f;
                }
                index_queue_free(&t);
                if (t.map_full) {
                        mdb_txn_abort(t.txn);
                        store_changes_finish(s, &t.changes, false);
                        r = store_grow(s);
                        if (r < 0 && journal_fallback(&t, r, &fallback, desc))
                                continue;
                        if (r < 0)
                                return write_failed(s, r);
                        continue;
                }
                if (r < 0) {
                        mdb_txn_abort(t.txn);
                        store_changes_finish(s, &t.changes, false);
                        return write_failed(s, r);
                }
                rc = mdb_txn_commit(t.txn); /* frees the txn, also on failure */
                if (rc == MDB_MAP_FULL) {
                        store_changes_finish(s, &t.changes, false);
                        r = store_grow(s);
                        if (r < 0 && journal_fallback(&t, r, &fallback, desc))
                                continue;
                        if (r < 0)
                                return write_failed(s, r);
                        continue;
                }
                if (rc) {
                        store_changes_finish(s, &t.changes, false);
                        if (rc == EIO && disk_nearly_full(s)) {
                                if (journal_fallback(&t, -ENOSPC, &fallback, desc))
                                        continue;
                                return -ENOSPC;
                        }
                        return write_failed(s, lmdb_errno(s, NULL, rc));
                }
                /* Durable now: the observer may act on it (and read it back). */
                big = t.changes.n_changed >= RELEASE_AFTER_CHANGED;
                store_changes_finish(s, &t.changes, true);
                if (big) /* nothing of ours is open here, unless an export's snapshot */
                        (void)store_release_memory(s);
                return r;
        }
}

/* ---- group commit ----
 * Writes that arrive together share one transaction and one commit (one pair of fsyncs). Each
 * runs in a nested transaction of its own (mdb_txn_begin with the group's as parent): one that
 * fails is rolled back alone and the others stay, and each keeps its own journal entry and
 * change set, exactly as if it had been written by store_write. Anything that concerns the
 * group as a whole (a full map, a failed commit, a full disk) makes every write go again one
 * by one through store_write, which knows how to grow the map and how to write on a full
 * disk; nothing of the group was committed then, and every fn is re-runnable. */

struct group_member {
        struct store_changes changes; /* handed to the observer after the group's commit */
        bool ok;
};

/* Run one write of the group in a transaction nested in parent. Returns its result (stored in
 * op->result), or 1 when the group as a whole must give up (map full, an error of the nested
 * transaction itself). */
static int group_run_one(struct store *s, MDB_txn *parent, struct store_write_op *op,
                         struct group_member *m)
{
        struct store_txn t = {0};
        int r, rc;

        rc = mdb_txn_begin(s->env, parent, 0, &t.txn);
        if (rc)
                return 1;
        t.store = s;
        t.write = true;
        r = op->fn(&t, op->userdata);
        if (r >= 0 && !t.map_full) {
                int f = journal_finish(&t);

                if (f >= 0)
                        f = index_queue_flush_all(&t);
                if (f < 0)
                        r = f;
        }
        index_queue_free(&t);
        if (t.map_full || s->broken) {
                mdb_txn_abort(t.txn);
                store_changes_reset(&t.changes);
                return 1;
        }
        op->result = r;
        if (r < 0) {
                /* This write alone is rolled back; the group goes on. */
                mdb_txn_abort(t.txn);
                store_changes_reset(&t.changes);
                return 0;
        }
        rc = mdb_txn_commit(t.txn); /* into the parent: no I/O */
        if (rc) {
                store_changes_reset(&t.changes);
                return 1;
        }
        m->changes = t.changes;
        m->ok = true;
        return 0;
}

static void group_members_reset(struct group_member *m, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                store_changes_reset(&m[i].changes);
                m[i].ok = false;
        }
}

static void group_one_by_one(struct store *s, struct store_write_op *ops, size_t n)
{
        for (size_t i = 0; i < n; i++)
                ops[i].result = store_write(s, ops[i].fn, ops[i].userdata);
}

void store_write_group(struct store *s, struct store_write_op *ops, size_t n)
{
        _cleanup_free_ struct group_member *m = NULL;
        struct store_txn group = {0};
        bool give_up = false;
        int r, rc;

        if (n <= 1) {
                group_one_by_one(s, ops, n);
                return;
        }
        m = calloc(n, sizeof(*m));
        if (!m) {
                group_one_by_one(s, ops, n);
                return;
        }
        r = store_txn_begin(s, true, &group);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        ops[i].result = write_failed(s, r);
                return;
        }
        for (size_t i = 0; i < n && !give_up; i++)
                give_up = group_run_one(s, group.txn, &ops[i], &m[i]) > 0;
        if (give_up) {
                mdb_txn_abort(group.txn);
                group_members_reset(m, n);
                if (s->broken) {
                        for (size_t i = 0; i < n; i++)
                                ops[i].result = write_failed(s, -EIO);
                        return;
                }
                group_one_by_one(s, ops, n);
                return;
        }
        rc = mdb_txn_commit(group.txn); /* frees the txn, also on failure */
        if (rc == MDB_PANIC) {
                group_members_reset(m, n);
                for (size_t i = 0; i < n; i++)
                        ops[i].result = write_failed(s, lmdb_errno(s, NULL, rc));
                return;
        }
        if (rc) {
                /* A full map or disk, an I/O error: nothing was written; store_write tells
                 * each its fate (grown map, journal fallbacks, the error). */
                group_members_reset(m, n);
                group_one_by_one(s, ops, n);
                return;
        }
        /* Durable now: every write of the group reaches the observer, in order. */
        for (size_t i = 0; i < n; i++)
                store_changes_finish(s, &m[i].changes, m[i].ok);
}

/* ---- meta ---- */

static int meta_get(struct store_txn *t, const char *name, void *buf, size_t len)
{
        MDB_val k = {strlen(name), (void *)name}, v;
        int rc = mdb_get(t->txn, dbi(t, DB_META), &k, &v);

        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != len)
                return -EBADMSG;
        memcpy(buf, v.mv_data, len);
        return 0;
}

static int meta_put(struct store_txn *t, const char *name, const void *buf, size_t len)
{
        MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)buf};

        return txn_err(t, mdb_put(t->txn, dbi(t, DB_META), &k, &v, 0));
}

int store_counter_get(struct store_txn *t, const char *name, uint64_t *ret)
{
        uint8_t be[8];
        int r = meta_get(t, name, be, sizeof(be));

        if (r == -ENOENT) {
                *ret = 1;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = be64_get(be);
        return 0;
}

int store_counter_put(struct store_txn *t, const char *name, uint64_t next)
{
        uint8_t be[8];

        be64_put(be, next);
        return meta_put(t, name, be, sizeof(be));
}

static int index_put(struct store_txn *t, const struct ikey *ik, uint64_t id);

/* ==== schema 2 → 3: keys folded with libunistring, and the text index ====
 * Keys written before were only lower-cased (and only some scripts), so the string indexes
 * are emptied and rebuilt from the records, the kind counts re-keyed, and idx_text built
 * from every interaction, goal and goal link. One transaction: the upgrade's. */
static int migrate_refold_kinds(struct store_txn *t)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_(ikeys_done) struct ikeys kinds = {0};
        _cleanup_free_ uint64_t *counts = NULL;
        size_t n = 0;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_KINDS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                uint8_t key[KEY_MAX];
                uint64_t *p;

                if (v.mv_size != 8)
                        continue;
                r = ikeys_add(&kinds, DB_KINDS, key,
                              key_normalize(k.mv_data, k.mv_size, t->store->max_key, key));
                if (r < 0)
                        return r;
                if (kinds.n == n)
                        continue; /* folded to nothing */
                p = reallocarray(counts, kinds.n, sizeof(uint64_t));
                if (!p)
                        return -ENOMEM;
                counts = p;
                counts[n++] = be64_get(v.mv_data);
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        mdb_cursor_close(cur);
        cur = NULL;
        rc = mdb_drop(t->txn, dbi(t, DB_KINDS), 0);
        if (rc)
                return txn_err(t, rc);
        for (size_t i = 0; i < n; i++) {
                MDB_val kk = {kinds.v[i].len, kinds.v[i].data}, vv;
                uint8_t vb[8];
                uint64_t sum = counts[i];

                /* Kinds that differed only in accents or case become one count. */
                rc = mdb_get(t->txn, dbi(t, DB_KINDS), &kk, &vv);
                if (rc == 0 && vv.mv_size == 8)
                        sum += be64_get(vv.mv_data);
                else if (rc && rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
                be64_put(vb, sum);
                vv = (MDB_val){sizeof(vb), vb};
                rc = mdb_put(t->txn, dbi(t, DB_KINDS), &kk, &vv, 0);
                if (rc)
                        return txn_err(t, rc);
        }
        return 0;
}

static int store_migrate_fold_keys(struct store_txn *t)
{
        static const enum db refolded[] = {DB_IDX_NAME, DB_IDX_TOKEN, DB_IDX_EMAIL, DB_IDX_TAG};
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        for (size_t i = 0; i < sizeof(refolded) / sizeof(refolded[0]); i++) {
                rc = mdb_drop(t->txn, dbi(t, refolded[i]), 0);
                if (rc)
                        return txn_err(t, rc);
        }
        r = cursor_open(t, DB_CONTACTS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                _cleanup_(ikeys_done) struct ikeys keys = {0};
                uint64_t id;

                if (k.mv_size != ID_KEY_LEN)
                        return -EBADMSG;
                id = be64_get(k.mv_data);
                r = codec_contact_decode(v.mv_data, v.mv_size, &c);
                if (r == -EBADMSG)
                        continue; /* unreadable: it had no keys we could rebuild either */
                if (r < 0)
                        return r;
                r = contact_index_keys(c, id, t->store->max_key, &keys);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < keys.n; i++) {
                        enum db db = keys.v[i].db;

                        if (db != DB_IDX_NAME && db != DB_IDX_TOKEN && db != DB_IDX_EMAIL &&
                            db != DB_IDX_TAG)
                                continue;
                        r = index_put(t, &keys.v[i], id);
                        if (r < 0)
                                return r;
                }
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        r = migrate_refold_kinds(t);
        if (r < 0)
                return r;
        return store_migrate_text_index(t);
}
/* ==== end of schema 2 → 3 ==== */

/* ---- schema upgrades ----
 * An upgrade runs at open, inside the one transaction that opens the databases (a new
 * database such as the journal is created there), after store_open wrote a compacted copy of
 * the old store next to it. Each step upgrades from schema version `from`; the steps of one
 * version run in table order. To change the format, append a step (and raise
 * STORE_SCHEMA_VERSION when the step starts a new version). */
struct migration {
        uint32_t from;
        const char *what;
        int (*run)(struct store_txn *t);
};

static const struct migration migrations[] = {
    {1, "interaction ids", store_migrate_interaction_ids},
    {1, "undo journal", journal_init},
    {2, "folded keys and the text index", store_migrate_fold_keys},
    /* 2 → 3, important dates: the sched index keyed time ‖ id ‖ event (after the keys above,
     * which rewrites every index entry, so the rebuild sees the final records). */
    {2, "sched index by event", store_migrate_sched_events},
    /* 3 → 4, capture: the captured keys (store-capture.c). */
    {3, "captured keys", store_migrate_captured},
    /* ==== 4 → 5: due_counts (status without a scan of the due index) ==== */
    {4, "due counts", store_migrate_due_counts},
};

static int store_migrate(struct store_txn *t, uint32_t from)
{
        for (uint32_t v = from; v < STORE_SCHEMA_VERSION; v++) {
                bool any = false;

                for (size_t i = 0; i < ARRAY_SIZE(migrations); i++) {
                        int r;

                        if (migrations[i].from != v)
                                continue;
                        any = true;
                        r = migrations[i].run(t);
                        if (r < 0)
                                return r;
                }
                if (!any)
                        return -EPROTO;
        }
        return 0;
}

char *store_upgrade_backup_path(const char *dir, uint32_t from)
{
        char *p = NULL;

        if (asprintf(&p, "%s/data.mdb.v%" PRIu32 "-backup", dir, from) < 0)
                return NULL;
        return p;
}

/* The schema version of an open environment (0: a new one), read without writing. */
static int schema_read(struct store *s, uint32_t *ret)
{
        MDB_txn *txn = NULL;
        MDB_dbi meta;
        MDB_val k = {strlen(META_SCHEMA), (void *)META_SCHEMA}, v;
        int rc;

        *ret = 0;
        rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
        if (rc)
                return lmdb_errno(s, NULL, rc);
        rc = mdb_dbi_open(txn, db_info[DB_META].name, 0, &meta);
        if (rc == 0)
                rc = mdb_get(txn, meta, &k, &v);
        if (rc == 0 && v.mv_size != 4)
                rc = MDB_CORRUPTED;
        if (rc == 0)
                *ret = be32_get(v.mv_data);
        mdb_txn_abort(txn);
        if (rc == MDB_NOTFOUND)
                return 0;
        return lmdb_errno(s, NULL, rc);
}

/* Before an upgrade: a compacted copy of the store as it is, next to it. */
static int upgrade_backup(struct store *s, uint32_t from)
{
        _cleanup_free_ char *abs = NULL, *path = NULL;
        uint64_t size;

        abs = realpath(s->dir, NULL);
        if (!abs)
                return -errno;
        path = store_upgrade_backup_path(abs, from);
        if (!path)
                return -ENOMEM;
        return store_backup(s, path, &size);
}

static int store_init_txn(struct store_txn *t, void *userdata)
{
        struct store *s = t->store;
        uint8_t be[4];
        uint32_t schema;
        int rc, r;

        store_txn_no_journal(t); /* opening and upgrading are no change anyone undoes */
        for (int i = 0; i < _DB_MAX; i++) {
                rc = mdb_dbi_open(t->txn, db_info[i].name, db_info[i].flags | MDB_CREATE,
                                  &s->dbi[i]);
                if (rc)
                        return txn_err(t, rc);
        }
        r = meta_get(t, META_SCHEMA, be, sizeof(be));
        if (r == -ENOENT) {
                /* A new store. */
                be32_put(be, STORE_SCHEMA_VERSION);
                r = meta_put(t, META_SCHEMA, be, sizeof(be));
                if (r < 0)
                        return r;
                return store_counter_put(t, META_NEXT_ID, 1);
        }
        if (r < 0)
                return r;
        schema = be32_get(be);
        if (schema == 0)
                return -EBADMSG;
        if (schema > STORE_SCHEMA_VERSION)
                return -EPROTONOSUPPORT;
        if (schema == STORE_SCHEMA_VERSION)
                return 0;
        r = store_migrate(t, schema);
        if (r < 0)
                return r;
        be32_put(be, STORE_SCHEMA_VERSION);
        return meta_put(t, META_SCHEMA, be, sizeof(be));
}

void store_close(struct store *s)
{
        if (!s)
                return;
        snapshots_end(s); /* their owners still free them with store_snapshot_close */
        for (struct store_snapshot *p = s->snapshots, *next; p; p = next) {
                next = p->next;
                p->next = NULL;
                p->store = NULL;
        }
        if (s->env)
                mdb_env_close(s->env);
        pthread_rwlock_destroy(&s->resize_lock);
        free(s->dir);
        free(s);
}

static void store_closep(struct store **s)
{
        store_close(*s);
}

/* LMDB keeps every page buffer a write transaction dirtied and freed on a list of its own
 * (me_dpages) for later writes, unbounded and never given back: after a write of a million
 * records, hundreds of MiB. Closing the environment frees them; so this closes and opens it
 * again, which LMDB allows only with no transaction of this process open. */
int store_release_memory(struct store *s)
{
        unsigned flags = 0;
        int rc, r;

        if (s->broken)
                return -EIO;
        for (struct store_snapshot *p = s->snapshots; p; p = p->next)
                if (p->txn)
                        return -EBUSY; /* an export reads */
        if (pthread_rwlock_trywrlock(&s->resize_lock) != 0)
                return -EBUSY; /* a backup copies on its thread */
        rc = mdb_env_get_flags(s->env, &flags);
        if (rc == 0) {
                mdb_env_close(s->env);
                s->env = NULL;
                rc = mdb_env_create(&s->env);
                if (rc)
                        s->env = NULL;
        }
        if (rc == 0)
                rc = mdb_env_set_maxdbs(s->env, _DB_MAX);
        if (rc == 0)
                rc = mdb_env_set_mapsize(s->env, s->map_size);
        if (rc == 0)
                rc = mdb_env_open(s->env, s->dir, flags & (MDB_NOTLS | MDB_NOSYNC), 0600);
        pthread_rwlock_unlock(&s->resize_lock);
        if (rc) {
                /* The store cannot be used any more: the daemon exits and is restarted. */
                s->broken = true;
                store_report_broken(s);
                return lmdb_errno(s, NULL, rc);
        }
        s->changed_since_release = 0;
        r = store_refresh_map_size(s);
        if (r >= 0)
                r = store_write(s, store_init_txn, NULL); /* the database handles; writes nothing */
        return r;
}

uint64_t store_changed_since_release(const struct store *s)
{
        return s->changed_since_release;
}

int store_open(const struct store_options *opts, struct store **ret)
{
        _cleanup_(store_closep) struct store *s = NULL;
        size_t initial, max, maxkey;
        bool existing = false;
        unsigned flags;
        int dead, rc, r;

        if (!opts || !opts->dir || !*opts->dir)
                return -EINVAL;
        max = opts->max_map_size ? opts->max_map_size : DEFAULT_MAX_MAP_SIZE;
        initial = opts->initial_map_size ? opts->initial_map_size : DEFAULT_MAP_SIZE;
        if (initial > max)
                initial = max;

        r = dir_prepare(opts->dir, &existing);
        if (r < 0)
                return r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        pthread_rwlock_init(&s->resize_lock, NULL);
        s->max_map_size = max;
        s->dir = strdup(opts->dir);
        if (!s->dir)
                return -ENOMEM;

        rc = mdb_env_create(&s->env);
        if (rc) {
                s->env = NULL;
                return lmdb_errno(s, NULL, rc);
        }
        rc = mdb_env_set_maxdbs(s->env, _DB_MAX);
        if (rc)
                return lmdb_errno(s, NULL, rc);
        /* A new environment starts at the initial size. An existing one keeps the size it
         * grew to (LMDB would otherwise shrink it to what we ask for), but at least initial. */
        if (!existing) {
                rc = mdb_env_set_mapsize(s->env, initial);
                if (rc)
                        return lmdb_errno(s, NULL, rc);
        }
        flags = MDB_NOTLS | (opts->unsafe_no_sync ? MDB_NOSYNC : 0);
        rc = mdb_env_open(s->env, s->dir, flags, 0600);
        if (rc)
                return lmdb_errno(s, NULL, rc);
        r = store_refresh_map_size(s);
        if (r < 0)
                return r;
        if (s->map_size < initial) {
                r = store_set_map_size(s, initial);
                if (r < 0)
                        return r;
        }
        rc = mdb_reader_check(s->env, &dead);
        if (rc)
                return lmdb_errno(s, NULL, rc);
        maxkey = (size_t)mdb_env_get_maxkeysize(s->env);
        s->max_key = maxkey < KEY_MAX ? maxkey : KEY_MAX;
        s->clock = opts->clock;
        s->clock_userdata = opts->clock_userdata;

        if (existing) {
                uint32_t schema;

                r = schema_read(s, &schema);
                if (r < 0)
                        return r;
                if (schema > STORE_SCHEMA_VERSION)
                        return -EPROTONOSUPPORT;
                if (schema > 0 && schema < STORE_SCHEMA_VERSION) {
                        r = upgrade_backup(s, schema);
                        if (r < 0)
                                return r;
                        s->upgraded_from = schema;
                }
        }

        r = store_write(s, store_init_txn, NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

uint32_t store_upgraded_from(const struct store *s)
{
        return s->upgraded_from;
}

bool store_is_broken(const struct store *s)
{
        return s->broken;
}

size_t store_map_size(const struct store *s)
{
        return s->map_size;
}

const char *store_dir(const struct store *s)
{
        return s->dir;
}

/* ---- contacts ---- */

static int contact_load(struct store_txn *t, uint64_t id, struct contact **ret)
{
        struct contact *c = NULL;
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        int rc, r;

        be64_put(key, id);
        rc = mdb_get(t->txn, dbi(t, DB_CONTACTS), &k, &v);
        if (rc)
                return txn_err(t, rc);
        r = codec_contact_decode(v.mv_data, v.mv_size, &c);
        if (r < 0)
                return r;
        c->id = id; /* the key is authoritative */
        *ret = c;
        return 0;
}

int store_txn_contact_get(struct store_txn *t, uint64_t id, struct contact **ret)
{
        return contact_load(t, id, ret);
}

static int contact_exists(struct store_txn *t, uint64_t id)
{
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;

        be64_put(key, id);
        return txn_err(t, mdb_get(t->txn, dbi(t, DB_CONTACTS), &k, &v));
}

static int index_put(struct store_txn *t, const struct ikey *ik, uint64_t id)
{
        uint8_t idb[ID_KEY_LEN];
        MDB_val k = {ik->len, ik->data}, v = {sizeof(idb), idb};
        unsigned flags = (db_info[ik->db].flags & MDB_DUPSORT) ? MDB_NODUPDATA : 0;
        int rc;

        be64_put(idb, id);
        if (ik->db == DB_DUE) {
                int r = due_count_add(t, ik->data, 1);

                if (r < 0)
                        return r;
        }
        if (index_queue_defers(ik->db))
                return index_queue_add(t, ik->db, ik->data, ik->len, id, true);
        if (ik->db == DB_DUE || ik->db == DB_SCHED)
                v = (MDB_val){0, NULL};
        rc = mdb_put(t->txn, dbi(t, ik->db), &k, &v, flags);
        if (rc == MDB_KEYEXIST)
                rc = 0;
        return txn_err(t, rc);
}

static int index_del(struct store_txn *t, const struct ikey *ik, uint64_t id)
{
        uint8_t idb[ID_KEY_LEN];
        MDB_val k = {ik->len, ik->data}, v = {sizeof(idb), idb};
        int rc;

        if (ik->db == DB_DUE) {
                int r = due_count_add(t, ik->data, -1);

                if (r < 0)
                        return r;
        }
        if (index_queue_defers(ik->db))
                return index_queue_add(t, ik->db, ik->data, ik->len, id, false);
        be64_put(idb, id);
        rc = mdb_del(t->txn, dbi(t, ik->db), &k, (db_info[ik->db].flags & MDB_DUPSORT) ? &v : NULL);
        if (rc == MDB_NOTFOUND)
                rc = 0;
        return txn_err(t, rc);
}

/* Delete the entries only in old, add the entries only in new (both sorted). */
static int index_update(struct store_txn *t, const struct ikeys *old, const struct ikeys *new,
                        uint64_t id)
{
        size_t i = 0, j = 0;
        int r = 0;

        while (r >= 0 && (i < old->n || j < new->n)) {
                int c;

                if (i == old->n)
                        c = 1;
                else if (j == new->n)
                        c = -1;
                else
                        c = ikey_cmp(&old->v[i], &new->v[j]);
                if (c < 0)
                        r = index_del(t, &old->v[i++], id);
                else if (c > 0)
                        r = index_put(t, &new->v[j++], id);
                else
                        i++, j++;
        }
        return r;
}

static int uuid_normalize(const char *in, char out[static UUID_STRING_LEN + 1])
{
        if (!uuid_is_valid(in))
                return -EINVAL;
        for (size_t i = 0; i <= UUID_STRING_LEN; i++)
                out[i] = (char)ascii_lower((uint8_t)in[i]);
        return 0;
}

static int uuid_lookup(struct store_txn *t, const char *uuid, uint64_t *ret)
{
        MDB_val k = {strlen(uuid), (void *)uuid}, v;
        int rc = mdb_get(t->txn, dbi(t, DB_IDX_UUID), &k, &v);

        if (rc)
                return txn_err(t, rc);
        return val_to_id(&v, ret);
}

/* Only a tombstone that exists is journaled as removed. */
static int tombstone_del(struct store_txn *t, MDB_val *k)
{
        MDB_val v;
        int rc = mdb_get(t->txn, dbi(t, DB_TOMBSTONES), k, &v);

        return rc ? rc : rec_del(t, DB_TOMBSTONES, k);
}

static int tombstone_put(struct store_txn *t, const char *uuid, uint8_t type, int64_t now)
{
        uint8_t val[TOMBSTONE_LEN];
        MDB_val k = {strlen(uuid), (void *)uuid}, v = {sizeof(val), val};

        val[0] = type;
        be64_put(val + 1, time_to_key(now));
        return txn_err(t, rec_put(t, DB_TOMBSTONES, &k, &v, 0));
}

int store_txn_contact_put(struct store_txn *t, struct contact *c)
{
        _cleanup_(contact_freep) struct contact *old = NULL;
        _cleanup_(ikeys_done) struct ikeys old_keys = {0}, new_keys = {0};
        _cleanup_free_ uint8_t *buf = NULL;
        struct contact tmp = *c; /* shallow: only id and uuid differ; never freed */
        uint8_t key[ID_KEY_LEN];
        uint64_t next, other = 0;
        bool fresh_uuid = false;
        size_t len;
        MDB_val k, v;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!c->name || !*c->name)
                return -EINVAL;

        /* Every check before the first write, so a refused put leaves the txn untouched. */
        r = store_counter_get(t, META_NEXT_ID, &next);
        if (r < 0)
                return r;
        if (tmp.id == 0) {
                tmp.id = next;
        } else {
                r = contact_load(t, tmp.id, &old);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        if (tmp.id == UINT64_MAX)
                return -EOVERFLOW;
        if (tmp.uuid[0]) {
                r = uuid_normalize(c->uuid, tmp.uuid);
                if (r < 0)
                        return r;
        } else if (old && old->uuid[0]) {
                memcpy(tmp.uuid, old->uuid, sizeof(tmp.uuid)); /* a replace keeps the uuid */
        } else {
                r = uuid_generate_v4(tmp.uuid);
                if (r < 0)
                        return r;
                fresh_uuid = true; /* 122 random bits: neither in use nor tombstoned */
        }
        if (!fresh_uuid) {
                r = uuid_lookup(t, tmp.uuid, &other);
                if (r >= 0 && other != tmp.id)
                        return -EEXIST;
                if (r < 0 && r != -ENOENT)
                        return r;
        }

        r = codec_contact_encode(&tmp, &buf, &len);
        if (r < 0)
                return r;
        if (old) {
                r = contact_index_keys(old, tmp.id, t->store->max_key, &old_keys);
                if (r < 0)
                        return r;
        }
        r = contact_index_keys(&tmp, tmp.id, t->store->max_key, &new_keys);
        if (r < 0)
                return r;

        /* An explicit id (import, or a store_write re-run) must stay below next_id. */
        if (tmp.id >= next) {
                r = store_counter_put(t, META_NEXT_ID, tmp.id + 1);
                if (r < 0)
                        return r;
        }
        be64_put(key, tmp.id);
        k = (MDB_val){sizeof(key), key};
        v = (MDB_val){len, buf};
        /* Every stored id is below next_id, so a new one goes at the end: append, which
         * skips the search (LMDB still checks the order and says MDB_KEYEXIST if not). */
        rc = MDB_KEYEXIST;
        if (tmp.id >= next)
                rc = rec_put(t, DB_CONTACTS, &k, &v, MDB_APPEND);
        if (rc == MDB_KEYEXIST)
                rc = rec_put(t, DB_CONTACTS, &k, &v, 0);
        if (rc)
                return txn_err(t, rc);
        r = index_update(t, &old_keys, &new_keys, tmp.id);
        if (r < 0)
                return r;
        /* A uuid is live or tombstoned, never both. */
        k = (MDB_val){strlen(tmp.uuid), tmp.uuid};
        rc = fresh_uuid ? MDB_NOTFOUND : tombstone_del(t, &k);
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);

        c->id = tmp.id;
        memcpy(c->uuid, tmp.uuid, sizeof(c->uuid));
        store_changes_contact(t, old, c);
        return 0;
}

/* Take all interactions off a contact: deleted with a tombstone each, or, when to is not 0,
 * moved to contact to (same uuid, time and content; a new seq at that second). */
static int interactions_take(struct store_txn *t, uint64_t contact_id, int64_t now, uint64_t to)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t prefix[ID_KEY_LEN], ikey[INTERACTION_KEY_LEN];
        int rc, r;

        be64_put(prefix, contact_id);
        r = cursor_open(t, DB_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(interaction_freep) struct interaction *i = NULL;
                MDB_val k = {sizeof(prefix), prefix}, v;

                /* Re-position every round: the cursor never walks across our own deletes. */
                rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
                if (rc == MDB_NOTFOUND)
                        break;
                if (rc)
                        return txn_err(t, rc);
                if (k.mv_size < sizeof(prefix) || memcmp(k.mv_data, prefix, sizeof(prefix)) != 0)
                        break;
                /* Decode (a copy) before any write: k and v point into the map. */
                r = codec_interaction_decode(v.mv_data, v.mv_size, &i);
                if (r == -ENOMEM)
                        return r;
                if (k.mv_size != INTERACTION_KEY_LEN)
                        return -EBADMSG;
                memcpy(ikey, k.mv_data, sizeof(ikey));
                k = (MDB_val){sizeof(ikey), ikey};
                rc = rec_del(t, DB_INTERACTIONS, &k);
                if (rc)
                        return txn_err(t, rc);
                if (i && i->goal_id) {
                        i->contact_id = contact_id;
                        r = store_goals_interaction_removed(t, i);
                        if (r < 0)
                                return r;
                }
                if (i) {
                        i->contact_id = contact_id; /* its text index entries name it */
                        r = interaction_unindexed(t, i);
                        if (r >= 0 && !i->group_of)
                                r = interaction_group_removed(t, i);
                        if (r < 0)
                                return r;
                }
                /* Another person's entry of a group record is theirs, not moved. */
                if (to && i && !i->group_of) {
                        /* Moved to another contact: the same record, id and uuid. */
                        i->contact_id = to;
                        r = store_txn_interaction_add(t, i);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* A corrupt record is deleted without a tombstone: it has no readable uuid. */
                if (i && i->uuid[0]) {
                        r = tombstone_put(t, i->uuid, 'I', now);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int store_txn_interactions_move(struct store_txn *t, uint64_t from, uint64_t to)
{
        int r = txn_writable(t);

        if (r < 0)
                return r;
        if (from == to || to == 0)
                return -EINVAL;
        r = contact_exists(t, to);
        if (r < 0)
                return r;
        return interactions_take(t, from, 0, to);
}

int store_txn_contact_delete(struct store_txn *t, uint64_t id, int64_t now)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        _cleanup_(ikeys_done) struct ikeys keys = {0};
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key};
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = contact_load(t, id, &c);
        if (r < 0)
                return r;
        r = contact_index_keys(c, id, t->store->max_key, &keys);
        if (r < 0)
                return r;
        for (size_t i = 0; i < keys.n; i++) {
                r = index_del(t, &keys.v[i], id);
                if (r < 0)
                        return r;
        }
        be64_put(key, id);
        rc = rec_del(t, DB_CONTACTS, &k);
        if (rc)
                return txn_err(t, rc);
        r = interactions_take(t, id, now, 0);
        if (r < 0)
                return r;
        r = store_goals_contact_deleted(t, id, now);
        if (r < 0)
                return r;
        if (c->uuid[0]) {
                r = tombstone_put(t, c->uuid, 'C', now);
                if (r < 0)
                        return r;
        }
        store_changes_contact(t, c, NULL);
        return 0;
}

int store_contact_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                          const MDB_val *new)
{
        _cleanup_(contact_freep) struct contact *a = NULL, *b = NULL;
        _cleanup_(ikeys_done) struct ikeys ak = {0}, bk = {0};
        uint64_t id;
        int r;

        if (key->mv_size != ID_KEY_LEN)
                return -EBADMSG;
        id = be64_get(key->mv_data);
        if (old) {
                r = codec_contact_decode(old->mv_data, old->mv_size, &a);
                if (r < 0)
                        return r;
                a->id = id;
                r = contact_index_keys(a, id, t->store->max_key, &ak);
                if (r < 0)
                        return r;
        }
        if (new) {
                r = codec_contact_decode(new->mv_data, new->mv_size, &b);
                if (r < 0)
                        return r;
                b->id = id;
                r = contact_index_keys(b, id, t->store->max_key, &bk);
                if (r < 0)
                        return r;
        }
        r = index_update(t, &ak, &bk, id);
        if (r < 0)
                return r;
        if (a || b)
                store_changes_contact(t, a, b);
        return 0;
}

int store_txn_contact_count(struct store_txn *t, uint64_t *ret)
{
        MDB_stat st;
        int rc = mdb_stat(t->txn, dbi(t, DB_CONTACTS), &st);

        if (rc)
                return txn_err(t, rc);
        *ret = st.ms_entries;
        return 0;
}

int store_txn_contact_by_uuid(struct store_txn *t, const char *uuid, uint64_t *ret)
{
        char norm[UUID_STRING_LEN + 1];

        if (!uuid || uuid_normalize(uuid, norm) < 0)
                return -ENOENT;
        return uuid_lookup(t, norm, ret);
}

int store_txn_tombstone_get(struct store_txn *t, const char *uuid, int64_t *ret_deleted)
{
        char norm[UUID_STRING_LEN + 1];
        MDB_val k, v;
        const uint8_t *p;
        int rc;

        if (!uuid || uuid_normalize(uuid, norm) < 0)
                return -ENOENT;
        k = (MDB_val){UUID_STRING_LEN, norm};
        rc = mdb_get(t->txn, dbi(t, DB_TOMBSTONES), &k, &v);
        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != TOMBSTONE_LEN && v.mv_size != TOMBSTONE_MERGED_LEN)
                return -EBADMSG;
        p = v.mv_data;
        if (ret_deleted)
                *ret_deleted = time_from_key(be64_get(p + 1));
        return p[0];
}

int store_txn_tombstone_set_merged(struct store_txn *t, const char *uuid, const char *into)
{
        char norm[UUID_STRING_LEN + 1], into_norm[UUID_STRING_LEN + 1];
        uint8_t val[TOMBSTONE_MERGED_LEN];
        MDB_val k, v;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!uuid || !into || uuid_normalize(uuid, norm) < 0 ||
            uuid_normalize(into, into_norm) < 0 || streq(norm, into_norm))
                return -EINVAL;
        k = (MDB_val){UUID_STRING_LEN, norm};
        rc = mdb_get(t->txn, dbi(t, DB_TOMBSTONES), &k, &v);
        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != TOMBSTONE_LEN && v.mv_size != TOMBSTONE_MERGED_LEN)
                return -EBADMSG;
        memcpy(val, v.mv_data, TOMBSTONE_LEN);
        memcpy(val + TOMBSTONE_LEN, into_norm, UUID_STRING_LEN);
        v = (MDB_val){sizeof(val), val};
        return txn_err(t, rec_put(t, DB_TOMBSTONES, &k, &v, 0));
}

int store_txn_tombstone_merged_into(struct store_txn *t, const char *uuid,
                                    char ret[static UUID_STRING_LEN + 1])
{
        char norm[UUID_STRING_LEN + 1];
        MDB_val k, v;
        int rc;

        if (!uuid || uuid_normalize(uuid, norm) < 0)
                return -ENOENT;
        k = (MDB_val){UUID_STRING_LEN, norm};
        rc = mdb_get(t->txn, dbi(t, DB_TOMBSTONES), &k, &v);
        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != TOMBSTONE_MERGED_LEN)
                return -ENOENT;
        memcpy(ret, (const uint8_t *)v.mv_data + TOMBSTONE_LEN, UUID_STRING_LEN);
        ret[UUID_STRING_LEN] = 0;
        return 0;
}

int store_txn_index_shared(struct store_txn *t, enum store_index idx, store_shared_cb cb,
                           void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_(idvec_done) struct idvec ids = {0};
        char key[KEY_MAX + 1];
        MDB_val k, v;
        uint64_t id;
        int rc, r;

        r = cursor_open(t, idx == STORE_INDEX_EMAIL ? DB_IDX_EMAIL : DB_IDX_NAME, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
                size_t n;

                rc = mdb_cursor_count(cur, &n);
                if (rc)
                        return txn_err(t, rc);
                if (n < 2)
                        continue;
                if (k.mv_size > KEY_MAX)
                        return -EBADMSG;
                memcpy(key, k.mv_data, k.mv_size);
                key[k.mv_size] = 0;
                ids.n = 0;
                for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
                        r = val_to_id(&v, &id);
                        if (r >= 0)
                                r = idvec_push(&ids, id);
                        if (r < 0)
                                return r;
                }
                if (rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
                r = cb(key, ids.v, ids.n, userdata);
                if (r != 0)
                        return r;
                /* Back on the key's last entry: MDB_NEXT_NODUP moves on from there. */
                rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
                if (rc)
                        return txn_err(t, rc);
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

/* ---- resolve ---- */

/* A decimal id: digits only, no sign or space, fits u64, not 0. */
static bool parse_id(const char *s, uint64_t *ret)
{
        uint64_t v = 0;

        if (!*s)
                return false;
        for (const char *p = s; *p; p++) {
                unsigned d;

                if (*p < '0' || *p > '9')
                        return false;
                d = (unsigned)(*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        if (v == 0)
                return false;
        *ret = v;
        return true;
}

/* Visit ids under one exact key of a DUPSORT index: count them all, keep the first max. */
static int collect_exact(struct store_txn *t, enum db db, const void *key, size_t len, size_t max,
                         struct idvec *out, size_t *ret_total)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k = {len, (void *)key}, v;
        size_t total = 0;
        uint64_t id;
        int rc, r;

        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
        if (rc == 0) {
                size_t n;

                rc = mdb_cursor_count(cur, &n);
                if (rc)
                        return txn_err(t, rc);
                total = (size_t)n;
        }
        while (rc == 0 && out->n < max) {
                r = val_to_id(&v, &id);
                if (r < 0)
                        return r;
                r = idvec_push(out, id);
                if (r < 0)
                        return r;
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret_total = total;
        return 0;
}

/* Visit ids under every key starting with prefix: keep the first keep, count up to count_max
 * (0 = unbounded). */
static int collect_prefix(struct store_txn *t, enum db db, const void *prefix, size_t len,
                          size_t keep, size_t count_max, struct idvec *out, size_t *ret_total)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k = {len, (void *)prefix}, v;
        size_t total = 0;
        uint64_t id;
        int rc, r;

        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0)
                        break;
                if (count_max && total >= count_max)
                        break;
                total++;
                if (out->n < keep) {
                        r = val_to_id(&v, &id);
                        if (r < 0)
                                return r;
                        r = idvec_push(out, id);
                        if (r < 0)
                                return r;
                }
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret_total = total;
        return 0;
}

/* Last resort for WHO: every word of who is a prefix of a word of the contact's name, so
 * "doe" or "j doe" finds Jane Doe. Driven by the first word's range of idx_token; candidates
 * are checked against their names (tokens also come from org, email and tags). */
static int collect_name_words(struct store_txn *t, const char *who, size_t keep, size_t count_max,
                              struct idvec *out, size_t *ret_total)
{
        _cleanup_(ikeys_done) struct ikeys words = {0};
        _cleanup_(idvec_done) struct idvec cand = {0};
        size_t total = 0, ignored;
        int r;

        r = ikeys_add_words(&words, DB_IDX_TOKEN, who, t->store->max_key);
        if (r < 0)
                return r;
        if (words.n == 0) {
                *ret_total = 0;
                return 0;
        }
        r = collect_prefix(t, DB_IDX_TOKEN, words.v[0].data, words.v[0].len, count_max, count_max,
                           &cand, &ignored);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cand.n; i++) {
                _cleanup_(ikeys_done) struct ikeys name = {0};
                _cleanup_(contact_freep) struct contact *c = NULL;
                bool all = true, dup = false;

                for (size_t j = 0; j < i && !dup; j++)
                        dup = cand.v[j] == cand.v[i];
                if (dup)
                        continue;
                r = contact_load(t, cand.v[i], &c);
                if (r < 0)
                        return r;
                r = ikeys_add_words(&name, DB_IDX_TOKEN, c->name, t->store->max_key);
                if (r < 0)
                        return r;
                for (size_t w = 0; all && w < words.n; w++) {
                        bool found = false;

                        for (size_t n = 0; !found && n < name.n; n++)
                                found =
                                    name.v[n].len >= words.v[w].len &&
                                    memcmp(name.v[n].data, words.v[w].data, words.v[w].len) == 0;
                        all = found;
                }
                if (!all)
                        continue;
                total++;
                if (out->n < keep) {
                        r = idvec_push(out, c->id);
                        if (r < 0)
                                return r;
                }
        }
        *ret_total = total;
        return 0;
}

int store_txn_contact_resolve(struct store_txn *t, const char *who, uint64_t *ret_ids, size_t max)
{
        _cleanup_(idvec_done) struct idvec ids = {0};
        uint8_t key[KEY_MAX];
        size_t len, total = 0;
        uint64_t id;
        int r;

        if (!who || !*who)
                return -EINVAL;
        if (max > 0 && !ret_ids)
                return -EINVAL;

        if (parse_id(who, &id)) {
                r = contact_exists(t, id);
                if (r >= 0) {
                        if (max > 0)
                                ret_ids[0] = id;
                        return 1;
                }
                if (r != -ENOENT)
                        return r;
                /* Digits that are no id: maybe someone is called "42". */
        }

        len = key_normalize(who, strlen(who), t->store->max_key, key);
        if (len == 0)
                return 0;
        if (strchr(who, '@')) {
                r = collect_exact(t, DB_IDX_EMAIL, key, len, max, &ids, &total);
        } else {
                r = collect_exact(t, DB_IDX_NAME, key, len, max, &ids, &total);
                if (r >= 0 && total == 0) {
                        size_t cap = max > SIZE_MAX - RESOLVE_COUNT_SLACK
                                         ? SIZE_MAX
                                         : max + RESOLVE_COUNT_SLACK;

                        r = collect_prefix(t, DB_IDX_NAME, key, len, max, cap, &ids, &total);
                        if (r >= 0 && total == 0)
                                r = collect_name_words(t, who, max, cap, &ids, &total);
                }
        }
        if (r < 0)
                return r;
        if (ids.n > 0)
                memcpy(ret_ids, ids.v, ids.n * sizeof(uint64_t));
        return total > INT_MAX ? INT_MAX : (int)total;
}

/* ---- listing ---- */

/* Whether every query word is a prefix of one of the contact's tokens, or, everywhere, of a
 * word of its history and goals (read only for words the record does not have). */
static int contact_match_words(struct store_txn *t, const struct contact *c,
                               const struct ikeys *words, bool everywhere, bool *ret)
{
        _cleanup_(ikeys_done) struct ikeys tokens = {0};
        _cleanup_free_ const uint8_t **data = NULL;
        _cleanup_free_ size_t *lens = NULL;
        _cleanup_free_ bool *found = NULL;
        bool all = true;
        int r;

        if (words->n == 0) {
                *ret = true;
                return 0;
        }
        r = contact_tokens(c, t->store->max_key, DB_IDX_TOKEN, &tokens);
        if (r < 0)
                return r;
        found = calloc(words->n, sizeof(bool));
        if (!found)
                return -ENOMEM;
        for (size_t w = 0; w < words->n; w++) {
                const struct ikey *word = &words->v[w];

                for (size_t i = 0; !found[w] && i < tokens.n; i++)
                        found[w] = tokens.v[i].len >= word->len &&
                                   memcmp(tokens.v[i].data, word->data, word->len) == 0;
                all = all && found[w];
        }
        if (all || !everywhere) {
                *ret = all;
                return 0;
        }
        data = calloc(words->n, sizeof(*data));
        lens = calloc(words->n, sizeof(*lens));
        if (!data || !lens)
                return -ENOMEM;
        for (size_t w = 0; w < words->n; w++) {
                data[w] = words->v[w].data;
                lens[w] = words->v[w].len;
        }
        r = store_txn_contact_text_matches(
            t, c, &(struct text_words){.n = words->n, .data = data, .len = lens}, found, NULL,
            NULL);
        if (r < 0)
                return r;
        all = true;
        for (size_t w = 0; w < words->n; w++)
                all = all && found[w];
        *ret = all;
        return 0;
}

static bool tag_equal(const char *a, const char *b, size_t max)
{
        uint8_t x[KEY_MAX], y[KEY_MAX];
        size_t lx = key_normalize(a, strlen(a), max, x), ly = key_normalize(b, strlen(b), max, y);

        return lx == ly && memcmp(x, y, lx) == 0;
}

static int contact_match(struct store_txn *t, const struct contact *c,
                         const struct contact_filter *f, const struct ikeys *words, bool *ret)
{
        size_t max = t->store->max_key;
        bool tag = !f->tag;

        if (f->networks && (c->networks & f->networks) != f->networks)
                goto no;
        if (f->due_before && !(c->next_due != 0 && c->next_due < f->due_before))
                goto no;
        for (char **g = c->tags; !tag && g && *g; g++)
                tag = tag_equal(*g, f->tag, max);
        if (!tag)
                goto no;
        return contact_match_words(t, c, words, f->everywhere, ret);
no:
        *ret = false;
        return 0;
}

struct hit {
        struct contact *c;
        uint8_t *key; /* the idx_name key of the contact */
        size_t len;
};

struct hits {
        struct hit *v;
        size_t n;
        size_t cap;
};

static void hits_done(struct hits *h)
{
        for (size_t i = 0; i < h->n; i++) {
                contact_free(h->v[i].c);
                free(h->v[i].key);
        }
        free(h->v);
        *h = (struct hits){0};
}

/* Take ownership of c. */
static int hits_push(struct hits *h, struct contact *c, size_t max)
{
        uint8_t key[KEY_MAX];
        size_t len = key_normalize(strempty(c->name), strlen(strempty(c->name)), max, key);
        uint8_t *copy = malloc(len ? len : 1);

        if (!copy)
                goto fail;
        memcpy(copy, key, len);
        if (h->n == h->cap) {
                size_t cap = h->cap ? h->cap * 2 : 16;
                struct hit *p = reallocarray(h->v, cap, sizeof(struct hit));

                if (!p)
                        goto fail;
                h->v = p;
                h->cap = cap;
        }
        h->v[h->n++] = (struct hit){.c = c, .key = copy, .len = len};
        return 0;
fail:
        free(copy);
        contact_free(c);
        return -ENOMEM;
}

/* Same order as idx_name: memcmp of the lower-cased name (shorter first), then id. */
static int hit_cmp(const void *a, const void *b)
{
        const struct hit *x = a, *y = b;
        int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

        if (c)
                return c;
        if (x->len != y->len)
                return x->len < y->len ? -1 : 1;
        return x->c->id < y->c->id ? -1 : x->c->id > y->c->id;
}

/* Load the candidates, keep the matching ones, sort them by name and visit the first limit.
 * O(k log k) for k candidates, each decoded once. */
static int list_candidates(struct store_txn *t, struct idvec *ids, const struct contact_filter *f,
                           const struct ikeys *words, store_contact_cb cb, void *userdata)
{
        _cleanup_(hits_done) struct hits hits = {0};
        size_t max = t->store->max_key;
        int r;

        idvec_sort_uniq(ids);
        for (size_t i = 0; i < ids->n; i++) {
                struct contact *c = NULL;
                bool match;

                r = contact_load(t, ids->v[i], &c);
                if (r == -ENOENT) /* an index entry without its record: skip it */
                        continue;
                if (r < 0)
                        return r;
                r = contact_match(t, c, f, words, &match);
                if (r < 0 || !match) {
                        contact_free(c);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = hits_push(&hits, c, max);
                if (r < 0)
                        return r;
        }
        if (hits.n > 0)
                qsort_safe(hits.v, hits.n, sizeof(struct hit), hit_cmp);
        for (size_t i = 0; i < hits.n && (f->limit == 0 || i < f->limit); i++) {
                r = cb(hits.v[i].c, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

static int u64_bsearch_cmp(const void *key, const void *elem)
{
        uint64_t a = *(const uint64_t *)key, b = *(const uint64_t *)elem;

        return a < b ? -1 : a > b;
}

/* For a large candidate set and a small limit: walk idx_name in order and test membership in
 * the sorted candidate ids, decoding only members, until limit matches. About
 * limit × (contacts / candidates) cheap checks instead of decoding and sorting every
 * candidate. */
static int list_candidates_by_name(struct store_txn *t, struct idvec *ids,
                                   const struct contact_filter *f, const struct ikeys *words,
                                   store_contact_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_free_ uint64_t *bits = NULL;
        size_t seen = 0, words_n = 0;
        MDB_val k, v;
        int rc, r;

        idvec_sort_uniq(ids);
        /* Membership as a bitmap of the ids (128 KiB at a million): the walk may pass tens of
         * thousands of names before its first match, and a binary search for each was most of
         * the time of `find lovelace` at a million contacts. */
        if (ids->n > 0 && ids->v[ids->n - 1] / 64 < ids->n * 64) {
                words_n = ids->v[ids->n - 1] / 64 + 1;
                bits = calloc(words_n, sizeof(uint64_t));
                for (size_t i = 0; bits && i < ids->n; i++)
                        bits[ids->v[i] / 64] |= UINT64_C(1) << (ids->v[i] % 64);
        }
        r = cursor_open(t, DB_IDX_NAME, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && seen < f->limit;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                uint64_t id;
                bool match;

                r = val_to_id(&v, &id);
                if (r < 0)
                        return r;
                if (bits ? id / 64 >= words_n || !(bits[id / 64] >> (id % 64) & 1)
                         : !bsearch(&id, ids->v, ids->n, sizeof(uint64_t), u64_bsearch_cmp))
                        continue;
                r = contact_load(t, id, &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = contact_match(t, c, f, words, &match);
                if (r < 0)
                        return r;
                if (!match)
                        continue;
                seen++;
                r = cb(c, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

/* Walk `due` in order while due < until (has_until), visiting contacts matching f. */
/* after: a due key (DUE_KEY_LEN) the walk starts after, or NULL for the first. */
static int due_walk(struct store_txn *t, const uint8_t *after, bool has_until, int64_t until,
                    const struct contact_filter *f, const struct ikeys *words, size_t limit,
                    store_contact_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        size_t seen = 0;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_DUE, &cur);
        if (r < 0)
                return r;
        if (after) {
                k = (MDB_val){DUE_KEY_LEN, (void *)after};
                rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
                if (rc == 0 && k.mv_size == DUE_KEY_LEN &&
                    memcmp(k.mv_data, after, DUE_KEY_LEN) == 0)
                        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        } else
                rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        for (; rc == 0 && (limit == 0 || seen < limit);
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                bool match = true;

                if (k.mv_size != DUE_KEY_LEN)
                        return -EBADMSG;
                if (has_until && time_from_key(be64_get(k.mv_data)) >= until)
                        break;
                r = contact_load(t, be64_get((const uint8_t *)k.mv_data + 8), &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (f) {
                        r = contact_match(t, c, f, words, &match);
                        if (r < 0)
                                return r;
                }
                if (!match)
                        continue;
                seen++;
                r = cb(c, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

/* No filter: walk idx_name (name order, then id). */
static int name_walk(struct store_txn *t, size_t limit, store_contact_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        size_t seen = 0;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_IDX_NAME, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && (limit == 0 || seen < limit);
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                uint64_t id;

                r = val_to_id(&v, &id);
                if (r < 0)
                        return r;
                r = contact_load(t, id, &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                seen++;
                r = cb(c, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

/* Pick the requested network with the fewest members (an unknown bit has none). */
static int network_pick(struct store_txn *t, uint32_t networks, uint8_t *ret)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        size_t best = 0;
        bool found = false;
        int rc, r;

        r = cursor_open(t, DB_IDX_NETWORK, &cur);
        if (r < 0)
                return r;
        for (uint8_t n = 0; n < 32; n++) {
                MDB_val k = {1, &n}, v;
                size_t count = 0;

                if (!(networks & (1u << n)))
                        continue;
                rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
                if (rc == 0)
                        rc = mdb_cursor_count(cur, &count);
                if (rc && rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
                if (!found || count < best) {
                        best = count;
                        *ret = n;
                        found = true;
                }
        }
        return 0;
}

/* Keep the ids of sorted a that are in sorted b. */
static void idvec_intersect(struct idvec *a, const struct idvec *b)
{
        size_t i = 0, j = 0, w = 0;

        while (i < a->n && j < b->n) {
                if (a->v[i] < b->v[j])
                        i++;
                else if (a->v[i] > b->v[j])
                        j++;
                else {
                        a->v[w++] = a->v[i++];
                        j++;
                }
        }
        a->n = w;
}

/* a ∩ b into a; a sorted and unique, b (reordered) in any order and with repeats (a word's ids as
 * read: one sorted run per key of its prefix range). A bitmap of a and one pass over b: sorting b
 * and merging two ranges of tens of thousands was a third of a four-word find at a million
 * contacts. a stays sorted (what is left is sorted again: it is small). */
static int idvec_intersect_any(struct idvec *a, struct idvec *b)
{
        _cleanup_free_ uint64_t *bits = NULL;
        uint64_t max;
        size_t w = 0;

        if (a->n == 0)
                return 0;
        max = a->v[a->n - 1];
        if (max / 64 >= a->n * 64) { /* ids far apart (imported ones can be): sort and merge */
                idvec_sort_uniq(b);
                idvec_intersect(a, b);
                return 0;
        }
        bits = calloc(max / 64 + 1, sizeof(uint64_t));
        if (!bits)
                return -ENOMEM;
        for (size_t i = 0; i < a->n; i++)
                bits[a->v[i] / 64] |= UINT64_C(1) << (a->v[i] % 64);
        for (size_t j = 0; j < b->n; j++) {
                uint64_t id = b->v[j], bit = UINT64_C(1) << (id % 64);

                if (id > max || !(bits[id / 64] & bit))
                        continue;
                bits[id / 64] &= ~bit; /* once, whatever b repeats */
                a->v[w++] = id;
        }
        a->n = w;
        idvec_sort_uniq(a);
        return 0;
}

/* The ids having one word: its token range, and everywhere its text range too; sorted and
 * unique when sorted, else as read. */
static int word_ids(struct store_txn *t, const struct ikey *word, bool everywhere, bool sorted,
                    struct idvec *out)
{
        int r = index_prefix_ids(t, DB_IDX_TOKEN, word->data, word->len, out);

        if (r >= 0 && everywhere)
                r = text_prefix_collect(t, word->data, word->len, out);
        if (r >= 0 && sorted)
                idvec_sort_uniq(out);
        return r;
}

/* A word whose range is at most this many times the candidates is read and intersected;
 * a larger one is probed candidate by candidate (a few lookups each), and one with more
 * distinct keys than PROBE_KEYS_MAX is left to the check of each candidate's record. */
#define INTERSECT_RATIO 16
#define PROBE_KEYS_MAX  64

struct word_count {
        size_t w, n;
};

static int word_count_cmp(const void *a, const void *b)
{
        const struct word_count *x = a, *y = b;

        return x->n < y->n ? -1 : x->n > y->n;
}

/* Whether walking the name index and probing each person for every word (until limit match)
 * should cost less than reading the ranges: with common words and a small limit it visits
 * about limit × contacts / matches people, a few B-tree lookups each, where the ranges cost
 * an id each. Matches are estimated as if the words were independent. */
#define PROBE_COST 25 /* a probe of one word costs about this many ids read from a range */

static bool probe_walk_cheaper(struct store_txn *t, const struct word_count *order, size_t n,
                               size_t limit, size_t *ret_visits)
{
        double contacts, share = 1, matches, visits, walk, ranges = 0;
        MDB_stat st;

        if (mdb_stat(t->txn, dbi(t, DB_CONTACTS), &st) != 0 || st.ms_entries == 0)
                return false;
        contacts = (double)st.ms_entries;
        for (size_t i = 0; i < n; i++) {
                double w = (double)order[i].n;

                share *= w < contacts ? w / contacts : 1;
                /* The rarest is read whole; the others up to INTERSECT_RATIO times as much. */
                ranges += i == 0 ? w
                                 : (w < (double)order[0].n * INTERSECT_RATIO
                                        ? w
                                        : (double)order[0].n * INTERSECT_RATIO);
        }
        matches = contacts * share;
        if (matches < 1)
                return false;
        visits = (double)limit * contacts / matches;
        if (visits > contacts)
                visits = contacts;
        walk = visits * (double)n * 2 * PROBE_COST; /* a token and a text key per word */
        *ret_visits = (size_t)visits;
        return walk < ranges;
}

/* Candidates for the query words, narrowed by every word the indexes can answer for: drive
 * from the rarest (its range counted a key at a time), intersect with the ranges of words not
 * much larger, probe each candidate for the others. rest gets the words no index settled. */
static int candidates_by_words(struct store_txn *t, const struct ikeys *words, bool everywhere,
                               size_t limit, struct idvec *ids, struct ikeys *rest,
                               size_t *ret_walk)
{
        _cleanup_free_ struct word_count *order = calloc(words->n, sizeof(struct word_count));
        size_t best_n = SIZE_MAX;
        int r;

        if (!order)
                return -ENOMEM;
        for (size_t w = 0; w < words->n; w++) {
                size_t n = 0, m = 0;
                /* Beyond INTERSECT_RATIO × the best the exact count no longer matters. */
                size_t cap = best_n == SIZE_MAX || best_n > SIZE_MAX / INTERSECT_RATIO
                                 ? 0
                                 : best_n * INTERSECT_RATIO + 1;

                if (words->n > 1 || limit > 0) {
                        r = index_prefix_count(t, DB_IDX_TOKEN, words->v[w].data, words->v[w].len,
                                               cap, &n);
                        if (r >= 0 && everywhere && (cap == 0 || n < cap))
                                r = index_prefix_count(t, DB_IDX_TEXT, words->v[w].data,
                                                       words->v[w].len, cap ? cap - n : 0, &m);
                        if (r < 0)
                                return r;
                }
                order[w] = (struct word_count){.w = w, .n = n + m};
                if (n + m < best_n)
                        best_n = n + m;
        }
        qsort_safe(order, words->n, sizeof(struct word_count), word_count_cmp);
        if (limit > 0 && probe_walk_cheaper(t, order, words->n, limit, ret_walk))
                return 0;
        *ret_walk = 0;
        r = word_ids(t, &words->v[order[0].w], everywhere, true, ids);
        if (r < 0)
                return r;
        for (size_t o = 1; o < words->n; o++) {
                const struct ikey *word = &words->v[order[o].w];
                _cleanup_(word_probe_done) struct word_probe probe = {0};
                size_t keep = 0;

                if (ids->n == 0)
                        return 0;
                if (order[o].n <= ids->n * INTERSECT_RATIO) {
                        _cleanup_(idvec_done) struct idvec other = {0};

                        r = word_ids(t, word, everywhere, false, &other);
                        if (r >= 0)
                                r = idvec_intersect_any(ids, &other);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = word_probe_init(t, word->data, word->len, everywhere, PROBE_KEYS_MAX, &probe);
                if (r == -E2BIG) {
                        r = ikeys_add(rest, DB_IDX_TOKEN, word->data, word->len);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ids->n; i++) {
                        bool has;

                        r = word_probe_has(t, &probe, ids->v[i], &has);
                        if (r < 0)
                                return r;
                        if (has)
                                ids->v[keep++] = ids->v[i];
                }
                ids->n = keep;
        }
        return 0;
}

/* With a small limit and common words: walk the name index, probe each person for every word
 * and visit the first limit who have them all (and pass the other filters). The estimate
 * assumes the words are spread evenly in name order; a word of the names is not (every
 * "Lovelace" sorts after every "Ada Allen"), so after budget people without limit matches
 * it gives up before visiting anyone: -EAGAIN. -E2BIG: a word has too many keys to probe. */
static int list_by_name_probing(struct store_txn *t, const struct contact_filter *f,
                                const struct ikeys *words, size_t budget, store_contact_cb cb,
                                void *userdata)
{
        static const struct ikeys none = {0};
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_(idvec_done) struct idvec found = {0};
        struct word_probe *probes = calloc(words->n, sizeof(struct word_probe));
        size_t visited = 0;
        MDB_val k, v;
        int rc = 0, r = 0;

        if (!probes)
                return -ENOMEM;
        for (size_t w = 0; w < words->n && r >= 0; w++)
                r = word_probe_init(t, words->v[w].data, words->v[w].len, f->everywhere,
                                    PROBE_KEYS_MAX, &probes[w]);
        if (r >= 0)
                r = cursor_open(t, DB_IDX_NAME, &cur);
        for (rc = r >= 0 ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
             rc == 0 && r >= 0 && found.n < f->limit; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                bool has = true, match;
                uint64_t id;

                if (++visited > budget) {
                        r = -EAGAIN;
                        break;
                }
                r = val_to_id(&v, &id);
                for (size_t w = 0; r >= 0 && has && w < words->n; w++)
                        r = word_probe_has(t, &probes[w], id, &has);
                if (r < 0 || !has)
                        continue;
                r = contact_load(t, id, &c);
                if (r == -ENOENT) {
                        r = 0;
                        continue;
                }
                if (r >= 0)
                        r = contact_match(t, c, f, &none, &match);
                if (r < 0 || !match)
                        continue;
                r = idvec_push(&found, id);
        }
        if (r >= 0 && rc && rc != MDB_NOTFOUND)
                r = txn_err(t, rc);
        for (size_t i = 0; r >= 0 && i < found.n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;

                r = contact_load(t, found.v[i], &c);
                if (r >= 0)
                        r = cb(c, userdata);
                if (r != 0)
                        break;
        }
        for (size_t w = 0; w < words->n; w++)
                word_probe_done(&probes[w]);
        free(probes);
        return r;
}

int store_txn_contact_list(struct store_txn *t, const struct contact_filter *f, store_contact_cb cb,
                           void *userdata)
{
        static const struct contact_filter none = {0};
        _cleanup_(ikeys_done) struct ikeys words = {0}, rest = {0};
        _cleanup_(idvec_done) struct idvec ids = {0};
        const struct ikeys *verify = &words; /* the words each candidate is still checked for */
        size_t total, max = t->store->max_key;
        int r;

        if (!f)
                f = &none;
        if (f->tag && !*f->tag)
                return -EINVAL;
        if (f->text) {
                r = ikeys_add_words(&words, DB_IDX_TOKEN, f->text, max);
                if (r < 0)
                        return r;
        }

        if (f->due_before != 0)
                return due_walk(t, NULL, true, f->due_before, f, &words, f->limit, cb, userdata);

        if (f->tag) {
                uint8_t key[KEY_MAX];
                size_t len = key_normalize(f->tag, strlen(f->tag), max, key);
                MDB_stat st;

                /* A common tag and a small limit: walk the names and check each person, about
                 * limit × contacts / tagged of them, rather than read every tagged id (100,000
                 * for a tag on one person in ten at a million: 2 ms). The walk has a budget in
                 * case the tagged sort late; past it, the ids after all. */
                r = collect_exact(t, DB_IDX_TAG, key, len, 0, &ids, &total);
                if (r >= 0 && f->limit > 0 && total > 0 &&
                    mdb_stat(t->txn, dbi(t, DB_CONTACTS), &st) == 0 &&
                    (double)f->limit * (double)st.ms_entries < (double)total * (double)total) {
                        double walk = (double)f->limit * (double)st.ms_entries / (double)total;

                        r = list_by_name_probing(t, f, &words, (size_t)(4 * walk) + 1000, cb,
                                                 userdata);
                        if (r != -EAGAIN && r != -E2BIG) /* E2BIG: a word too wide to probe */
                                return r;
                        r = 0;
                }
                if (r >= 0)
                        r = collect_exact(t, DB_IDX_TAG, key, len, SIZE_MAX, &ids, &total);
        } else if (words.n > 0) {
                size_t walk = 0;

                r = candidates_by_words(t, &words, f->everywhere, f->limit, &ids, &rest, &walk);
                if (r >= 0 && walk) {
                        r = list_by_name_probing(t, f, &words, 4 * walk + 1000, cb, userdata);
                        if (r != -E2BIG && r != -EAGAIN)
                                return r;
                        r = candidates_by_words(t, &words, f->everywhere, 0, &ids, &rest, &walk);
                }
                if (r >= 0)
                        verify = &rest;
        } else if (f->networks) {
                uint8_t n = 0;

                r = network_pick(t, f->networks, &n);
                if (r >= 0)
                        r = collect_exact(t, DB_IDX_NETWORK, &n, 1, SIZE_MAX, &ids, &total);
        } else
                return name_walk(t, f->limit, cb, userdata);
        if (r < 0)
                return r;
        if (f->limit > 0 && ids.n > 0) {
                MDB_stat st;

                /* Name walk when limit × contacts / candidates < candidates (see above). */
                if (mdb_stat(t->txn, dbi(t, DB_CONTACTS), &st) == 0 &&
                    (double)f->limit * (double)st.ms_entries < (double)ids.n * (double)ids.n)
                        return list_candidates_by_name(t, &ids, f, verify, cb, userdata);
        }
        return list_candidates(t, &ids, f, verify, cb, userdata);
}

int store_txn_due_list(struct store_txn *t, int64_t until, size_t limit, store_contact_cb cb,
                       void *userdata)
{
        return due_walk(t, NULL, until != 0, until, NULL, NULL, limit, cb, userdata);
}

int store_txn_due_list_after(struct store_txn *t, int64_t after_due, uint64_t after_id,
                             int64_t until, size_t limit, store_contact_cb cb, void *userdata)
{
        uint8_t after[DUE_KEY_LEN];

        be64_put(after, time_to_key(after_due));
        be64_put(after + 8, after_id);
        return due_walk(t, after, until != 0, until, NULL, NULL, limit, cb, userdata);
}

int store_txn_due_first(struct store_txn *t, int64_t *ret_due, uint64_t *ret_id)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_DUE, &cur);
        if (r < 0)
                return r;
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        if (rc)
                return txn_err(t, rc);
        if (k.mv_size != DUE_KEY_LEN)
                return -EBADMSG;
        *ret_due = time_from_key(be64_get(k.mv_data));
        *ret_id = be64_get((const uint8_t *)k.mv_data + 8);
        return 0;
}

/* ---- due counts ----
 * How many are due before a moment, at a million contacts, without walking half a million
 * keys: due_counts holds the number of `due` entries per bucket of about 18 hours, kept by
 * every put and delete of a due entry (index_put/index_del, so contact writes, deletions,
 * undo and imports alike); tend check recomputes it from the due entries. A count adds the
 * buckets before the one `until` falls in (a few hundred small entries) and walks the keys
 * of that one bucket. */

int due_count_add(struct store_txn *t, const uint8_t *due_key, int64_t delta)
{
        uint8_t key[8], val[8];
        MDB_val k = {sizeof(key), key}, v;
        uint64_t n = 0;
        int rc;

        be64_put(key, be64_get(due_key) >> DUE_BUCKET_SHIFT);
        rc = mdb_get(t->txn, dbi(t, DB_DUE_COUNTS), &k, &v);
        if (rc == 0 && v.mv_size == sizeof(val))
                n = be64_get(v.mv_data);
        else if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        /* A count never goes below zero: a store whose counts disagree with its due index
         * (tend check says so, --repair rewrites them) must not wrap around. */
        n = delta < 0 && n < (uint64_t)-delta ? 0 : n + (uint64_t)delta;
        if (n == 0) {
                rc = mdb_del(t->txn, dbi(t, DB_DUE_COUNTS), &k, NULL);
                return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
        }
        be64_put(val, n);
        v = (MDB_val){sizeof(val), val};
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_DUE_COUNTS), &k, &v, 0));
}

int store_txn_due_count(struct store_txn *t, int64_t until, uint64_t *ret)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint64_t n = 0, limit = time_to_key(until), bucket = limit >> DUE_BUCKET_SHIFT;
        uint8_t start[8];
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_DUE_COUNTS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size != 8 || v.mv_size != 8)
                        return -EBADMSG;
                if (be64_get(k.mv_data) >= bucket)
                        break;
                n += be64_get(v.mv_data);
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        mdb_cursor_close(cur);
        cur = NULL;

        /* The bucket `until` is in: its keys, from the bucket's first instant. */
        r = cursor_open(t, DB_DUE, &cur);
        if (r < 0)
                return r;
        be64_put(start, bucket << DUE_BUCKET_SHIFT);
        k = (MDB_val){sizeof(start), start};
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size != DUE_KEY_LEN)
                        return -EBADMSG;
                if (be64_get(k.mv_data) >= limit)
                        break;
                n++;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret = n;
        return 0;
}

/* ==== schema 4 → 5: due_counts, from the due index ==== */
int store_migrate_due_counts(struct store_txn *t)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_DUE, &cur);
        if (r < 0)
                return r;
        rc = mdb_drop(t->txn, dbi(t, DB_DUE_COUNTS), 0);
        if (rc)
                return txn_err(t, rc);
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size != DUE_KEY_LEN)
                        continue; /* tend check reports it */
                r = due_count_add(t, k.mv_data, 1);
                if (r < 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

/* ---- interactions ---- */

static void interaction_key(uint8_t key[static INTERACTION_KEY_LEN], uint64_t contact_id,
                            int64_t at, uint32_t seq)
{
        be64_put(key, contact_id);
        be64_put(key + 8, time_to_key(at));
        be32_put(key + 16, seq);
}

int store_txn_interaction_add(struct store_txn *t, struct interaction *i)
{
        _cleanup_free_ uint8_t *buf = NULL;
        struct interaction tmp = *i; /* shallow: only id, seq and uuid differ; never freed */
        uint8_t key[INTERACTION_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        size_t len;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = contact_exists(t, i->contact_id);
        if (r < 0)
                return r;
        if (tmp.uuid[0]) {
                r = uuid_normalize(i->uuid, tmp.uuid);
                if (r < 0)
                        return r;
        } else {
                r = uuid_generate_v4(tmp.uuid);
                if (r < 0)
                        return r;
        }
        if (tmp.id) {
                struct interaction *taken = NULL;

                r = store_txn_interaction_get_id(t, tmp.id, &taken);
                interaction_free(taken);
                if (r >= 0)
                        return -EEXIST;
                if (r != -ENOENT)
                        return r;
        }
        r = interaction_id_assign(t, &tmp);
        if (r < 0)
                return r;
        r = interaction_seq_next(t, i->contact_id, i->at, &tmp.seq);
        if (r < 0)
                return r;

        r = codec_interaction_encode(&tmp, &buf, &len);
        if (r < 0)
                return r;
        interaction_key(key, tmp.contact_id, tmp.at, tmp.seq);
        v = (MDB_val){len, buf};
        r = txn_err(t, rec_put(t, DB_INTERACTIONS, &k, &v, MDB_NOOVERWRITE));
        if (r < 0)
                return r;
        r = store_goals_interaction_added(t, &tmp);
        if (r < 0)
                return r;
        r = interaction_indexed(t, &tmp, key);
        if (r >= 0)
                r = interaction_group_written(t, &tmp);
        if (r < 0)
                return r;
        i->id = tmp.id;
        i->seq = tmp.seq;
        memcpy(i->uuid, tmp.uuid, sizeof(i->uuid));
        return 0;
}

static int interaction_from(const MDB_val *key, const MDB_val *val, struct interaction **ret)
{
        const uint8_t *kp = key->mv_data;
        struct interaction *i = NULL;
        int r;

        r = codec_interaction_decode(val->mv_data, val->mv_size, &i);
        if (r < 0)
                return r;
        i->contact_id = be64_get(kp);
        i->at = time_from_key(be64_get(kp + 8));
        i->seq = be32_get(kp + 16);
        *ret = i;
        return 0;
}

int store_interaction_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                              const MDB_val *new)
{
        _cleanup_(interaction_freep) struct interaction *a = NULL, *b = NULL;
        int r;

        if (key->mv_size != INTERACTION_KEY_LEN)
                return -EBADMSG;
        if (old) {
                r = interaction_from(key, old, &a);
                if (r < 0)
                        return r;
                r = store_goals_interaction_removed(t, a);
                if (r < 0)
                        return r;
                r = interaction_unindexed(t, a);
                if (r < 0)
                        return r;
        }
        if (new) {
                r = interaction_from(key, new, &b);
                if (r < 0)
                        return r;
                r = store_goals_interaction_added(t, b);
                if (r < 0)
                        return r;
                r = interaction_indexed(t, b, key->mv_data);
                if (r < 0)
                        return r;
        }
        return 0;
}

int store_txn_interaction_list(struct store_txn *t, uint64_t contact_id, size_t limit,
                               store_interaction_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t prefix[ID_KEY_LEN], after[ID_KEY_LEN];
        MDB_val k, v;
        size_t seen = 0;
        int rc, r;

        be64_put(prefix, contact_id);
        r = cursor_open(t, DB_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        /* Position on the first key after this contact's range, then walk backwards. */
        if (contact_id == UINT64_MAX)
                rc = MDB_NOTFOUND;
        else {
                be64_put(after, contact_id + 1);
                k = (MDB_val){sizeof(after), after};
                rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        }
        if (rc == 0)
                rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
        else if (rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        for (; rc == 0 && (limit == 0 || seen < limit);
             rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
                _cleanup_(interaction_freep) struct interaction *i = NULL;
                const uint8_t *kp = k.mv_data;

                if (k.mv_size < sizeof(prefix) || memcmp(kp, prefix, sizeof(prefix)) != 0)
                        break;
                if (k.mv_size != INTERACTION_KEY_LEN)
                        return -EBADMSG;
                r = codec_interaction_decode(v.mv_data, v.mv_size, &i);
                if (r < 0)
                        return r;
                i->contact_id = contact_id;
                i->at = time_from_key(be64_get(kp + 8));
                i->seq = be32_get(kp + 16);
                seen++;
                r = cb(i, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

int store_txn_interaction_count(struct store_txn *t, uint64_t contact_id, uint64_t *ret)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t prefix[ID_KEY_LEN];
        MDB_val k = {sizeof(prefix), prefix}, v;
        uint64_t n = 0;
        int rc, r;

        be64_put(prefix, contact_id);
        r = cursor_open(t, DB_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size < sizeof(prefix) || memcmp(k.mv_data, prefix, sizeof(prefix)) != 0)
                        break;
                n++;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret = n;
        return 0;
}
