/* The scheduler's index: `sched`, (store_sched_time(contact) ‖ contact id) → ∅,
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

/** The instant a contact is indexed under (0: none; also for NULL): next_due while pending
 * (notified_due != next_due), the resurface time once notified (schedule.h's life of a
 * follow-up). The scheduler's next instant for it is never earlier, so the first keys of the
 * index bound the next wake-up. A change of it shows in the change set (store.h). */
int64_t store_sched_time(const struct contact *ct);

/** Rebuild the index from the contacts with a due date (start-up: repairs an index left behind
 * by a build that did not keep it). Returns the number of entries or -errno. */
int store_txn_sched_rebuild(struct store_txn *t);
