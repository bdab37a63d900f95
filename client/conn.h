/* A client connection to tendd: one blocking Unix stream socket, varlink calls in sequence. */
#pragma once

#include <jansson.h>

/* How long a call waits for tendd to reply (or to take the request) before giving up. */
#define TEND_CONN_TIMEOUT_SEC 30

/* Largest reply accepted (bytes, without the NUL): a full `tend ls --json` of a big network. */
#define TEND_CONN_REPLY_MAX (256u * 1024 * 1024)

struct tend_conn;

/** Connect to the daemon's socket at path (SOCK_CLOEXEC, blocking, send and receive timeouts
 * of TEND_CONN_TIMEOUT_SEC). Returns 0 with the connection in *ret, -ENAMETOOLONG when path does
 * not fit a socket address, or the -errno of socket/connect (-ENOENT, -ECONNREFUSED, -EACCES…). */
int tend_conn_open(const char *path, struct tend_conn **ret);

/** Close the socket and free the connection; accepts NULL. Returns NULL. */
struct tend_conn *tend_conn_free(struct tend_conn *c);

static inline void tend_conn_freep(struct tend_conn **c)
{
        tend_conn_free(*c);
}

/** Call method with params (a JSON object, or NULL for none; the reference is stolen either way)
 * and wait for the reply. Returns 0 with the whole reply object in *ret_reply for any well-formed
 * reply, an error reply included (the caller inspects its "error" member); -EBADMSG when the reply
 * is not a varlink reply object, -EMSGSIZE when it exceeds TEND_CONN_REPLY_MAX, -ECONNRESET when
 * the daemon closed the connection, -ETIMEDOUT when it did not answer in time, -ENOMEM or -errno.
 * Several calls may be made on one connection, one after the other. */
int tend_conn_call(struct tend_conn *c, const char *method, json_t *params, json_t **ret_reply);

/** Send one complete call message (a JSON object, without the terminating NUL, which is added)
 * and return once it is written, without waiting for the reply: with tend_conn_receive, a
 * caller can keep a call in flight while it prepares the next one. Replies come in the order the
 * calls were sent. Returns 0, -ECONNRESET, -ETIMEDOUT, -ENOMEM or -errno. */
int tend_conn_send(struct tend_conn *c, const char *msg, size_t len);

/** How long a reply may take from now on: seconds, 0 for as long as it takes (a backup of a
 * big store). Returns 0 or -errno. */
int tend_conn_set_timeout(struct tend_conn *c, unsigned seconds);

/** The seconds a reply may take now (TEND_CONN_TIMEOUT_SEC unless set; for NULL too). */
unsigned tend_conn_timeout(const struct tend_conn *c);

/** Wait for the next reply (of the oldest call sent and not yet answered). Returns 0 with the
 * reply object in *ret_reply, or fails like tend_conn_call. */
int tend_conn_receive(struct tend_conn *c, json_t **ret_reply);

/* Called with each reply of a streaming call (borrowed); return < 0 to stop reading. */
typedef int (*tend_conn_more_cb)(json_t *reply, void *userdata);

/** A streaming call ("more": true; params stolen like tend_conn_call): hand every reply to cb,
 * waiting without a time limit, until one without "continues" (an error reply included), which
 * is handed on too, then return 0. Returns cb's negative value, -ECONNRESET when the daemon
 * closed the stream, -EBADMSG, -EMSGSIZE, -ENOMEM or -errno. The connection cannot be used for
 * further calls after a stream ended early. */
int tend_conn_call_more(struct tend_conn *c, const char *method, json_t *params,
                        tend_conn_more_cb cb, void *userdata);
