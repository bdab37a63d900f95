/* Capture: interactions that log themselves from mail (notmuch) and a calendar vdir.
 *
 * A reader (daemon/engine/capture-*.c) turns what it finds into capture items — headers only,
 * never bodies — and hands them, in batches, to a sink. The daemon's sink records a batch in
 * one store write through capture_record (core/capture.c): participants are matched to
 * contacts by every email a contact has, case-insensitively; your own addresses, ignored
 * addresses, domains and people are left out; an item already captured (or captured and then
 * deleted) is never recorded again; what is recorded goes through the core's one touch door
 * (touch.h), so cadences, goals and the pipeline react as to a hand-logged touch. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum capture_source {
        CAPTURE_MAIL,     /* a message found by notmuch */
        CAPTURE_CALENDAR, /* an event (or one occurrence of a series) in a calendar vdir */
};

enum capture_direction {
        CAPTURE_SENT,     /* mail you sent; a meeting (always a touch once it happened) */
        CAPTURE_RECEIVED, /* mail someone sent you: a touch only with [capture] received = touch */
};

/** One thing that happened, as a reader saw it. Strings are borrowed for the sink's call. */
struct capture_item {
        enum capture_source source;
        enum capture_direction direction;
        /* The exactly-once key: the Message-ID (without <>) for mail; the event UID, and for
         * one occurrence of a recurring series its RECURRENCE-ID as UTC "YYYYMMDDTHHMMSSZ"
         * (or the DATE "YYYYMMDD"), joined by "/" ("uid/20261207T090000Z"). */
        const char *key;
        int64_t at; /* UTC seconds: the mail's Date, the occurrence's start */
        /* Every other participant's address (From, To, Cc; ORGANIZER and ATTENDEEs), as
         * written, without display names; the sink lower-cases and drops your own. */
        const char *const *emails;
        size_t n_emails;
        /* Not a touch whatever the settings: a message with List-Id or more recipients than
         * [capture] max_recipients (it is still counted in capture status). */
        bool bulk;
};

/** A batch of items and the reader's position after them. */
struct capture_batch {
        enum capture_source source;
        const struct capture_item *items;
        size_t n;
        /* The reader's checkpoint after these items (notmuch: the database revision, lastmod),
         * stored in the same write as the items so a kill -9 neither loses nor repeats any;
         * 0 = the reader keeps none (the calendar re-reads its vdir, the keys dedup). */
        uint64_t checkpoint;
        /* Back-fill progress for `tend capture status`: items seen so far of total (0 = not
         * back-filling). */
        uint64_t progress_done, progress_total;
        /* A back-fill in progress, read in date order: every item dated before this is recorded
         * (the reader resumes here after a restart); 0 = no back-fill under way. */
        int64_t resume_at;
        /* Your own addresses the reader knows besides [capture] me (notmuch's
         * user.primary_email and user.other_email), dropped like them. */
        const char *const *me;
        size_t n_me;
        /* What went wrong, kept in capture status (NULL: the scan went well, an earlier error
         * is cleared). A batch with an error and no items only records it. */
        const char *error;
};

/** Where a reader hands its batches: recorded (or skipped) in one store write.
 * Returns 0 or -errno (the reader keeps its checkpoint and retries later on error). */
typedef int (*capture_sink_fn)(void *userdata, const struct capture_batch *batch);

/* ---- the core's side (core/capture.c) ---- */

struct core;
struct store_txn;

/** What one batch did; also kept, summed, per source in its state. */
struct capture_counts {
        uint64_t captured;  /* interactions recorded (touches and received) */
        uint64_t received;  /* of them, received mail */
        uint64_t bulk;      /* lists and mass mail: counted, never recorded */
        uint64_t seen;      /* items already captured (or captured and deleted) */
        uint64_t unmatched; /* no tracked person among the participants */
        uint64_t ignored;   /* every participant matched was ignored or yourself */
};

/** A source's state: where its reader is, and what it did. */
struct capture_state {
        uint64_t checkpoint; /* the reader's (notmuch: lastmod revision), 0 = none */
        int64_t resume_at;   /* back-fill resumes here, 0 = none under way */
        uint64_t progress_done, progress_total;
        int64_t last_scan; /* the last batch recorded, 0 = never */
        struct capture_counts counts;
        char *error; /* the last scan's error, NULL = none */
        int64_t error_at;
};

void capture_state_done(struct capture_state *s);
/** The state kept for src (zeroed when none). Returns 0 or -errno. */
int capture_state_get(struct store_txn *t, enum capture_source src, struct capture_state *ret);
int capture_state_put(struct store_txn *t, enum capture_source src, const struct capture_state *s);

/** Record a batch in t: each item not captured before is matched to contacts (every email of
 * every contact, case-insensitively), your own and ignored addresses, domains and people left
 * out; bulk items only counted; sent mail → an `email` touch, received → `received` (a touch
 * only with [capture] received = touch), a calendar item → a `meeting`; several people → one
 * group interaction. Each carries its source and key; the key is kept for good. The batch's
 * checkpoint, progress and counts go into the source's state in the same write. ret (may be
 * NULL) gets this batch's counts. Returns 0 or -errno. */
int capture_record(struct core *core, struct store_txn *t, const struct capture_batch *batch,
                   struct capture_counts *ret);

/** The daemon's sink (a capture_sink_fn; userdata: the struct core): capture_record in one
 * store_write. */
int capture_sink(void *core, const struct capture_batch *batch);

/** Forget a source's checkpoint so its reader reads its window again (keys dedup). */
int capture_rescan(struct store_txn *t, enum capture_source src);

/* The ignore list (a setting, so it is undone, exported and imported like one): an address
 * "x@example.com", a domain "@example.com" (and its subdomains), or a person "contact:UUID"
 * (the per-contact opt-out). */
#define CAPTURE_IGNORE_SETTING "capture_ignore"

/** Normalise what the user typed — an address, @domain or domain, or WHO — into an entry.
 * A WHO must name one contact. Returns 0 with *ret (new), -EINVAL (not an address, domain or
 * person), -ENOENT (no such person), -ENOTUNIQ (several). */
int capture_ignore_entry(struct store_txn *t, const char *what, char **ret);
/** Add or remove an entry. Returns 1 when the list changed, 0 when it already was so. */
int capture_ignore_add(struct store_txn *t, const char *entry);
int capture_ignore_remove(struct store_txn *t, const char *entry);
/** The entries, in the order added (NULL: none). */
int capture_ignore_list(struct store_txn *t, char ***ret);
