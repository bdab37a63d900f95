/* The varlink socket server on libev; see server.h.
 *
 * Per connection: frame_in collects calls, each complete one is dispatched in order and its
 * reply queued in frame_out. Output is written right away when the socket takes it, and by a
 * write watcher that is active only while output is pending. While more than max_output bytes
 * are queued the connection's remaining calls are not dispatched and its read watcher is
 * stopped (a client that never reads cannot make us buffer without bound); both resume once
 * the queue drains below the limit. Connections are closed (fd closed, watchers stopped,
 * unlinked from the live list) where the decision is taken, and their memory is freed later
 * from an ev_prepare watcher, never inside their own callbacks. This file does not log. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "frame.h"
#include "paths.h"
#include "util.h"

#define DEFAULT_MAX_MESSAGE     (1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS 64
#define DEFAULT_MAX_OUTPUT      (16 * 1024 * 1024)
#define DEFAULT_IDLE_TIMEOUT    60.0
#define ACCEPT_RETRY_SECONDS    1.0
/* Connections accepted per wake-up before giving other watchers a turn (level-triggered:
 * the listen watcher fires again right away when more are waiting). */
#define ACCEPT_BATCH 64

struct connection {
        struct server *server;
        struct connection *prev, *next;
        int fd;
        struct frame_in in;
        struct frame_out out;
        ev_io read_io;
        ev_io write_io;
        ev_timer idle;
        ev_tstamp last_activity;
        bool eof;               /* the peer will send nothing more */
        bool close_after_flush; /* dispatch nothing more; close once the output is written */
        bool dispatching;       /* inside varlink_dispatch (a handler runs) */
        bool dead;              /* closed; waiting in s->dead to be freed */
        const char *stream;     /* a call kept open (varlink "more"): no idle timeout, and
                                 * any further call closes the connection */
        uint64_t serial;        /* names the connection to a deferred reply */
        bool deferred;          /* a call waits for server_call_finish: dispatch nothing */
        bool deferred_oneway;   /* ... and its reply is to be dropped */
        /* A deferred call answered in pieces (server_call_produce): the producer, called
         * while the queued output is under PRODUCE_LOW_WATER. */
        server_produce_fn produce;
        void *produce_userdata;
        bool producing;      /* inside produce: a close waits for it to return */
        bool cancel_pending; /* closed while producing: cancel once it returned */
};

struct server {
        struct ev_loop *loop;
        const struct varlink_service *svc;
        void *userdata;
        struct server_limits limits;

        int listen_fd;
        ev_io listen_io;
        ev_timer accept_retry; /* accept paused after EMFILE & co. */
        bool accepting;        /* false after server_stop_accepting */
        char *bound_path;      /* socket file we bound and unlink at the end */
        dev_t bound_dev;
        ino_t bound_ino;

        struct connection *connections; /* live */
        struct connection *current;     /* the connection whose call is being dispatched */
        uint64_t next_serial;
        struct connection *dead; /* closed, freed by the reaper */
        ev_prepare reaper;
        ev_prepare pump;   /* runs the producers before the loop waits */
        ev_idle pump_spin; /* active while a producer may go on: the loop does not wait */
        size_t n_connections;
        size_t released; /* bytes of big buffers freed since the heap was last trimmed */
};

/* Buffers up to this size stay with a connection; a bigger one (an import's upload, an
 * export's reply) is given back as soon as it is drained. */
#define BUFFER_KEEP (64u << 10)
/* A producer makes its next piece once its connection's queued output is below this: the
 * socket drains while the next piece is made, and a reader that does not read holds back
 * the producer, never the daemon's memory. */
#define PRODUCE_LOW_WATER (256u << 10)
/* Once this much has been freed, the heap's free top goes back to the kernel (malloc_trim):
 * a daemon at rest after a big import or export holds only what it needs. */
#define TRIM_AFTER (1u << 20)

static void server_released(struct server *s, size_t bytes)
{
        s->released += bytes;
        if (s->released < TRIM_AFTER)
                return;
        s->released = 0;
        malloc_trim(0);
}

static void conn_process(struct connection *c);
static void conn_flush(struct connection *c);
static void conn_update(struct connection *c);

static void conn_free(struct connection *c)
{
        server_released(c->server, c->in.cap + c->out.cap);
        frame_in_done(&c->in);
        frame_out_done(&c->out);
        free(c);
}

static void list_remove(struct connection **head, struct connection *c)
{
        if (c->prev)
                c->prev->next = c->next;
        else
                *head = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->prev = c->next = NULL;
}

static void list_prepend(struct connection **head, struct connection *c)
{
        c->prev = NULL;
        c->next = *head;
        if (*head)
                (*head)->prev = c;
        *head = c;
}

/* Close now, free later: safe to call from any callback of c, and c stays readable (flags)
 * until the reaper runs in the next loop iteration. Idempotent. */
static void conn_close(struct connection *c)
{
        struct server *s = c->server;

        if (c->dead)
                return;
        c->dead = true;
        if (c->produce) { /* the client went away before the last piece */
                if (c->producing)
                        c->cancel_pending = true;
                else {
                        server_produce_fn fn = c->produce;

                        c->produce = NULL;
                        fn(s, c->serial, true, c->produce_userdata);
                }
        }
        ev_io_stop(s->loop, &c->read_io);
        ev_io_stop(s->loop, &c->write_io);
        ev_timer_stop(s->loop, &c->idle);
        closep(&c->fd);
        c->fd = -1;
        list_remove(&s->connections, c);
        s->n_connections--;
        list_prepend(&s->dead, c);
        ev_prepare_start(s->loop, &s->reaper);
}

static void reaper_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct server *s = w->data;

        while (s->dead) {
                struct connection *c = s->dead;

                list_remove(&s->dead, c);
                conn_free(c);
        }
        ev_prepare_stop(loop, w);
}

static bool producer_ready(const struct connection *c)
{
        return c->produce && !c->dead && frame_out_pending(&c->out) < PRODUCE_LOW_WATER;
}

static void pump_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct server *s = w->data;
        struct connection *c, *next;
        bool any = false, ready = false;

        for (c = s->connections; c; c = next) {
                next = c->next;
                if (!producer_ready(c))
                        continue;
                c->producing = true;
                c->produce(s, c->serial, false, c->produce_userdata);
                c->producing = false;
                if (c->cancel_pending && c->produce) {
                        server_produce_fn fn = c->produce;

                        c->produce = NULL;
                        c->cancel_pending = false;
                        fn(s, c->serial, true, c->produce_userdata);
                }
                if (!c->dead) {
                        conn_flush(c);
                        conn_update(c);
                }
        }
        for (c = s->connections; c; c = c->next) {
                any |= c->produce != NULL;
                ready |= producer_ready(c);
        }
        if (!any)
                ev_prepare_stop(loop, w);
        if (ready)
                ev_idle_start(loop, &s->pump_spin);
        else
                ev_idle_stop(loop, &s->pump_spin);
}

static void pump_spin_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
        (void)loop, (void)w, (void)revents; /* only keeps the loop from waiting */
}

static void conn_touch(struct connection *c)
{
        c->last_activity = ev_now(c->server->loop);
}

static void idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct connection *c = w->data;
        ev_tstamp left = c->last_activity + c->server->limits.idle_timeout - ev_now(loop);

        if (c->stream || (c->deferred && !c->produce))
                return; /* a watcher waits for events as long as it likes; a deferred call
                         * waits for us (a reply in pieces waits for the client: one that
                         * stops reading is closed like an idle one) */

        if (left <= 0) {
                conn_close(c);
                return;
        }
        ev_timer_set(w, left, 0.);
        ev_timer_start(loop, w);
}

/* Encode msg and queue it. Returns 0 or -ENOMEM. */
static int conn_queue(struct connection *c, const json_t *msg)
{
        size_t len;
        char *buf = varlink_encode(msg, &len);
        int r;

        if (!buf)
                return -ENOMEM;
        r = frame_out_push(&c->out, buf, len);
        free(buf);
        return r;
}

static int conn_queue_too_large(struct connection *c)
{
        json_t *msg = json_pack("{s:s, s:{s:I}}", "error", "io.tend.Service.MessageTooLarge",
                                "parameters", "limit", (json_int_t)c->server->limits.max_message);
        int r;

        if (!msg)
                return -ENOMEM;
        r = conn_queue(c, msg);
        json_decref(msg);
        return r;
}

/* Write what the socket takes now. Closes c on a write error. */
static void conn_flush(struct connection *c)
{
        size_t before = frame_out_pending(&c->out);
        ssize_t r;

        if (c->dead || before == 0)
                return;
        r = frame_out_flush(&c->out, c->fd);
        if (r < 0) {
                conn_close(c); /* -EPIPE, -ECONNRESET: the peer is gone */
                return;
        }
        if ((size_t)r < before)
                conn_touch(c);
}

/* Set the watchers from the state; close when everything owed has been written. */
static void conn_update(struct connection *c)
{
        struct server *s = c->server;
        size_t pending;

        if (c->dead)
                return;
        pending = frame_out_pending(&c->out);
        if (pending == 0 && c->close_after_flush) {
                conn_close(c);
                return;
        }
        if (pending == 0)
                server_released(s, frame_out_release(&c->out, BUFFER_KEEP) +
                                       frame_in_release(&c->in, BUFFER_KEEP));
        if (pending > 0)
                ev_io_start(s->loop, &c->write_io);
        else
                ev_io_stop(s->loop, &c->write_io);
        if (s->accepting && !c->eof && !c->close_after_flush && pending <= s->limits.max_output)
                ev_io_start(s->loop, &c->read_io);
        else
                ev_io_stop(s->loop, &c->read_io);
}

/* Dispatch the complete calls held, in order, as long as the output queue allows; returns
 * true when calls were held back because the queue is over max_output. */
static bool conn_dispatch(struct connection *c)
{
        struct server *s = c->server;

        while (!c->dead && !c->close_after_flush && s->accepting) {
                const char *msg, *stream = NULL;
                json_t *reply = NULL;
                size_t len;
                int r;

                if (frame_out_pending(&c->out) > s->limits.max_output)
                        return true;
                if (c->deferred) /* replies go out in call order: wait for that one */
                        break;
                r = frame_in_next(&c->in, &msg, &len);
                if (r == 0) {
                        /* At EOF a partial message without its NUL is dropped. */
                        if (c->eof)
                                c->close_after_flush = true;
                        break;
                }
                if (r == -EMSGSIZE) {
                        c->close_after_flush = true;
                        if (conn_queue_too_large(c) < 0)
                                conn_close(c);
                        break;
                }
                if (r < 0 || c->stream) {
                        /* A call after a kept one could never be answered in order. */
                        conn_close(c);
                        break;
                }
                conn_touch(c);
                c->dispatching = true;
                s->current = c;
                r = varlink_dispatch_stream(s->svc, msg, len, s->userdata, &reply, &stream);
                s->current = NULL;
                c->dispatching = false;
                if (r >= 0 && reply && !c->dead && conn_queue(c, reply) < 0)
                        r = -ENOMEM;
                json_decref(reply);
                if (r < 0) {
                        conn_close(c);
                        break;
                }
                if (stream && !c->dead) {
                        c->stream = stream;
                        ev_timer_stop(s->loop, &c->idle);
                }
                if (r == VARLINK_REPLY_CLOSE)
                        c->close_after_flush = true;
        }
        return false;
}

/* Dispatch what can be, write what the socket takes, and again while writing made room for
 * calls that were held back; then set the watchers. */
static void conn_process(struct connection *c)
{
        bool held_back;

        do {
                held_back = conn_dispatch(c);
                conn_flush(c);
        } while (held_back && !c->dead &&
                 frame_out_pending(&c->out) <= c->server->limits.max_output);
        conn_update(c);
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
        struct connection *c = w->data;
        ssize_t n;

        /* One read per wake-up (at most 64 KiB), then dispatch: the input buffer stays
         * bounded by one message plus one read, whatever the client sends. */
        n = frame_in_read(&c->in, c->fd);
        if (n == -EAGAIN || n == -EINTR)
                return;
        if (n < 0) {
                conn_close(c);
                return;
        }
        if (n == 0)
                c->eof = true;
        conn_process(c);
}

static void write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
        struct connection *c = w->data;

        conn_flush(c);
        conn_process(c); /* resumes calls held back while the queue was over the limit */
}

/* Take fd (accepted, non-blocking, close-on-exec) as a new connection or close it. */
static void conn_accept(struct server *s, int fd)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct connection *c;

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred) ||
            cred.uid != getuid() || s->n_connections >= s->limits.max_connections) {
                close(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        c->server = s;
        c->fd = fd;
        frame_in_init(&c->in, s->limits.max_message);
        frame_out_init(&c->out);
        ev_io_init(&c->read_io, read_cb, fd, EV_READ);
        ev_io_init(&c->write_io, write_cb, fd, EV_WRITE);
        ev_timer_init(&c->idle, idle_cb, s->limits.idle_timeout, 0.);
        c->read_io.data = c->write_io.data = c->idle.data = c;
        conn_touch(c);
        list_prepend(&s->connections, c);
        s->n_connections++;
        ev_io_start(s->loop, &c->read_io);
        ev_timer_start(s->loop, &c->idle);
}

static void accept_pause(struct server *s)
{
        ev_io_stop(s->loop, &s->listen_io);
        ev_timer_set(&s->accept_retry, ACCEPT_RETRY_SECONDS, 0.);
        ev_timer_start(s->loop, &s->accept_retry);
}

static void accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct server *s = w->data;

        if (s->accepting && s->listen_fd >= 0)
                ev_io_start(loop, &s->listen_io);
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
        struct server *s = w->data;

        for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
                int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd >= 0) {
                        conn_accept(s, fd);
                        continue;
                }
                switch (errno) {
                case EAGAIN:
                        return;
                case EINTR:
                case ECONNABORTED:
                        continue;
                default:
                        /* EMFILE, ENFILE, ENOBUFS, ENOMEM or worse: the listen socket stays
                         * readable, so waiting on it again would spin. Retry in a second. */
                        accept_pause(s);
                        return;
                }
        }
}

int server_new(struct ev_loop *loop, const struct server_limits *limits,
               const struct varlink_service *svc, void *userdata, struct server **ret)
{
        struct server *s;

        if (!loop || !svc || !ret)
                return -EINVAL;
        if (limits && limits->idle_timeout < 0)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->loop = loop;
        s->svc = svc;
        s->userdata = userdata;
        s->limits = (struct server_limits){
            .max_message = DEFAULT_MAX_MESSAGE,
            .max_connections = DEFAULT_MAX_CONNECTIONS,
            .max_output = DEFAULT_MAX_OUTPUT,
            .idle_timeout = DEFAULT_IDLE_TIMEOUT,
        };
        if (limits) {
                if (limits->max_message > 0)
                        s->limits.max_message = limits->max_message;
                if (limits->max_connections > 0)
                        s->limits.max_connections = limits->max_connections;
                if (limits->max_output > 0)
                        s->limits.max_output = limits->max_output;
                if (limits->idle_timeout > 0)
                        s->limits.idle_timeout = limits->idle_timeout;
        }
        s->listen_fd = -1;
        s->accepting = true;
        ev_init(&s->listen_io, listen_cb);
        ev_init(&s->accept_retry, accept_retry_cb);
        ev_prepare_init(&s->reaper, reaper_cb);
        ev_prepare_init(&s->pump, pump_cb);
        ev_idle_init(&s->pump_spin, pump_spin_cb);
        s->listen_io.data = s->accept_retry.data = s->reaper.data = s;
        s->pump.data = s->pump_spin.data = s;
        *ret = s;
        return 0;
}

void server_free(struct server *s)
{
        struct stat st;

        if (!s)
                return;
        ev_io_stop(s->loop, &s->listen_io);
        ev_timer_stop(s->loop, &s->accept_retry);
        while (s->connections)
                conn_close(s->connections);
        ev_prepare_stop(s->loop, &s->pump);
        ev_idle_stop(s->loop, &s->pump_spin);
        reaper_cb(s->loop, &s->reaper, 0);
        closep(&s->listen_fd);
        /* Unlink the socket file only if it is still the one we bound. */
        if (s->bound_path && lstat(s->bound_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
            st.st_dev == s->bound_dev && st.st_ino == s->bound_ino)
                unlink(s->bound_path);
        free(s->bound_path);
        free(s);
}

static void server_start_listening(struct server *s, int fd)
{
        s->listen_fd = fd;
        ev_io_set(&s->listen_io, fd, EV_READ);
        if (s->accepting)
                ev_io_start(s->loop, &s->listen_io);
}

/* Is a live server listening at path? Returns 0 when the path is free (absent, or a stale
 * socket that was just removed), -EADDRINUSE when someone answers, -EEXIST when something
 * that is not a socket is there, or -errno. */
static int socket_probe(const char *path, const struct sockaddr_un *sa, socklen_t salen)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode))
                return -EEXIST;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (const struct sockaddr *)sa, salen) == 0)
                return -EADDRINUSE;
        switch (errno) {
        case ECONNREFUSED:
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
                return 0;
        case ENOENT:
                return 0;
        case EAGAIN: /* backlog full: someone listens but is busy */
        case EINPROGRESS:
                return -EADDRINUSE;
        default:
                return -errno;
        }
}

int server_listen_path(struct server *s, const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_free_ char *dir = NULL, *copy = NULL;
        _cleanup_close_ int fd = -1;
        socklen_t salen;
        struct stat st;
        mode_t old_umask;
        char *slash;
        int r;

        if (!s || !path || !*path)
                return -EINVAL;
        if (s->listen_fd >= 0)
                return -EBUSY;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        salen = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;

        dir = strdup(path);
        copy = strdup(path);
        if (!dir || !copy)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                slash[1] = '\0';
        else
                *slash = '\0';
        r = dir_ensure_private(dir); /* creates it (and missing parents) 0700 */
        if (r < 0)
                return r;

        r = socket_probe(path, &sa, salen);
        if (r < 0)
                return r;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        old_umask = umask(0177);
        r = bind(fd, (const struct sockaddr *)&sa, salen) < 0 ? -errno : 0;
        umask(old_umask);
        if (r < 0)
                return r;
        if (lstat(path, &st) < 0 || listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                unlink(path);
                return r;
        }
        s->bound_path = TAKE_PTR(copy);
        s->bound_dev = st.st_dev;
        s->bound_ino = st.st_ino;
        server_start_listening(s, TAKE_FD(fd));
        return 0;
}

int server_adopt_fd(struct server *s, int fd)
{
        int listening = 0, flags;
        socklen_t len = sizeof(listening);

        if (!s || fd < 0)
                return -EINVAL;
        if (s->listen_fd >= 0)
                return -EBUSY;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
                return -errno;
        if (!listening)
                return -EINVAL;
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                return -errno;
        server_start_listening(s, fd);
        return 0;
}

void server_stop_accepting(struct server *s)
{
        struct connection *c, *next;

        if (!s)
                return;
        s->accepting = false;
        ev_io_stop(s->loop, &s->listen_io);
        ev_timer_stop(s->loop, &s->accept_retry);
        for (c = s->connections; c; c = next) {
                next = c->next;
                c->close_after_flush = true;
                ev_io_stop(s->loop, &c->read_io);
                /* A connection inside a handler is settled when the handler returns. */
                if (!c->dispatching)
                        conn_update(c);
        }
}

int server_call_defer(struct server *s, struct varlink_call *call, uint64_t *ret_handle)
{
        struct connection *c = s ? s->current : NULL;

        if (!c || c->dead || call->deferred)
                return -EINVAL;
        if (c->serial == 0)
                c->serial = ++s->next_serial;
        c->deferred = true;
        c->deferred_oneway = call->oneway;
        call->deferred = true;
        ev_timer_stop(s->loop, &c->idle); /* waiting on us is not idling */
        *ret_handle = c->serial;
        return 0;
}

int server_call_produce(struct server *s, struct varlink_call *call, server_produce_fn fn,
                        void *userdata, uint64_t *ret_handle)
{
        struct connection *c = s ? s->current : NULL;
        int r = server_call_defer(s, call, ret_handle);

        if (r < 0)
                return r;
        c->produce = fn;
        c->produce_userdata = userdata;
        ev_timer_set(&c->idle, s->limits.idle_timeout, 0.);
        ev_timer_start(s->loop, &c->idle);
        ev_prepare_start(s->loop, &s->pump);
        return 0;
}

static struct connection *conn_by_handle(struct server *s, uint64_t handle)
{
        for (struct connection *c = s ? s->connections : NULL; c; c = c->next)
                if (c->serial == handle && c->deferred)
                        return c;
        return NULL;
}

int server_call_continue(struct server *s, uint64_t handle, json_t *params)
{
        struct connection *c = conn_by_handle(s, handle);
        json_t *msg;
        int r;

        if (!c) {
                json_decref(params);
                return -ENOTCONN;
        }
        msg = json_pack("{s:o,s:b}", "parameters", params ? params : json_object(), "continues", 1);
        if (!msg)
                return -ENOMEM;
        r = c->deferred_oneway ? 0 : conn_queue(c, msg);
        json_decref(msg);
        if (r < 0) {
                conn_close(c);
                return r;
        }
        conn_touch(c);
        return 0;
}

int server_call_continue_text(struct server *s, uint64_t handle, const char *msg, size_t len)
{
        struct connection *c = conn_by_handle(s, handle);
        int r;

        if (!c)
                return -ENOTCONN;
        r = c->deferred_oneway ? 0 : frame_out_push(&c->out, msg, len);
        if (r < 0) {
                conn_close(c);
                return r;
        }
        conn_touch(c);
        return 0;
}

int server_call_finish(struct server *s, uint64_t handle, json_t *msg)
{
        struct connection *c;
        int r = 0;

        for (c = s ? s->connections : NULL; c; c = c->next)
                if (c->serial == handle && c->deferred)
                        break;
        if (!c) { /* the client went away meanwhile */
                json_decref(msg);
                return 0;
        }
        c->deferred = false;
        c->produce = NULL; /* the last piece */
        c->cancel_pending = false;
        if (msg && !c->deferred_oneway)
                r = conn_queue(c, msg);
        json_decref(msg);
        if (r < 0) {
                conn_close(c);
                return r;
        }
        conn_touch(c);
        if (!c->stream) {
                ev_timer_set(&c->idle, s->limits.idle_timeout, 0.);
                ev_timer_start(s->loop, &c->idle);
        }
        conn_process(c); /* the calls that waited behind it */
        return 0;
}

int server_stream_send(struct server *s, const char *stream, json_t *params)
{
        struct connection *c, *next;
        json_t *msg;
        char *buf;
        size_t len;
        int n = 0;

        if (!s || !stream || server_stream_count(s, stream) == 0)
                return 0;
        msg = json_pack("{s:o,s:b}", "parameters", params ? json_incref(params) : json_object(),
                        "continues", 1);
        if (!msg)
                return -ENOMEM;
        buf = varlink_encode(msg, &len);
        json_decref(msg);
        if (!buf)
                return -ENOMEM;
        for (c = s->connections; c; c = next) {
                next = c->next;
                if (!c->stream || !streq(c->stream, stream) || c->close_after_flush)
                        continue;
                if (frame_out_pending(&c->out) + len > s->limits.max_output ||
                    frame_out_push(&c->out, buf, len) < 0) {
                        conn_close(c); /* it does not read what it asked for */
                        continue;
                }
                n++;
                conn_flush(c);
                if (!c->dispatching)
                        conn_update(c);
        }
        free(buf);
        return n;
}

size_t server_stream_count(const struct server *s, const char *stream)
{
        size_t n = 0;

        if (!s)
                return 0;
        for (const struct connection *c = s->connections; c; c = c->next)
                if (c->stream && streq(c->stream, stream) && !c->close_after_flush)
                        n++;
        return n;
}

size_t server_connection_count(const struct server *s)
{
        return s ? s->n_connections : 0;
}

int server_has_pending_output(const struct server *s)
{
        return server_pending_output(s) > 0;
}

size_t server_pending_output(const struct server *s)
{
        size_t total = 0;

        if (!s)
                return 0;
        for (const struct connection *c = s->connections; c; c = c->next)
                total += frame_out_pending(&c->out);
        return total;
}
