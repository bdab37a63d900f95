/* The scheduler's index (issue 3): `sched`, (schedule_index_time(contact) ‖ contact id) → ∅,
 * kept by store_txn_contact_put/delete in the same transaction as the record, like `due`. A
 * pending follow-up is indexed under its due date, a notified one that is still overdue under
 * the time it comes back in the digest; a contact with nothing to show has no entry. Its first
 * keys tell the scheduler when to wake up next. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

#define STORE_SCHED_KEY_LEN 16

/** Write the index key for time t and contact id into key. */
void store_sched_key(int64_t t, uint64_t id, uint8_t key[static STORE_SCHED_KEY_LEN]);

/** Called for each entry in key order with its time and the loaded contact (valid during the
 * call). Return 0 to go on, > 0 to stop (returned by the walk), < 0 to fail. */
typedef int (*store_sched_cb)(int64_t t, const struct contact *c, void *userdata);

/** Walk the index from its first key. Entries whose contact is gone are skipped. Returns 0, the
 * callback's stop value, or -errno. */
int store_txn_sched_walk(struct store_txn *t, store_sched_cb cb, void *userdata);

/** Whether a write touched the index since the last call (set even when that transaction was
 * later aborted: a spurious true only costs a re-scan). Clears the flag. Lets the scheduler
 * re-arm after any writer — imports and restores included — without each one telling it. */
bool store_sched_take_changed(struct store *s);

/** Rebuild the index from the contacts with a due date (start-up: repairs an index left behind
 * by a build that did not keep it). Returns the number of entries or -errno. */
int store_txn_sched_rebuild(struct store_txn *t);
