/* Export-format records parsed, checked and staged for an import (struct import_set): see
 * transfer.h. */
#include "transfer-internal.h"

/* ---- staged records ---- */

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
        r = transfer_b64_decode(s, ret, ret_len);
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
        int type = transfer_tombstone_type(json_string_value(json_object_get(o, "record")));
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
