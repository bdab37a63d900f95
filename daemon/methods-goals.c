/* io.tend.Goals: what you work toward, and who matters for it and why. Also the follow-up
 * rules of intentional networking (goals.h), which every handler that moves due dates uses. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fields.h"
#include "goals.h"
#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "scheduler.h"
#include "store-goals.h"
#include "tendd.h"
#include "timeutil.h"

#define GOAL_INTERACTIONS_MAX 50
#define GOAL_CANDIDATES_MAX   20
#define GOAL_EVERY_MAX        (366 * 86400LL)

/* ---- rules ---- */

int64_t goals_conf_every(const struct tendd *d)
{
        return d && d->config ? d->config->goal_follow_up : 0;
}

int goals_every(struct store_txn *t, int64_t conf_every, int64_t *ret)
{
        _cleanup_free_ char *s = NULL;
        char *end = NULL;
        long long v;
        int r;

        r = store_txn_setting_get(t, SETTING_GOAL_EVERY, &s);
        if (r < 0)
                return r;
        *ret = conf_every > 0 ? conf_every : GOAL_EVERY_DEFAULT;
        if (!s)
                return 0;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (!errno && !*end && v > 0 && v <= GOAL_EVERY_MAX) {
                *ret = v;
                return 1;
        }
        return 0;
}

struct rule_ctx {
        struct store_txn *t;
        int64_t first_link; /* earliest link to an active goal, 0 = none */
};

static int rule_link(const struct goal_link *l, void *userdata)
{
        struct rule_ctx *ctx = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r = store_txn_goal_get(ctx->t, l->goal_id, &g);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (g->status != GOAL_ACTIVE)
                return 0;
        if (!ctx->first_link || l->linked_at < ctx->first_link)
                ctx->first_link = l->linked_at ? l->linked_at : 1;
        return 0;
}

int goals_rule_due(struct store_txn *t, int64_t conf_every, const struct contact *c, int64_t *ret)
{
        struct rule_ctx ctx = {.t = t};
        int64_t every, ref;
        int r;

        r = store_txn_contact_goal_links(t, c->id, rule_link, &ctx);
        if (r < 0)
                return r;
        if (!ctx.first_link) {
                *ret = 0;
                return 0;
        }
        r = goals_every(t, conf_every, &every);
        if (r < 0)
                return r;
        /* Every interval after the last touch, but never due before the link itself: linking
         * someone untouched for a year makes them due now, not "overdue by eleven months". */
        if (!c->last_interaction)
                ref = ctx.first_link + every;
        else
                ref = c->last_interaction + every > ctx.first_link ? c->last_interaction + every
                                                                   : ctx.first_link;
        *ret = ref;
        return 0;
}

static void earlier(struct contact *c, int64_t due)
{
        if (due && (!c->next_due || due < c->next_due))
                c->next_due = due;
}

int goals_apply_due_rules(struct store_txn *t, int64_t conf_every, struct contact *c)
{
        int64_t due = 0;
        int r;

        if (c->id) {
                r = goals_rule_due(t, conf_every, c, &due);
                if (r < 0)
                        return r;
                earlier(c, due);
        }
        switch (c->stage) {
        case STAGE_REACHED_OUT: {
                int64_t ref =
                    c->last_interaction > c->stage_changed ? c->last_interaction : c->stage_changed;

                earlier(c, ref + PROSPECT_NUDGE_AFTER);
                break;
        }
        case STAGE_MET:
                if (c->last_interaction <= c->stage_changed)
                        earlier(c, c->stage_changed + PROSPECT_THANKS_AFTER);
                break;
        default:
                break;
        }
        return 0;
}

/* The due date a contact falls back to when a rule stops applying: one cadence after the last
 * touch (or after it was added), none without a cadence. */
static int64_t base_due(const struct contact *c)
{
        if (c->cadence <= 0)
                return 0;
        return (c->last_interaction ? c->last_interaction : c->created) + c->cadence;
}

/* ---- replies ---- */

json_t *goals_ref(uint64_t id, const char *title)
{
        return json_pack("{s:I,s:s}", "id", (json_int_t)id, "title", strempty(title));
}

static json_t *str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
}

int goals_resolve(struct store_txn *t, const char *goal, struct op_error *err, uint64_t *ret)
{
        uint64_t ids[GOAL_CANDIDATES_MAX];
        json_t *candidates;
        int n;

        n = store_txn_goal_resolve(t, goal, ids, GOAL_CANDIDATES_MAX);
        if (n < 0)
                return n;
        if (n == 0)
                return op_error_set(err, "io.tend.Goals.NoSuchGoal",
                                    json_pack("{s:s}", "goal", goal));
        if (n == 1) {
                *ret = ids[0];
                return 0;
        }
        candidates = json_array();
        for (int i = 0; i < n && i < GOAL_CANDIDATES_MAX; i++) {
                _cleanup_(goal_freep) struct goal *g = NULL;

                if (store_txn_goal_get(t, ids[i], &g) >= 0)
                        json_array_append_new(candidates, goals_ref(g->id, g->title));
        }
        return op_error_set(
            err, "io.tend.Goals.AmbiguousGoal",
            json_pack("{s:s,s:o,s:i}", "goal", goal, "candidates", candidates, "total", n));
}

struct contact_goals_ctx {
        struct store_txn *t;
        json_t *active, *done;
};

static int contact_goal(const struct goal_link *l, void *userdata)
{
        struct contact_goals_ctx *ctx = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        json_t *o;
        int r = store_txn_goal_get(ctx->t, l->goal_id, &g);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        o = json_pack("{s:o,s:s,s:o,s:o}", "goal", goals_ref(g->id, g->title), "status",
                      goal_status_to_string(g->status), "why", str_or_null(l->why), "linked_at",
                      reply_time_or_null(l->linked_at));
        if (!o || json_array_append_new(g->status == GOAL_ACTIVE ? ctx->active : ctx->done, o) < 0)
                return -ENOMEM;
        return 0;
}

int goals_contact_json(struct store_txn *t, uint64_t contact_id, json_t **ret)
{
        struct contact_goals_ctx ctx = {.t = t, .active = json_array(), .done = json_array()};
        int r = -ENOMEM;

        if (ctx.active && ctx.done) {
                r = store_txn_contact_goal_links(t, contact_id, contact_goal, &ctx);
                if (r >= 0)
                        r = json_array_extend(ctx.active, ctx.done) < 0 ? -ENOMEM : 0;
        }
        json_decref(ctx.done);
        if (r < 0) {
                json_decref(ctx.active);
                return r;
        }
        *ret = ctx.active;
        return 0;
}

struct summary {
        struct store_txn *t;
        size_t people;
        int64_t last_touch, next_due;
};

static int summary_link(const struct goal_link *l, void *userdata)
{
        struct summary *s = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r = store_txn_contact_get(s->t, l->contact_id, &c);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        s->people++;
        if (c->last_interaction > s->last_touch)
                s->last_touch = c->last_interaction;
        if (c->next_due && (!s->next_due || c->next_due < s->next_due))
                s->next_due = c->next_due;
        return 0;
}

/* The Goal object, with a summary of its people. */
static json_t *goal_json(struct store_txn *t, const struct goal *g)
{
        struct summary s = {.t = t};

        if (store_txn_goal_links(t, g->id, summary_link, &s) < 0)
                return NULL;
        return json_pack(
            "{s:I,s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:I,s:o,s:o}", "id", (json_int_t)g->id, "uuid",
            g->uuid, "title", strempty(g->title), "note", str_or_null(g->note), "by",
            reply_time_or_null(g->by), "status", goal_status_to_string(g->status), "created",
            reply_time_or_null(g->created), "done_at", reply_time_or_null(g->done_at), "people",
            (json_int_t)s.people, "last_touch", reply_time_or_null(s.last_touch), "next_touch",
            reply_time_or_null(s.next_due));
}

/* ---- operations ---- */

struct goal_op {
        struct tendd *d;
        json_t *params;
        struct op_error err;
        json_t *result;
        int64_t now;
        const char *title, *note, *why;
        int64_t by;
        bool all;
        bool moved_due; /* a write changed some contact's next_due */
};

static int run_op(struct varlink_call *call, struct goal_op *op, bool write, store_txn_fn fn)
{
        int r = write ? store_write(op->d->store, fn, op) : store_read(op->d->store, fn, op);

        if (r < 0) {
                tendd_check_store(op->d);
                r = op_error_reply(&op->err, call, r);
        } else {
                if (op->moved_due) {
                        /* A watch event when the reply names one contact and its date. */
                        bool one = json_object_get(op->result, "contact") &&
                                   json_object_get(op->result, "next_due");

                        tendd_status_changed(op->d);
                        scheduler_changed(op->d->scheduler, "changed", one ? op->result : NULL);
                }
                r = varlink_call_reply(call, op->result);
                op->result = NULL;
        }
        op_error_done(&op->err);
        json_decref(op->result);
        return r;
}

static int load_goal(struct store_txn *t, struct goal_op *op, struct goal **ret)
{
        const char *goal = json_string_value(json_object_get(op->params, "goal"));
        uint64_t id;
        int r;

        r = goals_resolve(t, goal, &op->err, &id);
        if (r < 0)
                return r;
        return store_txn_goal_get(t, id, ret);
}

static int add_fn(struct store_txn *t, void *userdata)
{
        struct goal_op *op = userdata;
        _cleanup_(goal_freep) struct goal *g = goal_new();
        int r;

        if (!g)
                return -ENOMEM;
        g->title = strdup(op->title);
        if (!g->title || (op->note && *op->note && !(g->note = strdup(op->note))))
                return -ENOMEM;
        g->by = op->by;
        g->status = GOAL_ACTIVE;
        g->created = g->updated = op->now;
        r = store_txn_goal_put(t, g);
        if (r == -EDQUOT)
                return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "title", "reason",
                                              "too many goals (at most 10000); remove done ones"));
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o}", "goal", goal_json(t, g));
        return op->result ? 0 : -ENOMEM;
}

static int method_add(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata, .params = params, .now = tendd_now(userdata)};
        int r;

        if ((r = fields_text(params, "title", GOAL_TITLE_MAX, 0, &op.err, &op.title)) < 0 ||
            (r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &op.note)) < 0 ||
            (r = fields_time(params, "by", &op.err, &op.by)) < 0) {
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        if (!op.title || !*op.title || strspn(op.title, " \t") == strlen(op.title)) {
                op_error_done(&op.err);
                return varlink_call_invalid_value(call, "title", "empty");
        }
        return run_op(call, &op, true, add_fn);
}

struct list_ctx {
        struct store_txn *t;
        json_t *array;
        bool all;
};

static int list_goal(const struct goal *g, void *userdata)
{
        struct list_ctx *ctx = userdata;
        json_t *o;

        if (!ctx->all && g->status != GOAL_ACTIVE)
                return 0;
        o = goal_json(ctx->t, g);
        if (!o || json_array_append_new(ctx->array, o) < 0)
                return -ENOMEM;
        return 0;
}

static int list_fn(struct store_txn *t, void *userdata)
{
        struct goal_op *op = userdata;
        struct list_ctx ctx = {.t = t, .array = json_array(), .all = op->all};
        int r;

        if (!ctx.array)
                return -ENOMEM;
        r = store_txn_goal_list(t, list_goal, &ctx);
        if (r < 0) {
                json_decref(ctx.array);
                return r;
        }
        op->result = json_pack("{s:o}", "goals", ctx.array);
        return op->result ? 0 : -ENOMEM;
}

static int method_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata, .params = params};

        op.all = json_is_true(json_object_get(params, "all"));
        return run_op(call, &op, false, list_fn);
}

/* ---- Get ---- */

struct timed {
        int64_t at;
        json_t *o;
};

struct show_ctx {
        struct store_txn *t;
        const struct goal *g;
        json_t *people;
        struct timed *items;
        size_t n, cap;
        const char *name; /* of the contact being walked */
        size_t tagged;    /* interactions logged with --goal */
};

static int add_timed(struct show_ctx *ctx, const struct interaction *i, const char *name,
                     const char *toward)
{
        json_t *o;

        if (ctx->n == ctx->cap) {
                size_t cap = ctx->cap ? ctx->cap * 2 : 32;
                struct timed *v = reallocarray(ctx->items, cap, sizeof(struct timed));

                if (!v)
                        return -ENOMEM;
                ctx->items = v;
                ctx->cap = cap;
        }
        o = reply_interaction(i, name);
        if (!o || json_object_set_new(o, "toward", json_string(toward)) < 0) {
                json_decref(o);
                return -ENOMEM;
        }
        ctx->items[ctx->n++] = (struct timed){i->at, o};
        return 0;
}

static int collect_interaction(const struct interaction *i, void *userdata)
{
        struct show_ctx *ctx = userdata;

        if (i->at < ctx->g->created)
                return 1; /* newest first: everything further is older */
        if (i->goal_id == ctx->g->id)
                return 0; /* tagged: collected already */
        return add_timed(ctx, i, ctx->name, "linked");
}

static int collect_tagged(const struct interaction *i, void *userdata)
{
        struct show_ctx *ctx = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r = store_txn_contact_get(ctx->t, i->contact_id, &c);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        ctx->tagged++;
        return add_timed(ctx, i, c->name, "tagged");
}

static int show_link(const struct goal_link *l, void *userdata)
{
        struct show_ctx *ctx = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        json_t *o, *networks;
        int r = store_txn_contact_get(ctx->t, l->contact_id, &c);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        networks = json_array();
        for (int n = 0; networks && n < _NETWORK_MAX; n++)
                if (c->networks & (1u << n))
                        json_array_append_new(networks, json_string(network_to_string(n)));
        o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "contact",
                      reply_contact_ref(c->id, c->name), "why", str_or_null(l->why), "linked_at",
                      reply_time_or_null(l->linked_at), "last_touch",
                      reply_time_or_null(c->last_interaction), "last_kind",
                      str_or_null(c->last_kind), "next_due", reply_time_or_null(c->next_due),
                      "networks", networks, "brings", str_or_null(c->brings));
        if (!o || json_array_append_new(ctx->people, o) < 0)
                return -ENOMEM;
        ctx->name = c->name;
        r = store_txn_interaction_list(ctx->t, c->id, GOAL_INTERACTIONS_MAX, collect_interaction,
                                       ctx);
        ctx->name = NULL;
        return r < 0 ? r : 0;
}

static int timed_cmp(const void *a, const void *b)
{
        const struct timed *x = a, *y = b;

        return x->at > y->at ? -1 : x->at < y->at;
}

static int get_fn(struct store_txn *t, void *userdata)
{
        struct goal_op *op = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        struct show_ctx ctx = {.t = t};
        json_t *interactions = NULL;
        int r;

        r = load_goal(t, op, &g);
        if (r < 0)
                return r;
        ctx.g = g;
        ctx.people = json_array();
        interactions = json_array();
        if (!ctx.people || !interactions) {
                r = -ENOMEM;
                goto out;
        }
        r = store_txn_goal_interactions(t, g->id, collect_tagged, &ctx);
        if (r < 0)
                goto out;
        r = store_txn_goal_links(t, g->id, show_link, &ctx);
        if (r < 0)
                goto out;
        if (ctx.n)
                qsort(ctx.items, ctx.n, sizeof(struct timed), timed_cmp);
        for (size_t i = 0; i < ctx.n; i++) {
                if (i < GOAL_INTERACTIONS_MAX)
                        json_array_append(interactions, ctx.items[i].o);
        }
        op->result = json_pack("{s:o,s:O,s:O,s:I,s:I}", "goal", goal_json(t, g), "people",
                               ctx.people, "interactions", interactions, "interactions_total",
                               (json_int_t)ctx.n, "interactions_tagged", (json_int_t)ctx.tagged);
        r = op->result ? 0 : -ENOMEM;
out:
        for (size_t i = 0; i < ctx.n; i++)
                json_decref(ctx.items[i].o);
        free(ctx.items);
        json_decref(ctx.people);
        json_decref(interactions);
        return r;
}

static int method_get(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata, .params = params};

        return run_op(call, &op, false, get_fn);
}

/* ---- Link, Unlink ---- */

static int link_fn(struct store_txn *t, void *userdata)
{
        struct goal_op *op = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        _cleanup_(contact_freep) struct contact *c = NULL;
        _cleanup_(goal_link_freep) struct goal_link *old = NULL;
        struct goal_link l = {0};
        const char *who = json_string_value(json_object_get(op->params, "who"));
        int64_t before;
        int r;

        r = load_goal(t, op, &g);
        if (r < 0)
                return r;
        r = reply_resolve_who(t, who, &op->err, &c);
        if (r < 0)
                return r;
        r = store_txn_goal_link_get(t, g->id, c->id, &old);
        if (r < 0 && r != -ENOENT)
                return r;
        l.goal_id = g->id;
        l.contact_id = c->id;
        l.linked_at = old ? old->linked_at : op->now;
        /* Linking again changes the why; without one the old why stays. */
        l.why = (char *)(op->why ? (*op->why ? op->why : NULL) : (old ? old->why : NULL));
        r = store_txn_goal_link_put(t, &l);
        if (r < 0)
                return r;
        before = c->next_due;
        r = goals_apply_due_rules(t, goals_conf_every(op->d), c);
        if (r < 0)
                return r;
        if (c->next_due != before) {
                c->updated = op->now;
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
                op->moved_due = true;
        }
        json_decref(op->result);
        op->result =
            json_pack("{s:o,s:o,s:o,s:o,s:b}", "goal", goals_ref(g->id, g->title), "contact",
                      reply_contact_ref(c->id, c->name), "why", str_or_null(l.why), "next_due",
                      reply_time_or_null(c->next_due), "relinked", old != NULL);
        return op->result ? 0 : -ENOMEM;
}

static int method_link(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata, .params = params, .now = tendd_now(userdata)};
        int r;

        r = fields_text(params, "why", FIELD_NOTE_MAX, 1, &op.err, &op.why);
        if (r < 0) {
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        return run_op(call, &op, true, link_fn);
}

/* After the goal rule stopped or changed for c (before = the date it gave, with the link):
 * a due date that came from the rule falls back to the cadence, then the rules apply again. */
static int relax_due(struct store_txn *t, int64_t conf_every, struct contact *c, int64_t before,
                     int64_t now, bool *ret_moved)
{
        int64_t old = c->next_due;
        int r;

        if (before && c->next_due == before)
                c->next_due = base_due(c);
        r = goals_apply_due_rules(t, conf_every, c);
        if (r < 0)
                return r;
        *ret_moved = c->next_due != old;
        if (!*ret_moved)
                return 0;
        c->updated = now;
        return store_txn_contact_put(t, c);
}

/* ---- re-dating after the goal interval changed ---- */

struct redate_walk {
        struct store_txn *t;
        struct goals_redate *rd;
};

static int redate_add_link(const struct goal_link *l, void *userdata)
{
        struct goals_redate *rd = userdata;

        for (size_t i = 0; i < rd->n; i++) /* few goal people: a scan is fine */
                if (rd->ids[i] == l->contact_id)
                        return 0;
        if (rd->n == rd->cap) {
                size_t cap = rd->cap ? rd->cap * 2 : 32;
                uint64_t *ids = reallocarray(rd->ids, cap, sizeof(*ids));

                if (!ids)
                        return -ENOMEM;
                rd->ids = ids;
                rd->cap = cap;
        }
        rd->ids[rd->n++] = l->contact_id;
        return 0;
}

static int redate_add_goal(const struct goal *g, void *userdata)
{
        struct redate_walk *w = userdata;

        if (g->status != GOAL_ACTIVE)
                return 0;
        return store_txn_goal_links(w->t, g->id, redate_add_link, w->rd);
}

int goals_redate_begin(struct store_txn *t, int64_t conf_every, struct goals_redate *rd)
{
        struct redate_walk w = {.t = t, .rd = rd};
        int r;

        goals_redate_done(rd);
        r = store_txn_goal_list(t, redate_add_goal, &w);
        if (r < 0)
                return r;
        if (rd->n) {
                rd->before = calloc(rd->n, sizeof(*rd->before));
                if (!rd->before)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < rd->n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;

                r = store_txn_contact_get(t, rd->ids[i], &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = goals_rule_due(t, conf_every, c, &rd->before[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int goals_redate_finish(struct store_txn *t, int64_t conf_every, int64_t now,
                        const struct goals_redate *rd, size_t *ret_moved)
{
        int r;

        *ret_moved = 0;
        for (size_t i = 0; i < rd->n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                bool moved = false;

                r = store_txn_contact_get(t, rd->ids[i], &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = relax_due(t, conf_every, c, rd->before[i], now, &moved);
                if (r < 0)
                        return r;
                *ret_moved += moved;
        }
        return 0;
}

void goals_redate_done(struct goals_redate *rd)
{
        free(rd->ids);
        free(rd->before);
        *rd = (struct goals_redate){0};
}

struct reconf_op {
        int64_t old_every, new_every, now;
        size_t moved;
};

static int reconf_fn(struct store_txn *t, void *userdata)
{
        struct reconf_op *op = userdata;
        _cleanup_(goals_redate_done) struct goals_redate rd = {0};
        int r;

        r = goals_redate_begin(t, op->old_every, &rd);
        if (r < 0)
                return r;
        return goals_redate_finish(t, op->new_every, op->now, &rd, &op->moved);
}

int goals_conf_every_changed(struct tendd *d, int64_t old_conf_every)
{
        struct reconf_op op = {
            .old_every = old_conf_every, .new_every = goals_conf_every(d), .now = tendd_now(d)};
        int r;

        if (op.old_every == op.new_every)
                return 0;
        r = store_write(d->store, reconf_fn, &op);
        if (r < 0) {
                tendd_check_store(d);
                return r;
        }
        if (op.moved > 0) {
                tendd_status_changed(d);
                scheduler_changed(d->scheduler, "changed", NULL);
        }
        return (int)op.moved;
}

static int unlink_fn(struct store_txn *t, void *userdata)
{
        struct goal_op *op = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        _cleanup_(contact_freep) struct contact *c = NULL;
        const char *who = json_string_value(json_object_get(op->params, "who"));
        int64_t before;
        bool moved = false;
        int r;

        r = load_goal(t, op, &g);
        if (r < 0)
                return r;
        r = reply_resolve_who(t, who, &op->err, &c);
        if (r < 0)
                return r;
        r = goals_rule_due(t, goals_conf_every(op->d), c, &before);
        if (r < 0)
                return r;
        r = store_txn_goal_link_delete(t, g->id, c->id);
        if (r == -ENOENT)
                return op_error_set(&op->err, "io.tend.Goals.NotLinked",
                                    json_pack("{s:o,s:o}", "goal", goals_ref(g->id, g->title),
                                              "contact", reply_contact_ref(c->id, c->name)));
        if (r < 0)
                return r;
        r = relax_due(t, goals_conf_every(op->d), c, before, op->now, &moved);
        if (r < 0)
                return r;
        op->moved_due |= moved;
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o,s:o}", "goal", goals_ref(g->id, g->title), "contact",
                               reply_contact_ref(c->id, c->name), "next_due",
                               reply_time_or_null(c->next_due));
        return op->result ? 0 : -ENOMEM;
}

static int method_unlink(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata, .params = params, .now = tendd_now(userdata)};

        return run_op(call, &op, true, unlink_fn);
}

/* ---- Done, Reopen, Remove: the goal rule stops (or starts) for every linked person ---- */

struct relax_ctx {
        struct store_txn *t;
        struct idvec_lite {
                uint64_t *v;
                size_t n, cap;
        } ids;
};

static int collect_link(const struct goal_link *l, void *userdata)
{
        struct relax_ctx *ctx = userdata;

        if (ctx->ids.n == ctx->ids.cap) {
                size_t cap = ctx->ids.cap ? ctx->ids.cap * 2 : 16;
                uint64_t *v = reallocarray(ctx->ids.v, cap, sizeof(uint64_t));

                if (!v)
                        return -ENOMEM;
                ctx->ids.v = v;
                ctx->ids.cap = cap;
        }
        ctx->ids.v[ctx->ids.n++] = l->contact_id;
        return 0;
}

/* Change a goal (status or existence) through change(), keeping linked people's due dates in
 * step: the rule's dates are computed before and after. */
static int change_goal(struct store_txn *t, struct goal_op *op, struct goal *g,
                       int (*change)(struct store_txn *t, struct goal_op *op, struct goal *g))
{
        struct relax_ctx ctx = {.t = t};
        int64_t *before = NULL;
        int r;

        r = store_txn_goal_links(t, g->id, collect_link, &ctx);
        if (r < 0)
                goto out;
        before = calloc(ctx.ids.n ? ctx.ids.n : 1, sizeof(int64_t));
        if (!before) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < ctx.ids.n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;

                r = store_txn_contact_get(t, ctx.ids.v[i], &c);
                if (r == -ENOENT)
                        continue;
                if (r >= 0)
                        r = goals_rule_due(t, goals_conf_every(op->d), c, &before[i]);
                if (r < 0)
                        goto out;
        }
        r = change(t, op, g);
        if (r < 0)
                goto out;
        for (size_t i = 0; i < ctx.ids.n; i++) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                bool moved = false;

                r = store_txn_contact_get(t, ctx.ids.v[i], &c);
                if (r == -ENOENT)
                        continue;
                if (r >= 0)
                        r = relax_due(t, goals_conf_every(op->d), c, before[i], op->now, &moved);
                if (r < 0)
                        goto out;
                op->moved_due |= moved;
        }
        r = 0;
out:
        free(before);
        free(ctx.ids.v);
        return r;
}

static int set_done(struct store_txn *t, struct goal_op *op, struct goal *g)
{
        g->status = op->all ? GOAL_ACTIVE : GOAL_DONE; /* all = reopen */
        g->done_at = op->all ? 0 : op->now;
        g->updated = op->now;
        return store_txn_goal_put(t, g);
}

static int done_fn(struct store_txn *t, void *userdata)
{
        struct goal_op *op = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r;

        r = load_goal(t, op, &g);
        if (r < 0)
                return r;
        r = change_goal(t, op, g, set_done);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o}", "goal", goal_json(t, g));
        return op->result ? 0 : -ENOMEM;
}

static int method_done(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata, .params = params, .now = tendd_now(userdata)};

        return run_op(call, &op, true, done_fn);
}

static int method_reopen(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {
            .d = userdata, .params = params, .now = tendd_now(userdata), .all = true};

        return run_op(call, &op, true, done_fn);
}

static int delete_goal(struct store_txn *t, struct goal_op *op, struct goal *g)
{
        return store_txn_goal_delete(t, g->id, op->now);
}

static int remove_fn(struct store_txn *t, void *userdata)
{
        struct goal_op *op = userdata;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r;

        r = load_goal(t, op, &g);
        if (r < 0)
                return r;
        r = change_goal(t, op, g, delete_goal);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o}", "goal", goals_ref(g->id, g->title));
        return op->result ? 0 : -ENOMEM;
}

static int method_remove(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata, .params = params, .now = tendd_now(userdata)};

        return run_op(call, &op, true, remove_fn);
}

static const struct varlink_param add_params[] = {
    {"title", VARLINK_STRING, true},
    {"by", VARLINK_STRING, false},
    {"note", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param list_params[] = {
    {"all", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param goal_params[] = {
    {"goal", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param link_params[] = {
    {"goal", VARLINK_STRING, true},
    {"who", VARLINK_STRING, true},
    {"why", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param unlink_params[] = {
    {"goal", VARLINK_STRING, true},
    {"who", VARLINK_STRING, true},
    {0},
};

static const struct varlink_method goals_methods[] = {
    {"Add", method_add, add_params},
    {"List", method_list, list_params},
    {"Get", method_get, goal_params},
    {"Link", method_link, link_params},
    {"Unlink", method_unlink, unlink_params},
    {"Done", method_done, goal_params},
    {"Reopen", method_reopen, goal_params},
    {"Remove", method_remove, goal_params},
    {0},
};

const struct varlink_interface methods_goals_interface = {
    .name = "io.tend.Goals",
    .idl = idl_io_tend_Goals,
    .methods = goals_methods,
};
