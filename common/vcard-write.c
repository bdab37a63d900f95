/* vCard 4.0 writing of a contact record (see vcard.h). */
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
#include "vcard-internal.h"

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

static void put_json(struct strbuf *out, struct strbuf *line, const char *name, json_t *v)
{
        _cleanup_free_ char *text =
            json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_ESCAPE_SLASH);

        if (!text) {
                out->error = -ENOMEM;
                return;
        }
        put_text(out, line, name, text);
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
                l->value = vcard_contact_value(l->name, colon + 1, strlen(colon + 1));
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
                valid = streq(raw[i].name, "EMAIL") ? vcard_email_ok(raw[i].value)
                        : streq(raw[i].name, "TEL") ? vcard_phone_ok(raw[i].value)
                                                    : vcard_url_ok(raw[i].value);
                if (valid && !vcard_list_has(list, raw[i].value, streq(raw[i].name, "EMAIL")))
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
                vcard_derive_n(name, &line);
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
        /* Important dates: anniversaries as ANNIVERSARY, the others as X-TEND-DATE. */
        json_array_foreach(json_object_get(rec, "dates"), i, v)
        {
                const char *label = jstr(v, "label"), *date = jstr(v, "date");
                char b[16];
                size_t k = 0;

                if (!label || !date)
                        continue;
                for (const char *c = date; *c && k < sizeof(b) - 1; c++)
                        if (*c != '-' || c < date + 2)
                                b[k++] = *c;
                b[k] = 0;
                if (streq(label, "anniversary") && json_is_true(json_object_get(v, "yearly")) &&
                    json_integer_value(json_object_get(v, "remind_days")) == 0) {
                        put_line(out, &line, "ANNIVERSARY", b);
                        continue;
                }
                strbuf_reset(&line);
                strbuf_puts(&line, "X-TEND-DATE:");
                strbuf_put_text(&line, label, false);
                strbuf_printf(&line, ";%s;%d;%lld", date,
                              json_is_true(json_object_get(v, "yearly")) ? 1 : 0,
                              (long long)json_integer_value(json_object_get(v, "remind_days")));
                if (line.error)
                        out->error = line.error;
                else
                        strbuf_put_folded(out, line.data, line.len);
        }
        for (size_t x = 0; x < VCARD_XTEND_N; x++) {
                json_t *f = json_object_get(rec, vcard_xtend[x].key);

                if (!f)
                        continue;
                if (vcard_xtend[x].type == VCARD_X_LIST) {
                        strbuf_reset(&line);
                        strbuf_printf(&line, "%s:", vcard_xtend[x].prop);
                        json_array_foreach(f, i, v)
                        {
                                if (i)
                                        strbuf_putc(&line, ',');
                                strbuf_put_text(&line, strempty(json_string_value(v)), false);
                        }
                        if (json_array_size(f) && !line.error)
                                strbuf_put_folded(out, line.data, line.len);
                } else if (vcard_xtend[x].type == VCARD_X_JSON) {
                        put_json(out, &line, vcard_xtend[x].prop, f);
                } else if (vcard_xtend[x].type == VCARD_X_JSON_EACH) {
                        json_array_foreach(f, i, v) put_json(out, &line, vcard_xtend[x].prop, v);
                } else if (vcard_xtend[x].type == VCARD_X_INT && json_is_integer(f)) {
                        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(f));
                        put_line(out, &line, vcard_xtend[x].prop, buf);
                } else if (vcard_xtend[x].type == VCARD_X_UUID && json_string_value(f)) {
                        snprintf(buf, sizeof(buf), "urn:uuid:%s", json_string_value(f));
                        put_line(out, &line, vcard_xtend[x].prop, buf);
                } else if (json_string_value(f))
                        put_text(out, &line, vcard_xtend[x].prop, json_string_value(f));
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
