/* See jsonfast.h. */
#include "jsonfast.h"

#include <stdint.h>
#include <string.h>

#include "util.h"

#define DEPTH_MAX   32  /* deeper than any tend message; jansson allows 2048 */
#define MEMBERS_MAX 64  /* keeps the work per object small */
#define KEY_MAX     127 /* longer keys are jansson's */

void json_lexer_done(struct json_lexer *x)
{
        strbuf_done(&x->tmp);
}

static void skip_space(struct json_lexer *x)
{
        while (x->p < x->end && (*x->p == ' ' || *x->p == '\n' || *x->p == '\t'))
                x->p++;
}

bool json_lex_char(struct json_lexer *x, char c)
{
        skip_space(x);
        if (x->p < x->end && *x->p == c) {
                x->p++;
                return true;
        }
        return false;
}

/* After the backslash: append what the escape stands for. false: declined. */
static bool lex_escape(struct json_lexer *x)
{
        uint32_t cp = 0;
        char u[3], c;

        if (x->p >= x->end)
                return false;
        c = *x->p++;
        if (c != 'u') {
                static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

                for (size_t i = 0; i < sizeof(from) - 1; i++)
                        if (from[i] == c) {
                                strbuf_putc(&x->tmp, to[i]);
                                return true;
                        }
                return false;
        }
        if (x->end - x->p < 4)
                return false;
        for (int i = 0; i < 4; i++) {
                int h = hex_digit_value(x->p[i]);

                if (h < 0)
                        return false;
                cp = cp << 4 | (uint32_t)h;
        }
        x->p += 4;
        /* NUL and surrogate pairs: jansson's business. */
        if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
                return false;
        if (cp < 0x80) {
                strbuf_putc(&x->tmp, (char)cp);
        } else if (cp < 0x800) {
                u[0] = (char)(0xc0 | cp >> 6);
                u[1] = (char)(0x80 | (cp & 0x3f));
                strbuf_append(&x->tmp, u, 2);
        } else {
                u[0] = (char)(0xe0 | cp >> 12);
                u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[2] = (char)(0x80 | (cp & 0x3f));
                strbuf_append(&x->tmp, u, 3);
        }
        return true;
}

bool json_lex_string(struct json_lexer *x)
{
        strbuf_reset(&x->tmp);
        if (!json_lex_char(x, '"'))
                return false;
        for (;;) {
                const char *start = x->p;

                /* Runs without quote, backslash or raw control character (JSON has none). */
                x->p += json_plain_run(x->p, (size_t)(x->end - x->p));
                strbuf_append(&x->tmp, start, (size_t)(x->p - start));
                if (x->p >= x->end || (uint8_t)*x->p < 0x20)
                        return false;
                if (*x->p++ == '"')
                        return !x->tmp.error;
                if (!lex_escape(x))
                        return false;
        }
}

static json_t *lex_string_value(struct json_lexer *x)
{
        if (!json_lex_string(x))
                return NULL;
        return json_stringn_nocheck(x->tmp.data ? x->tmp.data : "", x->tmp.len);
}

static json_t *lex_integer(struct json_lexer *x)
{
        const char *start = x->p;
        json_int_t v = 0;
        bool neg = x->p < x->end && *x->p == '-';
        size_t digits = 0;

        x->p += neg;
        while (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
                if (digits < 18) /* longer ones are declined below; no overflow on the way */
                        v = v * 10 + (*x->p - '0');
                x->p++;
                digits++;
        }
        /* No fractions, exponents, leading zeros or numbers near the limits. */
        if (digits == 0 || digits > 18 || (start[neg] == '0' && digits > 1) ||
            (x->p < x->end && (*x->p == '.' || *x->p == 'e' || *x->p == 'E')))
                return NULL;
        return json_integer(neg ? -v : v);
}

static bool lex_word(struct json_lexer *x, const char *w)
{
        size_t n = strlen(w);

        if ((size_t)(x->end - x->p) < n || memcmp(x->p, w, n) != 0)
                return false;
        x->p += n;
        return true;
}

static json_t *lex_array(struct json_lexer *x)
{
        _cleanup_(json_decrefp) json_t *a = json_array();

        if (!a)
                return NULL;
        if (json_lex_char(x, ']'))
                return TAKE_PTR(a);
        do {
                json_t *e = json_lex_value(x);

                if (!e || json_array_append_new(a, e) < 0)
                        return NULL;
        } while (json_lex_char(x, ','));
        return json_lex_char(x, ']') ? TAKE_PTR(a) : NULL;
}

static json_t *lex_object(struct json_lexer *x)
{
        _cleanup_(json_decrefp) json_t *o = json_object();
        size_t n = 0;

        if (!o)
                return NULL;
        if (json_lex_char(x, '}'))
                return TAKE_PTR(o);
        do {
                char key[KEY_MAX + 1];
                json_t *v;

                /* The key is copied out: reading the value reuses x->tmp. */
                if (n++ == MEMBERS_MAX || !json_lex_string(x) || x->tmp.len > KEY_MAX ||
                    memchr(x->tmp.data, 0, x->tmp.len))
                        return NULL;
                memcpy(key, x->tmp.data, x->tmp.len + 1);
                /* jansson refuses duplicates (JSON_REJECT_DUPLICATES): let it say so. */
                if (json_object_get(o, key) || !json_lex_char(x, ':'))
                        return NULL;
                v = json_lex_value(x);
                if (!v || json_object_set_new_nocheck(o, key, v) < 0)
                        return NULL;
        } while (json_lex_char(x, ','));
        return json_lex_char(x, '}') ? TAKE_PTR(o) : NULL;
}

json_t *json_lex_value(struct json_lexer *x)
{
        json_t *v = NULL;

        skip_space(x);
        if (x->p >= x->end)
                return NULL;
        switch (*x->p) {
        case '"':
                return lex_string_value(x);
        case '{':
        case '[':
                if (x->depth == DEPTH_MAX)
                        return NULL;
                x->depth++;
                v = *x->p++ == '{' ? lex_object(x) : lex_array(x);
                x->depth--;
                return v;
        case 't':
                return lex_word(x, "true") ? json_true() : NULL;
        case 'f':
                return lex_word(x, "false") ? json_false() : NULL;
        case 'n':
                return lex_word(x, "null") ? json_null() : NULL;
        default:
                if (*x->p == '-' || (*x->p >= '0' && *x->p <= '9'))
                        return lex_integer(x);
                return NULL;
        }
}

json_t *jsonfast_load(const char *buf, size_t len, json_error_t *err)
{
        json_t *v = json_fast_loadb(buf, len);

        return v ? v : json_loadb(buf, len, JSON_REJECT_DUPLICATES, err);
}

json_t *json_fast_loadb(const char *buf, size_t len)
{
        _cleanup_(json_lexer_done) struct json_lexer x = {.p = buf, .end = buf + len};
        _cleanup_(json_decrefp) json_t *v = NULL;

        if (!utf8_is_clean_text(buf, len, true))
                return NULL;
        skip_space(&x);
        if (x.p >= x.end || (*x.p != '{' && *x.p != '['))
                return NULL; /* jansson wants an object or array at the top */
        v = json_lex_value(&x);
        skip_space(&x);
        if (!v || x.p != x.end)
                return NULL;
        return TAKE_PTR(v);
}
