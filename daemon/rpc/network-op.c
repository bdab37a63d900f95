/* The shared parts of the io.tend.Network handlers; see network-op.h. */
#include "network-op.h"

#include "reply.h"

json_t *net_str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
}

json_t *net_networks_json(uint32_t mask)
{
        json_t *a = json_array();

        for (int n = 0; a && n < _NETWORK_MAX; n++)
                if (mask & (1u << n))
                        json_array_append_new(a, json_string(network_to_string(n)));
        return a;
}

/* ---- operations ---- */

void net_op_done(struct net_op *op)
{
        op_error_done(&op->err);
        json_decref(op->result);
        strv_free(op->add);
        strv_free(op->remove);
}

int net_op_run(struct varlink_call *call, struct net_op *op, bool write, store_txn_fn fn)
{
        int r = write ? store_write(op->d->store, fn, op) : store_read(op->d->store, fn, op);

        if (r < 0)
                r = op_error_reply(&op->err, call, r);
        else {
                r = varlink_call_reply(call, op->result);
                op->result = NULL;
        }
        net_op_done(op);
        return r;
}

int net_op_invalid(struct varlink_call *call, struct net_op *op, int r)
{
        r = op_error_reply(&op->err, call, r);
        net_op_done(op);
        return r;
}

const char *net_op_param(struct net_op *op, const char *key)
{
        return json_string_value(json_object_get(op->params, key));
}
