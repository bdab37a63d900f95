/* systemd service-manager glue: READY=1, a one-line STATUS= kept up to date, WATCHDOG=1 pings
 * from the event loop at half of $WATCHDOG_USEC, RELOADING=1 and STOPPING=1. Everything is a
 * no-op (and costs nothing) when $NOTIFY_SOCKET is unset, i.e. outside a Type=notify service. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct core;
struct ev_loop;
struct sdnotify;

/* Longest STATUS= text sent (bytes, without "STATUS="). */
#define SDNOTIFY_STATUS_MAX 256

/* What the status line summarises. */
struct sdnotify_summary {
        uint64_t contacts;
        uint64_t due_now;      /* follow-ups due at or before now */
        int64_t next_due;      /* earliest follow-up (may be in the past), 0 = none */
        const char *next_name; /* its contact's name, NULL when unknown */
};

/** Read $NOTIFY_SOCKET and the watchdog settings (sd_watchdog_enabled, honouring
 * $WATCHDOG_PID) and start the watchdog timer on loop. core->store must be open. Returns 0 or
 * -ENOMEM. */
int sdnotify_new(struct ev_loop *loop, struct core *core, struct sdnotify **ret);

/** A write committed (the store's observer): the STATUS= line is recomputed shortly after
 * (coalesced). Cheap and a no-op outside systemd; accepts NULL. */
void sdnotify_status_changed(struct sdnotify *s);

/** Stop the timers; accepts NULL. */
void sdnotify_free(struct sdnotify *s);

/** Whether $NOTIFY_SOCKET was set at start. */
bool sdnotify_enabled(const struct sdnotify *s);

/** The watchdog interval systemd asked for in µs (0 = none). Pings go at half of it. */
uint64_t sdnotify_watchdog_usec(const struct sdnotify *s);

/** READY=1 with the current STATUS=; call once the socket listens. */
void sdnotify_ready(struct sdnotify *s);

/** STOPPING=1; call when shutdown begins. */
void sdnotify_stopping(struct sdnotify *s);

/** RELOADING=1; call when a configuration reload (SIGHUP) begins, and sdnotify_reloaded when it
 * ended (READY=1 again, with a STATUS= that says whether the new settings were taken). */
void sdnotify_reloading(struct sdnotify *s);
void sdnotify_reloaded(struct sdnotify *s, bool ok);

/** The status line for summary at now, in local time: "42 contacts · next follow-up Tue 09:00 ·
 * Jane Doe", "42 contacts · 3 follow-ups due · Jane Doe since Mon 09:00", "1 contact · no
 * follow-ups scheduled". Dates within a week show the weekday, others the date. Returns buf. */
char *sdnotify_format_status(const struct sdnotify_summary *summary, int64_t now, char *buf,
                             size_t size);
