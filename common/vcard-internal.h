/* What vCard reading (vcard-record.c) and writing (vcard-write.c) share: tend's X-TEND-*
 * properties and how a contact's EMAIL, TEL and URL values are checked and cleaned, so that a
 * card tend writes reads back to the same record. Private to common/vcard*.c. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* tend's own properties: X-TEND-<KEY> ↔ record key. */
enum vcard_xtype {
        VCARD_X_STRING,
        VCARD_X_TEXT, /* multi-line text */
        VCARD_X_LIST,
        VCARD_X_INT,
        VCARD_X_TIME,
        VCARD_X_UUID,
        VCARD_X_JSON,      /* any JSON value, written as escaped compact JSON text */
        VCARD_X_JSON_EACH, /* a JSON array: one property per element */
};

struct vcard_xtend {
        const char *prop;
        const char *key;
        enum vcard_xtype type;
};

extern const struct vcard_xtend vcard_xtend[];
extern const size_t VCARD_XTEND_N;

/** Clean a single-line text in place: line breaks and tabs become spaces, other controls go,
 * white space is trimmed. Returns the start of what is left. */
char *vcard_clean_line(char *s);

/** The N a writer derives from a display name (family name = the last word). */
void vcard_derive_n(const char *name, struct strbuf *out);

/** Whether list (a JSON array of strings) holds s (case-insensitively when icase). */
bool vcard_list_has(json_t *list, const char *s, bool icase);

/** The daemon's checks (daemon/core/fields.c) of an email, phone or URL value. */
bool vcard_email_ok(const char *s);
bool vcard_phone_ok(const char *s);
bool vcard_url_ok(const char *s);

/** The mapped value of an EMAIL, TEL or URL value (a new string): unescaped, trimmed, without
 * mailto: or tel:. NULL when nothing is left or out of memory. */
char *vcard_contact_value(const char *name, const char *value, size_t len);
