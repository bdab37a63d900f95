/* Checking the store against itself, and repairing what can be derived again.
 *
 * Every index is a function of the records (store.h, store-goals.h): a check recomputes each
 * index from the records and compares it entry by entry with what is stored; a repair
 * rebuilds every index from the records in the same write transaction. Besides the indexes a
 * check looks at what no index can say: the schema version, records that do not decode,
 * tombstones of uuids that are live (a uuid is live or tombstoned, never both), records that
 * name a contact or goal that is gone, id counters that would hand out an id in use, and the
 * undo journal (entries in sequence, every image decodable). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

enum store_check_index {
        STORE_CHECK_IDX_NAME,
        STORE_CHECK_IDX_TOKEN,
        STORE_CHECK_IDX_EMAIL,
        STORE_CHECK_IDX_TAG,
        STORE_CHECK_IDX_NETWORK,
        STORE_CHECK_IDX_UUID,
        STORE_CHECK_DUE,
        STORE_CHECK_SCHED,
        STORE_CHECK_CONTACT_GOALS,
        STORE_CHECK_IDX_INTRO,
        STORE_CHECK_GOAL_INTERACTIONS,
        STORE_CHECK_INTERACTION_IDS,
        STORE_CHECK_KINDS,
        STORE_CHECK_IDX_TEXT,
        _STORE_CHECK_INDEX_MAX,
};

struct store_check_index_result {
        uint64_t entries; /* stored entries */
        uint64_t missing; /* entries the records give that are not stored */
        uint64_t extra;   /* stored entries no record gives */
        uint64_t wrong;   /* a key stored with another value than its record gives */
};

struct store_check_report {
        uint32_t schema; /* the version the store says it is in */
        bool schema_known;
        struct store_check_index_result index[_STORE_CHECK_INDEX_MAX];
        uint64_t unreadable;           /* records that do not decode (never repaired) */
        uint64_t shadowing_tombstones; /* tombstones of a uuid that is live */
        uint64_t dangling;             /* links, introductions, interactions of a record gone */
        uint64_t counters;             /* id counters not past the highest id in use */
        uint64_t journal_entries;      /* undo journal entries kept */
        uint64_t journal_problems;     /* out of sequence, unreadable or undecodable images */
        uint64_t contacts, interactions, goals, goal_links, intros; /* records seen */
};

/** The index's database name ("idx_name"). */
const char *store_check_index_name(enum store_check_index i);

/** How many problems the report lists in all (0: the store is consistent). */
uint64_t store_check_problems(const struct store_check_report *r);

/** Check the store in transaction t (read or write). Fills *ret; returns 0 or -errno (an
 * inconsistency is a finding, not an error). */
int store_txn_check(struct store_txn *t, struct store_check_report *ret);

/** Check (filling *ret with what was found), then in the same write transaction: drop
 * tombstones of live uuids and records that name a contact or goal that is gone, raise id
 * counters past the ids in use, rebuild every index from the records and, when the journal
 * fails its check, drop its entries (undo has nothing left to take back). The repair itself is
 * not journaled: it changes no record anyone wrote. Unreadable records
 * and an unknown schema are left alone (nothing can be derived from them). Returns 0 or
 * -errno. */
int store_txn_repair(struct store_txn *t, struct store_check_report *ret);
