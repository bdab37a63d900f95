/* Records as JSON and the import engine: see transfer.h.
 *
 * Contact fields are described once, in common/contact-fields.h: the JSON key, how the value is
 * checked and written, and how an import merges it into a contact that exists. A field added to
 * struct contact needs one line here to be exported, imported and merged
 * (tests/unit/test_transfer.c fails when struct contact grows and this table does not). */
#include "transfer.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "datemd.h"
#include "fields.h"
#include "jsonfast.h"
#include "model.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "strbuf.h"
#include "strength.h"
#include "timeutil.h"
#include "touch.h"
#include "util.h"
#include "vcard.h"

#define RAW_LINES_MAX  VCARD_EXTRA_MAX
#define RAW_LINE_BYTES VCARD_EXTRA_LINE
#define NAME_PARTS_MAX (2 * FIELD_NAME_MAX)
#define REASON_MAX     256

/* Contact fields come from the one table in common/contact-fields.h: key, type, limits and
 * merge rule; export, import and merge walk it. */
#define cfield    contact_field
#define N_CFIELDS CONTACT_FIELDS_N

static const struct cfield *cfield_at(size_t i)
{
        size_t n;

        return &contact_fields(&n)[i];
}

#define N_REFS 2

/* ---- base64 for unknown codec fields ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *b64_encode(const uint8_t *p, size_t n)
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

static int b64_decode(const char *s, uint8_t **ret, size_t *ret_len)
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
                r = set_new(o, "unknown", b64_encode(c->unknown, c->unknown_len));
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
                r = set_new(o, "unknown", b64_encode(i->unknown, i->unknown_len));
        if (r < 0 || json_array_append_new(x->array, TAKE_PTR(o)) < 0)
                return -ENOMEM;
        return 0;
}

static const char *tombstone_kind(uint8_t type)
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

static int tombstone_type(const char *kind)
{
        static const uint8_t types[] = {'C', 'I', 'G', 'N'};

        for (size_t i = 0; i < ARRAY_SIZE(types); i++)
                if (streq_ptr(kind, tombstone_kind(types[i])))
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
        return n ? set_new(o, "unknown", b64_encode(p, n)) : 0;
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

        if (!tombstone_kind(type))
                return 0; /* a kind of record this version does not know */
        o = json_pack("{s:s,s:s,s:s,s:o}", "type", "tombstone", "uuid", uuid, "record",
                      tombstone_kind(type), "deleted", time_json(deleted));
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

/* ---- staged records ---- */

enum rec_type {
        REC_ERROR,
        REC_HEADER,
        REC_CONTACT,
        REC_INTERACTION,
        REC_TOMBSTONE,
        REC_GOAL,
        REC_GOAL_LINK,
        REC_INTRO,
        REC_SETTING,
};

struct import_rec {
        enum rec_type type;
        size_t line;
        char *reason; /* REC_ERROR */
        char *name;   /* for the report */
        json_t *warnings;
        struct contact *c;
        char refs[N_REFS][UUID_STRING_LEN + 1]; /* met_via, prospect_via */
        struct interaction *i;
        json_t *with;                   /* interaction: the uuids of the other people of a group */
        char uuid[UUID_STRING_LEN + 1]; /* interaction: its contact; tombstone: itself */
                                        /* (an interaction's goal: uuid2) */
        bool auto_seq;                  /* interaction without a seq */
        uint8_t ttype;
        int64_t deleted;
        uint64_t next_id;
        uint64_t next_interaction_id;
        struct goal *g;
        struct goal_link *gl; /* uuid: its contact, uuid2: its goal */
        struct intro *in;     /* uuid: a, uuid2: b, by_uuid: who made it (kind by-other) */
        char uuid2[UUID_STRING_LEN + 1];
        char by_uuid[UUID_STRING_LEN + 1];
        char *sname, *svalue; /* setting */
};

struct import_set {
        struct import_rec *v;
        size_t n, cap;
        size_t bytes;
};

struct import_set *import_set_new(void)
{
        return calloc(1, sizeof(struct import_set));
}

void import_set_free(struct import_set *s)
{
        if (!s)
                return;
        for (size_t k = 0; k < s->n; k++) {
                free(s->v[k].reason);
                free(s->v[k].name);
                json_decref(s->v[k].warnings);
                contact_free(s->v[k].c);
                interaction_free(s->v[k].i);
                json_decref(s->v[k].with);
                goal_free(s->v[k].g);
                goal_link_free(s->v[k].gl);
                intro_free(s->v[k].in);
                free(s->v[k].sname);
                free(s->v[k].svalue);
        }
        free(s->v);
        free(s);
}

size_t import_set_count(const struct import_set *s)
{
        return s->n;
}

size_t import_set_bytes(const struct import_set *s)
{
        return s->bytes;
}

/* A record's problem: kept as the reason of an error item. */
struct bad {
        char reason[REASON_MAX];
};

static int badf(struct bad *b, const char *fmt, ...) _printf_(2, 3);
static int badf(struct bad *b, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(b->reason, sizeof(b->reason), fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static void warn(struct import_rec *rec, const char *fmt, ...) _printf_(2, 3);
static void warn(struct import_rec *rec, const char *fmt, ...)
{
        char buf[REASON_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (!rec->warnings)
                rec->warnings = json_array();
        if (json_array_size(rec->warnings) < 16)
                json_array_append_new(rec->warnings, json_string(buf));
}

static int get_text(json_t *v, const char *key, size_t max, bool multiline, struct bad *b,
                    char **ret)
{
        const char *s = json_string_value(v);
        int r;

        if (!s)
                return badf(b, "%s: not a string", key);
        r = text_validate(s, max, multiline);
        if (r == -E2BIG)
                return badf(b, "%s: longer than %zu bytes", key, max);
        if (r < 0)
                return badf(b, "%s: control characters or invalid UTF-8", key);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int get_time(json_t *v, const char *key, struct bad *b, int64_t *ret)
{
        const char *s = json_string_value(v);

        if (!s || time_parse_rfc3339(s, ret) < 0)
                return badf(b, "%s: not an RFC 3339 time", key);
        return 0;
}

static int get_uuid(json_t *v, const char *key, struct bad *b, char ret[static UUID_STRING_LEN + 1])
{
        const char *s = json_string_value(v);

        if (!s || !uuid_is_valid(s))
                return badf(b, "%s: not a UUID", key);
        for (size_t i = 0; i <= UUID_STRING_LEN; i++)
                ret[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
        return 0;
}

static int get_unknown(json_t *v, struct bad *b, uint8_t **ret, size_t *ret_len)
{
        const char *s = json_string_value(v);
        int r;

        if (!s)
                return badf(b, "unknown: not a string");
        r = b64_decode(s, ret, ret_len);
        if (r == -EINVAL)
                return badf(b, "unknown: not base64");
        return r;
}

/* A list entry that does not pass is dropped with a warning; the record stays. */
static int get_list(struct import_rec *rec, json_t *v, const struct cfield *f, struct bad *b,
                    char ***ret)
{
        _cleanup_strv_ char **out = NULL;
        size_t i;
        json_t *e;

        if (!json_is_array(v))
                return badf(b, "%s: not a list", f->key);
        json_array_foreach(v, i, e)
        {
                _cleanup_free_ char *s = NULL;
                const char *why;

                if (!json_is_string(e))
                        return badf(b, "%s: not a list of strings", f->key);
                s = strdup(json_string_value(e));
                if (!s)
                        return -ENOMEM;
                if (f->type == CF_LINES) {
                        if (strlen(s) > RAW_LINE_BYTES ||
                            !utf8_is_clean_text(s, strlen(s), false) || !strchr(s, ':')) {
                                warn(rec, "a raw vCard line was dropped (too long or not text)");
                                continue;
                        }
                        if (strv_length(out) >= RAW_LINES_MAX) {
                                warn(rec, "more than %d raw vCard lines; the rest dropped",
                                     RAW_LINES_MAX);
                                break;
                        }
                } else {
                        if ((int)f->arg == FIELD_TAG)
                                ascii_strlower(s);
                        why = fields_check((enum field_kind)(int)f->arg, s);
                        if (why) {
                                warn(rec, "%s: '%.64s' dropped: %s", f->key, s, why);
                                continue;
                        }
                        if (strv_length(out) >= FIELD_LIST_MAX) {
                                warn(rec, "%s: more than %d; the rest dropped", f->key,
                                     FIELD_LIST_MAX);
                                break;
                        }
                }
                if (strv_contains(out, s, (int)f->arg == FIELD_EMAIL || (int)f->arg == FIELD_TAG))
                        continue;
                if (strv_push(&out, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

static int get_date_state(json_t *v, const char *key, struct bad *b, struct date_state *st)
{
        json_t *y;
        int r;

        if (!json_is_object(v))
                return badf(b, "%s: not an object", key);
        *st = (struct date_state){0};
        if (json_object_get(v, "since") &&
            (r = get_time(json_object_get(v, "since"), key, b, &st->since)) < 0)
                return r;
        if (json_object_get(v, "snoozed_to") &&
            (r = get_time(json_object_get(v, "snoozed_to"), key, b, &st->snoozed_to)) < 0)
                return r;
        y = json_object_get(v, "shown_year");
        if (y && (!json_is_integer(y) || json_integer_value(y) < 0 || json_integer_value(y) > 9999))
                return badf(b, "%s: shown_year is not a year", key);
        st->shown_year = (int32_t)json_integer_value(y);
        y = json_object_get(v, "acked_year");
        if (y && (!json_is_integer(y) || json_integer_value(y) < 0 || json_integer_value(y) > 9999))
                return badf(b, "%s: acked_year is not a year", key);
        st->acked_year = (int32_t)json_integer_value(y);
        return 0;
}

static int get_dates(json_t *v, const char *key, struct bad *b, struct contact *c)
{
        json_t *e;
        size_t i;
        int r;

        if (!json_is_array(v) || json_array_size(v) > CONTACT_DATES_MAX)
                return badf(b, "%s: not a list of at most %d dates", key, CONTACT_DATES_MAX);
        for (size_t k = 0; k < c->n_dates; k++)
                contact_date_done(&c->dates[k]);
        free(c->dates);
        c->dates = NULL;
        c->n_dates = 0;
        if (json_array_size(v) == 0)
                return 0;
        c->dates = calloc(json_array_size(v), sizeof(*c->dates));
        if (!c->dates)
                return -ENOMEM;
        json_array_foreach(v, i, e)
        {
                struct contact_date *d = &c->dates[c->n_dates];
                json_int_t id = json_integer_value(json_object_get(e, "id"));
                json_int_t remind = json_integer_value(json_object_get(e, "remind_days"));
                const char *label = json_string_value(json_object_get(e, "label"));
                const char *date = json_string_value(json_object_get(e, "date"));
                struct date_md md;

                r = get_date_state(e, key, b, &d->st);
                if (r < 0)
                        return r;
                if (id <= CONTACT_DATE_BIRTHDAY || id > UINT32_MAX || !label ||
                    text_validate(label, DATE_LABEL_MAX, false) < 0 || !*label || !date ||
                    date_md_parse(date, &md) < 0 || remind < 0 || remind > DATE_REMIND_MAX_DAYS)
                        return badf(b,
                                    "%s: a date needs an id, a label, a date and remind_days "
                                    "from 0 to 366",
                                    key);
                d->id = (uint32_t)id;
                d->yearly = json_is_true(json_object_get(e, "yearly"));
                d->remind_days = (int32_t)remind;
                d->label = strdup(label);
                d->date = strdup(date);
                c->n_dates++;
                if (!d->label || !d->date)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_field(struct import_rec *rec, const struct cfield *f, json_t *v, struct bad *b)
{
        struct contact *c = rec->c;
        int r;

        switch (f->type) {
        case CF_STR:
        case CF_NOTE:
                free(*CONTACT_FIELD_PTR(c, f, char *));
                *CONTACT_FIELD_PTR(c, f, char *) = NULL;
                return get_text(v, f->key, (size_t)f->arg, f->type == CF_NOTE, b,
                                CONTACT_FIELD_PTR(c, f, char *));
        case CF_KIND: {
                char *s = NULL;

                r = get_text(v, f->key, (size_t)f->arg, false, b, &s);
                if (r < 0)
                        return r;
                if (kind_validate(s) < 0) {
                        free(s);
                        return badf(b, "%s: not a kind of interaction", f->key);
                }
                free(*CONTACT_FIELD_PTR(c, f, char *));
                *CONTACT_FIELD_PTR(c, f, char *) = s;
                return 0;
        }
        case CF_BIRTHDAY: {
                char bday[11];
                const char *s = json_string_value(v);

                if (!s || vcard_birthday_normalize(s, false, bday) < 0)
                        return badf(b, "%s: not YYYY-MM-DD or --MM-DD", f->key);
                return free_and_strdup(CONTACT_FIELD_PTR(c, f, char *), bday);
        }
        case CF_DATES:
                return get_dates(v, f->key, b, c);
        case CF_DATE_STATE:
                return get_date_state(v, f->key, b, CONTACT_FIELD_PTR(c, f, struct date_state));
        case CF_LIST:
        case CF_LINES:
                strv_free(*CONTACT_FIELD_PTR(c, f, char **));
                *CONTACT_FIELD_PTR(c, f, char **) = NULL;
                return get_list(rec, v, f, b, CONTACT_FIELD_PTR(c, f, char **));
        case CF_TIME:
                return get_time(v, f->key, b, CONTACT_FIELD_PTR(c, f, int64_t));
        case CF_SECONDS:
                if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    (uint64_t)json_integer_value(v) > (size_t)f->arg)
                        return badf(b, "%s: not a number of seconds from 0 to %zu", f->key,
                                    (size_t)f->arg);
                *CONTACT_FIELD_PTR(c, f, int64_t) = json_integer_value(v);
                return 0;
        case CF_U32:
                if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    json_integer_value(v) > UINT32_MAX)
                        return badf(b, "%s: not a 32-bit number", f->key);
                *CONTACT_FIELD_PTR(c, f, uint32_t) = (uint32_t)json_integer_value(v);
                return 0;
        case CF_NETWORKS: {
                size_t i;
                json_t *e;

                if (!json_is_array(v))
                        return badf(b, "%s: not a list", f->key);
                json_array_foreach(v, i, e)
                {
                        enum network n = network_from_string(json_string_value(e));

                        if (n < 0)
                                return badf(b,
                                            "%s: '%s' is not operational, personal or "
                                            "strategic",
                                            f->key, strempty(json_string_value(e)));
                        *CONTACT_FIELD_PTR(c, f, uint32_t) |= 1u << n;
                }
                return 0;
        }
        case CF_SCOPE: {
                enum scope s = scope_from_string(json_string_value(v));

                if (s < 0)
                        return badf(b, "%s: not internal or external", f->key);
                *CONTACT_FIELD_PTR(c, f, enum scope) = s;
                return 0;
        }
        case CF_STAGE: {
                enum prospect_stage s = prospect_stage_from_string(json_string_value(v));

                if (s < 0)
                        return badf(b, "%s: not a pipeline stage", f->key);
                *CONTACT_FIELD_PTR(c, f, enum prospect_stage) = s;
                return 0;
        }
        case CF_REF:
                return get_uuid(v, f->key, b, rec->refs[(int)f->arg]);
        case CF_U64: /* derived fields have no key, so no JSON member reaches here */
                break;
        }
        return badf(b, "%s: unsupported", f->key);
}

static const struct cfield *cfield_find(const char *key)
{
        return contact_field_by_key(key);
}

/* Keys every record may carry besides its fields. */
static bool is_meta_key(const char *key)
{
        return streq(key, "type") || streq(key, "line") || streq(key, "warnings");
}

/* One member of a contact record (the general path and the fast path share it). */
static int contact_member(struct import_rec *rec, const char *key, json_t *v, struct bad *b)
{
        const struct cfield *f;

        if (is_meta_key(key) || json_is_null(v))
                return 0;
        if (streq(key, "id")) {
                if (!json_is_integer(v) || json_integer_value(v) < 1)
                        return badf(b, "id: not a positive number");
                rec->c->id = (uint64_t)json_integer_value(v);
                return 0;
        }
        if (streq(key, "uuid"))
                return get_uuid(v, key, b, rec->c->uuid);
        if (streq(key, "unknown"))
                return get_unknown(v, b, &rec->c->unknown, &rec->c->unknown_len);
        f = cfield_find(key);
        if (!f) {
                warn(rec, "unknown field '%.64s' ignored", key);
                return 0;
        }
        return parse_field(rec, f, v, b);
}

/* The checks after every member of a contact was read. */
static int contact_finish(struct import_rec *rec, struct bad *b)
{
        int r;

        if (!rec->c->name || !*rec->c->name || strspn(rec->c->name, " \t") == strlen(rec->c->name))
                return badf(b, "no name");
        rec->name = strdup(rec->c->name);
        if (!rec->name)
                return -ENOMEM;
        /* Unknown fields must be well-formed TLVs: prove it with a round trip. */
        if (rec->c->unknown_len) {
                _cleanup_free_ uint8_t *buf = NULL;
                struct contact *copy = NULL;
                size_t len;

                r = codec_contact_encode(rec->c, &buf, &len);
                if (r < 0)
                        return r;
                if (codec_contact_decode(buf, len, &copy) < 0)
                        return badf(b, "unknown: not valid record fields");
                contact_free(copy);
        }
        return 0;
}

static int parse_contact(struct import_rec *rec, json_t *o, struct bad *b)
{
        const char *key;
        json_t *v;
        int r;

        rec->c = contact_new();
        if (!rec->c)
                return -ENOMEM;
        json_object_foreach(o, key, v)
        {
                r = contact_member(rec, key, v, b);
                if (r < 0)
                        return r;
        }
        return contact_finish(rec, b);
}

static int parse_interaction(struct import_rec *rec, json_t *o, struct bad *b)
{
        struct interaction *i;
        const char *key;
        json_t *v;
        int r;

        rec->i = i = interaction_new();
        if (!i)
                return -ENOMEM;
        rec->auto_seq = true;
        json_object_foreach(o, key, v)
        {
                if (is_meta_key(key) || json_is_null(v))
                        continue;
                if (streq(key, "contact"))
                        r = get_uuid(v, key, b, rec->uuid);
                else if (streq(key, "uuid"))
                        r = get_uuid(v, key, b, i->uuid);
                else if (streq(key, "at"))
                        r = get_time(v, key, b, &i->at);
                else if (streq(key, "created"))
                        r = get_time(v, key, b, &i->created);
                else if (streq(key, "seq")) {
                        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                            json_integer_value(v) >= UINT32_MAX)
                                return badf(b, "seq: not a sequence number");
                        i->seq = (uint32_t)json_integer_value(v);
                        rec->auto_seq = false;
                        r = 0;
                } else if (streq(key, "id")) {
                        if (!json_is_integer(v) || json_integer_value(v) <= 0)
                                return badf(b, "id: not an interaction id");
                        i->id = (uint64_t)json_integer_value(v);
                        r = 0;
                } else if (streq(key, "kind")) {
                        r = get_text(v, key, FIELD_KIND_MAX, false, b, &i->kind);
                        if (r >= 0 && kind_validate(i->kind) < 0)
                                r = badf(b, "kind: not a kind of interaction");
                } else if (streq(key, "note"))
                        r = get_text(v, key, FIELD_NOTE_MAX, true, b, &i->note);
                else if (streq(key, "gave"))
                        r = get_text(v, key, FIELD_NOTE_MAX, true, b, &i->gave);
                else if (streq(key, "got"))
                        r = get_text(v, key, FIELD_NOTE_MAX, true, b, &i->got);
                else if (streq(key, "goal"))
                        r = get_uuid(v, key, b, rec->uuid2);
                else if (streq(key, "agenda"))
                        r = get_text(v, key, FIELD_NOTE_MAX, true, b, &i->agenda);
                else if (streq(key, "source")) {
                        int s = interaction_source_from_string(json_string_value(v));

                        if (s < 0)
                                return badf(b, "source: not mail or calendar");
                        i->source = (enum interaction_source)s;
                        r = 0;
                } else if (streq(key, "source_id"))
                        r = get_text(v, key, FIELD_SOURCE_ID_MAX, false, b, &i->source_id);
                else if (streq(key, "no_touch")) {
                        if (!json_is_boolean(v))
                                return badf(b, "no_touch: not true or false");
                        i->no_touch = json_is_true(v);
                        r = 0;
                } else if (streq(key, "with")) {
                        size_t n;
                        json_t *u;

                        if (!json_is_array(v) || json_array_size(v) > FIELD_LIST_MAX)
                                return badf(b, "with: not a list of at most 64 uuids");
                        json_array_foreach(v, n, u)
                        {
                                char uuid[UUID_STRING_LEN + 1];

                                r = get_uuid(u, key, b, uuid);
                                if (r < 0)
                                        return r;
                        }
                        json_decref(rec->with);
                        rec->with = json_incref(v);
                        r = 0;
                } else if (streq(key, "unknown"))
                        r = get_unknown(v, b, &i->unknown, &i->unknown_len);
                else {
                        warn(rec, "unknown field '%.64s' ignored", key);
                        r = 0;
                }
                if (r < 0)
                        return r;
        }
        if (!rec->uuid[0])
                return badf(b, "no contact (the uuid of the contact it belongs to)");
        if (!i->at)
                return badf(b, "no time (at)");
        if (!i->kind)
                return badf(b, "no kind");
        if (!i->uuid[0] && uuid_generate_v4(i->uuid) < 0)
                return -EIO;
        if (i->unknown_len) {
                _cleanup_free_ uint8_t *buf = NULL;
                struct interaction *copy = NULL;
                size_t len;

                r = codec_interaction_encode(i, &buf, &len);
                if (r < 0)
                        return r;
                if (codec_interaction_decode(buf, len, &copy) < 0)
                        return badf(b, "unknown: not valid record fields");
                interaction_free(copy);
        }
        return 0;
}

static int parse_tombstone(struct import_rec *rec, json_t *o, struct bad *b)
{
        int type = tombstone_type(json_string_value(json_object_get(o, "record")));
        int r;

        r = get_uuid(json_object_get(o, "uuid"), "uuid", b, rec->uuid);
        if (r < 0)
                return r;
        if (type < 0)
                return badf(b, "record: not contact, interaction, goal or introduction");
        rec->ttype = (uint8_t)type;
        if (json_object_get(o, "merged_into") && !json_is_null(json_object_get(o, "merged_into"))) {
                r = get_uuid(json_object_get(o, "merged_into"), "merged_into", b, rec->uuid2);
                if (r < 0)
                        return r;
        }
        return get_time(json_object_get(o, "deleted"), "deleted", b, &rec->deleted);
}

/* One contact or interaction record outside an import (sync reads cards this way). */
int transfer_contact_parse(json_t *o, struct contact **ret,
                           char refs[static 2][UUID_STRING_LEN + 1], char *reason,
                           size_t reason_size)
{
        struct import_rec rec = {0};
        struct bad b = {{0}};
        int r = parse_contact(&rec, o, &b);

        if (r >= 0) {
                memcpy(refs, rec.refs, sizeof(rec.refs));
                *ret = TAKE_PTR(rec.c);
        } else if (reason_size)
                snprintf(reason, reason_size, "%s", b.reason[0] ? b.reason : strerror(-r));
        contact_free(rec.c);
        free(rec.name);
        json_decref(rec.warnings);
        return r;
}

int transfer_interaction_parse(json_t *o, struct interaction **ret,
                               char goal[static UUID_STRING_LEN + 1], char *reason,
                               size_t reason_size)
{
        struct import_rec rec = {0};
        struct bad b = {{0}};
        int r = parse_interaction(&rec, o, &b);

        if (r >= 0) {
                memcpy(goal, rec.uuid2, UUID_STRING_LEN + 1);
                *ret = TAKE_PTR(rec.i);
        } else if (reason_size)
                snprintf(reason, reason_size, "%s", b.reason[0] ? b.reason : strerror(-r));
        interaction_free(rec.i);
        json_decref(rec.warnings);
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

/* Optional members shared by goals, links and introductions. */
static int opt_text(json_t *o, const char *key, size_t max, bool multiline, struct bad *b,
                    char **ret)
{
        json_t *v = json_object_get(o, key);

        return v && !json_is_null(v) ? get_text(v, key, max, multiline, b, ret) : 0;
}

static int opt_time(json_t *o, const char *key, struct bad *b, int64_t *ret)
{
        json_t *v = json_object_get(o, key);

        return v && !json_is_null(v) ? get_time(v, key, b, ret) : 0;
}

static int opt_unknown(json_t *o, struct bad *b, uint8_t **ret, size_t *ret_len)
{
        json_t *v = json_object_get(o, "unknown");

        return v && !json_is_null(v) ? get_unknown(v, b, ret, ret_len) : 0;
}

static int parse_goal(struct import_rec *rec, json_t *o, struct bad *b)
{
        const char *status = json_string_value(json_object_get(o, "status"));
        json_t *id = json_object_get(o, "id");
        struct goal *g;
        int r;

        rec->g = g = goal_new();
        if (!g)
                return -ENOMEM;
        if ((r = get_uuid(json_object_get(o, "uuid"), "uuid", b, g->uuid)) < 0 ||
            (r = get_text(json_object_get(o, "title"), "title", GOAL_TITLE_MAX, false, b,
                          &g->title)) < 0 ||
            (r = opt_text(o, "note", FIELD_NOTE_MAX, true, b, &g->note)) < 0 ||
            (r = opt_time(o, "by", b, &g->by)) < 0 ||
            (r = opt_time(o, "created", b, &g->created)) < 0 ||
            (r = opt_time(o, "updated", b, &g->updated)) < 0 ||
            (r = opt_time(o, "done_at", b, &g->done_at)) < 0 ||
            (r = opt_unknown(o, b, &g->unknown, &g->unknown_len)) < 0)
                return r;
        if (!*g->title)
                return badf(b, "title: empty");
        if (json_is_integer(id) && json_integer_value(id) > 0)
                g->id = (uint64_t)json_integer_value(id);
        g->status = GOAL_ACTIVE;
        for (int s = 0; s < _GOAL_STATUS_MAX; s++)
                if (streq_ptr(status, goal_status_to_string(s)))
                        g->status = (enum goal_status)s;
        if (g->unknown_len) {
                _cleanup_free_ uint8_t *buf = NULL;
                struct goal *copy = NULL;
                size_t len;

                r = codec_goal_encode(g, &buf, &len);
                if (r < 0)
                        return r;
                if (codec_goal_decode(buf, len, &copy) < 0)
                        return badf(b, "unknown: not valid record fields");
                goal_free(copy);
        }
        rec->name = strdup(g->title);
        return rec->name ? 0 : -ENOMEM;
}

static int parse_goal_link(struct import_rec *rec, json_t *o, struct bad *b)
{
        struct goal_link *l;
        int r;

        rec->gl = l = goal_link_new();
        if (!l)
                return -ENOMEM;
        if ((r = get_uuid(json_object_get(o, "contact"), "contact", b, rec->uuid)) < 0 ||
            (r = get_uuid(json_object_get(o, "goal"), "goal", b, rec->uuid2)) < 0 ||
            (r = opt_text(o, "why", FIELD_NOTE_MAX, true, b, &l->why)) < 0 ||
            (r = opt_time(o, "linked_at", b, &l->linked_at)) < 0 ||
            (r = opt_unknown(o, b, &l->unknown, &l->unknown_len)) < 0)
                return r;
        if (l->unknown_len) {
                _cleanup_free_ uint8_t *buf = NULL;
                struct goal_link *copy = NULL;
                size_t len;

                r = codec_goal_link_encode(l, &buf, &len);
                if (r < 0)
                        return r;
                if (codec_goal_link_decode(buf, len, &copy) < 0)
                        return badf(b, "unknown: not valid record fields");
                goal_link_free(copy);
        }
        return 0;
}

/* kind, strength and by of an introduction record (who knows whom). */
static int intro_extras(struct import_rec *rec, json_t *o, struct bad *b)
{
        const char *kind = json_string_value(json_object_get(o, "kind"));
        const char *level = json_string_value(json_object_get(o, "strength"));
        json_t *by = json_object_get(o, "by");
        int r;

        if (json_object_get(o, "kind") && !kind)
                return badf(b, "kind: not a string");
        if (!kind || streq(kind, "by-you"))
                rec->in->kind = INTRO_BY_YOU;
        else if (streq(kind, "by-other"))
                rec->in->kind = INTRO_BY_OTHER;
        else if (streq(kind, "knows"))
                rec->in->kind = INTRO_KNOWS;
        else
                return badf(b, "kind: not by-you, by-other or knows");
        if (json_object_get(o, "strength")) {
                enum tie_level l = tie_level_from_string(level);

                if (l < 0)
                        return badf(b, "strength: not weak, medium or strong");
                rec->in->tie = (uint32_t)l + 1;
        }
        if (by) {
                r = get_uuid(by, "by", b, rec->by_uuid);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_intro(struct import_rec *rec, json_t *o, struct bad *b)
{
        struct intro *in;
        int r;

        rec->in = in = intro_new();
        if (!in)
                return -ENOMEM;
        if ((r = get_uuid(json_object_get(o, "uuid"), "uuid", b, in->uuid)) < 0 ||
            (r = get_uuid(json_object_get(o, "a"), "a", b, rec->uuid)) < 0 ||
            (r = get_uuid(json_object_get(o, "b"), "b", b, rec->uuid2)) < 0 ||
            (r = opt_text(o, "note", FIELD_NOTE_MAX, true, b, &in->note)) < 0 ||
            (r = intro_extras(rec, o, b)) < 0 || (r = opt_time(o, "at", b, &in->at)) < 0 ||
            (r = opt_time(o, "created", b, &in->created)) < 0 ||
            (r = opt_unknown(o, b, &in->unknown, &in->unknown_len)) < 0)
                return r;
        if (in->unknown_len) {
                _cleanup_free_ uint8_t *buf = NULL;
                struct intro *copy = NULL;
                size_t len;

                r = codec_intro_encode(in, &buf, &len);
                if (r < 0)
                        return r;
                if (codec_intro_decode(buf, len, &copy) < 0)
                        return badf(b, "unknown: not valid record fields");
                intro_free(copy);
        }
        return 0;
}

static int parse_setting(struct import_rec *rec, json_t *o, struct bad *b)
{
        int r;

        if ((r = get_text(json_object_get(o, "name"), "name", 64, false, b, &rec->sname)) < 0 ||
            (r = get_text(json_object_get(o, "value"), "value", FIELD_NOTE_MAX, true, b,
                          &rec->svalue)) < 0)
                return r;
        if (!*rec->sname)
                return badf(b, "name: empty");
        rec->name = strdup(rec->sname);
        return rec->name ? 0 : -ENOMEM;
}

static int set_push(struct import_set *s, struct import_rec **ret)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 256;
                struct import_rec *v = reallocarray(s->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        *ret = &s->v[s->n++];
        **ret = (struct import_rec){0};
        return 0;
}

static int add_record(struct import_set *s, json_t *o, size_t fallback_line,
                      const char *parse_error)
{
        struct import_rec *rec;
        struct bad b = {{0}};
        const char *type;
        json_t *line, *warnings;
        int r;

        r = set_push(s, &rec);
        if (r < 0)
                return r;
        rec->type = REC_ERROR;
        rec->line = fallback_line;
        if (!o) {
                badf(&b, "not a JSON object: %s", parse_error);
                goto bad;
        }
        line = json_object_get(o, "line");
        if (json_is_integer(line) && json_integer_value(line) > 0)
                rec->line = (size_t)json_integer_value(line);
        warnings = json_object_get(o, "warnings");
        if (json_is_array(warnings) && json_array_size(warnings))
                rec->warnings = json_deep_copy(warnings);
        type = json_string_value(json_object_get(o, "type"));
        if (streq_ptr(type, "contact")) {
                rec->type = REC_CONTACT;
                r = parse_contact(rec, o, &b);
        } else if (streq_ptr(type, "interaction")) {
                rec->type = REC_INTERACTION;
                r = parse_interaction(rec, o, &b);
        } else if (streq_ptr(type, "tombstone")) {
                rec->type = REC_TOMBSTONE;
                r = parse_tombstone(rec, o, &b);
        } else if (streq_ptr(type, "goal")) {
                rec->type = REC_GOAL;
                r = parse_goal(rec, o, &b);
        } else if (streq_ptr(type, "goal_link")) {
                rec->type = REC_GOAL_LINK;
                r = parse_goal_link(rec, o, &b);
        } else if (streq_ptr(type, "introduction")) {
                rec->type = REC_INTRO;
                r = parse_intro(rec, o, &b);
        } else if (streq_ptr(type, "setting")) {
                rec->type = REC_SETTING;
                r = parse_setting(rec, o, &b);
        } else if (streq_ptr(type, "tend")) {
                json_t *next = json_object_get(o, "next_id");
                json_t *version = json_object_get(o, "version");

                rec->type = REC_HEADER;
                if (json_is_integer(version) && json_integer_value(version) > TRANSFER_VERSION)
                        warn(rec,
                             "written by a newer tend (format %" JSON_INTEGER_FORMAT
                             "); fields it added may be lost",
                             json_integer_value(version));
                if (json_is_integer(next) && json_integer_value(next) > 0)
                        rec->next_id = (uint64_t)json_integer_value(next);
                next = json_object_get(o, "next_interaction_id");
                if (json_is_integer(next) && json_integer_value(next) > 0)
                        rec->next_interaction_id = (uint64_t)json_integer_value(next);
                r = 0;
        } else if (streq_ptr(type, "error")) {
                const char *reason = json_string_value(json_object_get(o, "reason"));

                badf(&b, "%s", reason ? reason : "unreadable");
                r = -EINVAL;
        } else {
                badf(&b, "unsupported record type '%.32s'", strempty(type));
                r = -EINVAL;
        }
        if (r == -EINVAL)
                goto bad;
        if (r < 0)
                return r;
        s->bytes += 512;
        return 0;
bad:
        /* The record becomes an error item: free what was parsed. */
        contact_free(rec->c);
        rec->c = NULL;
        interaction_free(rec->i);
        json_decref(rec->with);
        rec->with = NULL;
        rec->i = NULL;
        goal_free(rec->g);
        rec->g = NULL;
        goal_link_free(rec->gl);
        rec->gl = NULL;
        intro_free(rec->in);
        rec->in = NULL;
        if (o && json_string_value(json_object_get(o, "name")) && !rec->name)
                rec->name = strdup(json_string_value(json_object_get(o, "name")));
        rec->type = REC_ERROR;
        rec->reason = strdup(b.reason);
        return rec->reason ? 0 : -ENOMEM;
}

/* ---- the fast path for contact lines ----
 *
 * Clients send one contact per line, and jansson's parser (a hash table per object, a stream
 * read per byte) was most of tendd's work in a big import. fast_contact() reads a flat object
 * with the lexer of common/jsonfast.c, one member "type":"contact", and hands each member, in
 * order, to the code the general path uses (contact_member, contact_finish). It declines on
 * anything else: other types, what the lexer declines, duplicate keys, a member that does not
 * pass. A declined line goes through jansson and add_record, so every outcome, errors
 * included, is the general path's. */

#define FAST_MEMBERS_MAX 64
#define FAST_KEY_MAX     64

struct member {
        char key[FAST_KEY_MAX];
        json_t *v;
};

/* 1: the line was a contact and is in the set; 0: declined (nothing changed); -errno. */
static int fast_contact(struct import_set *s, struct json_lexer *x, const char *line, size_t n)
{
        struct member m[FAST_MEMBERS_MAX];
        struct import_rec rec = {.type = REC_CONTACT};
        struct import_rec *slot;
        struct bad b = {{0}};
        size_t k = 0;
        int type = -1, r = 0;

        if (!utf8_is_clean_text(line, n, false))
                return 0;
        x->p = line;
        x->end = line + n;
        if (!json_lex_char(x, '{') || json_lex_char(x, '}'))
                goto decline;
        do {
                if (k == FAST_MEMBERS_MAX || !json_lex_string(x) || x->tmp.len >= FAST_KEY_MAX ||
                    memchr(x->tmp.data, 0, x->tmp.len))
                        goto decline;
                memcpy(m[k].key, x->tmp.data, x->tmp.len + 1);
                for (size_t i = 0; i < k; i++)
                        if (m[i].key[0] == m[k].key[0] && streq(m[i].key, m[k].key))
                                goto decline;
                if (!json_lex_char(x, ':'))
                        goto decline;
                m[k].v = json_lex_value(x);
                if (!m[k].v)
                        goto decline;
                if (streq(m[k].key, "type"))
                        type = (int)k;
                k++;
        } while (json_lex_char(x, ','));
        if (!json_lex_char(x, '}') || x->p != x->end || type < 0 ||
            !streq_ptr(json_string_value(m[type].v), "contact"))
                goto decline;

        /* As add_record and parse_contact do it. */
        for (size_t i = 0; i < k; i++) {
                if (streq(m[i].key, "line") && json_is_integer(m[i].v) &&
                    json_integer_value(m[i].v) > 0)
                        rec.line = (size_t)json_integer_value(m[i].v);
                if (streq(m[i].key, "warnings") && json_is_array(m[i].v) && json_array_size(m[i].v))
                        rec.warnings = json_incref(m[i].v);
        }
        rec.c = contact_new();
        if (!rec.c) {
                r = -ENOMEM;
                goto decline;
        }
        for (size_t i = 0; i < k && r >= 0; i++)
                r = contact_member(&rec, m[i].key, m[i].v, &b);
        if (r >= 0)
                r = contact_finish(&rec, &b);
        if (r >= 0) {
                r = set_push(s, &slot);
                if (r >= 0) {
                        *slot = rec;
                        rec = (struct import_rec){0};
                        s->bytes += 512;
                        r = 1;
                }
        } else if (r == -EINVAL)
                r = 0; /* the general path says why */
decline:
        contact_free(rec.c);
        free(rec.name);
        json_decref(rec.warnings);
        for (size_t i = 0; i < k; i++)
                json_decref(m[i].v);
        return r;
}

int import_set_add_lines(struct import_set *s, const char *text, size_t len, size_t max_records)
{
        _cleanup_(json_lexer_done) struct json_lexer x = {0};
        size_t pos = 0, line = 0;
        int r;

        while (pos < len) {
                const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - start) : len - pos;
                _cleanup_(json_decrefp) json_t *o = NULL;
                json_error_t err;

                pos += n + (nl ? 1 : 0);
                line++;
                while (n > 0 && (start[n - 1] == '\r' || start[n - 1] == ' '))
                        n--;
                if (n == 0)
                        continue;
                if (s->n >= max_records)
                        return -E2BIG;
                r = fast_contact(s, &x, start, n);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                o = json_loadb(start, n, JSON_REJECT_DUPLICATES, &err); /* fast_contact declined */
                if (o && !json_is_object(o)) {
                        json_decref(o);
                        o = NULL;
                        snprintf(err.text, sizeof(err.text), "not an object");
                }
                r = add_record(s, o, 0, err.text);
                if (r < 0)
                        return r;
        }
        return 0;
}

int import_set_add_records(struct import_set *s, json_t *records, size_t max_records)
{
        size_t i;
        json_t *o;
        int r;

        json_array_foreach(records, i, o)
        {
                if (s->n >= max_records)
                        return -E2BIG;
                r = add_record(s, json_is_object(o) ? o : NULL, 0, "not an object");
                if (r < 0)
                        return r;
        }
        return 0;
}

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
