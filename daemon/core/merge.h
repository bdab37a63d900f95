/* Merging two records of one person (tend merge KEEP OTHER): everything OTHER has moves to
 * KEEP — interactions (with what was given and got), introductions, goal links, the people
 * whose met-via or prospect via named OTHER, emails, phones, urls, tags and networks. A field
 * both have keeps KEEP's value and OTHER's is reported; a field only OTHER has is taken. OTHER
 * is deleted, leaving a tombstone that names KEEP's uuid, which imports and sync follow. KEEP's
 * last touch and next follow-up then come from the touch rule (touch.h) over the interactions
 * it now has. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

struct merge_report {
        json_t *conflicts; /* [{field, kept, other, from: ContactRef}] */
        uint64_t interactions, introductions, goal_links, met_via, prospect_via;
        uint64_t introductions_dropped; /* introductions between KEEP and OTHER themselves */
};

void merge_report_done(struct merge_report *r);

/** Merge contact other_id into keep (loaded; written back with store_txn_contact_put, so keep
 * is current afterwards) inside t. conf_every: tendd.conf's [goals] follow_up. Adds to rep
 * (rep->conflicts is created when NULL). Returns 0, -EINVAL (other is keep), -ENOENT or -errno. */
int merge_contact(struct store_txn *t, int64_t conf_every, struct contact *keep, uint64_t other_id,
                  int64_t now, struct merge_report *rep);
