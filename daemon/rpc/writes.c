/* Group commit for the methods' writes; see writes.h.
 *
 * Why at the end of the loop's turn and not on a thread: the loop is single-threaded and a
 * commit blocks it (LMDB's two fsyncs). While it does, the other clients' calls wait in their
 * sockets; the next turn reads all of them, and an ev_prepare (run after every callback of the
 * turn, before the loop blocks again) commits them together. That is how a durable write
 * scales with concurrent writers without a second thread touching the core's state: one
 * commit per turn, however many writes it carries. */
#include "writes.h"

#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "rpc.h"
#include "server.h"

struct pending_write {
        store_txn_fn fn;
        void *op;
        rpc_write_done_fn done;
        uint64_t handle; /* the deferred call (server_call_defer) */
        bool oneway;
};

struct rpc_writes {
        struct ev_loop *loop;
        struct rpc *d;
        ev_prepare run;
        struct pending_write *v;
        size_t n, cap;
};

/* Answer one write: its done callback replies on a call of its own, which the server sends
 * as the deferred reply. */
static void answer(struct rpc_writes *w, const struct pending_write *p, int r)
{
        struct varlink_call call = {.oneway = p->oneway};
        json_t *msg;

        r = p->done(&call, r, p->op);
        msg = call.reply ? call.reply : varlink_errno_reply(r < 0 ? r : -EIO);
        (void)server_call_finish(w->d->server, p->handle, msg);
}

/* One group: what was queued when it starts. Writes that answering lets in (a connection's
 * next call) wait for the next turn. */
static void run_group(struct rpc_writes *w)
{
        struct pending_write *v = w->v;
        struct store_write_op *ops;
        size_t n = w->n;

        if (n == 0)
                return;
        w->v = NULL;
        w->n = w->cap = 0;
        ops = calloc(n, sizeof(*ops));
        if (!ops) {
                for (size_t i = 0; i < n; i++)
                        answer(w, &v[i], -ENOMEM);
                free(v);
                return;
        }
        for (size_t i = 0; i < n; i++)
                ops[i] = (struct store_write_op){.fn = v[i].fn, .userdata = v[i].op};
        store_write_group(w->d->store, ops, n);
        if (n > 1)
                log_debug("%zu writes in one commit.", n);
        for (size_t i = 0; i < n; i++)
                answer(w, &v[i], ops[i].result);
        free(ops);
        free(v);
}

static void run_cb(struct ev_loop *loop, ev_prepare *p, int revents)
{
        struct rpc_writes *w = p->data;

        (void)revents;
        ev_prepare_stop(loop, p);
        run_group(w);
}

int rpc_writes_new(struct ev_loop *loop, struct rpc *d, struct rpc_writes **ret)
{
        struct rpc_writes *w = calloc(1, sizeof(*w));

        if (!w)
                return -ENOMEM;
        w->loop = loop;
        w->d = d;
        ev_prepare_init(&w->run, run_cb);
        w->run.data = w;
        *ret = w;
        return 0;
}

void rpc_writes_free(struct rpc_writes *w)
{
        if (!w)
                return;
        ev_prepare_stop(w->loop, &w->run);
        while (w->n)
                run_group(w);
        free(w);
}

int rpc_write(struct rpc *d, struct varlink_call *call, store_txn_fn fn, void *op,
              rpc_write_done_fn done)
{
        struct rpc_writes *w = d->writes;
        struct pending_write *p;
        uint64_t handle;

        if (w && w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;

                p = reallocarray(w->v, cap, sizeof(*p));
                if (!p)
                        w = NULL; /* written at once instead */
                else {
                        w->v = p;
                        w->cap = cap;
                }
        }
        if (!w || server_call_defer(d->server, call, &handle) < 0)
                return done(call, store_write(d->store, fn, op), op);
        w->v[w->n++] = (struct pending_write){
            .fn = fn, .op = op, .done = done, .handle = handle, .oneway = call->oneway};
        ev_prepare_start(w->loop, &w->run);
        return 0;
}

size_t rpc_writes_queued(const struct rpc_writes *w)
{
        return w ? w->n : 0;
}
