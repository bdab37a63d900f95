/* vCard reading and writing: see vcard.h. */
#include "vcard.h"

#include <ctype.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "timeutil.h"
#include "util.h"

#define PARAMS_MAX   64
#define WARNINGS_MAX 16

/* ---- a per-card arena: every string of a card, freed at once ---- */

struct block {
        struct block *next;
        size_t used, cap;
        char data[];
};

struct arena {
        struct block *head;
};

static void arena_reset(struct arena *a)
{
        /* Keep one block (the newest, usually the largest) for the next card. */
        struct block *b = a->head;

        if (!b)
                return;
        for (struct block *n = b->next, *next; n; n = next) {
                next = n->next;
                free(n);
        }
        b->next = NULL;
        b->used = 0;
}

static void arena_done(struct arena *a)
{
        for (struct block *b = a->head, *next; b; b = next) {
                next = b->next;
                free(b);
        }
        a->head = NULL;
}

static void *arena_alloc(struct arena *a, size_t n)
{
        struct block *b = a->head;

        n = (n + 7) & ~(size_t)7;
        if (!b || b->cap - b->used < n) {
                size_t cap = n > 16384 ? n : 16384;

                b = malloc(sizeof(*b) + cap);
                if (!b)
                        return NULL;
                b->cap = cap;
                b->used = 0;
                b->next = a->head;
                a->head = b;
        }
        b->used += n;
        return b->data + b->used - n;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
        char *p = arena_alloc(a, n + 1);

        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

/* ---- the parser ---- */

struct parser {
        const char *data;
        size_t len;
        size_t pos;  /* start of the next physical line */
        size_t line; /* its 1-based number */
        const struct vcard_callbacks *cb;
        void *userdata;
        struct arena arena;
        struct vcard_prop *props;
        size_t n_props, cap_props;
        struct strbuf logical;
        bool overflow; /* the logical line went past VCARD_LINE_MAX */
        iconv_t cd;    /* cached converter for cd_charset */
        char cd_charset[48];
};

/* The next physical line without its line end; false at the end of the input. */
static bool peek_physical(const struct parser *p, const char **ret, size_t *ret_len,
                          size_t *ret_next)
{
        const char *s, *e, *end = p->data + p->len;

        if (p->pos >= p->len)
                return false;
        s = p->data + p->pos;
        e = memchr(s, '\n', (size_t)(end - s));
        if (!e)
                e = end;
        /* A lone CR (old Mac files) also ends a line. */
        {
                const char *cr = memchr(s, '\r', (size_t)(e - s));

                if (cr && cr + 1 < e)
                        e = cr;
        }
        *ret = s;
        *ret_len = (size_t)(e - s);
        if (*ret_len > 0 && s[*ret_len - 1] == '\r')
                (*ret_len)--;
        if (e < end) {
                if (*e == '\r') {
                        e++;
                        if (e < end && *e == '\n')
                                e++;
                } else
                        e++;
        }
        *ret_next = (size_t)(e - p->data);
        return true;
}

static void logical_append(struct parser *p, const char *s, size_t n)
{
        if (p->overflow || p->logical.len + n > VCARD_LINE_MAX) {
                p->overflow = true;
                return;
        }
        strbuf_append(&p->logical, s, n);
}

/* Whether the parameter part (before the first ':') of a logical line mentions s. */
static bool params_mention(const char *line, size_t n, const char *s)
{
        const char *colon = memchr(line, ':', n);
        size_t len = strlen(s), end = colon ? (size_t)(colon - line) : n;

        for (size_t i = 0; i + len <= end; i++)
                if (strncasecmp(line + i, s, len) == 0)
                        return true;
        return false;
}

static bool is_base64_line(const char *s, size_t n)
{
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && !strchr("+/= \t", s[i]))
                        return false;
        return true;
}

/* Assemble the next logical line into p->logical. Returns 1, or 0 at the end of input. */
static int next_logical(struct parser *p, size_t *ret_line)
{
        const char *s;
        size_t n, next;

        if (!peek_physical(p, &s, &n, &next))
                return 0;
        *ret_line = p->line;
        strbuf_reset(&p->logical);
        p->overflow = false;
        logical_append(p, s, n);
        p->pos = next;
        p->line++;
        for (;;) {
                if (!peek_physical(p, &s, &n, &next))
                        break;
                if (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
                        /* Folding: delete the line end and one white space. */
                        logical_append(p, s + 1, n - 1);
                } else if (p->logical.len > 0 && p->logical.data[p->logical.len - 1] == '=' &&
                           params_mention(p->logical.data, p->logical.len, "QUOTED-PRINTABLE")) {
                        /* A QUOTED-PRINTABLE soft line break. */
                        p->logical.data[--p->logical.len] = 0;
                        logical_append(p, s, n);
                } else if (is_base64_line(s, n) && !memchr(s, ':', n) &&
                           params_mention(p->logical.data, p->logical.len, "BASE64")) {
                        /* 2.1 base64 blocks may continue without indentation. */
                        logical_append(p, s, n);
                } else
                        break;
                p->pos = next;
                p->line++;
        }
        /* A 2.1 base64 block ends with an empty line. */
        if (params_mention(p->logical.data, p->logical.len, "BASE64") &&
            peek_physical(p, &s, &n, &next) && n == 0) {
                p->pos = next;
                p->line++;
        }
        return 1;
}

/* Decode QUOTED-PRINTABLE in place; returns the new length. */
static size_t qp_decode(char *s, size_t n)
{
        size_t r = 0, w = 0;

        while (r < n) {
                if (s[r] == '=' && r + 2 < n) {
                        int hi = hex_digit_value(s[r + 1]), lo = hex_digit_value(s[r + 2]);

                        if (hi >= 0 && lo >= 0) {
                                s[w++] = (char)(hi << 4 | lo);
                                r += 3;
                                continue;
                        }
                }
                s[w++] = s[r++];
        }
        s[w] = 0;
        return w;
}

static bool charset_is_utf8(const char *cs)
{
        return strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0 ||
               strcasecmp(cs, "US-ASCII") == 0 || strcasecmp(cs, "ASCII") == 0;
}

/* Convert n bytes from charset to UTF-8 into the arena. Returns NULL when the charset is
 * unknown or the text is not valid in it. */
static char *convert(struct parser *p, const char *charset, const char *in, size_t n,
                     size_t *ret_len)
{
        char *out, *ip = (char *)in, *op;
        size_t il = n, ol, cap;

        if (strlen(charset) >= sizeof(p->cd_charset))
                return NULL;
        if (p->cd == (iconv_t)-1 || strcasecmp(p->cd_charset, charset) != 0) {
                if (p->cd != (iconv_t)-1)
                        iconv_close(p->cd);
                p->cd_charset[0] = 0;
                p->cd = iconv_open("UTF-8", charset);
                if (p->cd == (iconv_t)-1)
                        return NULL;
                strcpy(p->cd_charset, charset);
        } else
                iconv(p->cd, NULL, NULL, NULL, NULL);
        if (n > (SIZE_MAX - 16) / 4)
                return NULL;
        cap = n * 4 + 16;
        out = arena_alloc(&p->arena, cap);
        if (!out)
                return NULL;
        op = out;
        ol = cap - 1;
        if (iconv(p->cd, &ip, &il, &op, &ol) == (size_t)-1)
                return NULL;
        *op = 0;
        *ret_len = (size_t)(op - out);
        return out;
}

/* RFC 6868 parameter value escapes: ^n, ^^, ^'. In place. */
static void param_unescape(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                if (r[0] == '^' && (r[1] == 'n' || r[1] == 'N')) {
                        *w++ = '\n';
                        r++;
                } else if (r[0] == '^' && r[1] == '^') {
                        *w++ = '^';
                        r++;
                } else if (r[0] == '^' && r[1] == '\'') {
                        *w++ = '"';
                        r++;
                } else
                        *w++ = *r;
        }
        *w = 0;
}

/* Whether s is valid UTF-8 (control characters and NUL are a later layer's business). */
static bool utf8_valid(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + n;

        while (p < end) {
                size_t len;
                uint32_t cp;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if ((*p & 0xe0) == 0xc0)
                        len = 2, cp = *p & 0x1f;
                else if ((*p & 0xf0) == 0xe0)
                        len = 3, cp = *p & 0x0f;
                else if ((*p & 0xf8) == 0xf0)
                        len = 4, cp = *p & 0x07;
                else
                        return false;
                if ((size_t)(end - p) < len)
                        return false;
                for (size_t i = 1; i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (p[i] & 0x3f);
                }
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                        return false;
                p += len;
        }
        return true;
}

static bool is_name_char(char c)
{
        return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Parse one logical line into *prop. Returns 0, -EINVAL with *ret_reason, or -ENOMEM. */
static int parse_prop(struct parser *p, const char *s, size_t n, size_t line,
                      struct vcard_prop *prop, const char **ret_reason)
{
        struct vcard_param *params;
        size_t i = 0, name_start = 0, dot = SIZE_MAX, n_params = 0;
        const char *enc, *charset;
        char *value;
        size_t vlen;

        *prop = (struct vcard_prop){.line = line};
        while (i < n && (is_name_char(s[i]) || s[i] == '.')) {
                if (s[i] == '.')
                        dot = i;
                i++;
        }
        if (i == n || (s[i] != ':' && s[i] != ';')) {
                *ret_reason =
                    memchr(s, ':', n) ? "malformed property name" : "not a property (no ':')";
                return -EINVAL;
        }
        if (dot != SIZE_MAX) {
                if (dot == 0 || dot + 1 == i) {
                        *ret_reason = "malformed property group";
                        return -EINVAL;
                }
                prop->group = arena_strndup(&p->arena, s, dot);
                name_start = dot + 1;
        }
        if (i == name_start) {
                *ret_reason = "empty property name";
                return -EINVAL;
        }
        {
                char *name = arena_strndup(&p->arena, s + name_start, i - name_start);

                if (!name || (dot != SIZE_MAX && !prop->group))
                        return -ENOMEM;
                for (char *c = name; *c; c++)
                        *c = (char)toupper((unsigned char)*c);
                prop->name = name;
        }

        params = arena_alloc(&p->arena, sizeof(struct vcard_param) * PARAMS_MAX);
        if (!params)
                return -ENOMEM;
        while (i < n && s[i] == ';') {
                size_t ks = ++i, ke, vs;
                struct strbuf v = {0};
                char *pname;

                while (i < n && s[i] != '=' && s[i] != ';' && s[i] != ':')
                        i++;
                ke = i;
                if (i < n && s[i] == '=') {
                        bool quoted = false;

                        vs = ++i;
                        while (i < n && (quoted || (s[i] != ';' && s[i] != ':'))) {
                                if (s[i] == '"')
                                        quoted = !quoted;
                                i++;
                        }
                        for (size_t k = vs; k < i; k++)
                                if (s[k] != '"')
                                        strbuf_putc(&v, s[k]);
                } else {
                        vs = ks;
                        strbuf_append(&v, s + ks, ke - ks);
                        ke = ks; /* bare parameter: no name */
                }
                if (v.error) {
                        strbuf_done(&v);
                        return -ENOMEM;
                }
                if (n_params < PARAMS_MAX) {
                        struct vcard_param *pp = &params[n_params];
                        char *pv = arena_strndup(&p->arena, v.data ? v.data : "", v.len);

                        if (ke > ks)
                                pname = arena_strndup(&p->arena, s + ks, ke - ks);
                        else if (strcasecmp(pv ? pv : "", "QUOTED-PRINTABLE") == 0 ||
                                 strcasecmp(pv ? pv : "", "BASE64") == 0 ||
                                 strcasecmp(pv ? pv : "", "8BIT") == 0 ||
                                 strcasecmp(pv ? pv : "", "7BIT") == 0)
                                pname = arena_strndup(&p->arena, "ENCODING", 8);
                        else
                                pname = arena_strndup(&p->arena, "TYPE", 4);
                        strbuf_done(&v);
                        if (!pname || !pv)
                                return -ENOMEM;
                        for (char *c = pname; *c; c++)
                                *c = (char)toupper((unsigned char)*c);
                        param_unescape(pv);
                        pp->name = pname;
                        pp->value = pv;
                        n_params++;
                } else
                        strbuf_done(&v);
        }
        if (i >= n || s[i] != ':') {
                *ret_reason = "not a property (no ':')";
                return -EINVAL;
        }
        i++;
        prop->params = params;
        prop->n_params = n_params;

        enc = vcard_param_get(prop, "ENCODING");
        vlen = n - i;
        if ((enc && (strcasecmp(enc, "B") == 0 || strcasecmp(enc, "BASE64") == 0)) ||
            (vlen > 5 && strncasecmp(s + i, "data:", 5) == 0 &&
             memmem(s + i, vlen < 256 ? vlen : 256, ";base64,", 8))) {
                /* An inline binary (a photo, a logo, a key): measured, never kept. */
                prop->binary_len = vlen;
                return 0;
        }
        value = arena_strndup(&p->arena, s + i, vlen);
        if (!value)
                return -ENOMEM;
        if (enc && strcasecmp(enc, "QUOTED-PRINTABLE") == 0) {
                vlen = qp_decode(value, vlen);
                prop->qp = true;
        }
        charset = vcard_param_get(prop, "CHARSET");
        if (charset && !charset_is_utf8(charset)) {
                size_t clen;
                char *c = convert(p, charset, value, vlen, &clen);

                if (c) {
                        value = c;
                        vlen = clen;
                }
        }
        if (!utf8_valid(value, vlen)) {
                /* Not UTF-8: old Outlook and phones write Windows-1252 without saying so.
                 * ISO-8859-1 never fails. */
                size_t clen;
                char *c = convert(p, "WINDOWS-1252", value, vlen, &clen);

                if (!c)
                        c = convert(p, "ISO-8859-1", value, vlen, &clen);
                if (c) {
                        value = c;
                        vlen = clen;
                }
        }
        prop->value = value;
        prop->value_len = vlen;
        return 0;
}

static int push_prop(struct parser *p, const struct vcard_prop *prop)
{
        if (p->n_props == p->cap_props) {
                size_t cap = p->cap_props ? p->cap_props * 2 : 32;
                struct vcard_prop *v = reallocarray(p->props, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                p->props = v;
                p->cap_props = cap;
        }
        p->props[p->n_props++] = *prop;
        return 0;
}

/* Whether the logical line is "NAME:value" with value (trimmed) equal to want, ignoring case. */
static bool line_is(const char *s, size_t n, const char *name, const char *want)
{
        size_t nl = strlen(name), wl = strlen(want);

        if (n < nl + 1 || strncasecmp(s, name, nl) != 0 || s[nl] != ':')
                return false;
        s += nl + 1;
        n -= nl + 1;
        while (n > 0 && (*s == ' ' || *s == '\t'))
                s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
        return n == wl && strncasecmp(s, want, wl) == 0;
}

int vcard_parse(const char *data, size_t len, const struct vcard_callbacks *cb, void *userdata)
{
        struct parser p = {
            .data = data,
            .len = len,
            .line = 1,
            .cb = cb,
            .userdata = userdata,
            .cd = (iconv_t)-1,
        };
        bool in_card = false;
        const char *broken = NULL;
        size_t card_line = 0, broken_line = 0, line;
        const char *version = NULL;
        int r = 0;

        if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
                p.pos = 3;
        while (next_logical(&p, &line) > 0) {
                const char *s = p.logical.data;
                size_t n = p.logical.len;

                if (p.logical.error) {
                        r = -ENOMEM;
                        break;
                }
                if (line_is(s, n, "BEGIN", "VCARD")) {
                        if (in_card && cb->error) {
                                r = cb->error(card_line, "no END:VCARD before the next BEGIN:VCARD",
                                              userdata);
                                if (r < 0)
                                        break;
                        }
                        in_card = true;
                        card_line = line;
                        broken = NULL;
                        version = NULL;
                        p.n_props = 0;
                        arena_reset(&p.arena);
                        continue;
                }
                if (!in_card)
                        continue; /* blank lines and junk between cards */
                if (line_is(s, n, "END", "VCARD")) {
                        in_card = false;
                        if (broken) {
                                r = cb->error ? cb->error(broken_line, broken, userdata) : 0;
                        } else if (cb->card) {
                                struct vcard card = {
                                    .props = p.props,
                                    .n_props = p.n_props,
                                    .line = card_line,
                                    .end_offset = p.pos,
                                    .version = version,
                                };

                                r = cb->card(&card, userdata);
                        }
                        if (r < 0)
                                break;
                        continue;
                }
                if (broken)
                        continue;
                if (n == 0)
                        continue; /* tolerate blank lines inside a card */
                {
                        struct vcard_prop prop;
                        const char *reason = NULL;

                        r = parse_prop(&p, s, n, line, &prop, &reason);
                        if (r == -EINVAL) {
                                broken = reason;
                                broken_line = line;
                                r = 0;
                                continue;
                        }
                        if (r < 0)
                                break;
                        if (p.overflow && !prop.binary_len) {
                                broken = "line too long";
                                broken_line = line;
                                continue;
                        }
                        if (p.n_props >= VCARD_PROPS_MAX) {
                                broken = "too many properties";
                                broken_line = line;
                                continue;
                        }
                        if (streq(prop.name, "VERSION") && prop.value)
                                version = prop.value;
                        r = push_prop(&p, &prop);
                        if (r < 0)
                                break;
                }
        }
        if (r >= 0 && in_card && cb->error)
                r = cb->error(card_line, "no END:VCARD before the end of the file", userdata);
        if (p.cd != (iconv_t)-1)
                iconv_close(p.cd);
        strbuf_done(&p.logical);
        arena_done(&p.arena);
        free(p.props);
        return r < 0 ? r : 0;
}

const char *vcard_param_get(const struct vcard_prop *p, const char *name)
{
        for (size_t i = 0; i < p->n_params; i++)
                if (streq(p->params[i].name, name))
                        return p->params[i].value;
        return NULL;
}

bool vcard_param_has(const struct vcard_prop *p, const char *name, const char *value)
{
        size_t vl = strlen(value);

        for (size_t i = 0; i < p->n_params; i++) {
                const char *v = p->params[i].value;

                if (!streq(p->params[i].name, name))
                        continue;
                while (*v) {
                        size_t l = strcspn(v, ",");

                        if (l == vl && strncasecmp(v, value, vl) == 0)
                                return true;
                        v += l;
                        if (*v == ',')
                                v++;
                }
        }
        return false;
}

int vcard_split(const char *value, size_t len, char sep, char ***ret)
{
        _cleanup_strv_ char **v = NULL;
        struct strbuf cur = {0};
        int r = 0;

        for (size_t i = 0;; i++) {
                if (i == len || (sep && value[i] == sep)) {
                        r = cur.error ? cur.error : strv_push(&v, cur.data ? cur.data : "");
                        if (r < 0)
                                break;
                        strbuf_reset(&cur);
                        if (i == len)
                                break;
                        continue;
                }
                if (value[i] == '\\' && i + 1 < len) {
                        char c = value[++i];

                        if (c == 'n' || c == 'N')
                                strbuf_putc(&cur, '\n');
                        else
                                strbuf_putc(&cur, c); /* \\ \, \; and a stray \: */
                        continue;
                }
                /* Plain text up to the next backslash or separator in one append. */
                size_t j = i + 1;

                while (j < len && value[j] != '\\' && !(sep && value[j] == sep))
                        j++;
                strbuf_append(&cur, value + i, j - i);
                i = j - 1;
        }
        strbuf_done(&cur);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

/* ---- birthdays and UIDs ---- */

static bool all_digits(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!isdigit((unsigned char)s[i]))
                        return false;
        return true;
}

int vcard_birthday_normalize(const char *value, bool omit_year, char ret[static 11])
{
        char digits[9];
        size_t n = 0, len;
        int year = -1, month, day;
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

        while (*value == ' ')
                value++;
        len = strcspn(value, "T ");
        if (len >= 2 && value[0] == '-' && value[1] == '-') {
                /* --MMDD or --MM-DD */
                for (size_t i = 2; i < len && n < 5; i++)
                        if (value[i] != '-')
                                digits[n++] = value[i];
                if (n != 4 || !all_digits(digits, 4))
                        return -EINVAL;
        } else {
                for (size_t i = 0; i < len && n < 9; i++)
                        if (value[i] != '-')
                                digits[n++] = value[i];
                if (n != 8 || !all_digits(digits, 8))
                        return -EINVAL;
                year = (digits[0] - '0') * 1000 + (digits[1] - '0') * 100 + (digits[2] - '0') * 10 +
                       (digits[3] - '0');
                memmove(digits, digits + 4, 4);
                if (omit_year || year == 1604 || year == 0)
                        year = -1; /* Apple writes 1604 for "no year" */
        }
        month = (digits[0] - '0') * 10 + (digits[1] - '0');
        day = (digits[2] - '0') * 10 + (digits[3] - '0');
        if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1] || year > 9999)
                return -EINVAL;
        if (year >= 0)
                snprintf(ret, 11, "%04u-%02u-%02u", (unsigned)year % 10000u, (unsigned)month % 100u,
                         (unsigned)day % 100u);
        else
                snprintf(ret, 11, "--%02u-%02u", (unsigned)month % 100u, (unsigned)day % 100u);
        return 0;
}

static uint64_t fnv1a(const char *s, uint64_t h)
{
        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

int vcard_uid_to_uuid(const char *uid, char ret[static 37])
{
        uint8_t b[16];
        uint64_t h1, h2;

        while (*uid == ' ')
                uid++;
        if (strncasecmp(uid, "urn:uuid:", 9) == 0)
                uid += 9;
        if (!*uid)
                return -EINVAL;
        if (uuid_is_valid(uid)) {
                for (int i = 0; i < 36; i++)
                        ret[i] = (char)tolower((unsigned char)uid[i]);
                ret[36] = 0;
                return 0;
        }
        /* A name-based UUID (version 8, RFC 9562) from two 64-bit FNV-1a hashes. */
        h1 = fnv1a(uid, UINT64_C(0xcbf29ce484222325));
        h2 = fnv1a(uid, h1 ^ UINT64_C(0x9e3779b97f4a7c15));
        for (int i = 0; i < 8; i++) {
                b[i] = (uint8_t)(h1 >> (56 - 8 * i));
                b[8 + i] = (uint8_t)(h2 >> (56 - 8 * i));
        }
        b[6] = (uint8_t)((b[6] & 0x0f) | 0x80);
        b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
        uuid_format(b, ret);
        return 0;
}

/* ---- card → record ---- */

/* The N a writer derives from a display name: family name = the last word, given name = the
 * rest. An N equal to it carries nothing, so the reader does not keep it. */
static void derive_n(const char *name, struct strbuf *out)
{
        const char *sp = strrchr(name, ' ');
        _cleanup_free_ char *given = sp ? strndup(name, (size_t)(sp - name)) : NULL;

        strbuf_put_text(out, sp ? sp + 1 : name, false);
        strbuf_putc(out, ';');
        if (given)
                strbuf_put_text(out, given, false);
        strbuf_puts(out, ";;;");
}

/* tend's own properties: X-TEND-<KEY> ↔ record key. */
enum xtype {
        X_STRING,
        X_TEXT, /* multi-line text */
        X_LIST,
        X_INT,
        X_TIME,
        X_UUID,
};

static const struct {
        const char *prop;
        const char *key;
        enum xtype type;
} xtend[] = {
    {"X-TEND-NETWORKS", "networks", X_LIST},
    {"X-TEND-SCOPE", "scope", X_STRING},
    {"X-TEND-CADENCE", "cadence_seconds", X_INT},
    {"X-TEND-NEXT-DUE", "next_due", X_TIME},
    {"X-TEND-LAST-INTERACTION", "last_interaction", X_TIME},
    {"X-TEND-LAST-KIND", "last_kind", X_STRING},
    {"X-TEND-CREATED", "created", X_TIME},
    {"X-TEND-HOW-MET", "how_met", X_STRING},
    {"X-TEND-MET-VIA", "met_via", X_UUID},
    {"X-TEND-BRINGS", "brings", X_TEXT},
    {"X-TEND-STAGE", "stage", X_STRING},
    {"X-TEND-STAGE-CHANGED", "stage_changed", X_TIME},
    {"X-TEND-PROSPECT-PLAN", "prospect_plan", X_TEXT},
    {"X-TEND-PROSPECT-VIA", "prospect_via", X_UUID},
};

struct mapper {
        json_t *rec;
        json_t *warnings;
        json_t *emails, *phones, *urls, *tags, *extra;
        size_t extra_bytes;
        struct strbuf notes;
        const char *fn;
        const struct vcard_prop *n_prop;
        const char *org_name;
        int error; /* -ENOMEM */
};

static void warn(struct mapper *m, const char *fmt, ...) _printf_(2, 3);
static void warn(struct mapper *m, const char *fmt, ...)
{
        char buf[256];
        va_list ap;

        if (json_array_size(m->warnings) >= WARNINGS_MAX)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        /* The text may have been cut inside a UTF-8 sequence. */
        for (size_t n = strlen(buf); n > 0 && !utf8_is_clean_text(buf, n, false); n--)
                buf[n - 1] = 0;
        if (json_array_append_new(m->warnings, json_string(buf)) < 0)
                m->error = -ENOMEM;
}

/* Cut s at max bytes on a UTF-8 boundary. Returns whether it was cut. */
static bool utf8_truncate(char *s, size_t max)
{
        size_t len = strlen(s);

        if (len <= max)
                return false;
        while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
                max--;
        s[max] = 0;
        return true;
}

/* Clean a single-line text: line breaks and tabs become spaces, other controls go, white
 * space is trimmed. In place. */
static char *clean_line(char *s)
{
        char *w = s, *start;

        for (char *r = s; *r; r++) {
                unsigned char c = (unsigned char)*r;

                if (c == '\n' || c == '\r' || c == '\t')
                        *w++ = ' ';
                else if (c >= 0x20 && c != 0x7f)
                        *w++ = *r;
        }
        *w = 0;
        while (w > s && w[-1] == ' ')
                *--w = 0;
        start = s;
        while (*start == ' ')
                start++;
        if (start != s)
                memmove(s, start, strlen(start) + 1);
        return s;
}

/* Clean multi-line text: CR LF and CR become LF, other controls go. In place. */
static char *clean_text(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                unsigned char c = (unsigned char)*r;

                if (c == '\r') {
                        if (r[1] != '\n')
                                *w++ = '\n';
                } else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
                        *w++ = *r;
        }
        *w = 0;
        return s;
}

/* The unescaped, single-line value of p (a new string), or NULL (out of memory). */
static char *prop_text(const struct vcard_prop *p)
{
        char **v = NULL, *s;

        if (vcard_split(p->value, p->value_len, 0, &v) < 0)
                return NULL;
        s = TAKE_PTR(v[0]);
        strv_free(v);
        return s;
}

static void set_str(struct mapper *m, const char *key, const char *s)
{
        json_t *j;

        if (!utf8_is_clean_text(s, strlen(s), true)) {
                warn(m, "%s is not valid text; dropped", key);
                return;
        }
        j = json_stringn_nocheck(s, strlen(s)); /* checked just above */
        if (!j || json_object_set_new_nocheck(m->rec, key, j) < 0)
                m->error = -ENOMEM;
}

static bool list_has(json_t *list, const char *s, bool icase)
{
        size_t i;
        json_t *v;

        json_array_foreach(list, i, v)
        {
                const char *t = json_string_value(v);

                if (t && (icase ? strcasecmp(t, s) == 0 : streq(t, s)))
                        return true;
        }
        return false;
}

static void list_add(struct mapper *m, json_t *list, const char *what, const char *s, bool icase)
{
        if (list_has(list, s, icase))
                return;
        if (json_array_size(list) >= FIELD_LIST_MAX) {
                warn(m, "more than %d %s; '%s' dropped", FIELD_LIST_MAX, what, s);
                return;
        }
        /* Both callers checked s (utf8_is_clean_text). */
        if (json_array_append_new(list, json_stringn_nocheck(s, strlen(s))) < 0)
                m->error = -ENOMEM;
}

/* The same checks the daemon makes (daemon/fields.c), so a value that would be refused is
 * kept as a raw line instead of failing the whole card. */
static bool email_ok(const char *s)
{
        const char *at = strchr(s, '@');

        if (strlen(s) > FIELD_EMAIL_MAX || !at || at == s || !at[1] || strchr(at + 1, '@'))
                return false;
        for (; *s; s++)
                if (isspace((unsigned char)*s) || (unsigned char)*s < 0x20 || *s == ',' ||
                    *s == '<' || *s == '>')
                        return false;
        return true;
}

static bool phone_ok(const char *s)
{
        int digits = 0;

        if (strlen(s) > FIELD_PHONE_MAX)
                return false;
        for (; *s; s++) {
                if (isdigit((unsigned char)*s))
                        digits++;
                else if (!strchr("+-.() /x#*", *s) && *s != 'e' && *s != 't')
                        return false;
        }
        return digits > 0;
}

static bool url_ok(const char *s)
{
        if (!*s || strlen(s) > FIELD_URL_MAX)
                return false;
        for (; *s; s++)
                if (isspace((unsigned char)*s) || (unsigned char)*s < 0x20)
                        return false;
        return true;
}

/* The mapped value of an EMAIL, TEL or URL value (a new string): unescaped, trimmed, without
 * mailto: or tel:. */
static char *contact_value(const char *name, const char *value, size_t len)
{
        char **v = NULL, *s, *p;

        if (vcard_split(value, len, 0, &v) < 0)
                return NULL;
        s = TAKE_PTR(v[0]);
        strv_free(v);
        clean_line(s);
        p = s;
        if (streq(name, "EMAIL") && strncasecmp(p, "mailto:", 7) == 0)
                p += 7;
        else if (streq(name, "TEL") && strncasecmp(p, "tel:", 4) == 0)
                p += 4;
        if (p != s)
                memmove(s, p, strlen(p) + 1);
        return s;
}

/* Parameters worth keeping: anything but encoding and charset, and TYPE values other than
 * INTERNET/PREF/X400 and VOICE (the defaults). */
static bool params_informative(const struct vcard_prop *p)
{
        for (size_t i = 0; i < p->n_params; i++) {
                const char *n = p->params[i].name, *v = p->params[i].value;

                if (streq(n, "ENCODING") || streq(n, "CHARSET") || streq(n, "PREF") ||
                    streq(n, "VALUE"))
                        continue;
                if (streq(n, "TYPE")) {
                        while (*v) {
                                size_t l = strcspn(v, ",");

                                if (!(l == 8 && strncasecmp(v, "INTERNET", 8) == 0) &&
                                    !(l == 4 && strncasecmp(v, "PREF", 4) == 0) &&
                                    !(l == 4 && strncasecmp(v, "X400", 4) == 0) &&
                                    !(l == 5 && strncasecmp(v, "VOICE", 5) == 0) && l > 0)
                                        return true;
                                v += l;
                                if (*v == ',')
                                        v++;
                        }
                        continue;
                }
                return true;
        }
        return false;
}

/* Keep p as a raw vCard 4.0 line in the record's "vcard" list. */
static void keep_raw(struct mapper *m, const struct vcard_prop *p)
{
        struct strbuf line = {0};
        json_t *s;

        if (!p->value)
                return;
        if (p->group) {
                strbuf_puts(&line, p->group);
                strbuf_putc(&line, '.');
        }
        strbuf_puts(&line, p->name);
        for (size_t i = 0; i < p->n_params; i++) {
                const char *n = p->params[i].name, *v = p->params[i].value;

                if (streq(n, "ENCODING") || streq(n, "CHARSET"))
                        continue;
                strbuf_putc(&line, ';');
                strbuf_puts(&line, n);
                strbuf_putc(&line, '=');
                if (strpbrk(v, ":;\"\n")) {
                        strbuf_putc(&line, '"');
                        for (; *v; v++)
                                if (*v == '\n')
                                        strbuf_puts(&line, "^n");
                                else if (*v == '"')
                                        strbuf_puts(&line, "^'");
                                else
                                        strbuf_putc(&line, *v);
                        strbuf_putc(&line, '"');
                } else
                        strbuf_puts(&line, v);
        }
        strbuf_putc(&line, ':');
        for (size_t i = 0; i < p->value_len; i++) {
                char c = p->value[i];

                if (c == '\r' && i + 1 < p->value_len && p->value[i + 1] == '\n')
                        continue;
                if (c == '\r' || c == '\n')
                        strbuf_puts(&line, "\\n");
                else
                        strbuf_putc(&line, c);
        }
        if (line.error) {
                m->error = -ENOMEM;
                goto out;
        }
        if (!utf8_is_clean_text(line.data, line.len, false)) {
                warn(m, "line %zu: %s is not valid text; dropped", p->line, p->name);
                goto out;
        }
        if (line.len > VCARD_EXTRA_LINE || json_array_size(m->extra) >= VCARD_EXTRA_MAX ||
            m->extra_bytes + line.len > VCARD_EXTRA_BYTES) {
                warn(m, "line %zu: %s dropped (too much extra data on one card)", p->line, p->name);
                goto out;
        }
        if (list_has(m->extra, line.data, false))
                goto out;
        s = json_stringn_nocheck(line.data, line.len); /* clean text, checked above */
        if (!s || json_array_append_new(m->extra, s) < 0)
                m->error = -ENOMEM;
        m->extra_bytes += line.len;
out:
        strbuf_done(&line);
}

static void map_contact_value(struct mapper *m, const struct vcard_prop *p)
{
        json_t *list = streq(p->name, "EMAIL") ? m->emails
                       : streq(p->name, "TEL") ? m->phones
                                               : m->urls;
        const char *what = streq(p->name, "EMAIL") ? "emails"
                           : streq(p->name, "TEL") ? "phones"
                                                   : "urls";
        _cleanup_free_ char *v = contact_value(p->name, p->value, p->value_len);
        bool ok;

        if (!v) {
                m->error = -ENOMEM;
                return;
        }
        if (!*v)
                return;
        ok = streq(p->name, "EMAIL") ? email_ok(v)
             : streq(p->name, "TEL") ? phone_ok(v)
                                     : url_ok(v);
        if (ok && utf8_is_clean_text(v, strlen(v), false)) {
                list_add(m, list, what, v, streq(p->name, "EMAIL"));
                /* Types and labels (item1.EMAIL + item1.X-ABLabel) live on in the raw line. */
                if (p->group || params_informative(p))
                        keep_raw(m, p);
        } else {
                warn(m, "line %zu: '%s' is not a valid %s value; kept as a raw line", p->line, v,
                     p->name);
                keep_raw(m, p);
        }
}

static void map_categories(struct mapper *m, const struct vcard_prop *p)
{
        _cleanup_strv_ char **v = NULL;

        if (vcard_split(p->value, p->value_len, ',', &v) < 0) {
                m->error = -ENOMEM;
                return;
        }
        for (char **t = v; *t; t++) {
                clean_line(*t);
                ascii_strlower(*t);
                for (char *c = *t; *c; c++)
                        if (*c == ' ' || *c == ',' || *c == ';')
                                *c = '-';
                if (!**t)
                        continue;
                if (utf8_truncate(*t, FIELD_TAG_MAX))
                        warn(m, "tag cut to %d bytes", FIELD_TAG_MAX);
                if (utf8_is_clean_text(*t, strlen(*t), false))
                        list_add(m, m->tags, "tags", *t, true);
        }
}

static void map_time(struct mapper *m, const char *key, const char *v)
{
        char buf[TIME_RFC3339_MAX];
        int64_t t;

        /* RFC 3339, or the basic form 20250101T120000Z that REV uses. */
        if (time_parse_rfc3339(v, &t) < 0) {
                unsigned y, mo, d, h, mi, s;
                char z;

                if (sscanf(v, "%4u%2u%2uT%2u%2u%2u%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
                    z != 'Z') {
                        warn(m, "%s: '%s' is not a UTC time; ignored", key, v);
                        return;
                }
                snprintf(buf, sizeof(buf), "%04u-%02u-%02uT%02u:%02u:%02uZ", y, mo, d, h, mi, s);
                if (time_parse_rfc3339(buf, &t) < 0) {
                        warn(m, "%s: '%s' is not a UTC time; ignored", key, v);
                        return;
                }
        }
        set_str(m, key, time_format_rfc3339(t, buf));
}

static bool map_xtend(struct mapper *m, const struct vcard_prop *p)
{
        for (size_t i = 0; i < ARRAY_SIZE(xtend); i++) {
                _cleanup_free_ char *v = NULL;

                if (!streq(p->name, xtend[i].prop))
                        continue;
                if (xtend[i].type == X_LIST) {
                        _cleanup_strv_ char **l = NULL;
                        json_t *a = json_array();

                        if (!a || vcard_split(p->value, p->value_len, ',', &l) < 0) {
                                json_decref(a);
                                m->error = -ENOMEM;
                                return true;
                        }
                        for (char **e = l; *e; e++)
                                if (*clean_line(*e) && utf8_is_clean_text(*e, strlen(*e), false))
                                        json_array_append_new(a, json_string(*e));
                        json_object_set_new(m->rec, xtend[i].key, a);
                        return true;
                }
                v = prop_text(p);
                if (!v) {
                        m->error = -ENOMEM;
                        return true;
                }
                if (xtend[i].type == X_TEXT)
                        clean_text(v);
                else
                        clean_line(v);
                switch (xtend[i].type) {
                case X_INT: {
                        char *end;
                        long long n = strtoll(v, &end, 10);

                        if (*v && !*end && n >= 0)
                                json_object_set_new(m->rec, xtend[i].key, json_integer(n));
                        else
                                warn(m, "%s: '%s' is not a number; ignored", p->name, v);
                        break;
                }
                case X_TIME:
                        map_time(m, xtend[i].key, v);
                        break;
                case X_UUID: {
                        char uuid[37];
                        const char *u = strncasecmp(v, "urn:uuid:", 9) == 0 ? v + 9 : v;

                        if (uuid_is_valid(u) && vcard_uid_to_uuid(u, uuid) == 0)
                                set_str(m, xtend[i].key, uuid);
                        break;
                }
                default:
                        if (*v)
                                set_str(m, xtend[i].key, v);
                }
                return true;
        }
        return false;
}

static void map_prop(struct mapper *m, const struct vcard_prop *p)
{
        const char *name = p->name;

        if (streq(name, "BEGIN") || streq(name, "END") || streq(name, "VERSION") ||
            streq(name, "PRODID"))
                return;
        if (!p->value) {
                warn(m, "line %zu: inline %s (%zu KiB) skipped", p->line, name,
                     (p->binary_len + 1023) / 1024);
                return;
        }
        if (streq(name, "FN")) {
                if (!m->fn) {
                        char *s = prop_text(p);

                        if (!s) {
                                m->error = -ENOMEM;
                                return;
                        }
                        clean_line(s);
                        if (*s)
                                set_str(m, "name", s);
                        m->fn = json_string_value(json_object_get(m->rec, "name"));
                        free(s);
                }
                return;
        }
        if (streq(name, "N")) {
                if (!m->n_prop)
                        m->n_prop = p;
                return;
        }
        if (streq(name, "EMAIL") || streq(name, "TEL") || streq(name, "URL")) {
                map_contact_value(m, p);
                return;
        }
        if (streq(name, "ORG") || streq(name, "TITLE")) {
                _cleanup_strv_ char **v = NULL;
                struct strbuf s = {0};
                const char *key = streq(name, "ORG") ? "org" : "title";

                if (json_object_get(m->rec, key)) {
                        keep_raw(m, p);
                        return;
                }
                if (vcard_split(p->value, p->value_len, streq(name, "ORG") ? ';' : 0, &v) < 0) {
                        m->error = -ENOMEM;
                        return;
                }
                for (char **c = v; *c; c++)
                        if (*clean_line(*c)) {
                                if (s.len)
                                        strbuf_puts(&s, ", ");
                                strbuf_puts(&s, *c);
                        }
                if (s.error)
                        m->error = -ENOMEM;
                else if (s.len) {
                        if (utf8_truncate(s.data, FIELD_NAME_MAX))
                                warn(m, "%s cut to %d bytes", key, FIELD_NAME_MAX);
                        set_str(m, key, s.data);
                }
                strbuf_done(&s);
                return;
        }
        if (streq(name, "NOTE")) {
                _cleanup_free_ char *s = prop_text(p);

                if (!s) {
                        m->error = -ENOMEM;
                        return;
                }
                clean_text(s);
                for (size_t n = strlen(s); n > 0 && strchr(" \t\n", s[n - 1]); n--)
                        s[n - 1] = 0;
                if (*s) {
                        if (m->notes.len)
                                strbuf_puts(&m->notes, "\n\n");
                        strbuf_puts(&m->notes, s);
                }
                return;
        }
        if (streq(name, "CATEGORIES")) {
                map_categories(m, p);
                return;
        }
        if (streq(name, "BDAY")) {
                _cleanup_free_ char *s = prop_text(p);
                char bday[11];

                if (!s) {
                        m->error = -ENOMEM;
                        return;
                }
                if (!json_object_get(m->rec, "birthday") &&
                    vcard_birthday_normalize(s, vcard_param_get(p, "X-APPLE-OMIT-YEAR") != NULL,
                                             bday) == 0)
                        set_str(m, "birthday", bday);
                else
                        keep_raw(m, p);
                return;
        }
        if (streq(name, "UID")) {
                _cleanup_free_ char *s = prop_text(p);
                char uuid[37];

                if (!s) {
                        m->error = -ENOMEM;
                        return;
                }
                clean_line(s);
                if (!json_object_get(m->rec, "uuid") && vcard_uid_to_uuid(s, uuid) == 0)
                        set_str(m, "uuid", uuid);
                return;
        }
        if (streq(name, "REV")) {
                _cleanup_free_ char *s = prop_text(p);

                if (!s) {
                        m->error = -ENOMEM;
                        return;
                }
                map_time(m, "updated", clean_line(s));
                return;
        }
        if (strncmp(name, "X-TEND-", 7) == 0 && map_xtend(m, p))
                return;
        keep_raw(m, p);
}

/* "Prefix Given Additional Family Suffix" from N. */
static int name_from_n(const struct vcard_prop *p, char **ret)
{
        static const int order[] = {3, 1, 2, 0, 4};
        _cleanup_strv_ char **v = NULL;
        struct strbuf s = {0};
        size_t n;
        int r;

        r = vcard_split(p->value, p->value_len, ';', &v);
        if (r < 0)
                return r;
        n = strv_length(v);
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                if ((size_t)order[i] >= n)
                        continue;
                for (char *c = v[order[i]]; *c; c++)
                        if (*c == ',')
                                *c = ' ';
                if (!*clean_line(v[order[i]]))
                        continue;
                if (s.len)
                        strbuf_putc(&s, ' ');
                strbuf_puts(&s, v[order[i]]);
        }
        if (s.error)
                return s.error;
        *ret = s.data ? s.data : strdup("");
        return *ret ? 0 : -ENOMEM;
}

static void mapper_done(struct mapper *m)
{
        json_decref(m->rec);
        json_decref(m->warnings);
        json_decref(m->emails);
        json_decref(m->phones);
        json_decref(m->urls);
        json_decref(m->tags);
        json_decref(m->extra);
        strbuf_done(&m->notes);
}

static void set_list(struct mapper *m, const char *key, json_t **list)
{
        if (json_array_size(*list) == 0)
                return;
        if (json_object_set_new_nocheck(m->rec, key, *list) < 0)
                m->error = -ENOMEM;
        *list = NULL;
}

/* {"type":"contact","line":N} (json_pack parses its format string each time: per card). */
static json_t *record_new(size_t line)
{
        json_t *o = json_object();

        if (o && (json_object_set_new_nocheck(o, "type", json_string_nocheck("contact")) < 0 ||
                  json_object_set_new_nocheck(o, "line", json_integer((json_int_t)line)) < 0)) {
                json_decref(o);
                return NULL;
        }
        return o;
}

int vcard_to_record(const struct vcard *card, json_t **ret_record, const char **ret_reason)
{
        _cleanup_(mapper_done) struct mapper m = {
            .rec = record_new(card->line),
            .warnings = json_array(),
            .emails = json_array(),
            .phones = json_array(),
            .urls = json_array(),
            .tags = json_array(),
            .extra = json_array(),
        };

        if (!m.rec || !m.warnings || !m.emails || !m.phones || !m.urls || !m.tags || !m.extra)
                return -ENOMEM;
        for (size_t i = 0; i < card->n_props && !m.error; i++)
                map_prop(&m, &card->props[i]);
        if (m.error)
                return m.error;

        if (m.n_prop) {
                /* N is written back as it came (4.0 form: escaped, line breaks as \n). */
                struct strbuf raw = {0};

                for (size_t i = 0; i < m.n_prop->value_len; i++) {
                        char c = m.n_prop->value[i];

                        if (c == '\n')
                                strbuf_puts(&raw, "\\n");
                        else if ((unsigned char)c >= 0x20 && c != 0x7f)
                                strbuf_putc(&raw, c);
                }
                if (raw.error)
                        return -ENOMEM;
                if (raw.len && raw.len <= FIELD_NAME_MAX * 2 &&
                    utf8_is_clean_text(raw.data, raw.len, false)) {
                        size_t semis = 0;

                        for (size_t i = 0; i < raw.len; i++)
                                semis += raw.data[i] == ';';
                        if (semis < 4 || raw.len > semis)
                                set_str(&m, "name_parts", raw.data);
                }
                strbuf_done(&raw);
        }
        if (!json_object_get(m.rec, "name")) {
                _cleanup_free_ char *name = NULL;
                const char *from = NULL;

                if (m.n_prop && name_from_n(m.n_prop, &name) < 0)
                        return -ENOMEM;
                if (name && *name)
                        from = name;
                else if (json_string_value(json_object_get(m.rec, "org")))
                        from = json_string_value(json_object_get(m.rec, "org"));
                else if (json_array_size(m.emails))
                        from = json_string_value(json_array_get(m.emails, 0));
                else if (json_array_size(m.phones))
                        from = json_string_value(json_array_get(m.phones, 0));
                if (!from || !*from) {
                        *ret_reason = "no name: the card has no FN, N, ORG, EMAIL or TEL";
                        return -EINVAL;
                }
                set_str(&m, "name", from);
        }
        {
                /* Names are what people are found by; keep them within the field limit. */
                _cleanup_free_ char *name =
                    strdup(json_string_value(json_object_get(m.rec, "name")));

                if (!name)
                        return -ENOMEM;
                if (utf8_truncate(name, FIELD_NAME_MAX)) {
                        warn(&m, "name cut to %d bytes", FIELD_NAME_MAX);
                        set_str(&m, "name", name);
                }
        }
        if (json_object_get(m.rec, "name_parts")) {
                struct strbuf d = {0};

                derive_n(json_string_value(json_object_get(m.rec, "name")), &d);
                if (d.error)
                        return -ENOMEM;
                if (streq(d.data, json_string_value(json_object_get(m.rec, "name_parts"))))
                        json_object_del(m.rec, "name_parts");
                strbuf_done(&d);
        }
        if (m.notes.error)
                return -ENOMEM;
        if (m.notes.len) {
                if (utf8_truncate(m.notes.data, FIELD_NOTE_MAX))
                        warn(&m, "note cut to %d bytes", FIELD_NOTE_MAX);
                set_str(&m, "notes", m.notes.data);
        }
        set_list(&m, "emails", &m.emails);
        set_list(&m, "phones", &m.phones);
        set_list(&m, "urls", &m.urls);
        set_list(&m, "tags", &m.tags);
        set_list(&m, "vcard", &m.extra);
        set_list(&m, "warnings", &m.warnings);
        if (m.error)
                return m.error;
        *ret_record = TAKE_PTR(m.rec);
        return 0;
}

/* ---- record → vCard 4.0 ---- */

static const char *jstr(json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

/* Add one property: name (with parameters) and an already escaped value. */
static void put_line(struct strbuf *out, struct strbuf *line, const char *name, const char *value)
{
        strbuf_reset(line);
        strbuf_puts(line, name);
        strbuf_putc(line, ':');
        strbuf_puts(line, value);
        if (line->error) {
                out->error = line->error;
                return;
        }
        strbuf_put_folded(out, line->data, line->len);
}

static void put_text(struct strbuf *out, struct strbuf *line, const char *name, const char *text)
{
        strbuf_reset(line);
        strbuf_puts(line, name);
        strbuf_putc(line, ':');
        strbuf_put_text(line, text, false);
        if (line->error) {
                out->error = line->error;
                return;
        }
        strbuf_put_folded(out, line->data, line->len);
}

/* Group and name of a raw line, and the unescaped contact value for EMAIL/TEL/URL. */
struct raw_line {
        const char *text;
        char group[64];
        char name[64];
        char *value; /* mapped value for EMAIL/TEL/URL, else NULL */
        bool keep;
};

static void raw_line_parse(struct raw_line *l)
{
        const char *s = l->text, *colon = NULL;
        size_t n = strcspn(s, ";:");
        const char *dot = memchr(s, '.', n);
        bool quoted = false;

        l->group[0] = l->name[0] = 0;
        if (dot) {
                snprintf(l->group, sizeof(l->group), "%.*s", (int)(dot - s), s);
                snprintf(l->name, sizeof(l->name), "%.*s", (int)(n - (size_t)(dot - s) - 1),
                         dot + 1);
        } else
                snprintf(l->name, sizeof(l->name), "%.*s", (int)n, s);
        for (char *c = l->name; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        for (const char *c = s + n; *c; c++) {
                if (*c == '"')
                        quoted = !quoted;
                else if (*c == ':' && !quoted) {
                        colon = c;
                        break;
                }
        }
        l->value = NULL;
        if (colon && (streq(l->name, "EMAIL") || streq(l->name, "TEL") || streq(l->name, "URL")))
                l->value = contact_value(l->name, colon + 1, strlen(colon + 1));
}

int vcard_write_record(struct strbuf *out, json_t *rec)
{
        _cleanup_(strbuf_donep) struct strbuf line = {0};
        json_t *extra = json_object_get(rec, "vcard"), *v;
        const char *name = jstr(rec, "name"), *s;
        struct raw_line *raw = NULL;
        size_t n_raw = json_array_size(extra), i;
        char buf[64];

        if (!name || !*name)
                return -EINVAL;
        raw = calloc(n_raw ? n_raw : 1, sizeof(*raw));
        if (!raw)
                return -ENOMEM;
        json_array_foreach(extra, i, v)
        {
                raw[i].text = json_string_value(v) ? json_string_value(v) : "";
                raw_line_parse(&raw[i]);
                raw[i].keep = true;
        }
        /* A raw EMAIL/TEL/URL line lives as long as its value is still on the contact; a
         * group whose main line went takes its labels with it. Values that were never valid
         * for tend stay. */
        for (i = 0; i < n_raw; i++) {
                json_t *list;
                bool valid;

                if (!raw[i].value)
                        continue;
                list = json_object_get(rec, streq(raw[i].name, "EMAIL") ? "emails"
                                            : streq(raw[i].name, "TEL") ? "phones"
                                                                        : "urls");
                valid = streq(raw[i].name, "EMAIL") ? email_ok(raw[i].value)
                        : streq(raw[i].name, "TEL") ? phone_ok(raw[i].value)
                                                    : url_ok(raw[i].value);
                if (valid && !list_has(list, raw[i].value, streq(raw[i].name, "EMAIL")))
                        raw[i].keep = false;
        }
        for (i = 0; i < n_raw; i++)
                if (!raw[i].keep && raw[i].group[0])
                        for (size_t k = 0; k < n_raw; k++)
                                if (strcasecmp(raw[k].group, raw[i].group) == 0)
                                        raw[k].keep = false;

        strbuf_puts(out,
                    "BEGIN:VCARD\r\nVERSION:4.0\r\nPRODID:-//tend//tend " TEND_VERSION "//EN\r\n");
        if ((s = jstr(rec, "uuid"))) {
                snprintf(buf, sizeof(buf), "urn:uuid:%s", s);
                put_line(out, &line, "UID", buf);
        }
        put_text(out, &line, "FN", name);
        if ((s = jstr(rec, "name_parts")))
                put_line(out, &line, "N", s);
        else {
                strbuf_reset(&line);
                strbuf_puts(&line, "N:");
                derive_n(name, &line);
                if (!line.error)
                        strbuf_put_folded(out, line.data, line.len);
        }
        {
                static const char *const lists[][2] = {
                    {"emails", "EMAIL"}, {"phones", "TEL"}, {"urls", "URL"}};

                for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
                        json_array_foreach(json_object_get(rec, lists[l][0]), i, v)
                        {
                                bool covered = false;

                                if (!json_string_value(v))
                                        continue;
                                for (size_t k = 0; k < n_raw && !covered; k++)
                                        covered =
                                            raw[k].keep && raw[k].value &&
                                            streq(raw[k].name, lists[l][1]) &&
                                            (l == 0 ? strcasecmp(raw[k].value,
                                                                 json_string_value(v)) == 0
                                                    : streq(raw[k].value, json_string_value(v)));
                                if (!covered)
                                        put_text(out, &line, lists[l][1], json_string_value(v));
                        }
                }
        }
        if ((s = jstr(rec, "org"))) {
                strbuf_reset(&line);
                strbuf_puts(&line, "ORG:");
                strbuf_put_text(&line, s, false);
                if (!line.error)
                        strbuf_put_folded(out, line.data, line.len);
        }
        if ((s = jstr(rec, "title")))
                put_text(out, &line, "TITLE", s);
        if ((s = jstr(rec, "notes")))
                put_text(out, &line, "NOTE", s);
        if (json_array_size(json_object_get(rec, "tags"))) {
                strbuf_reset(&line);
                strbuf_puts(&line, "CATEGORIES:");
                json_array_foreach(json_object_get(rec, "tags"), i, v)
                {
                        if (i)
                                strbuf_putc(&line, ',');
                        strbuf_put_text(&line, strempty(json_string_value(v)), false);
                }
                if (!line.error)
                        strbuf_put_folded(out, line.data, line.len);
        }
        if ((s = jstr(rec, "birthday"))) {
                /* 4.0 basic format: 19850412, or --0412 without a year. */
                char b[16];
                size_t k = 0;

                for (const char *c = s; *c && k < sizeof(b) - 1; c++)
                        if (*c != '-' || c < s + 2)
                                b[k++] = *c;
                b[k] = 0;
                put_line(out, &line, "BDAY", b);
        }
        for (size_t x = 0; x < ARRAY_SIZE(xtend); x++) {
                json_t *f = json_object_get(rec, xtend[x].key);

                if (!f)
                        continue;
                if (xtend[x].type == X_LIST) {
                        strbuf_reset(&line);
                        strbuf_printf(&line, "%s:", xtend[x].prop);
                        json_array_foreach(f, i, v)
                        {
                                if (i)
                                        strbuf_putc(&line, ',');
                                strbuf_put_text(&line, strempty(json_string_value(v)), false);
                        }
                        if (json_array_size(f) && !line.error)
                                strbuf_put_folded(out, line.data, line.len);
                } else if (xtend[x].type == X_INT && json_is_integer(f)) {
                        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(f));
                        put_line(out, &line, xtend[x].prop, buf);
                } else if (xtend[x].type == X_UUID && json_string_value(f)) {
                        snprintf(buf, sizeof(buf), "urn:uuid:%s", json_string_value(f));
                        put_line(out, &line, xtend[x].prop, buf);
                } else if (json_string_value(f))
                        put_text(out, &line, xtend[x].prop, json_string_value(f));
        }
        for (i = 0; i < n_raw; i++)
                if (raw[i].keep && raw[i].text[0])
                        strbuf_put_folded(out, raw[i].text, strlen(raw[i].text));
        if ((s = jstr(rec, "updated"))) {
                /* REV in basic format: 20250101T120000Z. */
                char b[32];
                size_t k = 0;

                for (const char *c = s; *c && k < sizeof(b) - 1; c++)
                        if (*c != '-' && *c != ':')
                                b[k++] = *c;
                b[k] = 0;
                put_line(out, &line, "REV", b);
        }
        strbuf_puts(out, "END:VCARD\r\n");
        for (i = 0; i < n_raw; i++)
                free(raw[i].value);
        free(raw);
        return out->error ? out->error : line.error;
}
