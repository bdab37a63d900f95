#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_done(struct strbuf *b)
{
        free(b->data);
        *b = (struct strbuf){0};
}

void strbuf_reset(struct strbuf *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = 0;
}

static bool strbuf_reserve(struct strbuf *b, size_t n)
{
        size_t cap;
        char *p;

        if (b->error)
                return false;
        if (n >= SIZE_MAX / 2 - b->len) {
                b->error = -ENOMEM;
                return false;
        }
        if (b->len + n + 1 <= b->cap)
                return true;
        cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
                cap *= 2;
        p = realloc(b->data, cap);
        if (!p) {
                b->error = -ENOMEM;
                return false;
        }
        b->data = p;
        b->cap = cap;
        return true;
}

void strbuf_append_slow(struct strbuf *b, const char *s, size_t n)
{
        if (!strbuf_reserve(b, n))
                return;
        if (n)
                memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = 0;
}

void strbuf_puts(struct strbuf *b, const char *s)
{
        strbuf_append(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                if (!b->error)
                        b->error = -EINVAL;
                return;
        }
        if (!strbuf_reserve(b, (size_t)n))
                return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

void strbuf_put_text(struct strbuf *b, const char *s, bool keep_comma)
{
        const char *run = s;

        for (; *s; s++) {
                const char *esc = NULL;

                switch (*s) {
                case '\\':
                        esc = "\\\\";
                        break;
                case ';':
                        esc = "\\;";
                        break;
                case ',':
                        esc = keep_comma ? NULL : "\\,";
                        break;
                case '\r':
                        esc = s[1] == '\n' ? "" : "\\n";
                        break;
                case '\n':
                        esc = "\\n";
                        break;
                }
                if (!esc)
                        continue;
                strbuf_append(b, run, (size_t)(s - run));
                strbuf_puts(b, esc);
                run = s + 1;
        }
        strbuf_append(b, run, (size_t)(s - run));
}

void strbuf_put_folded(struct strbuf *b, const char *line, size_t n)
{
        size_t pos = 0, room = STRBUF_FOLD_OCTETS;

        while (n - pos > room) {
                size_t cut = pos + room;

                /* Never cut before a continuation byte: that would split a sequence. */
                while (cut > pos && ((unsigned char)line[cut] & 0xc0) == 0x80)
                        cut--;
                if (cut == pos) /* cannot happen with valid UTF-8; keep going anyway */
                        cut = pos + room;
                strbuf_append(b, line + pos, cut - pos);
                strbuf_puts(b, "\r\n ");
                pos = cut;
                room = STRBUF_FOLD_OCTETS - 1; /* the leading space counts */
        }
        strbuf_append(b, line + pos, n - pos);
        strbuf_puts(b, "\r\n");
}
