/* Capture from mail indexed by notmuch ([capture] notmuch; core/capture.h).
 *
 * A scan runs on a thread of its own: it opens the notmuch database read-only, reads what
 * changed since the checkpoint kept in the store (the first scan back-fills [capture]
 * backfill in date order, resumable; later ones ask for lastmod:REV..), and hands batches of
 * items to the core's sink on the loop (an ev_async; the thread waits for each write), then
 * closes the database so `notmuch new` can write. Headers only: Message-ID, Date and From come
 * from notmuch's index; To, Cc and List-Id from the message file's header block, read up to
 * its first empty line and never further; addresses are parsed by GMime. An inotify watch on
 * the Xapian folder starts the next scan (debounced) after `notmuch new`; idle costs nothing. */
#pragma once

#include <ev.h>
#include <jansson.h>

struct core;
struct capture_mail;

/** Start capturing with the settings in core->config ([capture] notmuch must be set): a first
 * scan at once. Returns 0 or -errno. */
int capture_mail_new(struct ev_loop *loop, struct core *core, struct capture_mail **ret);

/** Stop: a scan in progress ends after its current item; accepts NULL. */
void capture_mail_free(struct capture_mail *m);

/** Scan now (io.tend.Capture.Rescan, after its checkpoint was reset). */
void capture_mail_scan(struct capture_mail *m);

/** What the engine knows besides the store: enabled, path, found, scanning. NULL m: off. */
json_t *capture_mail_status(struct capture_mail *m);
