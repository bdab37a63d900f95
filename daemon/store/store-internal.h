/* Internals of the LMDB store shared by its source files (store.c and the store-*.c files
 * that add databases for later features). Nothing outside the store includes this. */
#pragma once

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "store.h"
#include "util.h"

#define DEFAULT_MAP_SIZE     ((size_t)64 << 20)
#define DEFAULT_MAX_MAP_SIZE ((size_t)64 << 30)
#define KEY_MAX              511  /* LMDB's default maximum key (and DUPSORT value) size */
#define RESIZE_RETRIES       16   /* MDB_MAP_RESIZED loops before giving up */
#define RESOLVE_COUNT_SLACK  1000 /* prefix candidates counted beyond max */
#define ID_KEY_LEN           8
#define DUE_KEY_LEN          16 /* due time ‖ contact id */
/* due_counts buckets: the due key's time (offset) >> 16, about 18 hours each */
#define DUE_BUCKET_SHIFT     16
#define INTERACTION_KEY_LEN  20                                /* contact id ‖ time ‖ seq */
#define TOMBSTONE_LEN        9                                 /* type byte ‖ deletion time */
#define TOMBSTONE_MERGED_LEN (TOMBSTONE_LEN + UUID_STRING_LEN) /* ‖ uuid merged into */

#define META_SCHEMA              "schema"
#define META_NEXT_ID             "next_id"
#define META_NEXT_INTERACTION_ID "next_interaction_id"

enum db {
        DB_META,
        DB_CONTACTS,
        DB_INTERACTIONS,
        DB_DUE,
        DB_IDX_NAME,
        DB_IDX_TOKEN,
        DB_IDX_EMAIL,
        DB_IDX_TAG,
        DB_IDX_NETWORK,
        DB_IDX_UUID,
        DB_TOMBSTONES,
        /* issue 4: store-goals.c */
        DB_GOALS,
        DB_GOAL_LINKS,
        DB_CONTACT_GOALS,
        DB_INTROS,
        DB_IDX_INTRO,
        DB_SETTINGS,
        /* issue 3: store-sched.c */
        DB_SCHED,
        /* issue 4: store-goals.c, goal id → interaction key (interactions toward a goal) */
        DB_GOAL_INTERACTIONS,
        /* store-interactions.c: global interaction id → interaction key; kind → count */
        DB_INTERACTION_IDS,
        DB_KINDS,
        /* store-journal.c: the undo journal */
        DB_JOURNAL,
        /* store-text.c: folded word of interaction, goal and goal-link text → owner ‖ ref */
        DB_IDX_TEXT,
        /* store-capture.c: captured mail and calendar keys → interaction id; reader state */
        DB_CAPTURED,
        /* schema 5: bucket of due time (DUE_BUCKET_SHIFT) → u64 number of due entries in it,
         * kept beside every `due` entry written or removed (status counts without a scan) */
        DB_DUE_COUNTS,
        _DB_MAX,
};

struct store {
        MDB_env *env;
        MDB_dbi dbi[_DB_MAX];
        char *dir;
        size_t map_size;
        size_t max_map_size;
        size_t max_key; /* longest index key we write: min(KEY_MAX, LMDB's limit) */
        bool broken;
        uint64_t changed_since_release; /* people changed by commits since the last release */
        bool broken_reported;           /* the observer heard of it */
        struct store_observer observer;
        /* A backup copies on a thread of its own while the loop goes on: LMDB remaps the
         * environment when the map grows, which readers on other threads must not see. The
         * copy holds this for reading, a map resize for writing. */
        pthread_rwlock_t resize_lock;
        int64_t (*clock)(void *userdata); /* the journal's clock (store_options) */
        uint32_t upgraded_from;           /* the schema store_open upgraded, 0: none */
        struct store_snapshot *snapshots; /* read transactions kept open (store_snapshot_*) */
        void *clock_userdata;
};

/* A write transaction's journal state (store-journal.c). */
struct journal_txn {
        uint64_t seq;     /* the entry this write records into; 0: none begun yet */
        uint64_t first;   /* the oldest entry kept, read when the entry began */
        uint64_t records; /* before-images taken */
        bool off;         /* store_txn_no_journal: bookkeeping, not a change */
        bool restoring;   /* undo/redo writes the images itself */
        bool unrecorded;  /* the disk is full: an entry without images (store_write) */
        char desc[STORE_JOURNAL_DESC_MAX];
        char backup[STORE_JOURNAL_PATH_MAX]; /* too large to journal: a backup was written */
};

struct store_txn {
        struct store *store;
        MDB_txn *txn;
        bool write;
        bool map_full; /* some operation hit MDB_MAP_FULL: store_write grows and re-runs */
        struct index_queue *queue;    /* store-queue.c; NULL until an index write is queued */
        struct store_changes changes; /* for the observer, after the commit (store-changes.c) */
        struct journal_txn journal;
};

/* ---- record writes and the journal (store-journal.c) ----
 * Every write to a record database (contacts, interactions, goals, goal_links, intros,
 * settings, tombstones; the rest are indexes derived from them, and meta holds counters)
 * goes through rec_put / rec_del: the journal takes the record's before-image first, so
 * every writer is covered without knowing of it. They return LMDB codes, like mdb_put and
 * mdb_del. */
int rec_put(struct store_txn *t, enum db db, MDB_val *k, MDB_val *v, unsigned flags);
int rec_del(struct store_txn *t, enum db db, MDB_val *k);
/** Write the entry's header, state and pruning; store_write calls it before the commit. */
int journal_finish(struct store_txn *t);
/** Keep the state of a store written before the journal (the schema upgrade). */
int journal_init(struct store_txn *t);
/** Check the journal (store-check.c): its state readable, its entries in sequence within it,
 * each header readable, each image after its header, of a record database and decodable.
 * Counts entries and problems; returns 0 or -errno. */
int journal_check(struct store_txn *t, uint64_t *ret_entries, uint64_t *ret_problems);
/** Drop every journal entry (a repair of a journal that fails the check); undo then has
 * nothing to take back, and the sequence goes on. */
int journal_reset(struct store_txn *t);

/* What undo and redo call to move a record's derived index entries (and the change set)
 * from old to new; old or new NULL: absent. The same functions the record's own put and
 * delete use, so a restored record is indexed exactly as a written one. */
int store_contact_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                          const MDB_val *new);
int store_interaction_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                              const MDB_val *new);
int store_goal_link_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                            const MDB_val *new);
int store_goal_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                       const MDB_val *new);
int store_intro_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                        const MDB_val *new);

/** Add delta to the due_counts bucket of a `due` key (store.c): every put and delete of a due
 * entry calls it. */
int due_count_add(struct store_txn *t, const uint8_t *due_key, int64_t delta);

/* store-changes.c: collecting a write's change set. */
/** Contact contact_id (or its interactions) changed in this write. */
void store_changes_person(struct store_txn *t, uint64_t contact_id);
void store_changes_contact(struct store_txn *t, const struct contact *old,
                           const struct contact *new);
void store_changes_reset(struct store_changes *ch);
/** After a commit (ok) or an abort: hand the set to the observer when ok, then reset it. */
void store_changes_finish(struct store *s, struct store_changes *ch, bool ok);
/** Tell the observer once that the store is broken. */
void store_report_broken(struct store *s);

/* ---- small helpers ---- */

static inline void be32_put(uint8_t *p, uint32_t v)
{
        for (int i = 3; i >= 0; i--, v >>= 8)
                p[i] = (uint8_t)v;
}

static inline void be64_put(uint8_t *p, uint64_t v)
{
        for (int i = 7; i >= 0; i--, v >>= 8)
                p[i] = (uint8_t)v;
}

static inline uint32_t be32_get(const uint8_t *p)
{
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t be64_get(const uint8_t *p)
{
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v = (v << 8) | p[i];
        return v;
}

/* Times in keys: int64 offset by 2^63, so memcmp order is numeric order, negatives first. */
static inline uint64_t time_to_key(int64_t t)
{
        uint64_t u;

        memcpy(&u, &t, sizeof(u));
        return u ^ (UINT64_C(1) << 63);
}

static inline int64_t time_from_key(uint64_t k)
{
        int64_t t;

        k ^= UINT64_C(1) << 63;
        memcpy(&t, &k, sizeof(t));
        return t;
}

static inline bool is_word_byte(uint8_t b)
{
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
               b >= 0x80;
}

static inline uint8_t ascii_lower(uint8_t b)
{
        return (b >= 'A' && b <= 'Z') ? (uint8_t)(b - 'A' + 'a') : b;
}

/* Fold s into buf (text_fold) and cut at a UTF-8 boundary so the result fits max bytes.
 * buf holds at least max bytes. Returns the length. */
static inline size_t key_normalize(const char *s, size_t len, size_t max, uint8_t *buf)
{
        return text_fold(s, len, (char *)buf, max);
}

static inline void cursor_closep(MDB_cursor **c)
{
        if (*c)
                mdb_cursor_close(*c);
}

/* The one place LMDB return codes become -errno. t may be NULL. */
static inline int lmdb_errno(struct store *s, struct store_txn *t, int rc)
{
        switch (rc) {
        case MDB_SUCCESS:
                return 0;
        case MDB_NOTFOUND:
                return -ENOENT;
        case MDB_KEYEXIST:
                return -EEXIST;
        case MDB_MAP_FULL:
                if (t)
                        t->map_full = true;
                return -ENOSPC;
        case MDB_PANIC:
                if (s)
                        s->broken = true;
                return -EIO;
        case MDB_CORRUPTED:
        case MDB_PAGE_NOTFOUND:
        case MDB_INVALID:
        case MDB_PAGE_FULL:
        case MDB_CURSOR_FULL:
                return -EBADMSG;
        case MDB_READERS_FULL:
                return -EBUSY;
        case MDB_BAD_VALSIZE:
                return -E2BIG;
        case MDB_MAP_RESIZED:
                return -EAGAIN;
        case MDB_TXN_FULL:
                return -ENOBUFS;
        case MDB_DBS_FULL:
        case MDB_TLS_FULL:
                return -EMFILE;
        case MDB_VERSION_MISMATCH:
        case MDB_INCOMPATIBLE:
                return -EPROTO;
        case MDB_BAD_RSLOT:
        case MDB_BAD_TXN:
        case MDB_BAD_DBI:
                return -EINVAL;
        default:
                return rc > 0 ? -rc : -EIO;
        }
}

static inline int txn_err(struct store_txn *t, int rc)
{
        return lmdb_errno(t->store, t, rc);
}

/* Writes inside store_read fail clearly instead of with LMDB's EACCES. */
static inline int txn_writable(const struct store_txn *t)
{
        return t->write ? 0 : -EROFS;
}

static inline MDB_dbi dbi(struct store_txn *t, enum db db)
{
        return t->store->dbi[db];
}

/* ---- queued index writes (store-queue.c) ----
 * Write transactions queue their entries in the indexes nothing looks up while writing
 * (search tokens, tags, networks, due, sched) and apply them sorted: at commit, or before
 * anything reads such a database in the same transaction (cursor_open is that barrier, so
 * a transaction always reads its own writes). */
bool index_queue_defers(enum db db);
/* Queue putting (put) or deleting the entry key → id; DUPSORT databases store id as the
 * value, the others (due, sched) an empty value. */
int index_queue_add(struct store_txn *t, enum db db, const void *key, size_t len, uint64_t id,
                    bool put);
int index_queue_flush(struct store_txn *t, enum db db);
int index_queue_flush_all(struct store_txn *t);
void index_queue_free(struct store_txn *t);

static inline int cursor_open(struct store_txn *t, enum db db, MDB_cursor **ret)
{
        int r = index_queue_flush(t, db);

        if (r < 0)
                return r;
        return txn_err(t, mdb_cursor_open(t->txn, dbi(t, db), ret));
}

/* The 8-byte big-endian id stored as a value (indexes, idx_uuid). */
static inline int val_to_id(const MDB_val *v, uint64_t *ret)
{
        if (v->mv_size != ID_KEY_LEN)
                return -EBADMSG;
        *ret = be64_get(v->mv_data);
        return 0;
}

/* ---- what a contact record gives its indexes (store.c, for store-check.c) ---- */

typedef int (*store_index_entry_cb)(enum db db, const void *key, size_t klen, const void *val,
                                    size_t vlen, void *userdata);

/** Call cb for every index entry (database, key, value) that contact c stored under id has:
 * the same entries store_txn_contact_put writes, sorted by database then key. */
int store_contact_index_entries(const struct contact *c, uint64_t id, size_t max,
                                store_index_entry_cb cb, void *userdata);

/** Whether a database keeps several values per key (the DUPSORT indexes). */
bool store_db_is_dupsort(enum db db);

/** The name of a database ("idx_name"). */
const char *store_db_name(enum db db);

/** A counter in meta (next contact, goal, intro or interaction id): 1 when never set. */
int store_counter_get(struct store_txn *t, const char *name, uint64_t *ret);
int store_counter_put(struct store_txn *t, const char *name, uint64_t next);

/* ---- interactions (store-interactions.c) ---- */

static inline void interaction_key_make(uint8_t key[static INTERACTION_KEY_LEN],
                                        uint64_t contact_id, int64_t at, uint32_t seq)
{
        be64_put(key, contact_id);
        be64_put(key + 8, time_to_key(at));
        be32_put(key + 16, seq);
}

/** Give i an id before it is first written: i->id when non-zero and free (a restore keeps
 * its ids), else the next one of the counter. The counter always moves past i->id. */
int interaction_id_assign(struct store_txn *t, struct interaction *i);

/** The seq a new record of contact_id at time at gets: one past the highest there. */
int interaction_seq_next(struct store_txn *t, uint64_t contact_id, int64_t at, uint32_t *ret);

/** The side tables every write of an interaction record keeps: the id index (i->id → key)
 * and the count of i->kind. Called by every path that writes a new record or removes one. */
int interaction_indexed(struct store_txn *t, const struct interaction *i,
                        const uint8_t key[static INTERACTION_KEY_LEN]);
int interaction_unindexed(struct store_txn *t, const struct interaction *i);

/** Schema 1 → 2, interaction part: ids for every interaction (oldest first), their index and
 * the kind counts. Run once from the store's migration at open. */
int store_migrate_interaction_ids(struct store_txn *t);

/* A group interaction's entries under its other people (store-interactions.c): written after
 * the record is (add, update, exact put), removed with it (update, delete, the person's
 * removal). Not from the index hooks: an undo replays the entries as the records they are. */
int interaction_group_written(struct store_txn *t, const struct interaction *i);
int interaction_group_removed(struct store_txn *t, const struct interaction *i);

/** Schema 2 → 3 (store-sched.c): re-key the sched index as time ‖ id ‖ event. */
int store_migrate_sched_events(struct store_txn *t);
/** Schema 4 → 5: due_counts from the due index (store.c). */
int store_migrate_due_counts(struct store_txn *t);

/* ---- the text index (store-text.c) ---- */

struct goal;
struct goal_link;

/* Folded query words, each a prefix to look for. */
struct text_words {
        size_t n;
        const uint8_t *const *data;
        const size_t *len;
};

/* Add (add) or remove the idx_text entries of a record. */
int text_index_interaction(struct store_txn *t, const struct interaction *i, bool add);
int text_index_goal(struct store_txn *t, const struct goal *g, bool add);
int text_index_link(struct store_txn *t, const struct goal_link *l, bool add);
/* The idx_text entries those records give (store-check.c), in no particular order. */
int text_entries_interaction(const struct interaction *i, size_t max, store_index_entry_cb cb,
                             void *userdata);
int text_entries_goal(const struct goal *g, size_t max, store_index_entry_cb cb, void *userdata);
int text_entries_link(const struct goal_link *l, size_t max, store_index_entry_cb cb,
                      void *userdata);

/* Entries of a DUPSORT index under keys starting with word, counted a key at a time until
 * count_max (0 = all). Entries of idx_text under such keys collected as contact ids (a goal's
 * entries as its linked people), unsorted. */
int index_prefix_count(struct store_txn *t, enum db db, const uint8_t *word, size_t len,
                       size_t count_max, size_t *ret);
struct idvec;
/* The ids under keys of a DUPSORT | DUPFIXED id index (idx_token) starting with word. */
int index_prefix_ids(struct store_txn *t, enum db db, const uint8_t *word, size_t len,
                     struct idvec *out);
int text_prefix_collect(struct store_txn *t, const uint8_t *word, size_t len, struct idvec *out);

/* One query word's keys (idx_token, then idx_text), to test candidates one by one: a few
 * B-tree lookups per candidate instead of reading the word's whole range. */
struct word_probe {
        MDB_cursor *tok, *txt, *goals; /* kept open across candidates */
        MDB_val *keys;
        size_t n_tok, n_txt, keys_cap;
        uint8_t *buf;
        size_t buf_len, buf_cap;
};

/* -E2BIG when the word prefixes more than limit distinct keys (probing would cost more). */
int word_probe_init(struct store_txn *t, const uint8_t *word, size_t len, bool text, size_t limit,
                    struct word_probe *p);
int word_probe_has(struct store_txn *t, const struct word_probe *p, uint64_t id, bool *ret);
void word_probe_done(struct word_probe *p);

/* Mark in found[w] the words matched anywhere in contact c's record, history and goals; when
 * cb is set, report every place that matched (the record first, then each interaction and
 * goal). Without cb the history is read only if the record left a word unmatched. */
int store_txn_contact_text_matches(struct store_txn *t, const struct contact *c,
                                   const struct text_words *words, bool *found,
                                   store_text_match_cb cb, void *userdata);

/* Schema 2 → 3: build idx_text from every interaction, goal and goal link. */
int store_migrate_text_index(struct store_txn *t);

/* store-capture.c: schema 3 → 4, the captured database (keys of interactions with a source). */
int store_migrate_captured(struct store_txn *t);

/* ---- growable arrays ---- */

struct idvec {
        uint64_t *v;
        size_t n;
        size_t cap;
};

static inline void idvec_done(struct idvec *v)
{
        free(v->v);
        *v = (struct idvec){0};
}

static inline int idvec_push(struct idvec *v, uint64_t id)
{
        if (v->n == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 16;
                uint64_t *p = reallocarray(v->v, cap, sizeof(uint64_t));

                if (!p)
                        return -ENOMEM;
                v->v = p;
                v->cap = cap;
        }
        v->v[v->n++] = id;
        return 0;
}

static inline int u64_cmp(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

static inline void idvec_sort_uniq(struct idvec *v)
{
        size_t w = 0;

        bool sorted = true;

        if (v->n == 0)
                return;
        /* Ids from one index key come sorted: then only duplicates go. */
        for (size_t i = 1; i < v->n && sorted; i++)
                sorted = v->v[i - 1] <= v->v[i];
        if (!sorted)
                qsort(v->v, v->n, sizeof(uint64_t), u64_cmp);
        for (size_t r = 1; r < v->n; r++)
                if (v->v[r] != v->v[w])
                        v->v[++w] = v->v[r];
        v->n = w + 1;
}
