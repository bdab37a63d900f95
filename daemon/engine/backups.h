/* Backups off the event loop: rolling backups on an absolute timer ([backup] in tendd.conf)
 * and backups asked for by a client. Each is a compacted copy of the store written from a read
 * transaction on a thread of its own and read back before it gets its name (store-transfer.h);
 * the loop hears of the end through an ev_async and goes on serving meanwhile. */
#pragma once

#include <ev.h>
#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "store-transfer.h"
#include "store.h"

struct backups;

/** Called on the loop when a backup ended: r is 0 or -errno; path is where it went. */
typedef void (*backups_done_fn)(int r, const char *path, uint64_t size,
                                const struct store_backup_check *check, void *userdata);

int backups_new(struct ev_loop *loop, struct store *store, struct backups **ret);

/** Wait for a backup being written, then free everything; accepts NULL. */
void backups_free(struct backups *b);

/** Apply [backup]: folder, how many to keep, how often; re-arms the timer for one interval
 * after the newest backup in the folder (at once when that is past, one hour from now when
 * there is none yet). keep 0 disarms it. Returns 0 or -errno (the folder cannot be made). */
int backups_configure(struct backups *b, const struct config *c);

/** Write a backup now, off the loop: to path, or with path NULL a rolling one into the folder
 * (then the oldest beyond the count are removed). done (may be NULL) runs on the loop once it
 * is written and verified, or failed. Returns 0, -EBUSY (one is being written) or -errno. */
int backups_start(struct backups *b, const char *path, backups_done_fn done, void *userdata);

/** The rolling backups in the folder, newest first: [{name, path, size, time, verified}]. */
int backups_list(struct backups *b, json_t **ret);

/** The folder rolling backups go to. */
const char *backups_dir(const struct backups *b);
