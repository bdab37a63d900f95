/* io.tend.Interactions: log what happened with someone, and read their history. */
#include <string.h>

#include "fields.h"
#include "goals.h"
#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "store-goals.h"
#include "rpc.h"
#include "timeutil.h"
#include "touch.h"

/* Logging "in the future" is planning, not an interaction; a little clock skew is fine. */
#define LOG_FUTURE_SLACK 300

struct log_op {
        struct rpc *d;
        const char *who;
        struct interaction in;
        struct op_error err;
        json_t *result;
        int64_t now;
        const char *goal; /* GOAL the interaction was toward, NULL = none */
};

static int log_fn(struct store_txn *t, void *userdata)
{
        struct log_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        if (op->goal) {
                r = goals_resolve(t, op->goal, &op->err, &op->in.goal_id);
                if (r < 0)
                        return r;
                r = store_txn_goal_get(t, op->in.goal_id, &g);
                if (r < 0)
                        return r;
        }
        op->in.uuid[0] = 0; /* a re-run after map growth draws a fresh one */
        op->in.created = op->now;
        r = touch_record(t, goals_conf_every(op->d->core), c, &op->in, op->now);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o,s:o}", "interaction", reply_interaction(&op->in, c->name),
                               "next_due", reply_time_or_null(c->next_due), "goal",
                               g ? goals_ref(g->id, g->title) : json_null());
        return op->result ? 0 : -ENOMEM;
}

static int method_log(struct varlink_call *call, json_t *params, void *userdata)
{
        struct log_op op = {.d = userdata, .now = core_now(((struct rpc *)userdata)->core)};
        const char *kind, *note = NULL, *gave = NULL, *got = NULL;
        _cleanup_free_ char *kind_norm = NULL;
        int r;

        op.who = json_string_value(json_object_get(params, "who"));
        op.goal = json_string_value(json_object_get(params, "goal"));
        op.in.at = op.now;
        kind = json_string_value(json_object_get(params, "kind"));
        kind_norm = strdup(kind);
        if (!kind_norm)
                return -ENOMEM;
        /* "Coffee" and "informational interview" are the same kinds as coffee and
         * informational-interview. */
        ascii_strlower(kind_norm);
        for (char *p = kind_norm; *p; p++)
                if (*p == ' ' || *p == '_')
                        *p = '-';
        if (kind_validate(kind_norm) < 0)
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "kind", "reason",
                                           "use 1-64 letters, digits and dashes, e.g. coffee, "
                                           "call, informational-interview"));
        else if ((r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &note)) >= 0 &&
                 (r = fields_text(params, "gave", FIELD_NOTE_MAX, 1, &op.err, &gave)) >= 0 &&
                 (r = fields_text(params, "got", FIELD_NOTE_MAX, 1, &op.err, &got)) >= 0 &&
                 (r = fields_time(params, "at", &op.err, &op.in.at)) >= 0 &&
                 op.in.at > op.now + LOG_FUTURE_SLACK)
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "at", "reason",
                                           "is in the future; log what happened, and use "
                                           "'tend snooze' to plan a follow-up"));
        if (r >= 0 && op.goal && !*op.goal)
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "goal", "reason",
                                           "empty; name a goal by id or title"));
        if (r >= 0) {
                op.in.kind = kind_norm;
                op.in.note = note && *note ? (char *)note : NULL;
                op.in.gave = gave && *gave ? (char *)gave : NULL;
                op.in.got = got && *got ? (char *)got : NULL;
                r = store_write(op.d->store, log_fn, &op);
        }
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        }
        op_error_done(&op.err);
        json_decref(op.result);
        return r;
}

struct history_op {
        struct store_txn *t;
        const char *who;
        size_t limit;
        struct op_error err;
        json_t *result;
        const char *name;
        json_t *array;
        struct goal *goal; /* the last goal looked up: a run of interactions shares one */
};

/* {id, title} of the goal an interaction was toward; null when none (or no longer there). */
static int history_goal(struct history_op *op, uint64_t id, json_t **ret)
{
        int r;

        *ret = json_null();
        if (id == 0)
                return 0;
        if (!op->goal || op->goal->id != id) {
                goal_free(op->goal);
                op->goal = NULL;
                r = store_txn_goal_get(op->t, id, &op->goal);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return r;
        }
        *ret = goals_ref(op->goal->id, op->goal->title);
        return *ret ? 0 : -ENOMEM;
}

static int append_interaction(const struct interaction *i, void *userdata)
{
        struct history_op *op = userdata;
        json_t *o = reply_interaction(i, op->name), *goal;
        int r;

        if (!o)
                return -ENOMEM;
        r = history_goal(op, i->goal_id, &goal);
        if (r >= 0 && json_object_set_new(o, "goal", goal) < 0)
                r = -ENOMEM;
        if (r >= 0 && json_array_append_new(op->array, o) < 0)
                return -ENOMEM;
        if (r < 0)
                json_decref(o);
        return r;
}

static int history_fn(struct store_txn *t, void *userdata)
{
        struct history_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        op->t = t;
        op->name = c->name;
        op->array = json_array();
        if (!op->array)
                return -ENOMEM;
        r = store_txn_interaction_list(t, c->id, op->limit, append_interaction, op);
        if (r < 0) {
                json_decref(op->array);
                return r;
        }
        op->result = json_pack("{s:o,s:o}", "contact", reply_contact_ref(c->id, c->name),
                               "interactions", op->array);
        return op->result ? 0 : -ENOMEM;
}

static int method_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct history_op op = {.who = json_string_value(json_object_get(params, "who"))};
        int r;

        r = fields_limit(params, "limit", &op.err, &op.limit);
        if (r >= 0) {
                r = store_read(d->store, history_fn, &op);
        }
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        }
        op_error_done(&op.err);
        json_decref(op.result);
        goal_free(op.goal);
        return r;
}

static const struct varlink_param log_params[] = {
    {"who", VARLINK_STRING, true},   {"kind", VARLINK_STRING, true},
    {"note", VARLINK_STRING, false}, {"at", VARLINK_STRING, false},
    {"gave", VARLINK_STRING, false}, {"got", VARLINK_STRING, false},
    {"goal", VARLINK_STRING, false}, {0},
};

static const struct varlink_param list_params[] = {
    {"who", VARLINK_STRING, true},
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_method interactions_methods[] = {
    {"Log", method_log, log_params},
    {"List", method_list, list_params},
    {0},
};

const struct varlink_interface methods_interactions_interface = {
    .name = "io.tend.Interactions",
    .idl = idl_io_tend_Interactions,
    .methods = interactions_methods,
};
