/* io.tend.FollowUps: who is due, moving a follow-up, marking one done, watching events. */
#include <string.h>

#include "fields.h"
#include "followups.h"
#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "rpc.h"
#include "server.h"
#include "timeutil.h"

/* ---- Due ----
 * The reply carries `total`, how many are due in the window whatever the limit: the store's
 * per-bucket due counts give it without walking everyone (tend due shows its first 50 and
 * says how many more). Called with "more", Due answers in pieces of DUE_PIECE people, each
 * made when the client has read most of the one before, all from one store snapshot (the
 * list at one instant, as the single reply was), so neither side holds a million. */

/* People per piece: a few hundred KiB of JSON, well under a client's message limit. */
#define DUE_PIECE 1000

struct due_op {
        int64_t until;
        size_t limit;
        bool brief;  /* reply_contact_brief */
        bool resume; /* start after (after_due, after_id) */
        int64_t after_due, last_due;
        uint64_t after_id, last_id; /* last: the last person appended */
        uint64_t total;
        size_t n;
        json_t *array;
        struct store_txn *t;
};

static int append_due(const struct contact *c, void *userdata)
{
        struct due_op *op = userdata;
        json_t *o = op->brief ? reply_contact_brief(c) : reply_contact(op->t, c);

        if (!o || json_array_append_new(op->array, o) < 0)
                return -ENOMEM;
        op->last_due = c->next_due;
        op->last_id = c->id;
        op->n++;
        return 0;
}

static int due_fn(struct store_txn *t, void *userdata)
{
        struct due_op *op = userdata;
        int r;

        op->t = t;
        op->n = 0;
        json_array_clear(op->array);
        if (!op->resume) {
                r = store_txn_due_count(t, op->until, &op->total);
                if (r < 0)
                        return r;
                return store_txn_due_list(t, op->until, op->limit, append_due, op);
        }
        return store_txn_due_list_after(t, op->after_due, op->after_id, op->until, op->limit,
                                        append_due, op);
}

struct due_stream {
        struct rpc *d;
        struct store_snapshot *snap;
        int64_t now;
        size_t limit, sent; /* limit 0: everyone */
        struct due_op op;
};

static void due_stream_free(struct due_stream *x)
{
        store_snapshot_close(x->snap);
        json_decref(x->op.array);
        free(x);
}

static void due_produce(struct server *s, uint64_t handle, bool cancel, void *userdata)
{
        struct due_stream *x = userdata;
        json_t *params;
        bool last;
        int r;

        if (cancel) {
                due_stream_free(x);
                return;
        }
        x->op.array = json_array();
        if (!x->op.array) {
                (void)server_call_finish(s, handle, varlink_errno_reply(-ENOMEM));
                due_stream_free(x);
                return;
        }
        x->op.limit = DUE_PIECE;
        if (x->limit && x->limit - x->sent < DUE_PIECE)
                x->op.limit = x->limit - x->sent;
        r = store_snapshot_read(x->snap, due_fn, &x->op);
        if (r == -ESTALE) {
                /* The map grew (a big write meanwhile): go on in a new snapshot after the last
                 * person sent. Who moved across that point since is seen as it is now. */
                store_snapshot_close(x->snap);
                x->snap = NULL;
                r = store_snapshot_open(x->d->store, &x->snap);
                if (r >= 0)
                        r = store_snapshot_read(x->snap, due_fn, &x->op);
        }
        if (r < 0) {
                (void)server_call_finish(s, handle, varlink_errno_reply(r));
                due_stream_free(x);
                return;
        }
        if (x->op.n > 0) {
                x->op.resume = true;
                x->op.after_due = x->op.last_due;
                x->op.after_id = x->op.last_id;
        }
        x->sent += x->op.n;
        last = x->op.n < x->op.limit || (x->limit && x->sent >= x->limit);
        params = json_pack("{s:o,s:I,s:o}", "now", reply_time_or_null(x->now), "total",
                           (json_int_t)x->op.total, "contacts", x->op.array);
        x->op.array = NULL;
        if (!params) {
                (void)server_call_finish(s, handle, varlink_errno_reply(-ENOMEM));
                due_stream_free(x);
                return;
        }
        if (!last) {
                /* On failure the connection is closed, and its cancel frees the stream. */
                (void)server_call_continue(s, handle, params);
                return;
        }
        (void)server_call_finish(s, handle, json_pack("{s:o}", "parameters", params));
        due_stream_free(x);
}

static int due_stream(struct rpc *d, struct varlink_call *call, const struct due_op *op,
                      int64_t now)
{
        struct due_stream *x = calloc(1, sizeof(*x));
        uint64_t handle;
        int r;

        if (!x)
                return -ENOMEM;
        x->d = d;
        x->now = now;
        x->limit = op->limit;
        x->op.until = op->until;
        x->op.brief = op->brief;
        r = store_snapshot_open(d->store, &x->snap);
        if (r >= 0)
                r = server_call_produce(d->server, call, due_produce, x, &handle);
        if (r < 0) {
                due_stream_free(x);
                return r;
        }
        return 0;
}

static int method_due(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        int64_t now = core_now(d->core);
        struct due_op op = {0};
        struct op_error err = {0};
        json_t *within = json_object_get(params, "within_seconds");
        int r;

        /* The due list is "due ≤ until"; the index answers "< until", hence the + 1. */
        op.until = now;
        if ((r = fields_time(params, "until", &err, &op.until)) < 0 ||
            (r = fields_limit(params, "limit", &err, &op.limit)) < 0)
                goto finish;
        if (within && !json_object_get(params, "until")) {
                if (json_integer_value(within) < 0 ||
                    json_integer_value(within) > 100LL * 366 * 86400) {
                        r = op_error_set(&err, "io.tend.Service.InvalidValue",
                                         json_pack("{s:s,s:s}", "parameter", "within_seconds",
                                                   "reason", "negative or over 100 years"));
                        goto finish;
                }
                op.until = now + json_integer_value(within);
        }
        op.until += 1;
        op.brief = json_is_true(json_object_get(params, "brief"));
        if (call->more && d->server) {
                r = due_stream(d, call, &op, now);
                goto finish;
        }
        op.array = json_array();
        if (!op.array) {
                r = -ENOMEM;
                goto finish;
        }
        r = store_read(d->store, due_fn, &op);
        if (r < 0)
                goto finish;
        r = varlink_call_reply(call,
                               json_pack("{s:o,s:I,s:O}", "now", reply_time_or_null(now), "total",
                                         (json_int_t)op.total, "contacts", op.array));
finish:
        if (r < 0)
                r = op_error_reply(&err, call, r);
        op_error_done(&err);
        json_decref(op.array);
        return r;
}

struct snooze_op {
        const char *who;
        int64_t until, now;
        struct op_error err;
        json_t *result;
};

static int snooze_fn(struct store_txn *t, void *userdata)
{
        struct snooze_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = NULL;
        return followups_txn_snooze(t, c, op->until, op->now, &op->result);
}

struct done_op {
        const char *who, *note;
        int64_t now, conf_every;
        struct op_error err;
        json_t *result;
};

static int done_fn(struct store_txn *t, void *userdata)
{
        struct done_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = NULL;
        return followups_txn_done(t, op->conf_every, c, op->note, op->now, &op->result);
}

static int method_done(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct done_op op = {
            .who = json_string_value(json_object_get(params, "who")),
            .now = core_now(d->core),
            .conf_every = core_goal_conf_every(d->core),
        };
        int r;

        r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &op.note);
        if (r >= 0) {
                r = store_write(d->store, done_fn, &op);
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

/* A stream of follow-up events for `tend watch`: one "watching" reply now, then one per event
 * (scheduler.c sends them), all with "continues": true, until the client hangs up. */
static int method_watch(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        int64_t next = d->next_check ? d->next_check(d->next_check_userdata) : 0;

        return varlink_call_reply_continues(call,
                                            json_pack("{s:s,s:o,s:o}", "event", "watching", "at",
                                                      reply_time_or_null(core_now(d->core)),
                                                      "next_check", reply_time_or_null(next)),
                                            RPC_WATCH_STREAM);
}

static int method_snooze(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct snooze_op op = {
            .who = json_string_value(json_object_get(params, "who")),
            .now = core_now(d->core),
        };
        int r;

        r = fields_time(params, "until", &op.err, &op.until);
        if (r >= 0 && op.until <= op.now)
                r = op_error_set(
                    &op.err, "io.tend.Service.InvalidValue",
                    json_pack("{s:s,s:s}", "parameter", "until", "reason", "is not in the future"));
        if (r >= 0) {
                r = store_write(d->store, snooze_fn, &op);
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

static const struct varlink_param due_params[] = {
    {"until", VARLINK_STRING, false},
    {"within_seconds", VARLINK_INT, false},
    {"limit", VARLINK_INT, false},
    {"brief", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param snooze_params[] = {
    {"who", VARLINK_STRING, true},
    {"until", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param done_params[] = {
    {"who", VARLINK_STRING, true},
    {"note", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param watch_params[] = {
    {0},
};

static const struct varlink_method followups_methods[] = {
    {"Due", method_due, due_params},
    {"Snooze", method_snooze, snooze_params},
    {"Done", method_done, done_params},
    {"Watch", method_watch, watch_params},
    {0},
};

const struct varlink_interface methods_followups_interface = {
    .name = "io.tend.FollowUps",
    .idl = idl_io_tend_FollowUps,
    .methods = followups_methods,
};
