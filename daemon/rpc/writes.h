/* Group commit for the methods' durable writes. A write a method hands here waits for the end
 * of the loop's turn: every write that arrived in that turn (while the last commit was being
 * made, the clients' calls queued up in their sockets) runs in one transaction with one
 * commit (store_write_group), and each caller is answered once that commit is durable. The
 * connection's later calls wait behind its write, as with any deferred reply. */
#pragma once

#include <ev.h>

#include "store.h"
#include "varlink.h"

struct rpc;
struct rpc_writes;

/** The answer of a write handed to rpc_write: r is what store_write would have returned.
 * Like a method handler it replies on call (or returns a negative errno for the generic
 * error reply), and it frees op. */
typedef int (*rpc_write_done_fn)(struct varlink_call *call, int r, void *op);

/** The write queue of d, on loop (d->server answers the deferred calls). Returns 0 or
 * -ENOMEM. */
int rpc_writes_new(struct ev_loop *loop, struct rpc *d, struct rpc_writes **ret);

/** Run what is still queued (answering its callers), then free; accepts NULL. */
void rpc_writes_free(struct rpc_writes *w);

/** From a method handler: run fn(t, op) in the write transaction this turn of the loop
 * shares, then done(call, r, op) once it is durable. Without a write queue, or outside a
 * connection's call (the methods tested alone), it runs at once through store_write. Returns
 * what the handler returns. */
int rpc_write(struct rpc *d, struct varlink_call *call, store_txn_fn fn, void *op,
              rpc_write_done_fn done);

/** Number of writes waiting for the next group (tests). */
size_t rpc_writes_queued(const struct rpc_writes *w);
