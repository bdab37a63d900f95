/* Records as escaped JSON lines, without jansson's dump (see jsonline.h). */
#include <errno.h>
#include <stdio.h>

#include "jsonline.h"

/* Deeper than this (never for tend's own records), values go through jansson's dump. */
#define DIRECT_DEPTH_MAX 16

void jsonline_escape(struct strbuf *b, const char *text, size_t len)
{
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *start = p;

                p += json_plain_run(p, (size_t)(end - p));
                strbuf_append(b, start, (size_t)(p - start));
                if (p == end)
                        break;
                if ((unsigned char)*p < 0x20)
                        strbuf_printf(b, "\\u%04x", (unsigned char)*p);
                else
                        strbuf_append(b, *p == '"' ? "\\\"" : "\\\\", 2);
                p++;
        }
}

void jsonline_put_string(struct strbuf *b, const char *s, size_t len)
{
        static const char hex[] = "0123456789ABCDEF";
        const char *p = s, *end = s + len;

        strbuf_append(b, "\\\"", 2);
        while (p < end) {
                const char *start = p;
                unsigned char c;

                p += json_plain_run(p, (size_t)(end - p));
                strbuf_append(b, start, (size_t)(p - start));
                if (p == end)
                        break;
                c = (unsigned char)*p++;
                switch (c) {
                case '"': /* \" inside, each escaped */
                        strbuf_append(b, "\\\\\\\"", 4);
                        break;
                case '\\': /* \\ inside */
                        strbuf_append(b, "\\\\\\\\", 4);
                        break;
                case '\b':
                        strbuf_append(b, "\\\\b", 3);
                        break;
                case '\f':
                        strbuf_append(b, "\\\\f", 3);
                        break;
                case '\n':
                        strbuf_append(b, "\\\\n", 3);
                        break;
                case '\r':
                        strbuf_append(b, "\\\\r", 3);
                        break;
                case '\t':
                        strbuf_append(b, "\\\\t", 3);
                        break;
                default: { /* \u00XX inside, as jansson writes it */
                        char seq[7] = {'\\', '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

                        strbuf_append(b, seq, sizeof(seq));
                        break;
                }
                }
        }
        strbuf_append(b, "\\\"", 2);
}

static int dump_escaped(const char *buffer, size_t size, void *data)
{
        jsonline_escape(data, buffer, size);
        return 0;
}

static int put_value(struct strbuf *b, const json_t *v, unsigned depth)
{
        char num[32];
        const char *key;
        json_t *item;
        size_t i;
        bool first = true;
        int r, n;

        switch (json_typeof(v)) {
        case JSON_STRING:
                jsonline_put_string(b, json_string_value(v), json_string_length(v));
                return 0;
        case JSON_INTEGER:
                n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                strbuf_append(b, num, (size_t)n);
                return 0;
        case JSON_TRUE:
                strbuf_append(b, "true", 4);
                return 0;
        case JSON_FALSE:
                strbuf_append(b, "false", 5);
                return 0;
        case JSON_NULL:
                strbuf_append(b, "null", 4);
                return 0;
        case JSON_ARRAY:
                if (depth >= DIRECT_DEPTH_MAX)
                        break;
                strbuf_putc(b, '[');
                json_array_foreach(v, i, item)
                {
                        if (i > 0)
                                strbuf_putc(b, ',');
                        r = put_value(b, item, depth + 1);
                        if (r < 0)
                                return r;
                }
                strbuf_putc(b, ']');
                return 0;
        case JSON_OBJECT:
                if (depth >= DIRECT_DEPTH_MAX)
                        break;
                strbuf_putc(b, '{');
                /* The iteration order is the one json_dumps uses without JSON_SORT_KEYS. */
                json_object_foreach((json_t *)v, key, item)
                {
                        if (!first)
                                strbuf_putc(b, ',');
                        first = false;
                        jsonline_put_string(b, key, strlen(key));
                        strbuf_putc(b, ':');
                        r = put_value(b, item, depth + 1);
                        if (r < 0)
                                return r;
                }
                strbuf_putc(b, '}');
                return 0;
        default: /* reals: jansson's own formatting */
                break;
        }
        if (json_dump_callback(v, dump_escaped, b, JSON_COMPACT | JSON_ENCODE_ANY) < 0)
                return -EINVAL;
        return 0;
}

int jsonline_put(struct strbuf *b, const json_t *v)
{
        int r = put_value(b, v, 0);

        if (r < 0)
                return r;
        return b->error ? -ENOMEM : 0;
}

int jsonline_put_sorted(struct strbuf *b, const json_t *v)
{
        if (json_dump_callback(v, dump_escaped, b,
                               JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) < 0)
                return -EINVAL;
        return b->error ? -ENOMEM : 0;
}
