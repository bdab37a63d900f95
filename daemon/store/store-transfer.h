/* Store operations for import, export and backup (issue 6): whole-database walks in key
 * order, lookups by exact email and exact name, exact (id-, seq- and time-preserving) puts for
 * restores, tombstones, the next-id counter, map reservation before a big import, and a
 * compacted copy of the environment while the daemon keeps serving. Like store.h, this hides
 * LMDB; the implementation is daemon/store-transfer.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/** Visit every contact in id order. Returns 0, the callback's positive stop value or -errno. */
int store_txn_contact_walk(struct store_txn *t, store_contact_cb cb, void *userdata);

/** Visit the contacts with an id of at least from, in id order (a walk resumed in a later
 * transaction). Returns like store_txn_contact_walk. */
int store_txn_contact_walk_from(struct store_txn *t, uint64_t from, store_contact_cb cb,
                                void *userdata);

/** Visit every interaction in key order (contact id, time, seq). contact_id, at and seq are
 * filled from the key. Returns like store_txn_contact_walk. */
int store_txn_interaction_walk(struct store_txn *t, store_interaction_cb cb, void *userdata);

/** store_txn_contact_walk from the first contact whose id is above after (0: all): a walk
 * resumed in chunks within one read transaction (a streamed export). */
int store_txn_contact_walk_after(struct store_txn *t, uint64_t after, store_contact_cb cb,
                                 void *userdata);

/** store_txn_interaction_walk from the first interaction whose key (contact, at, seq) is
 * above after's (NULL: all). */
int store_txn_interaction_walk_after(struct store_txn *t, const struct interaction *after,
                                     store_interaction_cb cb, void *userdata);

typedef int (*store_tombstone_cb)(const char *uuid, uint8_t type, int64_t deleted, void *userdata);

/** Visit every tombstone in uuid order. */
int store_txn_tombstone_walk(struct store_txn *t, store_tombstone_cb cb, void *userdata);

typedef int (*store_setting_cb)(const char *name, const char *value, void *userdata);

/** Visit every setting (settings of store-goals.h) in name order; values that are not clean
 * text are skipped. */
int store_txn_setting_walk(struct store_txn *t, store_setting_cb cb, void *userdata);

/** Leave a tombstone (type 'C' or 'I') for a uuid that is not a live contact; a tombstone that
 * exists keeps the later deletion time. Returns 0, -EEXIST (a live contact has the uuid),
 * -EINVAL (not a uuid) or -errno. */
int store_txn_tombstone_put_exact(struct store_txn *t, const char *uuid, uint8_t type,
                                  int64_t deleted);

/** The next id the store will hand out. */
int store_txn_next_id_get(struct store_txn *t, uint64_t *ret);

/** Raise the next id to at least next (never lowers it). */
int store_txn_next_id_raise(struct store_txn *t, uint64_t next);

/** Raise the next interaction id to at least next (never lowers it): a restore continues the
 * counter where the exported store was, so an id removed there is not handed out again. */
int store_txn_interaction_next_id_raise(struct store_txn *t, uint64_t next);

/** Whether contact id exists: 1, 0, or -errno. */
int store_txn_contact_exists(struct store_txn *t, uint64_t id);

/** Contacts with this email address (case-insensitive, exact): fills at most max ids and
 * returns how many there are (counted up to max + 1), or -errno. */
int store_txn_ids_by_email(struct store_txn *t, const char *email, uint64_t *ret_ids, size_t max);

/** Contacts with exactly this full name (case-insensitive): like store_txn_ids_by_email. */
int store_txn_ids_by_name(struct store_txn *t, const char *name, uint64_t *ret_ids, size_t max);

/** The interaction at (contact_id, at, seq). Returns 0, -ENOENT or -errno. */
int store_txn_interaction_get(struct store_txn *t, uint64_t contact_id, int64_t at, uint32_t seq,
                              struct interaction **ret);

/** Store i under exactly (i->contact_id, i->at, i->seq) with its uuid (which must be set) and
 * its id when that is free (an import into an empty store keeps every id); a taken or zero id
 * is replaced by a fresh one, written back to i->id. Returns 0, -EEXIST when that key is taken,
 * -ENOENT when the contact does not exist, -errno. Does not touch the contact. */
int store_txn_interaction_put_exact(struct store_txn *t, struct interaction *i);

/** Make sure the map has room for about bytes more data, so a big import does not run again
 * and again as the map doubles. No transaction may be active. Returns 0 or -errno (-ENOSPC past
 * the maximum map size, which is not an error for the caller: the import grows as usual). */
int store_reserve(struct store *s, size_t bytes);

/** Write a consistent, compacted copy of the environment to path (a single file, LMDB's
 * data.mdb format; open it with mdb_stat -n or copy it to DIR/data.mdb): a temporary file in
 * the same directory, fsync, rename, fsync of the directory, so path is either the old file
 * or the complete new one. Runs in a read transaction: writers are not blocked. Returns 0 with
 * the size in *ret_size, or -errno. Safe to call from a thread other than the loop's (a map
 * resize on the loop waits for the copy). */
int store_backup(struct store *s, const char *path, uint64_t *ret_size);

/** What reading a backup back found. */
struct store_backup_check {
        uint32_t schema;
        uint64_t contacts, interactions;
        uint64_t entries; /* in every database */
};

/** store_backup, and before the copy gets its name: open it read-only with LMDB, read every
 * entry of every database (every page touched) and decode every contact; a copy that fails is
 * removed (-EBADMSG and the like). Fills *ret_check (may be NULL: no verification). */
int store_backup_checked(struct store *s, const char *path, uint64_t *ret_size,
                         struct store_backup_check *ret_check);

/** Verify a backup file (see store_backup_checked). Returns 0, -EPROTONOSUPPORT (a schema this
 * build does not know), -EBADMSG (corrupt) or -errno. */
int store_backup_verify(const char *path, struct store_backup_check *ret);
