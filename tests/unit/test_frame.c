#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "util.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void expect_msg(struct frame_in *in, const char *want)
{
        const char *msg = NULL;
        size_t len = 0;

        assert_int_equal(frame_in_next(in, &msg, &len), 1);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(msg, want, len);
        assert_int_equal(msg[len], '\0');
}

static void expect_none(struct frame_in *in)
{
        const char *msg = (const char *)0x1;
        size_t len = 77;

        assert_int_equal(frame_in_next(in, &msg, &len), 0);
        assert_ptr_equal(msg, (const char *)0x1);
        assert_int_equal(len, 77);
}

static void test_in_single(void **state)
{
        struct frame_in in;

        frame_in_init(&in, 1024);
        expect_none(&in);
        assert_int_equal(frame_in_partial(&in), 0);
        assert_int_equal(frame_in_append(&in, "{\"a\":1}", 8), 0);
        assert_int_equal(frame_in_partial(&in), 0);
        expect_msg(&in, "{\"a\":1}");
        expect_none(&in);
        assert_int_equal(frame_in_partial(&in), 0);
        assert_int_equal(frame_in_append(&in, "", 0), 0);
        expect_none(&in);
        frame_in_done(&in);
        frame_in_done(&in); /* harmless twice */
}

static void test_in_several_in_one_append(void **state)
{
        static const char data[] = "a\0bb\0ccc\0\0dd";
        struct frame_in in;

        frame_in_init(&in, 1024);
        assert_int_equal(frame_in_append(&in, data, sizeof(data) - 1), 0);
        assert_int_equal(frame_in_partial(&in), 2);
        expect_msg(&in, "a");
        expect_msg(&in, "bb");
        assert_int_equal(frame_in_partial(&in), 2);
        expect_msg(&in, "ccc");
        expect_msg(&in, ""); /* an empty message is handed on; JSON parsing rejects it */
        expect_none(&in);
        assert_int_equal(frame_in_partial(&in), 2);
        assert_int_equal(frame_in_append(&in, "d\0e", 3), 0);
        expect_msg(&in, "ddd");
        expect_none(&in);
        assert_int_equal(frame_in_partial(&in), 1);
        frame_in_done(&in);
}

static void test_in_byte_by_byte(void **state)
{
        const size_t n = 2 * 1024 * 1024; /* quadratic rescanning would take far too long */
        char *msg = malloc(n + 1);
        struct frame_in in;

        assert_non_null(msg);
        for (size_t i = 0; i < n; i++)
                msg[i] = (char)('a' + i % 26);
        msg[n] = '\0';

        frame_in_init(&in, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(frame_in_append(&in, msg + i, 1), 0);
                if (i % 4096 == 0 || i == n - 1) {
                        expect_none(&in);
                        assert_int_equal(in.scan, i + 1); /* scanned once, remembered */
                        assert_int_equal(frame_in_partial(&in), i + 1);
                } else {
                        const char *m;
                        size_t l;

                        assert_int_equal(frame_in_next(&in, &m, &l), 0);
                }
        }
        assert_int_equal(frame_in_append(&in, "\0", 1), 0);
        expect_msg(&in, msg);
        expect_none(&in);
        assert_int_equal(frame_in_partial(&in), 0);
        frame_in_done(&in);
        free(msg);
}

static void test_in_split_messages(void **state)
{
        /* Many messages cut at every possible chunk size. */
        char stream[600];
        size_t len = 0;
        int count = 0;
        struct frame_in in;

        while (len + 20 < sizeof(stream)) {
                len += (size_t)sprintf(stream + len, "{\"n\":%d}", count++) + 1;
        }
        for (size_t chunk = 1; chunk <= len; chunk++) {
                int seen = 0;

                frame_in_init(&in, 64);
                for (size_t off = 0; off < len; off += chunk) {
                        const char *m;
                        size_t l;
                        int r;

                        assert_int_equal(frame_in_append(&in, stream + off, MIN(chunk, len - off)),
                                         0);
                        while ((r = frame_in_next(&in, &m, &l)) == 1) {
                                char want[32];

                                snprintf(want, sizeof(want), "{\"n\":%d}", seen++);
                                assert_string_equal(m, want);
                                assert_int_equal(l, strlen(want));
                        }
                        assert_int_equal(r, 0);
                }
                assert_int_equal(seen, count);
                assert_int_equal(frame_in_partial(&in), 0);
                frame_in_done(&in);
        }
}

static void test_in_limit(void **state)
{
        struct frame_in in;
        char buf[32];

        memset(buf, 'x', sizeof(buf));

        /* Exactly max is accepted, as a partial and as a message. */
        frame_in_init(&in, 10);
        assert_int_equal(frame_in_append(&in, buf, 10), 0);
        expect_none(&in);
        assert_int_equal(frame_in_append(&in, "\0", 1), 0);
        expect_msg(&in, "xxxxxxxxxx");
        frame_in_done(&in);

        /* One more byte, before any NUL arrived: refused at once. */
        frame_in_init(&in, 10);
        assert_int_equal(frame_in_append(&in, buf, 10), 0);
        expect_none(&in);
        assert_int_equal(frame_in_append(&in, buf, 1), 0);
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        /* And it stays an error. */
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        assert_int_equal(frame_in_append(&in, "\0", 1), 0);
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        frame_in_done(&in);

        /* A complete oversized message in one piece. */
        frame_in_init(&in, 10);
        assert_int_equal(frame_in_append(&in, "xxxxxxxxxxx\0ok\0", 15), 0);
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        frame_in_done(&in);

        /* Good messages first, then the oversized partial. */
        frame_in_init(&in, 10);
        assert_int_equal(frame_in_append(&in, "ok\0fine\0", 8), 0);
        assert_int_equal(frame_in_append(&in, buf, 11), 0);
        expect_msg(&in, "ok");
        expect_msg(&in, "fine");
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        frame_in_done(&in);

        /* Oversized partial arriving in small pieces is noticed at max + 1. */
        frame_in_init(&in, 10);
        for (int i = 0; i < 10; i++) {
                assert_int_equal(frame_in_append(&in, "y", 1), 0);
                expect_none(&in);
        }
        assert_int_equal(frame_in_append(&in, "y", 1), 0);
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        frame_in_done(&in);

        /* max 0: only empty messages. */
        frame_in_init(&in, 0);
        assert_int_equal(frame_in_append(&in, "\0", 1), 0);
        expect_msg(&in, "");
        assert_int_equal(frame_in_append(&in, "z", 1), 0);
        assert_int_equal(frame_in_next(&in, &(const char *){NULL}, &(size_t){0}), -EMSGSIZE);
        frame_in_done(&in);
}

static void test_in_compaction(void **state)
{
        /* A long stream through a small window: the buffer is reused, not grown. */
        char stream[101 * 3];
        size_t off = 0;
        struct frame_in in;

        memset(stream, 'm', sizeof(stream));
        for (int k = 1; k <= 3; k++)
                stream[k * 101 - 1] = '\0';

        frame_in_init(&in, 1000);
        for (int i = 0; i < 100000; i++) {
                /* 150-byte pieces: a partial message is almost always held. */
                size_t take = MIN((size_t)150, sizeof(stream) - off);
                const char *m;
                size_t l;
                int r;

                assert_int_equal(frame_in_append(&in, stream + off, take), 0);
                off = (off + take) % sizeof(stream);
                while ((r = frame_in_next(&in, &m, &l)) == 1)
                        assert_int_equal(l, 100);
                assert_int_equal(r, 0);
                assert_true(frame_in_partial(&in) < 101);
        }
        assert_true(in.cap <= 8192);
        frame_in_done(&in);
}

static void make_pair(int sv[2])
{
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static void test_in_read(void **state)
{
        struct frame_in in;
        int sv[2], p[2];

        make_pair(sv);
        frame_in_init(&in, 1024);
        assert_int_equal(frame_in_read(&in, sv[0]), -EAGAIN);
        assert_int_equal(write(sv[1], "one\0tw", 6), 6);
        assert_int_equal(frame_in_read(&in, sv[0]), 6);
        expect_msg(&in, "one");
        expect_none(&in);
        assert_int_equal(write(sv[1], "o\0", 2), 2);
        assert_int_equal(frame_in_read(&in, sv[0]), 2);
        expect_msg(&in, "two");
        assert_int_equal(frame_in_read(&in, sv[0]), -EAGAIN);
        close(sv[1]);
        assert_int_equal(frame_in_read(&in, sv[0]), 0);
        close(sv[0]);
        assert_int_equal(frame_in_read(&in, sv[0]), -EBADF);
        frame_in_done(&in);

        /* At most 64 KiB per call. */
        char *big = calloc(1, 200000);
        assert_non_null(big);
        assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
        assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024) >= 0, 1);
        assert_int_equal(write(p[1], big, 200000), 200000);
        frame_in_init(&in, 10);
        assert_int_equal(frame_in_read(&in, p[0]), 65536);
        for (int i = 0; i < 65536; i++)
                expect_msg(&in, "");
        expect_none(&in);
        frame_in_done(&in);
        close(p[0]);
        close(p[1]);
        free(big);
}

static void test_out_basic(void **state)
{
        struct frame_out out;
        char buf[64];
        int sv[2];

        make_pair(sv);
        frame_out_init(&out);
        assert_int_equal(frame_out_pending(&out), 0);
        assert_int_equal(frame_out_flush(&out, sv[0]), 0);
        assert_int_equal(frame_out_push(&out, "hello", 5), 0);
        assert_int_equal(frame_out_push(&out, "", 0), 0);
        assert_int_equal(frame_out_push(&out, "{\"x\":[]}x", 8), 0);
        assert_int_equal(frame_out_pending(&out), 16);
        assert_int_equal(frame_out_flush(&out, sv[0]), 0);
        assert_int_equal(frame_out_pending(&out), 0);
        assert_int_equal(read(sv[1], buf, sizeof(buf)), 16);
        assert_memory_equal(buf, "hello\0\0{\"x\":[]}\0", 16);
        frame_out_done(&out);
        frame_out_done(&out);
        close(sv[0]);
        close(sv[1]);
}

/* Receive everything on fd into in, checking the messages are "m<i>" padded as pushed. */
static void drain_check(struct frame_in *in, int fd, int *seen, size_t pad)
{
        const char *m;
        size_t l;
        ssize_t n;
        int r;

        while ((n = frame_in_read(in, fd)) > 0)
                while ((r = frame_in_next(in, &m, &l)) == 1) {
                        char head[32];
                        int hl = snprintf(head, sizeof(head), "m%d:", (*seen)++);

                        assert_int_equal(l, pad);
                        assert_memory_equal(m, head, (size_t)hl);
                }
        assert_int_equal(n, -EAGAIN);
}

static void push_numbered(struct frame_out *out, int i, size_t pad)
{
        char *msg = malloc(pad);
        int hl;

        assert_non_null(msg);
        memset(msg, '.', pad);
        hl = snprintf(msg, pad, "m%d:", i);
        msg[hl] = '.';
        assert_int_equal(frame_out_push(out, msg, pad), 0);
        free(msg);
}

static void test_out_full_socket(void **state)
{
        const size_t pad = 1000;
        const int count = 2000; /* ~2 MB: far more than the socket takes */
        struct frame_out out;
        struct frame_in in;
        int sv[2], small = 4096, seen = 0, rounds = 0;
        ssize_t pending, last;

        make_pair(sv);
        assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
        assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);

        frame_out_init(&out);
        frame_in_init(&in, pad);
        for (int i = 0; i < count; i++)
                push_numbered(&out, i, pad);
        assert_int_equal(frame_out_pending(&out), count * (pad + 1));

        pending = frame_out_flush(&out, sv[0]);
        assert_true(pending > 0);
        assert_true((size_t)pending < count * (pad + 1));
        assert_int_equal((size_t)pending, frame_out_pending(&out));
        /* Nothing was read: flushing again makes no progress and still does not block. */
        assert_int_equal(frame_out_flush(&out, sv[0]), pending);

        /* Pushing while output is pending keeps the order. */
        push_numbered(&out, count, pad);
        pending += (ssize_t)(pad + 1);

        last = pending;
        while (pending > 0) {
                drain_check(&in, sv[1], &seen, pad);
                pending = frame_out_flush(&out, sv[0]);
                assert_true(pending >= 0);
                assert_true(pending < last);
                last = pending;
                rounds++;
        }
        drain_check(&in, sv[1], &seen, pad);
        assert_int_equal(seen, count + 1);
        assert_true(rounds > 10);
        assert_int_equal(frame_out_pending(&out), 0);
        assert_int_equal(frame_in_partial(&in), 0);

        frame_in_done(&in);
        frame_out_done(&out);
        close(sv[0]);
        close(sv[1]);
}

static void test_out_blocking_socket_does_not_block(void **state)
{
        struct frame_out out;
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        frame_out_init(&out);
        for (int i = 0; i < 1000; i++)
                push_numbered(&out, i, 4000);
        assert_true(frame_out_flush(&out, sv[0]) > 0);
        frame_out_done(&out);
        close(sv[0]);
        close(sv[1]);
}

static void test_out_epipe(void **state)
{
        struct frame_out out;
        int sv[2];

        /* MSG_NOSIGNAL: no SIGPIPE even with the default disposition. */
        signal(SIGPIPE, SIG_DFL);
        make_pair(sv);
        close(sv[1]);
        frame_out_init(&out);
        assert_int_equal(frame_out_push(&out, "lost", 4), 0);
        assert_int_equal(frame_out_flush(&out, sv[0]), -EPIPE);
        assert_int_equal(frame_out_pending(&out), 5);
        assert_int_equal(frame_out_flush(&out, sv[0]), -EPIPE);
        close(sv[0]);
        assert_int_equal(frame_out_flush(&out, sv[0]), -EBADF);
        frame_out_done(&out);

        /* Peer closed with unread data, after part of the output went out. */
        make_pair(sv);
        frame_out_init(&out);
        for (int i = 0; i < 500; i++)
                push_numbered(&out, i, 1000);
        assert_true(frame_out_flush(&out, sv[0]) > 0);
        close(sv[1]);
        ssize_t r = frame_out_flush(&out, sv[0]);
        assert_true(r == -EPIPE || r == -ECONNRESET);
        frame_out_done(&out);
        close(sv[0]);
}

static void test_out_pipe(void **state)
{
        struct frame_out out;
        struct frame_in in;
        int p[2], seen = 0;
        ssize_t pending;

        /* Not a socket: write(2) instead of send(2). */
        assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
        frame_out_init(&out);
        frame_in_init(&in, 100);
        assert_int_equal(frame_out_push(&out, "via pipe", 8), 0);
        assert_int_equal(frame_out_flush(&out, p[1]), 0);
        assert_int_equal(frame_in_read(&in, p[0]), 9);
        expect_msg(&in, "via pipe");

        /* A full pipe is a pending count too. */
        for (int i = 0; i < 1000; i++)
                push_numbered(&out, i, 100);
        pending = frame_out_flush(&out, p[1]);
        assert_true(pending > 0);
        while (pending > 0) {
                drain_check(&in, p[0], &seen, 100);
                pending = frame_out_flush(&out, p[1]);
                assert_true(pending >= 0);
        }
        drain_check(&in, p[0], &seen, 100);
        assert_int_equal(seen, 1000);

        frame_in_done(&in);
        frame_out_done(&out);
        close(p[0]);
        close(p[1]);
}

static void test_out_compaction(void **state)
{
        /* Pushing and partly flushing for a long time keeps the buffer small. */
        struct frame_out out;
        struct frame_in in;
        int sv[2], small = 4096, seen = 0, pushed = 0;

        make_pair(sv);
        assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
        frame_out_init(&out);
        frame_in_init(&in, 200);
        for (int round = 0; round < 20000; round++) {
                push_numbered(&out, pushed++, 200);
                assert_true(frame_out_flush(&out, sv[0]) >= 0);
                drain_check(&in, sv[1], &seen, 200);
        }
        while (frame_out_flush(&out, sv[0]) > 0)
                drain_check(&in, sv[1], &seen, 200);
        drain_check(&in, sv[1], &seen, 200);
        assert_int_equal(seen, pushed);
        assert_true(out.cap <= 64 * 1024);
        frame_in_done(&in);
        frame_out_done(&out);
        close(sv[0]);
        close(sv[1]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_in_single),
            cmocka_unit_test(test_in_several_in_one_append),
            cmocka_unit_test(test_in_byte_by_byte),
            cmocka_unit_test(test_in_split_messages),
            cmocka_unit_test(test_in_limit),
            cmocka_unit_test(test_in_compaction),
            cmocka_unit_test(test_in_read),
            cmocka_unit_test(test_out_basic),
            cmocka_unit_test(test_out_full_socket),
            cmocka_unit_test(test_out_blocking_socket_does_not_block),
            cmocka_unit_test(test_out_epipe),
            cmocka_unit_test(test_out_pipe),
            cmocka_unit_test(test_out_compaction),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
