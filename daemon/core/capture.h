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
};

/** Where a reader hands its batches: recorded (or skipped) in one store write.
 * Returns 0 or -errno (the reader keeps its checkpoint and retries later on error). */
typedef int (*capture_sink_fn)(void *userdata, const struct capture_batch *batch);
