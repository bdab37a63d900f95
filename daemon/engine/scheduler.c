/* The follow-up engine; see scheduler.h. */
#include "scheduler.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "evbus.h"
#include "followups.h"
#include "log.h"
#include "notify.h"
#include "reply.h"
#include "schedule.h"
#include "store-sched.h"
#include "core.h"
#include "dates.h"
#include "datemd.h"
#include "timeutil.h"
#include "util.h"

#define BATCH_MAX      1000 /* follow-ups handled per run; more → another run right away */
#define RUNS_MAX       8    /* runs per wake-up before yielding to the loop */
#define SHOWN_MAX      256  /* notifications on screen we remember (buttons still work) */
#define PENDING_MAX    256  /* Notify calls awaiting their reply */
#define STARTUP_WAIT   2.0  /* seconds the start-up scan waits for the notification server */
#define CONTACT_DIGEST 0    /* contact id of a digest notification */
/* With nothing to show, a re-scan once a week all the same. It costs nothing, and an armed
 * periodic is what makes libev watch the wall clock with a timerfd and block for as long as it
 * likes; without any periodic it wakes up every minute to look for clock jumps itself. */
#define IDLE_RESCAN (7 * 86400)
/* The clock watch's timerfd expires this far ahead; it is there for TFD_TIMER_CANCEL_ON_SET. */
#define CLOCK_WATCH_HORIZON (366 * 86400)

struct shown {
        uint32_t id;         /* notification id, 0 = free slot */
        uint64_t contact_id; /* CONTACT_DIGEST for a summary */
        uint32_t event;      /* STORE_SCHED_FOLLOW_UP, or the date it shows */
        unsigned count;      /* contacts in a digest */
};

/* One follow-up in a notification on its way to the server: what to record once we know
 * whether it was shown. */
struct item {
        uint64_t id;
        int64_t due;
        bool fresh; /* never shown before (not a digest resurfacing one already seen) */
};

struct pending {
        uint64_t cookie; /* 0 = free slot */
        uint64_t contact_id;
        uint32_t event; /* STORE_SCHED_FOLLOW_UP, or the date it shows */
        unsigned count;
        char *name;
        struct item *items;
        size_t n_items;
        bool expected; /* recorded as shown before the answer came (a server was there) */
};

struct scheduler {
        struct core *core;
        struct ev_loop *loop;
        scheduler_watch_fn watch; /* where watch events go (the varlink stream) */
        void *watch_userdata;
        ev_periodic timer;
        ev_timer kick;         /* a coalesced re-arm/run after writes */
        ev_timer startup_wait; /* the first scan waits for the notification server */
        ev_io clock_watch;     /* CLOCK_REALTIME timerfd: ECANCELED when the clock is set */
        int64_t clock_offset;  /* tests: our wall clock runs this far ahead of the system's */
        int64_t deliver_at;    /* deliver what fell due unshown, from then on (0: no) */
        bool started;          /* the start-up scan ran */
        int64_t armed;         /* when the periodic fires, 0 = stopped */
        struct notify *notify;
        struct evbus *system; /* logind's PrepareForSleep */
        struct shown shown[SHOWN_MAX];
        size_t shown_next; /* ring position */
        struct pending pending[PENDING_MAX];
        size_t pending_next;
        uint64_t next_cookie;
        uint32_t digest_id;
        uint64_t fired;
};

static const struct config *cfg(const struct scheduler *s)
{
        return s->core->config;
}

static int64_t sched_now(const struct scheduler *s)
{
        return core_now(s->core) + s->clock_offset;
}

/* Whether a notification sent now is expected to be shown: a server answered, or desktop
 * notifications are off (nothing to deliver later then). */
static bool expect_shown(const struct scheduler *s)
{
        return !cfg(s)->desktop || notify_get_state(s->notify) == NOTIFY_READY;
}

/* ---- watch events ---- */

static void watch_send(struct scheduler *s, json_t *ev)
{
        if (ev && s->watch && s->watch(ev, s->watch_userdata) < 0)
                log_warning("Out of memory sending a watch event.");
        json_decref(ev);
}

/* ---- arming ---- */

static void arm(struct scheduler *s, int64_t at)
{
        struct ev_loop *loop = s->loop;

        if (at == s->armed && (at == 0 || ev_is_active(&s->timer)))
                return;
        ev_periodic_stop(loop, &s->timer);
        s->armed = at;
        if (at == 0)
                return;
        ev_periodic_set(&s->timer, (ev_tstamp)(at - s->clock_offset), 0., NULL);
        ev_periodic_start(loop, &s->timer);
        {
                char buf[TIME_RFC3339_MAX];

                log_debug("Next follow-up check at %s.", time_format_rfc3339(at, buf));
        }
}

/* ---- the scan ---- */

/* A date of a contact that fell due. */
struct date_due {
        uint64_t id;
        uint32_t event;
};

struct collect_op {
        const struct config *cfg;
        int64_t now;
        int64_t best;  /* earliest future instant seen */
        int64_t floor; /* no event is shown before this: now, or the end of quiet hours */
        uint64_t *ids;
        size_t n;
        struct date_due *dates; /* important dates due, shown one by one */
        size_t n_dates;
        bool more;
};

static int collect_cb(int64_t t, const struct contact *c, uint32_t event, void *userdata)
{
        struct collect_op *op = userdata;
        int64_t at;

        /* Keys are in order and no contact is shown before its key: past the best instant
         * found so far, nothing can come earlier. Nor can anything come before the floor:
         * during quiet hours every overdue event is deferred to their end, and once one is,
         * the rest of the walk (every overdue person: all of the store at worst, after every
         * write) could find nothing earlier and nothing to show now. */
        if (t >= op->best || op->best <= op->floor)
                return 1;
        if (event != STORE_SCHED_FOLLOW_UP) {
                at = dates_event_next(op->cfg, c, event, op->now);
                if (at == 0)
                        return 0;
                if (at > op->now) {
                        if (at < op->best)
                                op->best = at;
                        return 0;
                }
                if (op->n_dates == BATCH_MAX) {
                        op->more = true;
                        op->best = op->now;
                        return 1;
                }
                op->dates[op->n_dates++] = (struct date_due){c->id, event};
                return 0;
        }
        at = schedule_contact_next(op->cfg, c, op->now);
        if (at == 0)
                return 0;
        if (at > op->now) {
                if (at < op->best)
                        op->best = at;
                return 0;
        }
        if (op->n == BATCH_MAX) {
                op->more = true;
                op->best = op->now;
                return 1;
        }
        op->ids[op->n++] = c->id;
        return 0;
}

static int collect_fn(struct store_txn *t, void *userdata)
{
        struct collect_op *op = userdata;

        op->n = 0;
        op->n_dates = 0;
        op->more = false;
        op->best = INT64_MAX;
        /* Every event's instant is schedule_after_quiet of a time ≥ now, never earlier than
         * this (schedule_after_quiet is monotonic). Outside quiet hours it is now, and an
         * instant found (> now) never reaches it. */
        op->floor = schedule_after_quiet(op->cfg, op->now);
        return store_txn_sched_walk(t, collect_cb, op);
}

struct fire_op {
        const struct config *cfg;
        int64_t now;
        bool delivery; /* deliver ones that fell due unshown, rather than fire due ones */
        bool expect;   /* expect_shown(): record them as shown right away */
        const uint64_t *ids;
        size_t n_ids;
        struct contact **shown; /* loaded copies of those marked, for the notifications */
        bool *fresh;            /* shown[i] was never shown before */
        size_t n;
};

static void fire_op_clear(struct fire_op *op)
{
        for (size_t i = 0; i < op->n; i++)
                contact_free(op->shown[i]);
        op->n = 0;
}

/* Mark each contact still due as notified, in one transaction. Re-checked here, so a contact
 * changed since the scan (or a second run) is not shown twice. Whether it is shown is recorded
 * in the same transaction, as expected (op->expect): with a server there it counts as shown
 * (a restart before the answer must not show it again), without one it is unshown and waits
 * for a server. The answer corrects it (settle()). Re-runnable. */
static int fire_fn(struct store_txn *t, void *userdata)
{
        struct fire_op *op = userdata;
        int r;

        store_txn_no_journal(t); /* bookkeeping: nothing anyone would undo */
        fire_op_clear(op);
        for (size_t i = 0; i < op->n_ids; i++) {
                struct contact *c = NULL;
                bool fresh;

                r = store_txn_contact_get(t, op->ids[i], &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (op->delivery) {
                        if (!schedule_unshown(c)) {
                                contact_free(c);
                                continue;
                        }
                        fresh = true;
                } else {
                        int64_t at = schedule_contact_next(op->cfg, c, op->now);

                        if (at == 0 || at > op->now) {
                                contact_free(c);
                                continue;
                        }
                        if (schedule_already_told(c)) {
                                /* Re-dated within an episode already notified: the new date
                                 * takes over that state, and the digest brings it back. */
                                c->notified_due = c->next_due;
                                r = store_txn_contact_put(t, c);
                                contact_free(c);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        /* A resurfacing one that was shown before is not owed to anyone. */
                        fresh = c->notified_due != c->next_due || c->notify_unshown;
                        schedule_mark_notified(op->cfg, c, op->now);
                }
                c->notify_unshown = !op->expect && fresh;
                r = store_txn_contact_put(t, c);
                if (r < 0) {
                        contact_free(c);
                        return r;
                }
                op->fresh[op->n] = fresh;
                op->shown[op->n++] = c;
        }
        return 0;
}

static void pending_clear(struct pending *p)
{
        free(p->name);
        free(p->items);
        *p = (struct pending){0};
}

/* Remember a Notify call on its way, with the follow-ups it shows. NULL: out of memory. */
static struct pending *pending_add(struct scheduler *s, uint64_t contact_id, const char *name,
                                   struct contact *const *cs, const bool *fresh, size_t n,
                                   bool expected)
{
        struct pending *p = &s->pending[s->pending_next];
        struct item *items = n ? calloc(n, sizeof(*items)) : NULL;
        char *copy = name ? strdup(name) : NULL;

        if ((n && !items) || (name && !copy)) {
                free(items);
                free(copy);
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                items[i] =
                    (struct item){.id = cs[i]->id, .due = cs[i]->next_due, .fresh = fresh[i]};
        /* The oldest call still unanswered is forgotten: it stays as expected. */
        pending_clear(p);
        s->pending_next = (s->pending_next + 1) % PENDING_MAX;
        *p = (struct pending){
            .cookie = ++s->next_cookie,
            .contact_id = contact_id,
            .count = (unsigned)n,
            .name = copy,
            .items = items,
            .n_items = n,
            .expected = expected,
        };
        return p;
}

static struct pending *pending_find(struct scheduler *s, uint64_t cookie)
{
        for (size_t i = 0; i < PENDING_MAX; i++)
                if (s->pending[i].cookie == cookie)
                        return &s->pending[i];
        return NULL;
}

struct mark_op {
        const struct item *items;
        size_t n;
        bool shown;
};

/* Record the outcome of a notification: shown, or not shown (only ever for fresh ones, and
 * only while the contact is still at the due date that was sent). */
static int mark_fn(struct store_txn *t, void *userdata)
{
        struct mark_op *op = userdata;
        int r;

        store_txn_no_journal(t);
        for (size_t i = 0; i < op->n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                uint32_t v;

                r = store_txn_contact_get(t, op->items[i].id, &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (c->next_due != op->items[i].due || c->notified_due != op->items[i].due)
                        continue;
                v = op->shown ? 0 : op->items[i].fresh ? 1 : c->notify_unshown;
                if (v == c->notify_unshown)
                        continue;
                c->notify_unshown = v;
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct date_unshown_op {
        uint64_t id;
        uint32_t event;
        int64_t now;
};

static int date_unshown_fn(struct store_txn *t, void *userdata)
{
        struct date_unshown_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        store_txn_no_journal(t);
        r = store_txn_contact_get(t, op->id, &c);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (dates_mark_unshown(c, op->event, op->now) == 0)
                return 0;
        return store_txn_contact_put(t, c);
}

/* A date recorded as shown could not be: it waits for a notification server. */
static void date_unshown(struct scheduler *s, uint64_t id, uint32_t event)
{
        struct date_unshown_op op = {.id = id, .event = event, .now = sched_now(s)};
        int r = store_write(s->core->store, date_unshown_fn, &op);

        if (r < 0)
                log_warning_errno(r, "Failed to record that a date was not shown: %m");
}

/* The server answered a Notify call (or it could not be sent): correct what was recorded
 * when the answer differs from what was expected. Only a certain failure (no server, no bus)
 * makes a follow-up unshown; a timeout may have shown it, and showing twice is worse. Frees
 * p's contents. */
static void settle(struct scheduler *s, struct pending *p, bool shown, int error)
{
        bool certain = error == -EHOSTUNREACH || error == -ENOTCONN;
        struct mark_op op = {.items = p->items, .n = p->n_items, .shown = shown};
        int r;

        if (p->event != STORE_SCHED_FOLLOW_UP) {
                if (!shown && p->expected && certain)
                        date_unshown(s, p->contact_id, p->event);
                pending_clear(p);
                return;
        }
        if (shown ? !p->expected : p->expected && certain) {
                r = store_write(s->core->store, mark_fn, &op);
                if (r < 0) {
                        log_warning_errno(r, "Failed to record whether a notification was "
                                             "shown: %m");
                }
        }
        pending_clear(p);
}

static void run_command(struct scheduler *s, char *const *tmpl, const char *summary,
                        const char *body, const struct contact *c, unsigned count)
{
        _cleanup_strv_ char **argv = NULL, **env = NULL;
        char id[32] = "", due[TIME_RFC3339_MAX] = "", n[32];
        const char *vars[_CONFIG_VAR_MAX] = {0};
        int r;

        if (!tmpl)
                return;
        snprintf(n, sizeof(n), "%u", count);
        if (c) {
                snprintf(id, sizeof(id), "%" PRIu64, c->id);
                if (c->next_due)
                        time_format_rfc3339(c->next_due, due);
        }
        vars[CONFIG_VAR_SUMMARY] = summary;
        vars[CONFIG_VAR_BODY] = body;
        vars[CONFIG_VAR_NAME] = c ? c->name : "";
        vars[CONFIG_VAR_ID] = id;
        vars[CONFIG_VAR_DUE] = due;
        vars[CONFIG_VAR_COUNT] = n;
        r = config_expand_command(tmpl, vars, &argv);
        for (int i = 0; r >= 0 && i < _CONFIG_VAR_MAX; i++) {
                _cleanup_free_ char *e = NULL;

                if (asprintf(&e, "%s=%s", config_var_env(i), strempty(vars[i])) < 0 ||
                    strv_push(&env, e) < 0)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = notify_spawn(s->notify, argv, env);
        if (r < 0)
                log_warning_errno(r, "Failed to run the command %s: %m", tmpl[0]);
}

static void send_or_log(struct scheduler *s, struct pending *p, const struct notify_message *m,
                        const char *what)
{
        int r = notify_send(s->notify, m);

        /* Sent: on_sent() settles it. -EOPNOTSUPP: desktop notifications are off. */
        if (r >= 0)
                return;
        if (r != -EOPNOTSUPP)
                log_warning_errno(r == -ENOTCONN ? 0 : r,
                                  "Could not show a notification for %s (%s); it stays due: "
                                  "see 'tend due'.",
                                  what, r == -ENOTCONN ? "no user bus" : strerror(-r));
        settle(s, p, false, r);
}

static void show_one(struct scheduler *s, struct contact *c, bool fresh, bool expected,
                     bool command, int64_t now)
{
        _cleanup_free_ char *summary = schedule_summary(c);
        _cleanup_free_ char *body =
            schedule_body(c, now, notify_has_markup(s->notify), notify_has_actions(s->notify));
        _cleanup_free_ char *plain = schedule_body(c, now, false, false);
        char snooze[64], d[32];
        struct notify_message m;
        struct pending *p;

        p = summary && body && plain ? pending_add(s, c->id, c->name, &c, &fresh, 1, expected)
                                     : NULL;
        if (!p) {
                log_error("Out of memory showing a follow-up.");
                return;
        }
        snprintf(snooze, sizeof(snooze), "Snooze %s",
                 time_format_duration(cfg(s)->snooze, d, sizeof(d)));
        m = (struct notify_message){
            .summary = summary,
            .body = body,
            .replaces_id = c->notify_id,
            .urgency = (uint8_t)schedule_urgency(cfg(s), c->next_due, now),
            .buttons = true,
            .snooze_label = snooze,
            .cookie = p->cookie,
        };
        send_or_log(s, p, &m, c->name);
        if (command)
                run_command(s, cfg(s)->command, summary, plain, c, 1);
}

static void show_digest(struct scheduler *s, struct contact **cs, const bool *fresh, size_t n,
                        bool expected, bool command, int64_t now)
{
        _cleanup_free_ char *summary = NULL, *body = NULL, *plain_s = NULL, *plain = NULL;
        struct notify_message m;
        struct pending *p = NULL;
        uint8_t urgency = SCHEDULE_URGENCY_NORMAL;

        if (schedule_digest_text((const struct contact *const *)cs, n, now,
                                 notify_has_markup(s->notify), &summary, &body) >= 0 &&
            schedule_digest_text((const struct contact *const *)cs, n, now, false, &plain_s,
                                 &plain) >= 0)
                p = pending_add(s, CONTACT_DIGEST, NULL, cs, fresh, n, expected);
        if (!p) {
                log_error("Out of memory showing a digest.");
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (schedule_urgency(cfg(s), cs[i]->next_due, now) > urgency)
                        urgency = (uint8_t)schedule_urgency(cfg(s), cs[i]->next_due, now);
        m = (struct notify_message){
            .summary = summary,
            .body = body,
            .replaces_id = s->digest_id,
            .urgency = urgency,
            .buttons = false,
            .cookie = p->cookie,
        };
        send_or_log(s, p, &m, summary);
        if (command)
                run_command(s, cfg(s)->command, plain_s, plain, NULL, (unsigned)n);
}

/* Show what fire_fn marked: log and tell watchers that they fired (not for a delivery of ones
 * that fired before), then one notification each or a digest. */
static void announce(struct scheduler *s, const struct fire_op *fo)
{
        bool digest = schedule_wants_digest(cfg(s), fo->n);

        if (fo->delivery)
                log_info("Showing %zu follow-up(s) that fell due while no notification server "
                         "was there.",
                         fo->n);
        for (size_t i = 0; i < fo->n && !fo->delivery; i++) {
                const struct contact *c = fo->shown[i];
                char id[32], due[TIME_RFC3339_MAX];
                json_t *ev;

                snprintf(id, sizeof(id), "%" PRIu64, c->id);
                time_format_rfc3339(c->next_due, due);
                log_struct(LOG_NOTICE,
                           LOG_FIELDS({"TEND_EVENT", "fired"}, {"TEND_CONTACT_ID", id},
                                      {"TEND_CONTACT_NAME", c->name}, {"TEND_DUE", due}),
                           "Follow up with %s (due %s).", strempty(c->name), due);
                ev = json_pack("{s:s,s:o,s:{s:I,s:s?},s:o,s:b}", "event", "fired", "at",
                               reply_time_or_null(fo->now), "contact", "id", (json_int_t)c->id,
                               "name", c->name, "next_due", reply_time_or_null(c->next_due),
                               "digest", digest);
                watch_send(s, ev);
        }
        if (!fo->delivery)
                s->fired += fo->n;
        if (digest)
                show_digest(s, fo->shown, fo->fresh, fo->n, fo->expect, !fo->delivery, fo->now);
        else
                for (size_t i = 0; i < fo->n; i++)
                        show_one(s, fo->shown[i], fo->fresh[i], fo->expect, !fo->delivery, fo->now);
}

/* ---- delivery of what fell due while no server could show it ---- */

struct unshown_op {
        const struct scheduler *s;
        uint64_t *ids;
        size_t n;
        struct date_due dates[BATCH_MAX]; /* dates that fell due unshown */
        size_t n_dates;
        bool more;
};

/* Whether a Notify call for contact c at its current due date is still unanswered (sent while
 * the server's capabilities were not known yet): its answer settles it, not a second call. */
static bool in_flight(const struct scheduler *s, const struct contact *c)
{
        for (size_t i = 0; i < PENDING_MAX; i++) {
                const struct pending *p = &s->pending[i];

                if (p->cookie == 0 || p->expected)
                        continue;
                for (size_t j = 0; j < p->n_items; j++)
                        if (p->items[j].id == c->id && p->items[j].due == c->next_due)
                                return true;
        }
        return false;
}

static int unshown_cb(int64_t t, const struct contact *c, uint32_t event, void *userdata)
{
        struct unshown_op *op = userdata;

        if (event != STORE_SCHED_FOLLOW_UP) {
                if (!dates_unshown(c, event))
                        return 0;
                if (op->n_dates == BATCH_MAX) {
                        op->more = true;
                        return 1;
                }
                op->dates[op->n_dates++] = (struct date_due){c->id, event};
                return 0;
        }

        if (!schedule_unshown(c) || in_flight(op->s, c))
                return 0;
        if (op->n == BATCH_MAX) {
                op->more = true;
                return 1;
        }
        op->ids[op->n++] = c->id;
        return 0;
}

/* Every unshown follow-up is notified, so it is in `sched` (under its resurface time). */
static int unshown_fn(struct store_txn *t, void *userdata)
{
        struct unshown_op *op = userdata;

        op->n = 0;
        op->n_dates = 0;
        op->more = false;
        return store_txn_sched_walk(t, unshown_cb, op);
}

struct date_deliver_op {
        const struct date_due *dates;
        size_t n;
        int64_t now;
};

static int date_deliver_fn(struct store_txn *t, void *userdata)
{
        struct date_deliver_op *op = userdata;
        int r;

        store_txn_no_journal(t);
        for (size_t i = 0; i < op->n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;

                r = store_txn_contact_get(t, op->dates[i].id, &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (dates_deliver(c, op->dates[i].event, op->now) == 0)
                        continue;
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A notification server is there (again): show, once, every follow-up that fell due while
 * there was none. Returns 1 when more are left for another round, 0 when done, or -errno. */
static int deliver(struct scheduler *s, uint64_t *ids, struct contact **shown, bool *fresh,
                   int64_t now)
{
        struct unshown_op uo = {.s = s, .ids = ids};
        struct fire_op fo = {.cfg = cfg(s),
                             .now = now,
                             .delivery = true,
                             .expect = true,
                             .shown = shown,
                             .fresh = fresh};
        int r;

        r = store_read(s->core->store, unshown_fn, &uo);
        if (r < 0)
                return log_error_errno(r, "Failed to read the follow-ups: %m");
        if (uo.n_dates > 0) {
                /* They fall due now, and the scan that follows shows them. */
                struct date_deliver_op dop = {.dates = uo.dates, .n = uo.n_dates, .now = now};

                r = store_write(s->core->store, date_deliver_fn, &dop);
                if (r < 0)
                        return log_error_errno(r, "Failed to deliver dates: %m");
        }
        if (uo.n == 0)
                return uo.more ? 1 : 0;
        fo.ids = uo.ids;
        fo.n_ids = uo.n;
        r = store_write(s->core->store, fire_fn, &fo);
        if (r < 0) {
                fire_op_clear(&fo);
                return log_error_errno(r, "Failed to record shown follow-ups: %m");
        }
        if (fo.n > 0)
                announce(s, &fo);
        fire_op_clear(&fo);
        return uo.more ? 1 : 0;
}

/* ---- important dates ---- */

/* One date shown: a copy of its contact and the occurrence's year. */
struct date_shown {
        struct contact *c;
        uint32_t event;
        int year;
};

struct date_fire_op {
        const struct config *cfg;
        int64_t now;
        bool expect; /* expect_shown(): without a server they wait for one, unshown */
        const struct date_due *due;
        size_t n_due;
        struct date_shown *shown;
        size_t n;
};

static void date_fire_op_clear(struct date_fire_op *op)
{
        for (size_t i = 0; i < op->n; i++)
                contact_free(op->shown[i].c);
        op->n = 0;
}

/* Mark each date still due as shown, in one transaction (exactly once: re-checked here, and a
 * restart finds shown_year set). Re-runnable. */
static int date_fire_fn(struct store_txn *t, void *userdata)
{
        struct date_fire_op *op = userdata;
        int r;

        date_fire_op_clear(op);
        for (size_t i = 0; i < op->n_due; i++) {
                struct contact *c = NULL;
                int64_t at;
                int year;

                r = store_txn_contact_get(t, op->due[i].id, &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                at = dates_event_next(op->cfg, c, op->due[i].event, op->now);
                year = at != 0 && at <= op->now ? dates_mark_shown(c, op->due[i].event) : 0;
                if (year == 0) {
                        contact_free(c);
                        continue;
                }
                if (!op->expect)
                        dates_mark_unshown(c, op->due[i].event, op->now);
                r = store_txn_contact_put(t, c);
                if (r < 0) {
                        contact_free(c);
                        return r;
                }
                op->shown[op->n++] = (struct date_shown){c, op->due[i].event, year};
        }
        return 0;
}

static void show_date(struct scheduler *s, const struct date_shown *ds, int64_t now)
{
        _cleanup_free_ char *summary = NULL, *body = NULL, *plain_s = NULL, *plain = NULL;
        struct contact_date d;
        struct notify_message m;
        struct pending *p = NULL;
        char id[32], when[DATE_TEXT_MAX];
        json_t *ev;

        if (dates_get(ds->c, ds->event, &d) <= 0)
                return;
        if (dates_notification_text(ds->c, &d, ds->year, now, notify_has_markup(s->notify),
                                    &summary, &body) >= 0 &&
            dates_notification_text(ds->c, &d, ds->year, now, false, &plain_s, &plain) >= 0)
                p = pending_add(s, ds->c->id, ds->c->name, NULL, NULL, 0, true);
        if (!p) {
                log_error("Out of memory showing a date.");
                return;
        }
        p->event = ds->event;
        snprintf(id, sizeof(id), "%" PRIu64, ds->c->id);
        snprintf(when, sizeof(when), "%04d", ds->year % 10000);
        log_struct(LOG_NOTICE,
                   LOG_FIELDS({"TEND_EVENT", "date"}, {"TEND_CONTACT_ID", id},
                              {"TEND_CONTACT_NAME", ds->c->name}, {"TEND_DATE_LABEL", d.label},
                              {"TEND_DATE_YEAR", when}),
                   "%s: %s %s.", strempty(ds->c->name), d.label, when);
        ev = json_pack("{s:s,s:o,s:{s:I,s:s?},s:{s:I,s:s,s:s,s:i}}", "event", "date", "at",
                       reply_time_or_null(now), "contact", "id", (json_int_t)ds->c->id, "name",
                       ds->c->name, "date", "id", (json_int_t)ds->event, "label", d.label, "date",
                       d.date, "year", ds->year);
        watch_send(s, ev);
        s->fired++;
        m = (struct notify_message){
            .summary = summary,
            .body = body,
            .urgency = SCHEDULE_URGENCY_NORMAL,
            .buttons = true,
            .snooze_label = "Snooze 1 day",
            .cookie = p->cookie,
        };
        send_or_log(s, p, &m, summary);
        run_command(s, cfg(s)->command, plain_s, plain, ds->c, 1);
}

/* Show the dates collected as due. Returns 0 or -errno. */
static int fire_dates(struct scheduler *s, const struct collect_op *co)
{
        _cleanup_free_ struct date_shown *shown = calloc(co->n_dates, sizeof(*shown));
        struct date_fire_op op = {.cfg = cfg(s),
                                  .now = co->now,
                                  .expect = expect_shown(s),
                                  .due = co->dates,
                                  .n_due = co->n_dates,
                                  .shown = shown};
        int r;

        if (!shown)
                return -ENOMEM;
        r = store_write(s->core->store, date_fire_fn, &op);
        if (r < 0) {
                date_fire_op_clear(&op);
                return log_error_errno(r, "Failed to record shown dates: %m");
        }
        for (size_t i = 0; i < op.n; i++)
                show_date(s, &shown[i], co->now);
        date_fire_op_clear(&op);
        return 0;
}

/* Arm for at, or for a delivery that is due earlier. */
static void arm_next(struct scheduler *s, int64_t at)
{
        if (s->deliver_at != 0 && s->deliver_at < at)
                at = s->deliver_at;
        arm(s, at);
}

/* Show everything due at or before now, then arm the periodic for what comes next. */
static void run(struct scheduler *s)
{
        _cleanup_free_ uint64_t *ids = calloc(BATCH_MAX, sizeof(uint64_t));
        _cleanup_free_ struct contact **shown = calloc(BATCH_MAX, sizeof(struct contact *));
        _cleanup_free_ bool *fresh = calloc(BATCH_MAX, sizeof(bool));
        _cleanup_free_ struct date_due *dates = calloc(BATCH_MAX, sizeof(struct date_due));
        struct collect_op op = {.cfg = cfg(s), .dates = dates};
        int r;

        if (!ids || !shown || !fresh || !dates) {
                log_error("Out of memory scanning follow-ups; retrying in a minute.");
                arm(s, sched_now(s) + 60);
                return;
        }
        op.ids = ids;
        for (int round = 0; round < RUNS_MAX; round++) {
                struct fire_op fo = {.cfg = cfg(s), .shown = shown, .fresh = fresh};

                op.now = sched_now(s);
                if (s->deliver_at != 0 && s->deliver_at <= op.now) {
                        /* Not while the server is gone again: its return asks anew. */
                        r = notify_get_state(s->notify) == NOTIFY_READY
                                ? deliver(s, ids, shown, fresh, op.now)
                                : 0;
                        if (r < 0) {
                                arm(s, op.now + 60);
                                return;
                        }
                        if (r == 0)
                                s->deliver_at = 0;
                        else
                                continue; /* more of them */
                }
                r = store_read(s->core->store, collect_fn, &op);
                if (r < 0) {
                        log_error_errno(r, "Failed to read the follow-ups: %m");
                        arm(s, op.now + 60);
                        return;
                }
                if (op.n_dates > 0 && fire_dates(s, &op) < 0) {
                        arm(s, op.now + 60);
                        return;
                }
                if (op.n == 0) {
                        if (op.more)
                                continue;
                        arm_next(s, op.best == INT64_MAX || op.best > op.now + IDLE_RESCAN
                                        ? op.now + IDLE_RESCAN
                                        : op.best);
                        return;
                }
                fo.now = op.now;
                fo.expect = expect_shown(s);
                fo.ids = op.ids;
                fo.n_ids = op.n;
                r = store_write(s->core->store, fire_fn, &fo);
                if (r < 0) {
                        fire_op_clear(&fo);
                        log_error_errno(r, "Failed to record shown follow-ups: %m");
                        arm(s, op.now + 60);
                        return;
                }
                if (fo.n > 0)
                        announce(s, &fo);
                fire_op_clear(&fo);
        }
        arm(s, sched_now(s)); /* still busy: go on after the loop had a turn */
}

static void timer_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
        struct scheduler *s = w->data;

        s->armed = 0;
        run(s);
}

static void kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct scheduler *s = w->data;

        if (s->started)
                run(s);
}

static void start_scan(struct scheduler *s)
{
        if (s->started)
                return;
        s->started = true;
        ev_timer_stop(s->loop, &s->startup_wait);
        log_debug("Start-up scan of the follow-ups.");
        /* From the loop: this may be called while the notifier is still being set up. */
        ev_timer_start(s->loop, &s->kick);
}

static void startup_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
        start_scan(w->data);
}

void scheduler_committed(struct scheduler *s, const struct store_changes *ch)
{
        size_t n;

        if (!s)
                return;
        n = ch->n_moves < STORE_MOVES_MAX ? ch->n_moves : STORE_MOVES_MAX;
        for (size_t i = 0; i < n; i++) {
                const struct store_due_move *m = &ch->moves[i];

                watch_send(s, json_pack("{s:s,s:o,s:{s:I,s:s?},s:o}", "event",
                                        ch->event ? ch->event : "changed", "at",
                                        reply_time_or_null(sched_now(s)), "contact", "id",
                                        (json_int_t)m->id, "name", m->name, "next_due",
                                        reply_time_or_null(m->next_due)));
        }
        /* Re-arm from the loop, once for any number of writes in this iteration. */
        if (ch->sched)
                ev_timer_start(s->loop, &s->kick);
}

void scheduler_rescan(struct scheduler *s, const char *why)
{
        if (!s)
                return;
        log_info("Re-scanning follow-ups (%s).", why);
        ev_now_update(s->loop);
        if (s->started)
                run(s);
}

void scheduler_reload(struct scheduler *s)
{
        if (!s)
                return;
        notify_set_desktop(s->notify, cfg(s)->desktop);
        if (s->deliver_at != 0)
                s->deliver_at = schedule_after_quiet(cfg(s), sched_now(s));
        if (s->started)
                run(s);
}

int64_t scheduler_next_wakeup(const struct scheduler *s)
{
        return s ? s->armed : 0;
}

uint64_t scheduler_fired_count(const struct scheduler *s)
{
        return s ? s->fired : 0;
}

/* ---- notification callbacks ---- */

static void remember_shown(struct scheduler *s, uint32_t id, uint64_t contact_id, uint32_t event,
                           unsigned count)
{
        for (size_t i = 0; i < SHOWN_MAX; i++)
                if (s->shown[i].id == id) {
                        s->shown[i].contact_id = contact_id;
                        s->shown[i].event = event;
                        s->shown[i].count = count;
                        return;
                }
        s->shown[s->shown_next] =
            (struct shown){.id = id, .contact_id = contact_id, .event = event, .count = count};
        s->shown_next = (s->shown_next + 1) % SHOWN_MAX;
}

static struct shown *shown_find(struct scheduler *s, uint32_t id)
{
        for (size_t i = 0; i < SHOWN_MAX; i++)
                if (s->shown[i].id == id && id != 0)
                        return &s->shown[i];
        return NULL;
}

struct notify_id_op {
        uint64_t id;
        uint32_t event; /* STORE_SCHED_FOLLOW_UP, or a date */
        uint32_t notify_id;
        bool closing; /* clear notify_id, if it is still the closed one */
        uint32_t closed;
};

static int notify_id_fn(struct store_txn *t, void *userdata)
{
        struct notify_id_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        store_txn_no_journal(t);
        r = store_txn_contact_get(t, op->id, &c);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (op->event != STORE_SCHED_FOLLOW_UP) {
                struct date_state *st = dates_state(c, op->event);

                if (!st || st->notify_id == op->notify_id)
                        return 0;
                st->notify_id = op->notify_id;
                return store_txn_contact_put(t, c);
        }
        if (op->closing && c->notify_id != op->closed)
                return 0;
        if (c->notify_id == op->notify_id)
                return 0;
        c->notify_id = op->notify_id;
        return store_txn_contact_put(t, c);
}

static void on_sent(void *userdata, uint64_t cookie, uint32_t id, int error)
{
        struct scheduler *s = userdata;
        struct pending *p = pending_find(s, cookie);
        struct notify_id_op op;
        int r;

        if (!p)
                return;
        if (id == 0) {
                log_warning("Could not show the notification for %s (%s); it stays due: see "
                            "'tend due'.",
                            p->contact_id == CONTACT_DIGEST ? "a digest" : strempty(p->name),
                            error == -EHOSTUNREACH ? "no notification server"
                            : error == -ETIMEDOUT  ? "the notification server did not answer"
                                                   : "the notification server refused it");
                settle(s, p, false, error);
                return;
        }
        remember_shown(s, id, p->contact_id, p->event, p->count);
        if (p->event != STORE_SCHED_FOLLOW_UP) {
                /* Kept in the date's state: its buttons still work after a restart. */
                op = (struct notify_id_op){.id = p->contact_id, .event = p->event, .notify_id = id};
                r = store_write(s->core->store, notify_id_fn, &op);
                if (r < 0)
                        log_warning_errno(r, "Failed to record a notification id: %m");
        } else if (p->contact_id == CONTACT_DIGEST)
                s->digest_id = id;
        else {
                /* Kept in the record: the next notification for this contact replaces this
                 * one, and its buttons still work after a restart. */
                op = (struct notify_id_op){.id = p->contact_id, .notify_id = id};
                r = store_write(s->core->store, notify_id_fn, &op);
                if (r < 0) {
                        log_warning_errno(r, "Failed to record a notification id: %m");
                }
        }
        settle(s, p, true, 0);
}

struct find_op {
        uint32_t notify_id;
        uint64_t found;
        uint32_t event;
};

static int find_date_cb(int64_t t, const struct contact *c, uint32_t event, void *userdata)
{
        struct find_op *op = userdata;
        struct contact_date d;

        /* A date that was shown is indexed under its next occurrence: every date is here. */
        if (event == STORE_SCHED_FOLLOW_UP || dates_get(c, event, &d) <= 0 ||
            d.st.notify_id != op->notify_id)
                return 0;
        op->found = c->id;
        op->event = event;
        return 1;
}

static int find_date_fn(struct store_txn *t, void *userdata)
{
        return store_txn_sched_walk(t, find_date_cb, userdata);
}

static int find_cb(const struct contact *c, void *userdata)
{
        struct find_op *op = userdata;

        if (c->notify_id != op->notify_id)
                return 0;
        op->found = c->id;
        return 1;
}

static int find_fn(struct store_txn *t, void *userdata)
{
        /* Buttons of a notification shown before a restart: its contact is overdue. */
        return store_txn_due_list(t, time_now() + 1, 0, find_cb, userdata);
}

struct button_op {
        uint64_t id;
        uint32_t event; /* STORE_SCHED_FOLLOW_UP, or a date */
        const char *key;
        int64_t now, snooze, conf_every;
        json_t *result;
        char *name;
};

static int button_fn(struct store_txn *t, void *userdata)
{
        struct button_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        json_decref(op->result);
        op->result = NULL;
        r = store_txn_contact_get(t, op->id, &c);
        if (r < 0)
                return r;
        free(op->name);
        op->name = strdup(strempty(c->name));
        if (!op->name)
                return -ENOMEM;
        if (op->event != STORE_SCHED_FOLLOW_UP) {
                /* Done acknowledges the date for this year; Snooze brings it back in a day. */
                r = streq(op->key, "done") ? dates_done(c, op->event, op->now)
                                           : dates_snooze(c, op->event, op->now);
                if (r < 0)
                        return r == -ENOENT ? 0 : r;
                return store_txn_contact_put(t, c);
        }
        if (streq(op->key, "done"))
                return followups_txn_done(t, op->conf_every, c, NULL, op->now, &op->result);
        return followups_txn_snooze(t, c, op->now + op->snooze, op->now, &op->result);
}

struct load_op {
        uint64_t id;
        struct contact *c;
};

static int load_fn(struct store_txn *t, void *userdata)
{
        struct load_op *op = userdata;

        contact_free(op->c);
        op->c = NULL;
        return store_txn_contact_get(t, op->id, &op->c);
}

/* A click on the notification: run open_command for the contact (or the digest). */
static void open_contact(struct scheduler *s, uint64_t contact_id, unsigned count)
{
        _cleanup_free_ char *summary = NULL, *body = NULL;
        struct load_op op = {.id = contact_id};

        if (!cfg(s)->open_command) {
                log_debug("A notification was clicked; no open_command is configured.");
                return;
        }
        if (contact_id == CONTACT_DIGEST) {
                run_command(s, cfg(s)->open_command, "tend due", "", NULL, count);
                return;
        }
        if (store_read(s->core->store, load_fn, &op) < 0 || !op.c) {
                log_debug("A notification was clicked for a contact that is gone.");
                return;
        }
        summary = schedule_summary(op.c);
        body = schedule_body(op.c, sched_now(s), false, false);
        run_command(s, cfg(s)->open_command, summary, body, op.c, 1);
        contact_free(op.c);
}

static void on_action(void *userdata, uint32_t id, const char *key)
{
        struct scheduler *s = userdata;
        struct shown *sh = shown_find(s, id);
        struct button_op op = {.key = key,
                               .now = sched_now(s),
                               .snooze = cfg(s)->snooze,
                               .conf_every = core_goal_conf_every(s->core)};
        uint64_t contact_id;
        unsigned count = 1;
        int r;

        if (sh) {
                contact_id = sh->contact_id;
                count = sh->count;
                op.event = sh->event;
        } else {
                struct find_op fo = {.notify_id = id};

                if (store_read(s->core->store, find_fn, &fo) >= 0 && fo.found == 0)
                        (void)store_read(s->core->store, find_date_fn, &fo);
                if (fo.found == 0) {
                        log_debug("Action %s on notification %" PRIu32 " we do not know.", key, id);
                        return;
                }
                contact_id = fo.found;
                op.event = fo.event;
        }
        if (streq(key, "default")) {
                open_contact(s, contact_id, count);
                return;
        }
        if (!streq(key, "done") && !streq(key, "snooze")) {
                log_debug("Unknown notification action '%s'.", key);
                return;
        }
        if (contact_id == CONTACT_DIGEST)
                return;
        op.id = contact_id;
        r = store_write(s->core->store, button_fn, &op);
        if (r < 0) {
                log_warning_errno(r, "The %s button failed: %m", key);
        } else {
                log_info("%s %s (notification button).",
                         streq(key, "done") ? "Done with" : "Snoozed", op.name);
                if (sh)
                        *sh = (struct shown){0};
        }
        json_decref(op.result);
        free(op.name);
}

/* The id is invalid from now on: forget it, so the next notification for the contact is a new
 * one rather than a replacement of something the server no longer knows. */
static void on_closed(void *userdata, uint32_t id, uint32_t reason)
{
        struct scheduler *s = userdata;
        struct shown *sh = shown_find(s, id);
        struct notify_id_op op;
        int r;

        if (id == s->digest_id)
                s->digest_id = 0;
        if (!sh)
                return;
        op = (struct notify_id_op){.id = sh->contact_id, .closing = true, .closed = id};
        if (sh->event != STORE_SCHED_FOLLOW_UP)
                op.id = CONTACT_DIGEST; /* a date keeps no notification id in the record */
        *sh = (struct shown){0};
        if (op.id == CONTACT_DIGEST)
                return;
        r = store_write(s->core->store, notify_id_fn, &op);
        if (r < 0) {
                log_warning_errno(r, "Failed to forget a closed notification: %m");
        }
}

static void on_notify_state(void *userdata, enum notify_state state)
{
        struct scheduler *s = userdata;

        /* A server answered: at start-up, after the bus came back, or when one appeared on it
         * (NameOwnerChanged). What fell due while there was none is shown now, or when quiet
         * hours end. */
        if (state == NOTIFY_READY) {
                s->deliver_at = schedule_after_quiet(cfg(s), sched_now(s));
                if (s->started)
                        ev_timer_start(s->loop, &s->kick);
        }
        if (state != NOTIFY_CONNECTING)
                start_scan(s);
}

/* ---- clock changes ---- */

/* Arm the clock watch: an absolute CLOCK_REALTIME timerfd far ahead with
 * TFD_TIMER_CANCEL_ON_SET, so that any step of the wall clock makes it readable (ECANCELED)
 * while it costs no wake-up otherwise. */
static int clock_watch_arm(int fd)
{
        struct itimerspec its = {.it_value.tv_sec = time(NULL) + CLOCK_WATCH_HORIZON};

        if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
                return -errno;
        return 0;
}

static void clock_watch_cb(struct ev_loop *loop, ev_io *w, int revents)
{
        struct scheduler *s = w->data;
        uint64_t expirations;
        ssize_t k = read(w->fd, &expirations, sizeof(expirations));
        bool changed = k < 0 && errno == ECANCELED;
        int r;

        if (k < 0 && !changed)
                return; /* EAGAIN: nothing after all */
        r = clock_watch_arm(w->fd);
        if (r < 0) {
                log_warning_errno(r, "Failed to re-arm the clock watch: %m");
                ev_io_stop(loop, w);
                close(w->fd);
        }
        if (changed)
                scheduler_clock_changed(s);
}

static void clock_watch_start(struct scheduler *s)
{
        int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC), r;

        r = fd < 0 ? -errno : clock_watch_arm(fd);
        if (r < 0) {
                /* libev's own timerfd still reschedules the periodic. */
                log_debug_errno(r, "No clock watch: %m");
                if (fd >= 0)
                        close(fd);
                return;
        }
        ev_io_init(&s->clock_watch, clock_watch_cb, fd, EV_READ);
        s->clock_watch.data = s;
        ev_io_start(s->loop, &s->clock_watch);
}

void scheduler_clock_changed(struct scheduler *s)
{
        if (!s)
                return;
        /* libev moves the armed periodic by itself; start from scratch all the same, and move
         * a waiting delivery out of quiet hours by the new clock. */
        ev_periodic_stop(s->loop, &s->timer);
        s->armed = 0;
        if (s->deliver_at != 0)
                s->deliver_at = schedule_after_quiet(cfg(s), sched_now(s));
        scheduler_rescan(s, "the wall clock changed");
}

void scheduler_set_clock_offset(struct scheduler *s, int64_t offset)
{
        s->clock_offset = offset;
}

/* ---- logind ---- */

static int on_prepare_for_sleep(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct scheduler *s = userdata;
        int start;

        if (sd_bus_message_read(m, "b", &start) < 0)
                return 0;
        if (start)
                log_debug("The system is going to sleep.");
        else
                scheduler_rescan(s, "resumed from suspend");
        return 0;
}

static void system_connected(struct evbus *b, sd_bus *bus, void *userdata)
{
        int r =
            sd_bus_match_signal_async(bus, NULL, "org.freedesktop.login1",
                                      "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                      "PrepareForSleep", on_prepare_for_sleep, NULL, userdata);

        if (r < 0)
                log_warning_errno(r, "Failed to watch for suspend and resume: %m");
}

/* ---- object ---- */

static int zone_is_fn(struct store_txn *t, void *userdata)
{
        return store_txn_sched_zone_is(t, *(uint64_t *)userdata);
}

static int zone_set_fn(struct store_txn *t, void *userdata)
{
        store_txn_no_journal(t);
        return store_txn_sched_zone_set(t, *(uint64_t *)userdata);
}

static int sched_zone_check(struct core *core)
{
        uint64_t zone = date_zone_fingerprint(core_now(core));
        int r = store_read(core->store, zone_is_fn, &zone);

        if (r != 0)
                return r < 0 ? r : 0;
        r = store_write(core->store, zone_set_fn, &zone);
        if (r >= 0)
                log_debug("Follow-ups indexed for this time zone: %d.", r);
        return r;
}

int scheduler_new(struct ev_loop *loop, struct core *core, scheduler_watch_fn watch,
                  void *watch_userdata, struct scheduler **ret)
{
        static const struct notify_callbacks ncb = {
            .sent = on_sent,
            .action = on_action,
            .closed = on_closed,
            .state = on_notify_state,
        };
        static const struct evbus_callbacks scb = {
            .connected = system_connected,
        };
        struct scheduler *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return log_error_errno(-ENOMEM, "Out of memory.");
        s->core = core;
        s->loop = loop;
        s->watch = watch;
        s->watch_userdata = watch_userdata;
        ev_periodic_init(&s->timer, timer_cb, 0., 0., NULL);
        ev_timer_init(&s->kick, kick_cb, 0., 0.);
        ev_timer_init(&s->startup_wait, startup_wait_cb, STARTUP_WAIT, 0.);
        s->timer.data = s->kick.data = s->startup_wait.data = s;
        ev_io_init(&s->clock_watch, clock_watch_cb, -1, EV_READ);
        clock_watch_start(s);

        /* The sched index is kept by every contact write, in the write's transaction, like
         * every index: nothing to rebuild at start (that walked every contact: seconds at a
         * million; tend check compares it with the records, --repair rewrites it). Only its
         * date events are under local midnights: built for another time zone, it is rebuilt
         * once (a read tells, a write only then). */
        r = sched_zone_check(core);
        if (r < 0) {
                log_error_errno(r, "Failed to index the follow-ups: %m");
                goto fail;
        }
        r = notify_new(loop, core->config->desktop, &ncb, s, &s->notify);
        if (r < 0) {
                log_error_errno(r, "Failed to set up notifications: %m");
                goto fail;
        }
        r = evbus_new(loop, EVBUS_SYSTEM, &scb, s, &s->system);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the system bus: %m");
                goto fail;
        }
        if (notify_get_state(s->notify) == NOTIFY_CONNECTING)
                ev_timer_start(loop, &s->startup_wait);
        else {
                /* No bus: scan from the loop's first iteration. */
                s->started = true;
                ev_timer_start(loop, &s->kick);
        }
        *ret = s;
        return 0;
fail:
        scheduler_free(s);
        return r;
}

void scheduler_free(struct scheduler *s)
{
        if (!s)
                return;
        ev_periodic_stop(s->loop, &s->timer);
        ev_timer_stop(s->loop, &s->kick);
        ev_timer_stop(s->loop, &s->startup_wait);
        if (ev_is_active(&s->clock_watch)) {
                ev_io_stop(s->loop, &s->clock_watch);
                close(s->clock_watch.fd);
        }
        notify_free(s->notify);
        evbus_free(s->system);
        for (size_t i = 0; i < PENDING_MAX; i++)
                pending_clear(&s->pending[i]);
        free(s);
}

void scheduler_withdraw(struct scheduler *s, uint32_t notify_id)
{
        if (s && notify_id)
                (void)notify_close(s->notify, notify_id);
}
