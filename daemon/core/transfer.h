/* tend's records as JSON objects — the JSON lines format of `tend export --format json` and
 * the record format of io.tend.Transfer — and the import engine.
 *
 * Records (one JSON object per line; keys sorted by the client when written):
 *   {"type":"tend","version":1,"next_id":N}                      header, first
 *   {"type":"contact","id":..,"uuid":..,"name":..,...}           every contact field
 *   {"type":"interaction","contact":<contact uuid>,"uuid":..,"id":..,"at":..,"seq":..,...}
 *   {"type":"goal","id":..,"uuid":..,"title":..,"status":..,...}
 *   {"type":"goal_link","goal":<goal uuid>,"contact":<contact uuid>,"why":..,"linked_at":..}
 *   {"type":"introduction","uuid":..,"a":<contact uuid>,"b":<contact uuid>,"note":..,"at":..}
 *   {"type":"setting","name":..,"value":..}
 *   {"type":"tombstone","uuid":..,"record":"contact"|"interaction"|"goal"|"introduction",
 *    "deleted":..}
 * Zero values are left out. References between records are uuids (met_via, prospect_via,
 * contact), times RFC 3339 UTC, and fields a build does not know ride along as "unknown"
 * (base64 of the codec's TLVs), so an export is complete and an import into an empty store
 * restores it exactly. On import, records may also carry "line" (where they came from in the
 * user's file) and "warnings" (from the client's parser), and {"type":"error","line":N,
 * "reason":..} stands for a card or row the client could not read. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "strbuf.h"

#define TRANSFER_VERSION   1
#define TRANSFER_ITEMS_MAX 10000 /* report items listed; the counts are always complete */

enum transfer_type {
        TRANSFER_CONTACTS = 1u << 0,
        TRANSFER_INTERACTIONS = 1u << 1,
        TRANSFER_TOMBSTONES = 1u << 2,
        TRANSFER_GOALS = 1u << 3,    /* goals, their links, introductions */
        TRANSFER_SETTINGS = 1u << 4, /* profile, offers, goal interval */
        TRANSFER_ALL = (1u << 5) - 1,
};

/** Append the header and every record of the given types to array, in a read transaction:
 * contacts by id, interactions by (contact, time, seq), tombstones by uuid. Returns 0 or
 * -errno. */
int transfer_export(struct store_txn *t, unsigned types, json_t *array);

/* Where an export in pieces is (zero it to start): within one read transaction (a store
 * snapshot), each piece goes on after the last record of the one before. */
struct transfer_export_pos {
        int phase;
        uint64_t contact_id;      /* contacts: the last one exported */
        struct interaction after; /* interactions: the key of the last one (contact, at, seq) */
        bool resumed;
};

/** The next piece of the export: records appended to array until it holds max or about
 * 512 KiB of JSON (a piece may hold more when goals, settings or tombstones come in one), in
 * the order and form of transfer_export. Returns 1 when the export is complete, 0 when there is
 * more, or -errno. */
int transfer_export_chunk(struct store_txn *t, unsigned types, struct transfer_export_pos *pos,
                          size_t max, json_t *array);

/** transfer_export_chunk, the records written as JSON lines (keys sorted, as
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS), each followed by a newline) escaped as the inside of
 * a JSON string and appended to lines, without building objects: Export with "lines". The
 * number of records written goes to *ret_count. */
int transfer_export_lines(struct store_txn *t, unsigned types, struct transfer_export_pos *pos,
                          size_t max, struct strbuf *lines, size_t *ret_count);

/* Records staged for an import, parsed and checked when they arrive. */
struct import_set;

struct import_set *import_set_new(void);
void import_set_free(struct import_set *s);

/** Parse JSON lines (one record per line; blank lines skipped) into the set. A record that
 * is not valid becomes an error item of the report, never a failure. Returns 0, -E2BIG when
 * the set would exceed max_records, or -ENOMEM. */
int import_set_add_lines(struct import_set *s, const char *text, size_t len, size_t max_records);

/** Add the records of a JSON array (objects) to the set, like import_set_add_lines. */
int import_set_add_records(struct import_set *s, json_t *records, size_t max_records);

/** Records staged so far, and a rough estimate of the store space they need. */
size_t import_set_count(const struct import_set *s);
size_t import_set_bytes(const struct import_set *s);

struct import_options {
        uint32_t networks; /* added to every imported or merged contact */
        char **tags;       /* likewise (lower-case, checked) */
        bool dry_run;      /* decide everything, write nothing */
        bool strict;       /* any error item rejects the whole import */
        bool quiet;        /* no items for records added or unchanged without warnings */
        int64_t now;
        int64_t conf_every; /* tendd.conf's [goals] follow_up (touch.h) */
};

/** Apply the set in the write transaction t: contacts are matched by uuid, then email, then
 * exact name, and merged (lists joined, empty fields filled) or added; then introducers,
 * interactions and tombstones. Safe to run again (store_write may). Sets *ret_report (a new
 * object: counts and items with line, type, name, action, reason, id, warnings). Returns 0;
 * -ECANCELED after a dry run or a strict rejection (the report says which: "committed" false
 * and "rejected" true); or -errno. */
int import_run(struct store_txn *t, const struct import_set *s, const struct import_options *o,
               json_t **ret_report);

/** The JSON object of one contact as exported (uuid references resolved through t). */
json_t *transfer_contact_json(struct store_txn *t, const struct contact *c);

/** Parse one contact record (as exported) into a new contact; the uuids of met_via and
 * prospect_via go to refs. Returns 0, -EINVAL with a reason, or -ENOMEM. */
int transfer_contact_parse(json_t *o, struct contact **ret,
                           char refs[static 2][UUID_STRING_LEN + 1], char *reason,
                           size_t reason_size);

/** Parse one interaction record (needs "contact"); its goal's uuid goes to goal (empty when
 * none). Returns 0, -EINVAL with a reason, or -ENOMEM. */
int transfer_interaction_parse(json_t *o, struct interaction **ret,
                               char goal[static UUID_STRING_LEN + 1], char *reason,
                               size_t reason_size);

/** The JSON object of one interaction as exported, for the contact with contact_uuid. */
json_t *transfer_interaction_json(struct store_txn *t, const struct interaction *i,
                                  const char *contact_uuid);

/* Uploads: an import bigger than one message (1 MiB) arrives in pieces (io.tend.Transfer.
 * Upload) and is applied by Import in one transaction. The daemon keeps at most
 * TRANSFER_UPLOADS_MAX of them, each up to TRANSFER_UPLOAD_RECORDS records, and forgets one
 * that saw no call for TRANSFER_UPLOAD_IDLE seconds. */
#define TRANSFER_UPLOADS_MAX    4
#define TRANSFER_UPLOAD_RECORDS 2000000
#define TRANSFER_UPLOAD_IDLE    300

struct transfer_uploads;

/** Free every upload; accepts NULL. */
void transfer_uploads_free(struct transfer_uploads *u);
