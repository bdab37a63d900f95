/* Follow-up rules of intentional networking (core/goals.c), applied by every door that moves
 * a due date: touches (touch.h), links and goals, the pipeline, cadence edits, reloads. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "model.h"
#include "reply.h"
#include "store.h"

#define SETTING_PROFILE    "profile"
#define SETTING_OFFERS     "offers" /* one offer per line */
#define SETTING_GOAL_EVERY "goal_every_seconds"

/* Stage follow-ups of the outreach pipeline. */
#define PROSPECT_NUDGE_AFTER   (7 * 86400LL) /* reached out, no reply: nudge */
#define PROSPECT_CONFIRM_AFTER (7 * 86400LL) /* scheduled without a date: confirm */
#define PROSPECT_THANKS_AFTER  (1 * 86400LL) /* met: thank-you the next day */

struct core;

/** tendd.conf's [goals] follow_up of the running daemon (0 without a configuration). */
#define goals_conf_every(core) core_goal_conf_every(core)

/** The follow-up interval for people linked to an active goal. Precedence: the store's setting
 * (`tend profile set --goal-every`) when set; else conf_every, tendd.conf's [goals] follow_up
 * (0: the built-in 30 days). Returns 1 when the setting gave it, 0 otherwise, or -errno. */
int goals_every(struct store_txn *t, int64_t conf_every, int64_t *ret);

/** Apply the rules to c (loaded, about to be put in the same transaction), only ever moving
 * next_due earlier: linked to an active goal → due at most goal-interval after the last touch
 * (after the first link when never touched), but not before the first link; reached out → a nudge 7
 * days after the later of reaching out and the last touch; met and not touched since → a thank-you
 * the next day. Returns 0 or -errno. */
int goals_apply_due_rules(struct store_txn *t, int64_t conf_every, struct contact *c);

/** The due date the goal rule gives c (0 when c is linked to no active goal). */
int goals_rule_due(struct store_txn *t, int64_t conf_every, const struct contact *c, int64_t *ret);

/* Re-dating when the goal interval changes (`profile set --goal-every`, a reload of
 * tendd.conf): goals_redate_begin notes, under the interval in force, the date the goal rule
 * gives each person linked to an active goal; after the change, goals_redate_finish moves
 * every date that came from the rule (the cadence takes over again, then the rules apply with
 * the new interval), exactly as unlinking and relinking would. */
struct goals_redate {
        uint64_t *ids;
        int64_t *before;
        size_t n, cap;
};

int goals_redate_begin(struct store_txn *t, int64_t conf_every, struct goals_redate *rd);
/** Sets *ret_moved to how many people got another date. */
int goals_redate_finish(struct store_txn *t, int64_t conf_every, int64_t now,
                        const struct goals_redate *rd, size_t *ret_moved);
void goals_redate_done(struct goals_redate *rd);

/** After the goal rule stopped or changed for c (before = the date it gave, with the link): a
 * due date that came from the rule falls back to the cadence, then the rules apply again. Puts
 * c when its date moved (*ret_moved). Returns 0 or -errno. */
int goals_relax_due(struct store_txn *t, int64_t conf_every, struct contact *c, int64_t before,
                    int64_t now, bool *ret_moved);

/** tendd.conf's [goals] follow_up changed from old_conf_every (a reload): re-date in one write.
 * Returns how many people got another date, or -errno. */
int goals_conf_every_changed(struct core *core, int64_t old_conf_every);

/** The goals a contact is linked to, as [{goal: {id, title}, status, why, linked_at}], active
 * ones first. Returns 0 or -errno. */
int goals_contact_json(struct store_txn *t, uint64_t contact_id, json_t **ret);

/** Resolve GOAL to one goal id; NoSuchGoal / AmbiguousGoal recorded in err (-ECANCELED). */
int goals_resolve(struct store_txn *t, const char *goal, struct op_error *err, uint64_t *ret);

/** {id, title} */
json_t *goals_ref(uint64_t id, const char *title);
