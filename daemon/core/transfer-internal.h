/* What the three parts of the transfer module share: the export format's records as JSON
 * (transfer.c), records parsed and staged from JSON lines (transfer-parse.c) and the import
 * engine that applies them (transfer-import.c). Not for use outside daemon/core/transfer*. */
#pragma once

#include "transfer.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "datemd.h"
#include "fields.h"
#include "jsonfast.h"
#include "model.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "strbuf.h"
#include "strength.h"
#include "timeutil.h"
#include "touch.h"
#include "util.h"
#include "vcard.h"

#define RAW_LINES_MAX  VCARD_EXTRA_MAX
#define RAW_LINE_BYTES VCARD_EXTRA_LINE
#define NAME_PARTS_MAX (2 * FIELD_NAME_MAX)
#define REASON_MAX     256

/* Contact fields come from the one table in common/contact-fields.h: key, type, limits and
 * merge rule; export, import and merge walk it. */
#define cfield    contact_field
#define N_CFIELDS CONTACT_FIELDS_N

static inline const struct cfield *cfield_at(size_t i)
{
        size_t n;

        return &contact_fields(&n)[i];
}

#define N_REFS 2

/* The codec's fields this build does not know travel as base64 ("unknown"). */
json_t *transfer_b64_encode(const uint8_t *p, size_t n);
int transfer_b64_decode(const char *s, uint8_t **ret, size_t *ret_len);

/* Tombstone types ('C', 'I', 'G', 'N') and their names in the export format. */
const char *transfer_tombstone_kind(uint8_t type);
int transfer_tombstone_type(const char *kind);

/* ---- staged records ---- */

enum rec_type {
        REC_ERROR,
        REC_HEADER,
        REC_CONTACT,
        REC_INTERACTION,
        REC_TOMBSTONE,
        REC_GOAL,
        REC_GOAL_LINK,
        REC_INTRO,
        REC_SETTING,
};

struct import_rec {
        enum rec_type type;
        size_t line;
        char *reason; /* REC_ERROR */
        char *name;   /* for the report */
        json_t *warnings;
        struct contact *c;
        char refs[N_REFS][UUID_STRING_LEN + 1]; /* met_via, prospect_via */
        struct interaction *i;
        json_t *with;                   /* interaction: the uuids of the other people of a group */
        char uuid[UUID_STRING_LEN + 1]; /* interaction: its contact; tombstone: itself */
                                        /* (an interaction's goal: uuid2) */
        bool auto_seq;                  /* interaction without a seq */
        uint8_t ttype;
        int64_t deleted;
        uint64_t next_id;
        uint64_t next_interaction_id;
        struct goal *g;
        struct goal_link *gl; /* uuid: its contact, uuid2: its goal */
        struct intro *in;     /* uuid: a, uuid2: b, by_uuid: who made it (kind by-other) */
        char uuid2[UUID_STRING_LEN + 1];
        char by_uuid[UUID_STRING_LEN + 1];
        char *sname, *svalue; /* setting */
};

struct import_set {
        struct import_rec *v;
        size_t n, cap;
        size_t bytes;
};
