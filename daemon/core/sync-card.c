/* Sync cards: see sync-card.h. */
#include "sync-card.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "merge.h"
#include "strbuf.h"
#include "transfer.h"
#include "util.h"
#include "vcard.h"

/* Keys of a card that are no field of the person. */
static bool is_meta(const char *k)
{
        static const char *const meta[] = {
            "type",
            "uuid",
            "id",
            "revs",
            "interactions",
            "interactions_deleted",
            "merged",
            "line",
            "warnings",
            /* this machine's notification state */
            "notified_due",
            "notified_at",
            "resurface_at",
            "notify_id",
            "notify_unshown",
        };

        for (size_t i = 0; i < ARRAY_SIZE(meta); i++)
                if (streq(k, meta[i]))
                        return true;
        return false;
}

static const struct {
        const char *key;
        unsigned mask;
} excluded_fields[] = {
    {"notes", SYNC_EXCLUDE_NOTES},
    {"brings", SYNC_EXCLUDE_LEDGER},
    {"stage", SYNC_EXCLUDE_GOALS},
    {"stage_changed", SYNC_EXCLUDE_GOALS},
    {"prospect_plan", SYNC_EXCLUDE_GOALS},
    {"prospect_via", SYNC_EXCLUDE_GOALS},
    {"prospect_via_name", SYNC_EXCLUDE_GOALS},
};

int sync_exclude_parse(const char *s, const char **ret_bad)
{
        static const struct {
                const char *name;
                unsigned mask;
        } names[] = {
            {"notes", SYNC_EXCLUDE_NOTES},
            {"history", SYNC_EXCLUDE_HISTORY},
            {"ledger", SYNC_EXCLUDE_LEDGER},
            {"goals", SYNC_EXCLUDE_GOALS},
        };
        unsigned mask = 0;

        while (s && *s) {
                size_t n;
                bool found = false;

                s += strspn(s, ", \t");
                n = strcspn(s, ", \t");
                if (!n)
                        break;
                for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                        if (strlen(names[i].name) == n && strncasecmp(s, names[i].name, n) == 0) {
                                mask |= names[i].mask;
                                found = true;
                        }
                if (!found) {
                        if (ret_bad)
                                *ret_bad = s;
                        return -EINVAL;
                }
                s += n;
        }
        return (int)mask;
}

/* ---- the card of a stored contact ---- */

struct local_ctx {
        struct store_txn *t;
        const char *uuid;
        unsigned exclude;
        json_t *list;
};

static void strip_interaction(json_t *o, unsigned exclude)
{
        json_object_del(o, "type");
        json_object_del(o, "contact");
        json_object_del(o, "id");
        json_object_del(o, "seq");
        if (exclude & SYNC_EXCLUDE_LEDGER) {
                json_object_del(o, "gave");
                json_object_del(o, "got");
        }
        if (exclude & SYNC_EXCLUDE_GOALS)
                json_object_del(o, "goal");
}

static int local_interaction(const struct interaction *i, void *userdata)
{
        struct local_ctx *x = userdata;
        json_t *o = transfer_interaction_json(x->t, i, x->uuid);

        if (!o)
                return -ENOMEM;
        strip_interaction(o, x->exclude);
        return json_array_append_new(x->list, o) < 0 ? -ENOMEM : 0;
}

int sync_card_local(struct store_txn *t, const struct contact *c, unsigned exclude, json_t **ret)
{
        json_auto_t *o = transfer_contact_json(t, c);
        struct local_ctx x = {.t = t, .uuid = c->uuid, .exclude = exclude};
        const char *k;
        json_t *v;
        void *tmp;
        int r;

        if (!o)
                return -ENOMEM;
        json_object_foreach_safe(o, tmp, k, v) if (is_meta(k) && !streq(k, "uuid"))
            json_object_del(o, k);
        for (size_t i = 0; i < ARRAY_SIZE(excluded_fields); i++)
                if (exclude & excluded_fields[i].mask)
                        json_object_del(o, excluded_fields[i].key);
        if (!(exclude & SYNC_EXCLUDE_HISTORY)) {
                x.list = json_array();
                if (!x.list || json_object_set_new(o, "interactions", x.list) < 0)
                        return -ENOMEM;
                /* Oldest first, so a card reads like a diary and diffs stay small. */
                r = store_txn_interaction_list(t, c->id, 0, local_interaction, &x);
                if (r < 0)
                        return r;
                for (size_t a = 0, b = json_array_size(x.list); b > 1 && a < b - 1; a++, b--) {
                        json_t *lo = json_incref(json_array_get(x.list, a));

                        json_array_set(x.list, a, json_array_get(x.list, b - 1));
                        json_array_set_new(x.list, b - 1, lo);
                }
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* ---- revs ---- */

static int64_t rev_head(json_t *revs, const char *key)
{
        json_t *l = json_object_get(revs, key);

        return json_is_array(l) ? json_integer_value(json_array_get(l, 0)) : 0;
}

static bool rev_has(json_t *revs, const char *key, int64_t rev)
{
        json_t *l = json_object_get(revs, key), *v;
        size_t i;

        json_array_foreach(l, i, v) if (json_integer_value(v) == rev) return true;
        return false;
}

/* A new rev list: head, then the ancestors of from (or from's head and its ancestors). */
static json_t *rev_new(int64_t head, json_t *from)
{
        json_t *l = json_array(), *v;
        size_t i;

        if (!l)
                return NULL;
        json_array_append_new(l, json_integer(head));
        json_array_foreach(from, i, v)
        {
                if (json_array_size(l) >= SYNC_REV_CHAIN)
                        break;
                if (json_integer_value(v) != head)
                        json_array_append(l, v);
        }
        return l;
}

static json_t *ensure_object(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);

        if (json_is_object(v))
                return v;
        v = json_object();
        if (!v || json_object_set_new(o, key, v) < 0)
                return NULL;
        return v;
}

/* Keys with a rev of their own: the person's fields, and who was merged into them (a list
 * that grows with a merge and shrinks when one is undone, so it is versioned like a field). */
static bool is_field(const char *k)
{
        return !is_meta(k) || streq(k, "merged");
}

/* The union of the field keys of a and b (a new object used as a set). */
static json_t *field_keys(json_t *a, json_t *b)
{
        json_t *keys = json_object(), *v;
        const char *k;

        if (!keys)
                return NULL;
        json_object_foreach(a, k, v) if (is_field(k)) json_object_set_new(keys, k, json_true());
        json_object_foreach(b, k, v) if (is_field(k)) json_object_set_new(keys, k, json_true());
        return keys;
}

static json_t *find_uuid(json_t *list, const char *uuid)
{
        json_t *v;
        size_t i;

        json_array_foreach(list, i, v) if (streq_ptr(json_string_value(json_object_get(v, "uuid")),
                                                     uuid)) return v;
        return NULL;
}

/* Whether two interactions say the same, whatever their revs. */
static bool interaction_equal(json_t *a, json_t *b)
{
        json_auto_t *x = json_deep_copy(a), *y = json_deep_copy(b);

        if (!x || !y)
                return false;
        json_object_del(x, "rev");
        json_object_del(y, "rev");
        return json_equal(x, y);
}

int sync_card_stamp(json_t *rec, json_t *base, int64_t now_us, sync_deleted_fn deleted,
                    void *userdata)
{
        json_t *revs = ensure_object(rec, "revs"), *brevs = json_object_get(base, "revs");
        json_auto_t *keys = field_keys(rec, base);
        json_t *list = json_object_get(rec, "interactions");
        json_t *blist = json_object_get(base, "interactions");
        json_t *v, *dead;
        const char *k;
        size_t i;

        if (!revs || !keys)
                return -ENOMEM;
        json_object_foreach(keys, k, v)
        {
                int64_t own = rev_head(revs, k), was = rev_head(brevs, k);
                json_t *l;

                if (own && own != was)
                        continue; /* changed elsewhere, with its own rev */
                if (base && json_equal(json_object_get(rec, k), json_object_get(base, k))) {
                        l = json_object_get(brevs, k);
                        if (l)
                                json_object_set(revs, k, l);
                        else
                                json_object_set_new(revs, k, rev_new(now_us, NULL));
                        continue;
                }
                l = rev_new(was >= now_us ? was + 1 : now_us, json_object_get(brevs, k));
                if (!l || json_object_set_new(revs, k, l) < 0)
                        return -ENOMEM;
        }
        /* Interactions: unchanged ones keep their rev, changed or new ones get one. */
        json_array_foreach(list, i, v)
        {
                json_t *b = find_uuid(blist, json_string_value(json_object_get(v, "uuid")));
                int64_t own = json_integer_value(json_object_get(v, "rev"));
                int64_t was = json_integer_value(json_object_get(b, "rev"));

                if (own && own != was)
                        continue;
                if (b && interaction_equal(v, b)) {
                        json_object_set_new(v, "rev", json_integer(was ? was : now_us));
                        continue;
                }
                json_object_set_new(v, "rev", json_integer(was >= now_us ? was + 1 : now_us));
        }
        /* Deletion markers: base's stay; an interaction base had that the store deleted adds
         * one. */
        dead = json_object_get(rec, "interactions_deleted");
        if (!dead && list) {
                dead = json_array();
                if (!dead || json_object_set_new(rec, "interactions_deleted", dead) < 0)
                        return -ENOMEM;
        }
        json_array_foreach(json_object_get(base, "interactions_deleted"), i, v)
        {
                if (dead && !find_uuid(dead, json_string_value(json_object_get(v, "uuid"))))
                        json_array_append(dead, v);
        }
        /* A marker of an interaction the person has again (a deletion or move undone) goes. */
        for (size_t n = json_array_size(dead); n-- > 0;)
                if (find_uuid(list,
                              json_string_value(json_object_get(json_array_get(dead, n), "uuid"))))
                        json_array_remove(dead, n);
        json_array_foreach(blist, i, v)
        {
                const char *u = json_string_value(json_object_get(v, "uuid"));
                int64_t was = json_integer_value(json_object_get(v, "rev"));
                json_t *marker;

                if (!u || find_uuid(list, u) || find_uuid(dead, u) || !dead || !deleted)
                        continue;
                /* Gone without a deletion: it left this person (an undone merge gave it back
                 * to the one it came from, an undone log took it away) and lives on wherever
                 * it is now; the other machine drops it from this person without a tombstone. */
                marker = json_pack("{s:s,s:I}", "uuid", u, "rev",
                                   (json_int_t)(was >= now_us ? was + 1 : now_us));
                if (!marker ||
                    (!deleted(u, userdata) &&
                     json_object_set_new(marker, "moved", json_true()) < 0) ||
                    json_array_append_new(dead, marker) < 0)
                        return -ENOMEM;
        }
        if (dead && json_array_size(dead) == 0)
                json_object_del(rec, "interactions_deleted");
        return 0;
}

/* ---- merging two versions ---- */

/* Fields that follow from others (touches, edits): the newer version wins, never a conflict. */
static bool is_derived(const char *k)
{
        return streq(k, "updated") || streq(k, "last_interaction") || streq(k, "last_kind") ||
               streq(k, "next_due") || streq(k, "stage_changed") || streq(k, "created");
}

static int64_t newest_head(json_t *revs, int64_t newest)
{
        const char *k;
        json_t *l;

        json_object_foreach(revs, k, l) if (rev_head(revs, k) > newest) newest = rev_head(revs, k);
        return newest;
}

/* Deterministic order of two values: by their compact JSON text. */
static int value_cmp(json_t *a, json_t *b)
{
        _cleanup_free_ char *x =
            a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
        _cleanup_free_ char *y =
            b ? json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;

        return strcmp(x ? x : "", y ? y : "");
}

static int add_conflict(json_t *out, const char *field, json_t *other, int64_t rev)
{
        _cleanup_free_ char *text = json_dumps(other ? other : json_null(),
                                               JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        _cleanup_(strbuf_donep) struct strbuf line = {0};
        json_t *extra = json_object_get(out, "vcard");

        if (!text)
                return -ENOMEM;
        strbuf_printf(&line, SYNC_CONFLICT ";X-FIELD=%s;X-REV=%" PRId64 ":", field, rev);
        strbuf_put_text(&line, text, false);
        if (line.error)
                return line.error;
        if (!extra) {
                extra = json_array();
                if (!extra || json_object_set_new(out, "vcard", extra) < 0)
                        return -ENOMEM;
        }
        return json_array_append_new(extra, json_string(line.data)) < 0 ? -ENOMEM : 0;
}

static bool json_array_has(json_t *list, json_t *e)
{
        json_t *v;
        size_t i;

        json_array_foreach(list, i, v) if (json_equal(v, e)) return true;
        return false;
}

static int string_cmp(const void *a, const void *b)
{
        return strcmp(strempty(json_string_value(*(json_t *const *)a)),
                      strempty(json_string_value(*(json_t *const *)b)));
}

static void sort_strings(json_t *list)
{
        size_t n = json_array_size(list);
        json_t **v = n ? calloc(n, sizeof(*v)) : NULL;

        if (!v)
                return;
        for (size_t i = 0; i < n; i++)
                v[i] = json_incref(json_array_get(list, i));
        qsort(v, n, sizeof(*v), string_cmp);
        json_array_clear(list);
        for (size_t i = 0; i < n; i++)
                json_array_append_new(list, v[i]);
        free(v);
}

/* The uuids either list names, sorted (the same list whichever way round); NULL: no memory. */
static json_t *merged_union(json_t *a, json_t *b)
{
        json_t *u = json_is_array(a) ? json_deep_copy(a) : json_array(), *e;
        size_t i;

        if (!u)
                return NULL;
        json_array_foreach(b, i, e) if (!json_array_has(u, e)) json_array_append(u, e);
        sort_strings(u);
        return u;
}

static void union_by_uuid(json_t *dst, json_t *src, bool keep_newer)
{
        json_t *v;
        size_t i;

        json_array_foreach(src, i, v)
        {
                json_t *d = find_uuid(dst, json_string_value(json_object_get(v, "uuid")));
                int64_t rv = json_integer_value(json_object_get(v, "rev"));
                int64_t rd = json_integer_value(json_object_get(d, "rev"));

                if (!d)
                        json_array_append_new(dst, json_deep_copy(v));
                else if (keep_newer && (rv > rd || (rv == rd && value_cmp(v, d) > 0))) {
                        /* The newer version whole: a key it lacks (a note removed) goes. */
                        json_object_clear(d);
                        json_object_update(d, v);
                }
        }
}

int sync_card_merge(json_t *a, json_t *b, json_t **ret, unsigned *ret_conflicts)
{
        json_auto_t *out = json_deep_copy(a), *keys = field_keys(a, b);
        json_t *ra = json_object_get(a, "revs"), *rb = json_object_get(b, "revs");
        json_t *revs, *v, *list, *dead;
        unsigned conflicts = 0;
        const char *k;
        size_t n;
        int r;

        if (!out || !keys)
                return -ENOMEM;
        revs = ensure_object(out, "revs");
        if (!revs)
                return -ENOMEM;
        json_object_foreach(keys, k, v)
        {
                json_t *va = json_object_get(a, k), *vb = json_object_get(b, k);
                int64_t ha = rev_head(ra, k), hb = rev_head(rb, k);
                bool take_b;

                if (json_equal(va, vb) || (!va && !vb)) {
                        if (hb > ha)
                                json_object_set(revs, k, json_object_get(rb, k));
                        continue;
                }
                if (streq(k, "merged") && !ha && !hb) {
                        /* Cards written before the list had a rev: it only ever grew. */
                        json_t *u = merged_union(va, vb);

                        if (!u)
                                return -ENOMEM;
                        json_object_set_new(out, k, u);
                        continue;
                }
                if (!ha || rev_has(rb, k, ha))
                        take_b = true; /* b is an edit of a's value (or a never had one) */
                else if (!hb || rev_has(ra, k, hb))
                        take_b = false;
                else if (is_derived(k))
                        take_b = hb > ha || (hb == ha && value_cmp(vb, va) > 0);
                else if (streq(k, "merged")) {
                        /* Both merged someone since they last agreed: both merges stand. */
                        bool b_newer = hb > ha || (hb == ha && value_cmp(vb, va) > 0);
                        json_t *l = rev_new(newest_head(rb, newest_head(ra, 0)) + 1,
                                            json_object_get(b_newer ? rb : ra, k));
                        json_t *u = merged_union(va, vb);

                        if (!l || !u) {
                                json_decref(l);
                                json_decref(u);
                                return -ENOMEM;
                        }
                        json_array_insert_new(l, 1, json_integer(b_newer ? ha : hb));
                        while (json_array_size(l) > SYNC_REV_CHAIN)
                                json_array_remove(l, json_array_size(l) - 1);
                        json_object_set_new(out, k, u);
                        json_object_set_new(revs, k, l);
                        continue;
                } else {
                        /* Both changed it since they last agreed: keep the newer, show the
                         * other. The merged value's rev is newer than anything either side
                         * had, so a later edit of the person is recognisably after it. */
                        int64_t head = newest_head(rb, newest_head(ra, 0)) + 1;
                        json_t *l;

                        take_b = hb > ha || (hb == ha && value_cmp(vb, va) > 0);
                        l = rev_new(head, json_object_get(take_b ? rb : ra, k));
                        if (!l)
                                return -ENOMEM;
                        /* The loser's head is an ancestor too, so the next edit of either
                         * side descends from the merged value. */
                        if (take_b ? ha : hb)
                                json_array_insert_new(l, 1, json_integer(take_b ? ha : hb));
                        while (json_array_size(l) > SYNC_REV_CHAIN)
                                json_array_remove(l, json_array_size(l) - 1);
                        json_object_set_new(revs, k, l);
                        if (take_b) {
                                if (vb)
                                        json_object_set(out, k, vb);
                                else
                                        json_object_del(out, k);
                        }
                        r = add_conflict(out, k, take_b ? va : vb, head);
                        if (r < 0)
                                return r;
                        conflicts++;
                        continue;
                }
                if (take_b) {
                        if (vb)
                                json_object_set(out, k, vb);
                        else
                                json_object_del(out, k);
                        json_object_set(revs, k, json_object_get(rb, k));
                }
        }
        if (conflicts) {
                /* The conflict lines changed the raw lines: a new rev for them. */
                int64_t head = rev_head(revs, "vcard");

                json_object_foreach(revs, k, v) if (rev_head(revs, k) > head) head =
                    rev_head(revs, k);
                json_object_set_new(revs, "vcard",
                                    rev_new(head + 1, json_object_get(revs, "vcard")));
        }
        /* Interactions: union by uuid, the newer rev wins; deletion markers remove for good. */
        list = json_object_get(out, "interactions");
        if (!list && json_object_get(b, "interactions")) {
                list = json_array();
                json_object_set_new(out, "interactions", list);
        }
        union_by_uuid(list, json_object_get(b, "interactions"), true);
        dead = json_object_get(out, "interactions_deleted");
        if (!dead && json_object_get(b, "interactions_deleted")) {
                dead = json_array();
                json_object_set_new(out, "interactions_deleted", dead);
        }
        union_by_uuid(dead, json_object_get(b, "interactions_deleted"), true);
        for (n = json_array_size(list); n-- > 0;) {
                json_t *d = find_uuid(
                    dead, json_string_value(json_object_get(json_array_get(list, n), "uuid")));

                if (d && json_integer_value(json_object_get(d, "rev")) >=
                             json_integer_value(json_object_get(json_array_get(list, n), "rev")))
                        json_array_remove(list, n);
        }
        /* A marker is also dropped when the interaction came back with a newer rev. */
        for (n = json_array_size(dead); n-- > 0;)
                if (find_uuid(list,
                              json_string_value(json_object_get(json_array_get(dead, n), "uuid"))))
                        json_array_remove(dead, n);
        *ret = TAKE_PTR(out);
        if (ret_conflicts)
                *ret_conflicts = conflicts;
        return 0;
}

/* ---- reading and writing files ---- */

struct read_ctx {
        json_t *card;
        char *reason;
        size_t reason_size;
        bool error;
};

static int read_card(const struct vcard *card, void *userdata)
{
        struct read_ctx *x = userdata;
        const char *why = NULL;
        int r;

        if (x->card || x->error)
                return 0; /* one card per file: the first one counts */
        r = vcard_to_record(card, &x->card, &why);
        if (r == -EINVAL) {
                snprintf(x->reason, x->reason_size, "%s", why ? why : "not a contact");
                x->error = true;
                return 0;
        }
        return r;
}

static int read_error(size_t line, const char *reason, void *userdata)
{
        struct read_ctx *x = userdata;

        if (!x->card && !x->error) {
                snprintf(x->reason, x->reason_size, "line %zu: %s", line, reason);
                x->error = true;
        }
        return 0;
}

int sync_card_read(const char *data, size_t len, json_t **ret, char *reason, size_t reason_size)
{
        struct read_ctx x = {.reason = reason, .reason_size = reason_size};
        const struct vcard_callbacks cb = {.card = read_card, .error = read_error};
        int r = vcard_parse(data, len, &cb, &x);

        if (r < 0) {
                json_decref(x.card);
                return r;
        }
        if (!x.card) {
                if (!x.error)
                        snprintf(reason, reason_size, "no vCard in it");
                return -EINVAL;
        }
        if (!json_string_value(json_object_get(x.card, "uuid"))) {
                snprintf(reason, reason_size, "the card has no UID");
                json_decref(x.card);
                return -EINVAL;
        }
        json_object_del(x.card, "line");
        json_object_del(x.card, "warnings");
        if (!json_is_object(json_object_get(x.card, "revs")))
                json_object_del(x.card, "revs");
        *ret = x.card;
        return 0;
}

int sync_card_write(json_t *card, char **ret, size_t *ret_len)
{
        _cleanup_(strbuf_donep) struct strbuf out = {0};
        int r = vcard_write_record(&out, card);

        if (r < 0)
                return r;
        *ret_len = out.len;
        *ret = TAKE_PTR(out.data);
        return 0;
}

/* The field and rev of a conflict line, or false when line is none. */
static bool conflict_parse(const char *line, char *field, size_t size, int64_t *rev,
                           const char **value)
{
        const char *f, *r, *colon;

        if (strncasecmp(line, SYNC_CONFLICT ";", strlen(SYNC_CONFLICT) + 1) != 0)
                return false;
        f = strstr(line, ";X-FIELD=");
        r = strstr(line, ";X-REV=");
        colon = strchr(line, ':');
        if (!f || !r || !colon || f > colon || r > colon)
                return false;
        f += 9;
        snprintf(field, size, "%.*s", (int)strcspn(f, ";:"), f);
        *rev = strtoll(r + 7, NULL, 10);
        *value = colon + 1;
        return true;
}

unsigned sync_card_settle(json_t *card)
{
        json_t *extra = json_object_get(card, "vcard"), *revs = json_object_get(card, "revs");
        unsigned n = 0;

        for (size_t i = json_array_size(extra); i-- > 0;) {
                const char *line = json_string_value(json_array_get(extra, i)), *value;
                char field[64];
                int64_t rev;

                if (!line || !conflict_parse(line, field, sizeof(field), &rev, &value))
                        continue;
                if (rev_head(revs, field) != rev || rev_head(revs, "updated") > rev) {
                        json_array_remove(extra, i);
                        n++;
                }
        }
        if (n && json_array_size(extra) == 0)
                json_object_del(card, "vcard");
        return n;
}

json_t *sync_card_conflicts(json_t *card)
{
        json_t *extra = json_object_get(card, "vcard"), *out = json_array(), *v;
        size_t i;

        json_array_foreach(extra, i, v)
        {
                const char *line = json_string_value(v), *value;
                char field[64];
                int64_t rev;
                _cleanup_strv_ char **parts = NULL;
                json_t *other;

                if (!line || !conflict_parse(line, field, sizeof(field), &rev, &value))
                        continue;
                if (vcard_split(value, strlen(value), 0, &parts) < 0 || !parts || !parts[0])
                        continue;
                other = json_loads(parts[0], JSON_DECODE_ANY, NULL);
                json_array_append_new(out, json_pack("{s:s,s:o}", "field", field, "other",
                                                     other ? other : json_null()));
        }
        return out;
}

/* ---- applying a card ---- */

struct have_ctx {
        json_t *by_uuid; /* uuid → id */
};

static int have_interaction(const struct interaction *i, void *userdata)
{
        struct have_ctx *x = userdata;

        return json_object_set_new(x->by_uuid, i->uuid, json_integer((json_int_t)i->id)) < 0
                   ? -ENOMEM
                   : 0;
}

/* from: the person this one had been merged into here (0: none). The interactions the card
 * lists that are theirs come back to this person (an undone merge), the same records. */
static int apply_interactions(struct store_txn *t, json_t *card, uint64_t contact_id, uint64_t from,
                              const char *uuid, int64_t now, char *reason, size_t reason_size)
{
        json_auto_t *have = json_object(), *theirs = json_object();
        struct have_ctx x = {.by_uuid = have}, y = {.by_uuid = theirs};
        json_t *v;
        size_t i;
        int r;

        if (!have || !theirs)
                return -ENOMEM;
        if (from) {
                r = store_txn_interaction_list(t, from, 0, have_interaction, &y);
                if (r < 0)
                        return r;
                json_array_foreach(json_object_get(card, "interactions"), i, v)
                {
                        json_t *id = json_object_get(
                            theirs, strempty(json_string_value(json_object_get(v, "uuid"))));

                        if (!id)
                                continue;
                        r = store_txn_interaction_move_to(t, (uint64_t)json_integer_value(id),
                                                          contact_id);
                        if (r < 0 && r != -EINVAL)
                                return r;
                }
        }
        r = store_txn_interaction_list(t, contact_id, 0, have_interaction, &x);
        if (r < 0)
                return r;
        json_array_foreach(json_object_get(card, "interactions"), i, v)
        {
                _cleanup_(interaction_freep) struct interaction *in = NULL, *old = NULL;
                json_auto_t *rec = json_deep_copy(v);
                const char *u = json_string_value(json_object_get(v, "uuid"));
                int64_t rev = json_integer_value(json_object_get(v, "rev")), deleted = 0;
                char goal[UUID_STRING_LEN + 1] = "";
                json_t *id;

                if (!rec || !u)
                        continue;
                json_object_del(rec, "rev");
                json_object_set_new(rec, "contact", json_string(uuid));
                if (transfer_interaction_parse(rec, &in, goal, reason, reason_size) < 0)
                        continue; /* one unreadable interaction does not stop the person */
                id = json_object_get(have, in->uuid);
                if (id) {
                        r = store_txn_interaction_get_id(t, (uint64_t)json_integer_value(id), &old);
                        if (r < 0)
                                return r;
                        in->id = old->id;
                        in->goal_id = old->goal_id;
                        if (old->at == in->at && streq_ptr(old->kind, in->kind) &&
                            streq_ptr(old->note, in->note) && streq_ptr(old->gave, in->gave) &&
                            streq_ptr(old->got, in->got) && old->created == in->created)
                                continue;
                        r = store_txn_interaction_update(t, in);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (store_txn_tombstone_get(t, in->uuid, &deleted) == 'I' &&
                    deleted * 1000000 >= rev)
                        continue; /* deleted here after that version */
                in->contact_id = contact_id;
                in->id = 0;
                in->goal_id = 0;
                if (!in->created)
                        in->created = now;
                r = store_txn_interaction_add(t, in);
                if (r >= 0) /* captured on another machine: not captured again here */
                        r = store_txn_captured_register(t, in);
                if (r < 0)
                        return r;
        }
        json_array_foreach(json_object_get(card, "interactions_deleted"), i, v)
        {
                json_t *id =
                    json_object_get(have, strempty(json_string_value(json_object_get(v, "uuid"))));

                if (!id)
                        continue;
                if (json_is_true(json_object_get(v, "moved")))
                        r = store_txn_interaction_drop(t, (uint64_t)json_integer_value(id));
                else
                        r = store_txn_interaction_delete(t, (uint64_t)json_integer_value(id), now);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

/* The live person uuid was merged into here, following merges of merges; 0 when none. */
static int merged_into_here(struct store_txn *t, const char *uuid, uint64_t *ret)
{
        char cur[UUID_STRING_LEN + 1], into[UUID_STRING_LEN + 1];
        int r;

        *ret = 0;
        snprintf(cur, sizeof(cur), "%s", uuid);
        for (int hops = 0; hops < 16; hops++) {
                r = store_txn_tombstone_merged_into(t, cur, into);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return r;
                r = store_txn_contact_by_uuid(t, into, ret);
                if (r != -ENOENT)
                        return r;
                memcpy(cur, into, sizeof(cur));
        }
        return 0;
}

static int ref_id(struct store_txn *t, const char *uuid, uint64_t *ret)
{
        int r;

        *ret = 0;
        if (!uuid[0])
                return 0;
        r = store_txn_contact_by_uuid(t, uuid, ret);
        return r == -ENOENT ? 0 : r;
}

int sync_card_apply(struct store_txn *t, json_t *card, unsigned exclude, int64_t conf_every,
                    int64_t now, char *reason, size_t reason_size, uint32_t *ret_withdraw)
{
        _cleanup_(contact_freep) struct contact *c = NULL, *old = NULL;
        json_auto_t *rec = json_deep_copy(card);
        char refs[2][UUID_STRING_LEN + 1];
        const char *uuid = json_string_value(json_object_get(card, "uuid"));
        uint64_t id = 0, back_from = 0;
        int64_t merged_at;
        json_t *v;
        size_t i;
        int r;

        if (ret_withdraw)
                *ret_withdraw = 0;
        if (!rec || !uuid)
                return -EINVAL;
        for (const char *const *k = (const char *const[]){"revs", "interactions",
                                                          "interactions_deleted", "merged", NULL};
             *k; k++)
                json_object_del(rec, *k);
        r = transfer_contact_parse(rec, &c, refs, reason, reason_size);
        if (r < 0)
                return r;
        r = store_txn_contact_by_uuid(t, c->uuid, &id);
        if (r < 0 && r != -ENOENT)
                return r;
        if (id) {
                r = store_txn_contact_get(t, id, &old);
                if (r < 0)
                        return r;
        }
        c->id = id;
        if (!id) {
                r = merged_into_here(t, c->uuid, &back_from);
                if (r < 0)
                        return r;
        }
        if (old) {
                /* This machine's own: its notification state and what it keeps local. */
                c->notified_due = old->notified_due;
                c->notified_at = old->notified_at;
                c->resurface_at = old->resurface_at;
                c->notify_id = old->notify_id;
                c->notify_unshown = old->notify_unshown;
                if (exclude & SYNC_EXCLUDE_NOTES) {
                        free(c->notes);
                        c->notes = TAKE_PTR(old->notes);
                }
                if (exclude & SYNC_EXCLUDE_LEDGER) {
                        free(c->brings);
                        c->brings = TAKE_PTR(old->brings);
                }
                if (exclude & SYNC_EXCLUDE_GOALS) {
                        free(c->prospect_plan);
                        c->prospect_plan = TAKE_PTR(old->prospect_plan);
                        free(c->prospect_via_name);
                        c->prospect_via_name = TAKE_PTR(old->prospect_via_name);
                        c->stage = old->stage;
                        c->stage_changed = old->stage_changed;
                        c->prospect_via = old->prospect_via;
                }
        }
        /* The follow-up shown here was done or snoozed on the other machine. */
        if (old && old->notify_id && old->notified_due && c->next_due != old->notified_due &&
            ret_withdraw)
                *ret_withdraw = old->notify_id;
        r = ref_id(t, refs[0], &c->introduced_by);
        if (r >= 0 && !(exclude & SYNC_EXCLUDE_GOALS))
                r = ref_id(t, refs[1], &c->prospect_via);
        if (r < 0)
                return r;
        if (c->introduced_by == c->id && c->id)
                c->introduced_by = 0;
        if (c->prospect_via == c->id && c->id)
                c->prospect_via = 0;
        if (!c->created)
                c->created = now;
        if (!c->updated)
                c->updated = now;
        r = store_txn_contact_put(t, c);
        if (r < 0) {
                if (r == -EEXIST || r == -EINVAL)
                        snprintf(reason, reason_size, "%s",
                                 r == -EEXIST ? "its UID belongs to another contact"
                                              : "not a valid contact");
                return r;
        }
        /* People merged into this one on the other machine are merged here too, as of when
         * that machine did it (the card's newest rev), not now: a card of the merged person
         * written after that (the merge undone there) is newer than the tombstone it leaves. */
        merged_at = rev_head(json_object_get(card, "revs"), "merged");
        if (!merged_at)
                merged_at = newest_head(json_object_get(card, "revs"), 0);
        merged_at /= 1000000;
        if (merged_at <= 0 || merged_at > now)
                merged_at = now;
        json_array_foreach(json_object_get(card, "merged"), i, v)
        {
                _cleanup_(contact_freep) struct contact *keep = NULL;
                struct merge_report rep = {0};
                uint64_t other = 0;

                if (!json_string_value(v) ||
                    store_txn_contact_by_uuid(t, json_string_value(v), &other) < 0 ||
                    other == c->id)
                        continue;
                r = store_txn_contact_get(t, c->id, &keep);
                if (r >= 0)
                        r = merge_contact(t, conf_every, keep, other, merged_at, &rep);
                merge_report_done(&rep);
                if (r < 0)
                        return r;
        }
        if (!(exclude & SYNC_EXCLUDE_HISTORY)) {
                r = apply_interactions(t, card, c->id, back_from, c->uuid, now, reason,
                                       reason_size);
                if (r < 0)
                        return r;
        }
        if (json_array_size(json_object_get(card, "merged"))) {
                /* The merge moved what the other person had; the card's fields are the truth. */
                _cleanup_(contact_freep) struct contact *cur = NULL;

                r = store_txn_contact_get(t, c->id, &cur);
                if (r < 0)
                        return r;
                c->notified_due = cur->notified_due;
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
        }
        return 0;
}
