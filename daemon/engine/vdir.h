/* The vdir mirror: tendd keeps a folder of one vCard per person (UID.vcf, sync-card.h) in
 * step with the store, for vdirsyncer (or khard, or anything reading a vdir) to take further.
 *
 * - Out: shortly after a committed write (the store's observer calls vdir_committed) every
 *   person whose card changed is written — a temporary file in the folder, then rename, mode
 *   0600 — and a person who is gone has their file removed. The loop never waits on it beyond
 *   the writes themselves.
 * - In: an inotify watch on the folder; changed or new files are imported once the folder has
 *   been quiet for a moment (a file being written is not read half-way), matched by UID and
 *   merged field by field with what the store has (sync-card.h). A file that vanishes after it
 *   had been synced deletes the person (a tombstone, never a ghost card), unless they were
 *   changed here since. Anything unreadable — a symlink, a file over VDIR_FILE_MAX, not a
 *   vCard, a card without UID — is named in the status and skipped, never fatal.
 * - This machine's sync state (the last card it agreed with per person) lives in the data
 *   directory (DATA/sync/), never in the cards; so does nothing else per machine.
 * - ics (optional, one way): one UID.ics per follow-up (VTODO) in another folder. */
#pragma once

#include <ev.h>
#include <jansson.h>
#include <stdint.h>

#include "store.h"

#define VDIR_FILE_MAX   (1u << 20) /* bytes; a bigger card is skipped */
#define VDIR_ERRORS_MAX 50         /* the newest problems kept for `tend sync status` */
/* The walk over everyone (the first export of a store, or after a change too big to list) goes
 * a slice at a time while the loop is idle: at most this many people or this long a slice. */
#define VDIR_SLICE_PEOPLE 1000
#define VDIR_SLICE_US     50000
/* Files written by the walk are made durable and renamed into place this many at a time (one
 * flush each time: vdir_first_export.py in tests/bench). */
#define VDIR_BATCH_FILES 2000

struct vdir;

struct vdir_options {
        const char *dir;       /* the vdir; created 0700 when missing */
        const char *ics_dir;   /* NULL: none */
        const char *state_dir; /* DATA/sync */
        unsigned exclude;      /* enum sync_exclude */
        int64_t conf_every;    /* tendd.conf [goals] follow_up */
        double delay;          /* seconds of quiet before exporting or importing */
        /* A notification shown here for a follow-up done or snoozed on another machine. */
        void (*withdraw)(uint32_t notify_id, void *userdata);
        void *userdata;
};

/** Start mirroring: the watch, then a full import of what changed while tendd was not
 * running, then a full export. Returns 0 or -errno (the folder cannot be created or
 * watched). */
int vdir_new(struct ev_loop *loop, struct store *store, const struct vdir_options *o,
             struct vdir **ret);

/** Stop watching; accepts NULL. */
void vdir_free(struct vdir *v);

/** A write was committed: export soon. */
void vdir_committed(struct vdir *v, const struct store_changes *ch);

/** The status object of io.tend.Sync.Status: vdir, ics, last_export, last_import, pending,
 * exported, imported, deleted, errors [{file, reason, at}]. */
json_t *vdir_status(struct vdir *v);

/** Export and import right away (used at exit and by tests through the status call). */
void vdir_flush(struct vdir *v);
