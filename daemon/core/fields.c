#include "fields.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fold.h"
#include "model.h"
#include "timeutil.h"

static int invalid(struct op_error *e, const char *key, const char *reason)
{
        return op_error_set(e, "io.tend.Service.InvalidValue",
                            json_pack("{s:s,s:s}", "parameter", key, "reason", reason));
}

int fields_text(json_t *params, const char *key, size_t max, int multiline, struct op_error *e,
                const char **ret)
{
        json_t *v = json_object_get(params, key);
        const char *s;
        int r;

        if (!v) {
                *ret = NULL;
                return 0;
        }
        s = json_string_value(v);
        r = text_validate(s, max, multiline);
        if (r == -E2BIG) {
                char reason[64];

                snprintf(reason, sizeof(reason), "longer than %zu bytes", max);
                return invalid(e, key, reason);
        }
        if (r < 0)
                return invalid(e, key,
                               multiline
                                   ? "contains control characters or invalid UTF-8"
                                   : "contains line breaks, control characters or invalid UTF-8");
        *ret = s;
        return 0;
}

static const char *check_email(const char *s)
{
        const char *at = strchr(s, '@');

        if (strlen(s) > FIELD_EMAIL_MAX)
                return "longer than 254 bytes";
        if (!at || at == s || !at[1] || strchr(at + 1, '@'))
                return "not an email address (expected name@domain)";
        for (const char *p = s; *p; p++)
                if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20 || *p == ',' ||
                    *p == '<' || *p == '>')
                        return "not an email address (contains spaces or <>,)";
        if (!utf8_is_clean_text(s, strlen(s), false))
                return "invalid UTF-8";
        return NULL;
}

static const char *check_phone(const char *s)
{
        int digits = 0;

        if (strlen(s) > FIELD_PHONE_MAX)
                return "longer than 64 bytes";
        for (const char *p = s; *p; p++) {
                if (isdigit((unsigned char)*p))
                        digits++;
                else if (!strchr("+-.() /x#*", *p) && !(*p == 'e' || *p == 't'))
                        return "not a phone number (digits, spaces and + - . ( ) / x # * only)";
        }
        if (digits == 0)
                return "not a phone number (no digits)";
        return NULL;
}

static const char *check_url(const char *s)
{
        if (strlen(s) > FIELD_URL_MAX)
                return "longer than 2048 bytes";
        if (!*s)
                return "empty";
        for (const char *p = s; *p; p++)
                if (isspace((unsigned char)*p))
                        return "contains white space";
        if (!utf8_is_clean_text(s, strlen(s), false))
                return "contains control characters or invalid UTF-8";
        return NULL;
}

static const char *check_tag(const char *s)
{
        if (!*s)
                return "empty";
        if (strlen(s) > FIELD_TAG_MAX)
                return "longer than 64 bytes";
        for (const char *p = s; *p; p++)
                if (isspace((unsigned char)*p) || *p == ',')
                        return "contains white space or a comma";
        if (!utf8_is_clean_text(s, strlen(s), false))
                return "contains control characters or invalid UTF-8";
        return NULL;
}

const char *fields_check(enum field_kind kind, const char *value)
{
        switch (kind) {
        case FIELD_EMAIL:
                return check_email(value);
        case FIELD_PHONE:
                return check_phone(value);
        case FIELD_URL:
                return check_url(value);
        case FIELD_TAG:
                return check_tag(value);
        }
        return "unknown field";
}

int fields_list(json_t *params, const char *key, enum field_kind kind, struct op_error *e,
                char ***ret)
{
        json_t *v = json_object_get(params, key), *item;
        _cleanup_strv_ char **list = NULL;
        size_t i;

        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (json_array_size(v) > FIELD_LIST_MAX) {
                char reason[64];

                snprintf(reason, sizeof(reason), "more than %d entries", FIELD_LIST_MAX);
                return invalid(e, key, reason);
        }
        json_array_foreach(v, i, item)
        {
                /* Tags compare case-insensitively everywhere; store them lower-cased. */
                _cleanup_free_ char *value = kind == FIELD_TAG
                                                 ? text_lower_dup(json_string_value(item))
                                                 : strdup(json_string_value(item));
                const char *reason;
                char full[160];

                if (!value)
                        return -ENOMEM;
                reason = fields_check(kind, value);
                if (reason) {
                        snprintf(full, sizeof(full), "'%.64s': %s", value, reason);
                        return invalid(e, key, full);
                }
                if (strv_contains(list, value, true))
                        continue;
                if (strv_push(&list, value) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(list);
        if (!*ret) {
                /* An empty array is present-but-empty: return an allocated empty vector. */
                *ret = calloc(1, sizeof(char *));
                if (!*ret)
                        return -ENOMEM;
        }
        return 0;
}

int fields_networks(json_t *params, const char *key, struct op_error *e, uint32_t *ret)
{
        json_t *v = json_object_get(params, key), *item;
        uint32_t mask = 0;
        size_t i;

        if (v && json_is_string(v)) {
                enum network n = network_from_string(json_string_value(v));

                if (n < 0)
                        return invalid(e, key, "not one of operational, personal, strategic");
                *ret = 1u << n;
                return 0;
        }
        json_array_foreach(v, i, item)
        {
                enum network n = network_from_string(json_string_value(item));

                if (n < 0)
                        return invalid(e, key, "not one of operational, personal, strategic");
                mask |= 1u << n;
        }
        *ret = mask;
        return 0;
}

int fields_time(json_t *params, const char *key, struct op_error *e, int64_t *ret)
{
        json_t *v = json_object_get(params, key);
        int64_t t;

        if (!v)
                return 0;
        if (time_parse_rfc3339(json_string_value(v), &t) < 0)
                return invalid(e, key, "not an RFC 3339 time such as 2026-12-01T09:00:00Z");
        if (t <= 0)
                return invalid(e, key, "before 1970");
        *ret = t;
        return 0;
}

int fields_cadence(json_t *params, const char *key, struct op_error *e, int64_t *ret)
{
        json_t *v = json_object_get(params, key);
        json_int_t s;

        if (!v)
                return 0;
        s = json_integer_value(v);
        if (s < 0)
                return invalid(e, key, "negative");
        if (s > CADENCE_MAX_SECONDS)
                return invalid(e, key, "longer than 10 years");
        *ret = s;
        return 1;
}

int fields_limit(json_t *params, const char *key, struct op_error *e, size_t *ret)
{
        json_t *v = json_object_get(params, key);

        *ret = 0;
        if (!v)
                return 0;
        if (json_integer_value(v) < 0)
                return invalid(e, key, "negative");
        *ret = (size_t)json_integer_value(v);
        return 0;
}
