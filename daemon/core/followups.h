/* Follow-up operations shared by the io.tend.FollowUps methods and the notification buttons
 * (core/followups.c). Both run inside a write transaction, so they must be
 * safe to re-run (store_write may repeat them after growing the map). */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

#define FOLLOWUP_KIND "follow-up"

/** Record a "follow-up" touch with note (may be NULL) at now for c (touch.h: the rhythm
 * resets, the goal and pipeline rules apply). Writes c. Returns 0 with *ret_result =
 * {contact: {id, name}, interaction, next_due}, or -errno. */
int followups_txn_done(struct store_txn *t, int64_t conf_every, struct contact *c, const char *note,
                       int64_t now, json_t **ret_result);

/** Move c's follow-up to until (> now). Writes c. Returns 0 with *ret_result = {contact,
 * next_due}, or -errno. */
int followups_txn_snooze(struct store_txn *t, struct contact *c, int64_t until, int64_t now,
                         json_t **ret_result);
