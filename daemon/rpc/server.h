/* The varlink socket server on a libev loop: listening socket (bound here or handed over by
 * socket activation), one connection object per client with a read watcher, a write watcher
 * active only while output is pending and an idle timer. Every resource a client controls is
 * limited; hitting a limit yields an error reply or closes that one connection. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "varlink.h"

struct server_limits {
        size_t max_message;     /* bytes per incoming message (NUL excluded); default 1 MiB */
        size_t max_connections; /* default 64 */
        size_t max_output;      /* bytes queued for one client before we stop reading its
                                 * further calls; default 16 MiB */
        double idle_timeout;    /* seconds without a complete call, or without write progress
                                 * while output is pending, before closing; default 60 */
};

struct server;

/** Create a server dispatching to svc with userdata. limits may be NULL (defaults); a zero
 * field in limits also means its default. Returns 0 or -errno. */
int server_new(struct ev_loop *loop, const struct server_limits *limits,
               const struct varlink_service *svc, void *userdata, struct server **ret);

/** Stop watchers, close every connection and the listening socket (unlinking a path this
 * server bound itself, if the socket file there is still ours); accepts NULL. Not to be called
 * from inside a method handler. */
void server_free(struct server *s);

/** Bind and listen on path: creates the parent directory 0700 (checked to be ours), removes
 * a stale socket nobody answers on, refuses (-EADDRINUSE) when a live daemon answers there,
 * binds under umask 0177 so the socket is 0600. Never removes anything that is not a socket
 * (-EEXIST then). -ENAMETOOLONG when path does not fit sun_path, -EBUSY when this server
 * listens already. Returns 0 or -errno. */
int server_listen_path(struct server *s, const char *path);

/** Serve on an already listening socket (socket activation); made non-blocking and
 * close-on-exec here; never shutdown(). On success the server owns fd (closed, never
 * unlinked, by server_free); on failure the caller keeps it. -EINVAL when fd is not a
 * listening socket. Returns 0 or -errno. */
int server_adopt_fd(struct server *s, int fd);

/** Stop accepting and reading; replies already queued are still flushed until done or idle
 * timeout. Used on SIGTERM. No further calls are dispatched (calls already received but not
 * yet dispatched are dropped); each connection is closed as soon as its output is written,
 * at once when nothing is queued. A reply being produced by a running handler is still sent. */
void server_stop_accepting(struct server *s);

/** Send params (borrowed) as a {"parameters": params, "continues": true} reply to every
 * connection whose call was kept open on stream (varlink_call_reply_continues). A connection
 * whose queued output would exceed max_output (a watcher that does not read) is closed.
 * Returns the number of connections it was queued for, or -ENOMEM. */
int server_stream_send(struct server *s, const char *stream, json_t *params);

/** From inside a method handler: answer this call later (for work done off the loop). The
 * handler then returns 0 without a reply; the connection dispatches none of its further calls
 * until server_call_finish gets *ret_handle. Returns 0 or -EINVAL (not inside a dispatch). */
int server_call_defer(struct server *s, struct varlink_call *call, uint64_t *ret_handle);

/** Send the reply message of a deferred call (stolen: {"parameters": ...} or {"error": ...,
 * "parameters": ...}) and go on with the connection's calls. A connection closed meanwhile
 * is no error. Returns 0 or -errno. */
int server_call_finish(struct server *s, uint64_t handle, json_t *msg);

/** A reply in pieces (a call made with "more"): with cancel false, make the next piece —
 * queue it with server_call_continue, or the last one with server_call_finish, after which
 * the producer is not called again and frees what it keeps. With cancel true (once, when the
 * client went away first; never after server_call_finish): free what it keeps. */
typedef void (*server_produce_fn)(struct server *s, uint64_t handle, bool cancel, void *userdata);

/** From inside a method handler: answer this call in pieces made by fn, each when the
 * connection's queued output has drained below a low-water mark (backpressure: a slow reader
 * holds back the producer, not the daemon's memory). Like server_call_defer otherwise.
 * Returns 0 or -EINVAL (not inside a dispatch). */
int server_call_produce(struct server *s, struct varlink_call *call, server_produce_fn fn,
                        void *userdata, uint64_t *ret_handle);

/** Queue one {"parameters": params, "continues": true} piece of a produced reply (params
 * stolen). Returns 0, -ENOTCONN (the client went away) or -ENOMEM (the connection is closed). */
int server_call_continue(struct server *s, uint64_t handle, json_t *params);

/** server_call_continue for a piece whose whole message text the producer wrote itself
 * ({"parameters":{...},"continues":true}, without the NUL): for a piece that is mostly one big
 * string, which jansson would dump a character at a time. Same returns. */
int server_call_continue_text(struct server *s, uint64_t handle, const char *msg, size_t len);

/** Number of connections kept open on stream. */
size_t server_stream_count(const struct server *s, const char *stream);

/** Number of open client connections. */
size_t server_connection_count(const struct server *s);

/** Whether output is still queued on any connection. */
int server_has_pending_output(const struct server *s);

/** Bytes of output queued and not yet written, over all connections (for status and tests). */
size_t server_pending_output(const struct server *s);
