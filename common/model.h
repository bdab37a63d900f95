/* The data model shared by daemon and client: networks, records and field limits. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "contact-fields.h"
#include "util.h"

/* Ibarra & Hunter's three networks; a contact may belong to any subset. */
enum network {
        NETWORK_OPERATIONAL,
        NETWORK_PERSONAL,
        NETWORK_STRATEGIC,
        _NETWORK_MAX,
        _NETWORK_INVALID = -EINVAL,
};

#define NETWORK_MASK_ALL ((1u << _NETWORK_MAX) - 1)

/** "operational", "personal", "strategic"; NULL for anything else. */
const char *network_to_string(enum network n);

/** Parse a network name (case-insensitive, unique prefixes accepted); _NETWORK_INVALID if none. */
enum network network_from_string(const char *s);

/* Whether the contact is inside or outside your organisation. */
enum scope {
        SCOPE_UNSET,
        SCOPE_INTERNAL,
        SCOPE_EXTERNAL,
        _SCOPE_MAX,
        _SCOPE_INVALID = -EINVAL,
};

const char *scope_to_string(enum scope s);
enum scope scope_from_string(const char *s);

/* The outreach pipeline: someone you want to meet, step by step (issue 4). */
enum prospect_stage {
        STAGE_NONE,
        STAGE_WANT_TO_MEET,
        STAGE_REACHED_OUT,
        STAGE_SCHEDULED,
        STAGE_MET,
        STAGE_ONGOING,
        _STAGE_MAX,
        _STAGE_INVALID = -EINVAL,
};

/** "want-to-meet", "reached-out", "scheduled", "met", "ongoing" ("none" for STAGE_NONE). */
const char *prospect_stage_to_string(enum prospect_stage s);
/** Parse a stage name (case-insensitive, unique prefixes accepted); _STAGE_INVALID if none. */
enum prospect_stage prospect_stage_from_string(const char *s);

/* Limits on client-supplied fields: they bound record sizes and index key lengths. */
#define FIELD_NAME_MAX      256 /* bytes: display name, org, title, met-via text */
#define FIELD_EMAIL_MAX     254 /* RFC 5321 path limit */
#define FIELD_PHONE_MAX     64
#define FIELD_TAG_MAX       64
#define FIELD_URL_MAX       2048
#define FIELD_NOTE_MAX      65536 /* free text: notes, interaction notes */
#define FIELD_KIND_MAX      64
#define FIELD_LIST_MAX      64 /* entries per list (emails, phones, tags, urls) */
#define CADENCE_MAX_SECONDS (10LL * 366 * 86400)

#define UUID_STRING_LEN 36

/* Important dates (codec tags 90-99): the notification state of one yearly or one-off date,
 * see common/dates.h. An occurrence is pending until shown; shown_year records it, so a
 * restart never shows it twice. */
struct date_state {
        int64_t since;      /* occurrences from this instant's day on (0: the contact's created) */
        int32_t shown_year; /* the last occurrence shown, 0 = none */
        int32_t acked_year; /* the last occurrence acknowledged with Done, 0 = none */
        int64_t snoozed_to; /* the shown occurrence comes back at this instant, 0 = not snoozed */
        uint32_t notify_id; /* notification server id of the last one shown (its buttons) */
};

#define CONTACT_DATE_BIRTHDAY 1 /* the event id of the birthday; other dates count from 2 */
#define CONTACT_DATES_MAX     32
#define DATE_LABEL_MAX        64
#define DATE_REMIND_MAX_DAYS  366

struct contact_date {
        uint32_t id; /* stable within the contact, >= 2 */
        char *label; /* "anniversary", or any label */
        char *date;  /* "YYYY-MM-DD", or "--MM-DD" without a year */
        bool yearly;
        int32_t remind_days; /* notify this many days before the day */
        struct date_state st;
};

/* What the entries of a contact's list fields are (checked by daemon/core/fields.c). */
enum field_kind {
        FIELD_EMAIL,
        FIELD_PHONE,
        FIELD_URL,
        FIELD_TAG,
};

/* A person. Every field but the id, the uuid and what this build does not know is declared in
 * contact-fields.h, and the struct is generated from that table. */
struct contact {
        uint64_t id;
        char uuid[UUID_STRING_LEN + 1];
        CONTACT_FIELDS(CONTACT_MEMBER)
        /* Encoded fields this version does not know, kept verbatim so they survive a rewrite. */
        uint8_t *unknown;
        size_t unknown_len;
};

/* Where a captured interaction came from (core/capture.h). */
enum interaction_source {
        SOURCE_NONE, /* logged by hand, imported */
        SOURCE_MAIL,
        SOURCE_CALENDAR,
        _SOURCE_MAX,
        _SOURCE_INVALID = -EINVAL,
};

/** "mail", "calendar"; NULL for SOURCE_NONE and anything else. */
const char *interaction_source_to_string(enum interaction_source s);
/** "mail" or "calendar" (exact); _SOURCE_INVALID otherwise. */
enum interaction_source interaction_source_from_string(const char *s);

#define FIELD_SOURCE_ID_MAX 998 /* a Message-ID or event UID[/RECURRENCE-ID] (RFC 5322 line) */

struct interaction {
        uint64_t id; /* global and stable ("#17"; codec tag 10), 0 = not assigned yet */
        uint64_t contact_id;
        int64_t at;   /* UTC seconds */
        uint32_t seq; /* disambiguates interactions at the same second */
        char uuid[UUID_STRING_LEN + 1];
        char *kind;
        char *note;
        char *gave; /* what you offered */
        char *got;  /* what they brought */
        int64_t created;
        uint64_t goal_id; /* the goal it was toward (issue 4; codec tag 50), 0 = none */
        /* A group interaction: the other people it was with (codec tag 90). The record lives
         * under contact_id; each other person's history refers to it by id. */
        uint64_t *with;
        size_t n_with;
        char *agenda; /* the agenda this touch cleared (codec tag 91) */
        /* Nonzero in a participant's entry of a group interaction (codec tag 92): a copy kept
         * under that person's key for their history, of the record of this contact id. */
        uint64_t group_of;
        /* Captured from mail or a calendar (core/capture.h; codec tags 93-95): the source and
         * its key (Message-ID; event UID[/RECURRENCE-ID]). no_touch: in the history only, not
         * a touch (received mail with [capture] received = history): it moves no date, adds
         * no strength and is never anyone's last interaction. */
        enum interaction_source source;
        char *source_id;
        bool no_touch;
        uint8_t *unknown;
        size_t unknown_len;
};

/** Release what a contact date owns and zero it. */
void contact_date_done(struct contact_date *d);

/** Allocate an empty contact. Returns NULL on allocation failure. */
struct contact *contact_new(void);
/** Free a contact and everything it owns; accepts NULL. */
void contact_free(struct contact *c);
/** Release what c owns and zero it (for embedded contacts). */
void contact_done(struct contact *c);
static inline void contact_freep(struct contact **c)
{
        contact_free(*c);
}

struct interaction *interaction_new(void);
void interaction_free(struct interaction *i);
void interaction_done(struct interaction *i);
static inline void interaction_freep(struct interaction **i)
{
        interaction_free(*i);
}

/** Fill buf with a random RFC 4122 version 4 UUID, lower-case. Returns 0 or -errno. */
int uuid_generate_v4(char buf[static UUID_STRING_LEN + 1]);

/** A UUID that is a function of (space, name), RFC 9562 version 8 from a 128-bit FNV-1a hash:
 * two machines that record the same thing (a captured Message-ID) give it the same UUID, so
 * sync sees one interaction, not two. */
void uuid_from_name(const char *space, const char *name, char buf[static UUID_STRING_LEN + 1]);

/** The 16 bytes b as a lower-case UUID string (8-4-4-4-12 hex digits). */
void uuid_format(const uint8_t b[static 16], char buf[static UUID_STRING_LEN + 1]);

/** Whether s is a syntactically valid UUID string. */
bool uuid_is_valid(const char *s);

/** Validate free text of at most max bytes (UTF-8, no control characters but newlines when
 * multiline). Returns 0, -EINVAL or -E2BIG. */
int text_validate(const char *s, size_t max, bool multiline);

/** Validate an interaction kind: 1..FIELD_KIND_MAX of [a-z0-9-]. Returns 0 or -EINVAL. */
int kind_validate(const char *s);
