/* io.tend.Goals: what you work toward, and who matters for it and why. Also the follow-up
 * rules of intentional networking (goals.h), which every handler that moves due dates uses. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fields.h"
#include "goals.h"
#include "identity.h"
#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "store-goals.h"
#include "rpc.h"
#include "timeutil.h"

#define GOAL_INTERACTIONS_MAX 50

static json_t *str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
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
        struct rpc *d;
        json_t *params;
        struct op_error err;
        json_t *result;
        int64_t now;
        const char *title, *note, *why;
        int64_t by;
        bool all;
};

static int run_op(struct varlink_call *call, struct goal_op *op, bool write, store_txn_fn fn)
{
        int r = write ? store_write(op->d->store, fn, op) : store_read(op->d->store, fn, op);

        if (r < 0)
                r = op_error_reply(&op->err, call, r);
        else {
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
        if (!op->all) { /* all: allow_duplicate, a second goal of the same title */
                r = identity_check_goal_title(t, op->title, 0, &op->err);
                if (r < 0)
                        return r;
        }
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
        struct goal_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r;

        if ((r = fields_text(params, "title", GOAL_TITLE_MAX, 0, &op.err, &op.title)) < 0 ||
            (r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &op.note)) < 0 ||
            (r = fields_time(params, "by", &op.err, &op.by)) < 0) {
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        op.all = json_is_true(json_object_get(params, "allow_duplicate"));
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
                qsort_safe(ctx.items, ctx.n, sizeof(struct timed), timed_cmp);
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
        r = goals_apply_due_rules(t, goals_conf_every(op->d->core), c);
        if (r < 0)
                return r;
        if (c->next_due != before) {
                c->updated = op->now;
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
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
        struct goal_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r;

        r = fields_text(params, "why", FIELD_NOTE_MAX, 1, &op.err, &op.why);
        if (r < 0) {
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        return run_op(call, &op, true, link_fn);
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
        r = goals_rule_due(t, goals_conf_every(op->d->core), c, &before);
        if (r < 0)
                return r;
        r = store_txn_goal_link_delete(t, g->id, c->id);
        if (r == -ENOENT)
                return op_error_set(&op->err, "io.tend.Goals.NotLinked",
                                    json_pack("{s:o,s:o}", "goal", goals_ref(g->id, g->title),
                                              "contact", reply_contact_ref(c->id, c->name)));
        if (r < 0)
                return r;
        r = goals_relax_due(t, goals_conf_every(op->d->core), c, before, op->now, &moved);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o,s:o}", "goal", goals_ref(g->id, g->title), "contact",
                               reply_contact_ref(c->id, c->name), "next_due",
                               reply_time_or_null(c->next_due));
        return op->result ? 0 : -ENOMEM;
}

static int method_unlink(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

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
                        r = goals_rule_due(t, goals_conf_every(op->d->core), c, &before[i]);
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
                        r = goals_relax_due(t, goals_conf_every(op->d->core), c, before[i], op->now,
                                            &moved);
                if (r < 0)
                        goto out;
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
        struct goal_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return run_op(call, &op, true, done_fn);
}

static int method_reopen(struct varlink_call *call, json_t *params, void *userdata)
{
        struct goal_op op = {.d = userdata,
                             .params = params,
                             .now = core_now(((struct rpc *)userdata)->core),
                             .all = true};

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
        struct goal_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return run_op(call, &op, true, remove_fn);
}

static const struct varlink_param add_params[] = {
    {"title", VARLINK_STRING, true},
    {"by", VARLINK_STRING, false},
    {"note", VARLINK_STRING, false},
    {"allow_duplicate", VARLINK_BOOL, false},
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
