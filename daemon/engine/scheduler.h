/* The follow-up engine: ONE absolute ev_periodic armed at the next instant anything has to be
 * shown (computed from the first keys of the store's `sched` index, see store-sched.h), the
 * notifications it raises (notify.h) and what their buttons do.
 *
 * - The periodic's callback handles every follow-up due at or before now — idempotently: each
 *   one is marked notified in the same write transaction that decides to show it, so neither a
 *   second run nor a restart shows it again — then re-arms. There is no timer per contact and
 *   no polling; with nothing to show it is armed a week ahead (a re-scan for good measure,
 *   which also lets libev sleep without its once-a-minute clock check) and the daemon sleeps.
 * - Every committed write that changes the sched index reaches scheduler_committed() through
 * the store's observer, which re-arms (coalesced:
 *   once per loop iteration) and tells `tend watch` streams.
 * - Re-scan at start-up (catch-up: what fell due while the daemon was down shows once, right
 *   away), when the wall clock is stepped (a CLOCK_REALTIME timerfd with
 *   TFD_TIMER_CANCEL_ON_SET; libev's own one also moves the periodic) and when logind
 *   announces PrepareForSleep(false) on the system bus.
 * - A follow-up that fell due while no notification server could show it is recorded as
 *   unshown (notify_unshown) and stays due; when a server answers (start-up, the bus back, the
 *   name org.freedesktop.Notifications taken) each of them is shown once (digest rule), out of
 *   quiet hours. A notification counts as shown when it is sent to a server that is there, so
 *   a restart before its answer never shows it again; a certain failure reverts that.
 * - More than digest_threshold at once → one summary notification. Quiet hours defer, the
 *   preferred time is when still-overdue ones come back (schedule.h).
 * - Buttons: done logs a "follow-up" interaction and moves the due date by the cadence, snooze
 *   moves it by the configured snooze, default (a click) runs open_command. */
#pragma once

#include <ev.h>
#include <jansson.h>
#include <stdint.h>

struct core;
struct scheduler;
struct store_changes;

/** Where watch events go: one {event, at, contact: {id, name}, next_due, ...} object
 * (borrowed). Returns 0 or -errno. */
typedef int (*scheduler_watch_fn)(json_t *event, void *userdata);

/** Create the engine on loop for core (store and config must exist): rebuild the sched index,
 * connect to the user bus for notifications and to the system bus for logind, and run the
 * start-up scan as soon as the notification server answered (at most 2 s later). Watch events
 * go to watch (may be NULL). Returns 0 or -errno (logged). */
int scheduler_new(struct ev_loop *loop, struct core *core, scheduler_watch_fn watch,
                  void *watch_userdata, struct scheduler **ret);

/** Stop everything; accepts NULL. */
void scheduler_free(struct scheduler *s);

/** A write committed (the store's observer): one watch event per contact whose next_due moved
 * (ch->event or "changed"), and a re-arm when the sched index changed. Accepts NULL. */
void scheduler_committed(struct scheduler *s, const struct store_changes *ch);

/** d->config was replaced (SIGHUP): apply it (desktop on/off, new rules) and re-arm. */
void scheduler_reload(struct scheduler *s);

/** Re-scan now (after a resume, a clock change, or on request). */
void scheduler_rescan(struct scheduler *s, const char *why);

/** The wall clock was stepped (the clock watch saw it; tests call it after changing the
 * offset): re-arm from scratch and re-scan, as after a resume. Accepts NULL. */
void scheduler_clock_changed(struct scheduler *s);

/** Tests: the scheduler's wall clock runs offset seconds ahead of the system's (the periodic
 * is armed accordingly), so a clock step can be simulated without setting the system clock.
 * Call scheduler_clock_changed() after changing it, as the clock watch would. */
void scheduler_set_clock_offset(struct scheduler *s, int64_t offset);

/** When the periodic fires next (0: not armed). */
int64_t scheduler_next_wakeup(const struct scheduler *s);

/** A follow-up shown here was done or snoozed on another machine (sync): take its
 * notification down if the server still shows it. Accepts NULL. */
void scheduler_withdraw(struct scheduler *s, uint32_t notify_id);

/** Follow-ups shown since start (status, tests). */
uint64_t scheduler_fired_count(const struct scheduler *s);
