/* The LMDB store. No other module includes lmdb.h. All access happens inside a transaction
 * run by store_read or store_write, which call back into the caller with a struct store_txn;
 * the store_txn_* operations below work on that transaction.
 *
 * Layout (integers in keys big-endian, so memcmp order is numeric order):
 *   meta          "schema" → u32, "next_id" → u64
 *   contacts      id → contact record (codec)
 *   interactions  contact id ‖ time (offset by 2^63) ‖ seq → interaction record
 *   due           due time (offset) ‖ contact id → ∅
 *   idx_name      DUPSORT lower-cased full name → id        (WHO resolution, ls order)
 *   idx_token     DUPSORT lower-cased word of name/org/title/email/tag → id   (find, text filter)
 *   idx_email     DUPSORT lower-cased email → id
 *   idx_tag       DUPSORT lower-cased tag → id
 *   idx_network   DUPSORT network byte → id
 *   idx_uuid      uuid → id
 *   tombstones    uuid → record type byte ‖ deletion time
 * A record and all its index entries change in one write transaction. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define STORE_SCHEMA_VERSION 1

struct store;
struct store_txn;

struct store_options {
        const char *dir;         /* created 0700 if missing */
        size_t initial_map_size; /* bytes; 0 = default (64 MiB) */
        size_t max_map_size;     /* bytes; 0 = default (64 GiB); growth stops here (-ENOSPC) */
};

/** Open (creating if needed) the environment in opts->dir, run mdb_reader_check, create the
 * databases and run schema migrations in one write transaction. Refuses remote file systems
 * (-EREMOTE) and a schema newer than this build knows (-EPROTONOSUPPORT). Returns 0 or -errno. */
int store_open(const struct store_options *opts, struct store **ret);

/** Close the environment; accepts NULL. */
void store_close(struct store *s);

typedef int (*store_txn_fn)(struct store_txn *t, void *userdata);

/** Run fn in a read-only transaction. Returns what fn returned, or a negative errno from
 * starting the transaction. */
int store_read(struct store *s, store_txn_fn fn, void *userdata);

/** Run fn in a write transaction and commit it when fn returns >= 0; abort when fn fails.
 * When the map fills (MDB_MAP_FULL, from any operation or the commit) the transaction is
 * aborted, the map doubled and fn run again from the start — so fn must be safe to re-run.
 * Returns fn's value once the commit has returned (the write is durable), or -errno
 * (-ENOSPC: disk or maximum map size full). On MDB_PANIC it returns -EIO and
 * store_is_broken() turns true; the daemon must exit. */
int store_write(struct store *s, store_txn_fn fn, void *userdata);

/** Whether the environment hit a fatal error (MDB_PANIC) and must not be used any more. */
bool store_is_broken(const struct store *s);

/** Current map size in bytes (grows on MDB_MAP_FULL). */
size_t store_map_size(const struct store *s);

/** The data directory path. */
const char *store_dir(const struct store *s);

/* ---- contacts ---- */

/** Load contact id. Returns 0, -ENOENT, -EBADMSG (corrupt record) or -errno. */
int store_txn_contact_get(struct store_txn *t, uint64_t id, struct contact **ret);

/** Insert or replace a contact and update every index in this transaction. When c->id is 0 a
 * new id is assigned (written to c->id) and, if c->uuid is empty, a UUID. The caller sets
 * created/updated and next_due. Returns 0, -EEXIST (uuid belongs to another contact) or -errno. */
int store_txn_contact_put(struct store_txn *t, struct contact *c);

/** Delete a contact, its index entries and its interactions, and leave a tombstone with the
 * uuid and time now. Returns 0, -ENOENT or -errno. */
int store_txn_contact_delete(struct store_txn *t, uint64_t id, int64_t now);

/** Number of live contacts. */
int store_txn_contact_count(struct store_txn *t, uint64_t *ret);

/** Resolve a WHO: a decimal id; else (contains '@') an email; else a case-insensitive exact
 * full name; else a case-insensitive prefix of full names. Fills at most max ids into ret_ids
 * (exact matches win over prefixes) and returns how many candidates there are in total (0 = no
 * such contact, 1 = unique, >1 = ambiguous), or -errno. */
int store_txn_contact_resolve(struct store_txn *t, const char *who, uint64_t *ret_ids, size_t max);

/** Contact id for a UUID. Returns 0, -ENOENT. */
int store_txn_contact_by_uuid(struct store_txn *t, const char *uuid, uint64_t *ret);

struct contact_filter {
        uint32_t networks;  /* bit mask; contact must be in all of them; 0 = any */
        const char *tag;    /* case-insensitive; NULL = any */
        int64_t due_before; /* next_due set and < due_before; 0 = no filter */
        const char *text;   /* every word must prefix-match a token of the contact; NULL = any */
        size_t limit;       /* 0 = all */
};

/** Return 0 to continue, > 0 to stop early (returned by the iteration), < 0 to fail. The
 * contact is only valid during the call. */
typedef int (*store_contact_cb)(const struct contact *c, void *userdata);

/** Visit matching contacts, driven by an index (never a scan of all contacts when a filter is
 * given): due order when due_before is set, otherwise by lower-cased name. Returns 0, the
 * callback's positive stop value, or -errno. */
int store_txn_contact_list(struct store_txn *t, const struct contact_filter *f,
                           store_contact_cb cb, void *userdata);

/** Visit contacts with next_due < until (0 = all with a due date) in due order, at most limit
 * (0 = all). Returns like store_txn_contact_list. */
int store_txn_due_list(struct store_txn *t, int64_t until, size_t limit, store_contact_cb cb,
                       void *userdata);

/** The earliest due entry. Returns 0 with *ret_due / *ret_id, or -ENOENT when nothing is due. */
int store_txn_due_first(struct store_txn *t, int64_t *ret_due, uint64_t *ret_id);

/* ---- interactions ---- */

/** Add an interaction for i->contact_id (which must exist: -ENOENT). Assigns i->seq and, if
 * empty, i->uuid. Does not touch the contact: the caller updates last_interaction/next_due
 * with store_txn_contact_put in the same transaction. Returns 0 or -errno. */
int store_txn_interaction_add(struct store_txn *t, struct interaction *i);

typedef int (*store_interaction_cb)(const struct interaction *i, void *userdata);

/** Visit the interactions of one contact, newest first, at most limit (0 = all). */
int store_txn_interaction_list(struct store_txn *t, uint64_t contact_id, size_t limit,
                               store_interaction_cb cb, void *userdata);

/** Number of interactions of one contact. */
int store_txn_interaction_count(struct store_txn *t, uint64_t contact_id, uint64_t *ret);
