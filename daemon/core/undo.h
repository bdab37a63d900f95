/* Undo and redo: taking back the most recent change, whatever door it came in by, and putting
 * it back. The store's journal records every change (store.h, "the journal"); these are the
 * operations on it, as functions of a write transaction (safe to re-run). */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "reply.h"
#include "store.h"

#define UNDO_ERROR_NOTHING_TO_UNDO "io.tend.Journal.NothingToUndo"
#define UNDO_ERROR_NOTHING_TO_REDO "io.tend.Journal.NothingToRedo"
#define UNDO_ERROR_TOO_LARGE       "io.tend.Journal.TooLargeToUndo"
#define UNDO_ERROR_NOT_RECORDED    "io.tend.Journal.NotRecorded"

/* An import of more records than this is not journaled record by record: a backup of the
 * store is written before it instead (the journal would double the write and the store). */
#define UNDO_IMPORT_RECORDS_MAX 100000

/** Before an import of `records` records: when it is too large to journal, write a backup of
 * the store to DIR/backups/before-import-TIME.mdb and return its path in *ret_path (NULL when
 * the import is small enough to undo). Returns 0 or -errno. */
int undo_import_backup(struct store *s, const char *dir, size_t records, int64_t now,
                       char **ret_path);

/** Describe an import for the journal, inside its write transaction; backup is what
 * undo_import_backup returned. */
void undo_txn_describe_import(struct store_txn *t, size_t records, const char *backup);

/** The Change object of io.tend.Journal. */
json_t *undo_change_json(const struct store_journal_entry *e);

/** Undo the newest change in effect (redo: put back the oldest one undone). Returns 0 with
 * *ret = {change}; or records NothingToUndo / NothingToRedo / TooLargeToUndo / NotRecorded in
 * err and
 * returns -ECANCELED; or -errno. */
int undo_txn(struct store_txn *t, bool redo, struct op_error *err, json_t **ret);

/** The journal, newest first, at most limit changes (0 = all): {changes, can_undo, can_redo}. */
int undo_txn_list(struct store_txn *t, size_t limit, json_t **ret);
