/* One person as one vCard in a vdir, and how two versions of that card become one.
 *
 * A sync card is a contact record (transfer.h) without the per-machine fields (local id,
 * notification state), plus what travels with the person:
 *   "interactions"          [{uuid, at, kind, note, gave, got, created, rev}]  X-TEND-INTERACTION
 *   "interactions_deleted"  [{uuid, rev}] X-TEND-INTERACTION-DELETED "merged"                [uuid]
 * people merged into this one               X-TEND-MERGED "revs"                  {field: [rev,
 * ancestor, ...]}                      X-TEND-REVS Revs are microseconds since the epoch. A field's
 * rev list names the version of its value and the versions it was edited from (newest first, at
 * most SYNC_REV_CHAIN): when one side's current rev is among the other's ancestors, the other side
 * is an edit of it and wins. When neither descends from the other, both changed the field since
 * they last agreed: the newer value is kept and the other is kept beside it as an X-TEND-CONFLICT
 * line in the card (so both machines show it) until the field is edited again. Interactions are
 * united by uuid; an edit wins by its rev; a deletion marker newer than an interaction removes it
 * for good.
 *
 * An interaction that leaves a person without being deleted (an undone merge gives it back to
 * the person it came from; an undone log takes it away) leaves a marker with "moved": true:
 * the other machine drops it from this person without a tombstone, and the card of whoever
 * has it now brings it there (a person coming back from a merge takes the same records back
 * from the one they were merged into). "merged" is versioned like a field (its own rev list), so a
 * merge undone on one machine (the uuid gone from the list, with a newer rev) is undone on the
 * other; two machines that each merged someone keep both. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

#define SYNC_REV_CHAIN   8
#define SYNC_CONFLICT    "X-TEND-CONFLICT"
#define SYNC_DELETED_MAX 1000 /* deletion markers kept per card, newest first */

/* What stays on this machine ([sync] exclude). */
enum sync_exclude {
        SYNC_EXCLUDE_NOTES = 1u << 0,   /* notes */
        SYNC_EXCLUDE_HISTORY = 1u << 1, /* interactions */
        SYNC_EXCLUDE_LEDGER = 1u << 2,  /* what was given and got, what they bring */
        SYNC_EXCLUDE_GOALS = 1u << 3,   /* the pipeline and goal references */
};

/** Parse "notes, history, ledger, goals" (any subset, comma or space separated) into a mask.
 * Returns the mask or -EINVAL naming nothing known in *ret_bad. */
int sync_exclude_parse(const char *s, const char **ret_bad);

/** The sync card of contact c as it is in the store now, with the given extra merged uuids
 * (tombstones that name c as where they went); no revs yet. Returns 0 or -errno. */
int sync_card_local(struct store_txn *t, const struct contact *c, unsigned exclude, json_t **ret);

/** Give rec the revs of base where a field is unchanged, and a new rev (at least now_us,
 * descending from base's) where it changed without a newer rev of its own. base may be
 * NULL (everything is new). rec's "merged" must be whole (base's are not carried over). With
 * deleted_fn (the store's own card), interactions of base that rec lacks become markers:
 * deletion markers when deleted_fn says so, "moved" markers otherwise; markers of base whose
 * interaction rec has again go. */
typedef bool (*sync_deleted_fn)(const char *uuid, void *userdata);
int sync_card_stamp(json_t *rec, json_t *base, int64_t now_us, sync_deleted_fn deleted,
                    void *userdata);

/** Merge two stamped versions of one card into a new one (*ret), field by field; counts the
 * fields that could not be settled in *ret_conflicts. Deterministic: merging a and b gives
 * the same card as merging b and a. Returns 0 or -ENOMEM. */
int sync_card_merge(json_t *a, json_t *b, json_t **ret, unsigned *ret_conflicts);

/** Parse a vCard file's first card into a sync card (*ret), with a reason when it cannot be
 * one. Returns 0, -EINVAL or -ENOMEM. */
int sync_card_read(const char *data, size_t len, json_t **ret, char *reason, size_t reason_size);

/** Write a sync card as a vCard 4.0 (REV: its newest field rev). Returns 0 or -errno. */
int sync_card_write(json_t *card, char **ret, size_t *ret_len);

/** Drop the X-TEND-CONFLICT lines of the fields whose rev in card is newer than when the
 * conflict was recorded (the field was edited since). Returns how many went. */
unsigned sync_card_settle(json_t *card);

/** The unsettled conflicts of a card: [{field, other}] (a new array). */
json_t *sync_card_conflicts(json_t *card);

/** Apply a merged card to the store in t: people it names as merged are merged into it, its
 * fields replace the contact's (keeping this machine's notification state), interactions are
 * added, updated or deleted. Creates the contact when it does not exist. conf_every: touch.h.
 * *ret_withdraw (may be NULL) is set to the id of a notification this machine shows for a
 * follow-up the card moved (done or snoozed elsewhere), else 0.
 * Returns 0, -EINVAL (not a valid contact, reason set) or -errno. */
int sync_card_apply(struct store_txn *t, json_t *card, unsigned exclude, int64_t conf_every,
                    int64_t now, char *reason, size_t reason_size, uint32_t *ret_withdraw);
