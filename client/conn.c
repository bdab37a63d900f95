#include "conn.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "frame.h"
#include "jsonfast.h"
#include "util.h"

struct tend_conn {
        int fd;
        unsigned timeout; /* seconds a reply may take (SO_RCVTIMEO), 0 for no limit */
        struct frame_in in;
        struct frame_out out;
};

int tend_conn_open(const char *path, struct tend_conn **ret)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct timeval tv = {.tv_sec = TEND_CONN_TIMEOUT_SEC};
        _cleanup_close_ int fd = -1;
        struct tend_conn *c;
        size_t len = strlen(path);

        if (len == 0)
                return -EINVAL;
        if (len >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, len + 1);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        frame_in_init(&c->in, TEND_CONN_REPLY_MAX);
        frame_out_init(&c->out);
        c->fd = TAKE_FD(fd);
        c->timeout = TEND_CONN_TIMEOUT_SEC;
        *ret = c;
        return 0;
}

int tend_conn_set_timeout(struct tend_conn *c, unsigned seconds)
{
        struct timeval tv = {.tv_sec = seconds};

        if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        c->timeout = seconds;
        return 0;
}

unsigned tend_conn_timeout(const struct tend_conn *c)
{
        return c ? c->timeout : TEND_CONN_TIMEOUT_SEC;
}

struct tend_conn *tend_conn_free(struct tend_conn *c)
{
        if (!c)
                return NULL;
        if (c->fd >= 0)
                close(c->fd);
        frame_in_done(&c->in);
        frame_out_done(&c->out);
        free(c);
        return NULL;
}

static int conn_send(struct tend_conn *c)
{
        size_t before = frame_out_pending(&c->out);

        while (before > 0) {
                ssize_t n = frame_out_flush(&c->out, c->fd);

                if (n == -EINTR)
                        continue;
                if (n == -EPIPE || n == -ECONNRESET)
                        return -ECONNRESET;
                if (n < 0)
                        return (int)n;
                /* frame_out_flush never blocks (MSG_DONTWAIT): when the socket buffer is
                 * full, wait until tendd has read some, up to the timeout. */
                if ((size_t)n >= before) {
                        struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
                        int k = poll(&pfd, 1, TEND_CONN_TIMEOUT_SEC * 1000);

                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return -errno;
                        if (k == 0)
                                return -ETIMEDOUT;
                }
                before = (size_t)n;
        }
        return 0;
}

static int conn_receive(struct tend_conn *c, const char **ret, size_t *ret_len)
{
        for (;;) {
                ssize_t n;
                int r = frame_in_next(&c->in, ret, ret_len);

                if (r != 0)
                        return r < 0 ? r : 0;
                n = frame_in_read(&c->in, c->fd);
                if (n == 0)
                        return -ECONNRESET;
                if (n == -EINTR)
                        continue;
                if (n == -EAGAIN || n == -EWOULDBLOCK)
                        return -ETIMEDOUT;
                if (n < 0)
                        return n == -EPIPE ? -ECONNRESET : (int)n;
        }
}

/* A varlink reply: an object whose "error", when present, is a string and whose "parameters",
 * when present, is an object. */
static bool reply_is_valid(json_t *reply)
{
        json_t *error, *params;

        if (!json_is_object(reply))
                return false;
        error = json_object_get(reply, "error");
        params = json_object_get(reply, "parameters");
        if (error && !json_is_string(error))
                return false;
        if (params && !json_is_object(params))
                return false;
        return true;
}

int tend_conn_call_more(struct tend_conn *c, const char *method, json_t *params,
                        tend_conn_more_cb cb, void *userdata)
{
        _cleanup_(json_decrefp) json_t *call = NULL;
        _cleanup_free_ char *text = NULL;
        struct timeval none = {0};
        int r;

        if (!params)
                params = json_object();
        if (!params)
                return -ENOMEM;
        if (!json_is_object(params)) {
                json_decref(params);
                return -EINVAL;
        }
        call = json_pack("{s:s, s:o, s:b}", "method", method, "parameters", params, "more", 1);
        if (!call)
                return -ENOMEM;
        text = json_dumps(call, JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        r = frame_out_push(&c->out, text, strlen(text));
        if (r < 0)
                return r;
        r = conn_send(c);
        if (r < 0)
                return r;
        /* Events come when they come. */
        if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none)) < 0)
                return -errno;
        for (;;) {
                _cleanup_(json_decrefp) json_t *reply = NULL;
                const char *msg;
                size_t msg_len;

                r = conn_receive(c, &msg, &msg_len);
                if (r < 0)
                        return r;
                reply = jsonfast_load(msg, msg_len, NULL);
                if (!reply_is_valid(reply))
                        return -EBADMSG;
                r = cb(reply, userdata);
                if (r < 0)
                        return r;
                if (!json_is_true(json_object_get(reply, "continues")))
                        return 0;
        }
}

int tend_conn_send(struct tend_conn *c, const char *msg, size_t len)
{
        int r = frame_out_push(&c->out, msg, len);

        if (r < 0)
                return r;
        return conn_send(c);
}

int tend_conn_receive(struct tend_conn *c, json_t **ret_reply)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *msg;
        size_t msg_len;
        int r;

        r = conn_receive(c, &msg, &msg_len);
        if (r < 0)
                return r;
        reply = jsonfast_load(msg, msg_len, NULL);
        if (!reply_is_valid(reply))
                return -EBADMSG;
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

int tend_conn_call(struct tend_conn *c, const char *method, json_t *params, json_t **ret_reply)
{
        _cleanup_(json_decrefp) json_t *call = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (!params)
                params = json_object();
        if (!params)
                return -ENOMEM;
        if (!json_is_object(params)) {
                json_decref(params);
                return -EINVAL;
        }
        call = json_pack("{s:s, s:o}", "method", method, "parameters", params);
        if (!call)
                return -ENOMEM;
        text = json_dumps(call, JSON_COMPACT);
        if (!text)
                return -ENOMEM;

        r = tend_conn_send(c, text, strlen(text));
        if (r < 0)
                return r;
        return tend_conn_receive(c, ret_reply);
}
