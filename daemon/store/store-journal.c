/* The undo journal: see "the journal" in store.h.
 *
 * Layout of the journal database (integers big-endian, so entries sort by sequence number):
 *   seq              → header: version ‖ flags ‖ time (offset) ‖ records (u64) ‖
 *                      description NUL ‖ backup path
 *   seq ‖ db ‖ key   → image of one record: 0 (absent) or 1 ‖ the record's bytes
 * meta "journal" → first ‖ applied ‖ last (u64 each): the entries first..last are kept; those
 * up to applied are in effect, the ones after it were undone and can be redone.
 *
 * An entry holds, for each record, the image that flips it: the before-image while the change
 * is in effect, the after-image once it was undone. Undo and redo are the same operation (put
 * the images back, keep the ones they replace) and only move `applied`. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "codec.h"
#include "store-goals.h"
#include "store-internal.h"

#define META_JOURNAL    "journal"
#define STATE_LEN       24
#define SEQ_LEN         8
#define HEADER_VERSION  1
#define HEADER_FIXED    18 /* version, flags, time, records */
#define FLAG_BACKUP     1
#define FLAG_UNRECORDED 2 /* made while the disk was full: no images */
#define IMAGE_ABSENT    0
#define IMAGE_PRESENT   1

struct jstate {
        uint64_t first, applied, last;
};

/* The record databases. Every other one is derived from them (indexes) or holds counters
 * (meta: ids are never handed out twice, so an undone add does not give its id back). */
static const bool journaled[_DB_MAX] = {
    [DB_CONTACTS] = true,   [DB_INTERACTIONS] = true, [DB_TOMBSTONES] = true, [DB_GOALS] = true,
    [DB_GOAL_LINKS] = true, [DB_INTROS] = true,       [DB_SETTINGS] = true,
};

typedef int (*reindex_fn)(struct store_txn *t, const MDB_val *key, const MDB_val *old,
                          const MDB_val *new);

/* The derived entries of each record database; NULL: it has none. */
static const reindex_fn reindex[_DB_MAX] = {
    [DB_CONTACTS] = store_contact_reindex, [DB_INTERACTIONS] = store_interaction_reindex,
    [DB_GOALS] = store_goal_reindex,       [DB_GOAL_LINKS] = store_goal_link_reindex,
    [DB_INTROS] = store_intro_reindex,
};

static int64_t journal_now(const struct store *s)
{
        return s->clock ? s->clock(s->clock_userdata) : (int64_t)time(NULL);
}

/* ---- state ---- */

static int state_get(struct store_txn *t, struct jstate *ret)
{
        MDB_val k = {strlen(META_JOURNAL), (void *)META_JOURNAL}, v;
        const uint8_t *p;
        int rc = mdb_get(t->txn, dbi(t, DB_META), &k, &v);

        if (rc == MDB_NOTFOUND) {
                *ret = (struct jstate){.first = 1};
                return 0;
        }
        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != STATE_LEN)
                return -EBADMSG;
        p = v.mv_data;
        *ret = (struct jstate){be64_get(p), be64_get(p + 8), be64_get(p + 16)};
        if (ret->first == 0 || ret->applied > ret->last || ret->first > ret->last + 1)
                return -EBADMSG;
        return 0;
}

static int state_put(struct store_txn *t, const struct jstate *st)
{
        uint8_t buf[STATE_LEN];
        MDB_val k = {strlen(META_JOURNAL), (void *)META_JOURNAL}, v = {sizeof(buf), buf};

        be64_put(buf, st->first);
        be64_put(buf + 8, st->applied);
        be64_put(buf + 16, st->last);
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_META), &k, &v, 0));
}

int journal_init(struct store_txn *t)
{
        struct jstate st;
        int r = state_get(t, &st);

        if (r < 0)
                return r;
        return state_put(t, &st);
}

/* Delete the entries from..to (inclusive), header and images. */
static int entries_delete(struct store_txn *t, uint64_t from, uint64_t to)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t start[SEQ_LEN];
        int rc, r;

        be64_put(start, from);
        r = cursor_open(t, DB_JOURNAL, &cur);
        if (r < 0)
                return r;
        for (;;) {
                MDB_val k = {sizeof(start), start}, v;

                /* Re-position every round: the cursor never walks across our own deletes. */
                rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
                if (rc == MDB_NOTFOUND)
                        return 0;
                if (rc)
                        return txn_err(t, rc);
                if (k.mv_size < SEQ_LEN)
                        return -EBADMSG;
                if (be64_get(k.mv_data) > to)
                        return 0;
                rc = mdb_cursor_del(cur, 0);
                if (rc)
                        return txn_err(t, rc);
        }
}

/* ---- recording ---- */

/* The first record a write touches opens its entry: what could be redone is dropped. */
static int entry_begin(struct store_txn *t)
{
        struct jstate st;
        int r;

        r = state_get(t, &st);
        if (r < 0)
                return r;
        if (st.last > st.applied) {
                r = entries_delete(t, st.applied + 1, UINT64_MAX);
                if (r < 0)
                        return r;
        }
        if (st.applied == UINT64_MAX)
                return -EOVERFLOW;
        t->journal.seq = st.applied + 1;
        t->journal.first = st.first < t->journal.seq ? st.first : t->journal.seq;
        t->journal.records = 0;
        return 0;
}

static bool capturing(const struct store_txn *t, enum db db)
{
        return journaled[db] && !t->journal.off && !t->journal.restoring && !t->journal.backup[0] &&
               !t->journal.unrecorded;
}

static size_t image_key(uint8_t *buf, uint64_t seq, enum db db, const MDB_val *k)
{
        be64_put(buf, seq);
        buf[SEQ_LEN] = (uint8_t)db;
        memcpy(buf + SEQ_LEN + 1, k->mv_data, k->mv_size);
        return SEQ_LEN + 1 + k->mv_size;
}

/* Take the before-image of record k of db, once per write, before it becomes next (NULL: it
 * is deleted). A write that changes nothing (the same bytes, or deleting what is absent) is
 * no change: it records nothing, and leaves what could be redone alone. */
static int capture(struct store_txn *t, enum db db, const MDB_val *k, const MDB_val *next)
{
        _cleanup_free_ uint8_t *img = NULL;
        uint8_t jkey[KEY_MAX];
        MDB_val jk, jv, cur;
        bool present;
        int rc, r;

        if (SEQ_LEN + 1 + k->mv_size > t->store->max_key)
                return -E2BIG;
        rc = mdb_get(t->txn, dbi(t, db), (MDB_val *)k, &cur);
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        present = rc == 0;
        if (!present)
                cur.mv_size = 0;
        if (!next && !present)
                return 0;
        if (next && present && next->mv_size == cur.mv_size &&
            memcmp(next->mv_data, cur.mv_data, cur.mv_size) == 0)
                return 0;
        /* A copy: cur may live in a dirty page the writes below spill and free. */
        img = malloc(1 + cur.mv_size);
        if (!img)
                return -ENOMEM;
        img[0] = present ? IMAGE_PRESENT : IMAGE_ABSENT;
        if (cur.mv_size)
                memcpy(img + 1, cur.mv_data, cur.mv_size);
        if (!t->journal.seq) {
                r = entry_begin(t);
                if (r < 0)
                        return r;
        }
        jk = (MDB_val){image_key(jkey, t->journal.seq, db, k), jkey};
        jv = (MDB_val){1 + cur.mv_size, img};
        rc = mdb_put(t->txn, dbi(t, DB_JOURNAL), &jk, &jv, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST)
                return 0; /* touched before in this write: the first image counts */
        if (rc)
                return txn_err(t, rc);
        t->journal.records++;
        return 0;
}

int rec_put(struct store_txn *t, enum db db, MDB_val *k, MDB_val *v, unsigned flags)
{
        if (capturing(t, db)) {
                int r = capture(t, db, k, v);

                if (r < 0)
                        return -r; /* lmdb_errno maps a positive errno back */
        }
        return mdb_put(t->txn, dbi(t, db), k, v, flags);
}

int rec_del(struct store_txn *t, enum db db, MDB_val *k)
{
        if (capturing(t, db)) {
                int r = capture(t, db, k, NULL);

                if (r < 0)
                        return -r;
        }
        return mdb_del(t->txn, dbi(t, db), k, NULL);
}

void store_txn_describe(struct store_txn *t, const char *fmt, ...)
{
        va_list ap;

        if (t->journal.desc[0])
                return; /* the outermost writer knows best what the change was */
        va_start(ap, fmt);
        vsnprintf(t->journal.desc, sizeof(t->journal.desc), fmt, ap);
        va_end(ap);
}

void store_txn_no_journal(struct store_txn *t)
{
        t->journal.off = true;
}

void store_txn_journal_backup(struct store_txn *t, const char *path)
{
        snprintf(t->journal.backup, sizeof(t->journal.backup), "%s", path);
}

/* ---- describing a change from its records ---- */

enum { ADDED, CHANGED, REMOVED, _HOW_MAX };

struct tally {
        uint64_t n[_DB_MAX][_HOW_MAX];
        char *name[_DB_MAX][_HOW_MAX]; /* the first contact's name, goal's title, per how */
};

static void tally_done(struct tally *ty)
{
        for (size_t i = 0; i < _DB_MAX; i++)
                for (size_t h = 0; h < _HOW_MAX; h++)
                        free(ty->name[i][h]);
}

static char *record_name(enum db db, const MDB_val *v)
{
        char *s = NULL;

        if (db == DB_CONTACTS) {
                _cleanup_(contact_freep) struct contact *c = NULL;

                if (codec_contact_decode(v->mv_data, v->mv_size, &c) >= 0 && c->name)
                        s = strdup(c->name);
        } else if (db == DB_GOALS) {
                _cleanup_(goal_freep) struct goal *g = NULL;

                if (codec_goal_decode(v->mv_data, v->mv_size, &g) >= 0 && g->title)
                        s = strdup(g->title);
        }
        return s;
}

static void append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t size, const char *fmt, ...)
{
        size_t len = strnlen(buf, size);
        va_list ap;

        if (len + 3 >= size)
                return;
        if (len) {
                memcpy(buf + len, ", ", 3);
                len += 2;
        }
        va_start(ap, fmt);
        vsnprintf(buf + len, size - len, fmt, ap);
        va_end(ap);
}

static const char *const how_words[_HOW_MAX] = {"added", "changed", "removed"};

static void describe_db(char *buf, size_t size, const struct tally *ty, enum db db, const char *one,
                        const char *many, const char *named)
{
        /* Removals first: "removed David Okafor, 2 contacts changed" (those that named him). */
        static const int order[_HOW_MAX] = {REMOVED, ADDED, CHANGED};

        for (int i = 0; i < _HOW_MAX; i++) {
                int h = order[i];
                uint64_t n = ty->n[db][h];

                if (n == 0)
                        continue;
                if (n == 1 && ty->name[db][h])
                        append(buf, size, "%s %s%s", how_words[h], named, ty->name[db][h]);
                else
                        append(buf, size, "%llu %s %s", (unsigned long long)n, n == 1 ? one : many,
                               how_words[h]);
        }
}

/* "added Jane Doe, 1 interaction added": what the entry's records say it did. */
static int describe_entry(struct store_txn *t, char *buf, size_t size)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        struct tally ty = {0};
        uint8_t start[SEQ_LEN];
        MDB_val k = {sizeof(start), start}, v;
        int rc, r;

        be64_put(start, t->journal.seq);
        r = cursor_open(t, DB_JOURNAL, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                const uint8_t *kp = k.mv_data, *vp = v.mv_data;
                MDB_val rk, now;
                bool before, after;
                enum db db;
                int how;

                if (k.mv_size < SEQ_LEN || be64_get(kp) != t->journal.seq)
                        break;
                if (k.mv_size == SEQ_LEN || v.mv_size < 1 || kp[SEQ_LEN] >= _DB_MAX)
                        continue;
                db = kp[SEQ_LEN];
                rk = (MDB_val){k.mv_size - SEQ_LEN - 1, (void *)(kp + SEQ_LEN + 1)};
                before = vp[0] == IMAGE_PRESENT;
                rc = mdb_get(t->txn, dbi(t, db), &rk, &now);
                if (rc && rc != MDB_NOTFOUND)
                        break;
                after = rc == 0;
                if (before == after && !before)
                        continue; /* touched and gone again */
                how = !before ? ADDED : !after ? REMOVED : CHANGED;
                ty.n[db][how]++;
                if (!ty.name[db][how] && (db == DB_CONTACTS || db == DB_GOALS)) {
                        MDB_val img = {v.mv_size - 1, (void *)(vp + 1)};

                        ty.name[db][how] = record_name(db, after ? &now : &img);
                }
        }
        if (rc && rc != MDB_NOTFOUND) {
                tally_done(&ty);
                return txn_err(t, rc);
        }
        buf[0] = 0;
        describe_db(buf, size, &ty, DB_CONTACTS, "contact", "contacts", "");
        describe_db(buf, size, &ty, DB_INTERACTIONS, "interaction", "interactions", "");
        describe_db(buf, size, &ty, DB_GOALS, "goal", "goals", "goal ");
        describe_db(buf, size, &ty, DB_GOAL_LINKS, "goal link", "goal links", "");
        describe_db(buf, size, &ty, DB_INTROS, "introduction", "introductions", "");
        describe_db(buf, size, &ty, DB_SETTINGS, "setting", "settings", "");
        if (!buf[0])
                snprintf(buf, size, "no visible change");
        tally_done(&ty);
        return 0;
}

/* ---- headers ---- */

static int header_put(struct store_txn *t, uint64_t seq, int64_t at, const char *desc,
                      const char *backup)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t dlen = strlen(desc), blen = strlen(backup), len = HEADER_FIXED + dlen + 1 + blen;
        uint8_t key[SEQ_LEN];
        MDB_val k = {sizeof(key), key}, v;

        buf = malloc(len);
        if (!buf)
                return -ENOMEM;
        buf[0] = HEADER_VERSION;
        buf[1] = (backup[0] ? FLAG_BACKUP : 0) | (t->journal.unrecorded ? FLAG_UNRECORDED : 0);
        be64_put(buf + 2, time_to_key(at));
        be64_put(buf + 10, t->journal.records);
        memcpy(buf + HEADER_FIXED, desc, dlen + 1);
        memcpy(buf + HEADER_FIXED + dlen + 1, backup, blen);
        be64_put(key, seq);
        v = (MDB_val){len, buf};
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_JOURNAL), &k, &v, 0));
}

static int header_get(struct store_txn *t, uint64_t seq, const struct jstate *st,
                      struct store_journal_entry *ret)
{
        uint8_t key[SEQ_LEN];
        MDB_val k = {sizeof(key), key}, v;
        const uint8_t *p, *nul;
        size_t dlen, blen;
        int rc;

        be64_put(key, seq);
        rc = mdb_get(t->txn, dbi(t, DB_JOURNAL), &k, &v);
        if (rc)
                return txn_err(t, rc);
        p = v.mv_data;
        if (v.mv_size < HEADER_FIXED + 1 || p[0] != HEADER_VERSION)
                return -EBADMSG;
        nul = memchr(p + HEADER_FIXED, 0, v.mv_size - HEADER_FIXED);
        if (!nul)
                return -EBADMSG;
        dlen = (size_t)(nul - (p + HEADER_FIXED));
        blen = v.mv_size - HEADER_FIXED - dlen - 1;
        if (dlen >= sizeof(ret->description) || blen >= sizeof(ret->backup))
                return -EBADMSG;
        *ret = (struct store_journal_entry){
            .seq = seq,
            .at = time_from_key(be64_get(p + 2)),
            .records = be64_get(p + 10),
            .undone = seq > st->applied,
            .unrecorded = p[1] & FLAG_UNRECORDED,
        };
        memcpy(ret->description, p + HEADER_FIXED, dlen);
        memcpy(ret->backup, nul + 1, blen);
        if ((p[1] & FLAG_BACKUP) && !ret->backup[0])
                return -EBADMSG;
        return 0;
}

/* Keep the last STORE_JOURNAL_KEEP entries and every entry younger than the cut-off. */
static int prune(struct store_txn *t, struct jstate *st, int64_t now)
{
        while (st->last - st->first + 1 > STORE_JOURNAL_KEEP) {
                struct store_journal_entry e;
                int r = header_get(t, st->first, st, &e);

                if (r < 0 && r != -ENOENT && r != -EBADMSG)
                        return r;
                if (r >= 0 && e.at > now - STORE_JOURNAL_KEEP_SECONDS)
                        break;
                r = entries_delete(t, st->first, st->first);
                if (r < 0)
                        return r;
                st->first++;
        }
        return 0;
}

int journal_finish(struct store_txn *t)
{
        struct jstate st;
        int64_t now;
        int r;

        if (t->journal.off || t->journal.restoring)
                return 0;
        if (!t->journal.seq) {
                if (!t->journal.backup[0] && !t->journal.unrecorded)
                        return 0; /* nothing was written */
                r = entry_begin(t);
                if (r < 0)
                        return r;
        }
        now = journal_now(t->store);
        if (!t->journal.desc[0] && t->journal.unrecorded)
                snprintf(t->journal.desc, sizeof(t->journal.desc), "a change");
        if (!t->journal.desc[0]) {
                r = describe_entry(t, t->journal.desc, sizeof(t->journal.desc));
                if (r < 0)
                        return r;
        }
        r = header_put(t, t->journal.seq, now, t->journal.desc, t->journal.backup);
        if (r < 0)
                return r;
        st = (struct jstate){t->journal.first, t->journal.seq, t->journal.seq};
        r = prune(t, &st, now);
        if (r < 0)
                return r;
        return state_put(t, &st);
}

/* ---- undo and redo ---- */

struct image {
        enum db db;
        bool present;
        MDB_val key, val; /* point into data */
        uint8_t *data;
};

struct images {
        struct image *v;
        size_t n, cap;
};

static void images_done(struct images *im)
{
        for (size_t i = 0; i < im->n; i++)
                free(im->v[i].data);
        free(im->v);
        *im = (struct images){0};
}

static int images_push(struct images *im, enum db db, const MDB_val *key, const MDB_val *img)
{
        struct image *x;
        size_t vlen = img->mv_size - 1;

        if (im->n == im->cap) {
                size_t cap = im->cap ? im->cap * 2 : 16;
                struct image *p = reallocarray(im->v, cap, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                im->v = p;
                im->cap = cap;
        }
        x = &im->v[im->n];
        x->data = malloc(key->mv_size + vlen + 1);
        if (!x->data)
                return -ENOMEM;
        memcpy(x->data, key->mv_data, key->mv_size);
        memcpy(x->data + key->mv_size, (const uint8_t *)img->mv_data + 1, vlen);
        x->db = db;
        x->present = ((const uint8_t *)img->mv_data)[0] == IMAGE_PRESENT;
        x->key = (MDB_val){key->mv_size, x->data};
        x->val = (MDB_val){vlen, x->data + key->mv_size};
        im->n++;
        return 0;
}

/* The images of entry seq, copied: putting them back writes to the journal. */
static int images_load(struct store_txn *t, uint64_t seq, struct images *out)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t start[SEQ_LEN];
        MDB_val k = {sizeof(start), start}, v;
        int rc, r;

        be64_put(start, seq);
        r = cursor_open(t, DB_JOURNAL, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                const uint8_t *kp = k.mv_data;
                MDB_val rk;

                if (k.mv_size < SEQ_LEN || be64_get(kp) != seq)
                        break;
                if (k.mv_size == SEQ_LEN)
                        continue;
                if (kp[SEQ_LEN] >= _DB_MAX || !journaled[kp[SEQ_LEN]] || v.mv_size < 1)
                        return -EBADMSG;
                rk = (MDB_val){k.mv_size - SEQ_LEN - 1, (void *)(kp + SEQ_LEN + 1)};
                r = images_push(out, kp[SEQ_LEN], &rk, &v);
                if (r < 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

/* Put one image back: the record's derived entries move first, then the record itself; the
 * journal keeps the image it replaced. */
static int image_flip(struct store_txn *t, uint64_t seq, const struct image *x)
{
        _cleanup_free_ uint8_t *was = NULL;
        uint8_t jkey[KEY_MAX];
        MDB_val cur, old, jk, jv;
        bool present;
        int rc, r;

        if (SEQ_LEN + 1 + x->key.mv_size > t->store->max_key)
                return -EBADMSG;
        rc = mdb_get(t->txn, dbi(t, x->db), (MDB_val *)&x->key, &cur);
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        present = rc == 0;
        was = malloc(1 + (present ? cur.mv_size : 0));
        if (!was)
                return -ENOMEM;
        was[0] = present ? IMAGE_PRESENT : IMAGE_ABSENT;
        if (present && cur.mv_size)
                memcpy(was + 1, cur.mv_data, cur.mv_size);
        old = (MDB_val){present ? cur.mv_size : 0, was + 1};

        if (reindex[x->db]) {
                r = reindex[x->db](t, &x->key, present ? &old : NULL, x->present ? &x->val : NULL);
                if (r < 0)
                        return r;
        }
        if (x->present)
                rc = mdb_put(t->txn, dbi(t, x->db), (MDB_val *)&x->key, (MDB_val *)&x->val, 0);
        else if (present)
                rc = mdb_del(t->txn, dbi(t, x->db), (MDB_val *)&x->key, NULL);
        else
                rc = 0;
        if (rc)
                return txn_err(t, rc);
        jk = (MDB_val){image_key(jkey, seq, x->db, &x->key), jkey};
        jv = (MDB_val){1 + old.mv_size, was};
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_JOURNAL), &jk, &jv, 0));
}

/* Flip every image of entry seq. Removals first, so that a key an index holds once (a uuid)
 * is free before the record that takes it comes back. */
static int entry_flip(struct store_txn *t, uint64_t seq)
{
        _cleanup_(images_done) struct images im = {0};
        int r;

        r = images_load(t, seq, &im);
        if (r < 0)
                return r;
        t->journal.restoring = true;
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < im.n; i++) {
                        if (im.v[i].present != (pass == 1))
                                continue;
                        r = image_flip(t, seq, &im.v[i]);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int store_txn_undo(struct store_txn *t, struct store_journal_entry *ret)
{
        struct jstate st;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = state_get(t, &st);
        if (r < 0)
                return r;
        if (st.applied < st.first)
                return -ENOENT;
        r = header_get(t, st.applied, &st, ret);
        if (r < 0)
                return r == -ENOENT ? -EBADMSG : r;
        if (ret->backup[0])
                return -EXDEV;
        if (ret->unrecorded)
                return -ENODATA;
        r = entry_flip(t, st.applied);
        if (r < 0)
                return r;
        st.applied--;
        ret->undone = true;
        return state_put(t, &st);
}

int store_txn_redo(struct store_txn *t, struct store_journal_entry *ret)
{
        struct jstate st;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = state_get(t, &st);
        if (r < 0)
                return r;
        if (st.applied >= st.last)
                return -ENOENT;
        r = header_get(t, st.applied + 1, &st, ret);
        if (r < 0)
                return r == -ENOENT ? -EBADMSG : r;
        r = entry_flip(t, st.applied + 1);
        if (r < 0)
                return r;
        st.applied++;
        ret->undone = false;
        return state_put(t, &st);
}

int store_txn_journal_list(struct store_txn *t, size_t limit, store_journal_cb cb, void *userdata)
{
        struct jstate st;
        size_t seen = 0;
        int r;

        r = state_get(t, &st);
        if (r < 0)
                return r;
        for (uint64_t seq = st.last; seq >= st.first && seq > 0 && (!limit || seen < limit);
             seq--) {
                struct store_journal_entry e;

                r = header_get(t, seq, &st, &e);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                seen++;
                r = cb(&e, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* ---- checking (store-check.c) ---- */

/* Whether a present image decodes as a record of its database. */
static bool image_decodes(enum db db, const uint8_t *p, size_t len)
{
        int r = 0;

        switch (db) {
        case DB_CONTACTS: {
                _cleanup_(contact_freep) struct contact *c = NULL;

                r = codec_contact_decode(p, len, &c);
                break;
        }
        case DB_INTERACTIONS: {
                _cleanup_(interaction_freep) struct interaction *i = NULL;

                r = codec_interaction_decode(p, len, &i);
                break;
        }
        case DB_GOALS: {
                _cleanup_(goal_freep) struct goal *g = NULL;

                r = codec_goal_decode(p, len, &g);
                break;
        }
        case DB_GOAL_LINKS: {
                _cleanup_(goal_link_freep) struct goal_link *l = NULL;

                r = codec_goal_link_decode(p, len, &l);
                break;
        }
        case DB_INTROS: {
                _cleanup_(intro_freep) struct intro *i = NULL;

                r = codec_intro_decode(p, len, &i);
                break;
        }
        case DB_TOMBSTONES:
                return len >= TOMBSTONE_LEN;
        default:
                return true;
        }
        return r >= 0;
}

int journal_check(struct store_txn *t, uint64_t *ret_entries, uint64_t *ret_problems)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        struct jstate st;
        uint64_t entries = 0, problems = 0, header = 0;
        MDB_val k, v;
        int rc, r;

        r = state_get(t, &st);
        if (r == -EBADMSG) {
                st = (struct jstate){.first = 1};
                problems++;
        } else if (r < 0)
                return r;
        r = cursor_open(t, DB_JOURNAL, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                const uint8_t *kp = k.mv_data, *vp = v.mv_data;
                uint64_t seq;

                if (k.mv_size < SEQ_LEN) {
                        problems++;
                        continue;
                }
                seq = be64_get(kp);
                if (seq < st.first || seq > st.last) { /* outside the entries kept */
                        problems++;
                        continue;
                }
                if (k.mv_size == SEQ_LEN) {
                        struct store_journal_entry e;

                        /* Entries in sequence: each the one after the previous. */
                        if (seq != (header ? header + 1 : st.first) ||
                            header_get(t, seq, &st, &e) < 0)
                                problems++;
                        header = seq;
                        entries++;
                        continue;
                }
                /* An image: after its entry's header, of a record database, decodable. */
                if (seq != header || kp[SEQ_LEN] >= _DB_MAX || !journaled[kp[SEQ_LEN]] ||
                    v.mv_size < 1 || vp[0] > IMAGE_PRESENT ||
                    (vp[0] == IMAGE_PRESENT && !image_decodes(kp[SEQ_LEN], vp + 1, v.mv_size - 1)))
                        problems++;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        if (st.last >= st.first && entries != st.last - st.first + 1)
                problems++; /* an entry is missing */
        *ret_entries = entries;
        *ret_problems = problems;
        return 0;
}

int journal_reset(struct store_txn *t)
{
        struct jstate st;
        int rc, r;

        r = state_get(t, &st);
        if (r == -EBADMSG)
                st = (struct jstate){.first = 1};
        else if (r < 0)
                return r;
        rc = mdb_drop(t->txn, dbi(t, DB_JOURNAL), 0);
        if (rc)
                return txn_err(t, rc);
        return state_put(
            t, &(struct jstate){.first = st.last + 1, .applied = st.last, .last = st.last});
}
