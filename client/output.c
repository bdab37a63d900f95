#include "output.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "model.h"
#include "timeutil.h"
#include "util.h"

#define NONE_MARK "—"

bool output_color_wanted(bool is_tty, const char *no_color, const char *term)
{
        if (!is_tty)
                return false;
        if (no_color && no_color[0])
                return false;
        if (term && streq(term, "dumb"))
                return false;
        return true;
}

/* Decode one UTF-8 sequence at s; returns its length (1 for an invalid byte, *cp = -1). */
static size_t utf8_decode(const unsigned char *s, int32_t *cp)
{
        unsigned char c = s[0];
        size_t len;
        int32_t v, min;

        if (c < 0x80) {
                *cp = c;
                return 1;
        }
        if (c >= 0xc2 && c <= 0xdf) {
                len = 2, v = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
                len = 3, v = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4, v = c & 0x07, min = 0x10000;
        } else {
                *cp = -1;
                return 1;
        }
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80) {
                        *cp = -1;
                        return 1;
                }
                v = (v << 6) | (s[i] & 0x3f);
        }
        if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
                *cp = -1;
                return 1;
        }
        *cp = v;
        return len;
}

size_t output_text_width(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t width = 0;

        while (*p) {
                int32_t cp;
                int w;

                p += utf8_decode(p, &cp);
                if (cp < 0) {
                        width++;
                        continue;
                }
                w = wcwidth((wchar_t)cp);
                if (w < 0)
                        w = cp < 0x20 || cp == 0x7f ? 0 : 1;
                width += (size_t)w;
        }
        return width;
}

static const char *const style_codes[_OUTPUT_STYLE_MAX] = {
    [OUTPUT_PLAIN] = NULL,       [OUTPUT_BOLD] = "\033[1m",    [OUTPUT_DIM] = "\033[2m",
    [OUTPUT_RED] = "\033[1;31m", [OUTPUT_YELLOW] = "\033[33m",
};

void output_styled(FILE *f, bool color, enum output_style style, const char *s)
{
        const char *code = NULL;

        if (color && style >= 0 && style < _OUTPUT_STYLE_MAX)
                code = style_codes[style];
        if (code)
                fprintf(f, "%s%s\033[0m", code, s);
        else
                fputs(s, f);
}

char *output_format_due(int64_t due, int64_t now, char *buf, size_t size)
{
        return time_format_days(due, now, TIME_DAYS_DUE, buf, size);
}

enum output_style output_due_style(int64_t due, int64_t now)
{
        if (due <= now)
                return OUTPUT_RED;
        if (time_days_between(now, due) <= 1)
                return OUTPUT_YELLOW;
        return OUTPUT_PLAIN;
}

char *output_format_date(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (size == 0)
                return buf;
        if (!localtime_r(&tt, &tm) || strftime(buf, size, "%a %Y-%m-%d", &tm) == 0)
                snprintf(buf, size, "?");
        return buf;
}

char *output_format_networks(json_t *networks, bool full, char *buf, size_t size)
{
        size_t i, used = 0;
        json_t *v;

        if (size == 0)
                return buf;
        buf[0] = 0;
        json_array_foreach(networks, i, v)
        {
                const char *name = json_string_value(v);
                int n;

                if (!name)
                        continue;
                if (full || network_from_string(name) == _NETWORK_INVALID)
                        n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", name);
                else
                        n = snprintf(buf + used, size - used, "%s%.2s", used ? "," : "", name);
                if (n < 0 || (size_t)n >= size - used)
                        break;
                used += (size_t)n;
        }
        return buf;
}

int output_json(FILE *f, json_t *v)
{
        if (json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY) < 0)
                return -EIO;
        if (fputc('\n', f) == EOF)
                return -EIO;
        return 0;
}

struct cell {
        char *text;
        enum output_style style;
};

struct output_table {
        const struct output_column *columns;
        size_t n_columns;
        struct cell *cells;
        size_t n_cells;
        size_t cap;
        size_t indent;
};

struct output_table *output_table_new(const struct output_column *columns, size_t n)
{
        struct output_table *t;

        if (n == 0)
                return NULL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->columns = columns;
        t->n_columns = n;
        return t;
}

struct output_table *output_table_free(struct output_table *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i].text);
        free(t->cells);
        free(t);
        return NULL;
}

static int table_push(struct output_table *t, char *text, enum output_style style)
{
        if (t->n_cells == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 64;
                struct cell *cells = realloc(t->cells, cap * sizeof(*cells));

                if (!cells) {
                        free(text);
                        return -ENOMEM;
                }
                t->cells = cells;
                t->cap = cap;
        }
        t->cells[t->n_cells++] = (struct cell){.text = text, .style = style};
        return 0;
}

int output_table_add(struct output_table *t, const char *text, enum output_style style)
{
        char *copy = strdup(text ? text : NONE_MARK);

        if (!copy)
                return -ENOMEM;
        if (!text && style == OUTPUT_PLAIN)
                style = OUTPUT_DIM;
        return table_push(t, copy, style);
}

int output_table_addf(struct output_table *t, enum output_style style, const char *fmt, ...)
{
        char *text;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return table_push(t, text, style);
}

void output_table_set_indent(struct output_table *t, size_t n)
{
        t->indent = n;
}

size_t output_table_rows(const struct output_table *t)
{
        return (t->n_cells + t->n_columns - 1) / t->n_columns;
}

static void pad(FILE *f, size_t n)
{
        while (n-- > 0)
                fputc(' ', f);
}

/* Print one cell. Padding is owed in *pending and only written before visible text, so no
 * line ends in blanks. */
/* Width of the n bytes at s on a terminal. */
static size_t span_width(const char *s, size_t n)
{
        _cleanup_free_ char *copy = strndup(s, n);

        return copy ? output_text_width(copy) : n;
}

static void styled_span(FILE *f, bool color, enum output_style style, const char *s, size_t n)
{
        _cleanup_free_ char *copy = strndup(s, n);

        if (copy)
                output_styled(f, color, style, copy);
}

/* One line of text (no '\n'), greedily filled: words move to a new line, indented by col, when
 * they would pass width. A word longer than a whole line stays whole. */
static void wrap_line(FILE *f, bool color, enum output_style style, const char *s, size_t n,
                      size_t col, size_t width)
{
        size_t at = col, pos = 0;
        bool first = true;

        while (pos < n) {
                size_t gap = pos, word, wlen, ww;

                while (pos < n && s[pos] == ' ')
                        pos++;
                word = pos;
                while (pos < n && s[pos] != ' ')
                        pos++;
                wlen = pos - word;
                if (wlen == 0) { /* trailing blanks: keep them, they are the user's */
                        styled_span(f, color, style, s + gap, pos - gap);
                        break;
                }
                ww = span_width(s + word, wlen);
                if (!first && at + (word - gap) + ww > width) {
                        fputc('\n', f);
                        pad(f, col);
                        at = col;
                } else {
                        styled_span(f, color, style, s + gap, word - gap);
                        at += span_width(s + gap, word - gap);
                }
                styled_span(f, color, style, s + word, wlen);
                at += ww;
                first = false;
        }
}

void output_wrapped(FILE *f, bool color, enum output_style style, const char *text, size_t col,
                    size_t width)
{
        const char *s = text;

        for (;;) {
                size_t len = strcspn(s, "\n");

                if (width > 0) /* at least OUTPUT_WRAP_MIN columns of text a line */
                        wrap_line(f, color, style, s, len, col,
                                  width > col + OUTPUT_WRAP_MIN ? width : col + OUTPUT_WRAP_MIN);
                else
                        styled_span(f, color, style, s, len);
                if (!s[len])
                        break;
                s += len + 1;
                fputc('\n', f);
                pad(f, col);
        }
}

static void print_cell(FILE *f, bool color, const char *text, enum output_style style, size_t width,
                       bool right, size_t *pending)
{
        size_t w = output_text_width(text);
        size_t fill = width > w ? width - w : 0;

        if (right)
                *pending += fill;
        if (text[0]) {
                pad(f, *pending);
                *pending = 0;
                output_styled(f, color, style, text);
        }
        if (!right)
                *pending += fill;
}

/* The last column, when wrap is set, wraps under its own start. */
static void print_row(const struct output_table *t, FILE *f, bool color, const size_t *width,
                      size_t row, size_t wrap)
{
        size_t pending = t->indent, col = t->indent;

        for (size_t c = 0; c < t->n_columns; c++) {
                size_t i = row * t->n_columns + c;
                bool last = c + 1 == t->n_columns;

                if (c > 0) {
                        pending += 2;
                        col += 2;
                }
                if (row == SIZE_MAX)
                        print_cell(f, color, t->columns[c].header, OUTPUT_BOLD, width[c],
                                   t->columns[c].right, &pending);
                else if (i < t->n_cells && last && wrap > 0 && !t->columns[c].right &&
                         t->cells[i].text[0]) {
                        pad(f, pending);
                        output_wrapped(f, color, t->cells[i].style, t->cells[i].text, col, wrap);
                } else if (i < t->n_cells)
                        print_cell(f, color, t->cells[i].text, t->cells[i].style, width[c],
                                   t->columns[c].right, &pending);
                else
                        pending += width[c];
                col += width[c];
        }
        fputc('\n', f);
}

void output_table_print_piece(const struct output_table *t, FILE *f, bool color, size_t wrap,
                              size_t *widths, bool header)
{
        size_t n = t->n_columns, rows = output_table_rows(t);

        header = header && t->columns[0].header != NULL;
        for (size_t c = 0; c < n; c++)
                if (header && output_text_width(t->columns[c].header) > widths[c])
                        widths[c] = output_text_width(t->columns[c].header);
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t w = output_text_width(t->cells[i].text);

                if (w > widths[i % n])
                        widths[i % n] = w;
        }

        if (header)
                print_row(t, f, color, widths, SIZE_MAX, wrap);
        for (size_t r = 0; r < rows; r++)
                print_row(t, f, color, widths, r, wrap);
}

void output_table_print(const struct output_table *t, FILE *f, bool color, size_t wrap)
{
        size_t *widths = calloc(t->n_columns, sizeof(size_t));

        if (!widths)
                return;
        output_table_print_piece(t, f, color, wrap, widths, true);
        free(widths);
}
