/* The follow-up rules of intentional networking (goals.h): goal people are followed up at
 * least every goal interval, the outreach pipeline nudges and thanks, and a date that came from
 * a rule falls back to the cadence when the rule stops applying. Every door that moves a due
 * date applies them through here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "goals.h"
#include "store-goals.h"
#include "timeutil.h"

#define GOAL_CANDIDATES_MAX 20
#define GOAL_EVERY_MAX      (366 * 86400LL)

static json_t *str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
}
/* ---- rules ---- */

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

/* After the goal rule stopped or changed for c (before = the date it gave, with the link):
 * a due date that came from the rule falls back to the cadence, then the rules apply again. */
int goals_relax_due(struct store_txn *t, int64_t conf_every, struct contact *c, int64_t before,
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
                r = goals_relax_due(t, conf_every, c, rd->before[i], now, &moved);
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

int goals_conf_every_changed(struct core *core, int64_t old_conf_every)
{
        struct reconf_op op = {.old_every = old_conf_every,
                               .new_every = core_goal_conf_every(core),
                               .now = core_now(core)};
        int r;

        if (op.old_every == op.new_every)
                return 0;
        r = store_write(core->store, reconf_fn, &op);
        return r < 0 ? r : (int)op.moved;
}
