/* Recording a touch: the one rule every door uses when something happened with someone —
 * Interactions.Log, FollowUps.Done and the notification's Done button, an import's
 * interactions, a prospect reaching "met". Whatever the door, the same things follow:
 *   - the latest touch resets the rhythm: next_due = at + cadence; without a cadence a
 *     follow-up date that has been met (due ≤ at) is cleared and a planned one kept;
 *     back-filling an interaction older than the last touch changes no date (an import, whose
 *     records carry the person's state with them, applies only interactions newer than it);
 *   - then the goal and pipeline rules (goals.h), which only ever move a date earlier, so a
 *     person linked to an active goal never drops out of the follow-ups.
 * Correcting the history (an interaction edited or removed) re-derives the same from what
 * remains: touch_recompute. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

/** Apply interaction in (for c, stored or about to be) to c's rhythm and rules, without writing
 * c. conf_every: tendd.conf's [goals] follow_up (core_goal_conf_every). Returns 0 or -errno. */
int touch_apply(struct store_txn *t, int64_t conf_every, struct contact *c,
                const struct interaction *in);

/** Store in as an interaction of c (in->contact_id is set; a fresh uuid when empty; created =
 * now when 0), apply it (touch_apply) and put c with updated = now. When it is the latest touch,
 * c's agenda ("what to talk about next time") is stored as the record's agenda and cleared
 * (in->agenda, owned by the caller, is left as it was). Safe to re-run
 * after map growth when in->uuid was empty. Returns 0 or -errno. */
int touch_record(struct store_txn *t, int64_t conf_every, struct contact *c, struct interaction *in,
                 int64_t now);

/** One interaction with c and the n people in others (a group: tend log --with): the record is
 * stored once with c (in->with names the others; each of them gets an entry in their own
 * history, store.h) and the touch is applied to every one of them, each put with updated = now.
 * Everyone's agenda is cleared into the record. Returns 0 or -errno. */
int touch_record_group(struct store_txn *t, int64_t conf_every, struct contact *c,
                       struct contact **others, size_t n, struct interaction *in, int64_t now);

/** After a group interaction i (as it was, or as it is now) was edited or removed: recompute
 * (touch_recompute) and put every other person it names. Returns 0 or -errno. */
int touch_recompute_group(struct store_txn *t, int64_t conf_every, const struct interaction *i,
                          int64_t now);

/** After an interaction of c was edited or removed (c as it was before, loaded in t after the
 * change): last_interaction and last_kind become those of the latest remaining interaction
 * (none: 0 and NULL), and next_due what logging that touch would have given — the rhythm
 * (at + cadence; one cadence after the person was added when nothing remains), then the goal
 * and pipeline rules. A date set by hand (a snooze, --due: one the rules did not give for the
 * touch before the change) stays when it is later than that, as a date planned without a
 * cadence stays until a touch meets it. When the latest touch is unchanged (an older
 * interaction was corrected) next_due is left alone. Does not put c. Returns 0 or -errno. */
int touch_recompute(struct store_txn *t, int64_t conf_every, struct contact *c);
