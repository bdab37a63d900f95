/* Records as JSON (the export format): see transfer.h. Contact fields are described once, in
 * common/contact-fields.h: the JSON key, how the value is written and merged; export, parsing
 * (transfer-parse.c) and the import engine (transfer-import.c) walk that table. */
#include "transfer-internal.h"

/* ---- base64 for unknown codec fields ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

json_t *transfer_b64_encode(const uint8_t *p, size_t n)
{
        _cleanup_free_ char *s = malloc((n + 2) / 3 * 4 + 1);
        size_t w = 0;

        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                             (i + 2 < n ? p[i + 2] : 0);

                s[w++] = b64[v >> 18 & 63];
                s[w++] = b64[v >> 12 & 63];
                s[w++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
                s[w++] = i + 2 < n ? b64[v & 63] : '=';
        }
        s[w] = 0;
        return json_string(s);
}

int transfer_b64_decode(const char *s, uint8_t **ret, size_t *ret_len)
{
        size_t n = strlen(s), w = 0;
        uint32_t acc = 0;
        int bits = 0;
        uint8_t *out;

        if (n % 4)
                return -EINVAL;
        out = malloc(n / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *p;

                if (s[i] == '=') {
                        if (i < n - 2)
                                goto bad;
                        continue;
                }
                p = strchr(b64, s[i]);
                if (!p || !s[i] || (i > 0 && s[i - 1] == '='))
                        goto bad;
                acc = acc << 6 | (uint32_t)(p - b64);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[w++] = (uint8_t)(acc >> bits);
                }
        }
        *ret = out;
        *ret_len = w;
        return 0;
bad:
        free(out);
        return -EINVAL;
}

/* ---- export ---- */

static int set_new(json_t *o, const char *key, json_t *v)
{
        if (!v || json_object_set_new(o, key, v) < 0)
                return -ENOMEM;
        return 0;
}

static json_t *time_json(int64_t t)
{
        char buf[TIME_RFC3339_MAX];

        return json_string(time_format_rfc3339(t, buf));
}

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();

        for (size_t i = 0; a && v && v[i]; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static int ref_uuid(struct store_txn *t, uint64_t id, char uuid[static UUID_STRING_LEN + 1])
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r = store_txn_contact_get(t, id, &c);

        if (r < 0)
                return r;
        memcpy(uuid, c->uuid, UUID_STRING_LEN + 1);
        return 0;
}

static json_t *date_state_json(const struct date_state *st)
{
        json_t *o = json_object();

        if (o && st->since)
                json_object_set_new(o, "since", time_json(st->since));
        if (o && st->shown_year)
                json_object_set_new(o, "shown_year", json_integer(st->shown_year));
        if (o && st->acked_year)
                json_object_set_new(o, "acked_year", json_integer(st->acked_year));
        if (o && st->snoozed_to)
                json_object_set_new(o, "snoozed_to", time_json(st->snoozed_to));
        return o;
}

static json_t *dates_json(const struct contact_date *d, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < n; i++) {
                json_t *o = date_state_json(&d[i].st);

                if (!o || json_object_set_new(o, "id", json_integer(d[i].id)) < 0 ||
                    json_object_set_new(o, "label", json_string(strempty(d[i].label))) < 0 ||
                    json_object_set_new(o, "date", json_string(strempty(d[i].date))) < 0 ||
                    json_object_set_new(o, "yearly", json_boolean(d[i].yearly)) < 0 ||
                    json_object_set_new(o, "remind_days", json_integer(d[i].remind_days)) < 0 ||
                    json_array_append_new(a, o) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

json_t *transfer_contact_json(struct store_txn *t, const struct contact *c)
{
        _cleanup_(json_decrefp) json_t *o =
            json_pack("{s:s,s:I,s:s}", "type", "contact", "id", (json_int_t)c->id, "uuid", c->uuid);
        int r = 0;

        if (!o)
                return NULL;
        for (size_t i = 0; i < N_CFIELDS && r >= 0; i++) {
                const struct cfield *f = cfield_at(i);

                if (!f->key) /* derived: computed again on import */
                        continue;
                switch (f->type) {
                case CF_STR:
                case CF_NOTE:
                case CF_KIND:
                case CF_BIRTHDAY: {
                        const char *s = *CONTACT_FIELD_PTR(c, f, char *);

                        if (s)
                                r = set_new(o, f->key, json_string(s));
                        break;
                }
                case CF_LIST:
                case CF_LINES: {
                        char **v = *CONTACT_FIELD_PTR(c, f, char **);

                        if (v && *v)
                                r = set_new(o, f->key, strv_json(v));
                        break;
                }
                case CF_DATES:
                        if (c->n_dates)
                                r = set_new(o, f->key, dates_json(c->dates, c->n_dates));
                        break;
                case CF_DATE_STATE: {
                        const struct date_state *st = CONTACT_FIELD_PTR(c, f, struct date_state);

                        if (st->since || st->shown_year || st->acked_year || st->snoozed_to)
                                r = set_new(o, f->key, date_state_json(st));
                        break;
                }
                case CF_TIME:
                case CF_SECONDS: {
                        int64_t v = *CONTACT_FIELD_PTR(c, f, int64_t);

                        if (v)
                                r = set_new(o, f->key,
                                            f->type == CF_TIME ? time_json(v)
                                                               : json_integer((json_int_t)v));
                        break;
                }
                case CF_U32: {
                        uint32_t v = *CONTACT_FIELD_PTR(c, f, uint32_t);

                        if (v)
                                r = set_new(o, f->key, json_integer(v));
                        break;
                }
                case CF_NETWORKS: {
                        uint32_t v = *CONTACT_FIELD_PTR(c, f, uint32_t);
                        json_t *a;

                        if (!v)
                                break;
                        a = json_array();
                        for (int n = 0; a && n < _NETWORK_MAX; n++)
                                if (v & (1u << n))
                                        json_array_append_new(a, json_string(network_to_string(n)));
                        r = set_new(o, f->key, a);
                        break;
                }
                case CF_SCOPE: {
                        enum scope v = *CONTACT_FIELD_PTR(c, f, enum scope);

                        if (v != SCOPE_UNSET && scope_to_string(v))
                                r = set_new(o, f->key, json_string(scope_to_string(v)));
                        break;
                }
                case CF_STAGE: {
                        enum prospect_stage v = *CONTACT_FIELD_PTR(c, f, enum prospect_stage);

                        if (v != STAGE_NONE && prospect_stage_to_string(v))
                                r = set_new(o, f->key, json_string(prospect_stage_to_string(v)));
                        break;
                }
                case CF_REF: {
                        uint64_t id = *CONTACT_FIELD_PTR(c, f, uint64_t);
                        char uuid[UUID_STRING_LEN + 1];

                        /* A reference to someone who is gone is left out. */
                        if (id && ref_uuid(t, id, uuid) >= 0)
                                r = set_new(o, f->key, json_string(uuid));
                        break;
                }
                case CF_U64: /* derived fields have no key: skipped above */
                        break;
                }
        }
        if (r >= 0 && c->unknown_len)
                r = set_new(o, "unknown", transfer_b64_encode(c->unknown, c->unknown_len));
        return r < 0 ? NULL : TAKE_PTR(o);
}

struct export_ctx {
        struct store_txn *t;
        json_t *array;
        uint64_t contact_id; /* cache: the contact of the last interaction */
        char contact_uuid[UUID_STRING_LEN + 1];
        char goal_uuid[UUID_STRING_LEN + 1]; /* the goal whose links are being written */
};

static int export_contact(const struct contact *c, void *userdata)
{
        struct export_ctx *x = userdata;
        json_t *o = transfer_contact_json(x->t, c);

        if (!o || json_array_append_new(x->array, o) < 0)
                return -ENOMEM;
        return 0;
}

static int export_interaction(const struct interaction *i, void *userdata)
{
        struct export_ctx *x = userdata;
        _cleanup_(json_decrefp) json_t *o = NULL;
        int r;

        if (i->group_of)
                return 0; /* another person's entry of a group record: the record names them */
        if (i->contact_id != x->contact_id) {
                r = ref_uuid(x->t, i->contact_id, x->contact_uuid);
                if (r == -ENOENT)
                        return 0; /* an orphan cannot be restored; leave it out */
                if (r < 0)
                        return r;
                x->contact_id = i->contact_id;
        }
        o = json_pack("{s:s,s:s,s:s,s:o,s:I}", "type", "interaction", "contact", x->contact_uuid,
                      "uuid", i->uuid, "at", time_json(i->at), "seq", (json_int_t)i->seq);
        if (!o)
                return -ENOMEM;
        r = 0;
        if (i->id)
                r = set_new(o, "id", json_integer((json_int_t)i->id));
        if (i->kind)
                r = set_new(o, "kind", json_string(i->kind));
        if (r >= 0 && i->note)
                r = set_new(o, "note", json_string(i->note));
        if (r >= 0 && i->gave)
                r = set_new(o, "gave", json_string(i->gave));
        if (r >= 0 && i->got)
                r = set_new(o, "got", json_string(i->got));
        if (r >= 0 && i->created)
                r = set_new(o, "created", time_json(i->created));
        if (r >= 0 && i->goal_id) {
                /* The goal by uuid; a goal that is gone leaves nothing to point at. */
                _cleanup_(goal_freep) struct goal *g = NULL;

                r = store_txn_goal_get(x->t, i->goal_id, &g);
                if (r >= 0)
                        r = set_new(o, "goal", json_string(g->uuid));
                else if (r == -ENOENT)
                        r = 0;
        }
        if (r >= 0 && i->agenda)
                r = set_new(o, "agenda", json_string(i->agenda));
        if (r >= 0 && interaction_source_to_string(i->source))
                r = set_new(o, "source", json_string(interaction_source_to_string(i->source)));
        if (r >= 0 && i->source_id)
                r = set_new(o, "source_id", json_string(i->source_id));
        if (r >= 0 && i->no_touch)
                r = set_new(o, "no_touch", json_true());
        if (r >= 0 && i->n_with) {
                /* A group: the other people by uuid (those removed since are left out). */
                json_t *with = json_array();

                r = set_new(o, "with", with);
                for (size_t k = 0; r >= 0 && k < i->n_with; k++) {
                        char uuid[UUID_STRING_LEN + 1];

                        r = ref_uuid(x->t, i->with[k], uuid);
                        if (r == -ENOENT) {
                                r = 0;
                                continue;
                        }
                        if (r >= 0 && json_array_append_new(with, json_string(uuid)) < 0)
                                r = -ENOMEM;
                }
        }
        if (r >= 0 && i->unknown_len)
                r = set_new(o, "unknown", transfer_b64_encode(i->unknown, i->unknown_len));
        if (r < 0 || json_array_append_new(x->array, TAKE_PTR(o)) < 0)
                return -ENOMEM;
        return 0;
}

const char *transfer_tombstone_kind(uint8_t type)
{
        switch (type) {
        case 'C':
                return "contact";
        case 'I':
                return "interaction";
        case 'G':
                return "goal";
        case 'N':
                return "introduction";
        }
        return NULL;
}

int transfer_tombstone_type(const char *kind)
{
        static const uint8_t types[] = {'C', 'I', 'G', 'N'};

        for (size_t i = 0; i < ARRAY_SIZE(types); i++)
                if (streq_ptr(kind, transfer_tombstone_kind(types[i])))
                        return types[i];
        return -EINVAL;
}

static int set_time(json_t *o, const char *key, int64_t t)
{
        return t ? set_new(o, key, time_json(t)) : 0;
}

static int set_text(json_t *o, const char *key, const char *s)
{
        return s ? set_new(o, key, json_string(s)) : 0;
}

static int set_unknown(json_t *o, const uint8_t *p, size_t n)
{
        return n ? set_new(o, "unknown", transfer_b64_encode(p, n)) : 0;
}

static int export_link(const struct goal_link *l, void *userdata)
{
        struct export_ctx *x = userdata;
        _cleanup_(json_decrefp) json_t *o = NULL;
        char contact[UUID_STRING_LEN + 1];
        int r;

        r = ref_uuid(x->t, l->contact_id, contact);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        o = json_pack("{s:s,s:s,s:s}", "type", "goal_link", "goal", x->goal_uuid, "contact",
                      contact);
        if (!o || set_text(o, "why", l->why) < 0 || set_time(o, "linked_at", l->linked_at) < 0 ||
            set_unknown(o, l->unknown, l->unknown_len) < 0 ||
            json_array_append_new(x->array, TAKE_PTR(o)) < 0)
                return -ENOMEM;
        return 0;
}

static int export_goal(const struct goal *g, void *userdata)
{
        struct export_ctx *x = userdata;
        _cleanup_(json_decrefp) json_t *o = NULL;
        const char *status = goal_status_to_string(g->status);

        o = json_pack("{s:s,s:I,s:s,s:s,s:s}", "type", "goal", "id", (json_int_t)g->id, "uuid",
                      g->uuid, "title", strempty(g->title), "status", status ? status : "active");
        if (!o || set_text(o, "note", g->note) < 0 || set_time(o, "by", g->by) < 0 ||
            set_time(o, "created", g->created) < 0 || set_time(o, "updated", g->updated) < 0 ||
            set_time(o, "done_at", g->done_at) < 0 ||
            set_unknown(o, g->unknown, g->unknown_len) < 0 ||
            json_array_append_new(x->array, TAKE_PTR(o)) < 0)
                return -ENOMEM;
        memcpy(x->goal_uuid, g->uuid, sizeof(x->goal_uuid));
        return store_txn_goal_links(x->t, g->id, export_link, x);
}

static int export_intro(const struct intro *i, void *userdata)
{
        struct export_ctx *x = userdata;
        _cleanup_(json_decrefp) json_t *o = NULL;
        char a[UUID_STRING_LEN + 1], b[UUID_STRING_LEN + 1];
        int r;

        r = ref_uuid(x->t, i->a, a);
        if (r >= 0)
                r = ref_uuid(x->t, i->b, b);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        o = json_pack("{s:s,s:s,s:s,s:s}", "type", "introduction", "uuid", i->uuid, "a", a, "b", b);
        /* Who knows whom rides on the introduction records: kind, strength and by. */
        if (o && i->kind != INTRO_BY_YOU &&
            json_object_set_new(o, "kind",
                                json_string(i->kind == INTRO_KNOWS ? "knows" : "by-other")) < 0)
                return -ENOMEM;
        if (o && i->tie >= 1 && i->tie <= _TIE_LEVEL_MAX &&
            json_object_set_new(o, "strength",
                                json_string(tie_level_to_string((enum tie_level)(i->tie - 1)))) < 0)
                return -ENOMEM;
        if (o && i->kind == INTRO_BY_OTHER && i->by) {
                char by[UUID_STRING_LEN + 1];

                r = ref_uuid(x->t, i->by, by);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r >= 0 && json_object_set_new(o, "by", json_string(by)) < 0)
                        return -ENOMEM;
        }
        if (!o || set_text(o, "note", i->note) < 0 || set_time(o, "at", i->at) < 0 ||
            set_time(o, "created", i->created) < 0 ||
            set_unknown(o, i->unknown, i->unknown_len) < 0 ||
            json_array_append_new(x->array, TAKE_PTR(o)) < 0)
                return -ENOMEM;
        return 0;
}

static int export_setting(const char *name, const char *value, void *userdata)
{
        struct export_ctx *x = userdata;
        json_t *o = json_pack("{s:s,s:s,s:s}", "type", "setting", "name", name, "value", value);

        if (!o || json_array_append_new(x->array, o) < 0)
                return -ENOMEM;
        return 0;
}

static int export_tombstone(const char *uuid, uint8_t type, int64_t deleted, void *userdata)
{
        struct export_ctx *x = userdata;
        json_t *o;

        if (!transfer_tombstone_kind(type))
                return 0; /* a kind of record this version does not know */
        o = json_pack("{s:s,s:s,s:s,s:o}", "type", "tombstone", "uuid", uuid, "record",
                      transfer_tombstone_kind(type), "deleted", time_json(deleted));
        if (o && type == 'C') {
                char into[UUID_STRING_LEN + 1];
                int r = store_txn_tombstone_merged_into(x->t, uuid, into);

                /* Merged (tend merge): where the person lives on, for sync and re-imports. */
                if (r >= 0 && json_object_set_new(o, "merged_into", json_string(into)) < 0)
                        r = -ENOMEM;
                if (r < 0 && r != -ENOENT) {
                        json_decref(o);
                        return r;
                }
        }

        if (!o || json_array_append_new(x->array, o) < 0)
                return -ENOMEM;
        return 0;
}

int transfer_export(struct store_txn *t, unsigned types, json_t *array)
{
        struct export_ctx x = {.t = t, .array = array};
        uint64_t next_id, next_iid;
        int r;

        r = store_txn_next_id_get(t, &next_id);
        if (r >= 0)
                r = store_txn_interaction_next_id(t, &next_iid);
        if (r < 0)
                return r;
        if (json_array_append_new(array, json_pack("{s:s,s:i,s:I,s:I}", "type", "tend", "version",
                                                   TRANSFER_VERSION, "next_id", (json_int_t)next_id,
                                                   "next_interaction_id", (json_int_t)next_iid)) <
            0)
                return -ENOMEM;
        if (types & TRANSFER_CONTACTS) {
                r = store_txn_contact_walk(t, export_contact, &x);
                if (r < 0)
                        return r;
        }
        if (types & TRANSFER_INTERACTIONS) {
                r = store_txn_interaction_walk(t, export_interaction, &x);
                if (r < 0)
                        return r;
        }
        if (types & TRANSFER_GOALS) {
                r = store_txn_goal_list(t, export_goal, &x);
                if (r < 0)
                        return r;
                r = store_txn_intro_list(t, export_intro, &x);
                if (r < 0)
                        return r;
        }
        if (types & TRANSFER_SETTINGS) {
                r = store_txn_setting_walk(t, export_setting, &x);
                if (r < 0)
                        return r;
        }
        if (types & TRANSFER_TOMBSTONES) {
                r = store_txn_tombstone_walk(t, export_tombstone, &x);
                if (r < 0)
                        return r;
        }
        return 0;
}

json_t *transfer_interaction_json(struct store_txn *t, const struct interaction *i,
                                  const char *contact_uuid)
{
        struct export_ctx x = {.t = t, .array = json_array(), .contact_id = i->contact_id};
        json_t *o = NULL;

        if (!x.array)
                return NULL;
        snprintf(x.contact_uuid, sizeof(x.contact_uuid), "%s", contact_uuid);
        if (export_interaction(i, &x) >= 0 && json_array_size(x.array) == 1)
                o = json_incref(json_array_get(x.array, 0));
        json_decref(x.array);
        return o;
}
