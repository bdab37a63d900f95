/* The record codec: see codec.h for the format.
 *
 * Rules this implementation follows (and every later version must keep):
 *  - The framing never changes: type byte, version byte, then TLVs (tag u16 BE, length u32
 *    BE, value), the last of which is the end marker: tag 0, length 0. The marker makes every
 *    truncation detectable (a record cut at a field boundary would otherwise still parse); tag
 *    0 appears nowhere else. A change to the framing itself would need a new record-type byte.
 *  - Tag numbers below are stable forever. Never renumber or reuse one; a field whose meaning
 *    or encoding changes gets a new tag.
 *  - Version: 0 is invalid. Any version >= 1 is decoded, including versions newer than
 *    CODEC_VERSION: because tags never change meaning, the tags we know are decoded as usual
 *    and every other TLV is kept verbatim in ->unknown. Encoding always writes CODEC_VERSION.
 *  - Fields holding their zero value (NULL string, 0 integer, empty UUID) are not written;
 *    a missing field decodes as zero. An empty string "" is written and decodes as "". An
 *    empty list decodes as NULL.
 *  - A known scalar tag that appears twice: the last one wins. The encoder writes ->unknown
 *    before the known fields, so a value this version could not represent (e.g. a scope
 *    added later, kept in ->unknown) is overridden by a value set here.
 *  - A known integer tag must be exactly 8 bytes; u32 fields must fit. A value of an enum
 *    this version does not know (scope) is kept verbatim in ->unknown and the field stays 0.
 *  - Strings must not contain NUL; a UUID is at most UUID_STRING_LEN bytes. UTF-8 validity is
 *    not checked here (that is the validation layer's business).
 * Anything else out of bounds is -EBADMSG. */
#include "codec.h"
#include "store-goals.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_CONTACT     'C'
#define RECORD_INTERACTION 'I'
#define RECORD_HEADER_LEN  2
#define TLV_HEADER_LEN     6
#define TAG_END            0 /* end marker, length 0, always the last TLV */

/* Contact tags: 1 and 2 here, every other one in the field table (common/contact-fields.h).
 * STABLE FOREVER: never renumber, never reuse. */
enum {
        CONTACT_TAG_ID = 1,
        CONTACT_TAG_UUID = 2,
};

/* One list builder per field of the table, when decoding a contact. */
#define CODEC_CONTACT_FIELDS_MAX CONTACT_FIELDS_N

/* Interaction tags. STABLE FOREVER: never renumber, never reuse. */
enum {
        INTERACTION_TAG_CONTACT_ID = 1,
        INTERACTION_TAG_AT = 2,
        INTERACTION_TAG_SEQ = 3,
        INTERACTION_TAG_UUID = 4,
        INTERACTION_TAG_KIND = 5,
        INTERACTION_TAG_NOTE = 6,
        INTERACTION_TAG_GAVE = 7,
        INTERACTION_TAG_GOT = 8,
        INTERACTION_TAG_CREATED = 9,
        INTERACTION_TAG_ID = 10,
        /* 50-69: intentional networking (issue 4). */
        INTERACTION_TAG_GOAL_ID = 50,
        /* Group interactions and the agenda. */
        INTERACTION_TAG_WITH = 90, /* list: a contact id each */
        INTERACTION_TAG_AGENDA = 91,
        INTERACTION_TAG_GROUP_OF = 92,
        INTERACTION_TAG_SOURCE = 93,    /* enum interaction_source */
        INTERACTION_TAG_SOURCE_ID = 94, /* Message-ID, event UID[/RECURRENCE-ID] */
        INTERACTION_TAG_NO_TOUCH = 95,  /* 1: in the history only, not a touch */
};

static void put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
        for (int i = 3; i >= 0; i--, v >>= 8)
                p[i] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
        for (int i = 7; i >= 0; i--, v >>= 8)
                p[i] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
        return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
        uint64_t v = 0;

        for (int i = 0; i < 8; i++)
                v = (v << 8) | p[i];
        return v;
}

/* ---- encoding ---- */

/* A growing output buffer; the first error sticks and later writes are ignored. */
struct wbuf {
        uint8_t *data;
        size_t len;
        size_t cap;
        int error;
};

static uint8_t *wbuf_grow(struct wbuf *b, size_t n)
{
        if (b->error)
                return NULL;
        if (n > SIZE_MAX - b->len) {
                b->error = -E2BIG;
                return NULL;
        }
        if (b->len + n > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                uint8_t *p;

                while (cap < b->len + n)
                        cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
                p = realloc(b->data, cap);
                if (!p) {
                        b->error = -ENOMEM;
                        return NULL;
                }
                b->data = p;
                b->cap = cap;
        }
        b->len += n;
        return b->data + b->len - n;
}

static void wbuf_bytes(struct wbuf *b, const void *p, size_t n)
{
        uint8_t *d;

        if (n == 0)
                return;
        d = wbuf_grow(b, n);
        if (d)
                memcpy(d, p, n);
}

static void wbuf_tlv(struct wbuf *b, uint16_t tag, const void *value, size_t n)
{
        uint8_t *h;

        if (n > UINT32_MAX) {
                if (!b->error)
                        b->error = -E2BIG;
                return;
        }
        h = wbuf_grow(b, TLV_HEADER_LEN);
        if (!h)
                return;
        put_be16(h, tag);
        put_be32(h + 2, (uint32_t)n);
        wbuf_bytes(b, value, n);
}

static void wbuf_str(struct wbuf *b, uint16_t tag, const char *s)
{
        if (s)
                wbuf_tlv(b, tag, s, strlen(s));
}

static void wbuf_strv(struct wbuf *b, uint16_t tag, char *const *v)
{
        for (; v && *v; v++)
                wbuf_str(b, tag, *v);
}

static void wbuf_u64(struct wbuf *b, uint16_t tag, uint64_t v)
{
        uint8_t be[8];

        if (v == 0)
                return;
        put_be64(be, v);
        wbuf_tlv(b, tag, be, sizeof(be));
}

static void wbuf_i64(struct wbuf *b, uint16_t tag, int64_t v)
{
        wbuf_u64(b, tag, (uint64_t)v);
}

/* A date state: since ‖ shown_year ‖ acked_year ‖ snoozed_to ‖ notify_id (big-endian). */
#define DATE_STATE_LEN 28
/* A contact date: id ‖ yearly ‖ remind_days ‖ state ‖ label length (u16) ‖ label ‖ date. */
#define DATE_FIXED_LEN (4 + 1 + 4 + DATE_STATE_LEN + 2)

static void date_state_put(uint8_t *p, const struct date_state *st)
{
        put_be64(p, (uint64_t)st->since);
        put_be32(p + 8, (uint32_t)st->shown_year);
        put_be32(p + 12, (uint32_t)st->acked_year);
        put_be64(p + 16, (uint64_t)st->snoozed_to);
        put_be32(p + 24, st->notify_id);
}

static void date_state_get(const uint8_t *p, struct date_state *st)
{
        uint64_t since = get_be64(p), snoozed = get_be64(p + 16);
        uint32_t shown = get_be32(p + 8), acked = get_be32(p + 12);

        memcpy(&st->since, &since, sizeof(since));
        memcpy(&st->shown_year, &shown, sizeof(shown));
        memcpy(&st->acked_year, &acked, sizeof(acked));
        memcpy(&st->snoozed_to, &snoozed, sizeof(snoozed));
        st->notify_id = get_be32(p + 24);
}

static void wbuf_date_state(struct wbuf *b, uint16_t tag, const struct date_state *st)
{
        uint8_t v[DATE_STATE_LEN];

        if (st->since == 0 && st->shown_year == 0 && st->acked_year == 0 && st->snoozed_to == 0 &&
            st->notify_id == 0)
                return;
        date_state_put(v, st);
        wbuf_tlv(b, tag, v, sizeof(v));
}

static void wbuf_date(struct wbuf *b, uint16_t tag, const struct contact_date *d)
{
        size_t ll = d->label ? strlen(d->label) : 0, dl = d->date ? strlen(d->date) : 0;
        uint8_t *v;

        if (ll > UINT16_MAX) {
                if (!b->error)
                        b->error = -E2BIG;
                return;
        }
        v = malloc(DATE_FIXED_LEN + ll + dl);
        if (!v) {
                if (!b->error)
                        b->error = -ENOMEM;
                return;
        }
        put_be32(v, d->id);
        v[4] = d->yearly ? 1 : 0;
        put_be32(v + 5, (uint32_t)d->remind_days);
        date_state_put(v + 9, &d->st);
        put_be16(v + 9 + DATE_STATE_LEN, (uint16_t)ll);
        if (ll)
                memcpy(v + DATE_FIXED_LEN, d->label, ll);
        if (dl)
                memcpy(v + DATE_FIXED_LEN + ll, d->date, dl);
        wbuf_tlv(b, tag, v, DATE_FIXED_LEN + ll + dl);
        free(v);
}

static void wbuf_header(struct wbuf *b, uint8_t type, const uint8_t *unknown, size_t unknown_len)
{
        uint8_t *h = wbuf_grow(b, RECORD_HEADER_LEN);

        if (h) {
                h[0] = type;
                h[1] = CODEC_VERSION;
        }
        /* Unknown fields first, so known fields set by this version win (last one wins). */
        if (unknown)
                wbuf_bytes(b, unknown, unknown_len);
}

static int wbuf_finish(struct wbuf *b, uint8_t **ret_buf, size_t *ret_len)
{
        wbuf_tlv(b, TAG_END, NULL, 0);
        if (b->error) {
                free(b->data);
                return b->error;
        }
        *ret_buf = b->data;
        *ret_len = b->len;
        return 0;
}

int codec_contact_encode(const struct contact *c, uint8_t **ret_buf, size_t *ret_len)
{
        struct wbuf b = {0};
        size_t n;
        const struct contact_field *f = contact_fields(&n);

        wbuf_header(&b, RECORD_CONTACT, c->unknown, c->unknown_len);
        wbuf_u64(&b, CONTACT_TAG_ID, c->id);
        if (c->uuid[0])
                wbuf_tlv(&b, CONTACT_TAG_UUID, c->uuid, strnlen(c->uuid, UUID_STRING_LEN));
        for (size_t i = 0; i < n; i++) {
                uint16_t tag = (uint16_t)f[i].tag;

                switch (f[i].type) {
                case CF_STR:
                case CF_NOTE:
                case CF_KIND:
                case CF_BIRTHDAY:
                        wbuf_str(&b, tag, *CONTACT_FIELD_PTR(c, &f[i], char *));
                        break;
                case CF_LIST:
                case CF_LINES:
                        wbuf_strv(&b, tag, *CONTACT_FIELD_PTR(c, &f[i], char **));
                        break;
                case CF_TIME:
                case CF_SECONDS:
                        wbuf_i64(&b, tag, *CONTACT_FIELD_PTR(c, &f[i], int64_t));
                        break;
                case CF_U32:
                case CF_NETWORKS:
                        wbuf_u64(&b, tag, *CONTACT_FIELD_PTR(c, &f[i], uint32_t));
                        break;
                case CF_SCOPE:
                        wbuf_i64(&b, tag, (int64_t)*CONTACT_FIELD_PTR(c, &f[i], enum scope));
                        break;
                case CF_STAGE:
                        wbuf_i64(&b, tag,
                                 (int64_t)*CONTACT_FIELD_PTR(c, &f[i], enum prospect_stage));
                        break;
                case CF_REF:
                case CF_U64:
                        wbuf_u64(&b, tag, *CONTACT_FIELD_PTR(c, &f[i], uint64_t));
                        break;
                case CF_DATE_STATE:
                        wbuf_date_state(&b, tag, CONTACT_FIELD_PTR(c, &f[i], struct date_state));
                        break;
                case CF_DATES:
                        for (size_t k = 0; k < c->n_dates; k++)
                                wbuf_date(&b, tag, &c->dates[k]);
                        break;
                }
        }
        return wbuf_finish(&b, ret_buf, ret_len);
}

int codec_interaction_encode(const struct interaction *i, uint8_t **ret_buf, size_t *ret_len)
{
        struct wbuf b = {0};

        wbuf_header(&b, RECORD_INTERACTION, i->unknown, i->unknown_len);
        wbuf_u64(&b, INTERACTION_TAG_CONTACT_ID, i->contact_id);
        wbuf_i64(&b, INTERACTION_TAG_AT, i->at);
        wbuf_u64(&b, INTERACTION_TAG_SEQ, i->seq);
        if (i->uuid[0])
                wbuf_tlv(&b, INTERACTION_TAG_UUID, i->uuid, strnlen(i->uuid, UUID_STRING_LEN));
        wbuf_str(&b, INTERACTION_TAG_KIND, i->kind);
        wbuf_str(&b, INTERACTION_TAG_NOTE, i->note);
        wbuf_str(&b, INTERACTION_TAG_GAVE, i->gave);
        wbuf_str(&b, INTERACTION_TAG_GOT, i->got);
        wbuf_i64(&b, INTERACTION_TAG_CREATED, i->created);
        wbuf_u64(&b, INTERACTION_TAG_GOAL_ID, i->goal_id);
        wbuf_u64(&b, INTERACTION_TAG_ID, i->id);
        for (size_t k = 0; k < i->n_with; k++)
                wbuf_u64(&b, INTERACTION_TAG_WITH, i->with[k]);
        wbuf_str(&b, INTERACTION_TAG_AGENDA, i->agenda);
        wbuf_u64(&b, INTERACTION_TAG_GROUP_OF, i->group_of);
        wbuf_u64(&b, INTERACTION_TAG_SOURCE, (uint64_t)i->source);
        wbuf_str(&b, INTERACTION_TAG_SOURCE_ID, i->source_id);
        wbuf_u64(&b, INTERACTION_TAG_NO_TOUCH, i->no_touch);
        return wbuf_finish(&b, ret_buf, ret_len);
}

/* ---- decoding ---- */

struct tlv {
        uint16_t tag;
        uint32_t len;
        const uint8_t *value;
        const uint8_t *raw; /* header + value, for ->unknown */
        size_t raw_len;
};

/* Read the next field TLV at *pos. Returns 1 with *ret filled, 0 after the end marker (which
 * must close the buffer), -EBADMSG if truncated or malformed. */
static int tlv_next(const uint8_t *buf, size_t len, size_t *pos, struct tlv *ret)
{
        size_t p = *pos, avail;
        uint16_t tag;
        uint32_t n;

        if (p >= len)
                return -EBADMSG; /* no end marker */
        avail = len - p;
        if (avail < TLV_HEADER_LEN)
                return -EBADMSG;
        tag = get_be16(buf + p);
        n = get_be32(buf + p + 2);
        if (tag == TAG_END)
                return n == 0 && avail == TLV_HEADER_LEN ? 0 : -EBADMSG;
        if (n > avail - TLV_HEADER_LEN)
                return -EBADMSG;
        *ret = (struct tlv){
            .tag = tag,
            .len = n,
            .value = buf + p + TLV_HEADER_LEN,
            .raw = buf + p,
            .raw_len = TLV_HEADER_LEN + (size_t)n,
        };
        *pos = p + TLV_HEADER_LEN + n;
        return 1;
}

static int check_header(const uint8_t *buf, size_t len, uint8_t type)
{
        if (!buf || len < RECORD_HEADER_LEN || buf[0] != type || buf[1] == 0)
                return -EBADMSG;
        return 0;
}

/* Replace *dst with a NUL-terminated copy of the value (last one wins). */
static int dec_str(const struct tlv *f, char **dst)
{
        char *s;

        if (memchr(f->value, 0, f->len))
                return -EBADMSG;
        s = malloc((size_t)f->len + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, f->value, f->len);
        s[f->len] = 0;
        free(*dst);
        *dst = s;
        return 0;
}

/* A string vector under construction; it stays NULL-terminated after every append so the
 * owning record can be freed at any point. */
struct strv_builder {
        size_t n;
        size_t cap;
};

static int dec_strv(const struct tlv *f, char ***v, struct strv_builder *sb)
{
        char *s = NULL;
        int r;

        r = dec_str(f, &s);
        if (r < 0)
                return r;
        if (sb->n + 2 > sb->cap) {
                size_t cap = sb->cap ? sb->cap * 2 : 4;
                char **nv = realloc(*v, cap * sizeof(char *));

                if (!nv) {
                        free(s);
                        return -ENOMEM;
                }
                *v = nv;
                sb->cap = cap;
        }
        (*v)[sb->n++] = s;
        (*v)[sb->n] = NULL;
        return 0;
}

static int dec_u64(const struct tlv *f, uint64_t *ret)
{
        if (f->len != 8)
                return -EBADMSG;
        *ret = get_be64(f->value);
        return 0;
}

static int dec_i64(const struct tlv *f, int64_t *ret)
{
        uint64_t v;
        int r = dec_u64(f, &v);

        if (r < 0)
                return r;
        memcpy(ret, &v, sizeof(v)); /* two's complement, without implementation-defined casts */
        return 0;
}

static int dec_u32(const struct tlv *f, uint32_t *ret)
{
        uint64_t v;
        int r = dec_u64(f, &v);

        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t)v;
        return 0;
}

static int dec_uuid(const struct tlv *f, char uuid[static UUID_STRING_LEN + 1])
{
        if (f->len > UUID_STRING_LEN || memchr(f->value, 0, f->len))
                return -EBADMSG;
        memcpy(uuid, f->value, f->len);
        uuid[f->len] = 0;
        return 0;
}

/* Append the raw TLV to an unknown-field buffer. */
static int keep_unknown(const struct tlv *f, uint8_t **unknown, size_t *unknown_len)
{
        uint8_t *p;

        if (f->raw_len > SIZE_MAX - *unknown_len)
                return -ENOMEM;
        p = realloc(*unknown, *unknown_len + f->raw_len);
        if (!p)
                return -ENOMEM;
        memcpy(p + *unknown_len, f->raw, f->raw_len);
        *unknown = p;
        *unknown_len += f->raw_len;
        return 0;
}

static int dec_date(const struct tlv *f, struct contact *c)
{
        struct contact_date d = {0}, *nd;
        uint32_t remind;
        size_t ll;

        if (f->len < DATE_FIXED_LEN || c->n_dates >= CONTACT_DATES_MAX)
                return -EBADMSG;
        ll = get_be16(f->value + 9 + DATE_STATE_LEN);
        if (ll > f->len - DATE_FIXED_LEN ||
            memchr(f->value + DATE_FIXED_LEN, 0, f->len - DATE_FIXED_LEN))
                return -EBADMSG;
        d.id = get_be32(f->value);
        d.yearly = f->value[4] != 0;
        remind = get_be32(f->value + 5);
        if (remind > DATE_REMIND_MAX_DAYS)
                return -EBADMSG;
        d.remind_days = (int32_t)remind;
        date_state_get(f->value + 9, &d.st);
        d.label = strndup((const char *)f->value + DATE_FIXED_LEN, ll);
        d.date =
            strndup((const char *)f->value + DATE_FIXED_LEN + ll, f->len - DATE_FIXED_LEN - ll);
        nd = reallocarray(c->dates, c->n_dates + 1, sizeof(*nd));
        if (!d.label || !d.date || !nd) {
                contact_date_done(&d);
                if (nd)
                        c->dates = nd;
                return -ENOMEM;
        }
        c->dates = nd;
        c->dates[c->n_dates++] = d;
        return 0;
}

static int dec_with(const struct tlv *f, struct interaction *i)
{
        uint64_t id, *n;
        int r = dec_u64(f, &id);

        if (r < 0)
                return r;
        if (i->n_with >= FIELD_LIST_MAX)
                return -EBADMSG;
        n = reallocarray(i->with, i->n_with + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        i->with = n;
        i->with[i->n_with++] = id;
        return 0;
}

/* An enum value this build does not know (a scope or stage added later) is kept verbatim. */
static int dec_enum(struct contact *c, const struct tlv *t, int max, int *ret)
{
        int64_t v;
        int r = dec_i64(t, &v);

        if (r < 0)
                return r;
        if (v < 0 || v >= max)
                return keep_unknown(t, &c->unknown, &c->unknown_len) < 0 ? -ENOMEM : 1;
        *ret = (int)v;
        return 0;
}

/* sb: one list builder per entry of the field table. */
static int contact_decode_field(struct contact *c, const struct tlv *t, struct strv_builder *sb)
{
        size_t n;
        const struct contact_field *all = contact_fields(&n), *f;
        int v, r;

        if (t->tag == CONTACT_TAG_ID)
                return dec_u64(t, &c->id);
        if (t->tag == CONTACT_TAG_UUID)
                return dec_uuid(t, c->uuid);
        f = contact_field_by_tag(t->tag);
        if (!f)
                return keep_unknown(t, &c->unknown, &c->unknown_len);
        switch (f->type) {
        case CF_STR:
        case CF_NOTE:
        case CF_KIND:
        case CF_BIRTHDAY:
                return dec_str(t, CONTACT_FIELD_PTR(c, f, char *));
        case CF_LIST:
        case CF_LINES:
                return dec_strv(t, CONTACT_FIELD_PTR(c, f, char **), &sb[f - all]);
        case CF_TIME:
        case CF_SECONDS:
                return dec_i64(t, CONTACT_FIELD_PTR(c, f, int64_t));
        case CF_U32:
        case CF_NETWORKS:
                return dec_u32(t, CONTACT_FIELD_PTR(c, f, uint32_t));
        case CF_SCOPE:
                r = dec_enum(c, t, _SCOPE_MAX, &v);
                if (r == 0)
                        *CONTACT_FIELD_PTR(c, f, enum scope) = (enum scope)v;
                return r < 0 ? r : 0;
        case CF_STAGE:
                r = dec_enum(c, t, _STAGE_MAX, &v);
                if (r == 0)
                        *CONTACT_FIELD_PTR(c, f, enum prospect_stage) = (enum prospect_stage)v;
                return r < 0 ? r : 0;
        case CF_REF:
        case CF_U64:
                return dec_u64(t, CONTACT_FIELD_PTR(c, f, uint64_t));
        case CF_DATE_STATE:
                if (t->len != DATE_STATE_LEN)
                        return -EBADMSG;
                date_state_get(t->value, CONTACT_FIELD_PTR(c, f, struct date_state));
                return 0;
        case CF_DATES:
                return dec_date(t, c);
        }
        return keep_unknown(t, &c->unknown, &c->unknown_len);
}

int codec_contact_decode(const void *buf, size_t len, struct contact **ret)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        struct strv_builder sb[CODEC_CONTACT_FIELDS_MAX] = {{0}};
        struct tlv f;
        size_t pos = RECORD_HEADER_LEN;
        int r;

        r = check_header(buf, len, RECORD_CONTACT);
        if (r < 0)
                return r;
        c = contact_new();
        if (!c)
                return -ENOMEM;
        while ((r = tlv_next(buf, len, &pos, &f)) > 0) {
                r = contact_decode_field(c, &f, sb);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static int interaction_decode_field(struct interaction *i, const struct tlv *f)
{
        switch (f->tag) {
        case INTERACTION_TAG_CONTACT_ID:
                return dec_u64(f, &i->contact_id);
        case INTERACTION_TAG_AT:
                return dec_i64(f, &i->at);
        case INTERACTION_TAG_SEQ:
                return dec_u32(f, &i->seq);
        case INTERACTION_TAG_UUID:
                return dec_uuid(f, i->uuid);
        case INTERACTION_TAG_KIND:
                return dec_str(f, &i->kind);
        case INTERACTION_TAG_NOTE:
                return dec_str(f, &i->note);
        case INTERACTION_TAG_GAVE:
                return dec_str(f, &i->gave);
        case INTERACTION_TAG_GOT:
                return dec_str(f, &i->got);
        case INTERACTION_TAG_CREATED:
                return dec_i64(f, &i->created);
        case INTERACTION_TAG_GOAL_ID:
                return dec_u64(f, &i->goal_id);
        case INTERACTION_TAG_ID:
                return dec_u64(f, &i->id);
        case INTERACTION_TAG_WITH:
                return dec_with(f, i);
        case INTERACTION_TAG_AGENDA:
                return dec_str(f, &i->agenda);
        case INTERACTION_TAG_GROUP_OF:
                return dec_u64(f, &i->group_of);
        case INTERACTION_TAG_SOURCE: {
                uint32_t v = 0;
                int r = dec_u32(f, &v);

                if (r < 0)
                        return r;
                if (v >= _SOURCE_MAX)
                        return -EBADMSG;
                i->source = (enum interaction_source)v;
                return 0;
        }
        case INTERACTION_TAG_SOURCE_ID:
                return dec_str(f, &i->source_id);
        case INTERACTION_TAG_NO_TOUCH: {
                uint32_t v = 0;
                int r = dec_u32(f, &v);

                i->no_touch = v != 0;
                return r;
        }
        default:
                return keep_unknown(f, &i->unknown, &i->unknown_len);
        }
}

int codec_interaction_decode(const void *buf, size_t len, struct interaction **ret)
{
        _cleanup_(interaction_freep) struct interaction *i = NULL;
        struct tlv f;
        size_t pos = RECORD_HEADER_LEN;
        int r;

        r = check_header(buf, len, RECORD_INTERACTION);
        if (r < 0)
                return r;
        i = interaction_new();
        if (!i)
                return -ENOMEM;
        while ((r = tlv_next(buf, len, &pos, &f)) > 0) {
                r = interaction_decode_field(i, &f);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(i);
        return 0;
}

/* ---- goals, goal links, introductions (issue 4) ---- */

#define RECORD_GOAL      'G'
#define RECORD_GOAL_LINK 'L'
#define RECORD_INTRO     'N'

/* Goal tags. STABLE FOREVER: never renumber, never reuse. */
enum {
        GOAL_TAG_ID = 1,
        GOAL_TAG_UUID = 2,
        GOAL_TAG_TITLE = 3,
        GOAL_TAG_NOTE = 4,
        GOAL_TAG_BY = 5,
        GOAL_TAG_STATUS = 6,
        GOAL_TAG_CREATED = 7,
        GOAL_TAG_UPDATED = 8,
        GOAL_TAG_DONE_AT = 9,
};

/* Goal link tags. STABLE FOREVER. */
enum {
        LINK_TAG_GOAL_ID = 1,
        LINK_TAG_CONTACT_ID = 2,
        LINK_TAG_WHY = 3,
        LINK_TAG_LINKED_AT = 4,
};

/* Introduction tags. STABLE FOREVER. */
enum {
        INTRO_TAG_ID = 1,
        INTRO_TAG_UUID = 2,
        INTRO_TAG_A = 3,
        INTRO_TAG_B = 4,
        INTRO_TAG_NOTE = 5,
        INTRO_TAG_AT = 6,
        INTRO_TAG_CREATED = 7,
        INTRO_TAG_KIND = 8,
        INTRO_TAG_BY = 9,
        INTRO_TAG_TIE = 10,
};

int codec_goal_encode(const struct goal *g, uint8_t **ret_buf, size_t *ret_len)
{
        struct wbuf b = {0};

        wbuf_header(&b, RECORD_GOAL, g->unknown, g->unknown_len);
        wbuf_u64(&b, GOAL_TAG_ID, g->id);
        if (g->uuid[0])
                wbuf_tlv(&b, GOAL_TAG_UUID, g->uuid, strnlen(g->uuid, UUID_STRING_LEN));
        wbuf_str(&b, GOAL_TAG_TITLE, g->title);
        wbuf_str(&b, GOAL_TAG_NOTE, g->note);
        wbuf_i64(&b, GOAL_TAG_BY, g->by);
        wbuf_i64(&b, GOAL_TAG_STATUS, (int64_t)g->status);
        wbuf_i64(&b, GOAL_TAG_CREATED, g->created);
        wbuf_i64(&b, GOAL_TAG_UPDATED, g->updated);
        wbuf_i64(&b, GOAL_TAG_DONE_AT, g->done_at);
        return wbuf_finish(&b, ret_buf, ret_len);
}

static int goal_decode_field(struct goal *g, const struct tlv *f)
{
        int64_t v;
        int r;

        switch (f->tag) {
        case GOAL_TAG_ID:
                return dec_u64(f, &g->id);
        case GOAL_TAG_UUID:
                return dec_uuid(f, g->uuid);
        case GOAL_TAG_TITLE:
                return dec_str(f, &g->title);
        case GOAL_TAG_NOTE:
                return dec_str(f, &g->note);
        case GOAL_TAG_BY:
                return dec_i64(f, &g->by);
        case GOAL_TAG_STATUS:
                r = dec_i64(f, &v);
                if (r < 0)
                        return r;
                if (v < 0 || v >= _GOAL_STATUS_MAX)
                        return keep_unknown(f, &g->unknown, &g->unknown_len);
                g->status = (enum goal_status)v;
                return 0;
        case GOAL_TAG_CREATED:
                return dec_i64(f, &g->created);
        case GOAL_TAG_UPDATED:
                return dec_i64(f, &g->updated);
        case GOAL_TAG_DONE_AT:
                return dec_i64(f, &g->done_at);
        default:
                return keep_unknown(f, &g->unknown, &g->unknown_len);
        }
}

int codec_goal_decode(const void *buf, size_t len, struct goal **ret)
{
        _cleanup_(goal_freep) struct goal *g = NULL;
        struct tlv f;
        size_t pos = RECORD_HEADER_LEN;
        int r;

        r = check_header(buf, len, RECORD_GOAL);
        if (r < 0)
                return r;
        g = goal_new();
        if (!g)
                return -ENOMEM;
        while ((r = tlv_next(buf, len, &pos, &f)) > 0) {
                r = goal_decode_field(g, &f);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(g);
        return 0;
}

int codec_goal_link_encode(const struct goal_link *l, uint8_t **ret_buf, size_t *ret_len)
{
        struct wbuf b = {0};

        wbuf_header(&b, RECORD_GOAL_LINK, l->unknown, l->unknown_len);
        wbuf_u64(&b, LINK_TAG_GOAL_ID, l->goal_id);
        wbuf_u64(&b, LINK_TAG_CONTACT_ID, l->contact_id);
        wbuf_str(&b, LINK_TAG_WHY, l->why);
        wbuf_i64(&b, LINK_TAG_LINKED_AT, l->linked_at);
        return wbuf_finish(&b, ret_buf, ret_len);
}

static int goal_link_decode_field(struct goal_link *l, const struct tlv *f)
{
        switch (f->tag) {
        case LINK_TAG_GOAL_ID:
                return dec_u64(f, &l->goal_id);
        case LINK_TAG_CONTACT_ID:
                return dec_u64(f, &l->contact_id);
        case LINK_TAG_WHY:
                return dec_str(f, &l->why);
        case LINK_TAG_LINKED_AT:
                return dec_i64(f, &l->linked_at);
        default:
                return keep_unknown(f, &l->unknown, &l->unknown_len);
        }
}

int codec_goal_link_decode(const void *buf, size_t len, struct goal_link **ret)
{
        _cleanup_(goal_link_freep) struct goal_link *l = NULL;
        struct tlv f;
        size_t pos = RECORD_HEADER_LEN;
        int r;

        r = check_header(buf, len, RECORD_GOAL_LINK);
        if (r < 0)
                return r;
        l = goal_link_new();
        if (!l)
                return -ENOMEM;
        while ((r = tlv_next(buf, len, &pos, &f)) > 0) {
                r = goal_link_decode_field(l, &f);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int codec_intro_encode(const struct intro *i, uint8_t **ret_buf, size_t *ret_len)
{
        struct wbuf b = {0};

        wbuf_header(&b, RECORD_INTRO, i->unknown, i->unknown_len);
        wbuf_u64(&b, INTRO_TAG_ID, i->id);
        if (i->uuid[0])
                wbuf_tlv(&b, INTRO_TAG_UUID, i->uuid, strnlen(i->uuid, UUID_STRING_LEN));
        wbuf_u64(&b, INTRO_TAG_A, i->a);
        wbuf_u64(&b, INTRO_TAG_B, i->b);
        wbuf_str(&b, INTRO_TAG_NOTE, i->note);
        wbuf_i64(&b, INTRO_TAG_AT, i->at);
        wbuf_i64(&b, INTRO_TAG_CREATED, i->created);
        wbuf_u64(&b, INTRO_TAG_KIND, i->kind);
        wbuf_u64(&b, INTRO_TAG_BY, i->by);
        wbuf_u64(&b, INTRO_TAG_TIE, i->tie);
        return wbuf_finish(&b, ret_buf, ret_len);
}

static int intro_decode_field(struct intro *i, const struct tlv *f)
{
        switch (f->tag) {
        case INTRO_TAG_ID:
                return dec_u64(f, &i->id);
        case INTRO_TAG_UUID:
                return dec_uuid(f, i->uuid);
        case INTRO_TAG_A:
                return dec_u64(f, &i->a);
        case INTRO_TAG_B:
                return dec_u64(f, &i->b);
        case INTRO_TAG_NOTE:
                return dec_str(f, &i->note);
        case INTRO_TAG_AT:
                return dec_i64(f, &i->at);
        case INTRO_TAG_CREATED:
                return dec_i64(f, &i->created);
        case INTRO_TAG_KIND:
        case INTRO_TAG_TIE: {
                uint64_t v;
                int r = dec_u64(f, &v);

                if (r < 0)
                        return r;
                if (v > UINT32_MAX || (f->tag == INTRO_TAG_KIND && v >= _INTRO_KIND_MAX))
                        return -EBADMSG;
                *(f->tag == INTRO_TAG_KIND ? &i->kind : &i->tie) = (uint32_t)v;
                return 0;
        }
        case INTRO_TAG_BY:
                return dec_u64(f, &i->by);
        default:
                return keep_unknown(f, &i->unknown, &i->unknown_len);
        }
}

int codec_intro_decode(const void *buf, size_t len, struct intro **ret)
{
        _cleanup_(intro_freep) struct intro *i = NULL;
        struct tlv f;
        size_t pos = RECORD_HEADER_LEN;
        int r;

        r = check_header(buf, len, RECORD_INTRO);
        if (r < 0)
                return r;
        i = intro_new();
        if (!i)
                return -ENOMEM;
        while ((r = tlv_next(buf, len, &pos, &f)) > 0) {
                r = intro_decode_field(i, &f);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(i);
        return 0;
}
