/* Every field of a contact, declared once. struct contact (model.h) is generated from this
 * table, so a member cannot exist without its entry; the codec (record bytes), the export and
 * import format with its merge rules (daemon/core/transfer.c), the Contact reply
 * (daemon/core/reply.c) and tend's X-TEND-* vCard properties (common/vcard-fields.c) all walk
 * it. To add a field: one line here (a new codec tag, never reused), then whatever the new
 * field means to the rules.
 *
 * CONTACT_FIELDS(F) calls F(member, TYPE, tag, "json key", arg, merge, reply, "vCard property")
 *   TYPE   STR (one line of text, arg = byte limit), NOTE (multi-line text, arg = limit), KIND
 *          (an interaction kind), LIST (strings, arg = enum field_kind), LINES (raw vCard lines),
 *          TIME (UTC seconds, RFC 3339 outside), SECONDS (a duration, arg = maximum), U32,
 *          NETWORKS (a mask of enum network, names outside), SCOPE, STAGE (enums, names
 *          outside), REF (a contact id; its uuid outside; arg = which reference), BIRTHDAY
 *          ("YYYY-MM-DD" or "--MM-DD"), U64, DATE_STATE (a date's notification state, struct
 *          date_state), DATES (important dates: struct contact_date *member and size_t
 *          n_member beside it; one codec field per date)
 *   tag    the codec's TLV tag (1 and 2 are the id and uuid)
 *   key    NULL: derived from other records, not in the export format (tie strength: kept
 *          by every touch, computed again from the history an import brings)
 *   merge  NONE (an existing contact keeps its value on import), FILL (set when it has none),
 *          UNION (lists joined, masks or-ed)
 *   reply  REPLY: in io.tend.Contacts' Contact object under its key, as exported; OWN: the
 *          reply shapes it itself (networks, cadence_days, met_via {id,name}, prospect {...});
 *          NONE: not in replies (per-machine bookkeeping)
 *   vCard  the property it travels as (X-TEND-* ones are read and written from this table;
 *          the standard ones have their own mapping in common/vcard-record.c), or NULL
 * The order is the codec's write order. */
#pragma once

#include <stddef.h>

#define CONTACT_FIELDS(F)                                                                          \
        F(name, STR, 3, "name", FIELD_NAME_MAX, NONE, REPLY, "FN")                                 \
        F(emails, LIST, 4, "emails", FIELD_EMAIL, UNION, REPLY, "EMAIL")                           \
        F(phones, LIST, 5, "phones", FIELD_PHONE, UNION, REPLY, "TEL")                             \
        F(urls, LIST, 6, "urls", FIELD_URL, UNION, REPLY, "URL")                                   \
        F(tags, LIST, 7, "tags", FIELD_TAG, UNION, REPLY, "CATEGORIES")                            \
        F(org, STR, 8, "org", FIELD_NAME_MAX, FILL, REPLY, "ORG")                                  \
        F(title, STR, 9, "title", FIELD_NAME_MAX, FILL, REPLY, "TITLE")                            \
        F(notes, NOTE, 10, "notes", FIELD_NOTE_MAX, FILL, REPLY, "NOTE")                           \
        F(how_met, STR, 11, "how_met", FIELD_NAME_MAX, FILL, REPLY, "X-TEND-HOW-MET")              \
        F(introduced_by, REF, 12, "met_via", 0, FILL, OWN, "X-TEND-MET-VIA")                       \
        F(networks, NETWORKS, 13, "networks", 0, UNION, OWN, "X-TEND-NETWORKS")                    \
        F(scope, SCOPE, 14, "scope", 0, FILL, OWN, "X-TEND-SCOPE")                                 \
        F(cadence, SECONDS, 15, "cadence_seconds", CADENCE_MAX_SECONDS, FILL, OWN,                 \
          "X-TEND-CADENCE")                                                                        \
        F(next_due, TIME, 16, "next_due", 0, FILL, REPLY, "X-TEND-NEXT-DUE")                       \
        F(last_interaction, TIME, 17, "last_interaction", 0, NONE, REPLY,                          \
          "X-TEND-LAST-INTERACTION")                                                               \
        F(last_kind, KIND, 18, "last_kind", FIELD_KIND_MAX, NONE, REPLY, "X-TEND-LAST-KIND")       \
        F(created, TIME, 19, "created", 0, NONE, REPLY, "X-TEND-CREATED")                          \
        F(updated, TIME, 20, "updated", 0, NONE, REPLY, NULL)                                      \
        F(notified_due, TIME, 40, "notified_due", 0, NONE, NONE, NULL)                             \
        F(notified_at, TIME, 41, "notified_at", 0, NONE, NONE, NULL)                               \
        F(resurface_at, TIME, 42, "resurface_at", 0, NONE, NONE, NULL)                             \
        F(notify_id, U32, 43, "notify_id", 0, NONE, NONE, NULL)                                    \
        F(notify_unshown, U32, 44, "notify_unshown", 0, NONE, NONE, NULL)                          \
        F(brings, NOTE, 50, "brings", FIELD_NOTE_MAX, FILL, REPLY, "X-TEND-BRINGS")                \
        F(stage, STAGE, 51, "stage", 0, FILL, OWN, "X-TEND-STAGE")                                 \
        F(stage_changed, TIME, 52, "stage_changed", 0, NONE, OWN, "X-TEND-STAGE-CHANGED")          \
        F(prospect_plan, NOTE, 53, "prospect_plan", FIELD_NOTE_MAX, FILL, OWN,                     \
          "X-TEND-PROSPECT-PLAN")                                                                  \
        F(prospect_via, REF, 54, "prospect_via", 1, FILL, OWN, "X-TEND-PROSPECT-VIA")              \
        F(birthday, BIRTHDAY, 70, "birthday", 0, FILL, REPLY, "BDAY")                              \
        F(name_parts, STR, 71, "name_parts", 2 * FIELD_NAME_MAX, FILL, NONE, "N")                  \
        F(vcard_extra, LINES, 72, "vcard", 0, UNION, NONE, NULL)                                   \
        F(met_via_name, STR, 21, "met_via_name", FIELD_NAME_MAX, FILL, REPLY,                      \
          "X-TEND-MET-VIA-NAME")                                                                   \
        F(prospect_via_name, STR, 55, "prospect_via_name", FIELD_NAME_MAX, FILL, OWN,              \
          "X-TEND-PROSPECT-VIA-NAME")                                                              \
        F(birthday_state, DATE_STATE, 91, "birthday_state", 0, NONE, NONE,                         \
          "X-TEND-BIRTHDAY-STATE")                                                                 \
        F(dates, DATES, 90, "dates", 0, UNION, NONE, "X-TEND-DATES")                               \
        F(agenda, NOTE, 92, "agenda", FIELD_NOTE_MAX, FILL, REPLY, "X-TEND-AGENDA")                \
        F(strength_milli, U64, 100, NULL, 0, NONE, OWN, NULL)                                      \
        F(strength_ref, TIME, 101, NULL, 0, NONE, OWN, NULL)

/* The C type of each kind of field. */
#define CONTACT_CTYPE_STR        char *
#define CONTACT_CTYPE_NOTE       char *
#define CONTACT_CTYPE_KIND       char *
#define CONTACT_CTYPE_BIRTHDAY   char *
#define CONTACT_CTYPE_LIST       char **
#define CONTACT_CTYPE_LINES      char **
#define CONTACT_CTYPE_TIME       int64_t
#define CONTACT_CTYPE_SECONDS    int64_t
#define CONTACT_CTYPE_U32        uint32_t
#define CONTACT_CTYPE_NETWORKS   uint32_t
#define CONTACT_CTYPE_SCOPE      enum scope
#define CONTACT_CTYPE_STAGE      enum prospect_stage
#define CONTACT_CTYPE_REF        uint64_t
#define CONTACT_CTYPE_U64        uint64_t
#define CONTACT_CTYPE_DATE_STATE struct date_state

/* The members of each kind of field: one of its C type, a pointer and a count for DATES. */
#define CONTACT_DECL(type, member) CONTACT_CTYPE_##type member;
#define CONTACT_DECL_STR(m)        CONTACT_DECL(STR, m)
#define CONTACT_DECL_NOTE(m)       CONTACT_DECL(NOTE, m)
#define CONTACT_DECL_KIND(m)       CONTACT_DECL(KIND, m)
#define CONTACT_DECL_BIRTHDAY(m)   CONTACT_DECL(BIRTHDAY, m)
#define CONTACT_DECL_LIST(m)       CONTACT_DECL(LIST, m)
#define CONTACT_DECL_LINES(m)      CONTACT_DECL(LINES, m)
#define CONTACT_DECL_TIME(m)       CONTACT_DECL(TIME, m)
#define CONTACT_DECL_SECONDS(m)    CONTACT_DECL(SECONDS, m)
#define CONTACT_DECL_U32(m)        CONTACT_DECL(U32, m)
#define CONTACT_DECL_NETWORKS(m)   CONTACT_DECL(NETWORKS, m)
#define CONTACT_DECL_SCOPE(m)      CONTACT_DECL(SCOPE, m)
#define CONTACT_DECL_STAGE(m)      CONTACT_DECL(STAGE, m)
#define CONTACT_DECL_REF(m)        CONTACT_DECL(REF, m)
#define CONTACT_DECL_U64(m)        CONTACT_DECL(U64, m)
#define CONTACT_DECL_DATE_STATE(m) CONTACT_DECL(DATE_STATE, m)
#define CONTACT_DECL_DATES(m)                                                                      \
        struct contact_date *m;                                                                    \
        size_t n_##m;

#define CONTACT_MEMBER(member, type, ...) CONTACT_DECL_##type(member)

/* How many fields the table has, as a constant expression. */
#define CONTACT_FIELD_COUNT_ONE(...) +1
enum { CONTACT_FIELDS_N = 0 CONTACT_FIELDS(CONTACT_FIELD_COUNT_ONE) };

enum contact_field_type {
        CF_STR,
        CF_NOTE,
        CF_KIND,
        CF_BIRTHDAY,
        CF_LIST,
        CF_LINES,
        CF_TIME,
        CF_SECONDS,
        CF_U32,
        CF_NETWORKS,
        CF_SCOPE,
        CF_STAGE,
        CF_REF,
        CF_U64,
        CF_DATE_STATE,
        CF_DATES,
};

enum contact_field_merge {
        CF_MERGE_NONE,
        CF_MERGE_FILL,
        CF_MERGE_UNION,
};

enum contact_field_reply {
        CF_REPLY_NONE,
        CF_REPLY_REPLY,
        CF_REPLY_OWN,
};

struct contact_field {
        const char *member;
        enum contact_field_type type;
        unsigned tag;
        const char *key;
        long long arg;
        enum contact_field_merge merge;
        enum contact_field_reply reply;
        const char *vcard;
        size_t offset;
};

/** The table, in codec write order; ret_n gets its length. */
const struct contact_field *contact_fields(size_t *ret_n);

/** The entry for a codec tag, or NULL. */
const struct contact_field *contact_field_by_tag(unsigned tag);

/** The entry for a JSON key, or NULL. */
const struct contact_field *contact_field_by_key(const char *key);

/** The member of c an entry describes. */
#define CONTACT_FIELD_PTR(c, f, T) ((T *)((char *)(c) + (f)->offset))
