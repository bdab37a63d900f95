/* A growable text buffer for writers (vCard, iCalendar, JSON lines): appends never fail
 * individually; the first allocation failure sticks in ->error and later appends are ignored,
 * so a writer checks once at the end. Also the content-line helpers vCard and iCalendar share:
 * TEXT escaping and folding at 75 octets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util.h"

#define STRBUF_FOLD_OCTETS 75

struct strbuf {
        char *data; /* NUL-terminated while no error */
        size_t len;
        size_t cap;
        int error; /* 0 or -ENOMEM */
};

void strbuf_done(struct strbuf *b);

static inline void strbuf_donep(struct strbuf *b)
{
        strbuf_done(b);
}

/** Forget the contents but keep the allocation. */
void strbuf_reset(struct strbuf *b);

/* The growing path of strbuf_append and strbuf_putc. */
void strbuf_append_slow(struct strbuf *b, const char *s, size_t n);

/* Inline for the common case, room already there: writers append a few bytes at a time (a
 * JSON escape, a run between two quotes), millions of times in a big import. */
static inline void strbuf_append(struct strbuf *b, const char *s, size_t n)
{
        if (n < b->cap - b->len && !b->error) { /* cap > len whenever data exists */
                if (n)
                        memcpy(b->data + b->len, s, n);
                b->len += n;
                b->data[b->len] = 0;
                return;
        }
        strbuf_append_slow(b, s, n);
}

static inline void strbuf_putc(struct strbuf *b, char c)
{
        strbuf_append(b, &c, 1);
}
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);

/** Append s escaped as a vCard/iCalendar TEXT value: backslash, ';' and ',' get a backslash,
 * a line break becomes "\n" (CR LF, CR and LF alike). With keep_comma, ',' is not escaped. */
void strbuf_put_text(struct strbuf *b, const char *s, bool keep_comma);

/** Append one content line (without line ending) folded for vCard/iCalendar: at most 75
 * octets per physical line, continuation lines start with one space, a fold never splits a
 * UTF-8 sequence; every physical line ends with CR LF. */
void strbuf_put_folded(struct strbuf *b, const char *line, size_t n);
