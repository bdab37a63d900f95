/* The vCard mapping shared by reading and writing; see vcard-internal.h. */
#include "vcard-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "util.h"
#include "vcard.h"

/* Clean a single-line text: line breaks and tabs become spaces, other controls go, white
 * space is trimmed. In place. */
char *vcard_clean_line(char *s)
{
        char *w = s, *start;

        for (char *r = s; *r; r++) {
                unsigned char c = (unsigned char)*r;

                if (c == '\n' || c == '\r' || c == '\t')
                        *w++ = ' ';
                else if (c >= 0x20 && c != 0x7f)
                        *w++ = *r;
        }
        *w = 0;
        while (w > s && w[-1] == ' ')
                *--w = 0;
        start = s;
        while (*start == ' ')
                start++;
        if (start != s)
                memmove(s, start, strlen(start) + 1);
        return s;
}

/* The N a writer derives from a display name: family name = the last word, given name = the
 * rest. An N equal to it carries nothing, so the reader does not keep it. */
void vcard_derive_n(const char *name, struct strbuf *out)
{
        const char *sp = strrchr(name, ' ');
        _cleanup_free_ char *given = sp ? strndup(name, (size_t)(sp - name)) : NULL;

        strbuf_put_text(out, sp ? sp + 1 : name, false);
        strbuf_putc(out, ';');
        if (given)
                strbuf_put_text(out, given, false);
        strbuf_puts(out, ";;;");
}

/* tend's own properties: X-TEND-<KEY> ↔ record key. */

const struct vcard_xtend vcard_xtend[] = {
    {"X-TEND-NETWORKS", "networks", VCARD_X_LIST},
    {"X-TEND-SCOPE", "scope", VCARD_X_STRING},
    {"X-TEND-CADENCE", "cadence_seconds", VCARD_X_INT},
    {"X-TEND-NEXT-DUE", "next_due", VCARD_X_TIME},
    {"X-TEND-LAST-INTERACTION", "last_interaction", VCARD_X_TIME},
    {"X-TEND-LAST-KIND", "last_kind", VCARD_X_STRING},
    {"X-TEND-CREATED", "created", VCARD_X_TIME},
    {"X-TEND-HOW-MET", "how_met", VCARD_X_STRING},
    {"X-TEND-MET-VIA", "met_via", VCARD_X_UUID},
    {"X-TEND-BRINGS", "brings", VCARD_X_TEXT},
    {"X-TEND-STAGE", "stage", VCARD_X_STRING},
    {"X-TEND-STAGE-CHANGED", "stage_changed", VCARD_X_TIME},
    {"X-TEND-PROSPECT-PLAN", "prospect_plan", VCARD_X_TEXT},
    {"X-TEND-PROSPECT-VIA", "prospect_via", VCARD_X_UUID},
    {"X-TEND-MET-VIA-NAME", "met_via_name", VCARD_X_STRING},
    {"X-TEND-PROSPECT-VIA-NAME", "prospect_via_name", VCARD_X_STRING},
    {"X-TEND-DATES", "dates", VCARD_X_JSON},
    {"X-TEND-BIRTHDAY-STATE", "birthday_state", VCARD_X_JSON},
    {"X-TEND-AGENDA", "agenda", VCARD_X_TEXT},
    {"X-TEND-UNKNOWN", "unknown", VCARD_X_STRING},
    /* Sync (one card per person in a vdir): the person's interactions, markers of deleted
     * ones, the uuids merged into this person, and when each field last changed. */
    {"X-TEND-INTERACTION", "interactions", VCARD_X_JSON_EACH},
    {"X-TEND-INTERACTION-DELETED", "interactions_deleted", VCARD_X_JSON_EACH},
    {"X-TEND-MERGED", "merged", VCARD_X_LIST},
    {"X-TEND-REVS", "revs", VCARD_X_JSON},
};

bool vcard_list_has(json_t *list, const char *s, bool icase)
{
        size_t i;
        json_t *v;

        json_array_foreach(list, i, v)
        {
                const char *t = json_string_value(v);

                if (t && (icase ? strcasecmp(t, s) == 0 : streq(t, s)))
                        return true;
        }
        return false;
}

/* The same checks the daemon makes (daemon/fields.c), so a value that would be refused is
 * kept as a raw line instead of failing the whole card. */
bool vcard_email_ok(const char *s)
{
        const char *at = strchr(s, '@');

        if (strlen(s) > FIELD_EMAIL_MAX || !at || at == s || !at[1] || strchr(at + 1, '@'))
                return false;
        for (; *s; s++)
                if (isspace((unsigned char)*s) || (unsigned char)*s < 0x20 || *s == ',' ||
                    *s == '<' || *s == '>')
                        return false;
        return true;
}

bool vcard_phone_ok(const char *s)
{
        int digits = 0;

        if (strlen(s) > FIELD_PHONE_MAX)
                return false;
        for (; *s; s++) {
                if (isdigit((unsigned char)*s))
                        digits++;
                else if (!strchr("+-.() /x#*", *s) && *s != 'e' && *s != 't')
                        return false;
        }
        return digits > 0;
}

bool vcard_url_ok(const char *s)
{
        if (!*s || strlen(s) > FIELD_URL_MAX)
                return false;
        for (; *s; s++)
                if (isspace((unsigned char)*s) || (unsigned char)*s < 0x20)
                        return false;
        return true;
}

/* The mapped value of an EMAIL, TEL or URL value (a new string): unescaped, trimmed, without
 * mailto: or tel:. */
char *vcard_contact_value(const char *name, const char *value, size_t len)
{
        char **v = NULL, *s, *p;

        if (vcard_split(value, len, 0, &v) < 0)
                return NULL;
        s = TAKE_PTR(v[0]);
        strv_free(v);
        vcard_clean_line(s);
        p = s;
        if (streq(name, "EMAIL") && strncasecmp(p, "mailto:", 7) == 0)
                p += 7;
        else if (streq(name, "TEL") && strncasecmp(p, "tel:", 4) == 0)
                p += 4;
        if (p != s)
                memmove(s, p, strlen(p) + 1);
        return s;
}

const size_t VCARD_XTEND_N = ARRAY_SIZE(vcard_xtend);
