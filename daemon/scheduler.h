/* The follow-up engine: ONE absolute ev_periodic armed at the next instant anything has to be
 * shown (computed from the first keys of the store's `sched` index, see store-sched.h), the
 * notifications it raises (notify.h) and what their buttons do.
 *
 * - The periodic's callback handles every follow-up due at or before now — idempotently: each
 *   one is marked notified in the same write transaction that decides to show it, so neither a
 *   second run nor a restart shows it again — then re-arms. There is no timer per contact and
 *   no polling; with nothing to show it is armed a week ahead (a re-scan for good measure,
 *   which also lets libev sleep without its once-a-minute clock check) and the daemon sleeps.
 * - Every write that changes a due date calls scheduler_changed(), which re-arms (coalesced:
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

#include <jansson.h>
#include <stdint.h>

struct tendd;
struct scheduler;

/* The varlink stream `tend watch` subscribes to (io.tend.FollowUps.Watch). */
#define SCHEDULER_WATCH_STREAM "io.tend.FollowUps.Watch"

/** Create the engine for d (d->store, d->server and d->config must exist): rebuild the sched
 * index, connect to the user bus for notifications and to the system bus for logind, and run
 * the start-up scan as soon as the notification server answered (at most 2 s later). Returns 0
 * or -errno (logged). */
int scheduler_new(struct tendd *d, struct scheduler **ret);

/** Stop everything; accepts NULL. */
void scheduler_free(struct scheduler *s);

/** A committed write changed follow-up data. event is "changed", "done" or "snoozed"; data is
 * the method's reply object (borrowed) from which the contact ({id, name}, or "contact", or
 * "interaction"."contact") and "next_due" are taken for the watch event (NULL: no event).
 * Re-arms the timer. Accepts a NULL scheduler. */
void scheduler_changed(struct scheduler *s, const char *event, json_t *data);

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

/** Follow-ups shown since start (status, tests). */
uint64_t scheduler_fired_count(const struct scheduler *s);
