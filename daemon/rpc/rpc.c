/* The methods' context and the bridge from core errors to varlink replies; see rpc.h. */
#include "rpc.h"

#include <errno.h>

#include "transfer.h"

int op_error_reply(struct op_error *e, struct varlink_call *call, int r)
{
        if (e->name) {
                varlink_call_error(call, e->name, e->params);
                e->params = NULL;
                e->name = NULL;
                return 0;
        }
        return r < 0 ? r : -EIO;
}

void rpc_done(struct rpc *rpc)
{
        if (!rpc)
                return;
        transfer_uploads_free(rpc->uploads);
        rpc->uploads = NULL;
}
