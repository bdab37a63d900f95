/* NUL-framed message buffers.
 *
 * Input: bytes accumulate in data[head, len); in->scan remembers how far past head is known
 * to hold no NUL, so a message arriving in many small reads is scanned once, O(n) overall.
 * Consumed bytes are reclaimed by moving the remainder to the front only when head has passed
 * half the allocation (or everything was consumed), so each byte is moved O(1) times.
 *
 * Output: data[head, len) is pending; the same compaction rule applies before growing.
 * frame_out_flush tries send(MSG_NOSIGNAL | MSG_DONTWAIT) and falls back to write(2) when
 * the fd is not a socket (ENOTSOCK). Note that write(2) to a pipe whose reader has gone
 * raises SIGPIPE: processes writing frames to pipes should ignore that signal. */
#include "frame.h"

#include "util.h"

#include <stdint.h>
#include <sys/socket.h>

#define FRAME_READ_CHUNK (64 * 1024)
#define FRAME_MIN_ALLOC  4096

/* Make room for at least `need` more bytes after len, reclaiming consumed space first.
 * Returns 0 or -ENOMEM. */
static int buffer_reserve(char **data, size_t *len, size_t *cap, size_t *head, size_t need)
{
        size_t want, ncap;
        char *n;

        /* Move only when the bytes moved are paid for by at least as many consumed ones. */
        if (*head > 0 &&
            (*head == *len || *head >= *cap / 2 || (*cap - *len < need && *head >= *len - *head))) {
                memmove(*data, *data + *head, *len - *head);
                *len -= *head;
                *head = 0;
        }
        if (*cap - *len >= need)
                return 0;

        if (__builtin_add_overflow(*len, need, &want))
                return -ENOMEM;
        ncap = *cap > FRAME_MIN_ALLOC ? *cap : FRAME_MIN_ALLOC;
        while (ncap < want) {
                if (ncap > SIZE_MAX / 2) {
                        ncap = want;
                        break;
                }
                ncap *= 2;
        }
        n = realloc(*data, ncap);
        if (!n)
                return -ENOMEM;
        *data = n;
        *cap = ncap;
        return 0;
}

void frame_in_init(struct frame_in *in, size_t max_message)
{
        *in = (struct frame_in){.max = max_message};
}

void frame_in_done(struct frame_in *in)
{
        free(in->data);
        *in = (struct frame_in){.max = in->max};
}

int frame_in_append(struct frame_in *in, const void *data, size_t n)
{
        int r;

        if (n == 0)
                return 0;
        r = buffer_reserve(&in->data, &in->len, &in->cap, &in->head, n);
        if (r < 0)
                return r;
        memcpy(in->data + in->len, data, n);
        in->len += n;
        return 0;
}

ssize_t frame_in_read(struct frame_in *in, int fd)
{
        ssize_t n;
        int r;

        r = buffer_reserve(&in->data, &in->len, &in->cap, &in->head, FRAME_READ_CHUNK);
        if (r < 0)
                return r;
        do
                n = read(fd, in->data + in->len, FRAME_READ_CHUNK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        in->len += (size_t)n;
        return n;
}

int frame_in_next(struct frame_in *in, const char **ret, size_t *ret_len)
{
        const char *start, *nul;
        size_t held, msg_len;

        held = in->len - in->head;
        if (in->scan >= held)
                goto incomplete;
        start = in->data + in->head;
        nul = memchr(start + in->scan, '\0', held - in->scan);
        if (!nul) {
                in->scan = held;
                goto incomplete;
        }

        msg_len = (size_t)(nul - start);
        if (msg_len > in->max) {
                in->scan = msg_len; /* stays an error: the NUL is found again next time */
                return -EMSGSIZE;
        }
        in->head += msg_len + 1;
        in->scan = 0;
        if (in->head == in->len)
                in->head = in->len = 0; /* the bytes stay in place until the next append */
        *ret = start;
        *ret_len = msg_len;
        return 1;

incomplete:
        return in->scan > in->max ? -EMSGSIZE : 0;
}

size_t frame_in_partial(const struct frame_in *in)
{
        size_t held = in->len - in->head;
        const char *last;

        if (held == 0)
                return 0;
        last = memrchr(in->data + in->head, '\0', held);
        if (!last)
                return held;
        return (size_t)(in->data + in->len - (last + 1));
}

void frame_out_init(struct frame_out *out)
{
        *out = (struct frame_out){0};
}

size_t frame_out_release(struct frame_out *out, size_t keep)
{
        size_t cap = out->cap;

        if (out->head != out->len || cap <= keep)
                return 0;
        frame_out_done(out);
        return cap;
}

size_t frame_in_release(struct frame_in *in, size_t keep)
{
        size_t cap = in->cap;

        if (in->head != in->len || cap <= keep)
                return 0;
        frame_in_done(in);
        return cap;
}

void frame_out_done(struct frame_out *out)
{
        free(out->data);
        *out = (struct frame_out){0};
}

int frame_out_push(struct frame_out *out, const char *msg, size_t len)
{
        size_t need;
        int r;

        if (__builtin_add_overflow(len, (size_t)1, &need))
                return -ENOMEM;
        r = buffer_reserve(&out->data, &out->len, &out->cap, &out->head, need);
        if (r < 0)
                return r;
        if (len > 0)
                memcpy(out->data + out->len, msg, len);
        out->data[out->len + len] = '\0';
        out->len += need;
        return 0;
}

size_t frame_out_pending(const struct frame_out *out)
{
        return out->len - out->head;
}

ssize_t frame_out_flush(struct frame_out *out, int fd)
{
        bool use_write = false;

        while (out->head < out->len) {
                size_t left = out->len - out->head;
                ssize_t n;

                if (!use_write) {
                        n = send(fd, out->data + out->head, left, MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (n < 0 && errno == ENOTSOCK) {
                                use_write = true;
                                continue;
                        }
                } else
                        n = write(fd, out->data + out->head, left);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                break;
                        return -errno;
                }
                if (n == 0)
                        break; /* no progress and no error: try again when writable */
                out->head += (size_t)n;
        }

        if (out->head == out->len)
                out->head = out->len = 0;
        return (ssize_t)(out->len - out->head);
}
