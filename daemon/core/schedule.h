/* The follow-up scheduling rules, pure: every function takes the time it works on ("now", a
 * due date) as an argument and reads nothing else but the process time zone (TZ), so tests
 * inject both the clock and the zone. Local-time rules (quiet hours, the preferred time) are
 * computed with localtime_r/mktime on the local calendar, which keeps them right across DST
 * changes: 09:00 stays 09:00 local on the day the clocks move.
 *
 * The life of a follow-up (fields of struct contact):
 *   next_due set, notified_due != next_due   pending: fires at schedule_fire_time(next_due)
 *   fired → notified_due = next_due, notified_at = now,
 *           resurface_at = schedule_resurface_time(now),
 *           notify_unshown = 1 when no notification server could show it: it is delivered
 *           once when one appears (then 0)
 *   still overdue at resurface_at            comes back once, in that day's digest; then
 *                                            resurface_at moves to the next day
 *   done   → next_due = schedule_done_due()  (a new due date: pending again)
 *   snooze → next_due = schedule_snoozed_due()
 * A restart changes nothing of this: the state is in the record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "model.h"

enum schedule_urgency {
        SCHEDULE_URGENCY_LOW = 0,
        SCHEDULE_URGENCY_NORMAL = 1,
        SCHEDULE_URGENCY_CRITICAL = 2,
};

/** Whether instant t falls inside the configured quiet hours (local time; start inclusive,
 * end exclusive; a span may cross midnight). Never with quiet hours off. */
bool schedule_in_quiet(const struct config *c, int64_t t);

/** The first instant >= t outside quiet hours: t itself, or the end of the quiet span t is in. */
int64_t schedule_after_quiet(const struct config *c, int64_t t);

/** When a follow-up due at `due` is shown, seen at `now`: due itself when it lies ahead (a
 * catch-up right away when it has passed, e.g. while the daemon was down), moved to the end of
 * quiet hours when that instant falls inside them. */
int64_t schedule_fire_time(const struct config *c, int64_t due, int64_t now);

/** When a follow-up notified at `notified` and still overdue comes back: the preferred time on
 * the next local calendar day (the end of quiet hours if the preferred time is inside them). */
int64_t schedule_resurface_time(const struct config *c, int64_t notified);

/** The next instant the scheduler has to act on contact ct (0: never, nothing is due), given
 * it looks at `now`: a pending follow-up's fire time, or a notified one's resurface time (at
 * least now, out of quiet hours). */
int64_t schedule_contact_next(const struct config *c, const struct contact *ct, int64_t now);

/** Whether ct's pending follow-up is old news: it was already notified of being overdue, has
 * not been touched since, and its date merely moved to a moment before that notification (a
 * cadence or goal interval changed, a rule re-dated it). Such a date is not shown again — one
 * overdue episode notifies once and then comes back in the daily digest; a snooze or a touch
 * starts a new episode (a snooze always lands after the notification). */
bool schedule_already_told(const struct contact *ct);

/** Whether n follow-ups falling due at once are shown as one summary. */
bool schedule_wants_digest(const struct config *c, size_t n);

/** Urgency of a follow-up due at `due` seen at `now`: critical when overdue by more than
 * critical_after, normal otherwise. */
enum schedule_urgency schedule_urgency(const struct config *c, int64_t due, int64_t now);

/** New due date after the Snooze button: now + the configured snooze. */
int64_t schedule_snoozed_due(const struct config *c, int64_t now);

/** New due date after Done at `now`: now + cadence, or 0 (no follow-up) without a cadence. */
int64_t schedule_done_due(int64_t cadence, int64_t now);

/** Record that ct's current follow-up was shown at now (sets notified_due, notified_at and
 * resurface_at). */
void schedule_mark_notified(const struct config *c, struct contact *ct, int64_t now);

/** Whether ct's current follow-up fell due (was notified) while no notification server could
 * show it, and has not been shown since (notify_unshown): the scheduler delivers such ones once
 * when a server appears. */
bool schedule_unshown(const struct contact *ct);

/* ---- notification text ---- */

/** Append s to m, escaping notification markup when markup is true. */
void schedule_put_text(FILE *m, const char *s, bool markup);

/** "Follow up with NAME". Returns a heap string or NULL. */
char *schedule_summary(const struct contact *ct);

/** The body of one follow-up's notification: the networks, the first line of the notes (why
 * this person matters), the last interaction ("coffee, 34 days ago"), how overdue it is, and
 * without action buttons the commands to run. Markup characters are escaped when markup is
 * true (the server interprets body markup). Returns a heap string or NULL. */
char *schedule_body(const struct contact *ct, int64_t now, bool markup, bool actions);

/** Summary and body of a digest of n contacts ("4 follow-ups due", one line per contact,
 * at most 10 named). Returns 0 or -ENOMEM. */
int schedule_digest_text(const struct contact *const *cts, size_t n, int64_t now, bool markup,
                         char **ret_summary, char **ret_body);
