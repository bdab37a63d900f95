/* vCard reading, the second layer: one card onto tend's contact record, with the birthday and
 * UID rules it needs (see vcard.h). */
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

#define WARNINGS_MAX 16

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

/* An important date: ANNIVERSARY (a yearly "anniversary") or tend's X-TEND-DATE
 * (label;date;yearly;remind days), appended to the record's "dates" with the next id. Returns 1
 * when mapped, 0 when it is not a date tend reads (kept raw then), -ENOMEM. */
static int map_date(struct mapper *m, const struct vcard_prop *p, bool anniversary)
{
        _cleanup_strv_ char **v = NULL;
        json_t *dates = json_object_get(m->rec, "dates"), *d;
        const char *label = "anniversary", *value;
        char date[11];
        long remind = 0;
        bool yearly = true;

        if (vcard_split(p->value, p->value_len, anniversary ? 0 : ';', &v) < 0) {
                m->error = -ENOMEM;
                return -ENOMEM;
        }
        if (!v || !v[0])
                return 0;
        value = v[0];
        if (!anniversary) {
                if (!v[1] || !*v[0] || strlen(v[0]) > DATE_LABEL_MAX ||
                    !utf8_is_clean_text(v[0], strlen(v[0]), false))
                        return 0;
                label = v[0];
                value = v[1];
                yearly = v[2] && streq(v[2], "1");
                remind = v[2] && v[3] ? strtol(v[3], NULL, 10) : 0;
                if (remind < 0 || remind > DATE_REMIND_MAX_DAYS)
                        remind = 0;
        }
        if (vcard_birthday_normalize(value, false, date) < 0 ||
            json_array_size(dates) >= CONTACT_DATES_MAX)
                return 0;
        if (!dates) {
                dates = json_array();
                if (!dates || json_object_set_new(m->rec, "dates", dates) < 0) {
                        m->error = -ENOMEM;
                        return -ENOMEM;
                }
        }
        d = json_pack("{s:I,s:s,s:s,s:b,s:I}", "id",
                      (json_int_t)(CONTACT_DATE_BIRTHDAY + 1 + json_array_size(dates)), "label",
                      label, "date", date, "yearly", yearly, "remind_days", (json_int_t)remind);
        if (!d || json_array_append_new(dates, d) < 0) {
                m->error = -ENOMEM;
                return -ENOMEM;
        }
        return 1;
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

static void list_add(struct mapper *m, json_t *list, const char *what, const char *s, bool icase)
{
        if (vcard_list_has(list, s, icase))
                return;
        if (json_array_size(list) >= FIELD_LIST_MAX) {
                warn(m, "more than %d %s; '%s' dropped", FIELD_LIST_MAX, what, s);
                return;
        }
        /* Both callers checked s (utf8_is_clean_text). */
        if (json_array_append_new(list, json_stringn_nocheck(s, strlen(s))) < 0)
                m->error = -ENOMEM;
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
        if (vcard_list_has(m->extra, line.data, false))
                goto out;
        s = json_stringn_nocheck(line.data, line.len); /* clean text, checked above */
        if (!s || json_array_append_new(m->extra, s) < 0)
                m->error = -ENOMEM;
        m->extra_bytes += line.len;
out:
        strbuf_done(&line);
}

static void map_vcard_contact_value(struct mapper *m, const struct vcard_prop *p)
{
        json_t *list = streq(p->name, "EMAIL") ? m->emails
                       : streq(p->name, "TEL") ? m->phones
                                               : m->urls;
        const char *what = streq(p->name, "EMAIL") ? "emails"
                           : streq(p->name, "TEL") ? "phones"
                                                   : "urls";
        _cleanup_free_ char *v = vcard_contact_value(p->name, p->value, p->value_len);
        bool ok;

        if (!v) {
                m->error = -ENOMEM;
                return;
        }
        if (!*v)
                return;
        ok = streq(p->name, "EMAIL") ? vcard_email_ok(v)
             : streq(p->name, "TEL") ? vcard_phone_ok(v)
                                     : vcard_url_ok(v);
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
                vcard_clean_line(*t);
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

/* A JSON-valued X-TEND property: a value that is no JSON (or too deep) is named and dropped. */
static void map_json(struct mapper *m, const struct vcard_xtend *x, const char *prop,
                     const char *text)
{
        json_error_t err;
        json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err), *a;

        if (!v) {
                warn(m, "%s: not valid JSON (%s); ignored", prop, err.text);
                return;
        }
        if (x->type == VCARD_X_JSON) {
                json_object_set_new(m->rec, x->key, v);
                return;
        }
        a = json_object_get(m->rec, x->key);
        if (!a) {
                a = json_array();
                if (!a || json_object_set_new(m->rec, x->key, a) < 0) {
                        json_decref(v);
                        m->error = -ENOMEM;
                        return;
                }
        }
        if (json_array_append_new(a, v) < 0)
                m->error = -ENOMEM;
}

static bool map_xtend(struct mapper *m, const struct vcard_prop *p)
{
        for (size_t i = 0; i < VCARD_XTEND_N; i++) {
                _cleanup_free_ char *v = NULL;

                if (!streq(p->name, vcard_xtend[i].prop))
                        continue;
                if (vcard_xtend[i].type == VCARD_X_LIST) {
                        _cleanup_strv_ char **l = NULL;
                        json_t *a = json_array();

                        if (!a || vcard_split(p->value, p->value_len, ',', &l) < 0) {
                                json_decref(a);
                                m->error = -ENOMEM;
                                return true;
                        }
                        for (char **e = l; *e; e++)
                                if (*vcard_clean_line(*e) &&
                                    utf8_is_clean_text(*e, strlen(*e), false))
                                        json_array_append_new(a, json_string(*e));
                        json_object_set_new(m->rec, vcard_xtend[i].key, a);
                        return true;
                }
                v = prop_text(p);
                if (!v) {
                        m->error = -ENOMEM;
                        return true;
                }
                if (vcard_xtend[i].type == VCARD_X_JSON ||
                    vcard_xtend[i].type == VCARD_X_JSON_EACH) {
                        map_json(m, &vcard_xtend[i], p->name, v);
                        return true;
                }
                if (vcard_xtend[i].type == VCARD_X_TEXT)
                        clean_text(v);
                else
                        vcard_clean_line(v);
                switch (vcard_xtend[i].type) {
                case VCARD_X_INT: {
                        char *end;
                        long long n = strtoll(v, &end, 10);

                        if (*v && !*end && n >= 0)
                                json_object_set_new(m->rec, vcard_xtend[i].key, json_integer(n));
                        else
                                warn(m, "%s: '%s' is not a number; ignored", p->name, v);
                        break;
                }
                case VCARD_X_TIME:
                        map_time(m, vcard_xtend[i].key, v);
                        break;
                case VCARD_X_UUID: {
                        char uuid[37];
                        const char *u = strncasecmp(v, "urn:uuid:", 9) == 0 ? v + 9 : v;

                        if (uuid_is_valid(u) && vcard_uid_to_uuid(u, uuid) == 0)
                                set_str(m, vcard_xtend[i].key, uuid);
                        break;
                }
                default:
                        if (*v)
                                set_str(m, vcard_xtend[i].key, v);
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
                        vcard_clean_line(s);
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
                map_vcard_contact_value(m, p);
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
                        if (*vcard_clean_line(*c)) {
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
        if (streq(name, "ANNIVERSARY") || streq(name, "X-TEND-DATE")) {
                if (map_date(m, p, streq(name, "ANNIVERSARY")) <= 0)
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
                vcard_clean_line(s);
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
                map_time(m, "updated", vcard_clean_line(s));
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
                if (!*vcard_clean_line(v[order[i]]))
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

                vcard_derive_n(json_string_value(json_object_get(m.rec, "name")), &d);
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
