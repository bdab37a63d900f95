/* The text index (idx_text): folded words of interaction notes (and gave/got), goal titles
 * and notes, and the why of a goal link, so that `find` reaches a person through what was
 * written about them without reading their history. Contact fields (notes, how-met, brings)
 * are search tokens in idx_token instead: they belong to the contact record.
 *
 * idx_text is DUPSORT | DUPFIXED: folded word → owner ‖ ref, both big-endian u64.
 *   interaction text: owner = contact id, ref = TEXT_REF_INTERACTION | interaction id
 *   goal link why:    owner = contact id, ref = TEXT_REF_LINK | goal id
 *   goal title, note: owner = goal id,    ref = TEXT_REF_GOAL (its people: goal_links)
 * Writes of those records call text_index_*; a write removes the old record's words and adds
 * the new one's. */
#include <stddef.h>
#include <stdio.h>

#include "store-goals.h"
#include "store-internal.h"

#define TEXT_VAL_LEN         16
#define TEXT_REF_KIND        (UINT64_C(3) << 62)
#define TEXT_REF_INTERACTION (UINT64_C(1) << 62)
#define TEXT_REF_LINK        (UINT64_C(2) << 62)
#define TEXT_REF_GOAL        (UINT64_C(3) << 62)

static int text_entry(struct store_txn *t, const char *s, uint64_t owner, uint64_t ref, bool add)
{
        size_t len = s ? strlen(s) : 0, pos = 0, start, wlen;
        uint8_t key[KEY_MAX], val[TEXT_VAL_LEN];
        int rc;

        be64_put(val, owner);
        be64_put(val + 8, ref);
        while (text_next_word(s, len, &pos, &start, &wlen)) {
                MDB_val k = {key_normalize(s + start, wlen, t->store->max_key, key), key};
                MDB_val v = {sizeof(val), val};

                if (k.mv_size == 0)
                        continue;
                if (add)
                        rc = mdb_put(t->txn, dbi(t, DB_IDX_TEXT), &k, &v, MDB_NODUPDATA);
                else
                        rc = mdb_del(t->txn, dbi(t, DB_IDX_TEXT), &k, &v);
                /* A word seen twice in one record is one entry: already there, already gone. */
                if (rc && rc != MDB_KEYEXIST && rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
        }
        return 0;
}

int text_index_interaction(struct store_txn *t, const struct interaction *i, bool add)
{
        uint64_t ref = TEXT_REF_INTERACTION | i->id;
        int r;

        if (!i->id || !i->contact_id)
                return 0;
        r = text_entry(t, i->note, i->contact_id, ref, add);
        if (r >= 0)
                r = text_entry(t, i->gave, i->contact_id, ref, add);
        if (r >= 0)
                r = text_entry(t, i->got, i->contact_id, ref, add);
        return r;
}

int text_index_goal(struct store_txn *t, const struct goal *g, bool add)
{
        int r = text_entry(t, g->title, g->id, TEXT_REF_GOAL, add);

        if (r >= 0)
                r = text_entry(t, g->note, g->id, TEXT_REF_GOAL, add);
        return r;
}

int text_index_link(struct store_txn *t, const struct goal_link *l, bool add)
{
        return text_entry(t, l->why, l->contact_id, TEXT_REF_LINK | l->goal_id, add);
}

/* ---- what the records give the index (store-check.c) ---- */

static int text_entries(const char *s, uint64_t owner, uint64_t ref, size_t max,
                        store_index_entry_cb cb, void *userdata)
{
        size_t len = s ? strlen(s) : 0, pos = 0, start, wlen;
        uint8_t key[KEY_MAX], val[TEXT_VAL_LEN];
        int r;

        be64_put(val, owner);
        be64_put(val + 8, ref);
        while (text_next_word(s, len, &pos, &start, &wlen)) {
                size_t klen = key_normalize(s + start, wlen, max, key);

                if (klen == 0)
                        continue;
                r = cb(DB_IDX_TEXT, key, klen, val, sizeof(val), userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int text_entries_interaction(const struct interaction *i, size_t max, store_index_entry_cb cb,
                             void *userdata)
{
        uint64_t ref = TEXT_REF_INTERACTION | i->id;
        int r;

        if (!i->id || !i->contact_id)
                return 0;
        r = text_entries(i->note, i->contact_id, ref, max, cb, userdata);
        if (r >= 0)
                r = text_entries(i->gave, i->contact_id, ref, max, cb, userdata);
        if (r >= 0)
                r = text_entries(i->got, i->contact_id, ref, max, cb, userdata);
        return r;
}

int text_entries_goal(const struct goal *g, size_t max, store_index_entry_cb cb, void *userdata)
{
        int r = text_entries(g->title, g->id, TEXT_REF_GOAL, max, cb, userdata);

        if (r >= 0)
                r = text_entries(g->note, g->id, TEXT_REF_GOAL, max, cb, userdata);
        return r;
}

int text_entries_link(const struct goal_link *l, size_t max, store_index_entry_cb cb,
                      void *userdata)
{
        return text_entries(l->why, l->contact_id, TEXT_REF_LINK | l->goal_id, max, cb, userdata);
}

/* ---- queries ---- */

int index_prefix_count(struct store_txn *t, enum db db, const uint8_t *word, size_t len,
                       size_t count_max, size_t *ret)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k = {len, (void *)word}, v;
        size_t total = 0;
        int rc, r;

        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        /* Whole duplicate sets at a time: a common word costs one step, not one per entry. */
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
                size_t n;

                if (k.mv_size < len || memcmp(k.mv_data, word, len) != 0)
                        break;
                rc = mdb_cursor_count(cur, &n);
                if (rc)
                        return txn_err(t, rc);
                total += (size_t)n;
                if (count_max && total >= count_max)
                        break;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret = total;
        return 0;
}

int index_prefix_ids(struct store_txn *t, enum db db, const uint8_t *word, size_t len,
                     struct idvec *out)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k = {len, (void *)word}, v;
        int rc, r;

        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        /* A key at a time, its ids a page at a time (DUPFIXED: MDB_GET_MULTIPLE). */
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
                if (k.mv_size < len || memcmp(k.mv_data, word, len) != 0)
                        break;
                for (rc = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); rc == 0;
                     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
                        if (v.mv_size % ID_KEY_LEN)
                                return -EBADMSG;
                        for (size_t i = 0; i < v.mv_size; i += ID_KEY_LEN) {
                                r = idvec_push(out, be64_get((const uint8_t *)v.mv_data + i));
                                if (r < 0)
                                        return r;
                        }
                }
                if (rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

static int link_contact(const struct goal_link *l, void *userdata)
{
        return idvec_push(userdata, l->contact_id);
}

int text_prefix_collect(struct store_txn *t, const uint8_t *word, size_t len, struct idvec *out)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_(idvec_done) struct idvec goals = {0};
        MDB_val k = {len, (void *)word}, v;
        int rc, r;

        r = cursor_open(t, DB_IDX_TEXT, &cur);
        if (r < 0)
                return r;
        /* A key at a time, its values a page at a time (DUPFIXED: MDB_GET_MULTIPLE). */
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
                if (k.mv_size < len || memcmp(k.mv_data, word, len) != 0)
                        break;
                for (rc = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); rc == 0;
                     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
                        const uint8_t *p = v.mv_data;

                        if (v.mv_size % TEXT_VAL_LEN)
                                return -EBADMSG;
                        for (size_t i = 0; i < v.mv_size; i += TEXT_VAL_LEN) {
                                uint64_t ref = be64_get(p + i + 8);

                                r = idvec_push((ref & TEXT_REF_KIND) == TEXT_REF_GOAL ? &goals
                                                                                      : out,
                                               be64_get(p + i));
                                if (r < 0)
                                        return r;
                        }
                }
                if (rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
                /* NEXT_MULTIPLE leaves the cursor on the key's last page: NEXT_NODUP moves on. */
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        idvec_sort_uniq(&goals);
        for (size_t i = 0; i < goals.n; i++) {
                r = store_txn_goal_links(t, goals.v[i], link_contact, out);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- probing one candidate for a word ---- */

void word_probe_done(struct word_probe *p)
{
        if (p->tok)
                mdb_cursor_close(p->tok);
        if (p->txt)
                mdb_cursor_close(p->txt);
        if (p->goals)
                mdb_cursor_close(p->goals);
        free(p->keys);
        free(p->buf);
        *p = (struct word_probe){0};
}

/* Copy the distinct keys of db under prefix word into p (at most limit in all). */
static int probe_keys(struct store_txn *t, enum db db, const uint8_t *word, size_t len,
                      size_t limit, struct word_probe *p, size_t *ret_n)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k = {len, (void *)word}, v;
        size_t n = 0;
        int rc, r;

        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
                if (k.mv_size < len || memcmp(k.mv_data, word, len) != 0)
                        break;
                if (p->n_tok + p->n_txt + n >= limit)
                        return -E2BIG;
                /* Offsets for now: buf moves while it grows. */
                if (p->buf_len + k.mv_size > p->buf_cap) {
                        size_t cap = (p->buf_cap ? p->buf_cap * 2 : 1024) + k.mv_size;
                        uint8_t *b = realloc(p->buf, cap);

                        if (!b)
                                return -ENOMEM;
                        p->buf = b;
                        p->buf_cap = cap;
                }
                if (p->n_tok + p->n_txt + n == p->keys_cap) {
                        size_t cap = p->keys_cap ? p->keys_cap * 2 : 8;
                        MDB_val *kv = reallocarray(p->keys, cap, sizeof(MDB_val));

                        if (!kv)
                                return -ENOMEM;
                        p->keys = kv;
                        p->keys_cap = cap;
                }
                memcpy(p->buf + p->buf_len, k.mv_data, k.mv_size);
                p->keys[p->n_tok + p->n_txt + n] =
                    (MDB_val){k.mv_size, (void *)(uintptr_t)p->buf_len};
                p->buf_len += k.mv_size;
                n++;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret_n = n;
        return 0;
}

int word_probe_init(struct store_txn *t, const uint8_t *word, size_t len, bool text, size_t limit,
                    struct word_probe *p)
{
        size_t n = 0;
        int r;

        *p = (struct word_probe){0};
        r = probe_keys(t, DB_IDX_TOKEN, word, len, limit, p, &n);
        if (r < 0)
                return r;
        p->n_tok = n;
        if (text) {
                r = probe_keys(t, DB_IDX_TEXT, word, len, limit, p, &n);
                if (r < 0)
                        return r;
                p->n_txt = n;
        }
        for (size_t i = 0; i < p->n_tok + p->n_txt; i++)
                p->keys[i].mv_data = p->buf + (uintptr_t)p->keys[i].mv_data;
        r = cursor_open(t, DB_IDX_TOKEN, &p->tok);
        if (r >= 0 && p->n_txt)
                r = cursor_open(t, DB_IDX_TEXT, &p->txt);
        if (r >= 0 && p->n_txt)
                r = cursor_open(t, DB_CONTACT_GOALS, &p->goals);
        return r;
}

/* Whether the text entries under the probe's keys hold owner ‖ ref exactly (ref = 0: any ref
 * of owner, the entry sorting first at or after owner ‖ 0). */
static int probe_text(struct store_txn *t, MDB_cursor *cur, const struct word_probe *p,
                      uint64_t owner, uint64_t ref, bool exact, bool *ret)
{
        uint8_t want[TEXT_VAL_LEN];
        int rc;

        be64_put(want, owner);
        be64_put(want + 8, ref);
        for (size_t i = p->n_tok; i < p->n_tok + p->n_txt; i++) {
                MDB_val k = p->keys[i], v = {sizeof(want), want};

                rc = mdb_cursor_get(cur, &k, &v, exact ? MDB_GET_BOTH : MDB_GET_BOTH_RANGE);
                if (rc == 0 && v.mv_size == TEXT_VAL_LEN &&
                    memcmp(v.mv_data, want, exact ? TEXT_VAL_LEN : 8) == 0) {
                        *ret = true;
                        return 0;
                }
                if (rc && rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
        }
        *ret = false;
        return 0;
}

int word_probe_has(struct store_txn *t, const struct word_probe *p, uint64_t id, bool *ret)
{
        uint8_t idb[ID_KEY_LEN];
        MDB_val k, v;
        int rc, r;

        *ret = false;
        be64_put(idb, id);
        for (size_t i = 0; i < p->n_tok; i++) {
                k = p->keys[i];
                v = (MDB_val){sizeof(idb), idb};
                rc = mdb_cursor_get(p->tok, &k, &v, MDB_GET_BOTH);
                if (rc == 0) {
                        *ret = true;
                        return 0;
                }
                if (rc != MDB_NOTFOUND)
                        return txn_err(t, rc);
        }
        if (!p->n_txt)
                return 0;
        r = probe_text(t, p->txt, p, id, 0, false, ret);
        if (r < 0 || *ret)
                return r;
        /* Goal titles are keyed by goal: try the goals this person is linked to. */
        k = (MDB_val){sizeof(idb), idb};
        for (rc = mdb_cursor_get(p->goals, &k, &v, MDB_SET_KEY); rc == 0 && !*ret;
             rc = mdb_cursor_get(p->goals, &k, &v, MDB_NEXT_DUP)) {
                uint64_t goal;

                r = val_to_id(&v, &goal);
                if (r >= 0)
                        r = probe_text(t, p->txt, p, goal, TEXT_REF_GOAL, true, ret);
                if (r < 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

/* ---- where a contact matches ---- */

/* Whether some word of s starts with the folded word w. */
static bool text_has_prefix(const char *s, const uint8_t *w, size_t wlen, size_t max)
{
        size_t len = s ? strlen(s) : 0, pos = 0, start, n;
        uint8_t key[KEY_MAX];

        while (text_next_word(s, len, &pos, &start, &n)) {
                size_t klen = key_normalize(s + start, n, max, key);

                if (klen >= wlen && memcmp(key, w, wlen) == 0)
                        return true;
        }
        return false;
}

struct match_ctx {
        struct store_txn *t;
        const struct text_words *words;
        bool *found; /* per word */
        store_text_match_cb cb;
        void *userdata;
        struct store_text_match m;
};

/* Mark the words s matches; report the place once when it matched any. */
static int match_text(struct match_ctx *ctx, const char *s)
{
        bool any = false;

        if (!s || !*s)
                return 0;
        for (size_t w = 0; w < ctx->words->n; w++)
                if (text_has_prefix(s, ctx->words->data[w], ctx->words->len[w],
                                    ctx->t->store->max_key)) {
                        ctx->found[w] = true;
                        any = true;
                }
        return any && ctx->cb ? ctx->cb(&ctx->m, ctx->userdata) : 0;
}

static int match_texts(struct match_ctx *ctx, const char *a, const char *b, const char *c)
{
        _cleanup_free_ char *all = NULL;

        if (asprintf(&all, "%s\n%s\n%s", strempty(a), strempty(b), strempty(c)) < 0)
                return -ENOMEM;
        return match_text(ctx, all);
}

static int match_interaction(const struct interaction *i, void *userdata)
{
        struct match_ctx *ctx = userdata;

        ctx->m = (struct store_text_match){
            .field = STORE_MATCH_INTERACTION, .id = i->id, .kind = i->kind, .at = i->at};
        return match_texts(ctx, i->note, i->gave, i->got);
}

static int match_link(const struct goal_link *l, void *userdata)
{
        struct match_ctx *ctx = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r = store_txn_goal_get(ctx->t, l->goal_id, &g);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        ctx->m =
            (struct store_text_match){.field = STORE_MATCH_GOAL, .id = g->id, .title = g->title};
        r = match_texts(ctx, g->title, g->note, NULL);
        if (r != 0)
                return r;
        ctx->m.field = STORE_MATCH_GOAL_WHY;
        return match_text(ctx, l->why);
}

int store_txn_contact_text_matches(struct store_txn *t, const struct contact *c,
                                   const struct text_words *words, bool *found,
                                   store_text_match_cb cb, void *userdata)
{
        static const struct {
                enum store_match_field field;
                size_t offset;
        } fields[] = {
            {STORE_MATCH_NAME, offsetof(struct contact, name)},
            {STORE_MATCH_ORG, offsetof(struct contact, org)},
            {STORE_MATCH_TITLE, offsetof(struct contact, title)},
            {STORE_MATCH_NOTES, offsetof(struct contact, notes)},
            {STORE_MATCH_HOW_MET, offsetof(struct contact, how_met)},
            {STORE_MATCH_BRINGS, offsetof(struct contact, brings)},
        };
        struct match_ctx ctx = {
            .t = t, .words = words, .found = found, .cb = cb, .userdata = userdata};
        bool all = true;
        int r;

        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                ctx.m = (struct store_text_match){.field = fields[i].field};
                r = match_text(&ctx, *(char *const *)((const char *)c + fields[i].offset));
                if (r != 0)
                        return r;
        }
        ctx.m = (struct store_text_match){.field = STORE_MATCH_EMAIL};
        for (char **e = c->emails; e && *e; e++) {
                r = match_text(&ctx, *e);
                if (r != 0)
                        return r;
        }
        ctx.m = (struct store_text_match){.field = STORE_MATCH_TAG};
        for (char **g = c->tags; g && *g; g++) {
                r = match_text(&ctx, *g);
                if (r != 0)
                        return r;
        }
        for (size_t w = 0; w < words->n; w++)
                all = all && found[w];
        /* Only a search for places reads the history; a filter stops once all words matched. */
        if (all && !cb)
                return 0;
        r = store_txn_interaction_list(t, c->id, 0, match_interaction, &ctx);
        if (r != 0)
                return r;
        return store_txn_contact_goal_links(t, c->id, match_link, &ctx);
}

int store_txn_contact_places(struct store_txn *t, const struct contact *c, const char *text,
                             store_text_match_cb cb, void *userdata)
{
        size_t len = strlen(text), pos = 0, start, wlen, n = 0, max = t->store->max_key;
        _cleanup_free_ uint8_t *keys = NULL;
        _cleanup_free_ const uint8_t **data = NULL;
        _cleanup_free_ size_t *lens = NULL;
        _cleanup_free_ bool *found = NULL;
        struct text_words words;

        while (text_next_word(text, len, &pos, &start, &wlen))
                n++;
        keys = malloc(n * max + 1);
        data = calloc(n + 1, sizeof(*data));
        lens = calloc(n + 1, sizeof(*lens));
        found = calloc(n + 1, sizeof(*found));
        if (!keys || !data || !lens || !found)
                return -ENOMEM;
        pos = 0;
        for (size_t w = 0; w < n && text_next_word(text, len, &pos, &start, &wlen); w++) {
                data[w] = keys + w * max;
                lens[w] = key_normalize(text + start, wlen, max, keys + w * max);
        }
        words = (struct text_words){.n = n, .data = data, .len = lens};
        return store_txn_contact_text_matches(t, c, &words, found, cb, userdata);
}

/* ---- schema 2 → 3 ---- */

static int migrate_interaction(const struct interaction *i, void *userdata)
{
        return text_index_interaction(userdata, i, true);
}

static int migrate_goal(const struct goal *g, void *userdata)
{
        return text_index_goal(userdata, g, true);
}

static int migrate_link(const struct goal_link *l, void *userdata)
{
        return text_index_link(userdata, l, true);
}

int store_migrate_text_index(struct store_txn *t)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        _cleanup_(idvec_done) struct idvec contacts = {0};
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_CONTACTS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                if (k.mv_size != ID_KEY_LEN)
                        return -EBADMSG;
                r = idvec_push(&contacts, be64_get(k.mv_data));
                if (r < 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        for (size_t i = 0; i < contacts.n; i++) {
                r = store_txn_interaction_list(t, contacts.v[i], 0, migrate_interaction, t);
                if (r < 0)
                        return r;
        }
        r = store_txn_goal_list(t, migrate_goal, t);
        if (r < 0)
                return r;
        for (size_t i = 0; i < contacts.n; i++) {
                r = store_txn_contact_goal_links(t, contacts.v[i], migrate_link, t);
                if (r < 0)
                        return r;
        }
        return 0;
}
