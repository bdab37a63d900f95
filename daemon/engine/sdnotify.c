#include "sdnotify.h"

#include <ev.h>
#include <inttypes.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "core.h"

/* Writes are coalesced: the status is recomputed at most this often (seconds). */
#define STATUS_DELAY 0.1
/* Overdue follow-ups are counted up to this many ("10000+"). */
#define DUE_COUNT_CAP 10000

struct sdnotify {
        struct ev_loop *loop;
        struct core *core;
        bool enabled;           /* $NOTIFY_SOCKET was set */
        uint64_t watchdog_usec; /* 0 = no watchdog */
        ev_timer watchdog;
        ev_timer status_timer;
        char status[SDNOTIFY_STATUS_MAX];
};

static void notify(struct sdnotify *s, const char *msg)
{
        int r;

        if (!s->enabled)
                return;
        r = sd_notify(0, msg);
        if (r < 0)
                log_debug_errno(r, "sd_notify failed: %m");
}

/* ---- the status line ---- */

static void format_when(int64_t t, int64_t now, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;
        int64_t delta = t > now ? t - now : now - t;

        if (!localtime_r(&tt, &tm)) {
                snprintf(buf, size, "?");
                return;
        }
        strftime(buf, size, delta < 6 * 86400 ? "%a %H:%M" : "%Y-%m-%d %H:%M", &tm);
}

/* Copy a contact name into buf with control characters turned into spaces (a newline would
 * start a new assignment in the notify message), cut at a UTF-8 boundary. */
static void clean_name(const char *name, char *buf, size_t size)
{
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < size; p++)
                buf[n++] = (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p;
        /* Cut short: do not end inside a UTF-8 sequence. */
        while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
                n--;
        buf[n] = '\0';
}

char *sdnotify_format_status(const struct sdnotify_summary *sum, int64_t now, char *buf,
                             size_t size)
{
        char when[64], name[128];
        int n;

        clean_name(sum->next_name ? sum->next_name : "", name, sizeof(name));
        n = snprintf(buf, size, "%" PRIu64 " contact%s", sum->contacts,
                     sum->contacts == 1 ? "" : "s");
        if (n < 0 || (size_t)n >= size)
                return buf;
        if (sum->next_due == 0) {
                snprintf(buf + n, size - (size_t)n, " · no follow-ups scheduled");
                return buf;
        }
        format_when(sum->next_due, now, when, sizeof(when));
        if (sum->due_now > 0)
                snprintf(buf + n, size - (size_t)n, " · %" PRIu64 "%s follow-up%s due%s%s%s%s",
                         sum->due_now, sum->due_now >= DUE_COUNT_CAP ? "+" : "",
                         sum->due_now == 1 ? "" : "s", name[0] ? " · " : "", name,
                         name[0] ? " since " : " · since ", when);
        else
                snprintf(buf + n, size - (size_t)n, " · next follow-up %s%s%s", when,
                         name[0] ? " · " : "", name);
        return buf;
}

struct summary_op {
        int64_t now;
        struct sdnotify_summary sum;
        struct contact *next;
};

static int summary_fn(struct store_txn *t, void *userdata)
{
        struct summary_op *op = userdata;
        uint64_t id;
        int r;

        r = store_txn_contact_count(t, &op->sum.contacts);
        if (r < 0)
                return r;
        r = store_txn_due_first(t, &op->sum.next_due, &id);
        if (r == -ENOENT) {
                op->sum.next_due = 0;
                return 0;
        }
        if (r < 0)
                return r;
        if (store_txn_contact_get(t, id, &op->next) < 0)
                op->next = NULL; /* the line is still useful without the name */
        /* Counted from the due index's per-bucket counts (no contact decoded, nothing
         * proportional to the store: READY=1 carries this line); shown up to the cap. */
        r = store_txn_due_count(t, op->now + 1, &op->sum.due_now);
        if (r >= 0 && op->sum.due_now > DUE_COUNT_CAP)
                op->sum.due_now = DUE_COUNT_CAP;
        return r;
}

/* Recompute the status and send it when it changed. */
static void update_status(struct sdnotify *s, const char *prefix)
{
        struct summary_op op = {.now = core_now(s->core)};
        char line[SDNOTIFY_STATUS_MAX], msg[SDNOTIFY_STATUS_MAX + 64];
        int r;

        r = store_read(s->core->store, summary_fn, &op);
        if (r < 0) {
                contact_free(op.next);
                log_debug_errno(r, "Failed to read the status summary: %m");
                return;
        }
        op.sum.next_name = op.next ? op.next->name : NULL;
        sdnotify_format_status(&op.sum, op.now, line, sizeof(line));
        contact_free(op.next);
        if (!prefix && streq(line, s->status))
                return;
        snprintf(s->status, sizeof(s->status), "%s", line);
        snprintf(msg, sizeof(msg), "%sSTATUS=%s", strempty(prefix), line);
        notify(s, msg);
}

static void on_status_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
        update_status(w->data, NULL);
}

void sdnotify_status_changed(struct sdnotify *s)
{
        if (!s || !s->enabled || ev_is_active(&s->status_timer))
                return;
        ev_timer_set(&s->status_timer, STATUS_DELAY, 0.);
        ev_timer_start(s->loop, &s->status_timer);
}

/* ---- watchdog ---- */

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct sdnotify *s = w->data;

        /* A broken store means we are on our way out; let systemd see it if we hang. */
        if (store_is_broken(s->core->store))
                return;
        notify(s, "WATCHDOG=1");
}

/* ---- life cycle ---- */

int sdnotify_new(struct ev_loop *loop, struct core *core, struct sdnotify **ret)
{
        struct sdnotify *s = calloc(1, sizeof(*s));
        const char *e = getenv("NOTIFY_SOCKET");
        uint64_t usec = 0;
        int r;

        if (!s)
                return -ENOMEM;
        s->loop = loop;
        s->core = core;
        s->enabled = e && e[0];
        ev_timer_init(&s->status_timer, on_status_timer, STATUS_DELAY, 0.);
        s->status_timer.data = s;
        ev_timer_init(&s->watchdog, on_watchdog, 0., 0.);
        s->watchdog.data = s;

        /* Unset WATCHDOG_USEC/PID: programs we start must not think they are watched. */
        r = sd_watchdog_enabled(1, &usec);
        if (r < 0)
                log_warning_errno(r, "Ignoring the watchdog settings from the environment: %m");
        else if (r > 0 && s->enabled) {
                s->watchdog_usec = usec;
                ev_timer_set(&s->watchdog, usec / 2e6, usec / 2e6);
                ev_timer_start(loop, &s->watchdog);
                log_debug("Watchdog enabled: pinging every %.3f s.", usec / 2e6);
        }
        *ret = s;
        return 0;
}

void sdnotify_free(struct sdnotify *s)
{
        if (!s)
                return;
        ev_timer_stop(s->loop, &s->watchdog);
        ev_timer_stop(s->loop, &s->status_timer);
        free(s);
}

bool sdnotify_enabled(const struct sdnotify *s)
{
        return s && s->enabled;
}

uint64_t sdnotify_watchdog_usec(const struct sdnotify *s)
{
        return s ? s->watchdog_usec : 0;
}

void sdnotify_ready(struct sdnotify *s)
{
        if (!s || !s->enabled)
                return;
        /* Ready first, the status line right after, from the loop's first turn: with a cold
         * page cache at a million contacts, reading it costs more than the start itself. */
        notify(s, "READY=1");
        ev_timer_set(&s->status_timer, 0., 0.);
        ev_timer_start(s->loop, &s->status_timer);
}

void sdnotify_stopping(struct sdnotify *s)
{
        if (!s)
                return;
        ev_timer_stop(s->loop, &s->status_timer);
        notify(s, "STOPPING=1\nSTATUS=Shutting down");
}

void sdnotify_reloading(struct sdnotify *s)
{
        char msg[64];
        struct timespec ts;

        if (!s || !s->enabled)
                return;
        /* MONOTONIC_USEC lets systemd >= 253 match the reload to this message; 252 ignores it. */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
                 (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
        notify(s, msg);
}

void sdnotify_reloaded(struct sdnotify *s, bool ok)
{
        char msg[SDNOTIFY_STATUS_MAX + 64];

        if (!s || !s->enabled)
                return;
        if (ok) {
                update_status(s, "READY=1\n");
                return;
        }
        /* Keep the summary but say the new settings were refused; the next change sends the
         * plain summary again. */
        snprintf(msg, sizeof(msg), "READY=1\nSTATUS=Configuration rejected, old settings kept · %s",
                 s->status);
        notify(s, msg);
        s->status[0] = '\0';
}
