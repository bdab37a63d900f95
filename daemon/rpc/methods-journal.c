/* io.tend.Journal: undo, redo and the list of changes (core/undo.h). */
#include "fields.h"
#include "interfaces.h"
#include "methods.h"
#include "rpc.h"
#include "undo.h"

struct undo_op {
        bool redo;
        struct op_error err;
        json_t *result;
};

static int undo_fn(struct store_txn *t, void *userdata)
{
        struct undo_op *op = userdata;

        json_decref(op->result);
        op->result = NULL;
        return undo_txn(t, op->redo, &op->err, &op->result);
}

static int undo_or_redo(struct varlink_call *call, void *userdata, bool redo)
{
        struct rpc *d = userdata;
        struct undo_op op = {.redo = redo};
        int r;

        r = store_write(d->store, undo_fn, &op);
        if (r >= 0) {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        } else
                r = op_error_reply(&op.err, call, r);
        op_error_done(&op.err);
        json_decref(op.result);
        return r;
}

static int method_undo(struct varlink_call *call, json_t *params, void *userdata)
{
        (void)params;
        return undo_or_redo(call, userdata, false);
}

static int method_redo(struct varlink_call *call, json_t *params, void *userdata)
{
        (void)params;
        return undo_or_redo(call, userdata, true);
}

struct list_op {
        size_t limit;
        json_t *result;
};

static int list_fn(struct store_txn *t, void *userdata)
{
        struct list_op *op = userdata;

        return undo_txn_list(t, op->limit, &op->result);
}

static int method_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct list_op op = {0};
        struct op_error err = {0};
        int r;

        r = fields_limit(params, "limit", &err, &op.limit);
        if (r >= 0)
                r = store_read(d->store, list_fn, &op);
        if (r >= 0) {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        } else
                r = op_error_reply(&err, call, r);
        op_error_done(&err);
        json_decref(op.result);
        return r;
}

static const struct varlink_param no_params[] = {
    {0},
};

static const struct varlink_param list_params[] = {
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_method journal_methods[] = {
    {"Undo", method_undo, no_params},
    {"Redo", method_redo, no_params},
    {"List", method_list, list_params},
    {0},
};

const struct varlink_interface methods_journal_interface = {
    .name = "io.tend.Journal",
    .idl = idl_io_tend_Journal,
    .methods = journal_methods,
};
