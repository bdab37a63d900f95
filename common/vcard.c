/* vCard reading, the first layer: files into cards and properties (see vcard.h). */
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
