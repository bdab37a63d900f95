/* Hooks for tests only: nothing in the daemon calls them (they live in the store library so
 * that a unit test can damage a store on purpose and watch the check find it). */
#pragma once

#include "store-check.h"

enum store_corruption {
        STORE_CORRUPT_MISSING, /* the first entry of the index is deleted */
        STORE_CORRUPT_EXTRA,   /* an entry no record gives is added */
        STORE_CORRUPT_WRONG,   /* the first entry points at another id */
};

/** Damage index (which must have at least one entry: -ENOENT) in write transaction t. */
int store_testing_corrupt(struct store_txn *t, enum store_check_index index,
                          enum store_corruption how);

/** Write a plain deletion tombstone for uuid whether or not it is live. */
int store_testing_tombstone(struct store_txn *t, const char *uuid);

/** Delete the header of the oldest undo journal entry (-ENOENT: the journal is empty). */
int store_testing_journal_corrupt(struct store_txn *t);
