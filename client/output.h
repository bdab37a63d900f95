/* Output for people and for programs: aligned tables, colour, relative due dates, JSON. */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum output_style {
        OUTPUT_PLAIN,
        OUTPUT_BOLD,
        OUTPUT_DIM,
        OUTPUT_RED,    /* overdue */
        OUTPUT_YELLOW, /* due within a day */
        _OUTPUT_STYLE_MAX,
        _OUTPUT_STYLE_INVALID = -EINVAL,
};

/** Whether to colour a stream: only a terminal, only when NO_COLOR is unset or empty, and never
 * when TERM is "dumb". The environment values are passed in (NULL = unset). */
bool output_color_wanted(bool is_tty, const char *no_color, const char *term);

/** Columns s takes on a terminal: UTF-8 decoded, each code point counted by wcwidth(3) in the
 * current locale, as 1 when the locale does not know it; invalid bytes count 1 each. */
size_t output_text_width(const char *s);

/* output_wrapped leaves at least this many columns for text on a line, even past width. */
#define OUTPUT_WRAP_MIN 20

/** Write text, which starts at column col of the current line, so that no line passes column
 * width (or col + OUTPUT_WRAP_MIN when that is further): words move to a new line indented by
 * col spaces; a word longer than a line stays whole; the text's own line breaks are kept and
 * indented the same way. width 0 does not wrap. No final newline. */
void output_wrapped(FILE *f, bool color, enum output_style style, const char *text, size_t col,
                    size_t width);

/** one when n is 1, else many: "1 follow-up", "2 follow-ups". */
static inline const char *output_plural(long long n, const char *one, const char *many)
{
        return n == 1 ? one : many;
}

/** Write s to f, wrapped in the style's escape sequence when color is true. */
void output_styled(FILE *f, bool color, enum output_style style, const char *s);

/** Wording of a follow-up date against now in local calendar days: "in 2 days", "tomorrow",
 * "due today", "1 day overdue", "3 days overdue" (time_format_days, TIME_DAYS_DUE). Returns buf. */
char *output_format_due(int64_t due, int64_t now, char *buf, size_t size);

/** How urgent a follow-up looks: red when due now or overdue, yellow later today or tomorrow, else
 * plain. */
enum output_style output_due_style(int64_t due, int64_t now);

/** Local date without the time, "Tue 2026-12-01". Returns buf. */
char *output_format_date(int64_t t, char *buf, size_t size);

/** Short network names ("op", "pe", "st") of a JSON array of network names, comma-joined, into
 * buf. Unknown names are kept as they are. Returns buf. */
char *output_format_networks(json_t *networks, bool full, char *buf, size_t size);

/** Print v as JSON indented by two spaces, then a newline. Returns 0 or -EIO. */
int output_json(FILE *f, json_t *v);

struct output_column {
        const char *header; /* NULL in the first column: print no header row */
        bool right;         /* right-aligned (numbers) */
};

struct output_table;

/** A table of n columns; columns is copied by reference and must outlive the table. */
struct output_table *output_table_new(const struct output_column *columns, size_t n);

/** Free a table; accepts NULL. Returns NULL. */
struct output_table *output_table_free(struct output_table *t);

static inline void output_table_freep(struct output_table **t)
{
        output_table_free(*t);
}

/** Append the next cell (rows fill left to right); text NULL is printed as "—". Returns 0 or
 * -ENOMEM. */
int output_table_add(struct output_table *t, const char *text, enum output_style style);

/** Append a formatted cell. */
int output_table_addf(struct output_table *t, enum output_style style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Indent every printed line by n spaces (default 0). */
void output_table_set_indent(struct output_table *t, size_t n);

/** Rows added so far (complete or not). */
size_t output_table_rows(const struct output_table *t);

/** Print the header (bold) and rows, columns separated by two spaces and padded to the widest
 * cell by display width; the last column is not padded and, when wrap > 0, wraps at column wrap
 * under its own start (output_wrapped). Styles only when color. */
void output_table_print(const struct output_table *t, FILE *f, bool color, size_t wrap);

/** Print a table that comes in pieces (a streamed list): like output_table_print, with the
 * header only when header, and each column at least widths[c] wide; widths (one per column,
 * zero at first, kept by the caller across pieces) grows to this piece's cells, so columns
 * only ever widen from one piece to the next. */
void output_table_print_piece(const struct output_table *t, FILE *f, bool color, size_t wrap,
                              size_t *widths, bool header);
