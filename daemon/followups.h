/* Follow-up operations shared by the io.tend.FollowUps methods and the notification buttons
 * (implemented in methods-followups.c). Both run inside a write transaction, so they must be
 * safe to re-run (store_write may repeat them after growing the map). */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

#define FOLLOWUP_KIND "follow-up"

/** Log a "follow-up" interaction with note (may be NULL) at now for c and reset the rhythm:
 * next_due = now + cadence, or without a cadence a due date that has been met is cleared.
 * Writes c. Returns 0 with *ret_result = {contact: {id, name}, interaction, next_due}, or
 * -errno. */
int followups_txn_done(struct store_txn *t, struct contact *c, const char *note, int64_t now,
                       json_t **ret_result);

/** Move c's follow-up to until (> now). Writes c. Returns 0 with *ret_result = {contact,
 * next_due}, or -errno. */
int followups_txn_snooze(struct store_txn *t, struct contact *c, int64_t until, int64_t now,
                         json_t **ret_result);
