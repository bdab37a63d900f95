/* Goals, goal links, introductions and settings in the LMDB store: see store-goals.h. */
#include "store-goals.h"
#include "store-internal.h"

#include <limits.h>
#include <stdio.h>
#include <strings.h>

#include "codec.h"

#define LINK_KEY_LEN       16 /* goal id ‖ contact id */
#define META_NEXT_GOAL_ID  "next_goal_id"
#define META_NEXT_INTRO_ID "next_intro_id"
#define SETTING_NAME_MAX   64
#define SETTING_VALUE_MAX  (64 * 1024)

static const char *const goal_status_names[_GOAL_STATUS_MAX] = {
    [GOAL_ACTIVE] = "active",
    [GOAL_DONE] = "done",
};

const char *goal_status_to_string(enum goal_status s)
{
        if (s < 0 || s >= _GOAL_STATUS_MAX)
                return NULL;
        return goal_status_names[s];
}

struct goal *goal_new(void)
{
        return calloc(1, sizeof(struct goal));
}

void goal_free(struct goal *g)
{
        if (!g)
                return;
        free(g->title);
        free(g->note);
        free(g->unknown);
        free(g);
}

struct goal_link *goal_link_new(void)
{
        return calloc(1, sizeof(struct goal_link));
}

void goal_link_free(struct goal_link *l)
{
        if (!l)
                return;
        free(l->why);
        free(l->unknown);
        free(l);
}

struct intro *intro_new(void)
{
        return calloc(1, sizeof(struct intro));
}

void intro_free(struct intro *i)
{
        if (!i)
                return;
        free(i->note);
        free(i->unknown);
        free(i);
}

/* ---- small helpers ---- */

static int counter_next(struct store_txn *t, const char *name, uint64_t *ret)
{
        return store_counter_get(t, name, ret);
}

static int counter_put(struct store_txn *t, const char *name, uint64_t next)
{
        return store_counter_put(t, name, next);
}

static int uuid_fill(char uuid[static UUID_STRING_LEN + 1])
{
        if (!uuid[0])
                return uuid_generate_v4(uuid);
        if (!uuid_is_valid(uuid))
                return -EINVAL;
        for (size_t i = 0; i < UUID_STRING_LEN; i++)
                uuid[i] = (char)ascii_lower((uint8_t)uuid[i]);
        return 0;
}

static int tombstone(struct store_txn *t, const char *uuid, uint8_t type, int64_t now)
{
        uint8_t val[TOMBSTONE_LEN];
        MDB_val k = {strlen(uuid), (void *)uuid}, v = {sizeof(val), val};

        if (!uuid[0])
                return 0;
        val[0] = type;
        be64_put(val + 1, time_to_key(now));
        return txn_err(t, rec_put(t, DB_TOMBSTONES, &k, &v, 0));
}

static int untombstone(struct store_txn *t, const char *uuid)
{
        MDB_val k = {strlen(uuid), (void *)uuid}, v;
        int rc = mdb_get(t->txn, dbi(t, DB_TOMBSTONES), &k, &v);

        if (rc == 0) /* only a tombstone that exists is journaled as removed */
                rc = rec_del(t, DB_TOMBSTONES, &k);
        if (rc == MDB_NOTFOUND)
                return 0;
        return txn_err(t, rc);
}

static int record_exists(struct store_txn *t, enum db db, uint64_t id)
{
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;

        be64_put(key, id);
        return txn_err(t, mdb_get(t->txn, dbi(t, db), &k, &v));
}

static int put_record(struct store_txn *t, enum db db, uint64_t id, uint8_t *buf, size_t len)
{
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v = {len, buf};

        be64_put(key, id);
        return txn_err(t, rec_put(t, db, &k, &v, 0));
}

static int del_record(struct store_txn *t, enum db db, uint64_t id)
{
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key};

        be64_put(key, id);
        return txn_err(t, rec_del(t, db, &k));
}

/* DUPSORT index entry id → value id. */
static int dup_put(struct store_txn *t, enum db db, uint64_t key_id, uint64_t val_id)
{
        uint8_t kb[ID_KEY_LEN], vb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v = {sizeof(vb), vb};
        int rc;

        be64_put(kb, key_id);
        be64_put(vb, val_id);
        rc = mdb_put(t->txn, dbi(t, db), &k, &v, MDB_NODUPDATA);
        if (rc == MDB_KEYEXIST)
                rc = 0;
        return txn_err(t, rc);
}

static int dup_del(struct store_txn *t, enum db db, uint64_t key_id, uint64_t val_id)
{
        uint8_t kb[ID_KEY_LEN], vb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v = {sizeof(vb), vb};
        int rc;

        be64_put(kb, key_id);
        be64_put(vb, val_id);
        rc = mdb_del(t->txn, dbi(t, db), &k, &v);
        if (rc == MDB_NOTFOUND)
                rc = 0;
        return txn_err(t, rc);
}

/* All value ids under key_id in a DUPSORT index, in order. */
static int dup_collect(struct store_txn *t, enum db db, uint64_t key_id, struct idvec *out)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t kb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v;
        uint64_t id;
        int rc, r;

        be64_put(kb, key_id);
        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
                r = val_to_id(&v, &id);
                if (r < 0)
                        return r;
                r = idvec_push(out, id);
                if (r < 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

/* ---- goals ---- */

int store_txn_goal_get(struct store_txn *t, uint64_t id, struct goal **ret)
{
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        struct goal *g = NULL;
        int rc, r;

        be64_put(key, id);
        rc = mdb_get(t->txn, dbi(t, DB_GOALS), &k, &v);
        if (rc)
                return txn_err(t, rc);
        r = codec_goal_decode(v.mv_data, v.mv_size, &g);
        if (r < 0)
                return r;
        g->id = id;
        *ret = g;
        return 0;
}

int store_txn_goal_put(struct store_txn *t, struct goal *g)
{
        _cleanup_(goal_freep) struct goal *old = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        struct goal tmp = *g; /* shallow: only id and uuid differ */
        MDB_stat st;
        uint64_t next;
        size_t len;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!g->title || !*g->title)
                return -EINVAL;
        r = counter_next(t, META_NEXT_GOAL_ID, &next);
        if (r < 0)
                return r;
        if (tmp.id == 0)
                tmp.id = next;
        else {
                r = store_txn_goal_get(t, tmp.id, &old);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        if (tmp.id == UINT64_MAX)
                return -EOVERFLOW;
        if (!old) {
                rc = mdb_stat(t->txn, dbi(t, DB_GOALS), &st);
                if (rc)
                        return txn_err(t, rc);
                if (st.ms_entries >= GOALS_MAX)
                        return -EDQUOT;
        }
        if (!tmp.uuid[0] && old)
                memcpy(tmp.uuid, old->uuid, sizeof(tmp.uuid));
        r = uuid_fill(tmp.uuid);
        if (r < 0)
                return r;
        r = codec_goal_encode(&tmp, &buf, &len);
        if (r < 0)
                return r;
        if (tmp.id >= next) {
                r = counter_put(t, META_NEXT_GOAL_ID, tmp.id + 1);
                if (r < 0)
                        return r;
        }
        r = put_record(t, DB_GOALS, tmp.id, buf, len);
        if (r < 0)
                return r;
        if (old)
                r = text_index_goal(t, old, false);
        if (r >= 0)
                r = text_index_goal(t, &tmp, true);
        if (r < 0)
                return r;
        r = untombstone(t, tmp.uuid);
        if (r < 0)
                return r;
        g->id = tmp.id;
        memcpy(g->uuid, tmp.uuid, sizeof(g->uuid));
        return 0;
}

static void link_key(uint8_t key[static LINK_KEY_LEN], uint64_t goal_id, uint64_t contact_id)
{
        be64_put(key, goal_id);
        be64_put(key + 8, contact_id);
}

static int goal_interactions_untag(struct store_txn *t, uint64_t goal_id);

int store_txn_goal_delete(struct store_txn *t, uint64_t id, int64_t now)
{
        _cleanup_(goal_freep) struct goal *g = NULL;
        _cleanup_(idvec_done) struct idvec contacts = {0};
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t prefix[ID_KEY_LEN];
        MDB_val k, v;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = store_txn_goal_get(t, id, &g);
        if (r < 0)
                return r;
        /* Collect the linked contacts first; never walk a cursor across our own deletes. */
        be64_put(prefix, id);
        r = cursor_open(t, DB_GOAL_LINKS, &cur);
        if (r < 0)
                return r;
        k = (MDB_val){sizeof(prefix), prefix};
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size != LINK_KEY_LEN || memcmp(k.mv_data, prefix, sizeof(prefix)) != 0)
                        break;
                r = idvec_push(&contacts, be64_get((const uint8_t *)k.mv_data + 8));
                if (r < 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        for (size_t i = 0; i < contacts.n; i++) {
                r = store_txn_goal_link_delete(t, id, contacts.v[i]);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        r = goal_interactions_untag(t, id);
        if (r < 0)
                return r;
        r = del_record(t, DB_GOALS, id);
        if (r < 0)
                return r;
        r = text_index_goal(t, g, false);
        if (r < 0)
                return r;
        return tombstone(t, g->uuid, 'G', now);
}

int store_txn_goal_list(struct store_txn *t, store_goal_cb cb, void *userdata)
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

                if (k.mv_size != ID_KEY_LEN)
                        return -EBADMSG;
                r = codec_goal_decode(v.mv_data, v.mv_size, &g);
                if (r < 0)
                        return r;
                g->id = be64_get(k.mv_data);
                r = cb(g, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

/* Whether every word of query starts a word of title (ASCII case-insensitive). */
static bool words_match(const char *query, const char *title)
{
        const char *q = query;

        for (;;) {
                const char *w, *p = title;
                size_t len;
                bool found = false;

                while (*q && !is_word_byte((uint8_t)*q))
                        q++;
                if (!*q)
                        return true;
                w = q;
                while (*q && is_word_byte((uint8_t)*q))
                        q++;
                len = (size_t)(q - w);
                while (*p && !found) {
                        const char *s;

                        while (*p && !is_word_byte((uint8_t)*p))
                                p++;
                        s = p;
                        while (*p && is_word_byte((uint8_t)*p))
                                p++;
                        found = (size_t)(p - s) >= len && strncasecmp(s, w, len) == 0;
                }
                if (!found)
                        return false;
        }
}

struct resolve_ctx {
        const char *query;
        size_t qlen;
        bool has_id;
        uint64_t id;
        struct idvec exact, prefix, words;
};

static int resolve_cb(const struct goal *g, void *userdata)
{
        struct resolve_ctx *ctx = userdata;
        const char *title = strempty(g->title);

        if (ctx->has_id && g->id == ctx->id) {
                ctx->exact.n = 0;
                return idvec_push(&ctx->exact, g->id) < 0 ? -ENOMEM : 1;
        }
        if (strcasecmp(title, ctx->query) == 0)
                return idvec_push(&ctx->exact, g->id);
        if (strncasecmp(title, ctx->query, ctx->qlen) == 0)
                return idvec_push(&ctx->prefix, g->id);
        if (words_match(ctx->query, title))
                return idvec_push(&ctx->words, g->id);
        return 0;
}

int store_txn_goal_resolve(struct store_txn *t, const char *goal, uint64_t *ret_ids, size_t max)
{
        struct resolve_ctx ctx = {.query = goal};
        const struct idvec *pick;
        char *end = NULL;
        int r;

        if (!goal || !*goal)
                return -EINVAL;
        if (max > 0 && !ret_ids)
                return -EINVAL;
        ctx.qlen = strlen(goal);
        if (goal[0] >= '1' && goal[0] <= '9') {
                unsigned long long v;

                errno = 0;
                v = strtoull(goal, &end, 10);
                ctx.has_id = !errno && !*end;
                ctx.id = v;
        }
        r = store_txn_goal_list(t, resolve_cb, &ctx);
        if (r >= 0) {
                if (r > 0) /* the id matched: it wins */
                        pick = &ctx.exact;
                else if (ctx.exact.n)
                        pick = &ctx.exact;
                else if (ctx.prefix.n)
                        pick = &ctx.prefix;
                else
                        pick = &ctx.words;
                for (size_t i = 0; i < pick->n && i < max; i++)
                        ret_ids[i] = pick->v[i];
                r = pick->n > INT_MAX ? INT_MAX : (int)pick->n;
        }
        idvec_done(&ctx.exact);
        idvec_done(&ctx.prefix);
        idvec_done(&ctx.words);
        return r;
}

/* ---- goal links ---- */

int store_txn_goal_link_put(struct store_txn *t, const struct goal_link *l)
{
        _cleanup_(goal_link_freep) struct goal_link *old = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t key[LINK_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        size_t len;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = record_exists(t, DB_GOALS, l->goal_id);
        if (r >= 0)
                r = record_exists(t, DB_CONTACTS, l->contact_id);
        if (r < 0)
                return r;
        r = codec_goal_link_encode(l, &buf, &len);
        if (r < 0)
                return r;
        r = store_txn_goal_link_get(t, l->goal_id, l->contact_id, &old);
        if (r >= 0)
                r = text_index_link(t, old, false);
        if (r < 0 && r != -ENOENT)
                return r;
        r = text_index_link(t, l, true);
        if (r < 0)
                return r;
        link_key(key, l->goal_id, l->contact_id);
        v = (MDB_val){len, buf};
        rc = rec_put(t, DB_GOAL_LINKS, &k, &v, 0);
        if (rc)
                return txn_err(t, rc);
        return dup_put(t, DB_CONTACT_GOALS, l->contact_id, l->goal_id);
}

int store_txn_goal_link_get(struct store_txn *t, uint64_t goal_id, uint64_t contact_id,
                            struct goal_link **ret)
{
        uint8_t key[LINK_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        struct goal_link *l = NULL;
        int rc, r;

        link_key(key, goal_id, contact_id);
        rc = mdb_get(t->txn, dbi(t, DB_GOAL_LINKS), &k, &v);
        if (rc)
                return txn_err(t, rc);
        r = codec_goal_link_decode(v.mv_data, v.mv_size, &l);
        if (r < 0)
                return r;
        l->goal_id = goal_id;
        l->contact_id = contact_id;
        *ret = l;
        return 0;
}

int store_txn_goal_link_delete(struct store_txn *t, uint64_t goal_id, uint64_t contact_id)
{
        _cleanup_(goal_link_freep) struct goal_link *old = NULL;
        uint8_t key[LINK_KEY_LEN];
        MDB_val k = {sizeof(key), key};
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = store_txn_goal_link_get(t, goal_id, contact_id, &old);
        if (r >= 0)
                r = text_index_link(t, old, false);
        if (r < 0 && r != -ENOENT && r != -EBADMSG)
                return r;
        link_key(key, goal_id, contact_id);
        rc = rec_del(t, DB_GOAL_LINKS, &k);
        if (rc)
                return txn_err(t, rc);
        return dup_del(t, DB_CONTACT_GOALS, contact_id, goal_id);
}

int store_txn_goal_links(struct store_txn *t, uint64_t goal_id, store_goal_link_cb cb,
                         void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t prefix[ID_KEY_LEN];
        MDB_val k = {sizeof(prefix), prefix}, v;
        int rc, r;

        be64_put(prefix, goal_id);
        r = cursor_open(t, DB_GOAL_LINKS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(goal_link_freep) struct goal_link *l = NULL;

                if (k.mv_size != LINK_KEY_LEN || memcmp(k.mv_data, prefix, sizeof(prefix)) != 0)
                        break;
                r = codec_goal_link_decode(v.mv_data, v.mv_size, &l);
                if (r < 0)
                        return r;
                l->goal_id = goal_id;
                l->contact_id = be64_get((const uint8_t *)k.mv_data + 8);
                r = cb(l, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

int store_txn_contact_goal_links(struct store_txn *t, uint64_t contact_id, store_goal_link_cb cb,
                                 void *userdata)
{
        _cleanup_(idvec_done) struct idvec goals = {0};
        int r;

        r = dup_collect(t, DB_CONTACT_GOALS, contact_id, &goals);
        if (r < 0)
                return r;
        for (size_t i = 0; i < goals.n; i++) {
                _cleanup_(goal_link_freep) struct goal_link *l = NULL;

                r = store_txn_goal_link_get(t, goals.v[i], contact_id, &l);
                if (r == -ENOENT) /* an index entry without its link: skip it */
                        continue;
                if (r < 0)
                        return r;
                r = cb(l, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* The text index entries of a link image (undo and redo). */
static int link_text_reindex(struct store_txn *t, uint64_t goal_id, uint64_t contact_id,
                             const MDB_val *image, bool add)
{
        _cleanup_(goal_link_freep) struct goal_link *l = NULL;
        int r;

        if (!image)
                return 0;
        r = codec_goal_link_decode(image->mv_data, image->mv_size, &l);
        if (r == -EBADMSG)
                return 0;
        if (r < 0)
                return r;
        l->goal_id = goal_id;
        l->contact_id = contact_id;
        return text_index_link(t, l, add);
}

int store_goal_link_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                            const MDB_val *new)
{
        uint64_t goal_id, contact_id;
        int r;

        if (key->mv_size != LINK_KEY_LEN)
                return -EBADMSG;
        goal_id = be64_get(key->mv_data);
        contact_id = be64_get((const uint8_t *)key->mv_data + 8);
        r = link_text_reindex(t, goal_id, contact_id, old, false);
        if (r >= 0)
                r = link_text_reindex(t, goal_id, contact_id, new, true);
        if (r < 0)
                return r;
        if (old && !new)
                return dup_del(t, DB_CONTACT_GOALS, contact_id, goal_id);
        if (new && !old)
                return dup_put(t, DB_CONTACT_GOALS, contact_id, goal_id);
        return 0;
}

int store_goal_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                       const MDB_val *new)
{
        const MDB_val *image[2] = {old, new};
        int r;

        if (key->mv_size != ID_KEY_LEN)
                return -EBADMSG;
        for (int i = 0; i < 2; i++) {
                _cleanup_(goal_freep) struct goal *g = NULL;

                if (!image[i])
                        continue;
                r = codec_goal_decode(image[i]->mv_data, image[i]->mv_size, &g);
                if (r == -EBADMSG)
                        continue; /* unreadable: it had no words indexed */
                if (r < 0)
                        return r;
                g->id = be64_get(key->mv_data);
                r = text_index_goal(t, g, i == 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- introductions ---- */

int store_txn_intro_add(struct store_txn *t, struct intro *i)
{
        _cleanup_free_ uint8_t *buf = NULL;
        struct intro tmp = *i;
        uint64_t next;
        size_t len;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (i->a == i->b)
                return -EINVAL;
        r = record_exists(t, DB_CONTACTS, i->a);
        if (r >= 0)
                r = record_exists(t, DB_CONTACTS, i->b);
        if (r < 0)
                return r;
        r = counter_next(t, META_NEXT_INTRO_ID, &next);
        if (r < 0)
                return r;
        if (tmp.id == 0)
                tmp.id = next;
        if (tmp.id == UINT64_MAX)
                return -EOVERFLOW;
        r = uuid_fill(tmp.uuid);
        if (r < 0)
                return r;
        r = codec_intro_encode(&tmp, &buf, &len);
        if (r < 0)
                return r;
        if (tmp.id >= next) {
                r = counter_put(t, META_NEXT_INTRO_ID, tmp.id + 1);
                if (r < 0)
                        return r;
        }
        r = put_record(t, DB_INTROS, tmp.id, buf, len);
        if (r >= 0)
                r = dup_put(t, DB_IDX_INTRO, tmp.a, tmp.id);
        if (r >= 0)
                r = dup_put(t, DB_IDX_INTRO, tmp.b, tmp.id);
        if (r >= 0)
                r = untombstone(t, tmp.uuid);
        if (r < 0)
                return r;
        i->id = tmp.id;
        memcpy(i->uuid, tmp.uuid, sizeof(i->uuid));
        return 0;
}

static int intro_load(struct store_txn *t, uint64_t id, struct intro **ret)
{
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        struct intro *i = NULL;
        int rc, r;

        be64_put(key, id);
        rc = mdb_get(t->txn, dbi(t, DB_INTROS), &k, &v);
        if (rc)
                return txn_err(t, rc);
        r = codec_intro_decode(v.mv_data, v.mv_size, &i);
        if (r < 0)
                return r;
        i->id = id;
        *ret = i;
        return 0;
}

int store_intro_reindex(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                        const MDB_val *new)
{
        _cleanup_(intro_freep) struct intro *a = NULL, *b = NULL;
        uint64_t id;
        int r;

        if (key->mv_size != ID_KEY_LEN)
                return -EBADMSG;
        id = be64_get(key->mv_data);
        if (old) {
                r = codec_intro_decode(old->mv_data, old->mv_size, &a);
                if (r >= 0)
                        r = dup_del(t, DB_IDX_INTRO, a->a, id);
                if (r >= 0)
                        r = dup_del(t, DB_IDX_INTRO, a->b, id);
                if (r < 0)
                        return r;
        }
        if (new) {
                r = codec_intro_decode(new->mv_data, new->mv_size, &b);
                if (r >= 0)
                        r = dup_put(t, DB_IDX_INTRO, b->a, id);
                if (r >= 0)
                        r = dup_put(t, DB_IDX_INTRO, b->b, id);
                if (r < 0)
                        return r;
        }
        return 0;
}

int store_txn_intro_list(struct store_txn *t, store_intro_cb cb, void *userdata)
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

                if (k.mv_size != ID_KEY_LEN)
                        return -EBADMSG;
                r = codec_intro_decode(v.mv_data, v.mv_size, &i);
                if (r < 0)
                        return r;
                i->id = be64_get(k.mv_data);
                r = cb(i, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

int store_txn_contact_intros(struct store_txn *t, uint64_t contact_id, store_intro_cb cb,
                             void *userdata)
{
        _cleanup_(idvec_done) struct idvec ids = {0};
        int r;

        r = dup_collect(t, DB_IDX_INTRO, contact_id, &ids);
        if (r < 0)
                return r;
        for (size_t n = 0; n < ids.n; n++) {
                _cleanup_(intro_freep) struct intro *i = NULL;

                r = intro_load(t, ids.v[n], &i);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = cb(i, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

int store_txn_intro_get(struct store_txn *t, uint64_t id, struct intro **ret)
{
        return intro_load(t, id, ret);
}

int store_txn_intro_delete(struct store_txn *t, uint64_t id, int64_t now)
{
        _cleanup_(intro_freep) struct intro *i = NULL;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = intro_load(t, id, &i);
        if (r < 0)
                return r;
        r = del_record(t, DB_INTROS, id);
        if (r >= 0)
                r = dup_del(t, DB_IDX_INTRO, i->a, id);
        if (r >= 0)
                r = dup_del(t, DB_IDX_INTRO, i->b, id);
        if (r >= 0 && i->uuid[0])
                r = tombstone(t, i->uuid, 'N', now);
        return r;
}

/* ---- interactions toward a goal ---- */

static void goal_interaction_key(uint8_t key[static INTERACTION_KEY_LEN],
                                 const struct interaction *i)
{
        be64_put(key, i->contact_id);
        be64_put(key + 8, time_to_key(i->at));
        be32_put(key + 16, i->seq);
}

int store_goals_interaction_added(struct store_txn *t, const struct interaction *i)
{
        uint8_t kb[ID_KEY_LEN], vb[INTERACTION_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v = {sizeof(vb), vb};
        int rc;

        if (!i->goal_id)
                return 0;
        be64_put(kb, i->goal_id);
        goal_interaction_key(vb, i);
        rc = mdb_put(t->txn, dbi(t, DB_GOAL_INTERACTIONS), &k, &v, MDB_NODUPDATA);
        if (rc == MDB_KEYEXIST)
                rc = 0;
        return txn_err(t, rc);
}

int store_goals_interaction_removed(struct store_txn *t, const struct interaction *i)
{
        uint8_t kb[ID_KEY_LEN], vb[INTERACTION_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v = {sizeof(vb), vb};
        int rc;

        if (!i->goal_id)
                return 0;
        be64_put(kb, i->goal_id);
        goal_interaction_key(vb, i);
        rc = mdb_del(t->txn, dbi(t, DB_GOAL_INTERACTIONS), &k, &v);
        if (rc == MDB_NOTFOUND)
                rc = 0;
        return txn_err(t, rc);
}

struct keyvec {
        uint8_t (*v)[INTERACTION_KEY_LEN];
        size_t n, cap;
};

static void keyvec_done(struct keyvec *kv)
{
        free(kv->v);
        *kv = (struct keyvec){0};
}

/* The interaction keys indexed under goal_id, collected before anyone writes. */
static int goal_interaction_keys(struct store_txn *t, uint64_t goal_id, struct keyvec *out)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t kb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v;
        int rc, r;

        be64_put(kb, goal_id);
        r = cursor_open(t, DB_GOAL_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
                if (v.mv_size != INTERACTION_KEY_LEN)
                        return -EBADMSG;
                if (out->n == out->cap) {
                        size_t cap = out->cap ? out->cap * 2 : 16;
                        void *nv = reallocarray(out->v, cap, INTERACTION_KEY_LEN);

                        if (!nv)
                                return -ENOMEM;
                        out->v = nv;
                        out->cap = cap;
                }
                memcpy(out->v[out->n++], v.mv_data, INTERACTION_KEY_LEN);
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

static int interaction_at(struct store_txn *t, const uint8_t *key, struct interaction **ret)
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
        i->contact_id = be64_get(key);
        i->at = time_from_key(be64_get(key + 8));
        i->seq = be32_get(key + 16);
        *ret = i;
        return 0;
}

int store_txn_goal_interactions(struct store_txn *t, uint64_t goal_id, store_interaction_cb cb,
                                void *userdata)
{
        _cleanup_(keyvec_done) struct keyvec keys = {0};
        int r;

        r = goal_interaction_keys(t, goal_id, &keys);
        if (r < 0)
                return r;
        for (size_t n = 0; n < keys.n; n++) {
                _cleanup_(interaction_freep) struct interaction *i = NULL;

                r = interaction_at(t, keys.v[n], &i);
                if (r == -ENOENT || r == -EBADMSG) /* a stale entry, or an unreadable record */
                        continue;
                if (r < 0)
                        return r;
                if (i->goal_id != goal_id)
                        continue;
                r = cb(i, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* A goal is going away: the interactions toward it are no longer tagged (so that a goal that
 * later gets the same id does not inherit them), and its index entries go. */
static int goal_interactions_untag(struct store_txn *t, uint64_t goal_id)
{
        _cleanup_(keyvec_done) struct keyvec keys = {0};
        uint8_t kb[ID_KEY_LEN];
        MDB_val k = {sizeof(kb), kb};
        int rc, r;

        r = goal_interaction_keys(t, goal_id, &keys);
        if (r < 0)
                return r;
        for (size_t n = 0; n < keys.n; n++) {
                _cleanup_(interaction_freep) struct interaction *i = NULL;
                _cleanup_free_ uint8_t *buf = NULL;
                MDB_val ik = {INTERACTION_KEY_LEN, keys.v[n]}, iv;
                size_t len;

                r = interaction_at(t, keys.v[n], &i);
                if (r == -ENOENT || r == -EBADMSG)
                        continue;
                if (r < 0)
                        return r;
                if (i->goal_id != goal_id)
                        continue;
                i->goal_id = 0;
                r = codec_interaction_encode(i, &buf, &len);
                if (r < 0)
                        return r;
                iv = (MDB_val){len, buf};
                rc = rec_put(t, DB_INTERACTIONS, &ik, &iv, 0);
                if (rc)
                        return txn_err(t, rc);
        }
        be64_put(kb, goal_id);
        rc = mdb_del(t->txn, dbi(t, DB_GOAL_INTERACTIONS), &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

/* ---- settings ---- */

int store_txn_setting_get(struct store_txn *t, const char *name, char **ret)
{
        MDB_val k = {strlen(name), (void *)name}, v;
        char *s;
        int rc;

        if (!*name || strlen(name) > SETTING_NAME_MAX)
                return -EINVAL;
        rc = mdb_get(t->txn, dbi(t, DB_SETTINGS), &k, &v);
        if (rc == MDB_NOTFOUND) {
                *ret = NULL;
                return 0;
        }
        if (rc)
                return txn_err(t, rc);
        if (memchr(v.mv_data, 0, v.mv_size))
                return -EBADMSG;
        s = strndup(v.mv_data, v.mv_size);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int store_txn_setting_put(struct store_txn *t, const char *name, const char *value)
{
        MDB_val k = {strlen(name), (void *)name}, v;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!*name || strlen(name) > SETTING_NAME_MAX)
                return -EINVAL;
        if (!value || !*value) {
                rc = rec_del(t, DB_SETTINGS, &k);
                return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
        }
        if (strlen(value) > SETTING_VALUE_MAX)
                return -E2BIG;
        v = (MDB_val){strlen(value), (void *)value};
        return txn_err(t, rec_put(t, DB_SETTINGS, &k, &v, 0));
}

/* ---- contact deletion ---- */

int store_goals_contact_deleted(struct store_txn *t, uint64_t contact_id, int64_t now)
{
        _cleanup_(idvec_done) struct idvec goals = {0}, intros = {0};
        int r;

        r = dup_collect(t, DB_CONTACT_GOALS, contact_id, &goals);
        if (r < 0)
                return r;
        for (size_t i = 0; i < goals.n; i++) {
                r = store_txn_goal_link_delete(t, goals.v[i], contact_id);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        r = dup_collect(t, DB_IDX_INTRO, contact_id, &intros);
        if (r < 0)
                return r;
        for (size_t n = 0; n < intros.n; n++) {
                _cleanup_(intro_freep) struct intro *i = NULL;

                r = intro_load(t, intros.v[n], &i);
                if (r == -ENOENT)
                        continue;
                if (r < 0 && r != -EBADMSG)
                        return r;
                r = del_record(t, DB_INTROS, intros.v[n]);
                if (r < 0)
                        return r;
                if (i) {
                        r = dup_del(t, DB_IDX_INTRO, i->a, i->id);
                        if (r >= 0)
                                r = dup_del(t, DB_IDX_INTRO, i->b, i->id);
                        if (r >= 0)
                                r = tombstone(t, i->uuid, 'N', now);
                        if (r < 0)
                                return r;
                } else {
                        r = dup_del(t, DB_IDX_INTRO, contact_id, intros.v[n]);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
