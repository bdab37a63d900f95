/* The follow-up engine; see scheduler.h. */
#include "scheduler.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "evbus.h"
#include "followups.h"
#include "log.h"
#include "notify.h"
#include "reply.h"
#include "schedule.h"
#include "server.h"
#include "store-sched.h"
#include "tendd.h"
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

struct shown {
        uint32_t id;         /* notification id, 0 = free slot */
        uint64_t contact_id; /* CONTACT_DIGEST for a summary */
        unsigned count;      /* contacts in a digest */
};

struct pending {
        uint64_t cookie; /* 0 = free slot */
        uint64_t contact_id;
        unsigned count;
        char *name;
};

struct scheduler {
        struct tendd *d;
        ev_periodic timer;
        ev_timer kick;          /* a coalesced re-arm/run after writes */
        ev_prepare store_watch; /* before the loop sleeps: did any write touch `sched`? */
        ev_timer startup_wait;  /* the first scan waits for the notification server */
        bool started;           /* the start-up scan ran */
        int64_t armed;          /* when the periodic fires, 0 = stopped */
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
        return s->d->config;
}

/* ---- watch events ---- */

/* {event, at, contact: {id, name}, next_due, ...extra} from a method's reply object. */
static json_t *watch_event(const char *event, int64_t now, json_t *data)
{
        json_t *contact = json_object_get(data, "contact"), *ev;

        if (!json_is_object(contact))
                contact = json_object_get(json_object_get(data, "interaction"), "contact");
        if (!json_is_object(contact) && json_object_get(data, "id"))
                contact = data;
        if (!json_is_object(contact))
                return NULL;
        ev = json_pack(
            "{s:s,s:o,s:{s:O,s:O},s:O}", "event", event, "at", reply_time_or_null(now), "contact",
            "id", json_object_get(contact, "id"), "name",
            json_object_get(contact, "name") ? json_object_get(contact, "name") : json_null(),
            "next_due",
            json_object_get(data, "next_due") ? json_object_get(data, "next_due") : json_null());
        return ev;
}

static void watch_send(struct scheduler *s, json_t *ev)
{
        if (ev && server_stream_send(s->d->server, SCHEDULER_WATCH_STREAM, ev) < 0)
                log_warning("Out of memory sending a watch event.");
        json_decref(ev);
}

/* ---- arming ---- */

static void arm(struct scheduler *s, int64_t at)
{
        struct ev_loop *loop = s->d->loop;

        if (at == s->armed && (at == 0 || ev_is_active(&s->timer)))
                return;
        ev_periodic_stop(loop, &s->timer);
        s->armed = at;
        if (at == 0)
                return;
        ev_periodic_set(&s->timer, (ev_tstamp)at, 0., NULL);
        ev_periodic_start(loop, &s->timer);
        {
                char buf[TIME_RFC3339_MAX];

                log_debug("Next follow-up check at %s.", time_format_rfc3339(at, buf));
        }
}

/* ---- the scan ---- */

struct collect_op {
        const struct config *cfg;
        int64_t now;
        int64_t best; /* earliest future instant seen */
        uint64_t *ids;
        size_t n;
        bool more;
};

static int collect_cb(int64_t t, const struct contact *c, void *userdata)
{
        struct collect_op *op = userdata;
        int64_t at;

        /* Keys are in order and no contact is shown before its key: past the best instant
         * found so far, nothing can come earlier. */
        if (t >= op->best)
                return 1;
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
        op->more = false;
        op->best = INT64_MAX;
        return store_txn_sched_walk(t, collect_cb, op);
}

struct fire_op {
        const struct config *cfg;
        int64_t now;
        const uint64_t *ids;
        size_t n_ids;
        struct contact **shown; /* loaded copies of those marked, for the notifications */
        size_t n;
};

static void fire_op_clear(struct fire_op *op)
{
        for (size_t i = 0; i < op->n; i++)
                contact_free(op->shown[i]);
        op->n = 0;
}

/* Mark each contact still due as notified, in one transaction. Re-checked here, so a contact
 * changed since the scan (or a second run) is not shown twice. Re-runnable. */
static int fire_fn(struct store_txn *t, void *userdata)
{
        struct fire_op *op = userdata;
        int r;

        fire_op_clear(op);
        for (size_t i = 0; i < op->n_ids; i++) {
                struct contact *c = NULL;
                int64_t at;

                r = store_txn_contact_get(t, op->ids[i], &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                at = schedule_contact_next(op->cfg, c, op->now);
                if (at == 0 || at > op->now) {
                        contact_free(c);
                        continue;
                }
                schedule_mark_notified(op->cfg, c, op->now);
                r = store_txn_contact_put(t, c);
                if (r < 0) {
                        contact_free(c);
                        return r;
                }
                op->shown[op->n++] = c;
        }
        return 0;
}

static struct pending *pending_add(struct scheduler *s, uint64_t contact_id, unsigned count,
                                   const char *name)
{
        struct pending *p = &s->pending[s->pending_next];

        s->pending_next = (s->pending_next + 1) % PENDING_MAX;
        free(p->name);
        *p = (struct pending){
            .cookie = ++s->next_cookie,
            .contact_id = contact_id,
            .count = count,
            .name = name ? strdup(name) : NULL,
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

static void send_or_log(struct scheduler *s, const struct notify_message *m, const char *what)
{
        int r = notify_send(s->notify, m);

        if (r == -EOPNOTSUPP)
                return; /* desktop notifications are off */
        if (r < 0)
                log_warning_errno(r == -ENOTCONN ? 0 : r,
                                  "Could not show a notification for %s (%s); it stays due: "
                                  "see 'tend due'.",
                                  what, r == -ENOTCONN ? "no user bus" : strerror(-r));
}

static void show_one(struct scheduler *s, const struct contact *c, int64_t now)
{
        _cleanup_free_ char *summary = schedule_summary(c);
        _cleanup_free_ char *body =
            schedule_body(c, now, notify_has_markup(s->notify), notify_has_actions(s->notify));
        _cleanup_free_ char *plain = schedule_body(c, now, false, false);
        char snooze[64], d[32];
        struct notify_message m;
        struct pending *p;

        if (!summary || !body || !plain) {
                log_error("Out of memory showing a follow-up.");
                return;
        }
        snprintf(snooze, sizeof(snooze), "Snooze %s",
                 time_format_duration(cfg(s)->snooze, d, sizeof(d)));
        p = pending_add(s, c->id, 1, c->name);
        m = (struct notify_message){
            .summary = summary,
            .body = body,
            .replaces_id = c->notify_id,
            .urgency = (uint8_t)schedule_urgency(cfg(s), c->next_due, now),
            .buttons = true,
            .snooze_label = snooze,
            .cookie = p->cookie,
        };
        send_or_log(s, &m, c->name);
        run_command(s, cfg(s)->command, summary, plain, c, 1);
}

static void show_digest(struct scheduler *s, struct contact **cs, size_t n, int64_t now)
{
        _cleanup_free_ char *summary = NULL, *body = NULL, *plain_s = NULL, *plain = NULL;
        struct notify_message m;
        struct pending *p;
        uint8_t urgency = SCHEDULE_URGENCY_NORMAL;

        if (schedule_digest_text((const struct contact *const *)cs, n, now,
                                 notify_has_markup(s->notify), &summary, &body) < 0 ||
            schedule_digest_text((const struct contact *const *)cs, n, now, false, &plain_s,
                                 &plain) < 0) {
                log_error("Out of memory showing a digest.");
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (schedule_urgency(cfg(s), cs[i]->next_due, now) > urgency)
                        urgency = (uint8_t)schedule_urgency(cfg(s), cs[i]->next_due, now);
        p = pending_add(s, CONTACT_DIGEST, (unsigned)n, NULL);
        m = (struct notify_message){
            .summary = summary,
            .body = body,
            .replaces_id = s->digest_id,
            .urgency = urgency,
            .buttons = false,
            .cookie = p->cookie,
        };
        send_or_log(s, &m, summary);
        run_command(s, cfg(s)->command, plain_s, plain, NULL, (unsigned)n);
}

static void announce(struct scheduler *s, struct contact **cs, size_t n, int64_t now)
{
        bool digest = schedule_wants_digest(cfg(s), n);

        for (size_t i = 0; i < n; i++) {
                const struct contact *c = cs[i];
                char id[32], due[TIME_RFC3339_MAX];
                json_t *ev;

                snprintf(id, sizeof(id), "%" PRIu64, c->id);
                time_format_rfc3339(c->next_due, due);
                log_struct(LOG_NOTICE,
                           LOG_FIELDS({"TEND_EVENT", "fired"}, {"TEND_CONTACT_ID", id},
                                      {"TEND_CONTACT_NAME", c->name}, {"TEND_DUE", due}),
                           "Follow up with %s (due %s).", strempty(c->name), due);
                ev = json_pack("{s:s,s:o,s:{s:I,s:s?},s:o,s:b}", "event", "fired", "at",
                               reply_time_or_null(now), "contact", "id", (json_int_t)c->id, "name",
                               c->name, "next_due", reply_time_or_null(c->next_due), "digest",
                               digest);
                watch_send(s, ev);
        }
        s->fired += n;
        if (digest)
                show_digest(s, cs, n, now);
        else
                for (size_t i = 0; i < n; i++)
                        show_one(s, cs[i], now);
}

/* Show everything due at or before now, then arm the periodic for what comes next. */
static void run(struct scheduler *s)
{
        _cleanup_free_ uint64_t *ids = calloc(BATCH_MAX, sizeof(uint64_t));
        _cleanup_free_ struct contact **shown = calloc(BATCH_MAX, sizeof(struct contact *));
        struct collect_op op = {.cfg = cfg(s)};
        int r;

        if (!ids || !shown) {
                log_error("Out of memory scanning follow-ups; retrying in a minute.");
                arm(s, tendd_now(s->d) + 60);
                return;
        }
        op.ids = ids;
        for (int round = 0; round < RUNS_MAX; round++) {
                struct fire_op fo = {.cfg = cfg(s), .shown = shown};

                op.now = tendd_now(s->d);
                r = store_read(s->d->store, collect_fn, &op);
                if (r < 0) {
                        log_error_errno(r, "Failed to read the follow-ups: %m");
                        tendd_check_store(s->d);
                        arm(s, op.now + 60);
                        return;
                }
                if (op.n == 0) {
                        arm(s, op.best == INT64_MAX || op.best > op.now + IDLE_RESCAN
                                   ? op.now + IDLE_RESCAN
                                   : op.best);
                        return;
                }
                fo.now = op.now;
                fo.ids = op.ids;
                fo.n_ids = op.n;
                r = store_write(s->d->store, fire_fn, &fo);
                if (r < 0) {
                        fire_op_clear(&fo);
                        log_error_errno(r, "Failed to record shown follow-ups: %m");
                        tendd_check_store(s->d);
                        arm(s, op.now + 60);
                        return;
                }
                if (fo.n > 0)
                        announce(s, fo.shown, fo.n, fo.now);
                fire_op_clear(&fo);
        }
        arm(s, tendd_now(s->d)); /* still busy: go on after the loop had a turn */
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

/* Whoever wrote (a method, an import, a restore), the periodic follows the index. */
static void store_watch_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct scheduler *s = w->data;

        if (store_sched_take_changed(s->d->store))
                ev_timer_start(loop, &s->kick);
}

static void start_scan(struct scheduler *s)
{
        if (s->started)
                return;
        s->started = true;
        ev_timer_stop(s->d->loop, &s->startup_wait);
        log_debug("Start-up scan of the follow-ups.");
        /* From the loop: this may be called while the notifier is still being set up. */
        ev_timer_start(s->d->loop, &s->kick);
}

static void startup_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
        start_scan(w->data);
}

void scheduler_changed(struct scheduler *s, const char *event, json_t *data)
{
        if (!s)
                return;
        if (event && data)
                watch_send(s, watch_event(event, tendd_now(s->d), data));
        /* Re-arm from the loop, once for any number of writes in this iteration. */
        ev_timer_start(s->d->loop, &s->kick);
}

void scheduler_rescan(struct scheduler *s, const char *why)
{
        if (!s)
                return;
        log_info("Re-scanning follow-ups (%s).", why);
        ev_now_update(s->d->loop);
        if (s->started)
                run(s);
}

void scheduler_reload(struct scheduler *s)
{
        if (!s)
                return;
        notify_set_desktop(s->notify, cfg(s)->desktop);
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

static void remember_shown(struct scheduler *s, uint32_t id, uint64_t contact_id, unsigned count)
{
        for (size_t i = 0; i < SHOWN_MAX; i++)
                if (s->shown[i].id == id) {
                        s->shown[i].contact_id = contact_id;
                        s->shown[i].count = count;
                        return;
                }
        s->shown[s->shown_next] =
            (struct shown){.id = id, .contact_id = contact_id, .count = count};
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
        uint32_t notify_id;
        bool closing; /* clear notify_id, if it is still the closed one */
        uint32_t closed;
};

static int notify_id_fn(struct store_txn *t, void *userdata)
{
        struct notify_id_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = store_txn_contact_get(t, op->id, &c);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
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
                goto done;
        }
        remember_shown(s, id, p->contact_id, p->count);
        if (p->contact_id == CONTACT_DIGEST) {
                s->digest_id = id;
                goto done;
        }
        /* Kept in the record: the next notification for this contact replaces this one,
         * and its buttons still work after a restart. */
        op = (struct notify_id_op){.id = p->contact_id, .notify_id = id};
        r = store_write(s->d->store, notify_id_fn, &op);
        if (r < 0) {
                log_warning_errno(r, "Failed to record a notification id: %m");
                tendd_check_store(s->d);
        }
done:
        free(p->name);
        *p = (struct pending){0};
}

struct find_op {
        uint32_t notify_id;
        uint64_t found;
};

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
        const char *key;
        int64_t now, snooze;
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
        if (streq(op->key, "done"))
                return followups_txn_done(t, c, NULL, op->now, &op->result);
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
        if (store_read(s->d->store, load_fn, &op) < 0 || !op.c) {
                log_debug("A notification was clicked for a contact that is gone.");
                return;
        }
        summary = schedule_summary(op.c);
        body = schedule_body(op.c, tendd_now(s->d), false, false);
        run_command(s, cfg(s)->open_command, summary, body, op.c, 1);
        contact_free(op.c);
}

static void on_action(void *userdata, uint32_t id, const char *key)
{
        struct scheduler *s = userdata;
        struct shown *sh = shown_find(s, id);
        struct button_op op = {.key = key, .now = tendd_now(s->d), .snooze = cfg(s)->snooze};
        uint64_t contact_id;
        unsigned count = 1;
        int r;

        if (sh) {
                contact_id = sh->contact_id;
                count = sh->count;
        } else {
                struct find_op fo = {.notify_id = id};

                if (store_read(s->d->store, find_fn, &fo) < 0 || fo.found == 0) {
                        log_debug("Action %s on notification %" PRIu32 " we do not know.", key, id);
                        return;
                }
                contact_id = fo.found;
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
        r = store_write(s->d->store, button_fn, &op);
        if (r < 0) {
                log_warning_errno(r, "The %s button failed: %m", key);
                tendd_check_store(s->d);
        } else {
                log_info("%s %s (notification button).",
                         streq(key, "done") ? "Done with" : "Snoozed", op.name);
                if (sh)
                        *sh = (struct shown){0};
                scheduler_changed(s, streq(key, "done") ? "done" : "snoozed", op.result);
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
        *sh = (struct shown){0};
        if (op.id == CONTACT_DIGEST)
                return;
        r = store_write(s->d->store, notify_id_fn, &op);
        if (r < 0) {
                log_warning_errno(r, "Failed to forget a closed notification: %m");
                tendd_check_store(s->d);
        }
}

static void on_notify_state(void *userdata, enum notify_state state)
{
        struct scheduler *s = userdata;

        if (state != NOTIFY_CONNECTING)
                start_scan(s);
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

static int rebuild_fn(struct store_txn *t, void *userdata)
{
        int r = store_txn_sched_rebuild(t);

        if (r >= 0)
                *(int *)userdata = r;
        return r < 0 ? r : 0;
}

int scheduler_new(struct tendd *d, struct scheduler **ret)
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
        int n = 0, r;

        if (!s)
                return log_error_errno(-ENOMEM, "Out of memory.");
        s->d = d;
        ev_periodic_init(&s->timer, timer_cb, 0., 0., NULL);
        ev_timer_init(&s->kick, kick_cb, 0., 0.);
        ev_timer_init(&s->startup_wait, startup_wait_cb, STARTUP_WAIT, 0.);
        ev_prepare_init(&s->store_watch, store_watch_cb);
        s->timer.data = s->kick.data = s->startup_wait.data = s->store_watch.data = s;
        ev_prepare_start(d->loop, &s->store_watch);

        r = store_write(d->store, rebuild_fn, &n);
        if (r < 0) {
                log_error_errno(r, "Failed to index the follow-ups: %m");
                goto fail;
        }
        log_debug("%d follow-up(s) to watch.", n);

        r = notify_new(d->loop, d->config->desktop, &ncb, s, &s->notify);
        if (r < 0) {
                log_error_errno(r, "Failed to set up notifications: %m");
                goto fail;
        }
        r = evbus_new(d->loop, EVBUS_SYSTEM, &scb, s, &s->system);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the system bus: %m");
                goto fail;
        }
        if (notify_get_state(s->notify) == NOTIFY_CONNECTING)
                ev_timer_start(d->loop, &s->startup_wait);
        else {
                /* No bus: scan from the loop's first iteration. */
                s->started = true;
                ev_timer_start(d->loop, &s->kick);
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
        ev_periodic_stop(s->d->loop, &s->timer);
        ev_timer_stop(s->d->loop, &s->kick);
        ev_timer_stop(s->d->loop, &s->startup_wait);
        ev_prepare_stop(s->d->loop, &s->store_watch);
        notify_free(s->notify);
        evbus_free(s->system);
        for (size_t i = 0; i < PENDING_MAX; i++)
                free(s->pending[i].name);
        free(s);
}
