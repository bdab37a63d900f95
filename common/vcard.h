/* vCard 2.1, 3.0 and 4.0 (RFC 2425/2426/6350) reading and writing for tend's import and
 * export.
 *
 * Reading is in two layers (one file each; vcard-fields.c holds what reading and writing share):
 *  - vcard_parse() (vcard.c) splits a file into cards and properties: CR LF, LF or CR line ends, a
 *    leading UTF-8 BOM, unfolding (a line starting with a space or tab continues the previous
 *    one), 2.1 QUOTED-PRINTABLE with its '=' soft line breaks, CHARSET conversion to UTF-8
 *    (iconv; text that is not valid UTF-8 and names no charset is read as Windows-1252), 2.1
 *    bare parameters (TEL;WORK;VOICE), quoted parameter values, property groups (item1.EMAIL),
 *    and inline binaries (PHOTO;ENCODING=b, 2.1 BASE64 blocks, data: URIs) which are measured
 *    and dropped, never copied. A card that is broken (a line that is no property, no
 *    END:VCARD) is reported with its line number and skipped; parsing goes on.
 *  - vcard_to_record() (vcard-record.c) maps one card onto tend's contact record (the JSON object
 * of the io.tend.Transfer interface, see docs/tend.1.scd "Import and export"): FN, N, EMAIL, TEL,
 *    URL, ORG, TITLE, NOTE, CATEGORIES, BDAY (also without a year), UID, REV and tend's own
 *    X-TEND-* properties. Every other property, and EMAIL/TEL/URL lines whose group or
 *    parameters carry information (types, Apple/Google labels), is kept as a raw 4.0 line in
 *    the record's "vcard" list, so it survives a round trip.
 *
 * vcard_write_record() (vcard-write.c) writes a record as vCard 4.0: CRLF, folded at 75 octets
 * (never inside a UTF-8 sequence), TEXT escaped, FN and N always present, UID as urn:uuid. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Limits that bound what one card can make us keep. */
#define VCARD_LINE_MAX    (16u << 20) /* bytes of one unfolded line; longer: broken card */
#define VCARD_PROPS_MAX   10000       /* properties per card; more: broken card */
#define VCARD_EXTRA_MAX   128         /* raw lines kept per contact */
#define VCARD_EXTRA_BYTES (64u << 10) /* bytes of raw lines kept per contact */
#define VCARD_EXTRA_LINE  8192        /* longest raw line kept */

struct vcard_param {
        const char *name;  /* upper-case; a 2.1 bare parameter becomes TYPE (or ENCODING/CHARSET) */
        const char *value; /* as written, quotes removed; several values stay comma-separated */
};

struct vcard_prop {
        const char *group; /* NULL when none; as written */
        const char *name;  /* upper-case */
        const struct vcard_param *params;
        size_t n_params;
        const char *value; /* UTF-8, QUOTED-PRINTABLE decoded; vCard escapes left in place.
                            * NULL for an inline binary */
        size_t value_len;
        size_t binary_len; /* encoded size of an inline binary that was dropped */
        bool qp;           /* was QUOTED-PRINTABLE: line breaks in value are real ones */
        size_t line;       /* 1-based line number where the property starts */
};

struct vcard {
        const struct vcard_prop *props;
        size_t n_props;
        size_t line;         /* line of BEGIN:VCARD */
        size_t end_offset;   /* bytes of input consumed after this card (for progress) */
        const char *version; /* "2.1", "3.0", "4.0" or NULL when absent */
};

struct vcard_callbacks {
        /** A complete card. Strings live until the callback returns. Return < 0 to stop. */
        int (*card)(const struct vcard *card, void *userdata);
        /** A broken card that was skipped (line: where the problem is). Return < 0 to stop. */
        int (*error)(size_t line, const char *reason, void *userdata);
};

/** Parse data (the whole file) and call back per card. Returns 0, a callback's negative value
 * or -ENOMEM. Input is never trusted: every length is bounded. */
int vcard_parse(const char *data, size_t len, const struct vcard_callbacks *cb, void *userdata);

/** The first value of parameter name (upper-case) of p, or NULL. */
const char *vcard_param_get(const struct vcard_prop *p, const char *name);

/** Whether parameter name of p has value among its (comma-separated) values, ignoring case. */
bool vcard_param_has(const struct vcard_prop *p, const char *name, const char *value);

/** Split a value on unescaped sep (';' for N/ADR/ORG, ',' for lists; 0: no split) and
 * unescape each part (\\ \, \; \n \N; a stray backslash before anything else is dropped only
 * before ':'). Returns 0 with a NULL-terminated vector in *ret, or -ENOMEM. */
int vcard_split(const char *value, size_t len, char sep, char ***ret);

/** Normalise a BDAY value to "YYYY-MM-DD" or "--MM-DD" (no year). Accepts 19850412,
 * 1985-04-12, 1985-04-12T..., --0412, --04-12, and Apple's year 1604 with omit_year. Returns
 * 0 or -EINVAL. */
int vcard_birthday_normalize(const char *value, bool omit_year, char ret[static 11]);

/** A UUID for a vCard UID: the UID itself when it is a UUID (with or without "urn:uuid:"),
 * else one derived from it deterministically (so re-importing the same card matches).
 * Returns 0 or -EINVAL for an empty UID. */
int vcard_uid_to_uuid(const char *uid, char ret[static 37]);

/** Map one card onto a contact record (a new JSON object with "type": "contact" and "line").
 * Returns 0 with the record in *ret_record, -EINVAL with a reason in *ret_reason (static text)
 * when the card cannot become a contact (no name at all), or -ENOMEM. */
int vcard_to_record(const struct vcard *card, json_t **ret_record, const char **ret_reason);

/** Append record (a contact record) to out as a vCard 4.0. Returns 0 or -ENOMEM / -EINVAL
 * (no name). */
int vcard_write_record(struct strbuf *out, json_t *record);
