/* io.tend.FollowUps: who is due, and moving a follow-up. */
#include "fields.h"
#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "tendd.h"
#include "timeutil.h"

struct due_op {
        int64_t now, until;
        size_t limit;
        json_t *array;
        struct store_txn *t;
};

static int append_due(const struct contact *c, void *userdata)
{
        struct due_op *op = userdata;
        json_t *o = reply_contact(op->t, c);

        if (!o || json_array_append_new(op->array, o) < 0)
                return -ENOMEM;
        return 0;
}

static int due_fn(struct store_txn *t, void *userdata)
{
        struct due_op *op = userdata;

        op->t = t;
        return store_txn_due_list(t, op->until, op->limit, append_due, op);
}

static int method_due(struct varlink_call *call, json_t *params, void *userdata)
{
        struct tendd *d = userdata;
        struct due_op op = {.now = tendd_now(d)};
        struct op_error err = {0};
        json_t *within = json_object_get(params, "within_seconds");
        int r;

        /* The due list is "due ≤ until"; the index answers "< until", hence the + 1. */
        op.until = op.now;
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
                op.until = op.now + json_integer_value(within);
        }
        op.until += 1;
        op.array = json_array();
        if (!op.array) {
                r = -ENOMEM;
                goto finish;
        }
        r = store_read(d->store, due_fn, &op);
        if (r < 0) {
                tendd_check_store(d);
                goto finish;
        }
        r = varlink_call_reply(call, json_pack("{s:o,s:O}", "now", reply_time_or_null(op.now),
                                               "contacts", op.array));
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
        c->next_due = op->until;
        c->updated = op->now;
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o}", "contact", reply_contact_ref(c->id, c->name),
                               "next_due", reply_time_or_null(c->next_due));
        return op->result ? 0 : -ENOMEM;
}

static int method_snooze(struct varlink_call *call, json_t *params, void *userdata)
{
        struct tendd *d = userdata;
        struct snooze_op op = {
                .who = json_string_value(json_object_get(params, "who")),
                .now = tendd_now(d),
        };
        int r;

        r = fields_time(params, "until", &op.err, &op.until);
        if (r >= 0 && op.until <= op.now)
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "until", "reason",
                                           "is not in the future"));
        if (r >= 0) {
                r = store_write(d->store, snooze_fn, &op);
                if (r < 0)
                        tendd_check_store(d);
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
        {NULL},
};

static const struct varlink_param snooze_params[] = {
        {"who", VARLINK_STRING, true},
        {"until", VARLINK_STRING, true},
        {NULL},
};

static const struct varlink_method followups_methods[] = {
        {"Due", method_due, due_params},
        {"Snooze", method_snooze, snooze_params},
        {NULL},
};

const struct varlink_interface methods_followups_interface = {
        .name = "io.tend.FollowUps",
        .idl = idl_io_tend_FollowUps,
        .methods = followups_methods,
};
