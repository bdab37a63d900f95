/* CSV (RFC 4180) reading, and LinkedIn's Connections.csv mapped onto tend's contact records.
 *
 * The reader takes CR LF or LF line ends, a leading UTF-8 BOM, quoted fields with commas,
 * doubled quotes and line breaks inside, and is lenient where real files are sloppy: a quote
 * inside an unquoted field is kept as a character, text after a closing quote is appended.
 * An unterminated quoted field is an error at the line where it started. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CSV_FIELDS_MAX 256        /* fields per row; more: the row is an error */
#define CSV_FIELD_MAX  (1u << 20) /* bytes per field; more: the row is an error */

struct csv_callbacks {
        /** One row: n fields (NUL-terminated, valid until return), the line it starts on and
         * the input offset after it. Return < 0 to stop. */
        int (*row)(char **fields, size_t n, size_t line, size_t end_offset, void *userdata);
        /** A row that cannot be read. Return < 0 to stop. */
        int (*error)(size_t line, const char *reason, void *userdata);
};

/** Read every row of data. Returns 0, a callback's negative value or -ENOMEM. */
int csv_parse(const char *data, size_t len, const struct csv_callbacks *cb, void *userdata);

/** Parse a LinkedIn "Connected On" date ("12 Mar 2024"; also 2024-03-12 and 03/12/2024) into
 * "YYYY-MM-DD". Returns 0 or -EINVAL. */
int linkedin_date_parse(const char *s, char ret[static 11]);

/* LinkedIn Connections.csv: the notes before the header row are skipped; columns are found by
 * their header names (First Name, Last Name, URL, Email Address, Company, Position, Connected
 * On), in any order. */
struct linkedin_reader;

/** Callbacks get contact records ("type": "contact" with name, name_parts, urls, emails,
 * org, title, how_met, line) and errors (rows without a name, unreadable rows). */
struct linkedin_callbacks {
        int (*record)(json_t *record, size_t end_offset, void *userdata); /* record borrowed */
        int (*error)(size_t line, const char *reason, void *userdata);
};

/** Read a Connections.csv. Returns 0, -EINVAL when no header row was found (reason in
 * *ret_reason), a callback's negative value or -ENOMEM. */
int linkedin_parse(const char *data, size_t len, const struct linkedin_callbacks *cb,
                   void *userdata, const char **ret_reason);

/** Whether data looks like a LinkedIn connections export (a header row with First Name and
 * Last Name among the first lines). */
bool linkedin_detect(const char *data, size_t len);
