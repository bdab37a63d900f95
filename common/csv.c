#include "csv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "strbuf.h"
#include "util.h"

struct row {
        struct strbuf field;
        char *fields[CSV_FIELDS_MAX];
        size_t n;
        bool too_wide, too_long;
};

static void row_clear(struct row *r)
{
        for (size_t i = 0; i < r->n; i++)
                free(r->fields[i]);
        r->n = 0;
        r->too_wide = r->too_long = false;
        strbuf_reset(&r->field);
}

static int row_end_field(struct row *r)
{
        char *f;

        if (r->n >= CSV_FIELDS_MAX) {
                r->too_wide = true;
                strbuf_reset(&r->field);
                return 0;
        }
        if (r->field.error)
                return r->field.error;
        f = strndup(r->field.data ? r->field.data : "", r->field.len);
        if (!f)
                return -ENOMEM;
        r->fields[r->n++] = f;
        strbuf_reset(&r->field);
        return 0;
}

static void field_putc(struct row *r, char c)
{
        if (r->field.len >= CSV_FIELD_MAX) {
                r->too_long = true;
                return;
        }
        strbuf_putc(&r->field, c);
}

int csv_parse(const char *data, size_t len, const struct csv_callbacks *cb, void *userdata)
{
        struct row row = {0};
        size_t i = 0, line = 1, row_line = 1;
        bool quoted = false, was_quoted = false, any = false;
        int r = 0;

        if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
                i = 3;
        for (; i <= len; i++) {
                char c = i < len ? data[i] : '\n';
                bool eol;

                if (i == len && !any && row.n == 0)
                        break;
                if (quoted) {
                        if (i == len) {
                                r = cb->error
                                        ? cb->error(row_line, "unterminated quoted field", userdata)
                                        : 0;
                                break;
                        }
                        if (c == '"') {
                                if (i + 1 < len && data[i + 1] == '"') {
                                        field_putc(&row, '"');
                                        i++;
                                } else
                                        quoted = false;
                        } else {
                                if (c == '\n')
                                        line++;
                                if (c == '\r' && i + 1 < len && data[i + 1] == '\n')
                                        continue; /* CR LF inside a field is one line break */
                                field_putc(&row, c == '\r' ? '\n' : c);
                        }
                        continue;
                }
                eol = c == '\n' || c == '\r';
                if (c == '\r' && i + 1 < len && data[i + 1] == '\n')
                        i++;
                if (c == ',' || eol) {
                        r = row_end_field(&row);
                        if (r < 0)
                                break;
                        was_quoted = false;
                        any = false;
                        if (!eol)
                                continue;
                        line++;
                        if (row.too_wide || row.too_long)
                                r = cb->error ? cb->error(row_line,
                                                          row.too_wide ? "too many fields"
                                                                       : "field too long",
                                                          userdata)
                                              : 0;
                        else if (!(row.n == 1 && row.fields[0][0] == 0) && cb->row)
                                r = cb->row(row.fields, row.n, row_line, i + 1 < len ? i + 1 : len,
                                            userdata);
                        row_clear(&row);
                        row_line = line;
                        if (r < 0)
                                break;
                        continue;
                }
                any = true;
                if (c == '"' && row.field.len == 0 && !was_quoted) {
                        quoted = was_quoted = true;
                        continue;
                }
                field_putc(&row, c);
        }
        row_clear(&row);
        strbuf_done(&row.field);
        return r < 0 ? r : 0;
}

int linkedin_date_parse(const char *s, char ret[static 11])
{
        static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                             "jul", "aug", "sep", "oct", "nov", "dec"};
        unsigned d = 0, m = 0, y = 0;
        char mon[16];
        int n = 0;

        while (*s == ' ')
                s++;
        if (sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) == 3 && n == 10) {
                /* ISO */
        } else if (sscanf(s, "%2u/%2u/%4u%n", &m, &d, &y, &n) == 3) {
                /* US style, as some exports write it */
        } else if (sscanf(s, "%2u %15[A-Za-z] %4u%n", &d, mon, &y, &n) == 3) {
                m = 0;
                for (unsigned k = 0; k < 12; k++)
                        if (strncasecmp(mon, months[k], 3) == 0)
                                m = k + 1;
        } else
                return -EINVAL;
        if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
                return -EINVAL;
        snprintf(ret, 11, "%04u-%02u-%02u", y % 10000u, m % 100u, d % 100u);
        return 0;
}

enum col {
        COL_FIRST,
        COL_LAST,
        COL_URL,
        COL_EMAIL,
        COL_COMPANY,
        COL_POSITION,
        COL_CONNECTED,
        _COL_MAX,
};

static const char *const col_names[_COL_MAX][3] = {
    [COL_FIRST] = {"First Name", NULL},
    [COL_LAST] = {"Last Name", NULL},
    [COL_URL] = {"URL", "Profile URL", NULL},
    [COL_EMAIL] = {"Email Address", "E-mail Address", "Email"},
    [COL_COMPANY] = {"Company", NULL},
    [COL_POSITION] = {"Position", NULL},
    [COL_CONNECTED] = {"Connected On", NULL},
};

struct linkedin_reader {
        const struct linkedin_callbacks *cb;
        void *userdata;
        int col[_COL_MAX];
        bool header;
};

static char *trim(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
                *--e = 0;
        return s;
}

static bool find_header(struct linkedin_reader *lr, char **fields, size_t n)
{
        for (int c = 0; c < _COL_MAX; c++)
                lr->col[c] = -1;
        for (size_t i = 0; i < n; i++) {
                const char *f = trim(fields[i]);

                for (int c = 0; c < _COL_MAX; c++)
                        for (int k = 0; k < 3 && col_names[c][k]; k++)
                                if (lr->col[c] < 0 && strcasecmp(f, col_names[c][k]) == 0)
                                        lr->col[c] = (int)i;
        }
        return lr->col[COL_FIRST] >= 0 && lr->col[COL_LAST] >= 0;
}

static const char *col(struct linkedin_reader *lr, char **fields, size_t n, enum col c)
{
        if (lr->col[c] < 0 || (size_t)lr->col[c] >= n)
                return "";
        return trim(fields[lr->col[c]]);
}

/* Single-line text: line breaks and controls become spaces. */
static char *flatten(char *s)
{
        for (char *p = s; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = ' ';
        return trim(s);
}

static int set_text(json_t *rec, const char *key, const char *s, size_t max)
{
        _cleanup_free_ char *copy = strdup(s);
        size_t len;

        if (!copy)
                return -ENOMEM;
        flatten(copy);
        len = strlen(copy);
        if (len > max) {
                len = max;
                while (len > 0 && ((unsigned char)copy[len] & 0xc0) == 0x80)
                        len--;
                copy[len] = 0;
        }
        if (!*copy || !utf8_is_clean_text(copy, strlen(copy), false))
                return 0;
        return json_object_set_new(rec, key, json_string(copy)) < 0 ? -ENOMEM : 0;
}

static int set_one(json_t *rec, const char *key, const char *s)
{
        json_t *a;

        if (!*s || strchr(s, ' ') || !utf8_is_clean_text(s, strlen(s), false))
                return 0;
        a = json_pack("[s]", s);
        return !a || json_object_set_new(rec, key, a) < 0 ? -ENOMEM : 0;
}

static int li_row(char **fields, size_t n, size_t line, size_t end, void *userdata)
{
        struct linkedin_reader *lr = userdata;
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_free_ char *name = NULL;
        char first[FIELD_NAME_MAX + 1], last[FIELD_NAME_MAX + 1], date[11];
        const char *email, *connected;
        int r;

        if (!lr->header) {
                lr->header = find_header(lr, fields, n);
                return 0; /* the notes before the header, or the header itself */
        }
        snprintf(first, sizeof(first), "%s", col(lr, fields, n, COL_FIRST));
        snprintf(last, sizeof(last), "%s", col(lr, fields, n, COL_LAST));
        flatten(first);
        flatten(last);
        if (!*first && !*last)
                return lr->cb->error ? lr->cb->error(line, "no name (a deleted or hidden member?)",
                                                     lr->userdata)
                                     : 0;
        if (asprintf(&name, "%s%s%s", first, *first && *last ? " " : "", last) < 0)
                return -ENOMEM;
        rec = json_pack("{s:s,s:I}", "type", "contact", "line", (json_int_t)line);
        if (!rec)
                return -ENOMEM;
        if ((r = set_text(rec, "name", trim(name), FIELD_NAME_MAX)) < 0)
                return r;
        if (!json_object_get(rec, "name"))
                return lr->cb->error
                           ? lr->cb->error(line, "the name is not valid text", lr->userdata)
                           : 0;
        if (!*last || strchr(last, ' ')) {
                /* Only when the display name alone would split differently (vcard.c derives
                 * N from the last word). */
                struct strbuf np = {0};

                strbuf_put_text(&np, last, false);
                strbuf_putc(&np, ';');
                strbuf_put_text(&np, first, false);
                strbuf_puts(&np, ";;;");
                if (np.error)
                        return -ENOMEM;
                r = set_text(rec, "name_parts", np.data, FIELD_NAME_MAX * 2);
                strbuf_done(&np);
                if (r < 0)
                        return r;
        }
        email = col(lr, fields, n, COL_EMAIL);
        if ((r = set_one(rec, "urls", col(lr, fields, n, COL_URL))) < 0 ||
            (r = set_one(rec, "emails", strchr(email, '@') ? email : "")) < 0 ||
            (r = set_text(rec, "org", col(lr, fields, n, COL_COMPANY), FIELD_NAME_MAX)) < 0 ||
            (r = set_text(rec, "title", col(lr, fields, n, COL_POSITION), FIELD_NAME_MAX)) < 0)
                return r;
        connected = col(lr, fields, n, COL_CONNECTED);
        if (*connected) {
                char how[64];

                if (linkedin_date_parse(connected, date) == 0)
                        snprintf(how, sizeof(how), "LinkedIn, connected %s", date);
                else
                        snprintf(how, sizeof(how), "LinkedIn");
                if ((r = set_text(rec, "how_met", how, FIELD_NAME_MAX)) < 0)
                        return r;
        } else if ((r = set_text(rec, "how_met", "LinkedIn", FIELD_NAME_MAX)) < 0)
                return r;
        return lr->cb->record ? lr->cb->record(rec, end, lr->userdata) : 0;
}

static int li_error(size_t line, const char *reason, void *userdata)
{
        struct linkedin_reader *lr = userdata;

        return lr->cb->error ? lr->cb->error(line, reason, lr->userdata) : 0;
}

int linkedin_parse(const char *data, size_t len, const struct linkedin_callbacks *cb,
                   void *userdata, const char **ret_reason)
{
        struct linkedin_reader lr = {.cb = cb, .userdata = userdata};
        const struct csv_callbacks ccb = {.row = li_row, .error = li_error};
        int r;

        r = csv_parse(data, len, &ccb, &lr);
        if (r < 0)
                return r;
        if (!lr.header) {
                *ret_reason = "no header row with 'First Name' and 'Last Name' columns";
                return -EINVAL;
        }
        return 0;
}

static int detect_row(char **fields, size_t n, size_t line, size_t end, void *userdata)
{
        struct linkedin_reader *lr = userdata;

        if (find_header(lr, fields, n)) {
                lr->header = true;
                return -ECANCELED;
        }
        return line > 20 ? -ECANCELED : 0;
}

bool linkedin_detect(const char *data, size_t len)
{
        struct linkedin_reader lr = {0};
        const struct csv_callbacks ccb = {.row = detect_row};

        /* Only the start of the file matters. */
        csv_parse(data, len < 16384 ? len : 16384, &ccb, &lr);
        return lr.header;
}
