/* Tests for daemon/server.c: a real libev loop and a real Unix socket in a temporary directory.
 * The clients are plain sockets in the same process, used with MSG_DONTWAIT; whenever a
 * client waits, the server's loop is stepped (ev_run EVRUN_NOWAIT), so no threads are needed. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "server.h"

#define WAIT_SECONDS 60.0

struct fixture {
        char dir[64];
        char path[128]; /* dir/run/tendd.sock */
        struct ev_loop *loop;
        struct server *server;
        unsigned calls;
};

struct client {
        int fd;
        char *buf;
        size_t len, cap;
        bool eof;
};

/* ---- the service under test ---- */

static int echo(struct varlink_call *call, json_t *params, void *userdata)
{
        struct fixture *f = userdata;

        f->calls++;
        return varlink_call_reply(call,
                                  json_pack("{s:O}", "text", json_object_get(params, "text")));
}

/* Replies with a string of `size` bytes. */
static int big(struct varlink_call *call, json_t *params, void *userdata)
{
        struct fixture *f = userdata;
        size_t size = (size_t)json_integer_value(json_object_get(params, "size"));
        char *data = malloc(size + 1);
        int r;

        f->calls++;
        if (!data)
                return -ENOMEM;
        memset(data, 'x', size);
        data[size] = '\0';
        r = varlink_call_reply(call, json_pack("{s:s}", "data", data));
        free(data);
        return r;
}

/* A stream: one "continues" reply now, more through server_stream_send(). */
static int watch(struct varlink_call *call, json_t *params, void *userdata)
{
        return varlink_call_reply_continues(call, json_pack("{s:s}", "event", "watching"),
                                            "test.watch");
}

static const struct varlink_param echo_params[] = {
    {"text", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param big_params[] = {
    {"size", VARLINK_INT, true},
    {0},
};

static const struct varlink_method test_methods[] = {
    {"Echo", echo, echo_params},
    {"Big", big, big_params},
    {"Watch", watch, NULL},
    {0},
};

static const struct varlink_interface test_interface = {
    .name = "io.tend.Test",
    .idl = "interface io.tend.Test\n",
    .methods = test_methods,
};

static const struct varlink_interface *const test_interfaces[] = {&test_interface, NULL};

static const struct varlink_service test_service = {
    .vendor = "tend",
    .product = "test",
    .version = "0",
    .url = "",
    .interfaces = test_interfaces,
};

/* ---- loop and client helpers ---- */

static double now_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One loop iteration without blocking, then a short nap. */
static void step(struct fixture *f)
{
        ev_run(f->loop, EVRUN_NOWAIT);
        usleep(500);
}

/* Run the server loop for about `seconds`. */
static void pump(struct fixture *f, double seconds)
{
        double end = now_seconds() + seconds;

        do
                step(f);
        while (now_seconds() < end);
}

static void start_server(struct fixture *f, const struct server_limits *limits)
{
        assert_int_equal(server_new(f->loop, limits, &test_service, f, &f->server), 0);
        assert_int_equal(server_listen_path(f->server, f->path), 0);
}

static int connect_path(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        assert_true(strlen(path) < sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

static struct client *client_new(struct fixture *f)
{
        struct client *c = calloc(1, sizeof(*c));

        assert_non_null(c);
        c->fd = connect_path(f->path);
        return c;
}

static void client_free(struct client *c)
{
        if (!c)
                return;
        if (c->fd >= 0)
                close(c->fd);
        free(c->buf);
        free(c);
}

/* Send everything, stepping the loop while the socket is full. */
static void client_send(struct fixture *f, struct client *c, const void *data, size_t len)
{
        const char *p = data;
        double end = now_seconds() + WAIT_SECONDS;

        while (len > 0) {
                ssize_t n = send(c->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0) {
                        assert_true(errno == EAGAIN || errno == EINTR);
                        assert_true(now_seconds() < end);
                        step(f);
                        continue;
                }
                p += n;
                len -= (size_t)n;
        }
}

/* Send a C string and its NUL terminator. */
static void client_call(struct fixture *f, struct client *c, const char *msg)
{
        client_send(f, c, msg, strlen(msg) + 1);
}

/* The next message from the server (heap, NUL-terminated), or NULL at EOF. Steps the loop
 * while waiting; fails the test after WAIT_SECONDS. */
static char *client_next(struct fixture *f, struct client *c)
{
        double end = now_seconds() + WAIT_SECONDS;

        for (;;) {
                char *nul = c->len ? memchr(c->buf, '\0', c->len) : NULL;
                ssize_t n;

                if (nul) {
                        size_t mlen = (size_t)(nul - c->buf);
                        char *msg = strndup(c->buf, mlen);

                        assert_non_null(msg);
                        memmove(c->buf, nul + 1, c->len - mlen - 1);
                        c->len -= mlen + 1;
                        return msg;
                }
                if (c->eof)
                        return NULL;
                if (c->cap - c->len < 65536) {
                        c->cap = c->cap * 2 + 65536;
                        c->buf = realloc(c->buf, c->cap);
                        assert_non_null(c->buf);
                }
                n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
                if (n > 0) {
                        c->len += (size_t)n;
                } else if (n == 0 || (n < 0 && errno == ECONNRESET)) {
                        c->eof = true;
                } else {
                        assert_true(errno == EAGAIN || errno == EINTR);
                        assert_true(now_seconds() < end);
                        step(f);
                }
        }
}

/* Expect EOF with no further message and no stray bytes. */
static void client_expect_eof(struct fixture *f, struct client *c)
{
        char *msg = client_next(f, c);

        if (msg)
                fail_msg("unexpected message: %s", msg);
        assert_int_equal(c->len, 0);
}

/* Next message parsed; fails on EOF. */
static json_t *client_reply(struct fixture *f, struct client *c)
{
        char *msg = client_next(f, c);
        json_t *j;

        assert_non_null(msg);
        j = json_loads(msg, 0, NULL);
        free(msg);
        assert_non_null(j);
        return j;
}

static void expect_error(json_t *reply, const char *error)
{
        const char *e = json_string_value(json_object_get(reply, "error"));

        if (!e || strcmp(e, error) != 0)
                fail_msg("expected %s, got %s", error, e ? e : "(a reply)");
        json_decref(reply);
}

static void expect_echo(json_t *reply, const char *text)
{
        json_t *params = json_object_get(reply, "parameters");

        assert_null(json_object_get(reply, "error"));
        assert_string_equal(json_string_value(json_object_get(params, "text")), text);
        json_decref(reply);
}

static char *echo_call(const char *text)
{
        static char buf[256];

        snprintf(buf, sizeof(buf),
                 "{\"method\":\"io.tend.Test.Echo\",\"parameters\":{\"text\":\"%s\"}}", text);
        return buf;
}

/* A new connection gets a normal answer. */
static void expect_server_works(struct fixture *f)
{
        struct client *c = client_new(f);

        client_call(f, c, echo_call("still here"));
        expect_echo(client_reply(f, c), "still here");
        client_free(c);
}

/* Step until the server holds n connections (it notices closes asynchronously). */
static void wait_connections(struct fixture *f, size_t n)
{
        double end = now_seconds() + WAIT_SECONDS;

        while (server_connection_count(f->server) != n) {
                if (now_seconds() >= end)
                        fail_msg("expected %zu connections, have %zu", n,
                                 server_connection_count(f->server));
                step(f);
        }
}

/* ---- fixture ---- */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        strcpy(f->dir, "/tmp/test_server.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/run/tendd.sock", f->dir);
        f->loop = ev_loop_new(EVFLAG_AUTO);
        assert_non_null(f->loop);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        server_free(f->server);
        ev_loop_destroy(f->loop);
        nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

/* ---- tests ---- */

static void test_socket_and_dir_modes(void **state)
{
        struct fixture *f = *state;
        char run[160];
        struct stat st;

        start_server(f, NULL);
        assert_int_equal(lstat(f->path, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        snprintf(run, sizeof(run), "%s/run", f->dir);
        assert_int_equal(lstat(run, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0700);

        expect_server_works(f);

        /* server_free removes the socket it bound. */
        server_free(f->server);
        f->server = NULL;
        assert_int_equal(lstat(f->path, &st), -1);
        assert_int_equal(errno, ENOENT);
}

static void test_get_info(void **state)
{
        struct fixture *f = *state;
        struct client *c;
        json_t *reply, *ifaces;

        start_server(f, NULL);
        c = client_new(f);
        client_call(f, c, "{\"method\":\"org.varlink.service.GetInfo\"}");
        reply = client_reply(f, c);
        ifaces = json_object_get(json_object_get(reply, "parameters"), "interfaces");
        assert_int_equal(json_array_size(ifaces), 2);
        assert_string_equal(json_string_value(json_array_get(ifaces, 1)), "io.tend.Test");
        json_decref(reply);
        client_free(c);
}

/* Append a C string and its NUL to buf. */
static void append_msg(char *buf, size_t size, size_t *len, const char *msg)
{
        size_t n = strlen(msg) + 1;

        assert_true(*len + n <= size);
        memcpy(buf + *len, msg, n);
        *len += n;
}

static void test_pipelined_in_order(void **state)
{
        struct fixture *f = *state;
        char buf[1024];
        size_t len = 0;
        struct client *c;

        start_server(f, NULL);
        c = client_new(f);
        for (int i = 0; i < 5; i++) {
                char text[16];

                snprintf(text, sizeof(text), "m%d", i);
                append_msg(buf, sizeof(buf), &len, echo_call(text));
        }
        /* An error in the middle does not disturb the order either. */
        append_msg(buf, sizeof(buf), &len, "{\"method\":\"io.tend.Test.Nope\"}");
        append_msg(buf, sizeof(buf), &len, echo_call("last"));
        client_send(f, c, buf, len);

        for (int i = 0; i < 5; i++) {
                char text[16];

                snprintf(text, sizeof(text), "m%d", i);
                expect_echo(client_reply(f, c), text);
        }
        expect_error(client_reply(f, c), "org.varlink.service.MethodNotFound");
        expect_echo(client_reply(f, c), "last");
        assert_int_equal(f->calls, 6);
        client_free(c);
}

static void test_byte_by_byte(void **state)
{
        struct fixture *f = *state;
        const char *m = echo_call("slowly");
        struct client *c;

        start_server(f, NULL);
        c = client_new(f);
        for (size_t i = 0; i <= strlen(m); i++) {
                client_send(f, c, m + i, 1);
                ev_run(f->loop, EVRUN_NOWAIT);
                if (i < strlen(m))
                        assert_int_equal(f->calls, 0);
        }
        expect_echo(client_reply(f, c), "slowly");
        client_free(c);
}

static void test_oversized_message(void **state)
{
        struct fixture *f = *state;
        struct server_limits limits = {.max_message = 1024};
        char big_buf[4096];
        struct client *c;
        json_t *reply;

        start_server(f, &limits);

        /* Without a NUL: detected while it is still being collected. */
        c = client_new(f);
        memset(big_buf, ' ', sizeof(big_buf));
        client_send(f, c, big_buf, sizeof(big_buf));
        reply = client_reply(f, c);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(reply, "parameters"), "limit")),
            1024);
        expect_error(reply, "io.tend.Service.MessageTooLarge");
        client_expect_eof(f, c);
        client_free(c);

        /* A complete message one byte over the limit, after a valid call. */
        c = client_new(f);
        client_call(f, c, echo_call("first"));
        memset(big_buf, ' ', 1025);
        big_buf[1025] = '\0';
        client_send(f, c, big_buf, 1026);
        client_call(f, c, echo_call("never"));
        expect_echo(client_reply(f, c), "first");
        expect_error(client_reply(f, c), "io.tend.Service.MessageTooLarge");
        client_expect_eof(f, c);
        client_free(c);

        /* Exactly at the limit is fine. */
        c = client_new(f);
        {
                const char *m = echo_call("edge");
                size_t mlen = strlen(m);

                memcpy(big_buf, m, mlen);
                memset(big_buf + mlen, ' ', 1024 - mlen);
                big_buf[1024] = '\0';
                client_send(f, c, big_buf, 1025);
        }
        expect_echo(client_reply(f, c), "edge");
        client_free(c);

        wait_connections(f, 0);
        expect_server_works(f);
}

static void test_malformed_json_closes(void **state)
{
        struct fixture *f = *state;
        static const char msgs[] = "{nope}\0{\"method\":\"io.tend.Test.Echo\","
                                   "\"parameters\":{\"text\":\"x\"}}";
        struct client *c;

        start_server(f, NULL);
        c = client_new(f);
        client_send(f, c, msgs, sizeof(msgs));
        expect_error(client_reply(f, c), "io.tend.Service.InvalidMessage");
        client_expect_eof(f, c);
        assert_int_equal(f->calls, 0);
        client_free(c);
        wait_connections(f, 0);
        expect_server_works(f);
}

static void test_partial_then_eof(void **state)
{
        struct fixture *f = *state;
        static const char partial[] = "{\"method\":\"io.tend.Test.Echo\"";
        struct client *c;

        start_server(f, NULL);

        /* Only a partial message: closed without a reply. */
        c = client_new(f);
        client_send(f, c, partial, sizeof(partial) - 1);
        assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
        client_expect_eof(f, c);
        client_free(c);

        /* Complete calls before the EOF are still answered, in order, then closed. */
        c = client_new(f);
        client_call(f, c, echo_call("a"));
        client_call(f, c, echo_call("b"));
        client_send(f, c, partial, sizeof(partial) - 1);
        assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
        expect_echo(client_reply(f, c), "a");
        expect_echo(client_reply(f, c), "b");
        client_expect_eof(f, c);
        client_free(c);

        wait_connections(f, 0);
        expect_server_works(f);
}

static void test_oneway_no_reply(void **state)
{
        struct fixture *f = *state;
        struct client *c;

        start_server(f, NULL);
        c = client_new(f);
        client_call(f, c,
                    "{\"method\":\"io.tend.Test.Echo\",\"oneway\":true,"
                    "\"parameters\":{\"text\":\"quiet\"}}");
        client_call(f, c, echo_call("loud"));
        expect_echo(client_reply(f, c), "loud");
        assert_int_equal(f->calls, 2);
        client_free(c);
}

static void test_max_connections(void **state)
{
        struct fixture *f = *state;
        struct server_limits limits = {.max_connections = 2};
        struct client *a, *b, *c;

        start_server(f, &limits);
        a = client_new(f);
        b = client_new(f);
        client_call(f, a, echo_call("a"));
        expect_echo(client_reply(f, a), "a");
        client_call(f, b, echo_call("b"));
        expect_echo(client_reply(f, b), "b");
        assert_int_equal(server_connection_count(f->server), 2);

        /* The third is accepted by the kernel, then closed without a word. */
        c = client_new(f);
        client_expect_eof(f, c);
        client_free(c);
        assert_int_equal(server_connection_count(f->server), 2);

        /* The first two still work; once one leaves there is room again. */
        client_call(f, a, echo_call("a2"));
        expect_echo(client_reply(f, a), "a2");
        client_free(a);
        wait_connections(f, 1);
        expect_server_works(f);
        client_call(f, b, echo_call("b2"));
        expect_echo(client_reply(f, b), "b2");
        client_free(b);
}

static void test_slow_reader(void **state)
{
        struct fixture *f = *state;
        /* An idle timeout far above the few ms the sending below takes, even on a busy host. */
        struct server_limits limits = {.max_output = 256 * 1024, .idle_timeout = 2};
        static const char call[] = "{\"method\":\"io.tend.Test.Big\",\"parameters\":{\"size\":"
                                   "65536}}";
        struct client *slow, *other;
        unsigned sent = 0, stalls = 0, served = 0;
        size_t off = 0;
        char *msg;

        start_server(f, &limits);
        slow = client_new(f);

        /* Send calls with big replies and never read, until the server stops reading us:
         * 40 ms in a row without being able to write. */
        while (stalls < 40 && sent < 100000) {
                ssize_t n =
                    send(slow->fd, call + off, sizeof(call) - off, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0) {
                        assert_int_equal(errno, EAGAIN);
                        stalls++;
                        pump(f, 0.001);
                        continue;
                }
                stalls = 0;
                off += (size_t)n;
                if (off == sizeof(call)) {
                        off = 0;
                        sent++;
                }
                ev_run(f->loop, EVRUN_NOWAIT);
        }
        assert_true(stalls >= 40);
        print_message("slow reader: %u calls sent, %u dispatched, %zu bytes queued\n", sent,
                      f->calls, server_pending_output(f->server));
        /* The server stopped dispatching long before it ran out of calls, and what it holds
         * for us is bounded by max_output plus one reply. */
        assert_true(f->calls < sent);
        assert_true(f->calls <= 64);
        assert_true(server_pending_output(f->server) <= limits.max_output + 65536 + 64);
        assert_true(server_pending_output(f->server) > 0);

        /* Meanwhile another client is served normally. */
        other = client_new(f);
        client_call(f, other, echo_call("other"));
        expect_echo(client_reply(f, other), "other");
        client_free(other);

        /* Without write progress the slow client hits the idle timeout. */
        wait_connections(f, 0);
        assert_false(server_has_pending_output(f->server));

        /* It gets what the kernel had buffered, then EOF. */
        while ((msg = client_next(f, slow))) {
                served++;
                free(msg);
        }
        assert_true(served < f->calls);
        client_free(slow);

        expect_server_works(f);
}

static void test_slow_reader_that_reads_is_served(void **state)
{
        struct fixture *f = *state;
        struct server_limits limits = {.max_output = 128 * 1024, .idle_timeout = 2};
        static const char call[] = "{\"method\":\"io.tend.Test.Big\",\"parameters\":{\"size\":"
                                   "100000}}";
        struct client *c;

        /* Many pipelined calls whose replies exceed max_output together: the server holds back
         * and resumes as the client reads, answering every one in order. */
        start_server(f, &limits);
        c = client_new(f);
        for (int i = 0; i < 20; i++)
                client_call(f, c, call);
        client_call(f, c, echo_call("done"));
        for (int i = 0; i < 20; i++) {
                json_t *reply = client_reply(f, c);
                const char *data = json_string_value(
                    json_object_get(json_object_get(reply, "parameters"), "data"));

                assert_non_null(data);
                assert_int_equal(strlen(data), 100000);
                json_decref(reply);
                assert_true(server_pending_output(f->server) <= limits.max_output + 100064);
        }
        expect_echo(client_reply(f, c), "done");
        client_free(c);
}

static void test_listen_in_use(void **state)
{
        struct fixture *f = *state;
        struct server *second = NULL;

        start_server(f, NULL);
        assert_int_equal(server_new(f->loop, NULL, &test_service, f, &second), 0);
        assert_int_equal(server_listen_path(second, f->path), -EADDRINUSE);
        server_free(second);
        /* The loser did not remove the winner's socket. */
        expect_server_works(f);
}

static void test_stale_socket_replaced(void **state)
{
        struct fixture *f = *state;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char run[160];
        int fd;

        snprintf(run, sizeof(run), "%s/run", f->dir);
        assert_int_equal(mkdir(run, 0700), 0);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        strcpy(sa.sun_path, f->path);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(fd); /* left behind: nobody listens on it */

        start_server(f, NULL);
        expect_server_works(f);
}

static void test_regular_file_not_removed(void **state)
{
        struct fixture *f = *state;
        char run[160];
        struct stat st;
        int fd;

        snprintf(run, sizeof(run), "%s/run", f->dir);
        assert_int_equal(mkdir(run, 0700), 0);
        fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);

        assert_int_equal(server_new(f->loop, NULL, &test_service, f, &f->server), 0);
        assert_int_equal(server_listen_path(f->server, f->path), -EEXIST);
        assert_int_equal(lstat(f->path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
}

static void test_path_too_long(void **state)
{
        struct fixture *f = *state;
        char path[200];

        memset(path, 'a', sizeof(path));
        memcpy(path, f->dir, strlen(f->dir));
        path[strlen(f->dir)] = '/';
        path[sizeof(path) - 1] = '\0';
        assert_int_equal(server_new(f->loop, NULL, &test_service, f, &f->server), 0);
        assert_int_equal(server_listen_path(f->server, path), -ENAMETOOLONG);
}

static void test_adopt_fd(void **state)
{
        struct fixture *f = *state;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char run[160];
        struct stat st;
        int fd, flags;

        snprintf(run, sizeof(run), "%s/run", f->dir);
        assert_int_equal(mkdir(run, 0700), 0);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        strcpy(sa.sun_path, f->path);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

        assert_int_equal(server_new(f->loop, NULL, &test_service, f, &f->server), 0);
        /* Not listening yet: refused, and the fd stays ours. */
        assert_int_equal(server_adopt_fd(f->server, fd), -EINVAL);
        assert_int_equal(listen(fd, 16), 0);
        assert_int_equal(server_adopt_fd(f->server, fd), 0);
        flags = fcntl(fd, F_GETFL);
        assert_true(flags & O_NONBLOCK);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(server_adopt_fd(f->server, fd), -EBUSY);
        expect_server_works(f);

        /* An adopted socket's file is not ours to remove. */
        server_free(f->server);
        f->server = NULL;
        assert_int_equal(lstat(f->path, &st), 0);
        assert_int_equal(fcntl(fd, F_GETFD), -1); /* closed by server_free */
}

static void test_stop_accepting(void **state)
{
        struct fixture *f = *state;
        static const char call[] = "{\"method\":\"io.tend.Test.Big\",\"parameters\":{\"size\":"
                                   "2000000}}";
        struct client *idle, *busy, *late;
        json_t *reply;

        start_server(f, NULL);
        idle = client_new(f);
        busy = client_new(f);
        client_call(f, idle, echo_call("hi"));
        expect_echo(client_reply(f, idle), "hi");
        /* A reply bigger than the socket buffers stays queued. */
        client_call(f, busy, call);
        while (f->calls < 2)
                step(f);
        assert_true(server_has_pending_output(f->server));

        server_stop_accepting(f->server);
        /* The idle connection is closed; the busy one still gets its whole reply. */
        client_expect_eof(f, idle);
        reply = client_reply(f, busy);
        assert_int_equal(strlen(json_string_value(
                             json_object_get(json_object_get(reply, "parameters"), "data"))),
                         2000000);
        json_decref(reply);
        client_expect_eof(f, busy);
        assert_int_equal(server_connection_count(f->server), 0);
        assert_false(server_has_pending_output(f->server));

        /* New connections are no longer accepted (the kernel queues them; nobody answers). */
        late = client_new(f);
        client_call(f, late, echo_call("late"));
        pump(f, 0.1);
        assert_int_equal(server_connection_count(f->server), 0);
        assert_int_equal(f->calls, 2);
        client_free(late);
        client_free(idle);
        client_free(busy);
}

static const char watch_call[] = "{\"method\":\"io.tend.Test.Watch\",\"more\":true}";

static void expect_continues(json_t *reply, const char *key, json_int_t value)
{
        json_t *params = json_object_get(reply, "parameters");

        assert_null(json_object_get(reply, "error"));
        assert_true(json_is_true(json_object_get(reply, "continues")));
        assert_int_equal(json_integer_value(json_object_get(params, key)), value);
        json_decref(reply);
}

static void test_stream(void **state)
{
        struct fixture *f = *state;
        struct server_limits limits = {.idle_timeout = 1};
        struct client *w1, *w2, *plain, *idle;
        json_t *reply, *ev;

        start_server(f, &limits);
        w1 = client_new(f);
        w2 = client_new(f);
        plain = client_new(f);
        idle = client_new(f);
        client_call(f, w1, watch_call);
        client_call(f, w2, watch_call);
        reply = client_reply(f, w1);
        assert_true(json_is_true(json_object_get(reply, "continues")));
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(reply, "parameters"), "event")),
            "watching");
        json_decref(reply);
        json_decref(client_reply(f, w2));
        assert_int_equal(server_stream_count(f->server, "test.watch"), 2);
        assert_int_equal(server_stream_count(f->server, "other"), 0);

        /* Without "more" a stream is refused; the connection stays usable. */
        client_call(f, plain, "{\"method\":\"io.tend.Test.Watch\"}");
        expect_error(client_reply(f, plain), "org.varlink.service.ExpectedMore");
        client_call(f, plain, echo_call("after"));
        expect_echo(client_reply(f, plain), "after");

        /* Events reach every member, in order. */
        for (int i = 1; i <= 3; i++) {
                ev = json_pack("{s:i}", "n", i);
                assert_int_equal(server_stream_send(f->server, "test.watch", ev), 2);
                json_decref(ev);
        }
        assert_int_equal(server_stream_send(f->server, "other", NULL), 0);
        for (int i = 1; i <= 3; i++) {
                expect_continues(client_reply(f, w1), "n", i);
                expect_continues(client_reply(f, w2), "n", i);
        }

        /* Streams outlive the idle timeout; idle connections do not. */
        client_expect_eof(f, idle);
        pump(f, 2 * limits.idle_timeout); /* the streams' own timeouts have passed too */
        assert_int_equal(server_stream_count(f->server, "test.watch"), 2);
        ev = json_pack("{s:i}", "n", 4);
        assert_int_equal(server_stream_send(f->server, "test.watch", ev), 2);
        json_decref(ev);
        expect_continues(client_reply(f, w1), "n", 4);

        /* Another call on a streaming connection cannot be answered in order: closed. */
        client_call(f, w1, echo_call("x"));
        expect_continues(client_reply(f, w2), "n", 4);
        client_expect_eof(f, w1);
        /* A watcher that hangs up leaves the stream. */
        close(w2->fd);
        w2->fd = -1;
        wait_connections(f, 0); /* plain went idle meanwhile */
        assert_int_equal(server_stream_count(f->server, "test.watch"), 0);
        client_free(w1);
        client_free(w2);
        client_free(plain);
        client_free(idle);
}

static void test_stream_slow_reader_dropped(void **state)
{
        struct fixture *f = *state;
        struct server_limits limits = {.max_output = 64 * 1024};
        struct client *w;
        char *text = malloc(16 * 1024 + 1);
        int n = 0;

        assert_non_null(text);
        memset(text, 'e', 16 * 1024);
        text[16 * 1024] = '\0';
        start_server(f, &limits);
        w = client_new(f);
        client_call(f, w, watch_call);
        while (server_stream_count(f->server, "test.watch") == 0)
                step(f);
        /* The client never reads: the queue fills and the server lets go of it. */
        for (int i = 0; i < 1000 && server_stream_count(f->server, "test.watch") > 0; i++) {
                json_t *ev = json_pack("{s:s}", "text", text);

                n = server_stream_send(f->server, "test.watch", ev);
                json_decref(ev);
        }
        assert_int_equal(n, 0);
        assert_int_equal(server_stream_count(f->server, "test.watch"), 0);
        wait_connections(f, 0);
        expect_server_works(f);
        free(text);
        client_free(w);
}

static void test_stream_stop_accepting(void **state)
{
        struct fixture *f = *state;
        struct client *w;

        start_server(f, NULL);
        w = client_new(f);
        client_call(f, w, watch_call);
        json_decref(client_reply(f, w));
        server_stop_accepting(f->server);
        client_expect_eof(f, w);
        assert_int_equal(server_connection_count(f->server), 0);
        client_free(w);
}

static void test_accept_emfile_recovers(void **state)
{
        struct fixture *f = *state;
        struct rlimit saved, low;
        int fillers[256], n = 0;
        struct client *c;

        start_server(f, NULL);
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
        low = saved;
        low.rlim_cur = 64;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);

        /* Use up every descriptor, then free one for the client's socket: the server's
         * accept4 fails with EMFILE, and accepting pauses instead of spinning. */
        for (;;) {
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (fd < 0) {
                        assert_int_equal(errno, EMFILE);
                        break;
                }
                assert_true(n < (int)(sizeof(fillers) / sizeof(fillers[0])));
                fillers[n++] = fd;
        }
        assert_true(n > 0);
        close(fillers[--n]);
        c = client_new(f);
        pump(f, 0.1);
        assert_int_equal(server_connection_count(f->server), 0);

        /* Descriptors come back: within the retry delay the client is served. */
        while (n > 0)
                close(fillers[--n]);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
        client_call(f, c, echo_call("later"));
        expect_echo(client_reply(f, c), "later");
        client_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_socket_and_dir_modes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_get_info, setup, teardown),
            cmocka_unit_test_setup_teardown(test_pipelined_in_order, setup, teardown),
            cmocka_unit_test_setup_teardown(test_byte_by_byte, setup, teardown),
            cmocka_unit_test_setup_teardown(test_oversized_message, setup, teardown),
            cmocka_unit_test_setup_teardown(test_malformed_json_closes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_partial_then_eof, setup, teardown),
            cmocka_unit_test_setup_teardown(test_oneway_no_reply, setup, teardown),
            cmocka_unit_test_setup_teardown(test_max_connections, setup, teardown),
            cmocka_unit_test_setup_teardown(test_slow_reader, setup, teardown),
            cmocka_unit_test_setup_teardown(test_slow_reader_that_reads_is_served, setup, teardown),
            cmocka_unit_test_setup_teardown(test_listen_in_use, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup, teardown),
            cmocka_unit_test_setup_teardown(test_regular_file_not_removed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_path_too_long, setup, teardown),
            cmocka_unit_test_setup_teardown(test_adopt_fd, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stop_accepting, setup, teardown),
            cmocka_unit_test_setup_teardown(test_accept_emfile_recovers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stream_slow_reader_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stream_stop_accepting, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
