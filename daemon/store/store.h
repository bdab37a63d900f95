/* The LMDB store. Only the store files (store*.c, store-internal.h) include lmdb.h. All access
 * happens inside a transaction run by store_read or store_write, which call back into the caller
 * with a struct store_txn; the store_txn_* operations below work on that transaction.
 *
 * Layout (integers in keys big-endian, so memcmp order is numeric order):
 *   meta          "schema" → u32, "next_id" → u64
 *   contacts      id → contact record (codec)
 *   interactions  contact id ‖ time (offset by 2^63) ‖ seq → interaction record
 *   interaction_ids  global interaction id → interaction key (the id is also in the record)
 *   kinds         kind → u64 number of interactions of that kind
 *   due           due time (offset) ‖ contact id → ∅
 *   idx_name      DUPSORT lower-cased full name → id        (WHO resolution, ls order)
 *   idx_token     DUPSORT lower-cased word of name/org/title/email/tag → id   (find, text filter)
 *   idx_email     DUPSORT lower-cased email → id
 *   idx_tag       DUPSORT lower-cased tag → id
 *   idx_network   DUPSORT network byte → id
 *   idx_uuid      uuid → id
 *   tombstones    uuid → record type byte ‖ deletion time (offset) [‖ uuid merged into]
 *   journal       seq → change header; seq ‖ database ‖ key → record image (store-journal.c)
 *   meta          also "journal" → first ‖ applied ‖ last change kept
 * A record and all its index entries change in one write transaction.
 *
 * Index strings are ASCII-lower-cased (UTF-8 bytes untouched) and cut at a UTF-8 boundary to
 * LMDB's 511-byte key limit. Tokens (idx_token) are maximal runs of ASCII alphanumerics and
 * bytes >= 0x80 in name, org, title, each email and each tag, plus each whole email address.
 * UUIDs are stored lower-cased. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* 2: the undo journal, global interaction ids and the kind counts.
 * 3: keys folded with libunistring, the text index (idx_text); the sched index keyed
 *    time ‖ id ‖ event (important dates). */
/* 4: the captured database (mail and calendar keys → interaction id; store-capture.c).
 * 5: due_counts, the number of due entries per bucket of time (status at 1M without a scan). */
#define STORE_SCHEMA_VERSION 5

struct store;
struct store_txn;

struct store_options {
        const char *dir;         /* created 0700 if missing */
        size_t initial_map_size; /* bytes; 0 = default (64 MiB) */
        size_t max_map_size;     /* bytes; 0 = default (64 GiB); growth stops here (-ENOSPC) */
        /* The journal's clock in UTC seconds; NULL: the wall clock. */
        int64_t (*clock)(void *userdata);
        void *clock_userdata;
        /* Tests and fuzzers only (tendd never sets it): commit without fsync (MDB_NOSYNC), so
         * a crash of the machine may lose or corrupt the store. */
        bool unsafe_no_sync;
};

/** Open (creating if needed) the environment in opts->dir, run mdb_reader_check, create the
 * databases and run schema migrations in one write transaction. Refuses remote file systems
 * (-EREMOTE) and a schema newer than this build knows (-EPROTONOSUPPORT). Before upgrading an
 * older store it writes a compacted copy next to it (store_upgrade_backup_path). Returns 0 or
 * -errno. */
int store_open(const struct store_options *opts, struct store **ret);

/** Where store_open keeps the copy of a store it upgraded from schema version `from`:
 * DIR/data.mdb.vFROM-backup. Returns a new string or NULL (out of memory). */
char *store_upgrade_backup_path(const char *dir, uint32_t from);

/** The schema version store_open upgraded this store from (its backup is at
 * store_upgrade_backup_path), or 0 when it did not upgrade it. */
uint32_t store_upgraded_from(const struct store *s);

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

/* One write of a group (store_write_group). */
struct store_write_op {
        store_txn_fn fn;
        void *userdata;
        int result; /* set: what store_write would have returned for it */
};

/** Group commit: run every op's fn, in order, in one write transaction with one commit (one
 * pair of fsyncs for all). Each fn runs in a nested transaction of its own, so one that fails
 * (fn < 0) is rolled back alone; each keeps its own journal entry, and each change set reaches
 * the observer after the commit, as with store_write. When the group as a whole cannot be
 * committed (the map or the disk full, an I/O error) nothing of it is, and every op is run
 * again through store_write one by one: fns must be re-runnable, as for store_write. Every
 * op's result is set when this returns; none is durable before. */
void store_write_group(struct store *s, struct store_write_op *ops, size_t n);

/* Neither store_read nor store_write may be called from inside a transaction callback. */

/* ---- snapshots ----
 * A read transaction kept open across turns of the loop, for a reply streamed in pieces (an
 * export): every read of it sees the store as it was when it was opened (LMDB's MVCC), while
 * writes go on. The price: pages freed by writes meanwhile are not reused until it closes, so
 * the file may grow during a long one. A map growth (LMDB allows it only with no transaction
 * open) ends every snapshot: its next read says -ESTALE. */
struct store_snapshot;

/** Open a snapshot of the store as it is now. Returns 0 or -errno. */
int store_snapshot_open(struct store *s, struct store_snapshot **ret);

/** Run fn in the snapshot's read transaction. Returns what fn returned, or -ESTALE (ended by a
 * map growth). */
int store_snapshot_read(struct store_snapshot *snap, store_txn_fn fn, void *userdata);

/** End the snapshot; accepts NULL. */
void store_snapshot_close(struct store_snapshot *snap);

/* ---- what a committed write changed ----
 * Every write transaction collects its change set as it goes (the store sees every contact
 * put and delete); once the commit has returned, store_write hands it to the observer the
 * daemon registered: the scheduler re-arms, the STATUS line and watch streams update. No
 * writer calls them by hand, so no door can forget one. */

#define STORE_MOVES_MAX   64  /* due-date moves listed one by one; more are only counted */
#define STORE_CHANGED_MAX 256 /* contacts changed listed by id; more are only counted */

struct store_due_move {
        uint64_t id;
        int64_t next_due; /* 0: no follow-up any more (or the contact is gone) */
        char *name;       /* the contact's name (the store's copy, valid during the call) */
};

struct store_changes {
        const char *event; /* what the write was for watch streams ("done", "snoozed"); NULL:
                            * "changed" */
        bool sched;        /* the sched index changed: the follow-up engine must re-arm */
        bool contacts;     /* a contact was added, changed or removed */
        size_t n_moves;    /* contacts whose next_due moved; moves[] lists the first ones */
        struct store_due_move moves[STORE_MOVES_MAX];
        /* Contacts written, removed, or whose interactions changed (a contact may appear
         * more than once); changed[] lists the first ones, n_changed counts them all. */
        size_t n_changed;
        uint64_t changed[STORE_CHANGED_MAX];
};

struct store_observer {
        /* After every successful commit of a write that changed anything. */
        void (*committed)(const struct store_changes *ch, void *userdata);
        /* Once, when the environment hit a fatal error (store_is_broken()). */
        void (*broken)(void *userdata);
        void *userdata;
};

/** Register the observer (copied; NULL removes it). */
void store_set_observer(struct store *s, const struct store_observer *o);

/** Name what this write is, for the observer's watch events (a static string, e.g. "done").
 * The last call in a transaction wins. */
void store_txn_set_event(struct store_txn *t, const char *event);

/** Whether the environment hit a fatal error (MDB_PANIC) and must not be used any more. */
bool store_is_broken(const struct store *s);

/** Give back the memory LMDB keeps after big writes (its list of freed page buffers) by
 * closing and opening the environment: for an idle moment after a large write, from the
 * thread that writes. -EBUSY (nothing done) while an export's snapshot is open or a backup
 * copies. Returns 0 or -errno; a failure to reopen breaks the store (store_is_broken). */
int store_release_memory(struct store *s);

/** How many people the commits since the last store_release_memory (or the open) changed: a
 * measure of what LMDB holds on to (a write's page buffers stay with it). */
uint64_t store_changed_since_release(const struct store *s);

/** Current map size in bytes (grows on MDB_MAP_FULL). */
size_t store_map_size(const struct store *s);

/** The data directory path. */
const char *store_dir(const struct store *s);

/* ---- contacts ---- */

/** Load contact id. Returns 0, -ENOENT, -EBADMSG (corrupt record) or -errno. */
int store_txn_contact_get(struct store_txn *t, uint64_t id, struct contact **ret);

/** Insert or replace a contact and update every index in this transaction. When c->id is 0 a
 * new id is assigned (written to c->id) and, if c->uuid is empty, a UUID. The caller sets
 * created/updated and next_due. Returns 0, -EEXIST (uuid belongs to another contact) or -errno.
 * Details: c->name must be non-empty and a non-empty c->uuid valid (-EINVAL); c->uuid is
 * written back lower-cased. Replacing with an empty c->uuid keeps the stored one. A non-zero
 * c->id that does not exist inserts under that id (and next_id moves past it), which makes a
 * store_write re-run after map growth safe. A tombstone with the same uuid is removed.
 * -EINVAL/-EEXIST are detected before anything is written. */
int store_txn_contact_put(struct store_txn *t, struct contact *c);

/** Delete a contact, its index entries and its interactions, and leave a tombstone with the
 * uuid and time now. Returns 0, -ENOENT or -errno. */
int store_txn_contact_delete(struct store_txn *t, uint64_t id, int64_t now);

/** Move every interaction of contact from to contact to (which must exist), keeping uuid, time
 * and content (a new seq when to already has one at that second). Returns 0 or -errno. */
int store_txn_interactions_move(struct store_txn *t, uint64_t from, uint64_t to);

/** Number of live contacts. */
int store_txn_contact_count(struct store_txn *t, uint64_t *ret);

/** Resolve a WHO: a decimal id; else (contains '@') an email; else a case-insensitive exact
 * full name; else a case-insensitive prefix of full names; else contacts where every word of
 * WHO is a prefix of a word of the name ("doe", "j doe" → Jane Doe). Fills at most max ids into
 * ret_ids (exact matches win over prefixes) and returns how many candidates there are in total (0 =
 * no such contact, 1 = unique, >1 = ambiguous), or -errno. Details: an id is digits only (no sign,
 * no spaces, no 0) naming an existing contact; digits that are no existing id fall through to name
 * matching (someone may be called "42"), but an existing id always wins over a name. An email is
 * matched exactly (case-insensitively), never by prefix. When any exact name matches, prefix
 * matches are not counted. Prefix candidates are counted up to max + 1000 only, so a larger return
 * value means "at least". ids come in key order (name, then id). Empty who: -EINVAL. */
int store_txn_contact_resolve(struct store_txn *t, const char *who, uint64_t *ret_ids, size_t max);

/** Contact id for a UUID. Returns 0, -ENOENT. */
int store_txn_contact_by_uuid(struct store_txn *t, const char *uuid, uint64_t *ret);

/** Tombstone of a deleted contact or interaction. Returns its record type ('C' or 'I', > 0)
 * and sets *ret_deleted (may be NULL) to the deletion time, or -ENOENT. */
int store_txn_tombstone_get(struct store_txn *t, const char *uuid, int64_t *ret_deleted);

/** Record in the tombstone of uuid (which must exist: -ENOENT) that the record was merged into
 * the contact with uuid into, so sync and re-imports can follow it. Returns 0 or -errno. */
int store_txn_tombstone_set_merged(struct store_txn *t, const char *uuid, const char *into);

/** The uuid a tombstoned contact was merged into. Returns 0, or -ENOENT (no tombstone, or one
 * of a plain deletion). */
int store_txn_tombstone_merged_into(struct store_txn *t, const char *uuid,
                                    char ret[static UUID_STRING_LEN + 1]);

enum store_index {
        STORE_INDEX_NAME,  /* idx_name: lower-cased full names */
        STORE_INDEX_EMAIL, /* idx_email: lower-cased email addresses */
};

/** A key several contacts share (borrowed for the call), with their ids in order. */
typedef int (*store_shared_cb)(const char *key, const uint64_t *ids, size_t n, void *userdata);

/** Visit every key of the name or email index that two or more contacts share, in key order:
 * one walk of the index, never a comparison of contacts with each other. Returns 0, the
 * callback's positive stop value, or -errno. */
int store_txn_index_shared(struct store_txn *t, enum store_index idx, store_shared_cb cb,
                           void *userdata);

struct contact_filter {
        uint32_t networks;  /* bit mask; contact must be in all of them; 0 = any */
        const char *tag;    /* case-insensitive; NULL = any */
        int64_t due_before; /* next_due set and < due_before; 0 = no filter */
        const char *text;   /* every word must prefix-match a token of the contact; NULL = any */
        bool everywhere;    /* text also matches interaction notes and goals (find) */
        size_t limit;       /* 0 = all */
};

/* Where a search matched a contact (store_txn_contact_places). */
enum store_match_field {
        STORE_MATCH_NAME,
        STORE_MATCH_ORG,
        STORE_MATCH_TITLE,
        STORE_MATCH_NOTES,
        STORE_MATCH_HOW_MET,
        STORE_MATCH_BRINGS,
        STORE_MATCH_EMAIL,
        STORE_MATCH_TAG,
        STORE_MATCH_INTERACTION, /* id, kind, at: an interaction's note, gave or got */
        STORE_MATCH_GOAL,        /* id, title: a linked goal's title or note */
        STORE_MATCH_GOAL_WHY,    /* id, title: why the contact is linked to that goal */
};

struct store_text_match {
        enum store_match_field field;
        uint64_t id;
        const char *kind;
        int64_t at;
        const char *title;
};

typedef int (*store_text_match_cb)(const struct store_text_match *m, void *userdata);

/** Visit the places where a word of text (folded, prefix-matched) occurs for contact c: its
 * fields, its interactions' text, its goals' titles and notes and the why of its links.
 * Returns 0, the callback's positive stop value, or -errno. */
int store_txn_contact_places(struct store_txn *t, const struct contact *c, const char *text,
                             store_text_match_cb cb, void *userdata);

/** Return 0 to continue, > 0 to stop early (returned by the iteration), < 0 to fail. The
 * contact is only valid during the call. */
typedef int (*store_contact_cb)(const struct contact *c, void *userdata);

/** Visit matching contacts, driven by an index (never a scan of all contacts when a filter is
 * given): due order when due_before is set, otherwise by lower-cased name. Returns 0, the
 * callback's positive stop value, or -errno.
 * Details: the driving index is due (due_before) > tag > text (first word's prefix range) >
 * network (the smallest requested one); with no filter idx_name is walked. Order: due time then
 * id when due-driven; else lower-cased name (memcmp, shorter first) then id. Non-due filtered
 * lists load all k candidates of the driving index, filter and sort them: O(k log k) time,
 * O(k) memory; limit applies after sorting. Text is split into words like the tokens; text
 * without any word matches everything. An empty tag: -EINVAL. */
int store_txn_contact_list(struct store_txn *t, const struct contact_filter *f, store_contact_cb cb,
                           void *userdata);

/** Visit contacts with next_due < until (0 = all with a due date) in due order, at most limit
 * (0 = all). Returns like store_txn_contact_list. */
int store_txn_due_list(struct store_txn *t, int64_t until, size_t limit, store_contact_cb cb,
                       void *userdata);

/** Like store_txn_due_list, from the entry after the contact (after_due, after_id) — its
 * next_due and id, the last one a previous walk visited; it need not exist any more — for a
 * list read in pieces. */
int store_txn_due_list_after(struct store_txn *t, int64_t after_due, uint64_t after_id,
                             int64_t until, size_t limit, store_contact_cb cb, void *userdata);

/** The earliest due entry. Returns 0 with *ret_due / *ret_id, or -ENOENT when nothing is due. */
int store_txn_due_first(struct store_txn *t, int64_t *ret_due, uint64_t *ret_id);

/** Number of due entries with due < until: the counts of whole buckets of time (due_counts)
 * and the keys of the bucket until falls in; never a walk of the whole due index. */
int store_txn_due_count(struct store_txn *t, int64_t until, uint64_t *ret);

/* ---- interactions ---- */

/* Every interaction has a global id ("#17", struct interaction.id) handed out by a counter
 * that never goes back, so an id is never reused; it is a property of the record, not of its
 * key, and stays when the record moves (a new time). Every write path keeps the id index and
 * the per-kind counts (store_txn_kind_walk). */

/** Add an interaction for i->contact_id (which must exist: -ENOENT). Assigns i->seq, i->id
 * (when 0; a given id must be free: -EEXIST) and, if empty, i->uuid. Does not touch the
 * contact: the caller updates last_interaction/next_due with store_txn_contact_put in the same
 * transaction. Returns 0 or -errno. */
int store_txn_interaction_add(struct store_txn *t, struct interaction *i);

typedef int (*store_interaction_cb)(const struct interaction *i, void *userdata);

/** Visit the interactions of one contact, newest first, at most limit (0 = all). */
int store_txn_interaction_list(struct store_txn *t, uint64_t contact_id, size_t limit,
                               store_interaction_cb cb, void *userdata);

/** Number of interactions of one contact. */
int store_txn_interaction_count(struct store_txn *t, uint64_t contact_id, uint64_t *ret);

/** The interaction with global id. Returns 0, -ENOENT or -errno. */
int store_txn_interaction_get_id(struct store_txn *t, uint64_t id, struct interaction **ret);

/** Replace interaction i->id by i: kind, note, gave, got, goal_id, created and at (a new time
 * moves the record; i->seq is written back). contact_id and uuid are the stored ones (set
 * in i on return). Keeps the goal index and kind counts. Does not touch the contact.
 * Returns 0, -ENOENT or -errno. */
int store_txn_interaction_update(struct store_txn *t, struct interaction *i);

/** Move interaction id to contact to (which must exist: -ENOENT), keeping its id, uuid, time
 * and content (a new seq there). Not another person's entry of a group record (-EINVAL). Does
 * not touch either contact. Returns 0, -ENOENT, -EINVAL or -errno. */
int store_txn_interaction_move_to(struct store_txn *t, uint64_t id, uint64_t to);

/** Delete interaction id and leave a tombstone for its uuid with time now. Does not touch the
 * contact. Returns 0, -ENOENT or -errno. */
int store_txn_interaction_delete(struct store_txn *t, uint64_t id, int64_t now);

/** Delete interaction id without a tombstone: the record lives on elsewhere (it moved to another
 * person on another machine, and comes here under that person). Returns 0, -ENOENT or -errno. */
int store_txn_interaction_drop(struct store_txn *t, uint64_t id);

/** The next interaction id the store will hand out. */
int store_txn_interaction_next_id(struct store_txn *t, uint64_t *ret);

typedef int (*store_kind_cb)(const char *kind, uint64_t count, void *userdata);

/** Visit every kind in use with its number of interactions, in kind order (an index kept by
 * every interaction write, never a scan of the interactions). Returns 0, the callback's
 * positive stop value or -errno. */
int store_txn_kind_walk(struct store_txn *t, store_kind_cb cb, void *userdata);

/** Number of interactions of kind (0 when none). */
int store_txn_kind_count(struct store_txn *t, const char *kind, uint64_t *ret);

/* ---- capture bookkeeping (store-capture.c) ----
 *   captured   source ‖ key → interaction id; 0 ‖ source → the reader's state
 * Not journaled: a key stays when its interaction is deleted or its capture undone, so what
 * was captured once is never captured again; the state is where a reader is. */

/** The interaction id key was captured as (0: captured, nothing kept). -ENOENT: never. */
int store_txn_captured_get(struct store_txn *t, enum interaction_source src, const char *key,
                           uint64_t *ret_id);
int store_txn_captured_put(struct store_txn *t, enum interaction_source src, const char *key,
                           uint64_t id);
/** How many keys of src were ever captured (a walk). */
int store_txn_captured_count(struct store_txn *t, enum interaction_source src, uint64_t *ret);
/** The reader's state as a new string (NULL: none kept). */
int store_txn_capture_state_get(struct store_txn *t, enum interaction_source src, char **ret);
/** Keep text as the reader's state (NULL or "": forget it). */
int store_txn_capture_state_put(struct store_txn *t, enum interaction_source src, const char *text);
/** Register i's key when it names a source and its key is not known (an import, a card
 * from another machine): what was captured anywhere is not captured again. */
int store_txn_captured_register(struct store_txn *t, const struct interaction *i);
/** Register the key of every interaction that names a source and has none. */
int store_txn_captured_rebuild(struct store_txn *t);

/* ---- the journal: undo and redo ----
 * One linear sequence of changes, written in the same transaction as the change it records:
 * for each record a write touches, its before-image (or that it was absent). Undo puts the
 * before-images back through the records' own index maintenance and keeps the images it
 * replaced, so redo can put them back in turn; a new change drops what could be redone.
 * The journal keeps at least the last STORE_JOURNAL_KEEP changes, and every change younger
 * than STORE_JOURNAL_KEEP_SECONDS. store_read records nothing. When a change does not fit on
 * a full disk with its images, store_write makes it with an entry that says so (undo refuses
 * it), and failing that without any: freeing space must stay possible. */

#define STORE_JOURNAL_KEEP         100
#define STORE_JOURNAL_KEEP_SECONDS (30 * 86400)
#define STORE_JOURNAL_DESC_MAX     200
#define STORE_JOURNAL_PATH_MAX     1024

struct store_journal_entry {
        uint64_t seq;
        int64_t at;       /* when the change was made */
        uint64_t records; /* records it touched (0 for one too large to journal) */
        bool undone;      /* undone: redo puts it back */
        bool unrecorded;  /* made while the disk was full, without the images undo needs */
        char description[STORE_JOURNAL_DESC_MAX];
        char backup[STORE_JOURNAL_PATH_MAX]; /* non-empty: not undoable; restore this backup */
};

/** Describe this write for the journal ("log coffee with Jane Doe"). The first call wins, so
 * the outermost writer (done, an import) describes what the rules below it do. Without one
 * the store describes the write from the records it touched ("added Jane Doe"). */
void store_txn_describe(struct store_txn *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** This write is bookkeeping (the follow-up engine marking what it showed), not a change a
 * person makes: it records nothing and leaves what can be redone alone. */
void store_txn_no_journal(struct store_txn *t);

/** This write is too large to journal record by record: a backup of the store as it was is at
 * path. The journal records one entry that undo refuses, naming the backup. */
void store_txn_journal_backup(struct store_txn *t, const char *path);

/** Undo the newest change not yet undone, filling ret. Returns 0, -ENOENT (nothing to undo),
 * -EXDEV (the change was too large to journal: ret->backup names its backup) or -ENODATA (the
 * change was made while the disk was full and only its entry could be written). */
int store_txn_undo(struct store_txn *t, struct store_journal_entry *ret);

/** Redo the oldest change undone, filling ret. Returns 0 or -ENOENT (nothing to redo). */
int store_txn_redo(struct store_txn *t, struct store_journal_entry *ret);

typedef int (*store_journal_cb)(const struct store_journal_entry *e, void *userdata);

/** Visit the journal newest first (undone changes included), at most limit (0 = all).
 * Returns 0, the callback's positive stop value, or -errno. */
int store_txn_journal_list(struct store_txn *t, size_t limit, store_journal_cb cb, void *userdata);
