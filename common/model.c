#include "model.h"

#include <stdio.h>
#include <strings.h>
#include <sys/random.h>

static const char *const network_names[_NETWORK_MAX] = {
    [NETWORK_OPERATIONAL] = "operational",
    [NETWORK_PERSONAL] = "personal",
    [NETWORK_STRATEGIC] = "strategic",
};

const char *network_to_string(enum network n)
{
        if (n < 0 || n >= _NETWORK_MAX)
                return NULL;
        return network_names[n];
}

enum network network_from_string(const char *s)
{
        size_t len;
        int found = _NETWORK_INVALID;

        if (!s || !*s)
                return _NETWORK_INVALID;
        len = strlen(s);
        for (int i = 0; i < _NETWORK_MAX; i++) {
                if (strcasecmp(s, network_names[i]) == 0)
                        return (enum network)i;
                if (strncasecmp(s, network_names[i], len) == 0) {
                        if (found != _NETWORK_INVALID)
                                return _NETWORK_INVALID;
                        found = i;
                }
        }
        return (enum network)found;
}

static const char *const scope_names[_SCOPE_MAX] = {
    [SCOPE_UNSET] = "unset",
    [SCOPE_INTERNAL] = "internal",
    [SCOPE_EXTERNAL] = "external",
};

const char *scope_to_string(enum scope s)
{
        if (s < 0 || s >= _SCOPE_MAX)
                return NULL;
        return scope_names[s];
}

enum scope scope_from_string(const char *s)
{
        for (int i = 0; s && i < _SCOPE_MAX; i++)
                if (strcasecmp(s, scope_names[i]) == 0)
                        return (enum scope)i;
        return _SCOPE_INVALID;
}

static const char *const stage_names[_STAGE_MAX] = {
    [STAGE_NONE] = "none",
    [STAGE_WANT_TO_MEET] = "want-to-meet",
    [STAGE_REACHED_OUT] = "reached-out",
    [STAGE_SCHEDULED] = "scheduled",
    [STAGE_MET] = "met",
    [STAGE_ONGOING] = "ongoing",
};

const char *prospect_stage_to_string(enum prospect_stage s)
{
        if (s < 0 || s >= _STAGE_MAX)
                return NULL;
        return stage_names[s];
}

enum prospect_stage prospect_stage_from_string(const char *s)
{
        size_t len;
        int found = _STAGE_INVALID;

        if (!s || !*s)
                return _STAGE_INVALID;
        len = strlen(s);
        for (int i = 0; i < _STAGE_MAX; i++) {
                if (strcasecmp(s, stage_names[i]) == 0)
                        return (enum prospect_stage)i;
                if (strncasecmp(s, stage_names[i], len) == 0) {
                        if (found != _STAGE_INVALID)
                                return _STAGE_INVALID;
                        found = i;
                }
        }
        return (enum prospect_stage)found;
}

struct contact *contact_new(void)
{
        return calloc(1, sizeof(struct contact));
}

void contact_date_done(struct contact_date *d)
{
        free(d->label);
        free(d->date);
        memset(d, 0, sizeof(*d));
}

void contact_done(struct contact *c)
{
        size_t n;
        const struct contact_field *f = contact_fields(&n);

        for (size_t i = 0; i < n; i++)
                switch (f[i].type) {
                case CF_STR:
                case CF_NOTE:
                case CF_KIND:
                case CF_BIRTHDAY:
                        free(*CONTACT_FIELD_PTR(c, &f[i], char *));
                        break;
                case CF_LIST:
                case CF_LINES:
                        strv_free(*CONTACT_FIELD_PTR(c, &f[i], char **));
                        break;
                case CF_DATES:
                        for (size_t k = 0; k < c->n_dates; k++)
                                contact_date_done(&c->dates[k]);
                        free(c->dates);
                        break;
                default:
                        break;
                }
        free(c->unknown);
        memset(c, 0, sizeof(*c));
}

void contact_free(struct contact *c)
{
        if (!c)
                return;
        contact_done(c);
        free(c);
}

static const char *const source_names[_SOURCE_MAX] = {
    [SOURCE_MAIL] = "mail",
    [SOURCE_CALENDAR] = "calendar",
};

const char *interaction_source_to_string(enum interaction_source s)
{
        return s > SOURCE_NONE && s < _SOURCE_MAX ? source_names[s] : NULL;
}

enum interaction_source interaction_source_from_string(const char *s)
{
        for (int i = SOURCE_NONE + 1; s && i < _SOURCE_MAX; i++)
                if (strcmp(s, source_names[i]) == 0)
                        return (enum interaction_source)i;
        return _SOURCE_INVALID;
}

struct interaction *interaction_new(void)
{
        return calloc(1, sizeof(struct interaction));
}

void interaction_done(struct interaction *i)
{
        free(i->kind);
        free(i->note);
        free(i->gave);
        free(i->got);
        free(i->with);
        free(i->agenda);
        free(i->source_id);
        free(i->unknown);
        memset(i, 0, sizeof(*i));
}

void interaction_free(struct interaction *i)
{
        if (!i)
                return;
        interaction_done(i);
        free(i);
}

/* By hand: snprintf took ~6k instructions, and a big import makes many. */
void uuid_format(const uint8_t b[static 16], char buf[static UUID_STRING_LEN + 1])
{
        for (size_t i = 0, o = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        buf[o++] = '-';
                buf[o++] = "0123456789abcdef"[b[i] >> 4];
                buf[o++] = "0123456789abcdef"[b[i] & 0xf];
        }
        buf[UUID_STRING_LEN] = '\0';
}

static unsigned __int128 fnv1a_128(unsigned __int128 h, const char *s, size_t n)
{
        /* FNV-1a, 128 bits: prime 2^88 + 2^8 + 0x3b. */
        const unsigned __int128 prime = ((unsigned __int128)1 << 88) | 0x13b;

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= prime;
        }
        return h;
}

void uuid_from_name(const char *space, const char *name, char buf[static UUID_STRING_LEN + 1])
{
        /* The FNV-1a 128-bit offset basis. */
        unsigned __int128 h =
            ((unsigned __int128)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
        uint8_t b[16];

        h = fnv1a_128(h, space, strlen(space) + 1); /* the NUL separates space from name */
        h = fnv1a_128(h, name, strlen(name));
        for (int i = 15; i >= 0; i--, h >>= 8)
                b[i] = (uint8_t)h;
        b[6] = (uint8_t)((b[6] & 0x0f) | 0x80);
        b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
        uuid_format(b, buf);
}

int uuid_generate_v4(char buf[static UUID_STRING_LEN + 1])
{
        uint8_t b[16];
        ssize_t n = getrandom(b, sizeof(b), 0);

        if (n < 0)
                return -errno;
        if (n != (ssize_t)sizeof(b))
                return -EIO;
        b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
        b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
        uuid_format(b, buf);
        return 0;
}

bool uuid_is_valid(const char *s)
{
        if (!s || strlen(s) != UUID_STRING_LEN)
                return false;
        for (int i = 0; i < UUID_STRING_LEN; i++) {
                char c = s[i];
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;

                if (dash ? c != '-'
                         : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                             (c >= 'A' && c <= 'F')))
                        return false;
        }
        return true;
}

int text_validate(const char *s, size_t max, bool multiline)
{
        size_t len = strlen(s);

        if (len > max)
                return -E2BIG;
        if (!utf8_is_clean_text(s, len, multiline))
                return -EINVAL;
        return 0;
}

int kind_validate(const char *s)
{
        size_t len = strlen(s);

        if (len == 0 || len > FIELD_KIND_MAX)
                return -EINVAL;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                        return -EINVAL;
        return 0;
}
