/* The import engine: a staged set applied in one write transaction, with the merge rules of
 * the contact field table; see transfer.h. */
#include "transfer-internal.h"

/* ---- the import ---- */

struct uuid_ids {
        char uuid[UUID_STRING_LEN + 1];
        uint64_t id;
};

struct run {
        struct store_txn *t;
        const struct import_set *s;
        const struct import_options *o;
        json_t *report;
        json_t *items;
        uint64_t *ids; /* per record: the contact it became (0 = none) */
        size_t n_items, errors;
        size_t c_added, c_merged, c_unchanged, c_skipped;
        size_t i_added, i_unchanged, i_skipped;
        size_t t_added, t_unchanged, t_skipped;
        size_t g_added, g_unchanged, g_skipped; /* goals and their links */
        size_t n_added, n_unchanged, n_skipped; /* introductions */
        size_t s_added, s_unchanged, s_skipped; /* settings */
        struct uuid_ids *goals;                 /* goal uuid → id, loaded on first use */
        size_t n_goals, cap_goals;
        bool goals_loaded;
        char (*intros)[UUID_STRING_LEN + 1]; /* introduction uuids here */
        size_t n_intros, cap_intros;
        bool intros_loaded;
};

static int item(struct run *run, const struct import_rec *rec, const char *type, const char *action,
                const char *reason, uint64_t id, json_t *extra_warnings)
{
        json_t *o;

        if (run->o->quiet && !rec->warnings && !extra_warnings &&
            (streq(action, "added") || streq(action, "unchanged")))
                return 0;
        if (run->n_items >= TRANSFER_ITEMS_MAX) {
                json_object_set_new(run->report, "items_truncated", json_true());
                json_decref(extra_warnings);
                return 0;
        }
        o = json_pack("{s:s,s:s}", "type", type, "action", action);
        if (!o) {
                json_decref(extra_warnings);
                return -ENOMEM;
        }
        if (rec->line)
                json_object_set_new(o, "line", json_integer((json_int_t)rec->line));
        if (rec->name && utf8_is_clean_text(rec->name, strlen(rec->name), false))
                json_object_set_new(o, "name", json_string(rec->name));
        if (reason && *reason)
                json_object_set_new(o, "reason", json_string(reason));
        if (id)
                json_object_set_new(o, "id", json_integer((json_int_t)id));
        if (rec->warnings || extra_warnings) {
                json_t *w = rec->warnings ? json_deep_copy(rec->warnings) : json_array();

                if (extra_warnings)
                        json_array_extend(w, extra_warnings);
                json_object_set_new(o, "warnings", w);
        }
        json_decref(extra_warnings);
        if (json_array_append_new(run->items, o) < 0)
                return -ENOMEM;
        run->n_items++;
        return 0;
}

/* A deep copy of a staged contact (a round trip through the codec copies every field). */
static int contact_copy(const struct contact *c, struct contact **ret)
{
        _cleanup_free_ uint8_t *buf = NULL;
        struct contact *copy = NULL;
        size_t len;
        int r;

        r = codec_contact_encode(c, &buf, &len);
        if (r < 0)
                return r;
        r = codec_contact_decode(buf, len, &copy);
        if (r < 0)
                return r;
        copy->id = c->id;
        *ret = copy;
        return 0;
}

static void add_warning(json_t **w, const char *fmt, ...) _printf_(2, 3);
static void add_warning(json_t **w, const char *fmt, ...)
{
        char buf[REASON_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (!*w)
                *w = json_array();
        json_array_append_new(*w, json_string(buf));
}

/* Drop emails another contact (not self) already has: an address names one person. */
static int drop_taken_emails(struct store_txn *t, struct contact *c, uint64_t self, json_t **w)
{
        for (size_t i = 0; c->emails && c->emails[i];) {
                uint64_t ids[2];
                int n = store_txn_ids_by_email(t, c->emails[i], ids, 2);
                bool taken = false;

                if (n < 0)
                        return n;
                for (int k = 0; k < n && k < 2; k++)
                        taken |= ids[k] != self;
                if (taken) {
                        add_warning(w, "email %s belongs to another contact; not added",
                                    c->emails[i]);
                        free(c->emails[i]);
                        memmove(c->emails + i, c->emails + i + 1,
                                (strv_length(c->emails + i + 1) + 1) * sizeof(char *));
                } else
                        i++;
        }
        return 0;
}

/* Find the contact a record is: by uuid, then email, then exact name. Returns 1 with the id
 * and the reason, 0 for none, -ECANCELED when it is ambiguous (reason says why), -errno. */
/* The live contact a uuid names: its own, or the one it was merged into (tend merge leaves a
 * tombstone naming the keeper; a chain of merges is followed). Returns 0 (its own), 1 (followed
 * a merge), -ENOENT or -errno. */
#define MERGE_HOPS_MAX 16
static int contact_by_uuid(struct store_txn *t, const char *uuid, uint64_t *ret)
{
        char cur[UUID_STRING_LEN + 1];
        int r = store_txn_contact_by_uuid(t, uuid, ret);

        if (r != -ENOENT)
                return r;
        if (!uuid || strlen(uuid) != UUID_STRING_LEN)
                return -ENOENT;
        memcpy(cur, uuid, sizeof(cur));
        for (int hop = 0; hop < MERGE_HOPS_MAX; hop++) {
                char next[UUID_STRING_LEN + 1];

                r = store_txn_tombstone_merged_into(t, cur, next);
                if (r < 0)
                        return r;
                r = store_txn_contact_by_uuid(t, next, ret);
                if (r >= 0)
                        return 1;
                if (r != -ENOENT)
                        return r;
                memcpy(cur, next, sizeof(cur));
        }
        return -ENOENT;
}

static int match(struct run *run, const struct contact *c, uint64_t *ret_id, char *why,
                 size_t why_size)
{
        uint64_t id = 0, ids[3];
        const char *via = NULL;
        int n, r;

        if (c->uuid[0]) {
                r = contact_by_uuid(run->t, c->uuid, &id);
                if (r >= 0) {
                        *ret_id = id;
                        snprintf(why, why_size,
                                 r > 0 ? "UID of a contact merged into this one" : "same UID");
                        return 1;
                }
                if (r != -ENOENT)
                        return r;
        }
        id = 0;
        for (size_t i = 0; c->emails && c->emails[i]; i++) {
                n = store_txn_ids_by_email(run->t, c->emails[i], ids, 3);
                if (n < 0)
                        return n;
                for (int k = 0; k < n && k < 3; k++) {
                        if (id && ids[k] != id) {
                                snprintf(why, why_size,
                                         "its email addresses belong to different contacts "
                                         "(ids %" PRIu64 " and %" PRIu64 ")",
                                         id, ids[k]);
                                return -ECANCELED;
                        }
                        id = ids[k];
                        via = c->emails[i];
                }
        }
        if (id) {
                *ret_id = id;
                snprintf(why, why_size, "same email %.200s", via);
                return 1;
        }
        n = store_txn_ids_by_name(run->t, c->name, ids, 3);
        if (n < 0)
                return n;
        if (n == 1) {
                *ret_id = ids[0];
                snprintf(why, why_size, "same name");
                return 1;
        }
        if (n > 1) {
                snprintf(why, why_size,
                         "%d contacts are named '%.100s'; add an email or UID to tell them apart",
                         n, c->name);
                return -ECANCELED;
        }
        return 0;
}

static bool list_union(char ***dst, char *const *add, bool icase, size_t max, const char *key,
                       json_t **w)
{
        bool changed = false;

        for (size_t i = 0; add && add[i]; i++) {
                if (strv_contains(*dst, add[i], icase))
                        continue;
                if (strv_length(*dst) >= max) {
                        add_warning(w, "%s: already %zu; '%.64s' not added", key, max, add[i]);
                        continue;
                }
                if (strv_push(dst, add[i]) < 0)
                        return changed; /* out of memory shows as not changed; rare */
                changed = true;
        }
        return changed;
}

/* Merge src into dst per the field table. Appends the keys that changed to changed. */
static void merge_into(struct contact *dst, const struct contact *src, struct strbuf *changed,
                       json_t **w)
{
        for (size_t i = 0; i < N_CFIELDS; i++) {
                const struct cfield *f = cfield_at(i);
                bool ch = false;

                if (!f->key)
                        continue;

                if (f->merge == CF_MERGE_NONE || f->type == CF_REF)
                        continue;
                switch (f->type) {
                case CF_STR:
                case CF_NOTE:
                case CF_KIND:
                case CF_BIRTHDAY: {
                        char **d = CONTACT_FIELD_PTR(dst, f, char *);
                        char *s = *CONTACT_FIELD_PTR(src, f, char *);

                        if (s && *s && (!*d || !**d)) {
                                ch = free_and_strdup(d, s) >= 0;
                        }
                        break;
                }
                case CF_LIST:
                case CF_LINES:
                        ch = list_union(
                            CONTACT_FIELD_PTR(dst, f, char **), *CONTACT_FIELD_PTR(src, f, char **),
                            (int)f->arg == FIELD_EMAIL || (int)f->arg == FIELD_TAG,
                            f->type == CF_LINES ? RAW_LINES_MAX : FIELD_LIST_MAX, f->key, w);
                        break;
                case CF_NETWORKS: {
                        uint32_t *d = CONTACT_FIELD_PTR(dst, f, uint32_t),
                                 s = *CONTACT_FIELD_PTR(src, f, uint32_t);

                        ch = (*d | s) != *d;
                        *d |= s;
                        break;
                }
                case CF_TIME:
                case CF_SECONDS: {
                        int64_t *d = CONTACT_FIELD_PTR(dst, f, int64_t),
                                s = *CONTACT_FIELD_PTR(src, f, int64_t);

                        if (!*d && s) {
                                *d = s;
                                ch = true;
                        }
                        break;
                }
                case CF_U32:
                case CF_U64:
                case CF_DATE_STATE:
                        break;
                case CF_DATES:
                        /* Dates the record lacks (by label) are added, with fresh ids. */
                        for (size_t k = 0; k < src->n_dates; k++) {
                                const struct contact_date *sd = &src->dates[k];
                                struct contact_date *nd;
                                uint32_t id = CONTACT_DATE_BIRTHDAY + 1;
                                bool have = false;

                                for (size_t j = 0; j < dst->n_dates; j++) {
                                        have |= streq_ptr(dst->dates[j].label, sd->label);
                                        if (dst->dates[j].id >= id)
                                                id = dst->dates[j].id + 1;
                                }
                                if (have || dst->n_dates >= CONTACT_DATES_MAX)
                                        continue;
                                nd = reallocarray(dst->dates, dst->n_dates + 1, sizeof(*nd));
                                if (!nd)
                                        break;
                                dst->dates = nd;
                                if (contact_date_copy(&nd[dst->n_dates], sd) < 0)
                                        break;
                                nd[dst->n_dates++].id = id;
                                ch = true;
                        }
                        break;
                case CF_SCOPE: {
                        enum scope *d = CONTACT_FIELD_PTR(dst, f, enum scope);
                        enum scope s = *CONTACT_FIELD_PTR(src, f, enum scope);

                        if (*d == SCOPE_UNSET && s != SCOPE_UNSET) {
                                *d = s;
                                ch = true;
                        }
                        break;
                }
                case CF_STAGE: {
                        enum prospect_stage *d = CONTACT_FIELD_PTR(dst, f, enum prospect_stage);
                        enum prospect_stage s = *CONTACT_FIELD_PTR(src, f, enum prospect_stage);

                        if (*d == STAGE_NONE && s != STAGE_NONE) {
                                *d = s;
                                dst->stage_changed = src->stage_changed;
                                ch = true;
                        }
                        break;
                }
                case CF_REF:
                        break;
                }
                if (ch) {
                        if (changed->len)
                                strbuf_puts(changed, ", ");
                        strbuf_puts(changed, f->key);
                }
        }
}

static void apply_options(struct contact *c, const struct import_options *o)
{
        c->networks |= o->networks;
        for (char **t = o->tags; t && *t; t++)
                if (!strv_contains(c->tags, *t, true) && strv_length(c->tags) < FIELD_LIST_MAX)
                        strv_push(&c->tags, *t);
}

static int import_contact(struct run *run, size_t k)
{
        const struct import_rec *rec = &run->s->v[k];
        _cleanup_(contact_freep) struct contact *c = NULL, *e = NULL;
        _cleanup_(strbuf_donep) struct strbuf changed = {0};
        json_t *w = NULL;
        char why[REASON_MAX], reason[REASON_MAX + 64];
        uint64_t id = 0;
        int r;

        r = contact_copy(rec->c, &c);
        if (r < 0)
                return r;
        apply_options(c, run->o);
        r = match(run, c, &id, why, sizeof(why));
        if (r == -ECANCELED) {
                run->c_skipped++;
                return item(run, rec, "contact", "skipped", why, 0, NULL);
        }
        if (r < 0)
                return r;
        if (r > 0) {
                r = store_txn_contact_get(run->t, id, &e);
                if (r < 0)
                        return r;
                r = drop_taken_emails(run->t, c, id, &w);
                if (r < 0)
                        goto fail;
                merge_into(e, c, &changed, &w);
                if (changed.error) {
                        r = -ENOMEM;
                        goto fail;
                }
                run->ids[k] = id;
                if (changed.len == 0) {
                        run->c_unchanged++;
                        snprintf(reason, sizeof(reason), "%s; already up to date", why);
                        return item(run, rec, "contact", "unchanged", reason, id, w);
                }
                e->updated = run->o->now;
                r = store_txn_contact_put(run->t, e);
                if (r < 0)
                        goto fail;
                run->c_merged++;
                snprintf(reason, sizeof(reason), "%s; added %s", why, changed.data);
                return item(run, rec, "contact", "merged", reason, id, w);
        }

        /* A new contact: keep its id when that is free (a restore), else a new one. */
        if (c->id) {
                r = store_txn_contact_exists(run->t, c->id);
                if (r < 0)
                        return r;
                if (r > 0)
                        c->id = 0;
        }
        /* No drop_taken_emails() here: match() found none of its addresses in the store. */
        if (!c->created)
                c->created = run->o->now;
        if (!c->updated)
                c->updated = run->o->now;
        c->introduced_by = 0;
        c->prospect_via = 0;
        r = store_txn_contact_put(run->t, c);
        if (r < 0)
                goto fail;
        run->ids[k] = c->id;
        run->c_added++;
        return item(run, rec, "contact", "added", NULL, c->id, w);
fail:
        json_decref(w);
        return r;
}

/* Second pass: who introduced whom, now that every contact of the import exists. */
static int import_refs(struct run *run, size_t k)
{
        const struct import_rec *rec = &run->s->v[k];
        _cleanup_(contact_freep) struct contact *c = NULL;
        uint64_t *fields[N_REFS];
        bool changed = false;
        int r;

        if (!run->ids[k] || (!rec->refs[0][0] && !rec->refs[1][0]))
                return 0;
        r = store_txn_contact_get(run->t, run->ids[k], &c);
        if (r < 0)
                return r;
        fields[0] = &c->introduced_by;
        fields[1] = &c->prospect_via;
        for (int i = 0; i < N_REFS; i++) {
                uint64_t id;

                if (!rec->refs[i][0] || *fields[i])
                        continue;
                r = contact_by_uuid(run->t, rec->refs[i], &id);
                if (r == -ENOENT || (r >= 0 && id == c->id))
                        continue; /* someone not in this store: nothing to point at */
                if (r < 0)
                        return r;
                *fields[i] = id;
                changed = true;
        }
        return changed ? store_txn_contact_put(run->t, c) : 0;
}

static int goal_lookup(struct run *run, const char *uuid, uint64_t *ret);

static int import_interaction(struct run *run, size_t k, struct contact **cache)
{
        const struct import_rec *rec = &run->s->v[k];
        struct interaction i = *rec->i; /* shallow: contact_id and seq change */
        _cleanup_(interaction_freep) struct interaction *old = NULL;
        uint64_t id;
        int r;

        r = contact_by_uuid(run->t, rec->uuid, &id);
        if (r == -ENOENT) {
                run->i_skipped++;
                return item(run, rec, "interaction", "skipped", "no contact with that uuid", 0,
                            NULL);
        }
        if (r < 0)
                return r;
        i.contact_id = id;
        i.goal_id = 0;
        if (rec->uuid2[0]) {
                /* Goals are imported before interactions; a goal that is not here is left out. */
                r = goal_lookup(run, rec->uuid2, &i.goal_id);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        if (!i.created)
                i.created = run->o->now;
        /* A group: the other people who are here. */
        uint64_t with[FIELD_LIST_MAX];
        size_t n_with = 0, wk;
        json_t *wu;

        json_array_foreach(rec->with, wk, wu)
        {
                uint64_t wid;

                r = contact_by_uuid(run->t, json_string_value(wu), &wid);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (wid != id && n_with < FIELD_LIST_MAX)
                        with[n_with++] = wid;
        }
        i.with = n_with ? with : NULL;
        i.n_with = n_with;
        i.group_of = 0;
        r = rec->auto_seq ? -ENOENT : store_txn_interaction_get(run->t, id, i.at, i.seq, &old);
        if (r >= 0 && streq(old->uuid, i.uuid)) {
                run->i_unchanged++;
                return item(run, rec, "interaction", "unchanged", "already present", id, NULL);
        }
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == -ENOENT && !rec->auto_seq)
                r = store_txn_interaction_put_exact(run->t, &i);
        else {
                r = store_txn_interaction_add(run->t, &i);
                if (r == -EEXIST && i.id) {
                        /* Its id belongs to another interaction here: it gets a fresh one. */
                        i.id = 0;
                        r = store_txn_interaction_add(run->t, &i);
                }
        }
        if (r >= 0)
                r = store_txn_captured_register(run->t, &i); /* never captured again */
        if (r < 0)
                return r;
        /* The contact's last touch follows, as when logging. */
        if (!*cache || (*cache)->id != id) {
                if (*cache) {
                        r = store_txn_contact_put(run->t, *cache);
                        if (r < 0)
                                return r;
                        contact_free(*cache);
                        *cache = NULL;
                }
                r = store_txn_contact_get(run->t, id, cache);
                if (r < 0)
                        return r;
        }
        /* The imported person came with their state (last touch, due date, a snooze): only an
         * interaction newer than what it already reflects is a new touch. */
        if (i.at > (*cache)->last_interaction) {
                r = touch_apply(run->t, run->o->conf_every, *cache, &i);
                if (r < 0)
                        return r;
        } else if ((*cache)->strength_ref) { /* an older touch still counts for strength */
                strength_add(&(*cache)->strength_milli, &(*cache)->strength_ref, i.at, i.kind);
        } else {
                /* None kept yet (a person the import brought): from the history so far, then
                 * kept up to date by the rest of the import. */
                r = strength_recompute(run->t, *cache);
                if (r < 0)
                        return r;
        }
        for (size_t w = 0; w < n_with; w++) {
                _cleanup_(contact_freep) struct contact *o = NULL;

                if (*cache && (*cache)->id == with[w])
                        continue; /* written when the cache moves on */
                r = store_txn_contact_get(run->t, with[w], &o);
                if (r < 0)
                        return r;
                if (i.at <= o->last_interaction)
                        continue;
                r = touch_apply(run->t, run->o->conf_every, o, &i);
                if (r >= 0)
                        r = store_txn_contact_put(run->t, o);
                if (r < 0)
                        return r;
        }
        run->i_added++;
        if (run->n_items < TRANSFER_ITEMS_MAX && (rec->line || rec->warnings))
                return item(run, rec, "interaction", "added", NULL, id, NULL);
        return 0;
}

static int import_tombstone(struct run *run, size_t k)
{
        const struct import_rec *rec = &run->s->v[k];
        int r = store_txn_tombstone_put_exact(run->t, rec->uuid, rec->ttype, rec->deleted);

        if (r >= 0 && rec->uuid2[0] && !streq(rec->uuid, rec->uuid2))
                r = store_txn_tombstone_set_merged(run->t, rec->uuid, rec->uuid2);

        if (r == -EEXIST) {
                run->t_skipped++;
                return item(run, rec, "tombstone", "skipped", "the record is alive here", 0, NULL);
        }
        if (r < 0)
                return r;
        run->t_added++;
        return 0;
}

static int goal_map_add(const struct goal *g, void *userdata)
{
        struct run *run = userdata;

        if (run->n_goals == run->cap_goals) {
                size_t cap = run->cap_goals ? run->cap_goals * 2 : 64;
                struct uuid_ids *v = reallocarray(run->goals, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                run->goals = v;
                run->cap_goals = cap;
        }
        memcpy(run->goals[run->n_goals].uuid, g->uuid, UUID_STRING_LEN + 1);
        run->goals[run->n_goals++].id = g->id;
        return 0;
}

static int goal_lookup(struct run *run, const char *uuid, uint64_t *ret)
{
        int r;

        if (!run->goals_loaded) {
                r = store_txn_goal_list(run->t, goal_map_add, run);
                if (r < 0)
                        return r;
                run->goals_loaded = true;
        }
        for (size_t i = 0; i < run->n_goals; i++)
                if (streq(run->goals[i].uuid, uuid)) {
                        *ret = run->goals[i].id;
                        return 0;
                }
        return -ENOENT;
}

static int import_goal(struct run *run, size_t k)
{
        const struct import_rec *rec = &run->s->v[k];
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_(goal_freep) struct goal *g = NULL, *old = NULL;
        uint64_t id;
        size_t len;
        int r;

        r = goal_lookup(run, rec->g->uuid, &id);
        if (r >= 0) {
                run->g_unchanged++;
                return item(run, rec, "goal", "unchanged", "already here", id, NULL);
        }
        if (r != -ENOENT)
                return r;
        r = codec_goal_encode(rec->g, &buf, &len);
        if (r >= 0)
                r = codec_goal_decode(buf, len, &g);
        if (r < 0)
                return r;
        g->id = rec->g->id;
        memcpy(g->uuid, rec->g->uuid, sizeof(g->uuid));
        if (g->id) {
                r = store_txn_goal_get(run->t, g->id, &old);
                if (r >= 0)
                        g->id = 0; /* that id is another goal here */
                else if (r != -ENOENT)
                        return r;
        }
        if (!g->created)
                g->created = run->o->now;
        if (!g->updated)
                g->updated = run->o->now;
        r = store_txn_goal_put(run->t, g);
        if (r == -EDQUOT) {
                run->g_skipped++;
                return item(run, rec, "goal", "skipped", "too many goals", 0, NULL);
        }
        if (r < 0)
                return r;
        r = goal_map_add(g, run);
        if (r < 0)
                return r;
        run->g_added++;
        return item(run, rec, "goal", "added", NULL, g->id, NULL);
}

static int import_goal_link(struct run *run, size_t k)
{
        const struct import_rec *rec = &run->s->v[k];
        _cleanup_(goal_link_freep) struct goal_link *old = NULL;
        struct goal_link l = *rec->gl; /* shallow: only the ids are set here */
        int r;

        r = goal_lookup(run, rec->uuid2, &l.goal_id);
        if (r >= 0)
                r = contact_by_uuid(run->t, rec->uuid, &l.contact_id);
        if (r == -ENOENT) {
                run->g_skipped++;
                return item(run, rec, "goal_link", "skipped", "no such goal or contact", 0, NULL);
        }
        if (r < 0)
                return r;
        r = store_txn_goal_link_get(run->t, l.goal_id, l.contact_id, &old);
        if (r >= 0) {
                run->g_unchanged++;
                return 0;
        }
        if (r != -ENOENT)
                return r;
        if (!l.linked_at)
                l.linked_at = run->o->now;
        r = store_txn_goal_link_put(run->t, &l);
        if (r < 0)
                return r;
        run->g_added++;
        return 0;
}

static int intro_set_add(const struct intro *i, void *userdata)
{
        struct run *run = userdata;

        if (run->n_intros == run->cap_intros) {
                size_t cap = run->cap_intros ? run->cap_intros * 2 : 64;
                char(*v)[UUID_STRING_LEN + 1] = reallocarray(run->intros, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                run->intros = v;
                run->cap_intros = cap;
        }
        memcpy(run->intros[run->n_intros++], i->uuid, UUID_STRING_LEN + 1);
        return 0;
}

static int import_intro(struct run *run, size_t k)
{
        const struct import_rec *rec = &run->s->v[k];
        struct intro in = *rec->in; /* shallow: id, uuid, a and b are set here */
        int r;

        if (!run->intros_loaded) {
                r = store_txn_intro_list(run->t, intro_set_add, run);
                if (r < 0)
                        return r;
                run->intros_loaded = true;
        }
        for (size_t i = 0; i < run->n_intros; i++)
                if (streq(run->intros[i], rec->in->uuid)) {
                        run->n_unchanged++;
                        return 0;
                }
        r = contact_by_uuid(run->t, rec->uuid, &in.a);
        if (r >= 0)
                r = contact_by_uuid(run->t, rec->uuid2, &in.b);
        if (r >= 0 && rec->by_uuid[0]) {
                r = contact_by_uuid(run->t, rec->by_uuid, &in.by);
                if (r == -ENOENT) { /* whoever made it is not here: still an introduction */
                        in.by = 0;
                        r = 0;
                }
        }
        if (r == -ENOENT || (r >= 0 && in.a == in.b)) {
                run->n_skipped++;
                return item(run, rec, "introduction", "skipped", "the two people are not here", 0,
                            NULL);
        }
        if (r < 0)
                return r;
        in.id = 0;
        if (!in.created)
                in.created = run->o->now;
        r = store_txn_intro_add(run->t, &in);
        if (r < 0)
                return r;
        r = intro_set_add(&in, run);
        if (r < 0)
                return r;
        run->n_added++;
        return 0;
}

static int import_setting(struct run *run, size_t k)
{
        const struct import_rec *rec = &run->s->v[k];
        _cleanup_free_ char *old = NULL;
        int r;

        r = store_txn_setting_get(run->t, rec->sname, &old);
        if (r < 0)
                return r;
        if (old && streq(old, rec->svalue)) {
                run->s_unchanged++;
                return 0;
        }
        if (old) {
                run->s_skipped++;
                return item(run, rec, "setting", "skipped", "you have your own; kept it", 0, NULL);
        }
        r = store_txn_setting_put(run->t, rec->sname, rec->svalue);
        if (r == -EINVAL || r == -E2BIG) {
                run->s_skipped++;
                return item(run, rec, "setting", "skipped", "not a valid setting", 0, NULL);
        }
        if (r < 0)
                return r;
        run->s_added++;
        return 0;
}

static json_t *counts(size_t added, size_t merged, size_t unchanged, size_t skipped)
{
        return json_pack("{s:I,s:I,s:I,s:I}", "added", (json_int_t)added, "merged",
                         (json_int_t)merged, "unchanged", (json_int_t)unchanged, "skipped",
                         (json_int_t)skipped);
}

int import_run(struct store_txn *t, const struct import_set *s, const struct import_options *o,
               json_t **ret_report)
{
        _cleanup_(contact_freep) struct contact *cache = NULL;
        struct run run = {.t = t, .s = s, .o = o};
        uint64_t next_id = 0, next_iid = 0;
        int r = 0;

        run.report = json_object();
        run.items = json_array();
        run.ids = calloc(s->n ? s->n : 1, sizeof(uint64_t));
        if (!run.report || !run.items || !run.ids) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t k = 0; k < s->n && r >= 0; k++) {
                const struct import_rec *rec = &s->v[k];

                if (rec->type == REC_ERROR) {
                        run.errors++;
                        r = item(&run, rec, "error", "error", rec->reason, 0, NULL);
                } else if (rec->type == REC_HEADER) {
                        if (rec->next_id > next_id)
                                next_id = rec->next_id;
                        if (rec->next_interaction_id > next_iid)
                                next_iid = rec->next_interaction_id;
                        if (rec->warnings)
                                r = item(&run, rec, "header", "unchanged", NULL, 0, NULL);
                } else if (rec->type == REC_CONTACT)
                        r = import_contact(&run, k);
        }
        for (size_t k = 0; k < s->n && r >= 0; k++)
                if (s->v[k].type == REC_CONTACT)
                        r = import_refs(&run, k);
        /* Goals before interactions: an interaction may name the goal it was toward. */
        for (size_t k = 0; k < s->n && r >= 0; k++)
                if (s->v[k].type == REC_GOAL)
                        r = import_goal(&run, k);
        for (size_t k = 0; k < s->n && r >= 0; k++)
                if (s->v[k].type == REC_INTERACTION)
                        r = import_interaction(&run, k, &cache);
        if (r >= 0 && cache)
                r = store_txn_contact_put(t, cache);
        for (size_t k = 0; k < s->n && r >= 0; k++)
                if (s->v[k].type == REC_GOAL_LINK)
                        r = import_goal_link(&run, k);
        for (size_t k = 0; k < s->n && r >= 0; k++)
                if (s->v[k].type == REC_INTRO)
                        r = import_intro(&run, k);
        for (size_t k = 0; k < s->n && r >= 0; k++)
                if (s->v[k].type == REC_SETTING)
                        r = import_setting(&run, k);
        for (size_t k = 0; k < s->n && r >= 0; k++)
                if (s->v[k].type == REC_TOMBSTONE)
                        r = import_tombstone(&run, k);
        if (r >= 0 && next_id)
                r = store_txn_next_id_raise(t, next_id);
        if (r >= 0 && next_iid)
                r = store_txn_interaction_next_id_raise(t, next_iid);
        if (r < 0)
                goto out;

        if (json_object_set_new(run.report, "contacts",
                                counts(run.c_added, run.c_merged, run.c_unchanged, run.c_skipped)) <
                0 ||
            json_object_set_new(run.report, "interactions",
                                counts(run.i_added, 0, run.i_unchanged, run.i_skipped)) < 0 ||
            json_object_set_new(run.report, "tombstones",
                                counts(run.t_added, 0, run.t_unchanged, run.t_skipped)) < 0 ||
            json_object_set_new(run.report, "goals",
                                counts(run.g_added, 0, run.g_unchanged, run.g_skipped)) < 0 ||
            json_object_set_new(run.report, "introductions",
                                counts(run.n_added, 0, run.n_unchanged, run.n_skipped)) < 0 ||
            json_object_set_new(run.report, "settings",
                                counts(run.s_added, 0, run.s_unchanged, run.s_skipped)) < 0 ||
            json_object_set_new(run.report, "errors", json_integer((json_int_t)run.errors)) < 0 ||
            json_object_set_new(run.report, "dry_run", json_boolean(o->dry_run)) < 0 ||
            json_object_set_new(run.report, "rejected", json_boolean(o->strict && run.errors > 0)) <
                0 ||
            json_object_set_new(run.report, "committed",
                                json_boolean(!o->dry_run && !(o->strict && run.errors > 0))) < 0 ||
            json_object_set_new(run.report, "items", run.items) < 0) {
                run.items = NULL;
                r = -ENOMEM;
                goto out;
        }
        run.items = NULL;
        if (!json_object_get(run.report, "items_truncated"))
                json_object_set_new(run.report, "items_truncated", json_false());
        *ret_report = TAKE_PTR(run.report);
        r = o->dry_run || (o->strict && run.errors > 0) ? -ECANCELED : 0;
out:
        json_decref(run.report);
        json_decref(run.items);
        free(run.ids);
        free(run.goals);
        free(run.intros);
        return r;
}
