/* Important dates of a person: the birthday (struct contact's birthday, event
 * CONTACT_DATE_BIRTHDAY) and any number of anniversaries and custom dates (contact->dates, event
 * = their id), with the rules for when each occurrence is notified and what Done and Snooze do
 * to it. The occurrence arithmetic is common/datemd.h (the store indexes by it); these are the
 * rules that need the settings and the clock. Pure functions of the record, the config and
 * `now`, so tests inject both.
 *
 * The life of an occurrence (struct date_state):
 *   pending          indexed under local midnight of its day minus remind_days; fires at the
 *                    preferred time on that day (a catch-up at once when that has passed)
 *   fired         →  shown_year = its year: the next occurrence (next year) is pending
 *   Done          →  acked_year = shown_year (acknowledged for this year)
 *   Snooze        →  snoozed_to = now + 1 day: the shown occurrence is pending again then
 * A restart changes nothing of this: the state is in the record. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "datemd.h"
#include "model.h"

#define DATES_SNOOZE (86400) /* Snooze on a date notification: a day */

/* A date that fell due while no notification server could show it keeps this as its
 * notify_id (a server's ids count up from 1 and never reach it) and comes back like a snooze:
 * at once when a server appears (dates_deliver), else a day later. */
#define DATES_NOTIFY_UNSHOWN UINT32_MAX
#define DATES_UNSHOWN_RETRY  (86400)

/** The date of event `event` of ct (CONTACT_DATE_BIRTHDAY or a date id), borrowed from ct:
 * 1, or 0 when ct has no such date. */
int dates_get(const struct contact *ct, uint32_t event, struct contact_date *ret);

/** The state of event `event` in ct, to change it; NULL when there is no such date. */
struct date_state *dates_state(struct contact *ct, uint32_t event);

/** When an occurrence indexed at o is shown, seen at now: the preferred time on the day of its
 * trigger (out of quiet hours), at least now; a snoozed one at its snooze instant. */
int64_t dates_fire_time(const struct config *c, const struct date_state *st,
                        const struct date_occurrence *o, int64_t now);

/** The next instant event `event` of ct is to be shown (0: nothing pending). */
int64_t dates_event_next(const struct config *c, const struct contact *ct, uint32_t event,
                         int64_t now);

/** Record that the pending occurrence of `event` was shown: it will not be shown again.
 * Returns the year shown, or 0 when nothing was pending. */
int dates_mark_shown(struct contact *ct, uint32_t event);

/** The occurrence of `event` just marked shown was not shown (no notification server): it
 * waits for one (DATES_NOTIFY_UNSHOWN), and comes back DATES_UNSHOWN_RETRY after now in any
 * case. Only an occurrence no server has answered for (notify_id 0) is marked. Returns 1 when
 * marked, 0 when not. */
int dates_mark_unshown(struct contact *ct, uint32_t event, int64_t now);

/** Whether `event` of ct fell due unshown and waits for a notification server. */
bool dates_unshown(const struct contact *ct, uint32_t event);

/** A notification server is there: an unshown occurrence of `event` falls due at now. Returns
 * 1 when it was unshown, 0 when not. */
int dates_deliver(struct contact *ct, uint32_t event, int64_t now);

/** Done: acknowledge the occurrence last shown (or the pending one) for its year. -ENOENT
 * without such a date. */
int dates_done(struct contact *ct, uint32_t event, int64_t now);

/** Snooze: the occurrence last shown (or the pending one) comes back at now + a day. */
int dates_snooze(struct contact *ct, uint32_t event, int64_t now);

/** Validate a date label (1..DATE_LABEL_MAX bytes of one-line text). 0 or -EINVAL. */
int dates_label_validate(const char *label);

/** Add a date to ct: label, date ("YYYY-MM-DD", "MM-DD" or "--MM-DD"), yearly (always for
 * "anniversary"), remind_days before. Notified from today on. Returns the new id (>= 2),
 * -EINVAL for a bad date, -EEXIST when the label is taken, -E2BIG past CONTACT_DATES_MAX. The
 * label "birthday" sets the birthday instead (returns CONTACT_DATE_BIRTHDAY). */
int dates_add(struct contact *ct, const char *label, const char *date, bool yearly, int remind_days,
              int64_t now);

/** Set (date non-NULL) or clear the birthday; a new value is notified from today on. 0 or
 * -EINVAL. */
int dates_set_birthday(struct contact *ct, const char *date, int64_t now);

/** Remove the date with this id or label (the birthday too). 0 or -ENOENT. */
int dates_remove(struct contact *ct, const char *id_or_label);

/** One date as JSON: {id, label, date, yearly, remind_days, next (YYYY-MM-DD of the next
 * occurrence from today), in_days, years (how many years it will be then, when the year is
 * known), acknowledged (year), pending_at (RFC 3339, when it will be notified)}. */
json_t *dates_to_json(const struct config *c, const struct contact *ct,
                      const struct contact_date *d, int64_t now);

/** Every date of ct (birthday first) as a JSON array; NULL on allocation failure. */
json_t *dates_contact_json(const struct config *c, const struct contact *ct, int64_t now);

/** The next occurrence of d on or after today, ignoring notification state: 1 with *ret, 0 for a
 * one-off date that has passed. */
int dates_next_from_today(const struct contact *ct, const struct contact_date *d, int64_t now,
                          struct date_occurrence *ret);

/** Notification text for an occurrence of d (year `year`) of ct seen at now: summary
 * ("Jane Doe's birthday") and body ("Turns 37 today", "in 3 days", the agenda), markup escaped
 * when markup. 0 or -ENOMEM. */
int dates_notification_text(const struct contact *ct, const struct contact_date *d, int year,
                            int64_t now, bool markup, char **ret_summary, char **ret_body);
