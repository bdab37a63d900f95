/* The scheduler's index: `sched`, (time ‖ contact id ‖ event) → ∅, kept by
 * store_txn_contact_put/delete in the same transaction as the record, like `due`. A contact has
 * one entry per pending event: event 0 is its follow-up (indexed under its due date while
 * pending, under the time it comes back in the digest once notified and still overdue), event
 * CONTACT_DATE_BIRTHDAY its birthday and event n >= 2 its date n (each under the local midnight
 * of the day its pending occurrence is notified: common/datemd.h). A contact with nothing to show
 * has no entry. The first keys tell the scheduler when to wake up next. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

#define STORE_SCHED_KEY_LEN   20
#define STORE_SCHED_FOLLOW_UP 0 /* the event of a contact's follow-up */
#define STORE_SCHED_EVENTS    (2 + CONTACT_DATES_MAX)

/** Write the index key for time t, contact id and event into key. */
void store_sched_key(int64_t t, uint64_t id, uint32_t event,
                     uint8_t key[static STORE_SCHED_KEY_LEN]);

/** One pending event of a contact. */
struct store_sched_event {
        int64_t t;
        uint32_t event;
};

/** The pending events of ct (none for NULL), follow-up first, then the birthday and the dates
 * in record order. Returns their number (at most STORE_SCHED_EVENTS). */
size_t store_sched_events(const struct contact *ct,
                          struct store_sched_event out[static STORE_SCHED_EVENTS]);

/** Whether old and new (either may be NULL) are indexed differently. */
bool store_sched_differs(const struct contact *old, const struct contact *new);

/** Called for each entry in key order with its time, the loaded contact (valid during the call)
 * and the event. Return 0 to go on, > 0 to stop (returned by the walk), < 0 to fail. */
typedef int (*store_sched_cb)(int64_t t, const struct contact *c, uint32_t event, void *userdata);

/** Walk the index from its first key. Entries whose contact is gone are skipped. Returns 0, the
 * callback's stop value, or -errno. */
int store_txn_sched_walk(struct store_txn *t, store_sched_cb cb, void *userdata);

/** The instant a contact's follow-up is indexed under (0: none; also for NULL): next_due while
 * pending (notified_due != next_due), the resurface time once notified (schedule.h's life of a
 * follow-up). The scheduler's next instant for it is never earlier, so the first keys of the
 * index bound the next wake-up. */
int64_t store_sched_time(const struct contact *ct);

/** Rebuild the index from every contact (start-up and the schema 3 upgrade: repairs an index
 * left behind by a build that did not keep it or keyed it differently). Returns the number of
 * entries or -errno. */
int store_txn_sched_rebuild(struct store_txn *t);
