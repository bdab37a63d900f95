/* The calendar reader of capture (capture.h): meetings that took place, from a calendar vdir
 * as vdirsyncer keeps it (and khal and calcurse read): a folder of collections, each a
 * folder of .ics files. What counts as a meeting is core/calendar-events.h; this is files,
 * time and the loop.
 *
 * - A scan walks the vdir (collections up to CAPTURE_CALENDAR_DEPTH folders deep, hidden
 *   names skipped), reads every .ics file that is new or changed since the last scan — or
 *   whose next occurrence has started since — and hands what it finds to the sink in batches
 *   of at most CAPTURE_CALENDAR_BATCH items. It keeps no checkpoint: the sink's keys make a
 *   re-read harmless, so a restart or a kill -9 simply reads the window again.
 * - Files are read a few at a time per loop iteration, so a big vdir never stalls the
 *   daemon; a file is never read again while it stays the same (device, inode, size, mtime,
 *   ctime) until one of its occurrences starts.
 * - Scans run at start, after a change (an inotify watch on the vdir and every collection;
 *   changes are read once the folder has been quiet for `delay`, so a file vdirsyncer
 *   renames into place is read whole) and when a meeting starts: ONE absolute ev_periodic is
 *   armed at the earliest pending start among the files. Idle, nothing wakes up.
 * - Unreadable files (a symlink, not a regular file, over CAPTURE_CALENDAR_FILE_MAX, not
 *   iCalendar) and events skipped or cut short are logged, and the first of them is the
 *   scan's error for the sink (capture status); never fatal. A batch the sink refuses is read again
 *   CAPTURE_CALENDAR_RETRY seconds later. */
#pragma once

#include <ev.h>
#include <jansson.h>
#include <stdint.h>

#include "capture.h"

#define CAPTURE_CALENDAR_FILE_MAX (1u << 20) /* bytes; a bigger file is skipped */
#define CAPTURE_CALENDAR_DEPTH    3          /* folders below the vdir that are read */
#define CAPTURE_CALENDAR_BATCH    256        /* items per sink call */
#define CAPTURE_CALENDAR_RETRY    30.        /* seconds before a refused batch is read again */

struct capture_calendar;

struct capture_calendar_options {
        const char *dir;  /* the vdir (must exist) */
        char *const *me;  /* your addresses (strv; copied) */
        int64_t backfill; /* seconds: occurrences older than this are not read */
        double delay;     /* seconds of quiet after a change before a scan (0: 0.3) */
        capture_sink_fn sink;
        void *userdata;
};

/** Watch the vdir and scan it once the loop runs. Returns 0 or -errno (cannot watch). */
int capture_calendar_new(struct ev_loop *loop, const struct capture_calendar_options *o,
                         struct capture_calendar **ret);

/** Stop; accepts NULL. A scan under way is dropped (the next start reads it again). */
void capture_calendar_free(struct capture_calendar *cc);

/** Forget what was read: the next scan, started now, reads every file again. */
void capture_calendar_rescan(struct capture_calendar *cc);

/** What io.tend.Capture.Status shows of the reader: {enabled, path, scanning, watching,
 * files, next} ({enabled: false} for NULL). New reference. */
json_t *capture_calendar_status(const struct capture_calendar *cc);
