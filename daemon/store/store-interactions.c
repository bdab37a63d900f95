/* Global interaction ids and the kind counts (store.h, "interactions").
 *
 * Records stay keyed contact id ‖ time ‖ seq, so a person's history is one range walk. The id
 * lives in the record (codec tag 10) and the interaction_ids database maps it to the record's
 * key; a record that moves (a new time) keeps its id and only its index entry changes. The
 * `kinds` database counts interactions per kind, so listing kinds never scans interactions.
 * Every path that writes or removes a record calls interaction_indexed/unindexed. */
#include "store-internal.h"

#include "codec.h"
#include "store-goals.h"
#include "store-transfer.h"

/* Interaction records are written through rec_put/rec_del (the undo journal takes their
 * before-images); the id index, the kind counts and the id counter are derived or counters,
 * written directly (lint.record_writes checks which is which). */

/* ---- the id counter ---- */

static int next_id_get(struct store_txn *t, uint64_t *ret)
{
        return store_counter_get(t, META_NEXT_INTERACTION_ID, ret);
}

static int next_id_put(struct store_txn *t, uint64_t next)
{
        return store_counter_put(t, META_NEXT_INTERACTION_ID, next);
}

int store_txn_interaction_next_id(struct store_txn *t, uint64_t *ret)
{
        return next_id_get(t, ret);
}

int store_txn_interaction_next_id_raise(struct store_txn *t, uint64_t next)
{
        uint64_t cur;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = next_id_get(t, &cur);
        if (r < 0)
                return r;
        return next > cur ? next_id_put(t, next) : 0;
}

static int id_key_get(struct store_txn *t, uint64_t id, uint8_t key[static INTERACTION_KEY_LEN])
{
        uint8_t kb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v;
        int rc;

        be64_put(kb, id);
        rc = mdb_get(t->txn, dbi(t, DB_INTERACTION_IDS), &k, &v);
        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != INTERACTION_KEY_LEN)
                return -EBADMSG;
        memcpy(key, v.mv_data, INTERACTION_KEY_LEN);
        return 0;
}

int interaction_id_assign(struct store_txn *t, struct interaction *i)
{
        uint8_t key[INTERACTION_KEY_LEN];
        uint64_t next;
        int r;

        r = next_id_get(t, &next);
        if (r < 0)
                return r;
        if (i->id) {
                r = id_key_get(t, i->id, key);
                if (r == 0)
                        i->id = 0; /* taken: a fresh one below */
                else if (r != -ENOENT)
                        return r;
        }
        if (!i->id)
                i->id = next;
        if (i->id == UINT64_MAX)
                return -EOVERFLOW;
        return i->id >= next ? next_id_put(t, i->id + 1) : 0;
}

/* ---- kind counts ---- */

static size_t kind_key(struct store_txn *t, const char *kind, uint8_t buf[static KEY_MAX])
{
        return key_normalize(kind, strlen(kind), t->store->max_key, buf);
}

static int kind_adjust(struct store_txn *t, const char *kind, int delta)
{
        uint8_t kb[KEY_MAX], vb[8];
        MDB_val k, v;
        uint64_t n = 0;
        int rc;

        if (!kind || !*kind)
                return 0;
        k = (MDB_val){kind_key(t, kind, kb), kb};
        rc = mdb_get(t->txn, dbi(t, DB_KINDS), &k, &v);
        if (rc == 0 && v.mv_size == 8)
                n = be64_get(v.mv_data);
        else if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        if (delta < 0 && n <= (uint64_t)-delta) {
                rc = mdb_del(t->txn, dbi(t, DB_KINDS), &k, NULL);
                return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
        }
        be64_put(vb, n + (uint64_t)(int64_t)delta);
        v = (MDB_val){sizeof(vb), vb};
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_KINDS), &k, &v, 0));
}

int store_txn_kind_count(struct store_txn *t, const char *kind, uint64_t *ret)
{
        uint8_t kb[KEY_MAX];
        MDB_val k, v;
        int rc;

        *ret = 0;
        if (!kind || !*kind)
                return 0;
        k = (MDB_val){kind_key(t, kind, kb), kb};
        rc = mdb_get(t->txn, dbi(t, DB_KINDS), &k, &v);
        if (rc == MDB_NOTFOUND)
                return 0;
        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != 8)
                return -EBADMSG;
        *ret = be64_get(v.mv_data);
        return 0;
}

int store_txn_kind_walk(struct store_txn *t, store_kind_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_KINDS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_free_ char *kind = NULL;

                if (v.mv_size != 8)
                        return -EBADMSG;
                kind = strndup(k.mv_data, k.mv_size);
                if (!kind)
                        return -ENOMEM;
                r = cb(kind, be64_get(v.mv_data), userdata);
                if (r != 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

static void fill_from_key(struct interaction *i, const uint8_t key[static INTERACTION_KEY_LEN]);

/* ---- group interactions ---- */

/* A group interaction is one record, under its first person's key, naming the others (with).
 * Each other person gets an entry under their own key: a copy marked group_of, so their history,
 * their latest touch and their count read it like any other. The entries carry no id index and
 * no kind count: the record does. They are written and removed with the record. */
int interaction_group_written(struct store_txn *t, const struct interaction *i)
{
        for (size_t n = 0; n < i->n_with; n++) {
                _cleanup_free_ uint8_t *buf = NULL;
                struct interaction e = *i; /* shallow; never freed */
                uint8_t key[INTERACTION_KEY_LEN];
                MDB_val k = {sizeof(key), key}, v;
                size_t len;
                int r;

                if (i->with[n] == i->contact_id)
                        continue;
                {
                        /* Someone removed since keeps no entry. */
                        struct contact *c = NULL;

                        r = store_txn_contact_get(t, i->with[n], &c);
                        contact_free(c);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0)
                                return r;
                }
                e.contact_id = i->with[n];
                e.group_of = i->contact_id;
                e.goal_id = 0;
                e.unknown = NULL;
                e.unknown_len = 0;
                r = interaction_seq_next(t, e.contact_id, e.at, &e.seq);
                if (r < 0)
                        return r;
                r = codec_interaction_encode(&e, &buf, &len);
                if (r < 0)
                        return r;
                interaction_key_make(key, e.contact_id, e.at, e.seq);
                v = (MDB_val){len, buf};
                r = txn_err(t, rec_put(t, DB_INTERACTIONS, &k, &v, MDB_NOOVERWRITE));
                if (r < 0)
                        return r;
                r = interaction_indexed(t, &e, key); /* its text, under its person */
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Remove the entries of record i (as stored) under its other people's keys. */
int interaction_group_removed(struct store_txn *t, const struct interaction *i)
{
        for (size_t n = 0; n < i->n_with; n++) {
                uint8_t key[INTERACTION_KEY_LEN], found[INTERACTION_KEY_LEN];
                bool hit = false;
                int rc, r;

                {
                        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
                        MDB_val k = {sizeof(key), key}, v;

                        interaction_key_make(key, i->with[n], i->at, 0);
                        r = cursor_open(t, DB_INTERACTIONS, &cur);
                        if (r < 0)
                                return r;
                        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
                             rc == 0 && k.mv_size == INTERACTION_KEY_LEN &&
                             memcmp(k.mv_data, key, 16) == 0;
                             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                                _cleanup_(interaction_freep) struct interaction *e = NULL;

                                r = codec_interaction_decode(v.mv_data, v.mv_size, &e);
                                if (r < 0)
                                        return r;
                                if (e->group_of != i->contact_id || e->id != i->id)
                                        continue;
                                memcpy(found, k.mv_data, sizeof(found));
                                fill_from_key(e, found);
                                r = interaction_unindexed(t, e);
                                if (r < 0)
                                        return r;
                                hit = true;
                                break;
                        }
                        if (rc && rc != MDB_NOTFOUND)
                                return txn_err(t, rc);
                }
                if (hit) {
                        MDB_val k = {sizeof(found), found};

                        rc = rec_del(t, DB_INTERACTIONS, &k);
                        if (rc)
                                return txn_err(t, rc);
                }
        }
        return 0;
}

/* ---- the side tables of a record ---- */

int interaction_indexed(struct store_txn *t, const struct interaction *i,
                        const uint8_t key[static INTERACTION_KEY_LEN])
{
        uint8_t kb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v = {INTERACTION_KEY_LEN, (void *)key};
        int rc;

        /* Another person's entry of a group record: its text under its person; the record has
         * the id and the count. */
        if (i->group_of)
                return text_index_interaction(t, i, true);
        if (i->id) {
                be64_put(kb, i->id);
                rc = mdb_put(t->txn, dbi(t, DB_INTERACTION_IDS), &k, &v, 0);
                if (rc)
                        return txn_err(t, rc);
        }
        rc = text_index_interaction(t, i, true);
        if (rc < 0)
                return rc;
        return kind_adjust(t, i->kind, +1);
}

int interaction_unindexed(struct store_txn *t, const struct interaction *i)
{
        uint8_t kb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb};
        int rc;

        if (i->group_of)
                return text_index_interaction(t, i, false);

        if (i->id) {
                uint8_t mine[INTERACTION_KEY_LEN];
                MDB_val v;

                /* Only while the id still points at this record: an undo puts a moved record
                 * back at its old key before it takes it away from the new one. */
                be64_put(kb, i->id);
                interaction_key_make(mine, i->contact_id, i->at, i->seq);
                rc = mdb_get(t->txn, dbi(t, DB_INTERACTION_IDS), &k, &v);
                if (rc == 0 && v.mv_size == sizeof(mine) &&
                    memcmp(v.mv_data, mine, sizeof(mine)) == 0)
                        rc = mdb_del(t->txn, dbi(t, DB_INTERACTION_IDS), &k, NULL);
                if (rc && rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
        }
        rc = text_index_interaction(t, i, false);
        if (rc < 0)
                return rc;
        return kind_adjust(t, i->kind, -1);
}

/* ---- by id ---- */

static void fill_from_key(struct interaction *i, const uint8_t key[static INTERACTION_KEY_LEN])
{
        i->contact_id = be64_get(key);
        i->at = time_from_key(be64_get(key + 8));
        i->seq = be32_get(key + 16);
}

static int load_at(struct store_txn *t, const uint8_t key[static INTERACTION_KEY_LEN],
                   struct interaction **ret)
{
        MDB_val k = {INTERACTION_KEY_LEN, (void *)key}, v;
        struct interaction *i = NULL;
        int rc, r;

        rc = mdb_get(t->txn, dbi(t, DB_INTERACTIONS), &k, &v);
        if (rc)
                return txn_err(t, rc);
        r = codec_interaction_decode(v.mv_data, v.mv_size, &i);
        if (r < 0)
                return r;
        fill_from_key(i, key);
        *ret = i;
        return 0;
}

int store_txn_interaction_get_id(struct store_txn *t, uint64_t id, struct interaction **ret)
{
        uint8_t key[INTERACTION_KEY_LEN];
        int r;

        if (!id)
                return -ENOENT;
        r = id_key_get(t, id, key);
        if (r < 0)
                return r;
        r = load_at(t, key, ret);
        if (r >= 0)
                (*ret)->id = id; /* the index is the authority on which record has the id */
        return r;
}

/* Remove the record at key and everything pointing at it (not the id index entry). */
static int record_remove(struct store_txn *t, const struct interaction *old,
                         const uint8_t key[static INTERACTION_KEY_LEN])
{
        MDB_val k = {INTERACTION_KEY_LEN, (void *)key};
        int rc, r;

        rc = rec_del(t, DB_INTERACTIONS, &k);
        if (rc)
                return txn_err(t, rc);
        r = interaction_group_removed(t, old);
        if (r < 0)
                return r;
        store_changes_person(t, old->contact_id);
        r = store_goals_interaction_removed(t, old);
        if (r < 0)
                return r;
        r = text_index_interaction(t, old, false);
        if (r < 0)
                return r;
        return kind_adjust(t, old->kind, -1);
}

/* Rewrite interaction i->id as i, under contact to (0: where it is). */
static int interaction_rewrite(struct store_txn *t, struct interaction *i, uint64_t to);

int store_txn_interaction_update(struct store_txn *t, struct interaction *i)
{
        return interaction_rewrite(t, i, 0);
}

int store_txn_interaction_move_to(struct store_txn *t, uint64_t id, uint64_t to)
{
        _cleanup_(interaction_freep) struct interaction *i = NULL;
        int r;

        if (!to)
                return -EINVAL;
        r = store_txn_contact_exists(t, to);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        r = store_txn_interaction_get_id(t, id, &i);
        if (r < 0)
                return r;
        if (i->group_of)
                return -EINVAL; /* another person's entry of a group record */
        return interaction_rewrite(t, i, to);
}

static int interaction_rewrite(struct store_txn *t, struct interaction *i, uint64_t to)
{
        _cleanup_(interaction_freep) struct interaction *old = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t key[INTERACTION_KEY_LEN], nkey[INTERACTION_KEY_LEN];
        MDB_val k = {sizeof(nkey), nkey}, v;
        size_t len;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!i->id)
                return -ENOENT;
        r = id_key_get(t, i->id, key);
        if (r < 0)
                return r;
        r = load_at(t, key, &old);
        if (r < 0)
                return r;
        i->contact_id = to ? to : old->contact_id;
        memcpy(i->uuid, old->uuid, sizeof(i->uuid));
        r = record_remove(t, old, key);
        if (r < 0)
                return r;
        if (i->at == old->at && i->contact_id == old->contact_id)
                i->seq = old->seq;
        else {
                r = interaction_seq_next(t, i->contact_id, i->at, &i->seq);
                if (r < 0)
                        return r;
        }
        r = codec_interaction_encode(i, &buf, &len);
        if (r < 0)
                return r;
        interaction_key_make(nkey, i->contact_id, i->at, i->seq);
        v = (MDB_val){len, buf};
        r = txn_err(t, rec_put(t, DB_INTERACTIONS, &k, &v, MDB_NOOVERWRITE));
        if (r < 0)
                return r;
        store_changes_person(t, i->contact_id);
        r = store_goals_interaction_added(t, i);
        if (r < 0)
                return r;
        r = interaction_indexed(t, i, nkey);
        if (r < 0)
                return r;
        return interaction_group_written(t, i);
}

static int interaction_delete(struct store_txn *t, uint64_t id, int64_t now, bool tombstone)
{
        _cleanup_(interaction_freep) struct interaction *old = NULL;
        uint8_t key[INTERACTION_KEY_LEN], kb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb};
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!id)
                return -ENOENT;
        r = id_key_get(t, id, key);
        if (r < 0)
                return r;
        r = load_at(t, key, &old);
        if (r < 0)
                return r;
        r = record_remove(t, old, key);
        if (r < 0)
                return r;
        be64_put(kb, id);
        rc = mdb_del(t->txn, dbi(t, DB_INTERACTION_IDS), &k, NULL);
        if (rc)
                return txn_err(t, rc);
        if (tombstone && old->uuid[0]) {
                r = store_txn_tombstone_put_exact(t, old->uuid, 'I', now);
                if (r < 0)
                        return r;
        }
        return 0;
}

int store_txn_interaction_delete(struct store_txn *t, uint64_t id, int64_t now)
{
        return interaction_delete(t, id, now, true);
}

int store_txn_interaction_drop(struct store_txn *t, uint64_t id)
{
        return interaction_delete(t, id, 0, false);
}

int interaction_seq_next(struct store_txn *t, uint64_t contact_id, int64_t at, uint32_t *ret)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t key[INTERACTION_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        int rc, r;

        /* One past the highest seq at this (contact, second). */
        interaction_key_make(key, contact_id, at, UINT32_MAX);
        r = cursor_open(t, DB_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && k.mv_size == sizeof(key) && memcmp(k.mv_data, key, sizeof(key)) == 0)
                return -EOVERFLOW;
        if (rc == 0)
                rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
        else if (rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret = 0;
        if (rc == 0 && k.mv_size == INTERACTION_KEY_LEN && memcmp(k.mv_data, key, 16) == 0)
                *ret = be32_get((const uint8_t *)k.mv_data + 16) + 1;
        return 0;
}

/* ---- schema 1 → 2 ---- */

struct pending {
        int64_t at;
        uint8_t key[INTERACTION_KEY_LEN];
};

static int pending_cmp(const void *a, const void *b)
{
        const struct pending *x = a, *y = b;

        if (x->at != y->at)
                return x->at < y->at ? -1 : 1;
        return memcmp(x->key, y->key, INTERACTION_KEY_LEN);
}

int store_migrate_interaction_ids(struct store_txn *t)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_free_ struct pending *p = NULL;
        size_t n = 0, cap = 0;
        MDB_val k, v;
        int rc, r;

        /* Collect every key first (oldest first below): no write while the cursor walks. */
        r = cursor_open(t, DB_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size != INTERACTION_KEY_LEN)
                        return -EBADMSG;
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 256;
                        struct pending *np = reallocarray(p, ncap, sizeof(*p));

                        if (!np)
                                return -ENOMEM;
                        p = np;
                        cap = ncap;
                }
                memcpy(p[n].key, k.mv_data, INTERACTION_KEY_LEN);
                p[n].at = time_from_key(be64_get(p[n].key + 8));
                n++;
        }
        if (rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        mdb_cursor_close(cur);
        cur = NULL;
        if (n)
                qsort_safe(p, n, sizeof(*p), pending_cmp);

        for (size_t j = 0; j < n; j++) {
                _cleanup_(interaction_freep) struct interaction *i = NULL;
                _cleanup_free_ uint8_t *buf = NULL;
                size_t len;

                r = load_at(t, p[j].key, &i);
                if (r == -EBADMSG)
                        continue; /* unreadable before as after: no id, nothing to count */
                if (r < 0)
                        return r;
                r = interaction_id_assign(t, i);
                if (r < 0)
                        return r;
                r = codec_interaction_encode(i, &buf, &len);
                if (r < 0)
                        return r;
                k = (MDB_val){INTERACTION_KEY_LEN, p[j].key};
                v = (MDB_val){len, buf};
                rc = rec_put(t, DB_INTERACTIONS, &k, &v, 0);
                if (rc)
                        return txn_err(t, rc);
                store_changes_person(t, i->contact_id);
                r = interaction_indexed(t, i, p[j].key);
                if (r < 0)
                        return r;
        }
        return 0;
}
