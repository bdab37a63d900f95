/* Records as JSON (the export format): see transfer.h. Contact fields are described once, in
 * common/contact-fields.h: the JSON key, how the value is written and merged; export, parsing
 * (transfer-parse.c) and the import engine (transfer-import.c) walk that table. */
#include "transfer-internal.h"

#include <unistr.h>

#include "jsonline.h"

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

/* ---- where a record's members go ----
 * A record's members are written through a sink: a jansson object (transfer_contact_json,
 * Export's records) or one escaped JSON line with its keys sorted (Export with lines, which
 * never builds objects: at a million contacts the objects were most of the export's time). */
struct member_sink {
        int (*str)(void *u, const char *key, const char *s);
        int (*integer)(void *u, const char *key, int64_t v);
        int (*strv)(void *u, const char *key, char *const *v);
        int (*json)(void *u, const char *key, json_t *v); /* v stolen; NULL: out of memory */
        void *u;
};

static int sink_time(const struct member_sink *k, const char *key, int64_t t)
{
        char buf[TIME_RFC3339_MAX];

        return k->str(k->u, key, time_format_rfc3339(t, buf));
}

static int obj_str(void *u, const char *key, const char *s)
{
        return set_new(u, key, json_string(s));
}

static int obj_integer(void *u, const char *key, int64_t v)
{
        return set_new(u, key, json_integer((json_int_t)v));
}

static int obj_strv(void *u, const char *key, char *const *v)
{
        return set_new(u, key, strv_json(v));
}

static int obj_json(void *u, const char *key, json_t *v)
{
        return set_new(u, key, v);
}

static struct member_sink object_sink(json_t *o)
{
        return (struct member_sink){obj_str, obj_integer, obj_strv, obj_json, o};
}

/* A record as a JSON line: each member's value is written (escaped for the lines string) as
 * it comes; the line is put together in key order at the end, as JSON_SORT_KEYS would. */
#define LINE_MEMBERS_MAX 64

struct line_member {
        const char *key;
        size_t off, len; /* the value in vals */
};

struct line_record {
        struct strbuf vals;
        struct line_member m[LINE_MEMBERS_MAX];
        size_t n;
        size_t start; /* where this member's value began in vals */
};

static int line_begin(struct line_record *l, const char *key)
{
        if (l->n == LINE_MEMBERS_MAX)
                return -E2BIG;
        l->start = l->vals.len;
        l->m[l->n].key = key;
        return 0;
}

static int line_end(struct line_record *l)
{
        if (l->vals.error)
                return -ENOMEM;
        l->m[l->n].off = l->start;
        l->m[l->n].len = l->vals.len - l->start;
        l->n++;
        return 0;
}

/* Text stored in the store is valid UTF-8 (it came in as JSON); a damaged record must not
 * become a line the client cannot read. */
static int line_text(struct line_record *l, const char *s)
{
        size_t n = strlen(s);

        if (u8_check((const uint8_t *)s, n))
                return -EILSEQ;
        jsonline_put_string(&l->vals, s, n);
        return 0;
}

static int line_str(void *u, const char *key, const char *s)
{
        struct line_record *l = u;
        int r = line_begin(l, key);

        if (r >= 0)
                r = line_text(l, s);
        return r < 0 ? r : line_end(l);
}

static int line_integer(void *u, const char *key, int64_t v)
{
        struct line_record *l = u;
        int r = line_begin(l, key);

        if (r < 0)
                return r;
        char digits[24], *p = digits + sizeof(digits);
        uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;

        do
                *--p = (char)('0' + a % 10);
        while (a /= 10);
        if (v < 0)
                *--p = '-';
        strbuf_append(&l->vals, p, (size_t)(digits + sizeof(digits) - p));
        return line_end(l);
}

static int line_strv(void *u, const char *key, char *const *v)
{
        struct line_record *l = u;
        int r = line_begin(l, key);

        strbuf_putc(&l->vals, '[');
        for (size_t i = 0; r >= 0 && v && v[i]; i++) {
                if (i)
                        strbuf_putc(&l->vals, ',');
                r = line_text(l, v[i]);
        }
        strbuf_putc(&l->vals, ']');
        return r < 0 ? r : line_end(l);
}

static int line_json(void *u, const char *key, json_t *v)
{
        struct line_record *l = u;
        int r = v ? line_begin(l, key) : -ENOMEM;

        if (r >= 0)
                r = jsonline_put_sorted(&l->vals, v);
        json_decref(v);
        return r < 0 ? r : line_end(l);
}

static struct member_sink line_sink(struct line_record *l)
{
        l->n = 0;
        strbuf_reset(&l->vals);
        return (struct member_sink){line_str, line_integer, line_strv, line_json, l};
}

/* Insertion sort: a record has a few dozen members at most, and qsort's calls were a tenth
 * of the export. */
static void line_sort(struct line_member *m, size_t n)
{
        for (size_t i = 1; i < n; i++) {
                struct line_member t = m[i];
                size_t j = i;

                for (; j > 0 && strcmp(m[j - 1].key, t.key) > 0; j--)
                        m[j] = m[j - 1];
                m[j] = t;
        }
}

/* The record's line, keys sorted, then an escaped newline. */
static int line_write(struct line_record *l, struct strbuf *out)
{
        line_sort(l->m, l->n);
        strbuf_putc(out, '{');
        for (size_t i = 0; i < l->n; i++) {
                if (i)
                        strbuf_putc(out, ',');
                jsonline_put_string(out, l->m[i].key, strlen(l->m[i].key));
                strbuf_putc(out, ':');
                strbuf_append(out, l->vals.data + l->m[i].off, l->m[i].len);
        }
        strbuf_append(out, "}\\n", 3);
        return out->error ? -ENOMEM : 0;
}

/* ---- contacts and interactions ---- */

static int contact_members(struct store_txn *t, const struct contact *c,
                           const struct member_sink *k)
{
        int r = k->str(k->u, "type", "contact");

        if (r >= 0)
                r = k->integer(k->u, "id", (int64_t)c->id);
        if (r >= 0)
                r = k->str(k->u, "uuid", c->uuid);
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
                                r = k->str(k->u, f->key, s);
                        break;
                }
                case CF_LIST:
                case CF_LINES: {
                        char **v = *CONTACT_FIELD_PTR(c, f, char **);

                        if (v && *v)
                                r = k->strv(k->u, f->key, v);
                        break;
                }
                case CF_DATES:
                        if (c->n_dates)
                                r = k->json(k->u, f->key, dates_json(c->dates, c->n_dates));
                        break;
                case CF_DATE_STATE: {
                        const struct date_state *st = CONTACT_FIELD_PTR(c, f, struct date_state);

                        if (st->since || st->shown_year || st->acked_year || st->snoozed_to)
                                r = k->json(k->u, f->key, date_state_json(st));
                        break;
                }
                case CF_TIME:
                case CF_SECONDS: {
                        int64_t v = *CONTACT_FIELD_PTR(c, f, int64_t);

                        if (v)
                                r = f->type == CF_TIME ? sink_time(k, f->key, v)
                                                       : k->integer(k->u, f->key, v);
                        break;
                }
                case CF_U32: {
                        uint32_t v = *CONTACT_FIELD_PTR(c, f, uint32_t);

                        if (v)
                                r = k->integer(k->u, f->key, v);
                        break;
                }
                case CF_NETWORKS: {
                        uint32_t v = *CONTACT_FIELD_PTR(c, f, uint32_t);
                        const char *names[_NETWORK_MAX + 1];
                        size_t n = 0;

                        if (!v)
                                break;
                        for (int b = 0; b < _NETWORK_MAX; b++)
                                if (v & (1u << b))
                                        names[n++] = network_to_string(b);
                        names[n] = NULL;
                        r = k->strv(k->u, f->key, (char *const *)names);
                        break;
                }
                case CF_SCOPE: {
                        enum scope v = *CONTACT_FIELD_PTR(c, f, enum scope);

                        if (v != SCOPE_UNSET && scope_to_string(v))
                                r = k->str(k->u, f->key, scope_to_string(v));
                        break;
                }
                case CF_STAGE: {
                        enum prospect_stage v = *CONTACT_FIELD_PTR(c, f, enum prospect_stage);

                        if (v != STAGE_NONE && prospect_stage_to_string(v))
                                r = k->str(k->u, f->key, prospect_stage_to_string(v));
                        break;
                }
                case CF_REF: {
                        uint64_t id = *CONTACT_FIELD_PTR(c, f, uint64_t);
                        char uuid[UUID_STRING_LEN + 1];

                        /* A reference to someone who is gone is left out. */
                        if (id && ref_uuid(t, id, uuid) >= 0)
                                r = k->str(k->u, f->key, uuid);
                        break;
                }
                case CF_U64: /* derived fields have no key: skipped above */
                        break;
                }
        }
        if (r >= 0 && c->unknown_len)
                r = k->json(k->u, "unknown", transfer_b64_encode(c->unknown, c->unknown_len));
        return r;
}

json_t *transfer_contact_json(struct store_txn *t, const struct contact *c)
{
        _cleanup_(json_decrefp) json_t *o = json_object();
        struct member_sink k = object_sink(o);

        if (!o || contact_members(t, c, &k) < 0)
                return NULL;
        return TAKE_PTR(o);
}

struct export_ctx {
        struct store_txn *t;
        json_t *array;        /* records as objects, or */
        struct strbuf *lines; /* records as escaped JSON lines */
        struct line_record *line;
        size_t count;        /* records written */
        uint64_t contact_id; /* cache: the contact of the last interaction */
        char contact_uuid[UUID_STRING_LEN + 1];
        char goal_uuid[UUID_STRING_LEN + 1]; /* the goal whose links are being written */
};

/* A record built as an object (the few kinds that are not contacts or interactions). */
static int export_object(struct export_ctx *x, json_t *o)
{
        int r = 0;

        if (!o)
                return -ENOMEM;
        if (x->lines) {
                r = jsonline_put_sorted(x->lines, o);
                if (r >= 0)
                        strbuf_append(x->lines, "\\n", 2);
                json_decref(o);
                if (r >= 0 && x->lines->error)
                        r = -ENOMEM;
        } else if (json_array_append_new(x->array, o) < 0) {
                r = -ENOMEM;
        }
        if (r >= 0)
                x->count++;
        return r;
}

/* A record's members written through a sink of the export's kind. */
typedef int (*members_fn)(struct export_ctx *x, const void *rec, const struct member_sink *k);

static int export_members(struct export_ctx *x, members_fn fn, const void *rec)
{
        struct member_sink k;
        json_t *o;
        int r;

        if (x->lines) {
                k = line_sink(x->line);
                r = fn(x, rec, &k);
                if (r > 0)
                        return 0; /* left out */
                if (r >= 0)
                        r = line_write(x->line, x->lines);
                if (r >= 0)
                        x->count++;
                return r;
        }
        o = json_object();
        if (!o)
                return -ENOMEM;
        k = object_sink(o);
        r = fn(x, rec, &k);
        if (r != 0) {
                json_decref(o);
                return r > 0 ? 0 : r;
        }
        return export_object(x, o);
}

static int contact_fn(struct export_ctx *x, const void *rec, const struct member_sink *k)
{
        return contact_members(x->t, rec, k);
}

static int export_contact(const struct contact *c, void *userdata)
{
        return export_members(userdata, contact_fn, c);
}

/* An interaction's members; 1: the record is left out. */
static int interaction_members(struct export_ctx *x, const void *rec, const struct member_sink *k)
{
        const struct interaction *i = rec;
        int r;

        if (i->group_of)
                return 1; /* another person's entry of a group record: the record names them */
        if (i->contact_id != x->contact_id) {
                r = ref_uuid(x->t, i->contact_id, x->contact_uuid);
                if (r == -ENOENT)
                        return 1; /* an orphan cannot be restored; leave it out */
                if (r < 0)
                        return r;
                x->contact_id = i->contact_id;
        }
        r = k->str(k->u, "type", "interaction");
        if (r >= 0)
                r = k->str(k->u, "contact", x->contact_uuid);
        if (r >= 0)
                r = k->str(k->u, "uuid", i->uuid);
        if (r >= 0)
                r = sink_time(k, "at", i->at);
        if (r >= 0)
                r = k->integer(k->u, "seq", (int64_t)i->seq);
        if (r >= 0 && i->id)
                r = k->integer(k->u, "id", (int64_t)i->id);
        if (r >= 0 && i->kind)
                r = k->str(k->u, "kind", i->kind);
        if (r >= 0 && i->note)
                r = k->str(k->u, "note", i->note);
        if (r >= 0 && i->gave)
                r = k->str(k->u, "gave", i->gave);
        if (r >= 0 && i->got)
                r = k->str(k->u, "got", i->got);
        if (r >= 0 && i->created)
                r = sink_time(k, "created", i->created);
        if (r >= 0 && i->goal_id) {
                /* The goal by uuid; a goal that is gone leaves nothing to point at. */
                _cleanup_(goal_freep) struct goal *g = NULL;

                r = store_txn_goal_get(x->t, i->goal_id, &g);
                if (r >= 0)
                        r = k->str(k->u, "goal", g->uuid);
                else if (r == -ENOENT)
                        r = 0;
        }
        if (r >= 0 && i->agenda)
                r = k->str(k->u, "agenda", i->agenda);
        if (r >= 0 && interaction_source_to_string(i->source))
                r = k->str(k->u, "source", interaction_source_to_string(i->source));
        if (r >= 0 && i->source_id)
                r = k->str(k->u, "source_id", i->source_id);
        if (r >= 0 && i->no_touch)
                r = k->json(k->u, "no_touch", json_true());
        if (r >= 0 && i->n_with) {
                /* A group: the other people by uuid (those removed since are left out). */
                char(*uuids)[UUID_STRING_LEN + 1] = calloc(i->n_with, sizeof(*uuids));
                char **with = calloc(i->n_with + 1, sizeof(*with));
                size_t n = 0;

                if (!uuids || !with)
                        r = -ENOMEM;
                for (size_t w = 0; r >= 0 && w < i->n_with; w++) {
                        r = ref_uuid(x->t, i->with[w], uuids[n]);
                        if (r == -ENOENT) {
                                r = 0;
                                continue;
                        }
                        if (r >= 0)
                                with[n] = uuids[n], n++;
                }
                if (r >= 0)
                        r = k->strv(k->u, "with", with);
                free(with);
                free(uuids);
        }
        if (r >= 0 && i->unknown_len)
                r = k->json(k->u, "unknown", transfer_b64_encode(i->unknown, i->unknown_len));
        return r < 0 ? r : 0;
}

static int export_interaction(const struct interaction *i, void *userdata)
{
        return export_members(userdata, interaction_members, i);
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
            set_unknown(o, l->unknown, l->unknown_len) < 0)
                return -ENOMEM;
        return export_object(x, TAKE_PTR(o));
}

static int export_goal(const struct goal *g, void *userdata)
{
        struct export_ctx *x = userdata;
        _cleanup_(json_decrefp) json_t *o = NULL;
        const char *status = goal_status_to_string(g->status);
        int r;

        o = json_pack("{s:s,s:I,s:s,s:s,s:s}", "type", "goal", "id", (json_int_t)g->id, "uuid",
                      g->uuid, "title", strempty(g->title), "status", status ? status : "active");
        if (!o || set_text(o, "note", g->note) < 0 || set_time(o, "by", g->by) < 0 ||
            set_time(o, "created", g->created) < 0 || set_time(o, "updated", g->updated) < 0 ||
            set_time(o, "done_at", g->done_at) < 0 ||
            set_unknown(o, g->unknown, g->unknown_len) < 0)
                return -ENOMEM;
        r = export_object(x, TAKE_PTR(o));
        if (r < 0)
                return r;
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
            set_unknown(o, i->unknown, i->unknown_len) < 0)
                return -ENOMEM;
        return export_object(x, TAKE_PTR(o));
}

static int export_setting(const char *name, const char *value, void *userdata)
{
        struct export_ctx *x = userdata;

        return export_object(
            x, json_pack("{s:s,s:s,s:s}", "type", "setting", "name", name, "value", value));
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
        return export_object(x, o);
}

/* ---- the export in pieces ---- */

enum {
        PHASE_HEADER,
        PHASE_CONTACTS,
        PHASE_INTERACTIONS,
        PHASE_GOALS,
        PHASE_SETTINGS,
        PHASE_TOMBSTONES,
        PHASE_DONE,
};

struct chunk_ctx {
        struct export_ctx x;
        struct transfer_export_pos *pos;
        size_t max;
        size_t max_bytes;
        size_t bytes; /* about how much JSON the piece holds */
};

/* A piece also ends at about this much JSON: a few notes of the maximum length must not make
 * one message of megabytes. */
#define PIECE_BYTES (512u << 10)

static size_t strv_bytes(char **v)
{
        size_t n = 0;

        for (; v && *v; v++)
                n += strlen(*v) + 8;
        return n;
}

/* The JSON of a record is about its text plus a fixed part: a bound cheap enough to take for
 * every record (dumping each one to measure it would double the export's work). */
static size_t contact_bytes(const struct contact *c)
{
        const char *text[] = {
            c->name,      c->org,        c->title,         c->notes,        c->how_met,
            c->last_kind, c->brings,     c->prospect_plan, c->met_via_name, c->prospect_via_name,
            c->birthday,  c->name_parts, c->agenda};
        size_t n = 600 + c->unknown_len * 2 + c->n_dates * 120 + strv_bytes(c->emails) +
                   strv_bytes(c->phones) + strv_bytes(c->urls) + strv_bytes(c->tags) +
                   strv_bytes(c->vcard_extra);

        for (size_t i = 0; i < ARRAY_SIZE(text); i++)
                n += text[i] ? strlen(text[i]) * 2 : 0; /* escapes */
        return n;
}

static size_t interaction_bytes(const struct interaction *i)
{
        return 300 + (i->note ? strlen(i->note) * 2 : 0) + (i->gave ? strlen(i->gave) * 2 : 0) +
               (i->got ? strlen(i->got) * 2 : 0) + i->n_with * 40;
}

static bool piece_full(const struct chunk_ctx *k)
{
        return k->x.count >= k->max || k->bytes >= k->max_bytes;
}

static int chunk_contact(const struct contact *c, void *userdata)
{
        struct chunk_ctx *k = userdata;
        int r = export_contact(c, &k->x);

        if (r < 0)
                return r;
        k->pos->contact_id = c->id;
        k->bytes += contact_bytes(c);
        return piece_full(k) ? 1 : 0;
}

static int chunk_interaction(const struct interaction *i, void *userdata)
{
        struct chunk_ctx *k = userdata;
        int r = export_interaction(i, &k->x);

        if (r < 0)
                return r;
        k->pos->after =
            (struct interaction){.contact_id = i->contact_id, .at = i->at, .seq = i->seq};
        k->pos->resumed = true;
        k->bytes += interaction_bytes(i);
        return piece_full(k) ? 1 : 0;
}

static int export_header(struct export_ctx *x)
{
        uint64_t next_id, next_iid;
        int r = store_txn_next_id_get(x->t, &next_id);

        if (r >= 0)
                r = store_txn_interaction_next_id(x->t, &next_iid);
        if (r < 0)
                return r;
        return export_object(x, json_pack("{s:s,s:i,s:I,s:I}", "type", "tend", "version",
                                          TRANSFER_VERSION, "next_id", (json_int_t)next_id,
                                          "next_interaction_id", (json_int_t)next_iid));
}

static int export_chunk(struct chunk_ctx *k, unsigned types)
{
        struct store_txn *t = k->x.t;
        struct transfer_export_pos *pos = k->pos;
        int r = 0;

        while (pos->phase < PHASE_DONE && !piece_full(k)) {
                switch (pos->phase) {
                case PHASE_HEADER:
                        r = export_header(&k->x);
                        break;
                case PHASE_CONTACTS:
                        if (types & TRANSFER_CONTACTS)
                                r = store_txn_contact_walk_after(t, pos->contact_id, chunk_contact,
                                                                 k);
                        break;
                case PHASE_INTERACTIONS:
                        if (types & TRANSFER_INTERACTIONS)
                                r = store_txn_interaction_walk_after(
                                    t, pos->resumed ? &pos->after : NULL, chunk_interaction, k);
                        break;
                /* The rest is what people write by hand (goals, introductions, settings) and the
                 * tombstones: each goes in one piece. */
                case PHASE_GOALS:
                        if (types & TRANSFER_GOALS) {
                                r = store_txn_goal_list(t, export_goal, &k->x);
                                if (r >= 0)
                                        r = store_txn_intro_list(t, export_intro, &k->x);
                        }
                        break;
                case PHASE_SETTINGS:
                        if (types & TRANSFER_SETTINGS)
                                r = store_txn_setting_walk(t, export_setting, &k->x);
                        break;
                case PHASE_TOMBSTONES:
                        if (types & TRANSFER_TOMBSTONES)
                                r = store_txn_tombstone_walk(t, export_tombstone, &k->x);
                        break;
                }
                if (r < 0)
                        return r;
                if (r == 0) /* this part is complete */
                        pos->phase++;
                r = 0;
        }
        return pos->phase == PHASE_DONE ? 1 : 0;
}

int transfer_export(struct store_txn *t, unsigned types, json_t *array)
{
        struct transfer_export_pos pos = {0};
        struct chunk_ctx k = {
            .x = {.t = t, .array = array}, .pos = &pos, .max = SIZE_MAX, .max_bytes = SIZE_MAX};
        int r = export_chunk(&k, types);

        return r < 0 ? r : 0;
}

int transfer_export_chunk(struct store_txn *t, unsigned types, struct transfer_export_pos *pos,
                          size_t max, json_t *array)
{
        struct chunk_ctx k = {.x = {.t = t, .array = array},
                              .pos = pos,
                              .max = max ? max : 1,
                              .max_bytes = PIECE_BYTES};

        return export_chunk(&k, types);
}

int transfer_export_lines(struct store_txn *t, unsigned types, struct transfer_export_pos *pos,
                          size_t max, struct strbuf *lines, size_t *ret_count)
{
        struct line_record line = {0};
        struct chunk_ctx k = {.x = {.t = t, .lines = lines, .line = &line},
                              .pos = pos,
                              .max = max ? max : 1,
                              .max_bytes = PIECE_BYTES};
        int r = export_chunk(&k, types);

        strbuf_done(&line.vals);
        *ret_count = k.x.count;
        return r;
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
