/* One person, one record; see identity.h. */
#include "identity.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "goals.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "util.h"

#define DUPES_NAME_CANDIDATES 8
#define PHONE_DIGITS_MIN      6 /* fewer digits are an extension, not a number */

int identity_name_taken(struct store_txn *t, const char *name, uint64_t self, struct contact **ret)
{
        uint64_t ids[DUPES_NAME_CANDIDATES];
        int n = store_txn_ids_by_name(t, name, ids, DUPES_NAME_CANDIDATES);

        if (n < 0)
                return n;
        for (int i = 0; i < n && i < DUPES_NAME_CANDIDATES; i++) {
                int r;

                if (ids[i] == self)
                        continue;
                r = store_txn_contact_get(t, ids[i], ret);
                if (r == -ENOENT)
                        continue;
                return r < 0 ? r : 1;
        }
        return 0;
}

int identity_check_name(struct store_txn *t, const char *name, uint64_t self, struct op_error *e)
{
        _cleanup_(contact_freep) struct contact *other = NULL;
        uint64_t ids[DUPES_NAME_CANDIDATES];
        int n, r;

        /* Keeping one's own name (in any case) makes no new duplicate, even when an older
         * one exists. */
        n = self ? store_txn_ids_by_name(t, name, ids, DUPES_NAME_CANDIDATES) : 0;
        if (n < 0)
                return n;
        for (int i = 0; i < n && i < DUPES_NAME_CANDIDATES; i++)
                if (ids[i] == self)
                        return 0;
        r = identity_name_taken(t, name, self, &other);
        if (r <= 0)
                return r;
        return op_error_set(e, "io.tend.Contacts.NameInUse",
                            json_pack("{s:s,s:o}", "name", name, "contact",
                                      reply_contact_ref(other->id, other->name)));
}

static bool same_folded(const char *a, const char *b)
{
        return text_fold_equal(a, b);
}

struct title_match {
        const char *title;
        uint64_t self;
        uint64_t id;
        char *found;
};

static int match_title(const struct goal *g, void *userdata)
{
        struct title_match *m = userdata;

        if (g->id == m->self || !g->title || !same_folded(g->title, m->title))
                return 0;
        m->id = g->id;
        m->found = strdup(g->title);
        return m->found ? 1 : -ENOMEM;
}

int identity_check_goal_title(struct store_txn *t, const char *title, uint64_t self,
                              struct op_error *e)
{
        struct title_match m = {.title = title, .self = self};
        int r;

        /* Goals are a person's few aims (GOALS_MAX), not a task list: a walk is cheap. */
        r = store_txn_goal_list(t, match_title, &m);
        if (r <= 0)
                return r;
        r = op_error_set(e, "io.tend.Goals.TitleInUse",
                         json_pack("{s:s,s:o}", "title", title, "goal", goals_ref(m.id, m.found)));
        free(m.found);
        return r;
}

/* ---- removing someone ---- */

struct referrer_walk {
        uint64_t id;
        struct referrers *rf;
        size_t cap_met, cap_via;
};

static int id_push(uint64_t **v, size_t *n, size_t *cap, uint64_t id)
{
        if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 8;
                uint64_t *p = reallocarray(*v, c, sizeof(uint64_t));

                if (!p)
                        return -ENOMEM;
                *v = p;
                *cap = c;
        }
        (*v)[(*n)++] = id;
        return 0;
}

static int collect_referrer(const struct contact *c, void *userdata)
{
        struct referrer_walk *w = userdata;
        int r = 0;

        if (c->id == w->id)
                return 0;
        if (c->introduced_by == w->id)
                r = id_push(&w->rf->met, &w->rf->n_met, &w->cap_met, c->id);
        if (r >= 0 && c->prospect_via == w->id)
                r = id_push(&w->rf->via, &w->rf->n_via, &w->cap_via, c->id);
        return r;
}

void referrers_done(struct referrers *rf)
{
        free(rf->met);
        free(rf->via);
        *rf = (struct referrers){0};
}

int identity_referrers(struct store_txn *t, uint64_t id, struct referrers *rf)
{
        struct referrer_walk w = {.id = id, .rf = rf};
        int r;

        *rf = (struct referrers){0};
        r = store_txn_contact_walk(t, collect_referrer, &w);
        if (r < 0)
                referrers_done(rf);
        return r < 0 ? r : 0;
}

static int refs_json(struct store_txn *t, const uint64_t *ids, size_t n, json_t **ret)
{
        json_t *a = json_array();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                int r = store_txn_contact_get(t, ids[i], &c);

                if (r == -ENOENT)
                        continue;
                if (r < 0 || json_array_append_new(a, reply_contact_ref(c->id, c->name)) < 0) {
                        json_decref(a);
                        return r < 0 ? r : -ENOMEM;
                }
        }
        *ret = a;
        return 0;
}

struct cascade_ctx {
        struct store_txn *t;
        uint64_t id;
        json_t *array;
};

static int cascade_intro(const struct intro *i, void *userdata)
{
        struct cascade_ctx *ctx = userdata;
        _cleanup_(contact_freep) struct contact *other = NULL;
        uint64_t with = i->a == ctx->id ? i->b : i->a;
        int r = store_txn_contact_get(ctx->t, with, &other);

        if (r < 0 && r != -ENOENT)
                return r;
        if (json_array_append_new(ctx->array,
                                  json_pack("{s:I,s:o}", "id", (json_int_t)i->id, "with",
                                            reply_contact_ref(with, other ? other->name : ""))) < 0)
                return -ENOMEM;
        return 0;
}

static int cascade_link(const struct goal_link *l, void *userdata)
{
        struct cascade_ctx *ctx = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r = store_txn_goal_get(ctx->t, l->goal_id, &g);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return json_array_append_new(ctx->array, goals_ref(g->id, g->title)) < 0 ? -ENOMEM : 0;
}

int identity_remove_cascade(struct store_txn *t, const struct contact *c, json_t **ret)
{
        _cleanup_(referrers_done) struct referrers rf = {0};
        struct cascade_ctx intros = {.t = t, .id = c->id, .array = json_array()};
        struct cascade_ctx links = {.t = t, .id = c->id, .array = json_array()};
        json_t *met_json = NULL, *via_json = NULL;
        uint64_t count = 0;
        int r;

        if (!intros.array || !links.array) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_txn_interaction_count(t, c->id, &count);
        if (r >= 0)
                r = store_txn_contact_intros(t, c->id, cascade_intro, &intros);
        if (r >= 0)
                r = store_txn_contact_goal_links(t, c->id, cascade_link, &links);
        if (r >= 0)
                r = identity_referrers(t, c->id, &rf);
        if (r >= 0)
                r = refs_json(t, rf.met, rf.n_met, &met_json);
        if (r >= 0)
                r = refs_json(t, rf.via, rf.n_via, &via_json);
        if (r < 0)
                goto fail;
        *ret = json_pack("{s:o,s:I,s:o,s:o,s:o,s:o}", "contact", reply_contact_ref(c->id, c->name),
                         "interactions", (json_int_t)count, "introductions", intros.array,
                         "goal_links", links.array, "met_via_of", met_json, "prospect_via_of",
                         via_json);
        return *ret ? 0 : -ENOMEM;
fail:
        json_decref(intros.array);
        json_decref(links.array);
        json_decref(met_json);
        json_decref(via_json);
        return r;
}

/* Point the references to c in ids (met-via: via false; prospect via: via true) at nothing,
 * keeping c's name as text. */
static int refs_to_text(struct store_txn *t, const struct contact *c, const uint64_t *ids, size_t n,
                        bool via)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_(contact_freep) struct contact *p = NULL;
                int r = store_txn_contact_get(t, ids[i], &p);

                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (via) {
                        p->prospect_via = 0;
                        r = free_and_strdup(&p->prospect_via_name, c->name);
                } else {
                        p->introduced_by = 0;
                        r = free_and_strdup(&p->met_via_name, c->name);
                }
                if (r >= 0)
                        r = store_txn_contact_put(t, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

int identity_remove(struct store_txn *t, const struct contact *c, int64_t now)
{
        _cleanup_(referrers_done) struct referrers rf = {0};
        int r = identity_referrers(t, c->id, &rf);

        if (r >= 0)
                r = refs_to_text(t, c, rf.met, rf.n_met, false);
        if (r >= 0)
                r = refs_to_text(t, c, rf.via, rf.n_via, true);
        if (r >= 0)
                r = store_txn_contact_delete(t, c->id, now);
        return r;
}

/* ---- duplicates ---- */

struct dupes {
        struct store_txn *t;
        json_t *groups;
        size_t limit;
};

static int group_add(struct dupes *d, const char *reason, const char *value, const uint64_t *ids,
                     size_t n)
{
        json_t *refs = NULL;
        int r;

        if (d->limit && json_array_size(d->groups) >= d->limit)
                return 1;
        r = refs_json(d->t, ids, n, &refs);
        if (r < 0)
                return r;
        if (json_array_size(refs) < 2) {
                json_decref(refs);
                return 0;
        }
        if (json_array_append_new(d->groups, json_pack("{s:s,s:s,s:o}", "reason", reason, "value",
                                                       value, "contacts", refs)) < 0)
                return -ENOMEM;
        return 0;
}

static int shared_email(const char *key, const uint64_t *ids, size_t n, void *userdata)
{
        return group_add(userdata, "email", key, ids, n);
}

static int shared_name(const char *key, const uint64_t *ids, size_t n, void *userdata)
{
        return group_add(userdata, "name", key, ids, n);
}

/* One (key, contact) pair of the pass over contacts. */
struct dkey {
        char *key;
        char *folded; /* name words: the folded full name, to leave exact names to "name" */
        uint64_t id;
};

struct dkeys {
        struct dkey *v;
        size_t n, cap;
};

static void dkeys_done(struct dkeys *k)
{
        for (size_t i = 0; i < k->n; i++) {
                free(k->v[i].key);
                free(k->v[i].folded);
        }
        free(k->v);
}

static int dkeys_push(struct dkeys *k, char *key, char *folded, uint64_t id)
{
        if (k->n == k->cap) {
                size_t cap = k->cap ? k->cap * 2 : 64;
                struct dkey *v = reallocarray(k->v, cap, sizeof(*v));

                if (!v) {
                        free(key);
                        free(folded);
                        return -ENOMEM;
                }
                k->v = v;
                k->cap = cap;
        }
        k->v[k->n++] = (struct dkey){key, folded, id};
        return 0;
}

static int dkey_cmp(const void *a, const void *b)
{
        const struct dkey *x = a, *y = b;
        int c = strcmp(x->key, y->key);

        return c ? c : (x->id > y->id) - (x->id < y->id);
}

struct pass {
        struct dkeys phones, words;
};

static void pass_done(struct pass *p)
{
        dkeys_done(&p->phones);
        dkeys_done(&p->words);
}

static char *phone_digits(const char *phone)
{
        size_t n = 0;
        char *d = malloc(strlen(phone) + 1);

        if (!d)
                return NULL;
        for (const char *p = phone; *p; p++)
                if (*p >= '0' && *p <= '9')
                        d[n++] = *p;
        d[n] = 0;
        return d;
}

static int word_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folded words of a name, sorted and joined by single spaces ("green rachel"). */
static char *name_words_key(const char *folded)
{
        _cleanup_free_ char *copy = strdup(folded);
        _cleanup_free_ char **words = NULL;
        size_t n = 0, len = 0;
        char *save = NULL, *key;

        if (!copy)
                return NULL;
        words = calloc(strlen(folded) / 2 + 2, sizeof(char *));
        if (!words)
                return NULL;
        for (char *w = strtok_r(copy, " \t,.-", &save); w; w = strtok_r(NULL, " \t,.-", &save)) {
                words[n++] = w;
                len += strlen(w) + 1;
        }
        qsort_safe(words, n, sizeof(char *), word_cmp);
        key = calloc(len + 1, 1);
        if (!key)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (i)
                        strcat(key, " ");
                strcat(key, words[i]);
        }
        return key;
}

static int pass_contact(const struct contact *c, void *userdata)
{
        struct pass *p = userdata;
        char *folded, *key;
        int r;

        for (char **ph = c->phones; ph && *ph; ph++) {
                char *digits = phone_digits(*ph);

                if (!digits)
                        return -ENOMEM;
                if (strlen(digits) < PHONE_DIGITS_MIN) {
                        free(digits);
                        continue;
                }
                r = dkeys_push(&p->phones, digits, NULL, c->id);
                if (r < 0)
                        return r;
        }
        if (!c->name || !strchr(c->name, ' '))
                return 0; /* one word: its order cannot differ */
        folded = text_fold_dup(c->name);
        if (!folded)
                return -ENOMEM;
        key = name_words_key(folded);
        if (!key) {
                free(folded);
                return -ENOMEM;
        }
        return dkeys_push(&p->words, key, folded, c->id);
}

/* Groups of equal keys in sorted k; for name words only those whose names differ. */
static int groups_from(struct dupes *d, struct dkeys *k, const char *reason, bool words)
{
        _cleanup_free_ uint64_t *ids = NULL;
        int r;

        qsort_safe(k->v, k->n, sizeof(*k->v), dkey_cmp);
        ids = calloc(k->n + 1, sizeof(uint64_t));
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < k->n;) {
                size_t j = i, n = 0;
                bool differ = false;

                for (; j < k->n && streq(k->v[j].key, k->v[i].key); j++) {
                        if (n && ids[n - 1] == k->v[j].id)
                                continue; /* one person with the number twice */
                        ids[n++] = k->v[j].id;
                        if (words && !streq(k->v[j].folded, k->v[i].folded))
                                differ = true;
                }
                if (n > 1 && (!words || differ)) {
                        r = group_add(d, reason, k->v[i].key, ids, n);
                        if (r != 0)
                                return r;
                }
                i = j;
        }
        return 0;
}

int identity_duplicates(struct store_txn *t, size_t limit, json_t **ret)
{
        struct dupes d = {.t = t, .groups = json_array(), .limit = limit};
        _cleanup_(pass_done) struct pass p = {0};
        int r;

        if (!d.groups)
                return -ENOMEM;
        r = store_txn_index_shared(t, STORE_INDEX_EMAIL, shared_email, &d);
        if (r == 0)
                r = store_txn_index_shared(t, STORE_INDEX_NAME, shared_name, &d);
        if (r == 0)
                r = store_txn_contact_walk(t, pass_contact, &p);
        if (r == 0)
                r = groups_from(&d, &p.phones, "phone", false);
        if (r == 0)
                r = groups_from(&d, &p.words, "name words", true);
        if (r < 0) {
                json_decref(d.groups);
                return r;
        }
        *ret = d.groups;
        return 0;
}
