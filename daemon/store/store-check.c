/* Checking and repairing the store; see store-check.h.
 *
 * One walk of each record database computes every entry the indexes should hold, as sorted
 * sets of (key, value) in LMDB's own order (bytes compared, shorter first); the check then
 * walks each index beside its set, and the repair drops each index and writes its set. */
#include "store-check.h"
#include "store-internal.h"
#include "store-testing.h"

#include "codec.h"
#include "store-goals.h"
#include "store-sched.h"

#define META_NEXT_GOAL_ID  "next_goal_id"
#define META_NEXT_INTRO_ID "next_intro_id"
#define LINK_KEY_LEN       16 /* goal id ‖ contact id */

static const enum db check_db[_STORE_CHECK_INDEX_MAX] = {
    [STORE_CHECK_IDX_NAME] = DB_IDX_NAME,
    [STORE_CHECK_IDX_TOKEN] = DB_IDX_TOKEN,
    [STORE_CHECK_IDX_EMAIL] = DB_IDX_EMAIL,
    [STORE_CHECK_IDX_TAG] = DB_IDX_TAG,
    [STORE_CHECK_IDX_NETWORK] = DB_IDX_NETWORK,
    [STORE_CHECK_IDX_UUID] = DB_IDX_UUID,
    [STORE_CHECK_DUE] = DB_DUE,
    [STORE_CHECK_SCHED] = DB_SCHED,
    [STORE_CHECK_CONTACT_GOALS] = DB_CONTACT_GOALS,
    [STORE_CHECK_IDX_INTRO] = DB_IDX_INTRO,
    [STORE_CHECK_GOAL_INTERACTIONS] = DB_GOAL_INTERACTIONS,
    [STORE_CHECK_INTERACTION_IDS] = DB_INTERACTION_IDS,
    [STORE_CHECK_KINDS] = DB_KINDS,
    [STORE_CHECK_IDX_TEXT] = DB_IDX_TEXT,
};

const char *store_check_index_name(enum store_check_index i)
{
        if (i < 0 || i >= _STORE_CHECK_INDEX_MAX)
                return NULL;
        return store_db_name(check_db[i]);
}

uint64_t store_check_problems(const struct store_check_report *r)
{
        uint64_t n = r->unreadable + r->shadowing_tombstones + r->dangling + r->counters +
                     r->journal_problems;

        if (!r->schema_known)
                n++;
        for (size_t i = 0; i < _STORE_CHECK_INDEX_MAX; i++)
                n += r->index[i].missing + r->index[i].extra + r->index[i].wrong;
        return n;
}

/* ---- sets of (key, value) entries ---- */

struct entry {
        const uint8_t *key, *val;
        uint32_t klen, vlen;
};

/* Entry bytes live in chunks that never move. */
struct chunk {
        struct chunk *next;
        size_t used, cap;
        uint8_t data[];
};

#define CHUNK_SIZE (256 * 1024)

struct entryset {
        struct entry *v;
        size_t n, cap;
        struct chunk *chunks;
};

static void entryset_done(struct entryset *s)
{
        while (s->chunks) {
                struct chunk *next = s->chunks->next;

                free(s->chunks);
                s->chunks = next;
        }
        free(s->v);
        *s = (struct entryset){0};
}

static uint8_t *entryset_bytes(struct entryset *s, size_t len)
{
        struct chunk *c = s->chunks;

        if (!c || c->cap - c->used < len) {
                size_t cap = len > CHUNK_SIZE ? len : CHUNK_SIZE;

                c = malloc(sizeof(*c) + cap);
                if (!c)
                        return NULL;
                *c = (struct chunk){.next = s->chunks, .cap = cap};
                s->chunks = c;
        }
        c->used += len;
        return c->data + c->used - len;
}

static int entryset_add(struct entryset *s, const void *key, size_t klen, const void *val,
                        size_t vlen)
{
        uint8_t *p;

        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                struct entry *v = reallocarray(s->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        p = entryset_bytes(s, klen + vlen);
        if (!p)
                return -ENOMEM;
        memcpy(p, key, klen);
        if (vlen)
                memcpy(p + klen, val, vlen);
        s->v[s->n++] = (struct entry){.key = p, .val = p + klen, .klen = klen, .vlen = vlen};
        return 0;
}

/* LMDB's default order: bytes, then the shorter first. */
static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
        int c = memcmp(a, b, alen < blen ? alen : blen);

        if (c)
                return c;
        return alen < blen ? -1 : alen > blen;
}

static int entry_cmp(const void *a, const void *b)
{
        const struct entry *x = a, *y = b;
        int c = bytes_cmp(x->key, x->klen, y->key, y->klen);

        return c ? c : bytes_cmp(x->val, x->vlen, y->val, y->vlen);
}

static void entryset_sort_uniq(struct entryset *s)
{
        size_t w = 0;

        if (s->n == 0)
                return;
        qsort_safe(s->v, s->n, sizeof(*s->v), entry_cmp);
        for (size_t r = 1; r < s->n; r++)
                if (entry_cmp(&s->v[r], &s->v[w]) != 0)
                        s->v[++w] = s->v[r];
        s->n = w + 1;
}

/* ---- what the records say ---- */

struct uuidvec {
        char (*v)[UUID_STRING_LEN + 1];
        size_t n, cap;
};

static void uuidvec_done(struct uuidvec *u)
{
        free(u->v);
        *u = (struct uuidvec){0};
}

static int uuidvec_push(struct uuidvec *u, const char *uuid)
{
        if (!uuid[0])
                return 0;
        if (u->n == u->cap) {
                size_t cap = u->cap ? u->cap * 2 : 64;
                void *p = reallocarray(u->v, cap, sizeof(*u->v));

                if (!p)
                        return -ENOMEM;
                u->v = p;
                u->cap = cap;
        }
        memcpy(u->v[u->n++], uuid, UUID_STRING_LEN + 1);
        return 0;
}

static int uuid_cmp(const void *a, const void *b)
{
        return strcmp(a, b);
}

/* What one walk of the records found. */
struct derived {
        struct entryset set[_STORE_CHECK_INDEX_MAX];
        struct idvec contacts, goals;  /* ids in use, sorted (walked in key order) */
        struct uuidvec live;           /* every live record's uuid, sorted at the end */
        uint64_t max_interaction_id;   /* 0: none */
        struct idvec dangling_links;   /* goal_links keys as (goal, contact) pairs */
        struct idvec dangling_intros;  /* intro ids */
        struct entryset dangling_ixns; /* interaction keys of contacts that are gone */
        struct store_check_report *report;
        size_t max_key;
};

static void derived_done(struct derived *d)
{
        for (size_t i = 0; i < _STORE_CHECK_INDEX_MAX; i++)
                entryset_done(&d->set[i]);
        idvec_done(&d->contacts);
        idvec_done(&d->goals);
        uuidvec_done(&d->live);
        idvec_done(&d->dangling_links);
        idvec_done(&d->dangling_intros);
        entryset_done(&d->dangling_ixns);
}

static bool idvec_has(const struct idvec *v, uint64_t id)
{
        return bsearch(&id, v->v, v->n, sizeof(uint64_t), u64_cmp) != NULL;
}

static int set_of_db(enum db db)
{
        for (int i = 0; i < _STORE_CHECK_INDEX_MAX; i++)
                if (check_db[i] == db)
                        return i;
        return -1;
}

static int contact_entry(enum db db, const void *key, size_t klen, const void *val, size_t vlen,
                         void *userdata)
{
        struct derived *d = userdata;
        int i = set_of_db(db);

        if (i < 0)
                return -EINVAL;
        return entryset_add(&d->set[i], key, klen, val, vlen);
}

static int key_id(const MDB_val *k, uint64_t *ret)
{
        if (k->mv_size != ID_KEY_LEN)
                return -EBADMSG;
        *ret = be64_get(k->mv_data);
        return 0;
}

static int walk_contacts(struct store_txn *t, struct derived *d)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_CONTACTS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                uint64_t id;

                d->report->contacts++;
                if (key_id(&k, &id) < 0 || codec_contact_decode(v.mv_data, v.mv_size, &c) < 0) {
                        d->report->unreadable++;
                        continue;
                }
                c->id = id;
                r = idvec_push(&d->contacts, id);
                if (r >= 0)
                        r = uuidvec_push(&d->live, c->uuid);
                if (r >= 0)
                        r = store_contact_index_entries(c, id, d->max_key, contact_entry, d);
                if (r < 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

static int walk_interactions(struct store_txn *t, struct derived *d, struct entryset *kinds)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(interaction_freep) struct interaction *i = NULL;
                uint8_t idb[ID_KEY_LEN];

                d->report->interactions++;
                if (k.mv_size != INTERACTION_KEY_LEN ||
                    codec_interaction_decode(v.mv_data, v.mv_size, &i) < 0) {
                        d->report->unreadable++;
                        continue;
                }
                if (!idvec_has(&d->contacts, be64_get(k.mv_data))) {
                        d->report->dangling++;
                        r = entryset_add(&d->dangling_ixns, k.mv_data, k.mv_size, NULL, 0);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = uuidvec_push(&d->live, i->uuid);
                if (r < 0)
                        return r;
                i->contact_id = be64_get(k.mv_data); /* the key is authoritative */
                r = text_entries_interaction(i, d->max_key, contact_entry, d);
                if (r < 0)
                        return r;
                /* Another person's entry of a group interaction: the record has the id, the
                 * goal and the count. */
                if (i->group_of)
                        continue;
                if (i->id) {
                        be64_put(idb, i->id);
                        if (i->id > d->max_interaction_id)
                                d->max_interaction_id = i->id;
                        r = entryset_add(&d->set[STORE_CHECK_INTERACTION_IDS], idb, sizeof(idb),
                                         k.mv_data, k.mv_size);
                        if (r < 0)
                                return r;
                }
                if (i->goal_id) {
                        be64_put(idb, i->goal_id);
                        r = entryset_add(&d->set[STORE_CHECK_GOAL_INTERACTIONS], idb, sizeof(idb),
                                         k.mv_data, k.mv_size);
                        if (r < 0)
                                return r;
                }
                if (i->kind && *i->kind) {
                        uint8_t kb[KEY_MAX];
                        size_t len = key_normalize(i->kind, strlen(i->kind), d->max_key, kb);

                        r = entryset_add(kinds, kb, len, NULL, 0);
                        if (r < 0)
                                return r;
                }
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

/* The kinds database holds a count per kind: count the (sorted) kind keys. */
static int kinds_count(struct derived *d, struct entryset *kinds)
{
        qsort_safe(kinds->v, kinds->n, sizeof(*kinds->v), entry_cmp);
        for (size_t i = 0; i < kinds->n;) {
                uint8_t vb[8];
                size_t j = i + 1;
                int r;

                while (j < kinds->n && entry_cmp(&kinds->v[i], &kinds->v[j]) == 0)
                        j++;
                be64_put(vb, (uint64_t)(j - i));
                r = entryset_add(&d->set[STORE_CHECK_KINDS], kinds->v[i].key, kinds->v[i].klen, vb,
                                 sizeof(vb));
                if (r < 0)
                        return r;
                i = j;
        }
        return 0;
}

static int walk_goals(struct store_txn *t, struct derived *d, uint64_t *ret_max)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_GOALS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(goal_freep) struct goal *g = NULL;
                uint64_t id;

                d->report->goals++;
                if (key_id(&k, &id) < 0 || codec_goal_decode(v.mv_data, v.mv_size, &g) < 0) {
                        d->report->unreadable++;
                        continue;
                }
                *ret_max = id;
                g->id = id;
                r = idvec_push(&d->goals, id);
                if (r >= 0)
                        r = uuidvec_push(&d->live, g->uuid);
                if (r >= 0)
                        r = text_entries_goal(g, d->max_key, contact_entry, d);
                if (r < 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

static int walk_goal_links(struct store_txn *t, struct derived *d)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_GOAL_LINKS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                const uint8_t *key = k.mv_data;
                uint64_t goal, contact;

                d->report->goal_links++;
                if (k.mv_size != LINK_KEY_LEN) {
                        d->report->unreadable++;
                        continue;
                }
                goal = be64_get(key);
                contact = be64_get(key + 8);
                if (!idvec_has(&d->goals, goal) || !idvec_has(&d->contacts, contact)) {
                        d->report->dangling++;
                        r = idvec_push(&d->dangling_links, goal);
                        if (r >= 0)
                                r = idvec_push(&d->dangling_links, contact);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = entryset_add(&d->set[STORE_CHECK_CONTACT_GOALS], key + 8, ID_KEY_LEN, key,
                                 ID_KEY_LEN);
                if (r < 0)
                        return r;
                {
                        _cleanup_(goal_link_freep) struct goal_link *l = NULL;

                        if (codec_goal_link_decode(v.mv_data, v.mv_size, &l) < 0) {
                                d->report->unreadable++;
                                continue;
                        }
                        l->goal_id = goal;
                        l->contact_id = contact;
                        r = text_entries_link(l, d->max_key, contact_entry, d);
                        if (r < 0)
                                return r;
                }
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

static int walk_intros(struct store_txn *t, struct derived *d, uint64_t *ret_max)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_INTROS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(intro_freep) struct intro *i = NULL;
                uint8_t ab[ID_KEY_LEN];
                uint64_t id;

                d->report->intros++;
                if (key_id(&k, &id) < 0 || codec_intro_decode(v.mv_data, v.mv_size, &i) < 0) {
                        d->report->unreadable++;
                        continue;
                }
                *ret_max = id;
                if (!idvec_has(&d->contacts, i->a) || !idvec_has(&d->contacts, i->b)) {
                        d->report->dangling++;
                        r = idvec_push(&d->dangling_intros, id);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = uuidvec_push(&d->live, i->uuid);
                if (r < 0)
                        return r;
                be64_put(ab, i->a);
                r = entryset_add(&d->set[STORE_CHECK_IDX_INTRO], ab, sizeof(ab), k.mv_data,
                                 ID_KEY_LEN);
                if (r < 0)
                        return r;
                be64_put(ab, i->b);
                r = entryset_add(&d->set[STORE_CHECK_IDX_INTRO], ab, sizeof(ab), k.mv_data,
                                 ID_KEY_LEN);
                if (r < 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

/* ---- counters and the schema ---- */

struct counter {
        const char *name;
        uint64_t max; /* highest id in use, 0: none */
};

static int check_schema(struct store_txn *t, struct store_check_report *r)
{
        MDB_val k = {strlen(META_SCHEMA), (void *)META_SCHEMA}, v;
        int rc = mdb_get(t->txn, dbi(t, DB_META), &k, &v);

        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        r->schema = rc == 0 && v.mv_size == 4 ? be32_get(v.mv_data) : 0;
        r->schema_known = r->schema == STORE_SCHEMA_VERSION;
        return 0;
}

/* ---- comparing an index with its set ---- */

static int compare_index(struct store_txn *t, enum db db, const struct entryset *s,
                         struct store_check_index_result *res)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        bool dup = store_db_is_dupsort(db);
        size_t i = 0;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        for (;;) {
                struct entry a = {0};
                int c;

                if (rc && rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
                if (rc == MDB_NOTFOUND && i == s->n)
                        break;
                if (rc == 0)
                        a = (struct entry){.key = k.mv_data,
                                           .val = v.mv_data,
                                           .klen = (uint32_t)k.mv_size,
                                           .vlen = (uint32_t)v.mv_size};
                if (rc == MDB_NOTFOUND) {
                        res->missing++;
                        i++;
                        continue;
                }
                res->entries++;
                c = i == s->n ? 1 : entry_cmp(&s->v[i], &a);
                if (c == 0) {
                        i++;
                } else if (!dup && i < s->n &&
                           bytes_cmp(s->v[i].key, s->v[i].klen, a.key, a.klen) == 0) {
                        res->wrong++;
                        i++;
                } else if (c < 0) {
                        res->missing++;
                        i++;
                        res->entries--; /* the stored entry is looked at again */
                        continue;
                } else {
                        res->extra++;
                }
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        return 0;
}

static int tombstones_check(struct store_txn *t, struct derived *d, struct uuidvec *shadowing)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_TOMBSTONES, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                char uuid[UUID_STRING_LEN + 1];

                if (k.mv_size != UUID_STRING_LEN)
                        continue; /* not a uuid: cannot be one that is live */
                memcpy(uuid, k.mv_data, UUID_STRING_LEN);
                uuid[UUID_STRING_LEN] = 0;
                if (!bsearch(uuid, d->live.v, d->live.n, sizeof(*d->live.v), uuid_cmp))
                        continue;
                d->report->shadowing_tombstones++;
                if (shadowing) {
                        r = uuidvec_push(shadowing, uuid);
                        if (r < 0)
                                return r;
                }
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

/* The whole check; d keeps what a repair needs. */
static int check_run(struct store_txn *t, struct derived *d, struct counter counters[static 4],
                     struct uuidvec *shadowing)
{
        _cleanup_(entryset_done) struct entryset kinds = {0};
        uint64_t next;
        int r;

        r = check_schema(t, d->report);
        if (r >= 0)
                r = walk_contacts(t, d);
        if (r >= 0)
                r = walk_goals(t, d, &counters[2].max);
        if (r >= 0)
                r = walk_interactions(t, d, &kinds);
        if (r >= 0)
                r = kinds_count(d, &kinds);
        if (r >= 0)
                r = walk_goal_links(t, d);
        if (r >= 0)
                r = walk_intros(t, d, &counters[3].max);
        if (r < 0)
                return r;
        counters[0].max = d->contacts.n ? d->contacts.v[d->contacts.n - 1] : 0;
        counters[1].max = d->max_interaction_id;
        for (size_t i = 0; i < 4; i++) {
                r = store_counter_get(t, counters[i].name, &next);
                if (r < 0)
                        return r;
                if (counters[i].max >= next)
                        d->report->counters++;
        }
        for (size_t i = 0; i < _STORE_CHECK_INDEX_MAX; i++)
                entryset_sort_uniq(&d->set[i]);
        qsort_safe(d->live.v, d->live.n, sizeof(*d->live.v), uuid_cmp);
        r = tombstones_check(t, d, shadowing);
        if (r >= 0)
                r = journal_check(t, &d->report->journal_entries, &d->report->journal_problems);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _STORE_CHECK_INDEX_MAX; i++) {
                r = compare_index(t, check_db[i], &d->set[i], &d->report->index[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

#define COUNTERS_INIT                                                                              \
        {                                                                                          \
                {META_NEXT_ID, 0}, {META_NEXT_INTERACTION_ID, 0}, {META_NEXT_GOAL_ID, 0},          \
                    {META_NEXT_INTRO_ID, 0},                                                       \
        }

int store_txn_check(struct store_txn *t, struct store_check_report *ret)
{
        _cleanup_(derived_done) struct derived d = {.report = ret, .max_key = t->store->max_key};
        struct counter counters[4] = COUNTERS_INIT;

        *ret = (struct store_check_report){0};
        return check_run(t, &d, counters, NULL);
}

/* ---- repair ---- */

/* Record deletions of the repair (a tombstone, a dangling record). */
static int record_del(struct store_txn *t, enum db db, const void *key, size_t len)
{
        MDB_val k = {len, (void *)key};
        int rc = rec_del(t, db, &k);

        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

static int id_record_del(struct store_txn *t, enum db db, uint64_t id)
{
        uint8_t key[ID_KEY_LEN];

        be64_put(key, id);
        return record_del(t, db, key, sizeof(key));
}

static int index_rebuild(struct store_txn *t, enum db db, const struct entryset *s)
{
        int rc, r;

        r = index_queue_flush(t, db); /* queued entries would outlive the drop */
        if (r < 0)
                return r;
        rc = mdb_drop(t->txn, dbi(t, db), 0);
        if (rc)
                return txn_err(t, rc);
        for (size_t i = 0; i < s->n; i++) {
                MDB_val k = {s->v[i].klen, (void *)s->v[i].key};
                MDB_val v = {s->v[i].vlen, (void *)s->v[i].val};

                rc = mdb_put(t->txn, dbi(t, db), &k, &v, 0);
                if (rc)
                        return txn_err(t, rc);
        }
        return 0;
}

int store_txn_repair(struct store_txn *t, struct store_check_report *ret)
{
        _cleanup_(derived_done) struct derived d = {.report = ret, .max_key = t->store->max_key};
        _cleanup_(uuidvec_done) struct uuidvec shadowing = {0};
        struct counter counters[4] = COUNTERS_INIT;
        uint64_t next;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        *ret = (struct store_check_report){0};
        r = check_run(t, &d, counters, &shadowing);
        if (r < 0)
                return r;
        if (store_check_problems(ret) == 0)
                return 0;
        store_txn_no_journal(t);
        if (ret->journal_problems) {
                r = journal_reset(t);
                if (r < 0)
                        return r;
        }
        /* The records first: what is dropped here gives no index entries (the walks above
         * already left them out of the sets). */
        for (size_t i = 0; i < shadowing.n; i++) {
                r = record_del(t, DB_TOMBSTONES, shadowing.v[i], UUID_STRING_LEN);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i + 1 < d.dangling_links.n; i += 2) {
                uint8_t key[LINK_KEY_LEN];

                be64_put(key, d.dangling_links.v[i]);
                be64_put(key + 8, d.dangling_links.v[i + 1]);
                r = record_del(t, DB_GOAL_LINKS, key, sizeof(key));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < d.dangling_intros.n; i++) {
                r = id_record_del(t, DB_INTROS, d.dangling_intros.v[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < d.dangling_ixns.n; i++) {
                r = record_del(t, DB_INTERACTIONS, d.dangling_ixns.v[i].key,
                               d.dangling_ixns.v[i].klen);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < 4; i++) {
                r = store_counter_get(t, counters[i].name, &next);
                if (r >= 0 && counters[i].max >= next)
                        r = store_counter_put(t, counters[i].name, counters[i].max + 1);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < _STORE_CHECK_INDEX_MAX; i++) {
                r = index_rebuild(t, check_db[i], &d.set[i]);
                if (r < 0)
                        return r;
        }
        /* The scheduler re-reads its index. */
        t->changes.sched = true;
        t->changes.contacts = true;
        return 0;
}

/* ---- the test hook (store-testing.h) ---- */

int store_testing_corrupt(struct store_txn *t, enum store_check_index index,
                          enum store_corruption how)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_free_ uint8_t *key = NULL, *val = NULL;
        enum db db;
        bool dup;
        size_t klen, vlen;
        MDB_val k, v;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (index < 0 || index >= _STORE_CHECK_INDEX_MAX)
                return -EINVAL;
        db = check_db[index];
        dup = store_db_is_dupsort(db);
        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        if (rc)
                return txn_err(t, rc);
        klen = k.mv_size;
        vlen = v.mv_size;
        key = malloc(klen);
        val = malloc(vlen + 1);
        if (!key || !val)
                return -ENOMEM;
        memcpy(key, k.mv_data, klen);
        memcpy(val, v.mv_data, vlen);
        k = (MDB_val){klen, key};
        v = (MDB_val){vlen, val};

        switch (how) {
        case STORE_CORRUPT_MISSING:
                rc = mdb_del(t->txn, dbi(t, db), &k, dup ? &v : NULL);
                break;
        case STORE_CORRUPT_EXTRA:
                /* Another key (its last byte changed) with the same value. */
                key[klen - 1] ^= 0x01;
                rc = mdb_put(t->txn, dbi(t, db), &k, &v, dup ? MDB_NODUPDATA : MDB_NOOVERWRITE);
                break;
        case STORE_CORRUPT_WRONG:
                if (!dup && vlen > 0) { /* the key now says another value */
                        val[vlen - 1] ^= 0x01;
                        rc = mdb_put(t->txn, dbi(t, db), &k, &v, 0);
                        break;
                }
                rc = mdb_del(t->txn, dbi(t, db), &k, dup ? &v : NULL);
                if (rc)
                        break;
                if (dup) /* the same key pointing at another id */
                        val[vlen - 1] ^= 0x01;
                else /* due, sched: the id is the end of the key */
                        key[klen - 1] ^= 0x01;
                rc = mdb_put(t->txn, dbi(t, db), &k, &v, 0);
                break;
        default:
                return -EINVAL;
        }
        return txn_err(t, rc);
}

int store_testing_tombstone(struct store_txn *t, const char *uuid)
{
        uint8_t val[TOMBSTONE_LEN];
        MDB_val k = {strlen(uuid), (void *)uuid}, v = {sizeof(val), val};
        int r = txn_writable(t);

        if (r < 0)
                return r;
        val[0] = 'C';
        be64_put(val + 1, time_to_key(0));
        return txn_err(t, rec_put(t, DB_TOMBSTONES, &k, &v, 0));
}

int store_testing_journal_corrupt(struct store_txn *t)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = cursor_open(t, DB_JOURNAL, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
                if (k.mv_size == 8) /* a header: sequence number alone */
                        return txn_err(t, mdb_cursor_del(cur, 0));
        return txn_err(t, rc);
}
